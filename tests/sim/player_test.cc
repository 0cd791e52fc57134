// Tests of sim/player.h with stand-in programs (small shell scripts in place of bangban-node and
// bangban-hub) on a simulated clock running at top speed: acts run in order with the arguments
// an operator would type, a record id printed by a submit reaches the verdict that names it,
// an act that fails is tried again later, and the end of the plan is waited for.
#include "sim/player.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "protocol/clock.h"

namespace bangban {
namespace {

using Json = nlohmann::json;

class PlayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "bangban-player-test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // Every call appends its arguments to calls.txt. The node prints a record id for submit;
    // the hub fails its first review (the application "has not arrived yet").
    Script("node", "echo \"node $*\" >> " + (dir_ / "calls.txt").string() +
                       "\ncase \"$1\" in submit) cat >/dev/null; echo 00ff00ff;; esac\n");
    Script("hub", "echo \"hub $*\" >> " + (dir_ / "calls.txt").string() + "\nif [ \"$1\" = review ] && [ ! -f " +
                      (dir_ / "arrived").string() + " ]; then touch " + (dir_ / "arrived").string() +
                      "; echo 'error: unknown_app: no application' >&2; exit 1; fi\n");
    using namespace std::chrono;
    const int64_t real = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    ::setenv("BANGBAN_NOW", "2026-03-02T09:00:00+08:00", 1);
    ::setenv("BANGBAN_CLOCK_EPOCH", std::to_string(real).c_str(), 1);
    ::setenv("BANGBAN_CLOCK_SPEED", "10000", 1);  // ten simulated minutes in 60 real ms
  }
  void TearDown() override {
    ::unsetenv("BANGBAN_NOW");
    ::unsetenv("BANGBAN_CLOCK_EPOCH");
    ::unsetenv("BANGBAN_CLOCK_SPEED");
    std::filesystem::remove_all(dir_);
  }

  void Script(const std::string& name, const std::string& body) {
    std::ofstream(dir_ / name) << "#!/bin/sh\n" << body;
    ::chmod((dir_ / name).c_str(), 0700);
  }
  std::string Calls() {
    std::ifstream in(dir_ / "calls.txt");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  CityLayout Layout() const { return {dir_ / "node", dir_ / "hub", dir_}; }

  std::filesystem::path dir_;
};

int64_t At(const char* text) { return *ParseRfc3339(text); }

Json Plan() {
  Json complaint = {{"type", "complaint.file"}, {"outlet_id", "140802-01"}, {"category", "slow"}, {"text", "等了很久"}};
  return {{"outlets", {{{"id", "140802-01"}, {"county", "140802"}, {"daemon", true}, {"bundle_only", false}}}},
          {"counties", {{{"code", "140802"}}}},
          {"end_ms", At("2026-03-02T09:40:00+08:00")},
          {"events",
           {{{"at_ms", At("2026-03-02T09:00:00+08:00")},
             {"what", "submit"},
             {"args", {{"outlet", "140802-01"}, {"key", "complaint-1"}, {"record", complaint}}}},
            {{"at_ms", At("2026-03-02T09:05:00+08:00")},
             {"what", "review"},
             {"args",
              {{"county", "140802"},
               {"outlet", "140802-01"},
               {"app", "A-1"},
               {"action", "correct"},
               {"reviewer", "r01"},
               {"reason", "请补交经营场所证明"}}}},
            {{"at_ms", At("2026-03-02T09:10:00+08:00")},
             {"what", "verdict"},
             {"args",
              {{"county", "140802"},
               {"complaint", "complaint-1"},
               {"upheld", true},
               {"deduction", 1},
               {"reason", "属实"}}}}}}};
}

TEST_F(PlayerTest, ActsInOrderCarryingRecordIdsAndRetryingWhatCannotHappenYet) {
  std::atomic<bool> stop{false};
  std::vector<std::string> lines;
  const PlayReport report = Play(Plan(), Layout(), stop, [&](const std::string& line) { lines.push_back(line); });
  EXPECT_EQ(report.acts, 3);
  EXPECT_EQ(report.retries, 1);  // the review, before its application "arrived"
  EXPECT_EQ(report.given_up, 0);
  const std::string calls = Calls();
  const std::string county = (dir_ / "counties/140802").string();
  const size_t submit = calls.find("node submit --data " + (dir_ / "outlets/140802-01").string() + " -");
  const size_t verdict =
      calls.find("hub complaint verdict --data " + county + " 00ff00ff --upheld --reason 属实 --deduction 1");
  const size_t review = calls.rfind("hub review --data " + county +
                                    " correct A-1 --reviewer r01 --outlet 140802-01 --reason 请补交经营场所证明");
  ASSERT_NE(submit, std::string::npos) << calls;
  ASSERT_NE(verdict, std::string::npos) << calls;
  ASSERT_NE(review, std::string::npos) << calls;
  EXPECT_LT(submit, verdict);
  EXPECT_LT(verdict, review);  // the retried review came ten simulated minutes later, after the verdict
  EXPECT_GE(NowMs(), At("2026-03-02T09:45:00+08:00"));  // it played on to five minutes after the end
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("(done)"), std::string::npos) << lines.back();
}

TEST_F(PlayerTest, StopsBetweenActsWhenAsked) {
  std::atomic<bool> stop{true};
  const PlayReport report = Play(Plan(), Layout(), stop, [](const std::string&) {});
  EXPECT_EQ(report.acts, 0);
  EXPECT_EQ(Calls().find("node submit"), std::string::npos);
}

TEST_F(PlayerTest, GivesUpOnAnActThatNeverSucceedsAndSaysSo) {
  Script("hub", "echo 'error: unknown_app: no application' >&2; exit 1\n");
  Json plan = Plan();
  plan["events"].erase(2);  // no verdict
  std::vector<std::string> lines;
  std::atomic<bool> stop{false};
  const PlayReport report = Play(plan, Layout(), stop, [&](const std::string& line) { lines.push_back(line); });
  EXPECT_EQ(report.acts, 1);
  EXPECT_EQ(report.given_up, 1);
  EXPECT_EQ(report.retries, kMaxTries - 1);
  bool named = false;
  for (const std::string& line : lines)
    named |= line.find("gave up: review") != std::string::npos && line.find("unknown_app") != std::string::npos;
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace bangban
