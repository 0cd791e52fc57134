// Fault injection with real processes on loopback and real LMDB data dirs (issue 13,
// deliverable 4): kill -9 against a hub and against a node while they sync under load, a full
// disk, wall-clock jumps on a node and on a hub (libfaketime, never the machine's clock), and a
// flood of connections from unknown keys while an enrolled node syncs.
//
// What must hold after every fault: nothing acknowledged is lost, nothing is stored twice, and
// `audit` is clean. A corrupted LMDB file is covered by finding 4's tests:
// CliTest.DamagedStoredRecordsAreNamedAndEverythingElseStillWorks (audit names every damaged
// record, export saves the good ones, reindex never leaves the projection worse),
// CliTest.AuditCatchesAByteChangedInTheStore and FeedAuditTest.EveryFlippedByteIsNamed.
//
// The KillNine tests run BANGBAN_KILL_CYCLES cycles (default 5, so CI stays fast; the soak
// command sets 100). The disk-full test mounts a small tmpfs, so it runs as root (as the
// sandbox and CI do); the clock tests need Debian's faketime (deploy/install-deps.sh).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/identity.h"
#include "storage/bundle.h"
#include "storage/feed_store.h"
#include "storage/lmdb.h"
#include "storage/receipt_log_index.h"
#include "storage/transparency_log.h"
#include "tests/cli/city_fixture.h"
#include "tests/cli/raw_sync_client.h"

namespace {

using namespace city;
using std::chrono::milliseconds;
using std::chrono::seconds;

// BANGBAN_KILL_CYCLES, or 5.
size_t KillCycles() {
  const char* text = std::getenv("BANGBAN_KILL_CYCLES");
  if (text == nullptr || *text == '\0') return 5;
  const long n = std::strtol(text, nullptr, 10);
  return n > 0 ? static_cast<size_t>(n) : 5;
}

// The largest resident memory the process `pid` has had (VmHWM), in bytes; 0 if unknown.
size_t PeakMemory(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

constexpr const char* kFakeTimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

class FaultInjectionTest : public CityFixture {
 protected:
  ~FaultInjectionTest() override {
    // Stop the daemons before the small disk goes away under them.
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) (*it)->Stop(seconds(15));
    if (!mounted_.empty()) ::umount2(mounted_.c_str(), MNT_DETACH);
  }

  // County hub "Y" (no city) on a free port.
  void StartCounty(const cli::Env& env = kRealClock) {
    county_key_ = InitCounty("Y");
    WithoutDaemonLinking("Y");  // these tests count the hub's records exactly
    county_port_ = FreePort();
    county_ = StartDaemon("hub-Y",
                          {cli::kHubBin, "run", "--data", Path("Y").string(), "--listen", Loopback(county_port_)}, env);
  }

  Daemon* StartDaemon(const std::string& name, const std::vector<std::string>& args, const cli::Env& env) {
    daemons_.push_back(std::make_unique<Daemon>(name, args, tmp_.path(), env));
    return daemons_.back().get();
  }

  std::string AddOutlet(const std::string& dir, const std::string& outlet) {
    std::string key = InitNode(dir, outlet, county_key_, Loopback(county_port_));
    EnrollOutlet("Y", key, outlet);
    return key;
  }

  // The number of log leaves the node holds a signed acknowledgement for (0: none yet).
  uint64_t Acknowledged(const std::string& node_dir) {
    std::optional<bangban::Bytes> head = StoreMeta(Store(node_dir), "tree_head");
    return head ? bangban::TreeHead::Decode(*head).size : 0;
  }

  // The hub's receipt times of `records`, in the order of its log.
  std::vector<int64_t> ReceiptsInLogOrder(const std::string& hub, const std::vector<bangban::Record>& records) {
    std::map<uint64_t, int64_t> by_index;
    bangban::FeedStore store(Store(hub), bangban::FeedStore::Options{});
    bangban::ReceiptLogIndex index(store);
    bangban::TransparencyLog log(store.env(), &index);
    store.env().Read([&](bangban::LmdbTxn& txn) {
      for (const bangban::Record& r : records) {
        if (auto entry = log.Find(txn, r.id())) by_index[entry->index] = entry->received_ms;
      }
    });
    std::vector<int64_t> out;
    for (const auto& [index, ms] : by_index) out.push_back(ms);
    return out;
  }

  // libfaketime for a process whose clock is the offset in `file` ("+0", "-3h", "+1d"), re-read
  // on every call; the monotonic clock (ZeroMQ's timers) stays real.
  static cli::Env FakeClock(const fs::path& file) {
    cli::Env env{"BANGBAN_NOW", std::string("LD_PRELOAD=") + kFakeTimeLib, "FAKETIME_TIMESTAMP_FILE=" + file.string(),
                 "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1"};
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer refuses to start when a preloaded library comes before its runtime
    // (deploy/soak.sh): libfaketime only wraps the clock calls, so let it.
    const char* asan = std::getenv("ASAN_OPTIONS");
    env.push_back("ASAN_OPTIONS=" + std::string(asan ? asan : "") + ":verify_asan_link_order=0");
#endif
    return env;
  }

  std::string county_key_;
  int county_port_ = 0;
  Daemon* county_ = nullptr;
  std::string mounted_;
};

// ---- kill -9 -------------------------------------------------------------------------------------

// The hub is killed at a random moment while a node pushes a batch, then restarted, cycle after
// cycle: every record the node holds an acknowledgement for is in the killed hub's files, the
// node delivers the rest after the restart, audit is clean after each cycle, and in the end the
// hub holds the node's feed exactly once, seq 1..N.
TEST_F(FaultInjectionTest, KillNineTheHubWhileANodeSyncsUnderLoad) {
  StartCounty();
  const std::string a = AddOutlet("A", "YH-201");
  const uint64_t own = static_cast<uint64_t>(HubRecords("Y"));  // the hub's own log leaves
  Daemon* node = StartDaemon("node-A", {cli::kNodeBin, "run", "--data", Path("A").string()}, kRealClock);
  std::mt19937 random(13);
  std::vector<std::string> ids;
  const size_t cycles = KillCycles();
  for (size_t cycle = 1; cycle <= cycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::vector<std::string> batch = Submit("A", AppLines("A", ids.size() + 1, 400));  // handed to the node
    ASSERT_EQ(batch.size(), 400u);
    ids.insert(ids.end(), batch.begin(), batch.end());
    std::this_thread::sleep_for(milliseconds(random() % 400));
    ASSERT_TRUE(county_->running()) << county_->Log();
    county_->Kill9();
    const uint64_t acknowledged = Acknowledged("A");
    EXPECT_GE(own + Head("Y", a), acknowledged) << "the hub acknowledged records it did not keep";
    county_->Start();
    ASSERT_TRUE(WaitForHead("Y", a, ids.size(), seconds(120))) << Logs();
    ExpectAuditClean("Y");
  }
  EXPECT_EQ(node->Stop(), 0) << node->Log();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  EXPECT_EQ(FeedIds(HubRecordsExported("Y"), a), ids) << "records lost or duplicated across the kills";
  EXPECT_EQ(HubRecords("Y"), static_cast<long>(own + ids.size()));
}

// The node is killed at a random moment while it pushes to the hub, then restarted: it forgets
// nothing it printed an id for, sends nothing twice, and the hub ends with its feed exactly.
TEST_F(FaultInjectionTest, KillNineTheNodeWhileItSyncsUnderLoad) {
  StartCounty();
  const std::string a = AddOutlet("A", "YH-202");
  Daemon* node = StartDaemon("node-A", {cli::kNodeBin, "run", "--data", Path("A").string()}, kRealClock);
  std::mt19937 random(31);
  std::vector<std::string> ids;
  const size_t cycles = KillCycles();
  for (size_t cycle = 1; cycle <= cycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::vector<std::string> batch = Submit("A", AppLines("A", ids.size() + 1, 400));
    ASSERT_EQ(batch.size(), 400u);
    ids.insert(ids.end(), batch.begin(), batch.end());
    std::this_thread::sleep_for(milliseconds(random() % 400));
    node->Kill9();
    EXPECT_EQ(Head("A", a), ids.size()) << "the node lost records it had printed ids for";
    node->Start();
    ASSERT_TRUE(WaitForHead("Y", a, ids.size(), seconds(120))) << Logs();
    ExpectAuditClean("Y");
  }
  EXPECT_EQ(node->Stop(), 0) << node->Log();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  EXPECT_EQ(FeedIds(HubRecordsExported("Y"), a), ids) << "records lost or duplicated across the kills";
}

// ---- a full disk ---------------------------------------------------------------------------------

// The hub's data dir lives on a 3 MiB tmpfs that fills while a node pushes: the hub says the disk
// is full (and keeps running), the node keeps every record the hub did not acknowledge, nothing
// acknowledged is lost, and once the disk grows the node's records all arrive and audit is clean.
TEST_F(FaultInjectionTest, AFullDiskIsACleanErrorAndTheHubResumesWhenSpaceReturns) {
  ASSERT_EQ(::geteuid(), 0u) << "this test mounts a small tmpfs: run it as root";
  const fs::path small = Path("small");
  fs::create_directories(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=3m,mode=0700"), 0) << std::strerror(errno);
  mounted_ = small.string();
  county_key_ = InitCounty("small/Y");
  WithoutDaemonLinking("small/Y");
  county_port_ = FreePort();
  county_ = StartDaemon("hub-Y",
                        {cli::kHubBin, "run", "--data", Path("small/Y").string(), "--listen", Loopback(county_port_)},
                        kRealClock);
  const std::string a = InitNode("A", "YH-203", county_key_, Loopback(county_port_));
  EnrollOutlet("small/Y", a, "YH-203");
  const uint64_t own = static_cast<uint64_t>(HubRecords("small/Y"));
  std::vector<std::string> ids = Submit("A", AppLines("A", 1, 6000));
  ASSERT_EQ(ids.size(), 6000u);
  Daemon* node = StartDaemon("node-A", {cli::kNodeBin, "run", "--data", Path("A").string()}, kRealClock);

  ASSERT_TRUE(WaitFor([&] { return county_->Logged("probably full"); }, seconds(120))) << Logs();
  EXPECT_TRUE(county_->running()) << county_->Log();
  const uint64_t stored = StoreHeadSeq(Path("small/Y") / "store", Key(a));
  EXPECT_LT(stored, ids.size()) << "the disk never filled: nothing was tested";
  EXPECT_GE(own + stored, Acknowledged("A")) << "the hub acknowledged records it did not keep";
  EXPECT_EQ(Head("A", a), ids.size());

  // Space returns: the same hub, still running, takes the rest.
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT, "size=256m,mode=0700"), 0) << std::strerror(errno);
  ASSERT_TRUE(WaitFor([&] { return StoreHeadSeq(Path("small/Y") / "store", Key(a)) >= ids.size(); }, seconds(180)))
      << Logs();
  EXPECT_EQ(node->Stop(), 0) << node->Log();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  cli::Result exported = Hub({"export", "--data", "small/Y", "--out", "small.bundle"});
  ASSERT_EQ(exported.exit_code, 0) << exported.Describe();
  EXPECT_EQ(FeedIds(bangban::ReadBundle(Path("small.bundle")).records, a), ids);
  ExpectAuditClean("small/Y");
}

// ---- wall-clock jumps ------------------------------------------------------------------------------

// The hub's clock jumps back three hours and then a day forward, and the node's clock back two
// hours, while records flow (libfaketime, per process): every record arrives, the hub's receipt
// times never go backwards, audit is clean, and the SLA report counts every application with no
// negative time.
TEST_F(FaultInjectionTest, WallClockJumpsOnTheHubAndTheNodeKeepRecordsFlowingAndFiguresSane) {
  ASSERT_TRUE(fs::exists(kFakeTimeLib)) << "install Debian's faketime (deploy/install-deps.sh)";
  const fs::path hub_clock = Path("hub.clock"), node_clock = Path("node.clock");
  cli::WriteFile(hub_clock, "+0\n");
  cli::WriteFile(node_clock, "+0\n");
  StartCounty(FakeClock(hub_clock));
  const std::string a = AddOutlet("A", "YH-204");
  Daemon* node = StartDaemon("node-A", {cli::kNodeBin, "run", "--data", Path("A").string()}, FakeClock(node_clock));
  std::vector<std::string> ids;
  auto deliver = [&](size_t count) {
    std::vector<std::string> batch = Submit("A", AppLines("A", ids.size() + 1, count));
    ASSERT_EQ(batch.size(), count);
    ids.insert(ids.end(), batch.begin(), batch.end());
    ASSERT_TRUE(WaitForHead("Y", a, ids.size(), seconds(90))) << Logs();
  };
  deliver(50);
  cli::WriteFile(hub_clock, "-3h\n");  // the hub's clock steps back
  deliver(50);
  cli::WriteFile(hub_clock, "+1d\n");  // and a day forward
  deliver(50);
  cli::WriteFile(node_clock, "-2h\n");  // the node's clock steps back
  deliver(50);
  EXPECT_TRUE(county_->running() && node->running()) << Logs();

  const std::vector<int64_t> receipts = ReceiptsInLogOrder("Y", HubRecordsExported("Y"));
  ASSERT_GE(receipts.size(), ids.size());
  EXPECT_TRUE(std::is_sorted(receipts.begin(), receipts.end())) << "a receipt time went backwards";
  // The jumps happened: the last receipts are a day ahead of the machine's clock.
  const int64_t machine_now =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(receipts.back(), machine_now + 20 * 3600 * 1000) << "the hub's clock was never moved";
  ExpectAuditClean("Y");
  // The report, on the hub's (faked) clock.
  cli::Result report = cli::Run({cli::kHubBin, "report", "sla", "--data", "Y", "--json", "--apps"}, "",
                                FakeClock(hub_clock), tmp_.path(), seconds(120));
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  const json doc = json::parse(report.out);
  EXPECT_EQ(doc["totals"]["received"], ids.size()) << report.out.substr(0, 2000);
  for (const json& app : doc["apps"]) {
    EXPECT_GE(app.value("elapsed_working_minutes", 0), 0) << app.dump();
  }
  EXPECT_EQ(node->Stop(), 0) << node->Log();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  EXPECT_EQ(FeedIds(HubRecordsExported("Y"), a), ids);
}

// ---- a flood of unknown keys -------------------------------------------------------------------------

// 150 connections, each from a freshly minted key the hub never enrolled, while an enrolled node
// pushes 2,000 records: every record is acknowledged, the hub's memory stays small and its log
// names at most 20 refusals a minute.
TEST_F(FaultInjectionTest, AFloodOfUnknownKeysDoesNotStopEnrolledNodes) {
  StartCounty();
  const std::string a = AddOutlet("A", "YH-205");
  const uint64_t own = static_cast<uint64_t>(HubRecords("Y"));
  std::vector<std::string> ids = Submit("A", AppLines("A", 1, 2000));
  ASSERT_EQ(ids.size(), 2000u);
  constexpr int kStrangers = 150;
  std::atomic<int> strangers{0};
  std::thread flood([&] {
    while (strangers < kStrangers) {
      RawSyncClient stranger;
      if (!stranger.Open(Loopback(county_port_), bangban::SigningKey::Generate(), Key(county_key_)).empty()) return;
      stranger.Request({{"type", "hello"}, {"v", 1}, {"heads", json::array()}}, milliseconds(50));
      ++strangers;
    }
  });
  WaitFor([&] { return strangers >= 10; }, seconds(60), milliseconds(20));  // the flood is on
  Daemon* node = StartDaemon("node-A", {cli::kNodeBin, "run", "--data", Path("A").string()}, kRealClock);
  const bool arrived = WaitForHead("Y", a, ids.size(), seconds(180));
  const bool in_flood = strangers < kStrangers;  // the records arrived while the flood went on
  flood.join();
  const bool acknowledged =
      WaitFor([&] { return Acknowledged("A") >= own + ids.size(); }, seconds(60), milliseconds(100));
  ASSERT_TRUE(arrived) << Logs();
  EXPECT_TRUE(in_flood) << "the flood was over before the records arrived: nothing was tested";
  EXPECT_TRUE(acknowledged) << "acknowledged " << Acknowledged("A") << " of " << own + ids.size();
  EXPECT_EQ(strangers.load(), kStrangers);
  EXPECT_LT(PeakMemory(county_->pid()), size_t{256} << 20);
  const std::string log = county_->Log();
  size_t lines = 0;
  for (size_t at = log.find("refused connection from"); at != std::string::npos;
       at = log.find("refused connection from", at + 1)) {
    ++lines;
  }
  EXPECT_LE(lines, 40u) << "the log grows with the flood";
  EXPECT_EQ(node->Stop(), 0) << node->Log();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  EXPECT_EQ(FeedIds(HubRecordsExported("Y"), a), ids);
  ExpectAuditClean("Y");
}

}  // namespace
