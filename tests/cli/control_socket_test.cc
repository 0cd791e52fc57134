// One writer of record per data dir (docs/architecture.md, principle 5), with real processes on loopback and
// real LMDB data dirs: while `bangban-hub run` or `bangban-node run` holds a data dir, the
// commands that change state are handed to it over DIR/control.sock and it answers them; with no
// daemon they run by themselves; either way the result is the same.
//
// What must hold: a handed-off command is run by the daemon (its log says so, naming only the
// command) and its effect is there at once (an outlet enrolled that way syncs, submitted records
// reach the hub); relative paths and standard input work as in a local run; the sender's
// BANGBAN_NOW (and only the sender's) sets the time of what the command writes; a second `run`
// on the dir is refused; the lock and socket files are owner-only; after kill -9 commands run
// locally again and a new `run` starts; a fixed clock (BANGBAN_NOW, the daemon's or carried by
// a command) is refused unless the hub is a simulation party; usage errors stay in the client (exit 2) and the
// daemon's errors come back with its message (exit 1) exactly as a local run prints them; a
// command whose daemon dies under it ends with a clear error instead of waiting forever.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "protocol/clock.h"
#include "protocol/record.h"
#include "storage/bundle.h"
#include "tests/cli/city_fixture.h"

namespace {

using namespace city;
using std::chrono::seconds;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Permission bits of a file, and whether it is a socket.
mode_t Mode(const fs::path& file) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) return 0;
  return st.st_mode;
}

class ControlSocketTest : public CityFixture {
 protected:
  // County hub "Y" (no city) running on a free port, serving its control socket.
  void StartCounty() {
    county_key_ = InitCounty("Y");
    county_port_ = FreePort();
    county_ = &StartHub("Y", county_port_);
    ASSERT_TRUE(WaitUntilServing("Y", *county_)) << Logs();
    for (const char* reviewer : {"r01", "r02"}) ASSERT_NO_FATAL_FAILURE(AddOperator("Y", reviewer));
  }

  // Waits until the daemon of `dir` has bound its control socket (it holds the lock by then).
  bool WaitUntilServing(const std::string& dir, Daemon& daemon) {
    return WaitFor([&] { return fs::exists(Path(dir) / "control.sock") || !daemon.running(); }, seconds(30),
                   std::chrono::milliseconds(20)) &&
           daemon.running();
  }

  // How many times the daemon logged that it ran `command` for a command on its socket.
  static size_t Ran(const Daemon& daemon, const std::string& command, int exit_code = 0) {
    const std::string line = "control socket: ran `" + command + "`, exit " + std::to_string(exit_code);
    std::string log = daemon.Log();
    size_t count = 0;
    for (size_t at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) ++count;
    return count;
  }

  std::string AddOutlet(const std::string& dir, const std::string& outlet) {
    std::string key = InitNode(dir, outlet, county_key_, Loopback(county_port_));
    EnrollOutlet("Y", key, outlet);
    return key;
  }

  // Creates a node `dir` for `outlet` and runs `bangban-hub enroll` for it at Y (named 网点OUTLET).
  cli::Result EnrollNewNode(const std::string& dir, const std::string& outlet, std::string* key = nullptr) {
    std::string node_key = InitNode(dir, outlet, county_key_, Loopback(county_port_));
    if (key != nullptr) *key = node_key;
    return Hub({"enroll", "--data", "Y", "--key", node_key, "--role", "outlet", "--name", "网点" + outlet,
                "--outlet-id", outlet});
  }

  // Enrolls a new node for `outlet` at Y with no BANGBAN_NOW, as the running daemon's `ran`th
  // enroll, and checks that the record got the real time of the command.
  void ExpectEnrolledOnTheRealClock(const std::string& dir, const std::string& outlet, size_t ran) {
    int64_t before = SystemNowMs();
    cli::Result enroll = EnrollNewNode(dir, outlet);
    int64_t after = SystemNowMs();
    ASSERT_EQ(enroll.exit_code, 0) << enroll.Describe();
    EXPECT_EQ(Ran(*county_, "enroll"), ran) << county_->Log();
    auto record = HubRecord("Y", FirstLine(enroll.out));
    ASSERT_TRUE(record.has_value());
    EXPECT_GE(record->envelope().ts, before - 1000) << "the command did not run on the real clock";
    EXPECT_LE(record->envelope().ts, after + 1000);
  }

  // The ids printed by a successful submit.
  static std::vector<std::string> Ids(const cli::Result& r) {
    std::vector<std::string> ids;
    for (const std::string& line : cli::Lines(r.out)) {
      if (cli::IsHex64(line)) ids.push_back(line);
    }
    return ids;
  }

  // The record with this id among a hub's records, if any.
  std::optional<bangban::Record> HubRecord(const std::string& hub, const std::string& id) {
    for (bangban::Record& r : HubRecordsExported(hub)) {
      if (bangban::ToHex(r.id()) == id) return r;
    }
    return std::nullopt;
  }

  std::string county_key_;
  int county_port_ = 0;
  Daemon* county_ = nullptr;
};

// ---- enroll through the hub daemon ------------------------------------------------------------

TEST_F(ControlSocketTest, HubDaemonAnswersEnrollAndTheOutletSyncsAtOnce) {
  StartCounty();
  std::string node_key;
  cli::Result enroll = EnrollNewNode("N", "YH-301", &node_key);
  ASSERT_EQ(enroll.exit_code, 0) << enroll.Describe();
  ASSERT_TRUE(cli::IsHex64(FirstLine(enroll.out))) << enroll.Describe();
  EXPECT_EQ(Ran(*county_, "enroll"), 1u) << "the daemon did not run the enrollment\n" << county_->Log();
  // The log names the command, never its arguments.
  EXPECT_EQ(county_->Log().find(node_key), std::string::npos) << county_->Log();
  EXPECT_EQ(county_->Log().find("网点YH-301"), std::string::npos) << county_->Log();

  json status = HubStatus("Y");
  EXPECT_EQ(status.value("enrolled", 0), 1) << status.dump(2);
  auto record = HubRecord("Y", FirstLine(enroll.out));
  ASSERT_TRUE(record.has_value()) << "the printed id is not in the hub's store";
  EXPECT_EQ(record->type(), "key.enroll");

  // The running hub admits the new key at its first connection.
  ASSERT_EQ(Submit("N", AppLines("E", 1, 3)).size(), 3u);
  Sync s = SyncOnce("N");
  EXPECT_TRUE(s.complete()) << s.result.Describe() << Logs();
  EXPECT_EQ(s.doc.value("accepted", 0), 3) << s.result.Describe();
  EXPECT_EQ(Head("Y", node_key), 3u);
}

// ---- submit through the node daemon ------------------------------------------------------------

TEST_F(ControlSocketTest, NodeDaemonStoresSubmissionsFromFileAndStdinAndTheyReachTheHub) {
  StartCounty();
  std::string node_key = AddOutlet("N", "YH-302");
  Daemon& node = StartNode("N");
  ASSERT_TRUE(WaitUntilServing("N", node)) << Logs();

  // A file named relative to the command's working directory (not the daemon's), from a
  // subdirectory, with the data dir relative too.
  fs::create_directories(Path("desk"));
  cli::WriteFile(Path("desk") / "morning.jsonl", AppLines("M", 1, 40));
  cli::Result from_file = cli::Run({cli::kNodeBin, "submit", "--data", "../N", "morning.jsonl"}, "", kRealClock,
                                   Path("desk"), seconds(180));
  ASSERT_EQ(from_file.exit_code, 0) << from_file.Describe() << Logs();
  std::vector<std::string> ids = Ids(from_file);
  ASSERT_EQ(ids.size(), 40u) << from_file.Describe();

  // Standard input (`-`), with --json.
  cli::Result from_stdin = Node({"submit", "--data", "N", "-", "--json"}, AppLines("A", 1, 25));
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.Describe() << Logs();
  json doc = json::parse(from_stdin.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << from_stdin.Describe();
  EXPECT_EQ(doc.value("stored", 0), 25) << from_stdin.Describe();
  for (const json& id : doc["ids"]) ids.push_back(id.get<std::string>());
  ASSERT_EQ(ids.size(), 65u);

  EXPECT_EQ(Ran(node, "submit"), 2u) << "the daemon did not run both submissions\n" << node.Log();
  EXPECT_EQ(node.Log().find("运城商户"), std::string::npos) << "the daemon logged submitted data\n" << node.Log();

  // A bundle is opened by the daemon, by its path relative to the command's directory.
  ASSERT_EQ(Hub({"export", "--data", "Y", "--out", "desk/county.bundle"}).exit_code, 0);
  cli::Result imported = cli::Run({cli::kNodeBin, "import", "--data", "../N", "county.bundle", "--json"}, "",
                                  kRealClock, Path("desk"), seconds(180));
  EXPECT_EQ(imported.exit_code, 0) << imported.Describe();
  EXPECT_EQ(json::parse(imported.out, nullptr, false).value("rejected", -1), 0) << imported.Describe();
  EXPECT_EQ(Ran(node, "import"), 1u) << node.Log();

  // Every printed id is the node's feed, in order, and reaches the hub.
  cli::Result exported = Node({"export", "--data", "N", "--out", "node.bundle"});
  ASSERT_EQ(exported.exit_code, 0) << exported.Describe();
  bangban::BundleContents held = bangban::ReadBundle(Path("node.bundle"));
  EXPECT_EQ(FeedIds(held.records, node_key), ids);
  ASSERT_TRUE(WaitForHead("Y", node_key, ids.size())) << Logs();
  EXPECT_EQ(FeedIds(HubRecordsExported("Y"), node_key), ids);

  EXPECT_EQ(node.Stop(), 0) << node.Log();
  EXPECT_FALSE(fs::exists(Path("N") / "control.sock")) << "a clean stop leaves no socket file";
  ExpectAuditClean("Y");
}

// ---- the sender's clock ----------------------------------------------------------------------

TEST_F(ControlSocketTest, AHandedOffFixedClockIsRefusedByADaemonThatIsNotASimulationParty) {
  StartCounty();
  std::string node_key = AddOutlet("N", "YH-303");
  ASSERT_EQ(Submit("N", AppLines("R", 1, 1)).size(), 1u);
  Sync s = SyncOnce("N");
  ASSERT_TRUE(s.complete()) << s.result.Describe();

  // The daemon runs on the real clock and hub.toml has no [clock] simulation: a review that
  // carries BANGBAN_NOW (back-dated, or dated in the future) is refused and writes nothing.
  for (const std::string fixed : {"2031-03-03T10:00:00+08:00", "2020-01-06T10:00:00+08:00"}) {
    cli::Result review = cli::Run({cli::kHubBin, "review", "accept", "R-000001", "--data", "Y", "--reviewer", "r01"},
                                  "", {"BANGBAN_NOW=" + fixed}, tmp_.path(), seconds(180));
    EXPECT_EQ(review.exit_code, 1) << review.Describe();
    EXPECT_NE(review.err.find("the clock is fixed (BANGBAN_NOW)"), std::string::npos) << review.Describe();
    EXPECT_NE(review.err.find("[clock] simulation = true"), std::string::npos) << review.Describe();
    EXPECT_TRUE(review.out.empty()) << review.Describe();
  }
  EXPECT_EQ(Ran(*county_, "review", 1), 2u) << county_->Log();
  for (const bangban::Record& r : HubRecordsExported("Y")) {
    EXPECT_FALSE(r.type().starts_with("review.")) << "a refused review was stored";
  }
  cli::Result q = Hub({"queue", "--data", "Y", "--json"});
  ASSERT_EQ(q.exit_code, 0) << q.Describe();
  json doc = json::parse(q.out, nullptr, false);
  ASSERT_EQ(doc["open"].size(), 1u) << q.out;
  EXPECT_EQ(doc["open"][0]["state"], "received") << q.out;
  EXPECT_EQ(doc["simulation"], false) << q.out;

  // On the real clock the same review is taken, and the daemon's clock was never moved.
  cli::Result review = Hub({"review", "accept", "R-000001", "--data", "Y", "--reviewer", "r01"});
  ASSERT_EQ(review.exit_code, 0) << review.Describe();
  ExpectEnrolledOnTheRealClock("N2", "YH-304", 2);
}

TEST_F(ControlSocketTest, ASimulationPartyTakesTheSendersClockAndTheDaemonKeepsItsOwn) {
  county_key_ = InitCounty("Y", "", "", /*simulation=*/true);
  county_port_ = FreePort();
  county_ = &StartHub("Y", county_port_);
  ASSERT_TRUE(WaitUntilServing("Y", *county_)) << Logs();
  for (const char* reviewer : {"r01", "r02"}) ASSERT_NO_FATAL_FAILURE(AddOperator("Y", reviewer));
  std::string node_key = AddOutlet("N", "YH-303");
  ASSERT_EQ(Submit("N", AppLines("R", 1, 1)).size(), 1u);
  Sync s = SyncOnce("N");
  ASSERT_TRUE(s.complete()) << s.result.Describe();

  // The daemon runs on the real clock; this command fixes its own.
  const std::string fixed = "2031-03-03T10:00:00+08:00";
  cli::Result review = cli::Run({cli::kHubBin, "review", "accept", "R-000001", "--data", "Y", "--reviewer", "r01"}, "",
                                {"BANGBAN_NOW=" + fixed}, tmp_.path(), seconds(180));
  ASSERT_EQ(review.exit_code, 0) << review.Describe() << Logs();
  EXPECT_EQ(Ran(*county_, "review"), 1u) << county_->Log();
  auto accepted = HubRecord("Y", FirstLine(review.out));
  ASSERT_TRUE(accepted.has_value()) << review.Describe();
  EXPECT_EQ(accepted->type(), "review.accept");
  EXPECT_EQ(accepted->envelope().ts, *bangban::ParseRfc3339(fixed)) << "the review did not take the sender's time";

  // The case's event carries that time too: the queue shows the case accepted from that instant
  // on, and still waiting for acceptance a minute before. Every report says it is a simulation.
  auto state_at = [&](const std::string& at) {
    cli::Result q = Hub({"queue", "--data", "Y", "--json", "--at", at});
    EXPECT_EQ(q.exit_code, 0) << q.Describe();
    json doc = json::parse(q.out, nullptr, false);
    EXPECT_EQ(doc.value("simulation", false), true) << q.out;
    for (const json& c : doc.value("open", json::array())) {
      if (c.value("app_id", "") == "R-000001") return c.value("state", "");
    }
    return std::string("(not in the queue)");
  };
  EXPECT_EQ(state_at("2031-03-03T09:59:00+08:00"), "received");
  EXPECT_EQ(state_at(fixed), "accepted");
  cli::Result status = Hub({"status", "--data", "Y"});
  EXPECT_NE(status.out.find("simulation party"), std::string::npos) << status.Describe();

  // A decision dated before what the hub already signed is refused even here: the daemon signed
  // tree heads on the real clock (2026 or later) when the node's records arrived.
  cli::Result backdated = cli::Run({cli::kHubBin, "review", "assign", "R-000001", "--data", "Y", "--reviewer", "r02"},
                                   "", {"BANGBAN_NOW=2020-01-06T10:00:00+08:00"}, tmp_.path(), seconds(180));
  EXPECT_EQ(backdated.exit_code, 1) << backdated.Describe();
  EXPECT_NE(backdated.err.find("before the tree head this hub signed"), std::string::npos) << backdated.Describe();

  // The next command without BANGBAN_NOW gets the real clock: the daemon's own was never moved.
  ExpectEnrolledOnTheRealClock("N2", "YH-304", 2);
}

TEST_F(ControlSocketTest, ACommandWithoutBangbanNowGetsTheRealClockEvenIfTheDaemonHasOne) {
  county_key_ = InitCounty("Y", "", "", /*simulation=*/true);
  county_port_ = FreePort();
  // A daemon started with a fixed clock (a training setup, say).
  daemons_.push_back(std::make_unique<Daemon>(
      "hub-Y",
      std::vector<std::string>{cli::kHubBin, "run", "--data", Path("Y").string(), "--listen", Loopback(county_port_)},
      tmp_.path(), cli::Env{"BANGBAN_NOW=2026-01-05T09:00:00+08:00"}));
  county_ = daemons_.back().get();
  ASSERT_TRUE(WaitUntilServing("Y", *county_)) << Logs();
  ExpectEnrolledOnTheRealClock("N", "YH-305", 1);
}

TEST_F(ControlSocketTest, ADaemonOrCommandOnAFixedClockIsRefusedUnlessItIsASimulationParty) {
  county_key_ = InitCounty("Y");
  // `run` with BANGBAN_NOW on a hub of production: refused before it serves anything.
  cli::Result run = cli::Run({cli::kHubBin, "run", "--data", "Y", "--listen", Loopback(FreePort())}, "",
                             {"BANGBAN_NOW=2026-01-05T09:00:00+08:00"}, tmp_.path(), seconds(60));
  EXPECT_EQ(run.exit_code, 1) << run.Describe();
  EXPECT_NE(run.err.find("[clock] simulation = true"), std::string::npos) << run.Describe();
  EXPECT_FALSE(fs::exists(Path("Y") / "control.sock"));
  // So is every command that opens the data dir, hub or node.
  std::string node_key = InitNode("N", "YH-306", county_key_, Loopback(FreePort()));
  const cli::Env fixed = {"BANGBAN_NOW=2026-01-05T09:00:00+08:00"};
  for (const std::vector<std::string>& args : {std::vector<std::string>{cli::kHubBin, "status", "--data", "Y"},
                                               std::vector<std::string>{cli::kHubBin, "report", "sla", "--data", "Y"},
                                               std::vector<std::string>{cli::kNodeBin, "status", "--data", "N"}}) {
    cli::Result r = cli::Run(args, "", fixed, tmp_.path(), seconds(60));
    EXPECT_EQ(r.exit_code, 1) << args[1] << "\n" << r.Describe();
    EXPECT_NE(r.err.find("simulation = true"), std::string::npos) << r.Describe();
  }
  cli::Result submit =
      cli::Run({cli::kNodeBin, "submit", "--data", "N", "-"}, AppLines("R", 1, 1), fixed, tmp_.path(), seconds(60));
  EXPECT_EQ(submit.exit_code, 1) << submit.Describe();
  EXPECT_NE(submit.err.find("node.toml"), std::string::npos) << submit.Describe();
  // Commands that need no data dir are not affected.
  cli::Result keygen = cli::Run({cli::kNodeBin, "keygen", "--out", "k2"}, "", fixed, tmp_.path(), seconds(60));
  EXPECT_EQ(keygen.exit_code, 0) << keygen.Describe();
  // Without BANGBAN_NOW everything runs as usual, and says it is not a simulation.
  cli::Result status = Hub({"status", "--data", "Y", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.Describe();
  EXPECT_EQ(json::parse(status.out)["simulation"], false) << status.out;
}

// ---- one daemon per data dir -------------------------------------------------------------------

TEST_F(ControlSocketTest, SecondRunIsRefusedAndTheLockAndSocketAreOwnerOnly) {
  StartCounty();
  cli::Result second = Hub({"run", "--data", "Y", "--listen", Loopback(FreePort())});
  EXPECT_EQ(second.exit_code, 1) << second.Describe();
  EXPECT_NE(second.err.find("another bangban daemon already runs on Y (pid " + std::to_string(county_->pid()) + ")"),
            std::string::npos)
      << second.Describe();
  EXPECT_TRUE(county_->running()) << "the refused run disturbed the first\n" << county_->Log();

  mode_t socket = Mode(Path("Y") / "control.sock"), lock = Mode(Path("Y") / "daemon.lock");
  EXPECT_TRUE(S_ISSOCK(socket)) << std::oct << socket;
  EXPECT_EQ(socket & 0777, 0600u) << std::oct << (socket & 0777);
  EXPECT_TRUE(S_ISREG(lock)) << std::oct << lock;
  EXPECT_EQ(lock & 0777, 0600u) << std::oct << (lock & 0777);

  // The same for a node.
  std::string node_key = AddOutlet("N", "YH-306");
  Daemon& node = StartNode("N");
  ASSERT_TRUE(WaitUntilServing("N", node)) << Logs();
  cli::Result again = Node({"run", "--data", "N"});
  EXPECT_EQ(again.exit_code, 1) << again.Describe();
  EXPECT_NE(again.err.find("another bangban daemon already runs on N (pid " + std::to_string(node.pid()) + ")"),
            std::string::npos)
      << again.Describe();
  EXPECT_EQ(Mode(Path("N") / "control.sock") & 0777, 0600u);
  EXPECT_EQ(Mode(Path("N") / "daemon.lock") & 0777, 0600u);
  EXPECT_TRUE(node.running()) << node.Log();
}

// ---- kill -9 ---------------------------------------------------------------------------------

TEST_F(ControlSocketTest, AfterKill9CommandsRunLocallyAndANewRunStarts) {
  StartCounty();
  county_->Kill9();
  ASSERT_TRUE(fs::exists(Path("Y") / "control.sock")) << "kill -9 should leave the socket file behind";

  // No daemon holds the dir: the command opens the store itself.
  cli::Result local = EnrollNewNode("N1", "YH-307");
  ASSERT_EQ(local.exit_code, 0) << local.Describe();
  EXPECT_EQ(Ran(*county_, "enroll"), 0u) << county_->Log();
  EXPECT_EQ(HubStatus("Y").value("enrolled", 0), 1);

  // A new daemon replaces the stale socket and answers again.
  county_->Start();
  ASSERT_TRUE(WaitFor([&] { return county_->Logged("listening on") || !county_->running(); }, seconds(30)))
      << county_->Log();
  ASSERT_TRUE(county_->running()) << county_->Log();
  cli::Result handed = EnrollNewNode("N2", "YH-308");
  ASSERT_EQ(handed.exit_code, 0) << handed.Describe();
  EXPECT_EQ(Ran(*county_, "enroll"), 1u) << county_->Log();
  EXPECT_EQ(HubStatus("Y").value("enrolled", 0), 2);
  EXPECT_EQ(Mode(Path("Y") / "control.sock") & 0777, 0600u);
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  ExpectAuditClean("Y");
}

TEST_F(ControlSocketTest, ACommandWhoseDaemonDiesUnderItSaysSoInsteadOfWaiting) {
  StartCounty();
  std::string node_key = AddOutlet("N", "YH-309");
  Daemon& node = StartNode("N");
  ASSERT_TRUE(WaitUntilServing("N", node)) << Logs();
  const size_t kLines = 50'000;
  cli::WriteFile(Path("big.jsonl"), AppLines("B", 1, kLines));
  cli::Process submit = cli::Spawn({cli::kNodeBin, "submit", "--data", Path("N").string(), Path("big.jsonl").string()},
                                   Path("submit.out"), Path("submit.err"), {}, kRealClock);
  // Kill the daemon while it stores the batches (the first one is in).
  ASSERT_TRUE(WaitFor([&] { return Head("N", node_key) > 0; }, seconds(120), std::chrono::milliseconds(5))) << Logs();
  node.Kill9();
  std::optional<int> code;
  ASSERT_TRUE(
      WaitFor([&] { return (code = submit.TryWait()).has_value(); }, seconds(30), std::chrono::milliseconds(50)))
      << "the command still waits for a dead daemon";
  EXPECT_EQ(*code, 1);
  std::string err = cli::ReadFile(Path("submit.err"));
  EXPECT_NE(err.find("stopped before it answered"), std::string::npos) << err;
  EXPECT_NE(err.find("status"), std::string::npos) << err;
  EXPECT_LT(Head("N", node_key), kLines) << "the daemon finished before it was killed: the test proves nothing";

  // The records it stored stay, and the node works locally again.
  uint64_t kept = Head("N", node_key);
  EXPECT_EQ(NodeStatus("N")["feed"]["seq"], kept);
  ASSERT_EQ(Submit("N", AppLines("C", 1, 2)).size(), 2u);
  EXPECT_EQ(Head("N", node_key), kept + 2);
}

// ---- errors ----------------------------------------------------------------------------------

TEST_F(ControlSocketTest, UsageErrorsStayInTheClientAndTheDaemonsErrorsComeBackAsALocalRunPrintsThem) {
  StartCounty();
  std::string node_key = AddOutlet("N", "YH-310");
  Daemon& node = StartNode("N");
  ASSERT_TRUE(WaitUntilServing("N", node)) << Logs();

  auto socket_lines = [](const Daemon& d) {
    std::string log = d.Log();
    size_t count = 0;
    for (size_t at = log.find("control socket"); at != std::string::npos; at = log.find("control socket", at + 1))
      ++count;
    return count;
  };
  const size_t hub_lines = socket_lines(*county_), node_lines = socket_lines(node);  // AddOutlet's enroll
  const std::vector<std::vector<std::string>> hub_usage = {
      {"enroll", "--data", "Y", "--key", "zz", "--role", "outlet", "--name", "x", "--outlet-id", "YH-1"},
      {"enroll", "--data", "Y", "--key", node_key, "--role", "outlet", "--name", "x"},
      {"review", "accept", "APP-1", "--data", "Y"},
      {"review", "correct", "APP-1", "--data", "Y", "--reviewer", "r01"},
      {"revoke", "--data", "Y", "--key", "zz", "--after-seq", "1", "--reason", "lost"},
  };
  for (const auto& args : hub_usage) {
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << "\n" << r.Describe();
    EXPECT_FALSE(r.err.empty()) << r.Describe();
  }
  cli::Result no_file = Node({"submit", "--data", "N"});
  EXPECT_EQ(no_file.exit_code, 2) << no_file.Describe();
  EXPECT_EQ(socket_lines(*county_), hub_lines) << "a usage error reached the daemon\n" << county_->Log();
  EXPECT_EQ(socket_lines(node), node_lines) << "a usage error reached the daemon\n" << node.Log();

  // Errors the daemon finds: an outlet of another county, an application it does not hold, a
  // file that is not there. Each comes back with the daemon's message and exit 1...
  std::string stranger = InitNode("S", "YH-311", county_key_, Loopback(county_port_));
  const std::vector<std::vector<std::string>> hub_errors = {
      {"enroll", "--data", "Y", "--key", stranger, "--role", "outlet", "--name", "x", "--outlet-id", "YH-311",
       "--county", "140803"},
      {"review", "accept", "NO-SUCH-APP", "--data", "Y", "--reviewer", "r01"},
  };
  std::vector<cli::Result> handed;
  for (const auto& args : hub_errors) {
    handed.push_back(Hub(args));
    EXPECT_EQ(handed.back().exit_code, 1) << handed.back().Describe();
    EXPECT_EQ(handed.back().err.rfind("error: ", 0), 0u) << handed.back().Describe();
  }
  EXPECT_NE(handed[0].err.find("own county"), std::string::npos) << handed[0].Describe();
  EXPECT_EQ(Ran(*county_, "enroll", 1), 1u) << county_->Log();
  EXPECT_EQ(Ran(*county_, "review", 1), 1u) << county_->Log();
  cli::WriteFile(Path("bad.jsonl"), AppLines("X", 1, 2) + "{\"type\": \"app.submit\"}\n");
  cli::Result bad_line = Node({"submit", "--data", "N", "bad.jsonl"});
  EXPECT_EQ(bad_line.exit_code, 1) << bad_line.Describe();
  EXPECT_NE(bad_line.err.find("line 3: "), std::string::npos) << bad_line.Describe();
  EXPECT_EQ(Ran(node, "submit", 1), 1u) << node.Log();
  // A file the command cannot open is its own error: the daemon never sees it.
  cli::Result missing = Node({"submit", "--data", "N", "missing.jsonl"});
  EXPECT_EQ(missing.exit_code, 1) << missing.Describe();
  EXPECT_EQ(missing.err, "error: input: cannot open missing.jsonl\n");
  EXPECT_EQ(Ran(node, "submit", 1), 1u) << node.Log();

  // ...exactly as the same commands print it with no daemon running.
  EXPECT_EQ(county_->Stop(), 0);
  EXPECT_EQ(node.Stop(), 0);
  for (size_t i = 0; i < hub_errors.size(); ++i) {
    cli::Result local = Hub(hub_errors[i]);
    EXPECT_EQ(local.exit_code, handed[i].exit_code) << local.Describe();
    EXPECT_EQ(local.err, handed[i].err);
    EXPECT_EQ(local.out, handed[i].out);
  }
  cli::Result local_bad_line = Node({"submit", "--data", "N", "bad.jsonl"});
  EXPECT_EQ(local_bad_line.exit_code, bad_line.exit_code);
  EXPECT_EQ(local_bad_line.err, bad_line.err);
  EXPECT_EQ(NodeStatus("N")["feed"]["seq"], 0) << "a refused submission stored something";
  EXPECT_EQ(HubStatus("Y").value("enrolled", 0), 1) << "a refused enrollment wrote a record";
}

// A request of a million nested msgpack arrays (0x91 repeated) once overflowed the daemon's
// stack in the msgpack decoder (exit 139). It must be refused with an answer, and the daemon
// must go on serving.
TEST_F(ControlSocketTest, ANestingBombOnTheControlSocketIsRefusedAndTheDaemonGoesOn) {
  StartCounty();
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect("ipc://" + fs::absolute(Path("Y") / "control.sock").string());
  std::string bomb(1000000, '\x91');
  bomb.push_back('\xc0');
  socket.send(zmq::buffer(bomb), zmq::send_flags::none);
  zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, std::chrono::seconds(30)), 1) << "no answer\n" << county_->Log();
  zmq::message_t reply;
  ASSERT_TRUE(socket.recv(reply, zmq::recv_flags::none));
  const auto* bytes = static_cast<const uint8_t*>(reply.data());
  bangban::Json answer = bangban::Json::from_msgpack(bytes, bytes + reply.size());
  EXPECT_EQ(answer.value("exit", 0), 1) << answer.dump();
  const auto& err = answer.at("err").get_binary();
  EXPECT_NE(std::string(err.begin(), err.end()).find("control request"), std::string::npos) << answer.dump();
  ASSERT_TRUE(county_->running()) << county_->Log();
  // ...and it still runs commands for others.
  cli::Result enroll = EnrollNewNode("N", "YH-320");
  EXPECT_EQ(enroll.exit_code, 0) << enroll.Describe();
  EXPECT_EQ(Ran(*county_, "enroll"), 1u) << county_->Log();
}

// The largest resident memory the process `pid` has had (VmHWM), in bytes; 0 if unknown.
size_t PeakMemory(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmHWM:  1234 kB"
  }
  return 0;
}

// A bundle that looks valid and never ends properly: the magic, `wire` as a frame again and
// again for `valid_bytes` (each one verified and found already held: slow on purpose), then
// frames of 64 KiB that do not decode up to `bytes`, and no end marker.
void WriteEndlessLookingBundle(const fs::path& file, const bangban::Bytes& wire, size_t valid_bytes, size_t bytes) {
  auto frame = [](const std::string& payload) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(payload.size() >> (24 - 8 * i));
    return out + payload;
  };
  const std::string valid = frame(std::string(wire.begin(), wire.end()));
  const std::string garbage = frame(std::string(64 * 1024, '\xc1'));  // 0xc1 is never msgpack
  std::ofstream out(file, std::ios::binary);
  out << bangban::kBundleMagic;
  size_t written = bangban::kBundleMagic.size();
  for (; written < valid_bytes; written += valid.size()) out << valid;
  for (; written < bytes; written += garbage.size()) out << garbage;
}

// Finding 3: an import reads its file frame by frame, so a huge file does not grow the daemon,
// and it runs on a lane of its own, so `enroll` answers while the import is still in flight.
TEST_F(ControlSocketTest, AHugeImportNeitherHoldsUpEnrollNorGrowsTheDaemon) {
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer (deploy/soak.sh) freed memory waits in a quarantine of 256 MiB before
  // reuse, so a reader with a bounded buffer would still grow the daemon by the file's size:
  // keep the quarantine small for the daemon, and measure its growth rather than its size.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options = std::string(asan ? asan : "") + ":quarantine_size_mb=4";
  ::setenv("ASAN_OPTIONS", options.c_str(), 1);
  constexpr bool kSanitized = true;
#else
  constexpr bool kSanitized = false;
#endif
  StartCounty();
  ASSERT_EQ(EnrollNewNode("N1", "YH-001").exit_code, 0);
  ASSERT_EQ(Hub({"export", "--data", "Y", "--out", "y.bundle"}).exit_code, 0);
  const std::vector<bangban::Record> held = bangban::ReadBundle(Path("y.bundle")).records;
  ASSERT_FALSE(held.empty());
  constexpr size_t kFileBytes = 128 * 1024 * 1024;
  WriteEndlessLookingBundle(Path("huge.bundle"), held.front().wire(), 8 * 1024 * 1024, kFileBytes);
  const size_t peak_before = PeakMemory(county_->pid());

  cli::Process import = cli::Spawn({cli::kHubBin, "import", "--data", Path("Y").string(), Path("huge.bundle").string()},
                                   Path("import.out"), Path("import.err"), {}, kRealClock);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_FALSE(import.TryWait()) << "the import ended at once: " << cli::ReadFile(Path("import.err"));
  const auto asked = std::chrono::steady_clock::now();
  cli::Result enroll = EnrollNewNode("N2", "YH-002");
  const auto answered = std::chrono::steady_clock::now();
  ASSERT_EQ(enroll.exit_code, 0) << enroll.Describe();
  EXPECT_LT(answered - asked, seconds(20));
  EXPECT_FALSE(import.TryWait()) << "the import was over before enroll answered, so this shows nothing: "
                                 << "make the file larger";

  EXPECT_EQ(import.Wait(), 1);  // the end marker is missing
  const std::string out = cli::ReadFile(Path("import.out"));
  // Every frame was read (1,920 bad ones after the valid part), the problems listed only up to
  // the limit and the rest (the missing end marker among them) counted.
  EXPECT_NE(out.find("unreadable 1920"), std::string::npos) << out.substr(0, 2000);
  EXPECT_NE(out.find("more problems, not listed"), std::string::npos) << out.substr(0, 2000);
  EXPECT_EQ(out.find("accepted 0, duplicate 0"), std::string::npos) << out.substr(0, 2000);
  // The whole file was never in memory: the old reader took more than its size.
  const size_t peak = PeakMemory(county_->pid());
  EXPECT_GT(peak_before, 0u);
  EXPECT_LT(peak - peak_before, kFileBytes / 4) << "peak resident memory " << peak_before << " -> " << peak;
  if (!kSanitized) EXPECT_LT(peak, kFileBytes / 4) << "peak resident memory " << peak;
  EXPECT_EQ(Ran(*county_, "import", 1), 1u) << county_->Log();
}

// Finding 3: SIGTERM stops a daemon in the middle of a long import, between two frames; the
// import's command gets an answer saying so, and the records read before are kept.
TEST_F(ControlSocketTest, SigtermStopsALongImportAndTheDaemon) {
  StartCounty();
  ASSERT_EQ(EnrollNewNode("N1", "YH-001").exit_code, 0);
  ASSERT_EQ(Hub({"export", "--data", "Y", "--out", "y.bundle"}).exit_code, 0);
  const std::vector<bangban::Record> held = bangban::ReadBundle(Path("y.bundle")).records;
  ASSERT_FALSE(held.empty());
  WriteEndlessLookingBundle(Path("huge.bundle"), held.front().wire(), 64 * 1024 * 1024, 64 * 1024 * 1024);

  cli::Process import = cli::Spawn({cli::kHubBin, "import", "--data", Path("Y").string(), Path("huge.bundle").string()},
                                   Path("import.out"), Path("import.err"), {}, kRealClock);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_FALSE(import.TryWait()) << "the import ended at once: " << cli::ReadFile(Path("import.err"));
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(county_->Stop(seconds(30)), 0) << county_->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, seconds(10));
  EXPECT_EQ(import.Wait(), 1);
  const std::string out = cli::ReadFile(Path("import.out"));
  EXPECT_NE(out.find("stopped (SIGTERM)"), std::string::npos) << out << cli::ReadFile(Path("import.err"));
  ExpectAuditClean("Y");
}

}  // namespace
