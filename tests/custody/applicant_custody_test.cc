// Opening applicant data (custody/applicant_custody.h): the pii.access record is appended before
// the box is opened and holds no personal data; only an active reviewer of this county hub,
// with a purpose, opens; the city cannot; a box sealed to another key fails to open and the
// attempt stays logged.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "custody/applicant_custody.h"
#include "hub/hub.h"
#include "tests/custody/county_hub_fixture.h"

namespace bangban {
namespace {

using test_support::kCounty;
using test_support::kIdNumber;
using test_support::kName;

class ApplicantCustodyTest : public test_support::InProcessHubTest {
 protected:
  // The hub, with outlet_ enrolled as YH-001.
  void MakeHub(const std::string& role = "county") {
    InProcessHubTest::MakeHub(role);
    hub_->Enroll({outlet_.key.public_key(), "outlet", "网点", kCounty, "YH-001"});
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

  test_support::SubmittingOutlet outlet_{.kind = "change"};
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
