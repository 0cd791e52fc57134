// The kill -9 test: `bangban-node submit` promises that every id it prints is durable ("each id
// is printed only after its batch is durable"). Kill it with SIGKILL in the middle of a
// 100,000-record submission and check that every id it printed survived, that the store is
// intact (the hub accepts and audits everything) and that the node keeps working.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/bundle.h"
#include "tests/cli/cli_process.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t kRecords = 100'000;
constexpr size_t kKillAfter = 30'000;  // printed ids
constexpr auto kMaxWait = std::chrono::seconds(120);

std::string SubmitLine(size_t i) {
  char app_id[24];
  std::snprintf(app_id, sizeof app_id, "K-%06zu", i);
  json line = {{"type", "app.submit"},
               {"app_id", app_id},
               {"kind", i % 7 == 0 ? "change" : "establish"},
               {"entity_type", "individual"},
               {"entity_name", "盐湖区商户" + std::to_string(i)},
               {"applicant", {{"id_number", "11010519491231002X"}, {"name", "张三明"}}},
               {"realname_verified", true},
               {"channel", "outlet"},
               {"fee_cents", 0},
               {"helper", "李四"},
               {"materials", {"id_card"}}};
  return line.dump() + "\n";
}

long Count(const std::string& out, const std::string& word) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("\\b" + word + " ([0-9]+)"))) return std::stol(m[1]);
  return -1;
}

// Counts complete lines in a file that another process is writing.
size_t CompleteLines(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return 0;
  std::string text = cli::ReadFile(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(CrashTest, KilledSubmitKeepsEveryPrintedId) {
  auto started = std::chrono::steady_clock::now();
  std::string phases;  // wall time per phase, for the log (never asserted)
  auto mark = [&, last = started](const char* phase) mutable {
    auto now = std::chrono::steady_clock::now();
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, " %s %.1fs", phase, std::chrono::duration<double>(now - last).count());
    phases += buffer;
    last = now;
  };
  cli::TempDir tmp;
  auto run = [&](std::vector<std::string> args) { return cli::Run(args, "", {}, tmp.path()); };

  cli::Result hub_init = run({cli::kHubBin, "init", "--data", "H", "--role", "county", "--name",
                              "盐湖区行政审批服务管理局", "--county", "140802", "--simulation"});
  ASSERT_EQ(hub_init.exit_code, 0) << hub_init.Describe();
  std::string hub_key = hub_init.out.substr(0, 64);
  cli::Result node_init =
      run({cli::kNodeBin, "init", "--data", "N", "--outlet", "YH-001", "--county", "140802", "--county-key", hub_key,
           "--simulation", "--sealing-key", cli::SealingKeyFromInit(hub_init.err)});
  ASSERT_EQ(node_init.exit_code, 0) << node_init.Describe();
  std::string node_key = node_init.out.substr(0, 64);
  cli::Result enroll = run({cli::kHubBin, "enroll", "--data", "H", "--key", node_key, "--role", "outlet", "--name",
                            "网点", "--outlet-id", "YH-001"});
  ASSERT_EQ(enroll.exit_code, 0) << enroll.Describe();

  {
    std::string text;
    text.reserve(kRecords * 320);
    for (size_t i = 1; i <= kRecords; ++i) text += SubmitLine(i);
    cli::WriteFile(tmp / "big.jsonl", text);
  }
  mark("setup");

  // Submit in the background; kill -9 once enough ids have been printed.
  fs::path out_file = tmp / "submit.out";
  cli::Process submit = cli::Spawn({cli::kNodeBin, "submit", "--data", "N", "big.jsonl"}, out_file, tmp / "submit.err",
                                   {}, {}, tmp.path());
  auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  size_t seen = 0;
  std::optional<int> ended;
  while (std::chrono::steady_clock::now() < deadline) {
    seen = CompleteLines(out_file);
    if (seen >= kKillAfter) break;
    ended = submit.TryWait();
    if (ended) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  bool killed = false;
  if (!ended) {
    ASSERT_GE(seen, kKillAfter) << "submit printed only " << seen << " ids within " << kMaxWait.count() << " s";
    killed = submit.Kill(SIGKILL);
  }
  int status = submit.Wait();
  mark("submit-until-kill");
  ASSERT_TRUE(killed) << "submit ended by itself (exit " << status << ") after printing " << seen
                      << " ids, before it could be killed\n"
                      << cli::ReadFile(tmp / "submit.err");
  EXPECT_TRUE(submit.signaled()) << "exit " << status;
  EXPECT_EQ(status, 128 + SIGKILL);

  // The ids printed: full 64-hex lines only; a partial last line is ignored.
  std::vector<std::string> printed = cli::Lines(cli::ReadFile(out_file), /*complete_only=*/true);
  for (const std::string& id : printed) ASSERT_TRUE(cli::IsHex64(id)) << "not an id: '" << id << "'";
  std::set<std::string> printed_set(printed.begin(), printed.end());
  ASSERT_EQ(printed_set.size(), printed.size()) << "an id was printed twice";
  ASSERT_GE(printed.size(), kKillAfter);
  ASSERT_LT(printed.size(), kRecords) << "everything was printed: the kill came too late to test anything";

  // The node's own view: its feed reaches at least the last printed id.
  cli::Result st = run({cli::kNodeBin, "status", "--data", "N", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.Describe();
  json status_doc = json::parse(st.out, nullptr, false);
  ASSERT_FALSE(status_doc.is_discarded()) << st.out.substr(0, 2000);
  uint64_t seq = status_doc["feed"]["seq"].get<uint64_t>();
  EXPECT_GE(seq, printed.size());
  EXPECT_LE(seq, kRecords);
  mark("status");

  // Every printed id is in what the node exports...
  cli::Result exp = run({cli::kNodeBin, "export", "--data", "N", "--out", "n.bundle"});
  ASSERT_EQ(exp.exit_code, 0) << exp.Describe();
  bangban::BundleContents bundle = bangban::ReadBundle(tmp / "n.bundle");
  EXPECT_TRUE(bundle.problems.empty()) << bundle.problems.front().ToString();
  EXPECT_EQ(bundle.records.size(), seq);
  std::set<std::string> exported;
  for (const bangban::Record& r : bundle.records) exported.insert(bangban::ToHex(r.id()));
  size_t missing = 0;
  for (const std::string& id : printed) missing += exported.count(id) == 0;
  EXPECT_EQ(missing, 0u) << missing << " of " << printed.size() << " printed ids were lost";
  mark("export+check");

  // ...and the hub, which checks every signature and chain link, accepts them all.
  cli::Result imp = run({cli::kHubBin, "import", "--data", "H", "n.bundle"});
  EXPECT_EQ(imp.exit_code, 0) << imp.Describe();
  EXPECT_GE(Count(imp.out, "accepted"), static_cast<long>(printed.size())) << imp.Describe();
  EXPECT_EQ(Count(imp.out, "accepted"), static_cast<long>(seq)) << imp.Describe();
  cli::Result audit = run({cli::kHubBin, "audit", "--data", "H"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
  mark("hub-import+audit");

  // The store still works after the crash: the feed continues where it stopped.
  std::string more;
  for (size_t i = kRecords + 1; i <= kRecords + 10; ++i) more += SubmitLine(i);
  cli::Result again = cli::Run({cli::kNodeBin, "submit", "--data", "N", "-"}, more, {}, tmp.path());
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_EQ(cli::Lines(again.out).size(), 10u) << again.Describe();
  cli::Result st2 = run({cli::kNodeBin, "status", "--data", "N", "--json"});
  ASSERT_EQ(st2.exit_code, 0) << st2.Describe();
  EXPECT_EQ(json::parse(st2.out)["feed"]["seq"].get<uint64_t>(), seq + 10);
  cli::Result exp2 = run({cli::kNodeBin, "export", "--data", "N", "--out", "n2.bundle"});
  ASSERT_EQ(exp2.exit_code, 0) << exp2.Describe();
  cli::Result imp2 = run({cli::kHubBin, "import", "--data", "H", "n2.bundle"});
  EXPECT_EQ(imp2.exit_code, 0) << imp2.Describe();
  EXPECT_EQ(Count(imp2.out, "accepted"), 10) << imp2.Describe();
  EXPECT_EQ(run({cli::kHubBin, "audit", "--data", "H"}).exit_code, 0);
  mark("resubmit+reimport+audit");

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[crash_test] killed after %zu printed ids; feed seq %llu; wall time %.1f s (%s)\n", printed.size(),
              static_cast<unsigned long long>(seq), seconds, phases.c_str());
  ::testing::Test::RecordProperty("printed_ids", static_cast<int>(printed.size()));
  ::testing::Test::RecordProperty("feed_seq", static_cast<int>(seq));
}

}  // namespace
