// Opening applicant data (custody/applicant_custody.h): the pii.access record is appended before
// the box is opened and holds no personal data; only an active reviewer of this county hub,
// with a purpose, opens; the city cannot; a box sealed to another key fails to open and the
// attempt stays logged.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crypto/sealed_box.h"
#include "custody/applicant_custody.h"
#include "hub/hub.h"
#include "protocol/clock.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

constexpr const char* kCounty = "140802";
constexpr const char* kIdNumber = "11010519491231002X";
constexpr const char* kName = "张三明";

struct Outlet {
  SigningKey key = SigningKey::Generate();
  uint64_t seq = 0;
  std::optional<RecordId> head;
  Record Submit(const std::string& app_id, const PublicKey& sealed_to) {
    const std::string clear = Json{{"id_number", kIdNumber}, {"name", kName}}.dump();
    Json body = {
        {"app_id", app_id},
        {"kind", "change"},
        {"entity_type", "individual"},
        {"entity_name", "盐湖区小店"},
        {"applicant", {{"id_sealed", Json::binary(Seal(sealed_to, AsBytes(clear)))}, {"name_masked", "张*明"}}},
        {"realname_verified", true},
        {"channel", "outlet"},
        {"fee_cents", 0},
        {"helper", "王芳"},
        {"materials", Json::array({"id_card"})}};
    Record r = Record::Create(key, "app.submit", ++seq, head, NowMs(), body);
    head = r.id();
    return r;
  }
};

class ApplicantCustodyTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("BANGBAN_NOW", "2026-03-02T09:00:00+08:00", 1); }
  void TearDown() override {
    hub_.reset();
    ::unsetenv("BANGBAN_NOW");
  }

  void MakeHub(const std::string& role = "county") {
    HubConfig config;
    config.role = role;
    config.name = "盐湖区行政审批服务管理局";
    config.county = role == "county" ? kCounty : "1408";
    config.simulation = true;
    Hub::Init(tmp_.path() / "hub", config, std::nullopt);
    hub_ = std::make_unique<Hub>(tmp_.path() / "hub");
    hub_->Enroll({outlet_.key.public_key(), "outlet", "网点", kCounty, "YH-001"});
  }
  Hub& hub() { return *hub_; }

  void Receive(const Record& record) {
    const std::vector<Record> records = {record};
    ASSERT_EQ(hub().store().Ingest(records).front().kind, IngestOutcome::Kind::kAccepted);
  }
  uint64_t HubHead() { return hub().store().Head(hub().key().public_key()).seq; }

  std::string Refusal(const OpenRequest& request) {
    const uint64_t before = HubHead();
    try {
      hub().custody().Open(request);
    } catch (const Error& e) {
      EXPECT_EQ(HubHead(), before) << "a refused opening wrote a record";
      return e.code();
    }
    return "(opened)";
  }

  test_support::TempDir tmp_;
  std::unique_ptr<Hub> hub_;
  Outlet outlet_;
};

TEST_F(ApplicantCustodyTest, AnOpeningIsLoggedFirstAndTheLogHoldsNoPersonalData) {
  MakeHub();
  ASSERT_NO_FATAL_FAILURE(Receive(outlet_.Submit("A-1", hub().key().public_key())));
  hub().AddOperator("r01", "reviewer");
  const uint64_t before = HubHead();

  OpenedApplicant opened = hub().custody().Open({"A-1", "", "r01", "核验申请人身份"});
  EXPECT_EQ(opened.id_number, kIdNumber);
  EXPECT_EQ(opened.name, kName);
  EXPECT_EQ(opened.name_masked, "张*明");
  EXPECT_EQ(opened.outlet_id, "YH-001");
  ASSERT_EQ(HubHead(), before + 1);
  std::optional<Record> logged = hub().store().GetBySeq(hub().key().public_key(), before + 1);
  ASSERT_TRUE(logged.has_value());
  EXPECT_EQ(logged->id(), opened.access.id());
  EXPECT_EQ(logged->type(), "pii.access");
  EXPECT_EQ(logged->body()["reviewer"], "r01");
  EXPECT_EQ(logged->body()["purpose"], "核验申请人身份");
  const std::string body = logged->body().dump();
  EXPECT_EQ(body.find(kIdNumber), std::string::npos);
  EXPECT_EQ(body.find(kName), std::string::npos);
}

TEST_F(ApplicantCustodyTest, OnlyAnActiveReviewerWithAPurposeOpensAndOnlyAtTheCounty) {
  MakeHub();
  ASSERT_NO_FATAL_FAILURE(Receive(outlet_.Submit("A-1", hub().key().public_key())));
  hub().AddOperator("r01", "reviewer");
  hub().AddOperator("r02", "reviewer");
  hub().AddOperator("a01", "county_admin");
  hub().DisableOperator("r02", "left");
  EXPECT_EQ(Refusal({"A-1", "", "王五", "核验"}), "not_operator");
  EXPECT_EQ(Refusal({"A-1", "", "r02", "核验"}), "not_operator");
  EXPECT_EQ(Refusal({"A-1", "", "a01", "核验"}), "not_operator");
  EXPECT_EQ(Refusal({"A-1", "", "r01", ""}), "usage");
  EXPECT_EQ(Refusal({"A-1", "", "r01", std::string(513, 'x')}), "usage");
  EXPECT_EQ(Refusal({"B-9", "", "r01", "核验"}), "unknown_app");
  EXPECT_EQ(Refusal({"A-1", "YH-002", "r01", "核验"}), "unknown_app");
}

TEST_F(ApplicantCustodyTest, TheCityHoldsNoKeyAndIsRefused) {
  MakeHub("city");
  hub().AddOperator("c01", "city_auditor");
  EXPECT_EQ(Refusal({"A-1", "", "c01", "核验"}), "not_custodian");
}

TEST_F(ApplicantCustodyTest, ABoxSealedToAnotherKeyFailsToOpenAndTheAttemptStaysLogged) {
  MakeHub();
  ASSERT_NO_FATAL_FAILURE(Receive(outlet_.Submit("A-1", SigningKey::Generate().public_key())));
  hub().AddOperator("r01", "reviewer");
  const uint64_t before = HubHead();
  try {
    hub().custody().Open({"A-1", "", "r01", "核验"});
    ADD_FAILURE() << "a box sealed to another key was opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "unseal_failed");
  }
  EXPECT_EQ(HubHead(), before + 1) << "the attempt is in the access log";
}

}  // namespace
}  // namespace bangban
