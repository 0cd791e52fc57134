// The city witnesses a county through the real command line (docs/audit.md): the county hub
// publishes its transparency log, its working rules and report snapshots into its feed
// (`checkpoint`); they travel to the city in the county's bundle; the city recomputes the
// county's figures with the county's receipt instants and rules (`report county-sla`), which
// must agree with the county's own report to the minute although the city received everything
// days later; `audit` compares the county's snapshots and catches a snapshot altered by one
// number, a rewritten log and a forged record; an exported case proves its timeline offline.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "crypto/merkle.h"
#include "hub/witness_publisher.h"
#include "oversight/county_witness.h"
#include "oversight/report_snapshot.h"
#include "protocol/clock.h"
#include "storage/feed_store.h"
#include "storage/transparency_log.h"
#include "tests/cli/cli_process.h"
#include "tests/cli/simulated_parties.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kCounty = "140802";
constexpr const char* kUscc = "91350100M000100Y43";

json Submit(const std::string& app_id, const std::string& kind) {
  return {{"type", "app.submit"},
          {"app_id", app_id},
          {"kind", kind},
          {"entity_type", "individual"},
          {"entity_name", "盐湖区小店" + app_id},
          {"applicant", {{"id_number", "11010519491231002X"}, {"name", "张三明"}}},
          {"realname_verified", true},
          {"channel", "outlet"},
          {"fee_cents", 0},
          {"helper", "王芳"},
          {"materials", {"id_card"}}};
}

// The leaves of a list, for the Merkle algorithms.
class LeafList : public bangban::MerkleHashSource {
 public:
  explicit LeafList(const std::vector<bangban::Bytes>& leaves) : leaves_(leaves) {}
  bangban::Hash32 LeafHash(uint64_t index) const override { return bangban::MerkleLeafHash(leaves_[index]); }

 private:
  const std::vector<bangban::Bytes>& leaves_;
};

class WitnessTest : public cli::SimulatedPartiesTest {
 protected:
  // City "C", county hub "H" (minutes policy, 120 working minutes, the 2026 calendar), outlet
  // YH-001 ("N1"); all simulation parties.
  void SetUpCity() {
    At("2026-03-02T08:00:00");
    cli::Result c =
        Hub({"init", "--data", "C", "--role", "city", "--name", "运城市", "--city", "1408", "--simulation"});
    ASSERT_NO_FATAL_FAILURE(Ok(c));
    city_key_ = FirstLine(c);
    cli::Result h = Hub({"init", "--data", "H", "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
                         kCounty, "--city-key", city_key_, "--calendar",
                         std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml", "--simulation"});
    ASSERT_NO_FATAL_FAILURE(Ok(h));
    county_key_ = FirstLine(h);
    ASSERT_NO_FATAL_FAILURE(SetToml("policy = \"session\"", "policy = \"minutes\""));
    ASSERT_NO_FATAL_FAILURE(SetToml("target_minutes = 240", "target_minutes = 120"));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub(
        {"enroll", "--data", "C", "--key", county_key_, "--role", "county", "--name", "盐湖区", "--county", kCounty})));
    cli::Result n = Node({"init", "--data", "N1", "--outlet", "YH-001", "--county", kCounty, "--county-key",
                          county_key_, "--simulation", "--sealing-key", cli::SealingKeyFromInit(h.err)});
    ASSERT_NO_FATAL_FAILURE(Ok(n));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"enroll", "--data", "H", "--key", FirstLine(n), "--role", "outlet", "--name",
                                    "网点YH-001", "--outlet-id", "YH-001"})));
  }

  // A review is taken only from an active reviewer of the county hub: each is enrolled on first
  // use, at the review's instant.
  cli::Result Review(std::vector<std::string> args) {
    const auto reviewer = std::find(args.begin(), args.end(), "--reviewer");
    if (reviewer != args.end() && reviewer + 1 != args.end() && operators_.insert(*(reviewer + 1)).second) {
      cli::Result added = Hub({"user", "add", "--data", "H", "--name", *(reviewer + 1), "--role", "reviewer"});
      if (added.exit_code != 0) return added;
    }
    args.insert(args.begin(), {"review", "--data", "H"});
    return Hub(args);
  }
  std::set<std::string> operators_;  // the reviewers enrolled so far

  // Monday 2026-03-02: A-1 received 09:10, accepted 09:30, approved 10:00; A-2 received 09:10,
  // accepted 09:40, open (due 11:10 under the 120-minute rule). The county publishes at 11:00;
  // the city receives it all on Wednesday.
  void Monday() {
    ASSERT_NO_FATAL_FAILURE(SetUpCity());
    At("2026-03-02T08:50:00");
    ASSERT_NO_FATAL_FAILURE(NodeSubmit({Submit("A-1", "establish"), Submit("A-2", "change")}));
    At("2026-03-02T09:10:00");
    ASSERT_NO_FATAL_FAILURE(Carry());
    At("2026-03-02T09:30:00");
    ASSERT_NO_FATAL_FAILURE(Ok(Review({"accept", "A-1", "--reviewer", "r01"})));
    At("2026-03-02T09:40:00");
    ASSERT_NO_FATAL_FAILURE(Ok(Review({"accept", "A-2", "--reviewer", "r02"})));
    At("2026-03-02T10:00:00");
    ASSERT_NO_FATAL_FAILURE(Ok(Review({"approve", "A-1", "--reviewer", "r01", "--uscc", kUscc})));
    At("2026-03-02T11:00:00");
    cli::Result published = Hub({"checkpoint", "--data", "H", "--json"});
    ASSERT_NO_FATAL_FAILURE(Ok(published));
    json p = Json(published);
    EXPECT_EQ(p["rules"], 1) << published.Describe();
    EXPECT_EQ(p["checkpoints"], 1) << published.Describe();
    EXPECT_EQ(p["snapshots"], 1) << published.Describe();
    At("2026-03-04T10:00:00");
    ASSERT_NO_FATAL_FAILURE(Upstream());
  }

  json Audit(const std::string& dir, int expect_exit) {
    cli::Result r = Hub({"audit", "--data", dir, "--json"});
    EXPECT_EQ(r.exit_code, expect_exit) << r.Describe();
    return Json(r);
  }
  static bool HasFinding(const json& audit, const std::string& type, const std::string& text = "") {
    for (const json& f : audit["findings"]) {
      if (f["type"] == type && f["message"].get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  }

  // The county hub's feed, opened as the county's own (dishonest) software would.
  bangban::FeedStore CountyStore() {
    bangban::FeedStore::Options options;
    options.roots.push_back({Key(county_key_), "county", kCounty});
    options.roots.push_back({Key(city_key_), "city", ""});
    return bangban::FeedStore(tmp_ / "H/store", options);
  }
  bangban::SigningKey CountyKey() { return bangban::SigningKey::Load(tmp_ / "H/identity.key"); }
  static bangban::PublicKey Key(const std::string& hex) { return *bangban::FromHexFixed<32>(hex); }

  std::string city_key_, county_key_;
};

// The figures of a report that are a function of the records (not the hub's name or setting).
json Figures(json report) {
  for (const char* key : {"hub", "simulation", "rules", "recomputed", "county_receipts"}) report.erase(key);
  return report;
}

TEST_F(WitnessTest, CountyAndCityAgreeToTheMinuteWithTheCountysClockAndRules) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  // Tuesday the county shortens its rule to 60 working minutes: a new profile from 09:10, the
  // instant the hub first runs with it; A-3, received then, is due at 10:10.
  At("2026-03-03T09:00:00");
  ASSERT_NO_FATAL_FAILURE(SetToml("target_minutes = 120", "target_minutes = 60"));
  At("2026-03-03T09:05:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit({Submit("A-3", "change")}));
  At("2026-03-03T09:10:00");
  ASSERT_NO_FATAL_FAILURE(Carry());
  At("2026-03-03T09:20:00");
  cli::Result published = Hub({"checkpoint", "--data", "H", "--json"});
  ASSERT_NO_FATAL_FAILURE(Ok(published));
  EXPECT_EQ(Json(published)["rules"], 1) << published.Describe();
  At("2026-03-03T09:25:00");
  cli::Result nothing = Hub({"checkpoint", "--data", "H"});
  ASSERT_NO_FATAL_FAILURE(Ok(nothing));
  EXPECT_NE(nothing.out.find("nothing new"), std::string::npos) << nothing.Describe();
  At("2026-03-05T10:00:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());

  for (const std::string at : {"2026-03-02T11:00:00+08:00", "2026-03-03T09:20:00+08:00"}) {
    cli::Result county = Hub({"report", "sla", "--data", "H", "--json", "--apps", "--at", at});
    cli::Result city =
        Hub({"report", "county-sla", "--data", "C", "--county", kCounty, "--json", "--apps", "--at", at});
    ASSERT_NO_FATAL_FAILURE(Ok(county));
    ASSERT_NO_FATAL_FAILURE(Ok(city));
    json c = Json(county), r = Json(city);
    EXPECT_EQ(r["recomputed"]["missing"], 0) << city.Describe();
    EXPECT_EQ(Figures(c), Figures(r)) << "at " << at << "\ncounty:\n" << c.dump(1) << "\ncity:\n" << r.dump(1);
  }
  cli::Result city = Hub({"report", "county-sla", "--data", "C", "--county", kCounty, "--json", "--apps", "--at",
                          "2026-03-03T09:20:00+08:00"});
  json r = Json(city);
  std::map<std::string, json> apps;
  for (const json& app : r["apps"]) apps[app["app_id"]] = app;
  EXPECT_EQ(apps["A-1"]["received"], "2026-03-02T09:10:00.000+08:00") << r.dump(1);
  EXPECT_EQ(apps["A-1"]["met"], true) << r.dump(1);
  EXPECT_EQ(apps["A-2"]["deadline"], "2026-03-02T11:10:00.000+08:00") << r.dump(1);  // 120 minutes
  EXPECT_EQ(apps["A-3"]["deadline"], "2026-03-03T10:10:00.000+08:00") << r.dump(1);  // 60 minutes
  // The city's own report measures the county's cases with the county's receipt instants too,
  // although nothing had reached the city on Tuesday (its own case book has its own instants).
  cli::Result own = Hub({"report", "sla", "--data", "C", "--json", "--apps", "--at", "2026-03-03T09:20:00+08:00"});
  ASSERT_NO_FATAL_FAILURE(Ok(own));
  EXPECT_EQ(Json(own)["totals"]["received"], 3) << own.Describe();
  EXPECT_EQ(Figures(Json(own))["apps"], r["apps"]) << own.Describe();

  // Both snapshots, both rules records and both tree heads check out.
  json audit = Audit("C", 0);
  EXPECT_EQ(audit["clean"], true) << audit.dump(1);
  ASSERT_EQ(audit["counties"].size(), 1u) << audit.dump(1);
  EXPECT_EQ(audit["counties"][0]["snapshots_compared"], 2) << audit.dump(1);
  EXPECT_EQ(audit["counties"][0]["tree_heads"], 2) << audit.dump(1);
  EXPECT_EQ(audit["counties"][0]["rules"], 2) << audit.dump(1);
  json county_audit = Audit("H", 0);
  EXPECT_EQ(county_audit["clean"], true) << county_audit.dump(1);
}

TEST_F(WitnessTest, AuditCatchesASnapshotAlteredByOneNumber) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  cli::Result report = Hub({"report", "sla", "--data", "H", "--json", "--at", "2026-03-02T11:00:00+08:00"});
  ASSERT_NO_FATAL_FAILURE(Ok(report));
  json document = bangban::SlaSnapshotDocument(Json(report));
  ASSERT_EQ(document["totals"]["completed_on_time"], 1) << document.dump(1);
  document["totals"]["completed_on_time"] = 2;
  {
    bangban::FeedStore store = CountyStore();
    store.AppendOwn(CountyKey(), {{"report.snapshot", bangban::SnapshotBody("sla", 1'772'420'400'000, document)}});
  }
  At("2026-03-04T11:00:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());
  json audit = Audit("C", 1);
  EXPECT_EQ(audit["clean"], false) << audit.dump(1);
  EXPECT_TRUE(HasFinding(audit, "snapshot_mismatch", "totals.completed_on_time: 2 in the snapshot, 1 recomputed"))
      << audit.dump(1);
  EXPECT_EQ(audit["findings"].size(), 1u) << audit.dump(1);  // the honest snapshot is fine
  EXPECT_EQ(audit["findings"][0]["county"], kCounty) << audit.dump(1);
  cli::Result text = Hub({"audit", "--data", "C"});
  EXPECT_EQ(text.exit_code, 1) << text.Describe();
  EXPECT_NE(text.out.find("finding: snapshot_mismatch county 140802"), std::string::npos) << text.Describe();
}

TEST_F(WitnessTest, AuditCatchesARewrittenCountyLog) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  At("2026-03-02T11:30:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit({Submit("A-4", "change")}));
  ASSERT_NO_FATAL_FAILURE(Carry());
  {
    // The county moves A-1's receipt an hour later (so that its clock looks shorter) and signs
    // a head over its rewritten log.
    bangban::FeedStore store = CountyStore();
    bangban::TransparencyLog log(store.env());
    std::optional<bangban::Bytes> head_bytes = store.GetMeta(bangban::kWitnessHeadMeta);
    ASSERT_TRUE(head_bytes.has_value());
    const bangban::TreeHead previous = bangban::TreeHead::Decode(*head_bytes);
    std::vector<bangban::Bytes> leaves;
    const MDB_dbi table = bangban::OpenLogLeaves(store.env());
    store.env().Read([&](bangban::LmdbTxn& txn) { leaves = bangban::ReadLogLeaves(txn, table, 0, log.Size(txn)); });
    ASSERT_GT(leaves.size(), previous.size);
    bool moved = false;
    for (bangban::Bytes& leaf : leaves) {
      bangban::RecordId id;
      std::copy(leaf.begin(), leaf.begin() + 32, id.begin());
      std::optional<bangban::Record> r = store.Get(id);
      if (r && r->type() == "app.submit" && r->body()["app_id"] == "A-1") {
        leaf =
            bangban::LogLeafBytes(id, static_cast<int64_t>(bangban::DecodeBigEndian64(leaf.data() + 32)) + 3'600'000);
        moved = true;
      }
    }
    ASSERT_TRUE(moved);
    LeafList source(leaves);
    const bangban::TreeHead head = bangban::TreeHead::Sign(
        CountyKey(), leaves.size(), bangban::MerkleRoot(leaves.size(), source), previous.timestamp_ms + 60'000);
    std::vector<bangban::Hash32> proof = bangban::MerkleConsistencyProof(previous.size, leaves.size(), source);
    std::vector<bangban::Bytes> fresh(leaves.begin() + previous.size, leaves.end());
    std::vector<std::pair<std::string, bangban::Json>> entries;
    for (bangban::Json& body : bangban::CheckpointBodies(previous.size, fresh, head, proof)) {
      entries.emplace_back("log.checkpoint", body);
    }
    store.AppendOwn(CountyKey(), entries);
  }
  At("2026-03-04T11:00:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());
  json audit = Audit("C", 1);
  EXPECT_TRUE(HasFinding(audit, "inconsistent_tree_head")) << audit.dump(1);
  EXPECT_EQ(audit["findings"][0]["county"], kCounty) << audit.dump(1);
  EXPECT_EQ(audit["findings"][0]["records"].size(), 1u) << audit.dump(1);
}

TEST_F(WitnessTest, AuditCatchesAForgedRecord) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  ASSERT_EQ(Audit("C", 0)["clean"], true);
  {
    // Someone with the city's disk changes the entity name in A-1's application.
    bangban::LmdbEnv env(tmp_ / "C/store");
    MDB_dbi records = env.OpenDb("feed");  // author || seq -> the record's bytes
    bool forged = false;
    env.Write([&](bangban::LmdbTxn& txn) {
      bangban::LmdbCursor cursor(txn, records);
      for (bool ok = cursor.First(); ok && !forged; ok = cursor.Next()) {
        std::string wire(cursor.value().begin(), cursor.value().end());
        const size_t at = wire.find("盐湖区小店A-1");
        if (at == std::string::npos) continue;
        wire[at + std::string("盐湖区小店A-").size()] = '7';
        bangban::Bytes key(cursor.key().begin(), cursor.key().end());
        txn.Put(records, key, bangban::AsBytes(wire));
        forged = true;
      }
    });
    ASSERT_TRUE(forged);
  }
  json audit = Audit("C", 1);
  EXPECT_EQ(audit["clean"], false) << audit.dump(1);
  EXPECT_FALSE(audit["problems"].empty()) << audit.dump(1);
}

TEST_F(WitnessTest, EvidenceProvesACaseOfflineAndRefusesTampering) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  ASSERT_NO_FATAL_FAILURE(Ok(Hub({"export-evidence", "--data", "H", "--app", "A-1", "--out", "ev.json"})));
  cli::Result ok = Hub({"verify-evidence", "ev.json", "--hub-key", county_key_, "--json"});
  ASSERT_NO_FATAL_FAILURE(Ok(ok));
  json v = Json(ok);
  ASSERT_EQ(v["timeline"].size(), 3u) << v.dump(1);
  EXPECT_EQ(v["timeline"][0]["type"], "app.submit");
  EXPECT_EQ(v["timeline"][0]["at"], "2026-03-02T09:10:00.000+08:00");
  EXPECT_EQ(v["timeline"][1]["type"], "review.accept");
  EXPECT_EQ(v["timeline"][2]["type"], "review.approve");
  EXPECT_EQ(v["timeline"][2]["at"], "2026-03-02T10:00:00.000+08:00");
  // No store is needed: the file alone, from another directory.
  fs::create_directories(tmp_ / "elsewhere");
  fs::copy_file(tmp_ / "ev.json", tmp_ / "elsewhere/ev.json");
  fs::remove_all(tmp_ / "H");
  ASSERT_NO_FATAL_FAILURE(Ok(Hub({"verify-evidence", "elsewhere/ev.json"})));

  const std::string text = cli::ReadFile(tmp_ / "ev.json");
  auto expect_refused = [&](const std::string& name, const std::string& content, const std::string& code,
                            const std::vector<std::string>& extra = {}) {
    cli::WriteFile(tmp_ / name, content);
    std::vector<std::string> args = {"verify-evidence", name};
    args.insert(args.end(), extra.begin(), extra.end());
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 1) << name << "\n" << r.Describe();
    EXPECT_NE(r.err.find("error: " + code + ":"), std::string::npos) << name << "\n" << r.Describe();
  };
  expect_refused("cut.json", text.substr(0, text.size() - 40), "malformed");
  expect_refused("wrong-key.json", text, "bad_receipt", {"--hub-key", city_key_});
  // One receipt time moved by a millisecond.
  json moved = json::parse(text);
  moved["records"][0]["receipt"]["received_ms"] = moved["records"][0]["receipt"]["received_ms"].get<int64_t>() + 1;
  expect_refused("moved.json", moved.dump(1), "bad_receipt");
  // One byte of a record altered (a hex digit of its signature, at the end of its bytes).
  json altered = json::parse(text);
  std::string wire = altered["records"][1]["record"];
  wire[wire.size() - 1] = wire[wire.size() - 1] == '0' ? '1' : '0';
  altered["records"][1]["record"] = wire;
  expect_refused("altered.json", altered.dump(1), "bad_signature");
}

// The county's report.snapshot records of `report oversight`, oldest first.
std::vector<bangban::ReportSnapshot> OversightSnapshots(bangban::FeedStore& store, const bangban::PublicKey& county) {
  std::vector<bangban::ReportSnapshot> out;
  store.ScanFeed(county, 1, store.Head(county).seq, [&](const bangban::Record& r) {
    if (r.type() == "report.snapshot" && r.body()["report"] == "oversight") {
      out.push_back(bangban::ReportSnapshot::FromBody(r.body()));
    }
    return true;
  });
  return out;
}

TEST_F(WitnessTest, OversightSnapshotsAgreeWithTheCityAndAnAlteredOneIsCaught) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  // Thursday: A-3 is submitted at 08:50 but reaches the county only at 10:00, after its 09:30
  // snapshot; a second outlet is enrolled at 09:00.
  At("2026-03-05T08:50:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit({Submit("A-3", "change")}));
  At("2026-03-05T09:00:00");
  cli::Result n2 = Node(
      {"init", "--data", "N2", "--outlet", "YH-002", "--county", kCounty, "--county-key", county_key_, "--simulation"});
  ASSERT_NO_FATAL_FAILURE(Ok(n2));
  ASSERT_NO_FATAL_FAILURE(Ok(Hub({"enroll", "--data", "H", "--key", FirstLine(n2), "--role", "outlet", "--name",
                                  "网点YH-002", "--outlet-id", "YH-002"})));
  At("2026-03-05T09:30:00");
  cli::Result published = Hub({"checkpoint", "--data", "H", "--json"});
  ASSERT_NO_FATAL_FAILURE(Ok(published));
  EXPECT_EQ(Json(published)["oversight_snapshots"], 1) << published.Describe();
  At("2026-03-05T10:00:00");
  ASSERT_NO_FATAL_FAILURE(Carry());
  At("2026-03-05T10:30:00");
  ASSERT_NO_FATAL_FAILURE(Ok(Hub({"checkpoint", "--data", "H"})));
  At("2026-03-06T10:00:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());

  std::vector<bangban::ReportSnapshot> snapshots;
  {
    bangban::FeedStore store = CountyStore();
    snapshots = OversightSnapshots(store, Key(county_key_));
  }
  ASSERT_EQ(snapshots.size(), 3u);
  ASSERT_TRUE(snapshots[1].document.has_value());
  EXPECT_EQ((*snapshots[1].document)["counties"][0]["services"]["applications"], 2) << snapshots[1].document->dump(1);
  EXPECT_EQ((*snapshots[2].document)["counties"][0]["services"]["applications"], 3) << snapshots[2].document->dump(1);
  // The snapshot is the hash of the county's `report oversight --json` at its instant, and that
  // report, run days later, still says the same (the outlet enrolled on Thursday is not counted
  // on Monday) — except at 09:30, since A-3, stamped before it, reached the county after it.
  for (const bangban::ReportSnapshot& snapshot : {snapshots[0], snapshots[2]}) {
    cli::Result county =
        Hub({"report", "oversight", "--data", "H", "--json", "--at", bangban::FormatRfc3339(snapshot.at_ms)});
    ASSERT_NO_FATAL_FAILURE(Ok(county));
    const json document = bangban::OversightSnapshotDocument(Json(county));
    EXPECT_EQ(bangban::SnapshotHash(document), snapshot.hash)
        << "at " << bangban::FormatRfc3339(snapshot.at_ms) << ": "
        << testing::PrintToString(bangban::DocumentDifferences(*snapshot.document, document));
  }
  EXPECT_EQ((*snapshots[0].document)["counties"][0]["outlets"]["total"], 1) << snapshots[0].document->dump(1);
  EXPECT_EQ((*snapshots[1].document)["counties"][0]["outlets"]["total"], 2) << snapshots[1].document->dump(1);

  // The city recomputes all three from the records the county held at each instant: clean.
  json audit = Audit("C", 0);
  EXPECT_EQ(audit["clean"], true) << audit.dump(1);
  EXPECT_EQ(audit["counties"][0]["oversight_snapshots"], 3) << audit.dump(1);
  EXPECT_EQ(audit["counties"][0]["oversight_snapshots_compared"], 3) << audit.dump(1);

  // The county signs Thursday 09:30's figures again with one more application.
  json altered = *snapshots[1].document;
  altered["counties"][0]["services"]["applications"] = 3;
  {
    bangban::FeedStore store = CountyStore();
    store.AppendOwn(CountyKey(),
                    {{"report.snapshot", bangban::SnapshotBody("oversight", snapshots[1].at_ms, altered)}});
  }
  At("2026-03-06T11:00:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());
  audit = Audit("C", 1);
  EXPECT_TRUE(HasFinding(audit, "snapshot_mismatch",
                         "the oversight report the county signed for 2026-03-05T09:30:00.000+08:00 differs"))
      << audit.dump(1);
  EXPECT_TRUE(
      HasFinding(audit, "snapshot_mismatch", "counties.0.services.applications: 3 in the snapshot, 2 recomputed"))
      << audit.dump(1);
  EXPECT_EQ(audit["findings"].size(), 1u) << audit.dump(1);  // the honest ones are fine
  EXPECT_EQ(audit["counties"][0]["oversight_snapshots_compared"], 4) << audit.dump(1);
}

TEST_F(WitnessTest, TheCitysOwnReportsUseTheCountysReceiptsAndSayWhereTheyFallBack) {
  ASSERT_NO_FATAL_FAILURE(Monday());  // the city received Monday's records on Wednesday
  // Wednesday 10:30 the county approves A-2; the record reaches the city at 11:00, before the
  // county has published the leaf that logs it.
  At("2026-03-04T10:30:00");
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"approve", "A-2", "--reviewer", "r02"})));
  At("2026-03-04T11:00:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());

  auto both = [&](const std::string& at, json& county, json& city) {
    cli::Result h = Hub({"report", "sla", "--data", "H", "--json", "--apps", "--at", at});
    cli::Result c = Hub({"report", "sla", "--data", "C", "--json", "--apps", "--at", at});
    ASSERT_NO_FATAL_FAILURE(Ok(h));
    ASSERT_NO_FATAL_FAILURE(Ok(c));
    county = Json(h);
    city = Json(c);
  };
  auto app = [](const json& report, const std::string& id) {
    for (const json& a : report["apps"]) {
      if (a["app_id"] == id) return a;
    }
    return json();
  };
  // Monday 11:00: the city's figures are the county's, to the minute, two days later (only the
  // list of A-2's actions shows Wednesday's approval, at the city's receipt).
  json county, city;
  ASSERT_NO_FATAL_FAILURE(both("2026-03-02T11:00:00+08:00", county, city));
  EXPECT_EQ(city["totals"]["received"], 2) << city.dump(1);
  json county_a2 = app(county, "A-2"), city_a2 = app(city, "A-2");
  EXPECT_EQ(county_a2["actions"][2]["at"], "2026-03-04T10:30:00.000+08:00") << county.dump(1);
  EXPECT_EQ(city_a2["actions"][2]["at"], "2026-03-04T11:00:00.000+08:00") << city.dump(1);
  county_a2.erase("actions");
  city_a2.erase("actions");
  EXPECT_EQ(county_a2, city_a2);
  EXPECT_EQ(app(county, "A-1"), app(city, "A-1"));
  county.erase("apps");
  city.erase("apps");
  EXPECT_EQ(Figures(county), Figures(city)) << "county:\n" << county.dump(1) << "\ncity:\n" << city.dump(1);
  const json& receipts = city["county_receipts"];
  ASSERT_EQ(receipts["counties"].size(), 1u) << receipts.dump(1);
  EXPECT_EQ(receipts["counties"][0]["receipts"], "county") << receipts.dump(1);
  // A-2's approval is measured from the city's own receipt until its leaf arrives, and says so.
  EXPECT_EQ(receipts["fallback_records"], 1) << receipts.dump(1);
  ASSERT_EQ(receipts["fallback_cases"].size(), 1u) << receipts.dump(1);
  EXPECT_EQ(receipts["fallback_cases"][0]["app_id"], "A-2") << receipts.dump(1);
  EXPECT_EQ(receipts["fallback_cases"][0]["county"], kCounty) << receipts.dump(1);
  cli::Result text = Hub({"report", "sla", "--data", "C", "--at", "2026-03-02T11:00:00+08:00"});
  ASSERT_NO_FATAL_FAILURE(Ok(text));
  EXPECT_NE(text.out.find("note: 1 record(s) of 1 case(s) are measured from this hub's own receipt"), std::string::npos)
      << text.Describe();
  ASSERT_NO_FATAL_FAILURE(both("2026-03-04T12:00:00+08:00", county, city));
  EXPECT_EQ(app(county, "A-2")["completed_at"], "2026-03-04T10:30:00.000+08:00") << county.dump(1);
  EXPECT_EQ(app(city, "A-2")["completed_at"], "2026-03-04T11:00:00.000+08:00") << city.dump(1);
  EXPECT_EQ(app(city, "A-1"), app(county, "A-1")) << city.dump(1);

  // Once the county publishes, the city agrees on A-2 too, and falls back on nothing.
  At("2026-03-04T12:00:00");
  ASSERT_NO_FATAL_FAILURE(Ok(Hub({"checkpoint", "--data", "H"})));
  At("2026-03-04T12:30:00");
  ASSERT_NO_FATAL_FAILURE(Upstream());
  ASSERT_NO_FATAL_FAILURE(both("2026-03-04T12:00:00+08:00", county, city));
  EXPECT_EQ(Figures(county), Figures(city)) << "county:\n" << county.dump(1) << "\ncity:\n" << city.dump(1);
  EXPECT_EQ(city["county_receipts"]["fallback_records"], 0) << city.dump(1);
  EXPECT_EQ(city["county_receipts"]["fallback_cases"], json::array()) << city.dump(1);

  // The SLA part of the city's oversight report is the county's too.
  cli::Result h = Hub({"report", "oversight", "--data", "H", "--json", "--at", "2026-03-02T11:00:00+08:00"});
  cli::Result c = Hub({"report", "oversight", "--data", "C", "--json", "--at", "2026-03-02T11:00:00+08:00"});
  ASSERT_NO_FATAL_FAILURE(Ok(h));
  ASSERT_NO_FATAL_FAILURE(Ok(c));
  const json county_sla = Json(h)["counties"][0]["sla"], city_sla = Json(c)["counties"][0]["sla"];
  EXPECT_EQ(city_sla["received"], 2) << city_sla.dump(1);
  EXPECT_EQ(county_sla, city_sla) << "county:\n" << county_sla.dump(1) << "\ncity:\n" << city_sla.dump(1);
  EXPECT_EQ(Json(c)["total"]["sla"]["received"], 2) << c.Describe();
}

TEST_F(WitnessTest, TheCitysQueueCommandMeasuresWithTheCountysReceipts) {
  ASSERT_NO_FATAL_FAILURE(Monday());  // the city received Monday's records on Wednesday 10:00
  // Monday 10:30: A-2, accepted 09:40, is open at the county. The city's `queue` (and the queue
  // `report sla` prints) shows it as the county does, although the city received it two days later.
  const std::string at = "2026-03-02T10:30:00+08:00";
  cli::Result h = Hub({"queue", "--data", "H", "--json", "--at", at});
  cli::Result c = Hub({"queue", "--data", "C", "--json", "--at", at});
  ASSERT_NO_FATAL_FAILURE(Ok(h));
  ASSERT_NO_FATAL_FAILURE(Ok(c));
  const json county = Json(h), city = Json(c);
  ASSERT_EQ(county["open"].size(), 1u) << county.dump(1);
  EXPECT_EQ(county["open"][0]["app_id"], "A-2") << county.dump(1);
  EXPECT_EQ(city["open"], county["open"]) << "county:\n" << county.dump(1) << "\ncity:\n" << city.dump(1);
  EXPECT_EQ(city["paused"], county["paused"]) << city.dump(1);
  ASSERT_EQ(city["county_receipts"]["counties"].size(), 1u) << city.dump(1);
  EXPECT_EQ(city["county_receipts"]["counties"][0]["receipts"], "county") << city.dump(1);
  EXPECT_EQ(city["county_receipts"]["fallback_records"], 0) << city.dump(1);
  EXPECT_FALSE(county.contains("county_receipts")) << county.dump(1);

  cli::Result text = Hub({"report", "sla", "--data", "C", "--at", at});
  ASSERT_NO_FATAL_FAILURE(Ok(text));
  // The queue's line of A-2 shows the county's deadline ("2026-03-02 11:10" in the text).
  const std::string deadline = county["open"][0]["deadline"].get<std::string>();
  const size_t line = text.out.rfind('\n', text.out.find("A-2 "));
  ASSERT_NE(line, std::string::npos) << text.Describe();
  EXPECT_EQ(text.out.substr(line + 1, 16), deadline.substr(0, 10) + " " + deadline.substr(11, 5)) << text.Describe();
}

TEST_F(WitnessTest, EvidenceExportedAtTheCityProvesTheCountysReceiptsOffline) {
  ASSERT_NO_FATAL_FAILURE(Monday());  // the city received Monday's records on Wednesday 10:00
  cli::Result exported =
      Hub({"export-evidence", "--data", "C", "--app", "A-1", "--county", kCounty, "--out", "city-ev.json"});
  ASSERT_NO_FATAL_FAILURE(Ok(exported));
  EXPECT_NE(exported.out.find("3 with the county hub's receipts"), std::string::npos) << exported.Describe();
  // No store is needed: the file alone, with both hubs' data dirs gone.
  fs::create_directories(tmp_ / "elsewhere");
  fs::copy_file(tmp_ / "city-ev.json", tmp_ / "elsewhere/city-ev.json");
  fs::rename(tmp_ / "C", tmp_ / "C-away");
  fs::rename(tmp_ / "H", tmp_ / "H-away");
  cli::Result ok =
      Hub({"verify-evidence", "elsewhere/city-ev.json", "--hub-key", city_key_, "--county-key", county_key_, "--json"});
  ASSERT_NO_FATAL_FAILURE(Ok(ok));
  json v = Json(ok);
  EXPECT_EQ(v["county_hub"], county_key_) << v.dump(1);
  EXPECT_EQ(v["county_enrollment"], true) << v.dump(1);
  ASSERT_EQ(v["timeline"].size(), 3u) << v.dump(1);
  EXPECT_EQ(v["timeline"][0]["type"], "app.submit");
  EXPECT_EQ(v["timeline"][0]["at"], "2026-03-04T10:00:00.000+08:00") << v.dump(1);  // the city's receipt
  EXPECT_EQ(v["timeline"][0]["county_at"], "2026-03-02T09:10:00.000+08:00") << v.dump(1);
  EXPECT_EQ(v["timeline"][1]["county_at"], "2026-03-02T09:30:00.000+08:00") << v.dump(1);
  EXPECT_EQ(v["timeline"][2]["type"], "review.approve");
  EXPECT_EQ(v["timeline"][2]["county_at"], "2026-03-02T10:00:00.000+08:00") << v.dump(1);
  cli::Result text = Hub({"verify-evidence", "elsewhere/city-ev.json"});
  ASSERT_NO_FATAL_FAILURE(Ok(text));
  EXPECT_NE(text.out.find("county received 2026-03-02T09:10:00.000+08:00"), std::string::npos) << text.Describe();

  const std::string file = cli::ReadFile(tmp_ / "city-ev.json");
  auto expect_refused = [&](const std::string& name, const std::string& content, const std::string& message,
                            const std::vector<std::string>& extra = {}) {
    cli::WriteFile(tmp_ / name, content);
    std::vector<std::string> args = {"verify-evidence", name};
    args.insert(args.end(), extra.begin(), extra.end());
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 1) << name << "\n" << r.Describe();
    EXPECT_NE(r.err.find("error: bad_receipt:"), std::string::npos) << name << "\n" << r.Describe();
    EXPECT_NE(r.err.find(message), std::string::npos) << name << "\n" << r.Describe();
  };
  // The county's receipt time of the submission moved by a millisecond.
  json moved = json::parse(file);
  json& county_receipt = moved["records"][0]["county_receipt"];
  county_receipt["received_ms"] = county_receipt["received_ms"].get<int64_t>() + 1;
  expect_refused("county-moved.json", moved.dump(1), "its county receipt does not verify against county hub");
  // One byte of the county's inclusion proof altered.
  json proof = json::parse(file);
  std::string step = proof["records"][2]["county_receipt"]["path"][0];
  step[0] = step[0] == '0' ? '1' : '0';
  proof["records"][2]["county_receipt"]["path"][0] = step;
  expect_refused("county-proof.json", proof.dump(1), "record 2 (");
  expect_refused("county-proof.json", proof.dump(1), "its county receipt does not verify against county hub");
  // Another county hub expected.
  expect_refused("city-ev-copy.json", file, "no receipts of the expected county hub", {"--county-key", city_key_});
}

}  // namespace
