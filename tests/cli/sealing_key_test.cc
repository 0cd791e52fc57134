// Sealing keys by period and their shredding (custody/sealing_keys.h, docs/personal-data.md), with
// real processes on a simulation clock: a city hub, a county hub replicating to it and outlet
// nodes, each with its own LMDB data dir.
//
// The node seals to the county's sealing key of the period (the identity key does not open the
// box); it learns the next period's key when it syncs; after the retention period the hub shreds
// the key: opening that period's applicant fails clearly, the key file and its bytes are gone,
// audit is clean at county and city, and reindex reproduces the SLA report to the minute; a key
// file restored from a backup is shredded again at start; a box sealed to a key the hub never
// published is stored, counted, flagged, and its outlet is told; that count, kept by the linker's
// walk, holds after a kill -9 in the middle of the walk and after a restart.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/sealed_box.h"
#include "tests/cli/city_fixture.h"

namespace {

using namespace city;
using std::chrono::seconds;

constexpr const char* kJanuary = "2026-01-10T09:00:00+08:00";      // the hubs and the node are made
constexpr const char* kLateJanuary = "2026-01-28T09:00:00+08:00";  // a week before February: its key is published
constexpr const char* kFebruary = "2026-02-03T09:00:00+08:00";
constexpr const char* kAfterRetention = "2027-02-02T09:00:00+08:00";  // 12 months after January ended
constexpr const char* kReportAt = "2026-02-20T12:00:00+08:00";

class SealingKeyTest : public CityFixture {
 protected:
  cli::Result HubAt(const std::string& now, std::vector<std::string> args) {
    args.insert(args.begin(), cli::kHubBin);
    return cli::Run(args, "", {"BANGBAN_NOW=" + now}, tmp_.path(), seconds(180));
  }
  cli::Result NodeAt(const std::string& now, std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kNodeBin);
    return cli::Run(args, stdin_text, {"BANGBAN_NOW=" + now}, tmp_.path(), seconds(180));
  }
  Daemon& StartHubAt(const std::string& now, const std::string& dir, int port, int upstream_port = 0) {
    std::vector<std::string> args = {cli::kHubBin, "run", "--data", Path(dir).string(), "--listen", Loopback(port)};
    if (upstream_port != 0) {
      args.insert(args.end(), {"--upstream", Loopback(upstream_port), "--upstream-key", city_key_});
    }
    daemons_.push_back(std::make_unique<Daemon>("hub-" + dir, args, tmp_.path(), cli::Env{"BANGBAN_NOW=" + now}));
    return *daemons_.back();
  }
  void StopDaemons() {
    for (const auto& d : daemons_) EXPECT_EQ(d->Stop(), 0) << d->Log();
    daemons_.clear();
  }

  // City "C" and county "Y" (made in January), node "N" (YH-001) given Y's key at init.
  void MakeCity() {
    cli::Result c = HubAt(
        kJanuary, {"init", "--data", "C", "--role", "city", "--name", kCityName, "--city", kCityCode, "--simulation"});
    ASSERT_EQ(c.exit_code, 0) << c.Describe();
    city_key_ = FirstLine(c.out);
    cli::Result y = HubAt(kJanuary, {"init", "--data", "Y", "--role", "county", "--name", kCountyName, "--county",
                                     kCounty, "--city-key", city_key_, "--simulation"});
    ASSERT_EQ(y.exit_code, 0) << y.Describe();
    county_key_ = FirstLine(y.out);
    ASSERT_TRUE(cli::IsHex64(county_key_)) << y.Describe();
    january_key_ = cli::SealingKeyFromInit(y.err);
    ASSERT_EQ(january_key_.substr(0, 8), "2026-01:") << y.Describe();
    cli::Result printed = HubAt(kJanuary, {"sealing-key", "--data", "Y"});
    ASSERT_EQ(printed.exit_code, 0) << printed.Describe();
    EXPECT_EQ(FirstLine(printed.out), january_key_);
    cli::Result e = HubAt(kJanuary, {"enroll", "--data", "C", "--key", county_key_, "--role", "county", "--name",
                                     kCountyName, "--county", kCounty});
    ASSERT_EQ(e.exit_code, 0) << e.Describe();
    ASSERT_NO_FATAL_FAILURE(MakeNode("N", "YH-001", january_key_));
    cli::Result r = HubAt(kJanuary, {"user", "add", "--data", "Y", "--name", "r01", "--role", "reviewer"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  void MakeNode(const std::string& dir, const std::string& outlet, const std::string& sealing_key) {
    county_port_ = county_port_ ? county_port_ : FreePort();
    std::vector<std::string> args = {"init",
                                     "--data",
                                     dir,
                                     "--outlet",
                                     outlet,
                                     "--county",
                                     kCounty,
                                     "--county-key",
                                     county_key_,
                                     "--hub",
                                     Loopback(county_port_),
                                     "--simulation"};
    if (!sealing_key.empty()) args.insert(args.end(), {"--sealing-key", sealing_key});
    cli::Result n = NodeAt(kJanuary, args);
    ASSERT_EQ(n.exit_code, 0) << n.Describe();
    cli::Result e = HubAt(kJanuary, {"enroll", "--data", "Y", "--key", FirstLine(n.out), "--role", "outlet", "--name",
                                     "网点" + outlet, "--outlet-id", outlet});
    ASSERT_EQ(e.exit_code, 0) << e.Describe();
  }

  // The applicant object of the app.submit `app_id` in the node's own records (binary fields as bytes).
  json SubmittedApplicant(const std::string& now, const std::string& dir, const std::string& app_id) {
    const std::string file = "export-" + dir + ".bundle";
    cli::Result r = NodeAt(now, {"export", "--data", dir, "--out", file});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    bangban::BundleContents contents = bangban::ReadBundle(Path(file));
    fs::remove(Path(file));
    for (const bangban::Record& record : contents.records) {
      if (record.type() == "app.submit" && record.body()["app_id"] == app_id) return record.body()["applicant"];
    }
    return json();
  }

  void SubmitAt(const std::string& now, const std::string& dir, const std::string& app_id) {
    cli::Result r = NodeAt(now, {"submit", "--data", dir, "-"}, AppSubmit(app_id, "盐湖区" + app_id + "小店").dump());
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  bool SyncAt(const std::string& now, const std::string& dir, cli::Result* out = nullptr) {
    cli::Result r;
    bool ok = WaitFor([&] { return (r = NodeAt(now, {"sync", "--data", dir})).exit_code == 0; }, seconds(60));
    if (out != nullptr) *out = r;
    return ok;
  }

  cli::Result Open(const std::string& now, const std::string& app_id) {
    return HubAt(now,
                 {"applicant", "--data", "Y", app_id, "--reviewer", "r01", "--purpose", "核验申请人身份", "--json"});
  }

  json KeyList(const std::string& now) {
    cli::Result r = HubAt(now, {"key", "list", "--data", "Y", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, false);
  }
  std::string StateOf(const json& list, const std::string& period) {
    for (const json& k : list["keys"]) {
      if (k["period"] == period) return k["state"];
    }
    return "(absent)";
  }

  std::string city_key_, county_key_, january_key_;
  int county_port_ = 0;
};

TEST_F(SealingKeyTest, NodesSealToThePeriodKeyLearnTheNextOneAndAShreddedPeriodCannotBeOpened) {
  ASSERT_NO_FATAL_FAILURE(MakeCity());
  // January: the node seals to January's key, never to the hub's identity key.
  ASSERT_NO_FATAL_FAILURE(SubmitAt(kJanuary, "N", "A-1"));
  json applicant = SubmittedApplicant(kJanuary, "N", "A-1");
  ASSERT_TRUE(applicant.is_object());
  EXPECT_EQ(applicant["sealing_key"], "2026-01");
  const bangban::Bytes box = applicant["id_sealed"].get_binary();
  const bangban::SigningKey identity = bangban::SigningKey::Load(Path("Y") / "identity.key");
  EXPECT_THROW(bangban::Unseal(identity, box), bangban::Error) << "the identity key opened the box";
  const std::string january_file = cli::ReadFile(Path("Y") / "sealing" / "2026-01.key");
  ASSERT_EQ(january_file.size(), 32u);
  EXPECT_EQ(fs::status(Path("Y") / "sealing" / "2026-01.key").permissions() & fs::perms::group_all, fs::perms::none);

  // Late January: the county daemon publishes February's key ahead; the node learns it on sync.
  const int city_port = FreePort();
  StartHubAt(kLateJanuary, "C", city_port);
  StartHubAt(kLateJanuary, "Y", county_port_, city_port);
  ASSERT_TRUE(WaitFor([&] { return StateOf(KeyList(kLateJanuary), "2026-02") == "kept"; }, seconds(60))) << Logs();
  ASSERT_TRUE(SyncAt(kLateJanuary, "N")) << Logs();
  cli::Result status = NodeAt(kFebruary, {"status", "--data", "N", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.Describe();
  EXPECT_EQ(json::parse(status.out, nullptr, false)["sealing_key"], "2026-02") << status.out;
  StopDaemons();
  StartHubAt(kFebruary, "C", city_port);
  StartHubAt(kFebruary, "Y", county_port_, city_port);
  ASSERT_NO_FATAL_FAILURE(SubmitAt(kFebruary, "N", "A-2"));
  EXPECT_EQ(SubmittedApplicant(kFebruary, "N", "A-2")["sealing_key"], "2026-02");
  ASSERT_TRUE(SyncAt(kFebruary, "N")) << Logs();
  StopDaemons();

  // Both open before the shred; the SLA report as it stands.
  for (const std::string app : {"A-1", "A-2"}) {
    cli::Result opened = Open(kFebruary, app);
    ASSERT_EQ(opened.exit_code, 0) << opened.Describe();
    EXPECT_EQ(json::parse(opened.out, nullptr, false)["id_number"], "11010519491231002X");
  }
  // Every application is linked to its pseudonym before the shred: the links, made once, outlive
  // the key, so the applicant figures are part of what must not change.
  cli::Result linked = HubAt(kFebruary, {"link", "--data", "Y"});
  ASSERT_EQ(linked.exit_code, 0) << linked.Describe();
  cli::Result report_before = HubAt(kFebruary, {"report", "sla", "--data", "Y", "--at", kReportAt, "--json"});
  ASSERT_EQ(report_before.exit_code, 0) << report_before.Describe();
  EXPECT_FALSE(json::parse(report_before.out, nullptr, false).contains("unreadable_boxes")) << "none unreadable";
  EXPECT_EQ(json::parse(report_before.out, nullptr, false)["applicants"]["linked"], 2) << report_before.out;

  // Twelve months after January ended: the pass shreds January's key, not February's.
  cli::Result shred = HubAt(kAfterRetention, {"key", "shred-due", "--data", "Y"});
  ASSERT_EQ(shred.exit_code, 0) << shred.Describe();
  EXPECT_NE(shred.out.find("shredded 2026-01\n"), std::string::npos) << shred.out;
  EXPECT_EQ(shred.out.find("shredded 2026-02"), std::string::npos) << shred.out;
  EXPECT_FALSE(fs::exists(Path("Y") / "sealing" / "2026-01.key"));
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(Path("Y"))) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(cli::ReadFile(entry.path()).find(january_file), std::string::npos)
        << "January's secret is still in " << entry.path();
  }
  json list = KeyList(kAfterRetention);
  EXPECT_EQ(StateOf(list, "2026-01"), "shredded") << list.dump();
  EXPECT_EQ(StateOf(list, "2026-02"), "kept") << list.dump();

  // Opening January's applicant fails clearly; February's still opens (its retention runs on).
  cli::Result february = Open(kAfterRetention, "A-2");
  EXPECT_EQ(february.exit_code, 0) << february.Describe();
  cli::Result refused = Open(kAfterRetention, "A-1");
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("key_shredded"), std::string::npos) << refused.Describe();
  EXPECT_NE(refused.err.find("sealed to key 2026-01, shredded on"), std::string::npos) << refused.Describe();
  EXPECT_NE(refused.err.find("no one can open it"), std::string::npos) << refused.Describe();

  // Every signature, chain and figure stays: audit is clean at the county and, once the shred
  // records replicated, at the city; reindex reproduces the SLA report to the minute.
  StartHubAt(kAfterRetention, "C", city_port);
  StartHubAt(kAfterRetention, "Y", county_port_, city_port);
  const uint64_t county_head = Head("Y", county_key_);
  ASSERT_TRUE(WaitForHead("C", county_key_, county_head)) << Logs();
  StopDaemons();
  for (const std::string dir : {"Y", "C"}) {
    cli::Result audit = HubAt(kAfterRetention, {"audit", "--data", dir});
    EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
  }
  cli::Result reindex = HubAt(kAfterRetention, {"reindex", "--data", "Y"});
  ASSERT_EQ(reindex.exit_code, 0) << reindex.Describe();
  cli::Result report_after = HubAt(kAfterRetention, {"report", "sla", "--data", "Y", "--at", kReportAt, "--json"});
  ASSERT_EQ(report_after.exit_code, 0) << report_after.Describe();
  EXPECT_EQ(json::parse(report_after.out, nullptr, false), json::parse(report_before.out, nullptr, false));

  // A backup of January's key put back is shredded again when the hub starts, and logged.
  cli::WriteFile(Path("Y") / "sealing" / "2026-01.key", january_file);
  fs::permissions(Path("Y") / "sealing" / "2026-01.key", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(KeyList(kAfterRetention).dump().find("\"file_present\":true"), std::string::npos);
  Daemon& restarted = StartHubAt(kAfterRetention, "Y", county_port_);
  EXPECT_TRUE(WaitFor([&] { return !fs::exists(Path("Y") / "sealing" / "2026-01.key"); }, seconds(60))) << Logs();
  EXPECT_TRUE(WaitFor([&] { return restarted.Log().find("shredded again") != std::string::npos; }, seconds(30)))
      << restarted.Log();
  StopDaemons();
  EXPECT_EQ(StateOf(KeyList(kAfterRetention), "2026-01"), "shredded");
}

TEST_F(SealingKeyTest, ABoxSealedToAKeyTheHubNeverMadeIsKeptCountedFlaggedAndItsOutletTold) {
  ASSERT_NO_FATAL_FAILURE(MakeCity());
  // An outlet given a wrong key (a period the hub never published).
  const std::string wrong = "2025-06:" + january_key_.substr(8);
  ASSERT_NO_FATAL_FAILURE(MakeNode("N2", "YH-002", wrong));
  ASSERT_NO_FATAL_FAILURE(SubmitAt(kJanuary, "N2", "B-1"));
  // A node given no key refuses personal data until it has synced.
  cli::Result n3 = NodeAt(kJanuary, {"init", "--data", "N3", "--outlet", "YH-003", "--county", kCounty, "--county-key",
                                     county_key_, "--simulation"});
  ASSERT_EQ(n3.exit_code, 0) << n3.Describe();
  cli::Result refused = NodeAt(kJanuary, {"submit", "--data", "N3", "-"}, AppSubmit("C-1", "小店").dump());
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("no_sealing_key"), std::string::npos) << refused.Describe();
  EXPECT_NE(refused.err.find("sync"), std::string::npos) << refused.Describe();

  StartHubAt(kJanuary, "Y", county_port_);
  ASSERT_TRUE(SyncAt(kJanuary, "N2")) << Logs();
  // The record is stored; the pass (here run at once) tells the outlet.
  cli::Result pass = HubAt(kJanuary, {"key", "shred-due", "--data", "Y"});
  ASSERT_EQ(pass.exit_code, 0) << pass.Describe();
  cli::Result synced;
  ASSERT_TRUE(SyncAt(kJanuary, "N2", &synced)) << Logs();
  EXPECT_NE(synced.err.find("notice: the county hub cannot open record"), std::string::npos) << synced.Describe();
  EXPECT_NE(synced.err.find("seal to key 2026-01"), std::string::npos) << synced.Describe();
  cli::Result status = NodeAt(kJanuary, {"status", "--data", "N2"});
  EXPECT_NE(status.out.find("notice: the county hub cannot open record"), std::string::npos) << status.out;
  StopDaemons();

  cli::Result report = HubAt(kJanuary, {"report", "sla", "--data", "Y", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  json doc = json::parse(report.out, nullptr, false);
  EXPECT_EQ(doc["unreadable_boxes"], 1) << report.out;
  EXPECT_EQ(doc["totals"]["received"], 1) << "the application is counted like any other: " << report.out;
  cli::Result audit = HubAt(kJanuary, {"audit", "--data", "Y"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
  EXPECT_NE(audit.out.find("flag: sealing: app.submit record"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("never published"), std::string::npos) << audit.out;
  cli::Result open = Open(kJanuary, "B-1");
  EXPECT_EQ(open.exit_code, 1) << open.Describe();
  EXPECT_NE(open.err.find("sealing_key_missing"), std::string::npos) << open.Describe();
}

TEST_F(SealingKeyTest, TheUnreadableBoxCountHoldsAfterAKillMidPassAndARestart) {
  ASSERT_NO_FATAL_FAILURE(MakeCity());
  // An outlet with a wrong key files an application and a complaint: two unreadable boxes.
  const std::string wrong = "2025-06:" + january_key_.substr(8);
  ASSERT_NO_FATAL_FAILURE(MakeNode("N2", "YH-002", wrong));
  ASSERT_NO_FATAL_FAILURE(SubmitAt(kJanuary, "N2", "B-1"));
  const json complaint = {
      {"type", "complaint.file"}, {"outlet_id", "YH-002"}, {"category", "slow"}, {"text", "等了两个小时"}};
  cli::Result filed = NodeAt(kJanuary, {"submit", "--data", "N2", "-"}, complaint.dump());
  ASSERT_EQ(filed.exit_code, 0) << filed.Describe();
  constexpr int kApps = 2500;  // three of the daemon's linker batches (1,000 log leaves a second)
  cli::Result many = NodeAt(kJanuary, {"submit", "--data", "N", "-"}, AppLines("A", 1, kApps));
  ASSERT_EQ(many.exit_code, 0) << many.Describe();
  // Stored by import while no daemon runs, so that the daemon's walk starts with all of it ahead.
  for (const std::string node : {"N2", "N"}) {
    cli::Result exported = NodeAt(kJanuary, {"export", "--data", node, "--out", node + ".bundle"});
    ASSERT_EQ(exported.exit_code, 0) << exported.Describe();
    cli::Result imported = HubAt(kJanuary, {"import", "--data", "Y", node + ".bundle"});
    ASSERT_EQ(imported.exit_code, 0) << imported.Describe();
  }

  Daemon& hub = StartHubAt(kJanuary, "Y", county_port_);
  // kill -9 as soon as the walk has committed its first batch, with most leaves still ahead.
  ASSERT_TRUE(WaitFor([&] { return hub.Logged("application(s) linked"); }, seconds(120), std::chrono::milliseconds(20)))
      << hub.Log();
  hub.Kill9();

  auto report = [&] {
    cli::Result r = HubAt(kJanuary, {"report", "sla", "--data", "Y", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, false);
  };
  auto sealing_flags = [&] {
    cli::Result audit = HubAt(kJanuary, {"audit", "--data", "Y"});
    EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
    size_t n = 0;
    for (size_t at = audit.out.find("flag: sealing: "); at != std::string::npos;
         at = audit.out.find("flag: sealing: ", at + 1)) {
      ++n;
    }
    return n;
  };
  json killed = report();
  EXPECT_LT(killed["applicants"]["linked"].get<int>(), kApps) << "killed in the middle of the walk";
  EXPECT_EQ(killed["unreadable_boxes"], 2) << killed.dump();
  EXPECT_EQ(sealing_flags(), 2u);

  // The restarted daemon walks on from the durable cursor; the count stays.
  hub.Start();
  EXPECT_TRUE(WaitFor([&] { return report()["applicants"]["linked"] == kApps; }, seconds(120))) << hub.Log();
  EXPECT_EQ(report()["unreadable_boxes"], 2);
  StopDaemons();
  EXPECT_EQ(report()["unreadable_boxes"], 2);
  EXPECT_EQ(sealing_flags(), 2u);
}

}  // namespace
