// The hub's named operators (review/operator_roster.h): adding, disabling and re-adding a name
// writes signed records and the roster follows them; a review is taken only from an active
// reviewer of this hub (unknown, disabled, county_admin and another county's operator are
// refused and nothing is written); `--auto` picks among the roster's active reviewers; the city
// learns a county's operators from its feed; an outlet's operator record is stored and names
// nobody; a rebuild gives the same roster.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hub/hub.h"
#include "protocol/clock.h"
#include "review/operator_roster.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;
constexpr const char* kCounty = "140802";

Json SubmitBody(const std::string& app_id) {
  return {{"app_id", app_id},
          {"kind", "change"},
          {"entity_type", "individual"},
          {"entity_name", "盐湖区小店"},
          {"applicant", {{"id_sealed", Json::binary(Bytes(48, 7))}, {"name_masked", "张*明"}}},
          {"realname_verified", true},
          {"channel", "outlet"},
          {"fee_cents", 0},
          {"helper", "王芳"},
          {"materials", Json::array({"id_card"})}};
}

// A feed of a key that is not a hub here (an outlet, or a county seen from the city).
struct Feed {
  SigningKey key = SigningKey::Generate();
  uint64_t seq = 0;
  std::optional<RecordId> head;
  Record Sign(const std::string& type, const Json& body) {
    Record r = Record::Create(key, type, ++seq, head, NowMs(), body);
    head = r.id();
    return r;
  }
};

class OperatorRosterTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("BANGBAN_NOW", "2026-03-02T09:00:00+08:00", 1); }
  void TearDown() override {
    hub_.reset();
    ::unsetenv("BANGBAN_NOW");
  }

  void MakeHub(const std::string& role = "county", const std::vector<std::string>& roster = {"r01", "r02"}) {
    HubConfig config;
    config.role = role;
    config.name = role == "county" ? "盐湖区行政审批服务管理局" : "运城市行政审批服务管理局";
    config.county = role == "county" ? kCounty : "1408";
    config.simulation = true;
    Hub::Init(tmp_.path() / "hub", config, std::nullopt);
    std::ofstream toml(tmp_.path() / "hub" / "hub.toml", std::ios::app);
    toml << "[review]\nroster = [";
    for (size_t i = 0; i < roster.size(); ++i) toml << (i ? ", " : "") << "\"" << roster[i] << "\"";
    toml << "]\n";
    toml.close();
    hub_ = std::make_unique<Hub>(tmp_.path() / "hub");
  }
  Hub& hub() { return *hub_; }

  // An enrolled outlet YH-001 with one application A-1 received.
  void ReceiveApplication(Feed& outlet, const std::string& app_id = "A-1") {
    if (outlet.seq == 0) hub().Enroll({outlet.key.public_key(), "outlet", "网点", kCounty, "YH-001"});
    const std::vector<Record> submit = {outlet.Sign("app.submit", SubmitBody(app_id))};
    std::vector<IngestOutcome> out = hub().store().Ingest(submit);
    ASSERT_EQ(out.front().kind, IngestOutcome::Kind::kAccepted) << out.front().message;
  }

  // The code of a refused review, checking that nothing was written.
  std::string Refusal(const ReviewRequest& request, std::string* message = nullptr) {
    const uint64_t before = hub().store().Head(hub().key().public_key()).seq;
    try {
      hub().Review(request);
    } catch (const Error& e) {
      EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, before) << "a refused review was written";
      if (message != nullptr) *message = e.what();
      return e.code();
    }
    return "(accepted)";
  }

  test_support::TempDir tmp_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(OperatorRosterTest, AddDisableAndAddAgainFollowTheSignedRecords) {
  MakeHub();
  EXPECT_FALSE(hub().operators().Find("r01").has_value());
  Record added = hub().AddOperator("r01", "reviewer");
  EXPECT_EQ(added.type(), "operator.enroll");
  EXPECT_EQ(added.body()["county"], kCounty);
  ASSERT_TRUE(hub().operators().Find("r01").has_value());
  EXPECT_TRUE(hub().operators().IsActive("r01", kReviewerRole));
  EXPECT_FALSE(hub().operators().IsActive("r01", kCountyAdminRole));

  const uint64_t head = hub().store().Head(hub().key().public_key()).seq;
  try {
    hub().AddOperator("r01", "county_admin");
    ADD_FAILURE() << "an active name was added again";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "operator_exists");
  }
  EXPECT_THROW(hub().AddOperator("c01", "city_auditor"), Error) << "a county hub has no city auditors";
  try {
    hub().DisableOperator("nobody", "left");
    ADD_FAILURE() << "an unknown name was disabled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "not_operator");
  }
  EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, head) << "a refused change wrote a record";

  EXPECT_EQ(hub().DisableOperator("r01", "调岗").type(), "operator.disable");
  EXPECT_FALSE(hub().operators().IsActive("r01", kReviewerRole));
  EXPECT_FALSE(hub().operators().Find("r01")->active);
  EXPECT_THROW(hub().DisableOperator("r01", "again"), Error);

  hub().AddOperator("r01", "county_admin");  // back, with another role
  EXPECT_TRUE(hub().operators().IsActive("r01", kCountyAdminRole));
  EXPECT_FALSE(hub().operators().IsActive("r01", kReviewerRole));
}

TEST_F(OperatorRosterTest, AReviewIsTakenOnlyFromAnActiveReviewerOfThisHub) {
  MakeHub();
  Feed outlet;
  ASSERT_NO_FATAL_FAILURE(ReceiveApplication(outlet));
  hub().AddOperator("r01", "reviewer");
  hub().AddOperator("r02", "reviewer");
  hub().AddOperator("a01", "county_admin");
  hub().DisableOperator("r02", "left");

  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "A-1", "王五"}, &message), "not_operator");
  EXPECT_NE(message.find("'王五' is not an operator of this hub"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "A-1", "r02"}, &message), "not_operator");
  EXPECT_NE(message.find("disabled"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kAccept, "A-1", "a01"}, &message), "not_operator");
  EXPECT_NE(message.find("is a county_admin"), std::string::npos) << message;
  EXPECT_EQ(Refusal({CaseAction::kAssign, "A-1", "r02"}, &message), "not_operator") << "assigned to a disabled name";

  ReviewOutcome ok = hub().Review({CaseAction::kAccept, "A-1", "r01"});
  EXPECT_EQ(ok.reviewer, "r01");
  EXPECT_EQ(ok.state, CaseState::kAccepted);
}

TEST_F(OperatorRosterTest, AutoAssignPicksAmongTheRostersActiveReviewersOnly) {
  MakeHub("county", {"r01", "r02"});
  Feed outlet;
  ASSERT_NO_FATAL_FAILURE(ReceiveApplication(outlet, "A-1"));
  ASSERT_NO_FATAL_FAILURE(ReceiveApplication(outlet, "A-2"));
  hub().AddOperator("r02", "reviewer");  // r01, first on the roster, is no operator
  EXPECT_EQ(hub().Review({CaseAction::kAssign, "A-1", "", "", "", true}).reviewer, "r02");
  hub().AddOperator("r01", "reviewer");
  EXPECT_EQ(hub().Review({CaseAction::kAssign, "A-2", "", "", "", true}).reviewer, "r01") << "the less loaded one";
  hub().DisableOperator("r01", "left");
  hub().DisableOperator("r02", "left");
  std::string message;
  EXPECT_EQ(Refusal({CaseAction::kAssign, "A-2", "", "", "", true}, &message), "config");
  EXPECT_NE(message.find("no reviewer of hub.toml [review] roster is an active reviewer"), std::string::npos)
      << message;
}

TEST_F(OperatorRosterTest, TheCityLearnsACountysOperatorsFromItsFeedAndAnOutletsRecordNamesNobody) {
  MakeHub("city");
  Feed county, outlet;
  hub().Enroll({county.key.public_key(), "county", "盐湖区", kCounty, ""});
  hub().Enroll({outlet.key.public_key(), "outlet", "网点", kCounty, "YH-001"});
  const std::vector<Record> records = {
      county.Sign("operator.enroll", {{"name", "r01"}, {"role", "reviewer"}, {"county", kCounty}}),
      county.Sign("operator.enroll", {{"name", "r02"}, {"role", "reviewer"}, {"county", kCounty}}),
      county.Sign("operator.disable", {{"name", "r02"}, {"reason", "left"}}),
      outlet.Sign("operator.enroll", {{"name", "x"}, {"role", "reviewer"}, {"county", kCounty}}),
  };
  std::vector<IngestOutcome> out = hub().store().Ingest(records);
  for (const IngestOutcome& o : out) EXPECT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << o.message;  // Principle 6
  hub().AddOperator("c01", "city_auditor");
  EXPECT_THROW(hub().AddOperator("r09", "reviewer"), Error) << "the city has no reviewers";

  std::vector<Operator> listed = hub().operators().List();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].name, "c01") << "this hub's own come first";
  EXPECT_EQ(listed[0].hub, hub().key().public_key());
  for (size_t i = 1; i < 3; ++i) EXPECT_EQ(listed[i].hub, county.key.public_key());
  EXPECT_TRUE(hub().operators().Find(county.key.public_key(), "r01")->active);
  EXPECT_FALSE(hub().operators().Find(county.key.public_key(), "r02")->active);
  EXPECT_FALSE(hub().operators().Find("r01").has_value()) << "a county's reviewer is not the city's operator";

  hub().operators().Rebuild();
  std::vector<Operator> rebuilt = hub().operators().List();
  ASSERT_EQ(rebuilt.size(), listed.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(rebuilt[i].name, listed[i].name);
    EXPECT_EQ(rebuilt[i].active, listed[i].active);
    EXPECT_EQ(rebuilt[i].seq, listed[i].seq);
  }
}

}  // namespace
}  // namespace bangban
