// The county review queue: the workflow (valid and refused transitions, nothing written on a
// refusal), assignment, the projection (incremental == reindex, byte for byte; independent of
// the order events arrive in), the live colour clock, and the calendar rules (the 2026 Spring
// Festival make-up Saturday; an edited calendar never rewrites a past case).
//
// Each test runs a real Hub in a fresh temporary data dir; outlets are keys that sign records
// which the hub ingests. Time is fixed through BANGBAN_NOW, set per step.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "hub/hub.h"
#include "protocol/canonical_form.h"
#include "protocol/clock.h"
#include "protocol/codec.h"
#include "review/case_book.h"
#include "review/sla_report.h"

#include "tests/support/foreign_record.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCounty = "140802";
constexpr const char* kUscc = "91350100M000100Y43";  // valid GB 32100 check character
constexpr const char* kBadUscc = "91350100M000100Y4X";

int64_t T(const std::string& rfc3339) {
  auto ms = ParseRfc3339(rfc3339);
  if (!ms) throw std::invalid_argument("bad time in test: " + rfc3339);
  return *ms;
}

void SetNow(const std::string& rfc3339) { ::setenv("BANGBAN_NOW", rfc3339.c_str(), 1); }

std::string Cal(const std::string& name) { return std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/" + name; }

// An outlet: a key and its feed.
struct Outlet {
  SigningKey key = SigningKey::Generate();
  std::string outlet_id;
  std::string county = kCounty;
  uint64_t seq = 0;
  std::optional<RecordId> head;

  Record Sign(const std::string& type, const Json& body) {
    Record r = Record::Create(key, type, seq + 1, head, NowMs(), body);
    ++seq;
    head = r.id();
    return r;
  }
};

Json SubmitBody(const std::string& app_id, const std::string& kind = "establish", const std::string& channel = "outlet",
                int64_t fee_cents = 0) {
  return {{"app_id", app_id},
          {"kind", kind},
          {"entity_type", "individual"},
          {"entity_name", "盐湖区小店"},
          {"applicant", {{"id_sealed", Json::binary(Bytes(48, 7))}, {"name_masked", "张*明"}}},
          {"realname_verified", true},
          {"channel", channel},
          {"fee_cents", fee_cents},
          {"helper", "王芳"},
          {"materials", Json::array({"id_card"})}};
}

Json ResubmitBody(const std::string& app_id) {
  return {{"app_id", app_id}, {"materials", Json::array({"lease"})}, {"note", "补交租赁合同"}};
}

using test_support::TempDir;

class CaseBookTest : public ::testing::Test {
 protected:
  void SetUp() override { SetNow("2026-03-02T08:00:00+08:00"); }
  void TearDown() override {
    hub_.reset();
    ::unsetenv("BANGBAN_NOW");
  }

  // A county hub for 140802 with `roster` on duty and `calendars` loaded.
  void MakeHub(const std::vector<std::string>& roster = {"r01", "r02"},
               const std::vector<std::string>& calendars = {Cal("cn-2025.toml"), Cal("cn-2026.toml")},
               std::optional<PublicKey> city_key = std::nullopt) {
    HubConfig config;
    config.role = "county";
    config.name = "盐湖区行政审批服务管理局";
    config.county = kCounty;
    config.city_key = city_key;
    config.simulation = true;  // the tests fix the clock (BANGBAN_NOW)
    Hub::Init(dir(), config, std::nullopt);
    std::ofstream toml(dir() / "hub.toml", std::ios::app);
    toml << "[sla]\ncalendars = [";
    for (size_t i = 0; i < calendars.size(); ++i) toml << (i ? ", " : "") << "\"" << calendars[i] << "\"";
    toml << "]\n[review]\nroster = [";
    for (size_t i = 0; i < roster.size(); ++i) toml << (i ? ", " : "") << "\"" << roster[i] << "\"";
    toml << "]\n";
    toml.close();
    Reopen();
    // The county's named operators: a review is taken from an active reviewer only.
    for (const char* reviewer : {"r01", "r02", "r03"}) hub().AddOperator(reviewer, "reviewer");
  }
  void Reopen() {
    hub_.reset();
    hub_ = std::make_unique<Hub>(dir());
  }
  fs::path dir() const { return tmp_.path() / "hub"; }
  Hub& hub() { return *hub_; }
  CaseBook& book() { return hub_->cases(); }

  Outlet& AddOutlet(const std::string& outlet_id) {
    outlets_.push_back(std::make_unique<Outlet>());
    Outlet& o = *outlets_.back();
    o.outlet_id = outlet_id;
    hub().Enroll({o.key.public_key(), "outlet", "网点" + outlet_id, kCounty, outlet_id});
    return o;
  }

  void Deliver(const std::vector<Record>& records) {
    std::vector<IngestOutcome> outcomes = hub().store().Ingest(records);
    for (const IngestOutcome& o : outcomes) {
      ASSERT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << o.code << ": " << o.message;
    }
  }

  Record Act(CaseAction action, const std::string& app_id, const std::string& reviewer = "r01",
             const std::string& reason = "", const std::string& uscc = "") {
    return book().Review(hub().key(), {action, app_id, reviewer, reason, uscc, false}).record;
  }

  // A review of the application `outlet_id` filed (the app_id may be filed by several).
  Record ActOn(const std::string& outlet_id, CaseAction action, const std::string& app_id,
               const std::string& reviewer = "r01", const std::string& reason = "", const std::string& uscc = "") {
    return book().Review(hub().key(), {action, app_id, reviewer, reason, uscc, false, outlet_id}).record;
  }

  // A review record as hubs wrote them before `outlet_id` existed: it means the first owner.
  Record ActOldStyle(CaseAction action, const std::string& app_id, const std::string& reviewer = "r01") {
    Json body = {{"app_id", app_id}, {"reviewer", reviewer}};
    if (action == CaseAction::kCorrect || action == CaseAction::kReject) body["reason"] = "补正";
    return hub().store().AppendOwn(hub().key(), {{"review." + std::string(ToString(action)), body}}).front();
  }

  CaseSummary SummaryOf(const std::string& app_id, const std::string& outlet_id) {
    std::optional<CaseFile> file = book().Find(app_id, kCounty, outlet_id);
    EXPECT_TRUE(file.has_value()) << "no case " << app_id << " of " << outlet_id;
    return file ? file->summary : CaseSummary{};
  }

  // The error code of a refused review, and a check that it wrote nothing.
  std::string Refusal(const ReviewRequest& request, std::string* message = nullptr) {
    const FeedHead before = hub().store().Head(hub().key().public_key());
    const std::string dump = book().Dump();
    try {
      book().Review(hub().key(), request);
    } catch (const Error& e) {
      if (message != nullptr) *message = e.what();
      EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, before.seq) << "a refused review was written";
      EXPECT_EQ(book().Dump(), dump) << "a refused review changed the projection";
      return e.code();
    }
    return "(accepted)";
  }

  CaseSummary Summary(const std::string& app_id) {
    std::optional<CaseFile> file = book().Find(app_id, kCounty);
    EXPECT_TRUE(file.has_value()) << "no case " << app_id;
    return file ? file->summary : CaseSummary{};
  }

  TempDir tmp_;
  std::unique_ptr<Hub> hub_;
  std::vector<std::unique_ptr<Outlet>> outlets_;
};

// ---- workflow -----------------------------------------------------------------------------

TEST_F(CaseBookTest, AcceptThenApproveCompletesTheCase) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T08:40:00+08:00");
  Record submit = o.Sign("app.submit", SubmitBody("A-1"));
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({submit});
  CaseSummary s = Summary("A-1");
  EXPECT_EQ(s.state, CaseState::kReceived);
  EXPECT_EQ(s.outlet_id, "YH-001");
  EXPECT_EQ(s.outlet_key, o.key.public_key());
  EXPECT_EQ(s.received_ms, T("2026-03-02T09:00:00+08:00"));
  EXPECT_EQ(s.transit_delay_ms, 20 * 60'000);
  EXPECT_EQ(s.deadline_ms, T("2026-03-02T18:00:00+08:00"));

  SetNow("2026-03-02T09:30:00+08:00");
  Act(CaseAction::kAccept, "A-1", "r01");
  EXPECT_EQ(Summary("A-1").state, CaseState::kAccepted);
  SetNow("2026-03-02T10:00:00+08:00");
  Record approve = Act(CaseAction::kApprove, "A-1", "r02", "", kUscc);
  EXPECT_EQ(approve.type(), "review.approve");
  EXPECT_EQ(approve.author(), hub().key().public_key());
  EXPECT_EQ(approve.body()["reviewer"], "r02");
  EXPECT_EQ(approve.body()["uscc"], kUscc);

  s = Summary("A-1");
  EXPECT_EQ(s.state, CaseState::kApproved);
  EXPECT_EQ(s.uscc, kUscc);
  EXPECT_EQ(s.reviewer, "r02");  // the reviewer who completed it
  EXPECT_EQ(s.end_ms, T("2026-03-02T10:00:00+08:00"));
  EXPECT_EQ(s.elapsed_ms, 60 * 60'000);
  EXPECT_TRUE(s.met);
  EXPECT_FALSE(s.breached);
  EXPECT_TRUE(s.first_pass);
  // The reviewer of every action is kept.
  std::optional<CaseFile> file = book().Find("A-1", kCounty);
  ASSERT_TRUE(file);
  ASSERT_EQ(file->events.size(), 3u);
  EXPECT_EQ(file->events[1].action, CaseAction::kAccept);
  EXPECT_EQ(file->events[1].reviewer, "r01");
  EXPECT_EQ(file->events[2].reviewer, "r02");
}

TEST_F(CaseBookTest, RefusesInvalidTransitionsAndWritesNothing) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A-1", "change")), o.Sign("app.submit", SubmitBody("A-2", "change"))});

  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kApprove, "A-1", "r01"}, &message), "workflow");
  EXPECT_NE(message.find("accept it first"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kCorrect, "A-1", "r01", "缺租赁合同"}, &message), "workflow");

  Act(CaseAction::kAccept, "A-1");
  EXPECT_EQ(Refusal({CaseAction::kAccept, "A-1", "r01"}, &message), "workflow");
  EXPECT_NE(message.find("already accepted"), std::string::npos) << message;
  Act(CaseAction::kApprove, "A-1");

  // A completed case takes nothing more.
  for (CaseAction action : {CaseAction::kAccept, CaseAction::kApprove, CaseAction::kAssign}) {
    EXPECT_EQ(Refusal({action, "A-1", "r01"}, &message), "workflow") << ToString(action);
    EXPECT_NE(message.find("completed"), std::string::npos) << message;
  }
  EXPECT_EQ(Refusal({CaseAction::kReject, "A-1", "r01", "重复申请"}, &message), "workflow");

  // Unknown application.
  EXPECT_EQ(Refusal({CaseAction::kAccept, "NOPE-1", "r01"}, &message), "unknown_app");
  EXPECT_NE(message.find("NOPE-1"), std::string::npos) << message;

  // Reasons and reviewers are required where the record needs them.
  EXPECT_EQ(Refusal({CaseAction::kCorrect, "A-2", "r01"}, &message), "usage");
  EXPECT_NE(message.find("--reason"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kReject, "A-2", "r01"}, &message), "usage");
  EXPECT_NE(message.find("--reason"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "A-2", ""}, &message), "usage");

  // A rejection straight from receipt (不予受理) is possible, with a reason.
  Act(CaseAction::kReject, "A-2", "r02", "不属于本局管辖");
  EXPECT_EQ(Summary("A-2").state, CaseState::kRejected);
  EXPECT_EQ(Summary("A-2").reviewer, "r02");
}

TEST_F(CaseBookTest, EstablishApprovalNeedsAValidUscc) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("E-1", "establish")), o.Sign("app.submit", SubmitBody("C-1", "change"))});
  Act(CaseAction::kAccept, "E-1");
  Act(CaseAction::kAccept, "C-1");

  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kApprove, "E-1", "r01"}, &message), "workflow");
  EXPECT_NE(message.find("unified social credit code"), std::string::npos) << message;
  EXPECT_NE(message.find("--uscc"), std::string::npos) << message;
  // The schema checks the code itself (GB 32100 check character) and names the field.
  EXPECT_EQ(Refusal({CaseAction::kApprove, "E-1", "r01", "", kBadUscc}, &message), "invalid_body");
  EXPECT_NE(message.find("body.uscc"), std::string::npos) << message;
  // A code is issued to new entities only.
  EXPECT_EQ(Refusal({CaseAction::kApprove, "C-1", "r01", "", kUscc}, &message), "usage");
  EXPECT_EQ(Refusal({CaseAction::kAccept, "C-1", "r01", "", kUscc}, &message), "usage");

  Act(CaseAction::kApprove, "E-1", "r01", "", kUscc);
  Act(CaseAction::kApprove, "C-1", "r01");
  EXPECT_EQ(Summary("E-1").uscc, kUscc);
  EXPECT_EQ(Summary("C-1").state, CaseState::kApproved);
}

TEST_F(CaseBookTest, RefusesAnotherCountysCase) {
  SigningKey city = SigningKey::Generate();
  MakeHub({"r01"}, {}, city.public_key());
  // The city enrolls the hub of 140803, which enrolls its outlet, which files X-1.
  SigningKey other_hub = SigningKey::Generate();
  Outlet other;
  other.county = "140803";
  auto enroll = [](const SigningKey& by, uint64_t seq, std::optional<RecordId> prev, const PublicKey& key,
                   const std::string& role, const std::string& county, const std::string& outlet_id) {
    Json body = {
        {"key", Json::binary(Bytes(key.begin(), key.end()))}, {"role", role}, {"name", "n"}, {"county", county}};
    if (!outlet_id.empty()) body["outlet_id"] = outlet_id;
    return Record::Create(by, "key.enroll", seq, prev, NowMs(), body);
  };
  Record county_enrollment = enroll(city, 1, std::nullopt, other_hub.public_key(), "county", "140803", "");
  Record outlet_enrollment = enroll(other_hub, 1, std::nullopt, other.key.public_key(), "outlet", "140803", "YJ-001");
  Deliver({county_enrollment, outlet_enrollment, other.Sign("app.submit", SubmitBody("X-1"))});
  std::optional<CaseFile> x = book().Find("X-1", "140803");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->summary.outlet_id, "YJ-001");
  EXPECT_EQ(book().CountiesOf("X-1"), std::vector<std::string>{"140803"});
  EXPECT_TRUE(book().CountiesOf("X").empty());  // app ids match whole, never as a prefix

  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "X-1", "r01"}, &message), "other_county");
  EXPECT_NE(message.find("140803"), std::string::npos) << message;
}

TEST_F(CaseBookTest, CorrectionPausesTheCaseUntilTheOutletResubmits) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("B-1", "change"))});
  Act(CaseAction::kAccept, "B-1");
  SetNow("2026-03-02T10:00:00+08:00");
  Act(CaseAction::kCorrect, "B-1", "r01", "缺少股东会决议");
  EXPECT_EQ(Summary("B-1").state, CaseState::kCorrectionRequested);

  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kApprove, "B-1", "r01"}, &message), "workflow");
  EXPECT_NE(message.find("resubmission"), std::string::npos) << message;
  // Assignment is still possible while the applicant holds the case.
  Act(CaseAction::kAssign, "B-1", "r02");

  SetNow("2026-03-03T09:00:00+08:00");
  Deliver({o.Sign("app.resubmit", ResubmitBody("B-1"))});
  CaseSummary s = Summary("B-1");
  EXPECT_EQ(s.state, CaseState::kResubmitted);
  EXPECT_EQ(s.cycle_start_ms, T("2026-03-03T09:00:00+08:00"));
  EXPECT_EQ(s.deadline_ms, T("2026-03-03T18:00:00+08:00"));
  SetNow("2026-03-03T09:30:00+08:00");
  Act(CaseAction::kApprove, "B-1", "r02");
  s = Summary("B-1");
  EXPECT_EQ(s.state, CaseState::kApproved);
  EXPECT_EQ(s.returns, 1u);
  EXPECT_EQ(s.late_returns, 0u);  // 60 of 390 minutes used: an early return
  EXPECT_FALSE(s.first_pass);
  EXPECT_EQ(s.elapsed_ms, (60 + 30) * 60'000);  // the night and the pause are not counted
  EXPECT_EQ(s.assigned_reviewer, "r02");
}

TEST_F(CaseBookTest, AnAppIdFiledByTwoOutletsIsTwoApplications) {
  MakeHub();
  Outlet& first = AddOutlet("YH-001");
  Outlet& second = AddOutlet("YH-002");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({first.Sign("app.submit", SubmitBody("DUP-1", "establish"))});
  SetNow("2026-03-02T09:05:00+08:00");
  std::vector<std::string> notes;
  {
    CaseBook::CollisionWatch watch([&](const std::string& note) { notes.push_back(note); });
    Deliver({second.Sign("app.submit", SubmitBody("DUP-1", "deregister", "hall_window"))});
  }
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("DUP-1"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("YH-002"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("YH-001"), std::string::npos) << notes[0];

  // Two cases, neither overwriting the other; each names the other outlet.
  CaseSummary a = SummaryOf("DUP-1", "YH-001"), b = SummaryOf("DUP-1", "YH-002");
  EXPECT_EQ(a.outlet_id, "YH-001");
  EXPECT_EQ(a.app_kind, "establish");
  EXPECT_EQ(a.received_ms, T("2026-03-02T09:00:00+08:00"));
  EXPECT_EQ(a.conflicts, 1u);
  EXPECT_EQ(a.also_filed_by, std::vector<std::string>{"YH-002"});
  EXPECT_EQ(b.outlet_id, "YH-002");
  EXPECT_EQ(b.app_kind, "deregister");
  EXPECT_EQ(b.received_ms, T("2026-03-02T09:05:00+08:00"));
  EXPECT_EQ(b.also_filed_by, std::vector<std::string>{"YH-001"});
  EXPECT_EQ(book().FiledBy("DUP-1", kCounty), (std::vector<std::string>{"YH-001", "YH-002"}));
  // Without a name, the first owner's.
  EXPECT_EQ(Summary("DUP-1").outlet_id, "YH-001");

  // A review must say which; one that does not is refused, naming both.
  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "DUP-1", "r01"}, &message), "ambiguous_app");
  EXPECT_NE(message.find("YH-001, YH-002"), std::string::npos) << message;
  EXPECT_NE(message.find("--outlet"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "DUP-1", "r01", "", "", false, "YH-009"}, &message), "unknown_app");
  EXPECT_NE(message.find("YH-001, YH-002"), std::string::npos) << message;

  // Decisions reach exactly the application they were made on.
  Record accept = ActOn("YH-002", CaseAction::kAccept, "DUP-1");
  EXPECT_EQ(accept.body()["outlet_id"], "YH-002");
  EXPECT_EQ(SummaryOf("DUP-1", "YH-002").state, CaseState::kAccepted);
  EXPECT_EQ(SummaryOf("DUP-1", "YH-001").state, CaseState::kReceived);
  ActOn("YH-002", CaseAction::kCorrect, "DUP-1", "r01", "补正");
  // YH-001 cannot answer YH-002's correction request: its resubmit belongs to its own case,
  // which is not waiting for one.
  Deliver({first.Sign("app.resubmit", ResubmitBody("DUP-1"))});
  EXPECT_EQ(SummaryOf("DUP-1", "YH-002").state, CaseState::kCorrectionRequested);
  EXPECT_EQ(SummaryOf("DUP-1", "YH-001").ignored, 1u);
  Deliver({second.Sign("app.resubmit", ResubmitBody("DUP-1"))});
  EXPECT_EQ(SummaryOf("DUP-1", "YH-002").state, CaseState::kResubmitted);
  ActOn("YH-001", CaseAction::kReject, "DUP-1", "r02", "材料不符");
  EXPECT_EQ(SummaryOf("DUP-1", "YH-001").state, CaseState::kRejected);
  EXPECT_EQ(SummaryOf("DUP-1", "YH-002").state, CaseState::kResubmitted);

  // Both are in the queue and the report, each marked.
  const Json queue = BuildQueue(book(), NowMs());
  ASSERT_EQ(queue["open"].size(), 1u) << queue.dump();
  EXPECT_EQ(queue["open"][0]["outlet_id"], "YH-002");
  EXPECT_EQ(queue["open"][0]["also_filed_by"], Json::array({"YH-001"}));
  EXPECT_NE(FormatQueue(queue).find("note: app_id DUP-1 of outlet YH-002 is also filed by YH-001"), std::string::npos)
      << FormatQueue(queue);
  SlaReportOptions options;
  options.at_ms = NowMs();
  options.apps = true;
  const Json report = BuildSlaReport(book(), options);
  EXPECT_EQ(report["totals"]["received"], 2);
  EXPECT_EQ(report["totals"]["conflicts"], 2);
  ASSERT_EQ(report["apps"].size(), 2u);
  EXPECT_EQ(report["apps"][0]["outlet_id"], "YH-001");
  EXPECT_EQ(report["apps"][1]["outlet_id"], "YH-002");
  EXPECT_EQ(report["apps"][0]["state"], "rejected");

  // The rebuild gives the same bytes.
  const std::string incremental = book().Dump();
  book().Reindex();
  EXPECT_EQ(book().Dump(), incremental);
}

TEST_F(CaseBookTest, AReviewWithoutOutletIdMeansTheFirstOwnerWhateverTheArrivalOrder) {
  MakeHub();
  Outlet& first = AddOutlet("YH-001");
  Outlet& second = AddOutlet("YH-002");
  // The hub's old-style review arrives (is folded) before any app.submit of the app_id: it
  // waits in an outlet-less case, then moves to the first owner's when the submits arrive.
  SetNow("2026-03-02T09:00:00+08:00");
  Record first_submit = first.Sign("app.submit", SubmitBody("OLD-1"));
  SetNow("2026-03-02T09:05:00+08:00");
  Record second_submit = second.Sign("app.submit", SubmitBody("OLD-1", "change"));
  SetNow("2026-03-02T09:10:00+08:00");
  ActOldStyle(CaseAction::kAccept, "OLD-1");
  ASSERT_EQ(book().Cases("OLD-1", kCounty).size(), 1u);
  EXPECT_EQ(book().Cases("OLD-1", kCounty)[0].outlet_id, "");
  EXPECT_EQ(book().Cases("OLD-1", kCounty)[0].summary.state, CaseState::kNone);
  // The second outlet's submit is received first here (09:10), the first's later (09:20): the
  // first owner is who the hub received first, YH-002.
  Deliver({second_submit});
  SetNow("2026-03-02T09:20:00+08:00");
  Deliver({first_submit});
  std::vector<CaseFile> cases = book().Cases("OLD-1", kCounty);
  ASSERT_EQ(cases.size(), 2u) << "the outlet-less case must be gone";
  EXPECT_EQ(cases[0].outlet_id, "YH-001");
  EXPECT_EQ(cases[1].outlet_id, "YH-002");
  // The review was made at 09:10 (receipt), before YH-002's submit was received at 09:10 in
  // the same millisecond order: the workflow orders it after the submit.
  EXPECT_EQ(cases[1].summary.state, CaseState::kAccepted);
  EXPECT_EQ(cases[0].summary.state, CaseState::kReceived);
  const std::string incremental = book().Dump();
  book().Reindex();
  EXPECT_EQ(book().Dump(), incremental);
}

TEST_F(CaseBookTest, OldStyleReviewsOfASingleOutletReadAsBefore) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A-1"))});
  SetNow("2026-03-02T09:30:00+08:00");
  ActOldStyle(CaseAction::kAccept, "A-1");
  SetNow("2026-03-02T10:00:00+08:00");
  Record approve = ActOn("", CaseAction::kApprove, "A-1", "r02", "", kUscc);
  EXPECT_EQ(approve.body()["outlet_id"], "YH-001");  // new records always name the outlet
  CaseSummary s = Summary("A-1");
  EXPECT_EQ(s.state, CaseState::kApproved);
  EXPECT_EQ(s.elapsed_ms, 60 * 60'000);
  EXPECT_EQ(s.conflicts, 0u);
  EXPECT_EQ(book().Cases("A-1", kCounty).size(), 1u);
}

TEST_F(CaseBookTest, TheCityHubDoesNotReview) {
  HubConfig config;
  config.role = "city";
  config.name = "运城市行政审批服务局";
  config.county = "1408";
  config.simulation = true;  // the tests fix the clock (BANGBAN_NOW)
  Hub::Init(dir(), config, std::nullopt);
  Reopen();
  const FeedHead before = hub().store().Head(hub().key().public_key());
  try {
    book().Review(hub().key(), {CaseAction::kAccept, "A-1", "r01"});
    ADD_FAILURE() << "a city hub reviewed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "not_county");
  }
  EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, before.seq);
}

TEST_F(CaseBookTest, SlaSettingsAreCheckedWhenTheHubOpens) {
  MakeHub();
  const std::string good = [&] {
    std::ifstream in(dir() / "hub.toml");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  hub_.reset();
  auto refused = [&](const std::string& extra, const std::string& named) {
    std::string text = good;
    text.replace(text.find("[sla]\n"), 6, "[sla]\n" + extra + "\n");
    std::ofstream(dir() / "hub.toml") << text;
    try {
      Hub hub(dir());
      ADD_FAILURE() << "accepted: " << extra;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "config") << extra;
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
  };
  refused("policy = \"hours\"", "sla.policy");
  refused("warn_ratio = 1.5", "warn_ratio");
  refused("target_minuts = 240", "sla.target_minuts");  // a typo is not silently a default
  refused("statutory_working_days = 2.5", "statutory_working_days");
  std::string missing = good;
  missing.replace(missing.find("calendars = ["), 13, "calendars = [\"calendars/nowhere.toml\", ");
  std::ofstream(dir() / "hub.toml") << missing;
  EXPECT_THROW(Hub{dir()}, Error);
  std::ofstream(dir() / "hub.toml") << good;
  EXPECT_NO_THROW(Reopen());
}

// ---- assignment ---------------------------------------------------------------------------

TEST_F(CaseBookTest, AutoAssignPicksTheLeastLoadedOnDutyReviewer) {
  MakeHub({"r01", "r02", "r03"});
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  std::vector<Record> submits;
  for (const char* id : {"A", "B", "C", "D", "E", "F"})
    submits.push_back(o.Sign("app.submit", SubmitBody(id, "change")));
  Deliver(submits);
  auto auto_assign = [&](const std::string& app_id) {
    return book().Review(hub().key(), {CaseAction::kAssign, app_id, "", "", "", true}).reviewer;
  };
  Act(CaseAction::kAssign, "A", "r01");
  Act(CaseAction::kAssign, "B", "r01");
  Act(CaseAction::kAssign, "C", "r02");
  // Loads r01 2, r02 1, r03 0.
  EXPECT_EQ(auto_assign("D"), "r03");
  // r01 2, r02 1, r03 1: a tie goes to the earlier in the roster.
  EXPECT_EQ(auto_assign("E"), "r02");
  EXPECT_EQ(Summary("E").assigned_reviewer, "r02");
  // Completed cases no longer count: r01 drops to 0.
  for (const char* id : {"A", "B"}) {
    Act(CaseAction::kAccept, id, "r01");
    Act(CaseAction::kApprove, id, "r01");
  }
  EXPECT_EQ(auto_assign("F"), "r01");
  // Reassigning a case does not count the case against its own current assignee.
  EXPECT_EQ(book().PickReviewer("F"), "r01");
  // An assignment names a reviewer or asks for --auto, never both.
  EXPECT_EQ(Refusal({CaseAction::kAssign, "F", "r02", "", "", true}), "usage");
  EXPECT_EQ(Refusal({CaseAction::kAccept, "F", "", "", "", true}), "usage");
}

TEST_F(CaseBookTest, AutoAssignWithoutARosterIsAConfigurationError) {
  MakeHub({});
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A", "change"))});
  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kAssign, "A", "", "", "", true}, &message), "config");
  EXPECT_NE(message.find("roster"), std::string::npos) << message;
}

// ---- the projection -----------------------------------------------------------------------

TEST_F(CaseBookTest, ReindexIsByteIdenticalToTheIncrementalProjection) {
  MakeHub();
  Outlet& a = AddOutlet("YH-001");
  Outlet& b = AddOutlet("YH-002");
  SetNow("2026-03-02T09:00:00+08:00");
  // One batch: submits of both outlets and a resubmit while open (impossible: ignored).
  Deliver({a.Sign("app.submit", SubmitBody("A-1")), a.Sign("app.submit", SubmitBody("A-2", "change")),
           b.Sign("app.submit", SubmitBody("B-1", "deregister", "hall_window", 500)),
           a.Sign("app.resubmit", ResubmitBody("A-2"))});
  // Same instant: reviews right after the batch, and YH-002 reusing A-1's app_id (a second
  // application with that id, a collision; one millisecond later, so that the first owner does
  // not depend on which random key sorts first). An old-style review means the first owner.
  SetNow("2026-03-02T09:00:00.001+08:00");
  Deliver({b.Sign("app.submit", SubmitBody("A-1", "change"))});
  SetNow("2026-03-02T09:00:00+08:00");
  ActOldStyle(CaseAction::kAccept, "A-1");
  Act(CaseAction::kAccept, "A-2", "r02");
  Act(CaseAction::kCorrect, "A-2", "r02", "缺少材料");
  Act(CaseAction::kAssign, "B-1", "r02");
  SetNow("2026-03-02T11:00:00+08:00");
  Deliver({a.Sign("app.resubmit", ResubmitBody("A-2"))});
  Act(CaseAction::kApprove, "A-2", "r02");
  ActOn("YH-001", CaseAction::kApprove, "A-1", "r01", "", kUscc);
  ActOn("YH-002", CaseAction::kReject, "A-1", "r02", "重复申请");
  SetNow("2026-03-03T15:00:00+08:00");
  Deliver({a.Sign("app.submit", SubmitBody("A-3", "annual_report", "online_self"))});
  Act(CaseAction::kAccept, "A-3");
  Act(CaseAction::kCorrect, "A-3", "r01", "年报数据不全");
  Deliver({b.Sign("feedback.rating", {{"app_id", "B-1"}, {"score", 4}})});  // not part of a case

  const std::string incremental = book().Dump();
  SlaReportOptions options;
  options.at_ms = T("2026-03-04T10:00:00+08:00");
  options.apps = true;
  const Json report = BuildSlaReport(book(), options);
  ASSERT_NE(incremental.find("proj_cases"), std::string::npos);
  ASSERT_NE(incremental.find("proj_open"), std::string::npos);
  ASSERT_NE(incremental.find("proj_keys"), std::string::npos);

  SetNow("2026-03-05T09:00:00+08:00");  // a rebuild later in time changes nothing
  ReindexStats stats = book().Reindex();
  EXPECT_EQ(stats.cases, 5u);  // A-1 of YH-001 and of YH-002, A-2, B-1, A-3
  EXPECT_EQ(stats.records, hub().store().RecordCount());
  EXPECT_EQ(book().Dump(), incremental);
  EXPECT_EQ(BuildSlaReport(book(), options).dump(), report.dump());

  // And from a fresh process on the same data dir.
  Reopen();
  book().Reindex();
  EXPECT_EQ(book().Dump(), incremental);

  // What the day shows.
  EXPECT_EQ(Summary("A-1").conflicts, 1u);
  EXPECT_EQ(Summary("A-1").state, CaseState::kApproved);
  EXPECT_EQ(SummaryOf("A-1", "YH-002").state, CaseState::kRejected);
  EXPECT_EQ(Summary("A-2").ignored, 1u);
  EXPECT_EQ(Summary("A-2").state, CaseState::kApproved);
  EXPECT_EQ(Summary("A-3").state, CaseState::kCorrectionRequested);
  EXPECT_EQ(report["totals"]["received"], 5);
  EXPECT_EQ(report["totals"]["fee_violations"], 1);
  EXPECT_EQ(report["totals"]["conflicts"], 2);  // each A-1 counts the other outlet's
  EXPECT_EQ(report["totals"]["paused"], 1);
}

TEST_F(CaseBookTest, AProjectionOfTheOlderFormatIsRebuiltWhenTheHubOpens) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A-1")), o.Sign("app.submit", SubmitBody("A-2"))});
  ActOldStyle(CaseAction::kAccept, "A-1");
  const std::string current = book().Dump();
  // What an older hub left: rows keyed by (app_id, county) in row version 1, no format mark.
  const MDB_dbi meta = hub().store().env().OpenDb("proj_meta");
  const MDB_dbi cases = hub().store().env().OpenDb("proj_cases");
  hub().store().env().Write([&](LmdbTxn& txn) {
    txn.Del(meta, AsBytes("format"));
    ASSERT_EQ(mdb_drop(txn.raw(), cases, 0), 0);
    Bytes old_key = CaseKeyPrefix("A-1");
    old_key.insert(old_key.end(), kCounty, kCounty + 6);
    txn.Put(cases, old_key, Bytes{1, 1, 0});
  });
  Reopen();
  EXPECT_EQ(book().Dump(), current);
  EXPECT_EQ(Summary("A-1").state, CaseState::kAccepted);
}

// The hub stores a later release's record types (a review type and an application type
// among them) but the case book folds only the types it knows: the projection, incremental or
// rebuilt, is what it was without them.
TEST_F(CaseBookTest, RecordsOfUnknownTypesAreStoredButNotFolded) {
  MakeHub();
  Outlet& a = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({a.Sign("app.submit", SubmitBody("A-1"))});
  const std::string before = book().Dump();
  std::vector<Record> later;
  for (const auto& [type, body] : std::vector<std::pair<std::string, Json>>{
           {"review.escalate", {{"app_id", "A-1"}, {"reviewer", "r01"}}},
           {"app.withdraw", {{"app_id", "A-1"}, {"reason", Json::binary(Bytes(8, 1))}}}}) {
    later.push_back(test_support::SignForeignRecord(a.key, type, a.seq + 1, a.head, NowMs(), body));
    ++a.seq;
    a.head = later.back().id();
  }
  Deliver(later);
  EXPECT_EQ(hub().store().Head(a.key.public_key()).seq, 3u);
  EXPECT_EQ(book().Dump(), before);
  book().Reindex();
  EXPECT_EQ(book().Dump(), before);
  EXPECT_EQ(Summary("A-1").state, CaseState::kReceived);
  EXPECT_TRUE(hub().store().Audit().empty());
}

TEST_F(CaseBookTest, RebuildIsRefusedByReportsUntilItCompletes) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  Deliver({o.Sign("app.submit", SubmitBody("A-1"))});
  book().RequireComplete();
  // An interrupted rebuild leaves the marker; reports refuse rather than show missing cases.
  const MDB_dbi meta = hub().store().env().OpenDb("proj_meta");
  hub().store().env().Write([&](LmdbTxn& txn) { txn.Put(meta, AsBytes("rebuilding"), AsBytes("1")); });
  SlaReportOptions options;
  options.at_ms = NowMs();
  EXPECT_THROW(BuildSlaReport(book(), options), Error);
  EXPECT_THROW(BuildQueue(book(), NowMs()), Error);
  book().Reindex();
  EXPECT_EQ(BuildSlaReport(book(), options)["totals"]["received"], 1);
}

// Every projection table and sla_profiles, byte for byte as this release writes them (keys of
// random identities replaced by names), so that no change of the format goes unnoticed: rows of
// version 2 (an application keyed by its outlet too). A projection of the first release's
// version 1 is rebuilt when the hub opens (AProjectionOfTheOlderFormatIsRebuiltWhenTheHubOpens).
TEST_F(CaseBookTest, StoredProjectionBytesAreStable) {
  MakeHub();
  Outlet& a = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({a.Sign("app.submit", SubmitBody("A-1", "establish", "hall_window", 500))});
  SetNow("2026-03-02T09:10:00+08:00");
  Act(CaseAction::kAccept, "A-1");
  SetNow("2026-03-02T09:20:00+08:00");
  Act(CaseAction::kCorrect, "A-1", "r01", "缺少材料");
  SetNow("2026-03-02T10:00:00+08:00");
  Deliver({a.Sign("app.resubmit", ResubmitBody("A-1"))});
  SetNow("2026-03-02T10:30:00+08:00");
  Act(CaseAction::kApprove, "A-1", "r01", "", kUscc);
  SetNow("2026-03-02T11:00:00+08:00");
  Deliver({a.Sign("app.submit", SubmitBody("A-2", "change"))});  // open: queued by deadline
  SetNow("2026-03-02T11:05:00+08:00");
  Deliver({a.Sign("app.submit", SubmitBody("A-3"))});
  SetNow("2026-03-02T11:10:00+08:00");
  Act(CaseAction::kAccept, "A-3");
  SetNow("2026-03-02T11:15:00+08:00");
  Act(CaseAction::kCorrect, "A-3", "r01", "年报数据不全");  // paused: queued last

  std::string dump = book().Dump();
  hub().store().env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, hub().store().env().OpenDb("sla_profiles"));
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) dump += "sla_profiles " + ToHex(cursor.key()) + "\n";
  });
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = dump.find(from); at != std::string::npos; at = dump.find(from, at + to.size())) {
      dump.replace(at, from.size(), to);
    }
  };
  replace_all(ToHex(hub().key().public_key()), "<hub>");
  replace_all(ToHex(a.key.public_key()), "<YH-001>");
  // The hub's feed opens with its key.sealing record of init and MakeHub's three operator.enroll
  // records: YH-001's enrollment is its seq 5, the reviews seq 6 to 10.
  EXPECT_EQ(dump,
            "proj_cases 03412d310631343038303259482d303031 02050101<YH-001>0659482d3030310965737461626c"
            "6973680a696e646976696475616c0b68616c6c5f77696e646f77e80703723031001239313335303130304d3030"
            "30313030593433809af9c0956780b18cc6956780d4b0c4956780a4ecdf956780fff01280b18cc69567809bee02"
            "00010000000000050100<YH-001>01809af9c09567809af9c0956700000659482d3030310965737461626c6973"
            "680a696e646976696475616c0b68616c6c5f77696e646f77e8070300<hub>0680b9c2c1956780b9c2c19567037"
            "23031000659482d3030310500<hub>0780d88bc2956780d88bc2956703723031000659482d3030310200<YH-00"
            "1>0280d4b0c4956780d4b0c4956700000659482d3030310600<hub>0880b18cc6956780b18cc69567037230311"
            "239313335303130304d3030303130305934330659482d303031\nproj_cases 03412d32063134303830325948"
            "2d303031 02010001<YH-001>0659482d303031066368616e67650a696e646976696475616c066f75746c65740"
            "0000000808ee8c79567808ee8c79567808ee8c7956780a4ecdf956780c5b90f000000000000000000010100<YH"
            "-001>03808ee8c79567808ee8c7956700000659482d303031066368616e67650a696e646976696475616c066f7"
            "5746c657400\nproj_cases 03412d330631343038303259482d303031 02030001<YH-001>0659482d3030310"
            "965737461626c6973680a696e646976696475616c066f75746c657400037230310000c0dd8cc89567c0fcd5c89"
            "567c0dd8cc8956780a4ecdf9567c0f5940f00809f4900010000000000030100<YH-001>04c0dd8cc89567c0dd8"
            "cc8956700000659482d3030310965737461626c6973680a696e646976696475616c066f75746c6574000300<hu"
            "b>0980adb1c8956780adb1c8956703723031000659482d3030310500<hub>0ac0fcd5c89567c0fcd5c89567037"
            "23031000659482d303031\nproj_keys <YH-001>8000019cabd83800<hub>0000000000000005 066f75746c6"
            "574063134303830320659482d303031\nproj_meta 666f726d6174 32\nproj_meta 6c61746573745f737562"
            "6d69745f6d73 8000019cac819760\nproj_open 8000019cadfd890003412d320631343038303259482d30303"
            "1 \nproj_open ffffffffffffffff03412d330631343038303259482d303031 \nsla_profiles 8000019cab"
            "d8380000000001\n");
}

// DeriveCase sees a set: every arrival order of the same events gives the same bytes.
TEST(CaseFileTest, DerivationIsIndependentOfTheOrderEventsArrive) {
  auto profile = std::make_shared<SlaProfile>();
  profile->calendar = WorkCalendar::FromTomlFile(Cal("cn-2026.toml"));
  profile->fingerprint = profile->calendar.Fingerprint();
  profile->id = 7;
  const ProfileAt at = [&](int64_t) { return profile; };
  SigningKey outlet = SigningKey::Generate(), other = SigningKey::Generate(), hub = SigningKey::Generate();
  const int64_t t9 = T("2026-03-02T09:00:00+08:00");
  auto ev = [](CaseAction action, const SigningKey& k, uint64_t seq, int64_t at_ms, std::string reviewer = "") {
    CaseEvent e;
    e.action = action;
    e.author = k.public_key();
    e.seq = seq;
    e.received_ms = at_ms;
    e.ts_ms = at_ms - 1000;
    e.reviewer = std::move(reviewer);
    if (action == CaseAction::kSubmit) {
      e.outlet_id = "YH-001";
      e.app_kind = "change";
      e.entity_type = "company";
      e.channel = "outlet";
    }
    return e;
  };
  // Everything in the same millisecond: only the workflow can order it. (The other outlet's
  // submit comes 1 ms later: at the same instant the case would go to whichever key sorts
  // first, deterministic but not what this test is about.)
  std::vector<CaseEvent> events = {
      ev(CaseAction::kSubmit, outlet, 1, t9),       ev(CaseAction::kAccept, hub, 1, t9, "r01"),
      ev(CaseAction::kCorrect, hub, 2, t9, "r01"),  ev(CaseAction::kResubmit, outlet, 2, t9),
      ev(CaseAction::kCorrect, hub, 3, t9, "r02"),  ev(CaseAction::kResubmit, outlet, 3, t9),
      ev(CaseAction::kApprove, hub, 4, t9, "r02"),  ev(CaseAction::kSubmit, other, 1, t9 + 1),
      ev(CaseAction::kResubmit, outlet, 4, t9 + 5),
  };
  CaseFile reference{"140802", "A-1", {}, events};
  DeriveCase(reference, at);
  EXPECT_EQ(reference.summary.state, CaseState::kApproved);
  EXPECT_EQ(reference.summary.returns, 2u);
  EXPECT_EQ(reference.summary.conflicts, 1u);
  EXPECT_EQ(reference.summary.ignored, 1u);  // the resubmit after approval
  EXPECT_EQ(reference.summary.reviewer, "r02");
  const Bytes expected = EncodeCase(reference);
  std::mt19937 rng(20260213);
  for (int round = 0; round < 200; ++round) {
    std::shuffle(events.begin(), events.end(), rng);
    CaseFile file{"140802", "A-1", {}, events};
    DeriveCase(file, at);
    ASSERT_EQ(EncodeCase(file), expected) << "round " << round;
  }
  // The row decodes to what was encoded.
  const Bytes key = CaseKey("A-1", "140802");
  CaseFile decoded = DecodeCase(key, expected);
  EXPECT_EQ(decoded.app_id, "A-1");
  EXPECT_EQ(decoded.county, "140802");
  EXPECT_EQ(EncodeCase(decoded), expected);
  EXPECT_EQ(DecodeSummary(expected).state, CaseState::kApproved);
  // A damaged row is an error, never a wrong figure.
  Bytes damaged(expected.begin(), expected.end() - 3);
  EXPECT_THROW(DecodeCase(key, damaged), Error);
}

// The stored row of a case is read back by later releases: these bytes change only with a new
// row version (this is version 2, whose events name the application's outlet).
TEST(CaseFileTest, RowBytesAreStable) {
  auto profile = std::make_shared<SlaProfile>();
  profile->calendar = WorkCalendar::FromTomlFile(Cal("cn-2026.toml"));
  profile->fingerprint = profile->calendar.Fingerprint();
  profile->id = 300;  // a two-byte varint
  const ProfileAt at = [&](int64_t) { return profile; };
  const SigningKey outlet = SigningKey::FromSeed(Bytes(32, 1)), hub = SigningKey::FromSeed(Bytes(32, 2));
  const int64_t t9 = T("2026-03-02T09:00:00+08:00");
  CaseEvent submit;
  submit.action = CaseAction::kSubmit;
  submit.author = outlet.public_key();
  submit.seq = 1;
  submit.received_ms = t9;
  submit.ts_ms = t9 + 90'000;  // the outlet's clock is ahead: a negative transit delay
  submit.outlet_id = "YH-001";
  submit.app_kind = "establish";
  submit.entity_type = "company";
  submit.channel = "hall_window";
  submit.fee_cents = 50'000;
  CaseEvent accept;
  accept.action = CaseAction::kAccept;
  accept.author = hub.public_key();
  accept.seq = 200;
  accept.received_ms = t9 + 600'000;
  accept.ts_ms = accept.received_ms;
  accept.reviewer = "审核员01";
  CaseEvent approve = accept;
  approve.action = CaseAction::kApprove;
  approve.seq = 201;
  approve.received_ms = t9 + 1'200'000;
  approve.ts_ms = approve.received_ms;
  approve.uscc = kUscc;
  CaseFile file{"140802", "A-1", {}, {submit, accept, approve}};
  DeriveCase(file, at);
  const Bytes row = EncodeCase(file);
  EXPECT_EQ(ToHex(row),
            "020505ac028a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c0659482d3030310965"
            "737461626c69736807636f6d70616e790b68616c6c5f77696e646f77a08d060be5aea1e6a0b8e591983031001239"
            "313335303130304d303030313030593433809af9c0956780d88bc29567809af9c0956780a4ecdf956780b9a81680"
            "d88bc2956780be92019ffe0a0000000000000301008a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3"
            "748801b40f6f5c01809af9c09567a09884c1956700000659482d3030310965737461626c69736807636f6d70616e"
            "790b68616c6c5f77696e646f77a08d0603008139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b"
            "8fc9b394c80180b9c2c1956780b9c2c195670be5aea1e6a0b8e591983031000006008139770ea87d175f56a35466"
            "c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394c90180d88bc2956780d88bc295670be5aea1e6a0b8e591983031"
            "1239313335303130304d30303031303059343300");
  EXPECT_EQ(ToHex(CaseKey("A-1", "140802")), "03412d3106313430383032");
  const CaseFile decoded = DecodeCase(CaseKey("A-1", "140802"), row);
  EXPECT_EQ(decoded.summary.transit_delay_ms, file.summary.transit_delay_ms);
  EXPECT_LT(decoded.summary.transit_delay_ms, 0);
  EXPECT_EQ(decoded.summary.fee_cents, 50'000);
  EXPECT_EQ(decoded.summary.profile_id, 300u);
  EXPECT_EQ(decoded.events.size(), 3u);
  EXPECT_EQ(decoded.events[1].reviewer, "审核员01");
  EXPECT_EQ(EncodeCase(decoded), row);
}

// ---- the live clock -----------------------------------------------------------------------

TEST_F(CaseBookTest, AdvanceClockReportsEachColourChangeOnce) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A-1", "change")), o.Sign("app.submit", SubmitBody("A-2", "change"))});
  auto changes = [&](const std::string& now) {
    std::vector<std::string> out;
    for (const ColourChange& c : book().AdvanceClock(T(now))) {
      out.push_back(c.app_id + " " + std::string(ToString(c.from)) + ">" + std::string(ToString(c.to)));
    }
    return out;
  };
  using V = std::vector<std::string>;
  // The first call reports the queue as it stands (from none).
  EXPECT_EQ(changes("2026-03-02T09:30:00+08:00"), (V{"A-1 none>green", "A-2 none>green"}));
  EXPECT_EQ(changes("2026-03-02T10:00:00+08:00"), V{});
  // Allowed 390 working minutes; yellow from 292.5 (75%): 09:00 + 180 + 112.5 = 16:22:30.
  EXPECT_EQ(changes("2026-03-02T16:22:00+08:00"), V{});
  SetNow("2026-03-02T16:00:00+08:00");
  Act(CaseAction::kAccept, "A-2");
  Act(CaseAction::kCorrect, "A-2", "r01", "补正");
  EXPECT_EQ(changes("2026-03-02T16:22:30+08:00"), (V{"A-1 green>yellow", "A-2 green>paused"}));
  EXPECT_EQ(changes("2026-03-02T18:00:00+08:00"), V{});  // at the deadline still yellow
  EXPECT_EQ(changes("2026-03-02T18:00:01+08:00"), V{"A-1 yellow>red"});
  EXPECT_EQ(changes("2026-03-03T08:00:00+08:00"), V{});
  SetNow("2026-03-03T09:00:00+08:00");
  Act(CaseAction::kAccept, "A-1");
  Act(CaseAction::kApprove, "A-1");
  Deliver({o.Sign("app.resubmit", ResubmitBody("A-2"))});
  EXPECT_EQ(changes("2026-03-03T09:00:00+08:00"), (V{"A-2 paused>green", "A-1 red>done"}));
  EXPECT_EQ(changes("2026-03-03T09:10:00+08:00"), V{});  // done cases leave the watch
}

// ---- calendars ----------------------------------------------------------------------------

TEST_F(CaseBookTest, SpringFestivalFridayAfternoonIsDueOnTheMakeUpSaturday) {
  SetNow("2026-02-13T08:00:00+08:00");  // the hub is set up before: receipt times never go back
  MakeHub({"r01"}, {Cal("cn-2026.toml")});
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-02-13T15:00:00+08:00");  // Friday afternoon before 春节
  Deliver({o.Sign("app.submit", SubmitBody("SF-1", "change"))});
  CaseSummary s = Summary("SF-1");
  // 2026-02-14 is a Saturday worked in exchange (调休上班): the next morning session ends 12:00.
  EXPECT_EQ(s.deadline_ms, T("2026-02-14T12:00:00+08:00"));
  EXPECT_EQ(s.allowed_ms, (180 + 210) * 60'000);
  EXPECT_FALSE(s.provisional);
  // Received that Saturday afternoon: the holiday runs 02-15..02-23; next session is Tuesday's.
  SetNow("2026-02-14T15:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("SF-2", "change"))});
  EXPECT_EQ(Summary("SF-2").deadline_ms, T("2026-02-24T12:00:00+08:00"));
}

TEST_F(CaseBookTest, EditingTheCalendarNeverRewritesAPastCase) {
  SetNow("2026-02-13T08:00:00+08:00");
  MakeHub({"r01"}, {});  // no calendar yet: the weekday rule, provisional
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-02-13T15:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("OLD-1", "change"))});
  CaseSummary old_case = Summary("OLD-1");
  EXPECT_EQ(old_case.deadline_ms, T("2026-02-16T12:00:00+08:00"));  // Saturday not worked by the weekday rule
  EXPECT_TRUE(old_case.provisional);
  const uint32_t old_profile = old_case.profile_id;

  // The county loads the 2026 calendar: it applies from the hub's next start.
  {
    std::ifstream in(dir() / "hub.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string from = "calendars = []";
    text.replace(text.find(from), from.size(), "calendars = [\"" + Cal("cn-2026.toml") + "\"]");
    std::ofstream(dir() / "hub.toml") << text;
  }
  SetNow("2026-02-13T16:00:00+08:00");
  Reopen();
  EXPECT_NE(book().current_profile_id(), old_profile);
  EXPECT_EQ(book().CurrentProfile()->effective_from_ms, T("2026-02-13T16:00:00+08:00"));
  Deliver({o.Sign("app.submit", SubmitBody("NEW-1", "change"))});
  EXPECT_EQ(Summary("NEW-1").deadline_ms, T("2026-02-14T12:00:00+08:00"));
  EXPECT_EQ(Summary("NEW-1").profile_id, book().current_profile_id());

  // The old case keeps the calendar in force when its clock started, also when it completes
  // and when everything is rebuilt.
  SetNow("2026-02-16T09:00:00+08:00");
  Act(CaseAction::kAccept, "OLD-1");
  Act(CaseAction::kApprove, "OLD-1");
  CaseSummary done = Summary("OLD-1");
  EXPECT_EQ(done.profile_id, old_profile);
  EXPECT_EQ(done.deadline_ms, T("2026-02-16T12:00:00+08:00"));
  EXPECT_TRUE(done.met);  // under the new calendar it would be late (due Saturday 12:00)
  // Weekday rule: Fri 15:00-18:00 (180) + Mon 08:30-09:00 (30).
  EXPECT_EQ(done.elapsed_ms, 210 * 60'000);
  const std::string before = book().Dump();
  book().Reindex();
  EXPECT_EQ(book().Dump(), before);
  // Reopening with the same rules registers nothing new.
  const uint32_t current = book().current_profile_id();
  Reopen();
  EXPECT_EQ(book().current_profile_id(), current);

  // A clock set back before the cases already received cannot make new rules reach them: the
  // next profile takes effect only after the latest receipt.
  {
    std::ifstream in(dir() / "hub.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string from = "[sla]\n";
    text.replace(text.find(from), from.size(), "[sla]\npolicy = \"minutes\"\n");
    std::ofstream(dir() / "hub.toml") << text;
  }
  SetNow("2026-02-01T09:00:00+08:00");
  Reopen();
  EXPECT_GT(book().CurrentProfile()->effective_from_ms, T("2026-02-13T16:00:00+08:00"));
  book().Reindex();
  EXPECT_EQ(book().Dump(), before);
}

TEST_F(CaseBookTest, ReportAtAnEarlierInstantShowsTheCaseAsItStoodThen) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  SetNow("2026-03-02T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A-1", "change"))});
  SetNow("2026-03-03T09:00:00+08:00");
  Deliver({o.Sign("app.submit", SubmitBody("A-2", "change"))});
  Act(CaseAction::kAccept, "A-1");
  Act(CaseAction::kApprove, "A-1");  // late: due 2026-03-02 18:00

  SlaReportOptions options;
  options.at_ms = T("2026-03-02T17:00:00+08:00");  // before the deadline, before A-2 arrived
  Json then = BuildSlaReport(book(), options);
  EXPECT_EQ(then["totals"]["received"], 1);
  EXPECT_EQ(then["totals"]["completed"], 0);
  EXPECT_EQ(then["totals"]["open_yellow"], 1);  // 330 of 390 minutes used
  EXPECT_EQ(then["totals"]["breached"], 0);

  options.at_ms = T("2026-03-03T10:00:00+08:00");
  Json now = BuildSlaReport(book(), options);
  EXPECT_EQ(now["totals"]["received"], 2);
  EXPECT_EQ(now["totals"]["completed"], 1);
  EXPECT_EQ(now["totals"]["breached"], 1);
  EXPECT_EQ(now["totals"]["open_green"], 1);
  EXPECT_EQ(now["totals"]["median_working_minutes"], 420.0);  // 390 Monday + 30 Tuesday

  // --from/--to select by the local date of receipt.
  options.from = CivilDate{2026, 3, 3};
  Json tuesday = BuildSlaReport(book(), options);
  EXPECT_EQ(tuesday["totals"]["received"], 1);
  EXPECT_EQ(tuesday["by_outlet"][0]["outlet_id"], "YH-001");
  options.from.reset();
  options.to = CivilDate{2026, 3, 1};
  EXPECT_EQ(BuildSlaReport(book(), options)["totals"]["received"], 0);
  EXPECT_TRUE(BuildSlaReport(book(), options)["totals"]["on_time_rate"].is_null());
}

// DeriveCases sees a set too: the cases of an app_id filed by two outlets, with reviews naming
// their outlet and one old-style review (no outlet_id, the first owner's), come out the same
// bytes whatever the order; the old review lands in the case of whoever the hub received first.
TEST(CaseFileTest, CasesOfAnAppIdAreIndependentOfTheOrderEventsArrive) {
  auto profile = std::make_shared<SlaProfile>();
  profile->calendar = WorkCalendar::FromTomlFile(Cal("cn-2026.toml"));
  profile->fingerprint = profile->calendar.Fingerprint();
  profile->id = 3;
  const ProfileAt at = [&](int64_t) { return profile; };
  SigningKey yh1 = SigningKey::Generate(), yh2 = SigningKey::Generate(), hub = SigningKey::Generate();
  const int64_t t9 = T("2026-03-02T09:00:00+08:00");
  auto ev = [](CaseAction action, const SigningKey& k, uint64_t seq, int64_t at_ms, std::string outlet,
               std::string reviewer = "") {
    CaseEvent e;
    e.action = action;
    e.author = k.public_key();
    e.seq = seq;
    e.received_ms = at_ms;
    e.ts_ms = at_ms;
    e.outlet_id = std::move(outlet);
    e.reviewer = std::move(reviewer);
    if (action == CaseAction::kSubmit) {
      e.app_kind = "change";
      e.entity_type = "company";
      e.channel = "outlet";
    }
    return e;
  };
  std::vector<CaseEvent> events = {
      ev(CaseAction::kSubmit, yh2, 1, t9 + 1, "YH-002"),   // received second
      ev(CaseAction::kSubmit, yh1, 1, t9, "YH-001"),       // received first: the first owner
      ev(CaseAction::kAssign, hub, 1, t9 + 2, "", "r09"),  // old style: the first owner's
      ev(CaseAction::kAccept, hub, 2, t9 + 3, "YH-002", "r01"),
      ev(CaseAction::kReject, hub, 3, t9 + 4, "YH-001", "r02"),
  };
  auto encode = [&](std::vector<CaseEvent> list) {
    std::vector<CaseFile> files = DeriveCases("A-1", "140802", std::move(list), at);
    std::vector<std::pair<Bytes, Bytes>> rows;
    for (const CaseFile& f : files) rows.emplace_back(CaseKey(f.app_id, f.county, f.outlet_id), EncodeCase(f));
    return rows;
  };
  const std::vector<CaseFile> reference = DeriveCases("A-1", "140802", events, at);
  ASSERT_EQ(reference.size(), 2u);
  EXPECT_EQ(reference[0].outlet_id, "YH-001");
  EXPECT_EQ(reference[0].summary.state, CaseState::kRejected);
  EXPECT_EQ(reference[0].summary.assigned_reviewer, "r09");
  EXPECT_EQ(reference[0].summary.also_filed_by, std::vector<std::string>{"YH-002"});
  EXPECT_EQ(reference[0].summary.conflicts, 1u);
  EXPECT_EQ(reference[1].outlet_id, "YH-002");
  EXPECT_EQ(reference[1].summary.state, CaseState::kAccepted);
  EXPECT_EQ(reference[1].summary.assigned_reviewer, "");
  const auto expected = encode(events);
  std::mt19937 rng(20260302);
  for (int round = 0; round < 100; ++round) {
    std::shuffle(events.begin(), events.end(), rng);
    ASSERT_EQ(encode(events), expected) << "round " << round;
  }
  // The key names the outlet; the row keeps the collision.
  std::string app_id, county, outlet_id;
  ParseCaseKey(expected[1].first, app_id, county, outlet_id);
  EXPECT_EQ(app_id, "A-1");
  EXPECT_EQ(county, "140802");
  EXPECT_EQ(outlet_id, "YH-002");
  CaseFile decoded = DecodeCase(expected[1].first, expected[1].second);
  EXPECT_EQ(decoded.outlet_id, "YH-002");
  EXPECT_EQ(decoded.also_filed_by, std::vector<std::string>{"YH-001"});
  EXPECT_EQ(EncodeCase(decoded), expected[1].second);
  // Without the first owner's submit, the old review waits in an outlet-less case.
  std::vector<CaseEvent> no_submits;
  for (const CaseEvent& e : events) {
    if (e.action != CaseAction::kSubmit) no_submits.push_back(e);
  }
  std::vector<CaseFile> waiting = DeriveCases("A-1", "140802", no_submits, at);
  ASSERT_EQ(waiting.size(), 3u);
  EXPECT_EQ(waiting[0].outlet_id, "");
  EXPECT_EQ(waiting[0].summary.state, CaseState::kNone);
}

}  // namespace
}  // namespace bangban

namespace bangban {
namespace {

// The running hub logs a colour change as a warning only when the review desk must act.
TEST(ColourChangeTest, OnlyYellowAndRedNeedTheDesk) {
  auto change = [](SlaColour from, SlaColour to) { return ColourChange{"140802", "A-1", "YH-001", from, to, 0, ""}; };
  EXPECT_TRUE(NeedsTheDesk(change(SlaColour::kGreen, SlaColour::kYellow)));
  EXPECT_TRUE(NeedsTheDesk(change(SlaColour::kYellow, SlaColour::kRed)));
  EXPECT_TRUE(NeedsTheDesk(change(SlaColour::kNone, SlaColour::kRed)));
  EXPECT_FALSE(NeedsTheDesk(change(SlaColour::kNone, SlaColour::kGreen)));
  EXPECT_FALSE(NeedsTheDesk(change(SlaColour::kPaused, SlaColour::kGreen)));
  EXPECT_FALSE(NeedsTheDesk(change(SlaColour::kRed, SlaColour::kDone)));
  EXPECT_FALSE(NeedsTheDesk(change(SlaColour::kYellow, SlaColour::kPaused)));
}

// ---- principle 6: stored, ignored, flagged (finding 9) --------------------------------------

// A record signed like any other but whose body map keys are packed in reverse order: valid
// msgpack, validly signed, not canonical (as another implementation might write it).
Record SignUnsorted(Outlet& o, const std::string& type, const Json& body) {
  msgpack::sbuffer envelope;
  msgpack::packer<msgpack::sbuffer> p(envelope);
  p.pack_array(7);
  p.pack_uint64(kEnvelopeVersion);
  p.pack_str(static_cast<uint32_t>(type.size()));
  p.pack_str_body(type.data(), static_cast<uint32_t>(type.size()));
  p.pack_bin(32);
  p.pack_bin_body(reinterpret_cast<const char*>(o.key.public_key().data()), 32);
  p.pack_uint64(o.seq + 1);
  if (o.head) {
    p.pack_bin(32);
    p.pack_bin_body(reinterpret_cast<const char*>(o.head->data()), 32);
  } else {
    p.pack_nil();
  }
  p.pack_uint64(static_cast<uint64_t>(NowMs()));
  p.pack_map(static_cast<uint32_t>(body.size()));
  std::vector<std::string> keys;
  for (const auto& item : body.items()) keys.push_back(item.key());
  for (auto key = keys.rbegin(); key != keys.rend(); ++key) {
    p.pack_str(static_cast<uint32_t>(key->size()));
    p.pack_str_body(key->data(), static_cast<uint32_t>(key->size()));
    PackJson(p, body[*key]);
  }
  Record r = Record::SignEnvelope(o.key, ByteView(reinterpret_cast<const uint8_t*>(envelope.data()), envelope.size()));
  ++o.seq;
  o.head = r.id();
  return r;
}

bool AnyMentions(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

using PrincipleSixTest = CaseBookTest;

// An outlet-signed review.approve is stored (a gap in the outlet's feed would be worse) but never
// approves anything: the projection ignores it, counts it (also after reindex), the SLA report
// shows it, and audit names it while staying clean.
TEST_F(PrincipleSixTest, AnOutletsReviewIsStoredIgnoredAndFlagged) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  Deliver(
      {o.Sign("app.submit", SubmitBody("A-1")), o.Sign("review.approve", {{"app_id", "A-1"}, {"reviewer", "r01"}})});
  EXPECT_EQ(hub().store().Head(o.key.public_key()).seq, 2u);
  EXPECT_EQ(Summary("A-1").state, CaseState::kReceived);
  const std::map<std::string, uint64_t> expected = {{"review.approve by a key enrolled as outlet", 1}};
  EXPECT_EQ(book().Ignored(), expected);
  const Json report = BuildSlaReport(book(), {.at_ms = NowMs()});
  EXPECT_EQ(report["ignored_records"]["review.approve by a key enrolled as outlet"], 1) << report.dump(2);
  EXPECT_NE(FormatSlaReport(report, BuildQueue(book(), NowMs())).find("ignored: 1 x review.approve"),
            std::string::npos);
  book().Reindex();
  EXPECT_EQ(book().Ignored(), expected);
  std::vector<std::string> flags;
  EXPECT_TRUE(hub().Audit(&flags).empty());
  EXPECT_TRUE(AnyMentions(flags, "review.approve by outlet YH-001")) << Joined(flags);
}

// The city's export brings every county's records to a county hub: they are carried, but its
// queue and reports count only applications from outlets of its own county; audit names the
// other county's feeds.
TEST_F(PrincipleSixTest, AnotherCountysApplicationsAreCarriedButNotCounted) {
  SigningKey city = SigningKey::Generate();
  MakeHub({"r01"}, {Cal("cn-2025.toml"), Cal("cn-2026.toml")}, city.public_key());
  Outlet& own = AddOutlet("YH-001");
  SigningKey other_hub = SigningKey::Generate();
  Outlet other;
  other.county = "140803";
  const Json county_body = {{"key", Json::binary(Bytes(other_hub.public_key().begin(), other_hub.public_key().end()))},
                            {"role", "county"},
                            {"name", "n"},
                            {"county", "140803"}};
  const Json outlet_body = {{"key", Json::binary(Bytes(other.key.public_key().begin(), other.key.public_key().end()))},
                            {"role", "outlet"},
                            {"name", "n"},
                            {"county", "140803"},
                            {"outlet_id", "YJ-001"}};
  Deliver({Record::Create(city, "key.enroll", 1, std::nullopt, NowMs(), county_body),
           Record::Create(other_hub, "key.enroll", 1, std::nullopt, NowMs(), outlet_body),
           other.Sign("app.submit", SubmitBody("X-1")), own.Sign("app.submit", SubmitBody("A-1"))});
  ASSERT_TRUE(book().Find("X-1", "140803"));  // carried, so a review of it says whose it is

  const Json queue = BuildQueue(book(), NowMs());
  ASSERT_EQ(queue["open"].size(), 1u) << queue.dump(2);
  EXPECT_EQ(queue["open"][0]["app_id"], "A-1");
  EXPECT_EQ(queue["other_county_cases"], 1);
  const Json report = BuildSlaReport(book(), {.at_ms = NowMs()});
  EXPECT_EQ(report["totals"]["received"], 1) << report.dump(2);
  EXPECT_EQ(report["other_county_cases"], 1);
  ASSERT_EQ(report["by_county"].size(), 1u);
  EXPECT_EQ(report["by_county"][0]["county"], kCounty);
  EXPECT_NE(FormatSlaReport(report, queue).find("not counted: 1 applications of other counties"), std::string::npos);

  std::vector<std::string> flags;
  EXPECT_TRUE(hub().Audit(&flags).empty());
  EXPECT_TRUE(AnyMentions(flags, "(outlet YJ-001 of county 140803): 1 records of another county")) << Joined(flags);
}

// What a node refuses at intake, a peer may still send, validly signed: a body not in canonical
// form, a bidi override in a name, a referral credited to another outlet. Each is stored (the
// feed has no gap) and audit names it.
TEST_F(PrincipleSixTest, APeersNonCanonicalUnsafeOrMisattributedRecordsAreStoredAndFlagged) {
  MakeHub();
  Outlet& o = AddOutlet("YH-001");
  Json submit = SubmitBody("A-1");
  submit["applicant"]["name_masked"] = "张\u202E*明";
  const Record unsorted = SignUnsorted(o, "feedback.rating", {{"app_id", "A-0"}, {"score", 4}});
  EXPECT_FALSE(IsCanonical(unsorted));
  Deliver({unsorted, o.Sign("app.submit", submit),
           o.Sign("finance.referral", {{"outlet_id", "YH-999"}, {"kind", "loan"}, {"bank", "农商银行"}})});
  EXPECT_EQ(hub().store().Head(o.key.public_key()).seq, 3u);
  std::vector<std::string> flags;
  EXPECT_TRUE(hub().Audit(&flags).empty());
  // The referral is named twice: by the store's check of its author, and by the oversight
  // figures that leave it out (docs/oversight.md).
  EXPECT_EQ(flags.size(), 4u) << Joined(flags);
  EXPECT_TRUE(AnyMentions(flags, "oversight: finance.referral record")) << Joined(flags);
  EXPECT_TRUE(AnyMentions(flags, "seq 1: feedback.rating is not in canonical form")) << Joined(flags);
  EXPECT_TRUE(AnyMentions(flags, "seq 2: app.submit body.applicant.name_masked: U+202E")) << Joined(flags);
  EXPECT_TRUE(AnyMentions(flags, "seq 3: finance.referral names outlet YH-999 but outlet YH-001")) << Joined(flags);
}

// A county hub never enrolls its own key or the city's as an outlet, nor an outlet id outside the
// alphabet; a peer's key record that does is stored and flagged.
TEST_F(PrincipleSixTest, EnrollRefusesHubKeysAndOutletIdsOutsideTheAlphabet) {
  SigningKey city = SigningKey::Generate();
  MakeHub({"r01"}, {Cal("cn-2025.toml"), Cal("cn-2026.toml")}, city.public_key());
  const SigningKey outlet = SigningKey::Generate();
  auto refusal = [&](const PublicKey& key, const std::string& outlet_id) -> std::string {
    try {
      hub().Enroll({key, "outlet", "网点", kCounty, outlet_id});
    } catch (const Error& e) {
      return e.code();
    }
    return "(enrolled)";
  };
  const uint64_t before = hub().store().Head(hub().key().public_key()).seq;
  EXPECT_EQ(refusal(hub().key().public_key(), "YH-001"), "not_authorized");
  EXPECT_EQ(refusal(city.public_key(), "YH-001"), "not_authorized");
  EXPECT_EQ(refusal(outlet.public_key(), "a b/c"), "usage");
  EXPECT_EQ(refusal(outlet.public_key(), "YH\u202E-001"), "usage");
  EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, before) << "a refused enrollment was written";

  // The city (which may enroll anything) enrolls an outlet with an odd id: stored, flagged.
  const Json odd = {{"key", Json::binary(Bytes(outlet.public_key().begin(), outlet.public_key().end()))},
                    {"role", "outlet"},
                    {"name", "n"},
                    {"county", kCounty},
                    {"outlet_id", "a b/c"}};
  Deliver({Record::Create(city, "key.enroll", 1, std::nullopt, NowMs(), odd)});
  std::vector<std::string> flags;
  EXPECT_TRUE(hub().Audit(&flags).empty());
  EXPECT_TRUE(AnyMentions(flags, "outlet id 'a b/c', outside the alphabet")) << Joined(flags);
}

}  // namespace
}  // namespace bangban
