// The running simulation clock (protocol/clock.h, docs/operations.md "Clock") across real
// processes: a county hub daemon and an outlet node, both simulation parties, given the same
// BANGBAN_NOW, BANGBAN_CLOCK_EPOCH and BANGBAN_CLOCK_SPEED, agree on the time; the daemon turns
// a case yellow on its own as simulated working time passes; a command handed to the daemon
// runs on the same running clock; restarted on the same setting, a daemon continues forward.
#include <gtest/gtest.h>

#include <chrono>

#include "protocol/clock.h"
#include "tests/cli/city_fixture.h"

namespace city {
namespace {

// Monday, before the morning session: an application filed now is due at 12:00, and turns
// yellow at 75% of the session's 210 minutes, 11:07:30.
constexpr const char* kStart = "2026-03-02T08:20:00+08:00";
constexpr int64_t kSpeed = 600;  // a real second is ten simulated minutes
constexpr int64_t kMinuteMs = 60'000;

int64_t RealMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class RunningClockTest : public ::testing::Test {
 protected:
  cli::Result Hub(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), cli::kHubBin);
    return cli::Run(args, input, clock_, tmp_.path());
  }
  cli::Result Node(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), cli::kNodeBin);
    return cli::Run(args, input, clock_, tmp_.path());
  }
  // The simulated time now, as every party computes it.
  int64_t SimulatedNow() const { return *bangban::ParseRfc3339(kStart) + (RealMs() - epoch_) * kSpeed; }

  cli::TempDir tmp_;
  const int64_t epoch_ = RealMs();
  const cli::Env clock_ = {std::string("BANGBAN_NOW=") + kStart, "BANGBAN_CLOCK_EPOCH=" + std::to_string(epoch_),
                           "BANGBAN_CLOCK_SPEED=" + std::to_string(kSpeed)};
};

TEST_F(RunningClockTest, PartiesOnOneSettingAgreeAndACaseTurnsYellowOnItsOwn) {
  const std::string calendar = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml";
  cli::Result init = Hub({"init", "--data", "H", "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
                          kCounty, "--simulation", "--calendar", calendar});
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  const std::string hub_key = init.out.substr(0, 64);
  const int port = FreePort();
  cli::Result node =
      Node({"init", "--data", "N", "--outlet-id", "YH-001", "--county", kCounty, "--county-key", hub_key,
            "--simulation", "--sealing-key", cli::SealingKeyFromInit(init.err), "--upstream", Loopback(port)});
  ASSERT_EQ(node.exit_code, 0) << node.Describe();
  cli::Result enroll = Hub({"enroll", "--data", "H", "--key", node.out.substr(0, 64), "--role", "outlet", "--name",
                            "东郭村便民服务站", "--outlet-id", "YH-001"});
  ASSERT_EQ(enroll.exit_code, 0) << enroll.Describe();
  Daemon daemon("hub", {cli::kHubBin, "run", "--data", (tmp_ / "H").string(), "--listen", Loopback(port)}, tmp_.path(),
                clock_);
  ASSERT_TRUE(WaitFor([&] { return daemon.Logged("watching"); })) << daemon.Log();
  ASSERT_LT(SimulatedNow(), *bangban::ParseRfc3339("2026-03-02T10:30:00+08:00")) << "the machine is too slow";

  // Filed and synced on the same clock: the node stamps the record, the daemon receives it.
  cli::Result submit = Node({"submit", "--data", "N", "-"}, AppSubmit("L-1", "盐湖区准点小店").dump() + "\n");
  ASSERT_EQ(submit.exit_code, 0) << submit.Describe();
  const int64_t filed_after = SimulatedNow();
  cli::Result sync = Node({"sync", "--data", "N"});
  ASSERT_EQ(sync.exit_code, 0) << sync.Describe();
  const int64_t synced_before = SimulatedNow();

  // The case the daemon opened is dated by its clock: after the node filed it, before the sync
  // returned (the running clock agrees across the processes), and due at noon.
  cli::Result queue = Hub({"queue", "--data", "H", "--json"});  // handed to the daemon
  ASSERT_EQ(queue.exit_code, 0) << queue.Describe();
  const json open = json::parse(queue.out)["open"];
  ASSERT_EQ(open.size(), 1u) << queue.out;
  EXPECT_EQ(open[0]["app_id"], "L-1");
  EXPECT_EQ(open[0]["colour"], "green");
  const auto received = bangban::ParseRfc3339(open[0]["received"].get<std::string>());
  ASSERT_TRUE(received) << open.dump();
  EXPECT_GE(*received, filed_after - kSpeed * 10) << open.dump();  // the sync came after (10 real ms of slack)
  EXPECT_LE(*received, synced_before) << open.dump();
  EXPECT_EQ(open[0]["deadline"], "2026-03-02T12:00:00.000+08:00") << open.dump();

  // Nobody touches it: at 11:07:30 simulated it turns yellow, and the daemon says so within a
  // simulated minute or two.
  ASSERT_TRUE(WaitFor([&] { return daemon.Logged("case L-1 of outlet YH-001: green -> yellow"); },
                      std::chrono::seconds(90), std::chrono::milliseconds(50)))
      << daemon.Log();
  const int64_t seen = SimulatedNow();
  EXPECT_GE(seen, *bangban::ParseRfc3339("2026-03-02T11:07:30+08:00"));
  EXPECT_LE(seen, *bangban::ParseRfc3339("2026-03-02T11:07:30+08:00") + 3 * kMinuteMs) << daemon.Log();
  cli::Result later = Hub({"queue", "--data", "H", "--json"});
  ASSERT_EQ(later.exit_code, 0) << later.Describe();
  EXPECT_EQ(json::parse(later.out)["open"][0]["colour"], "yellow") << later.out;
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();

  // Restarted on the same setting, the daemon continues forward: what it receives now is dated
  // after everything before the restart, and the late case does not turn back to green.
  const int64_t stopped_after = SimulatedNow();
  Daemon again("hub", {cli::kHubBin, "run", "--data", (tmp_ / "H").string(), "--listen", Loopback(port)}, tmp_.path(),
               clock_);
  ASSERT_TRUE(WaitFor([&] { return again.Logged("watching"); })) << again.Log();
  cli::Result second = Node({"submit", "--data", "N", "-"}, AppSubmit("L-2", "盐湖区重启小店").dump() + "\n");
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  cli::Result resync = Node({"sync", "--data", "N"});
  ASSERT_EQ(resync.exit_code, 0) << resync.Describe();
  cli::Result after = Hub({"queue", "--data", "H", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.Describe();
  bool found = false;
  const json queue_after = json::parse(after.out);
  for (const json& entry : queue_after["open"]) {
    if (entry["app_id"] == "L-2") {
      found = true;
      EXPECT_GE(*bangban::ParseRfc3339(entry["received"].get<std::string>()), stopped_after) << after.out;
    }
    if (entry["app_id"] == "L-1") EXPECT_NE(entry["colour"], "green") << after.out;
  }
  EXPECT_TRUE(found) << after.out;
  EXPECT_EQ(again.Stop(), 0) << again.Log();
}

// A process given only part of a running clock, or a malformed one, refuses it with bad_now
// and writes nothing; a party that is not a simulation party refuses any with
// fixed_clock_refused.
TEST_F(RunningClockTest, ABadOrPartialSettingIsRefused) {
  cli::Result init = cli::Run({cli::kHubBin, "init", "--data", "H", "--role", "county", "--name",
                               "盐湖区行政审批服务管理局", "--county", kCounty, "--simulation"},
                              "", clock_, tmp_.path());
  ASSERT_EQ(init.exit_code, 0) << init.Describe();
  for (const cli::Env& bad :
       {cli::Env{std::string("BANGBAN_NOW=") + kStart, "BANGBAN_CLOCK_EPOCH=soon"},
        cli::Env{std::string("BANGBAN_NOW=") + kStart, "BANGBAN_CLOCK_EPOCH=1767225600000", "BANGBAN_CLOCK_SPEED=0"},
        cli::Env{"BANGBAN_NOW", "BANGBAN_CLOCK_EPOCH=1767225600000"}}) {
    cli::Result r = cli::Run({cli::kHubBin, "user", "add", "--data", "H", "--name", "r09", "--role", "reviewer"}, "",
                             bad, tmp_.path());
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("error: bad_now: BANGBAN_"), std::string::npos) << r.Describe();
  }
  cli::Result list = cli::Run({cli::kHubBin, "user", "list", "--data", "H", "--json"}, "", clock_, tmp_.path());
  EXPECT_EQ(list.out.find("r09"), std::string::npos) << list.Describe();

  cli::Result production = cli::Run({cli::kHubBin, "init", "--data", "P", "--role", "county", "--name",
                                     "盐湖区行政审批服务管理局", "--county", kCounty},
                                    "", kRealClock, tmp_.path());
  ASSERT_EQ(production.exit_code, 0) << production.Describe();
  cli::Result refused = cli::Run({cli::kHubBin, "status", "--data", "P"}, "", clock_, tmp_.path());
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("error: fixed_clock_refused:"), std::string::npos) << refused.Describe();
}

}  // namespace
}  // namespace city
