#include "oversight/case_evidence.h"

#include <gtest/gtest.h>

#include <functional>

#include <fstream>

#include "crypto/error.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

SigningKey KeyFrom(uint8_t fill) { return SigningKey::FromSeed(Bytes(32, fill)); }

// One application's records, each with a receipt of a hub whose log holds exactly them.
class CaseEvidenceTest : public ::testing::Test {
 protected:
  CaseEvidenceTest() : hub_(KeyFrom(1)), outlet_(KeyFrom(2)), env_(tmp_.path() / "log"), log_(env_) {
    Record submit = Record::Create(outlet_, "app.submit", 1, std::nullopt, 1000,
                                   {{"app_id", "A-1"},
                                    {"kind", "establish"},
                                    {"entity_type", "individual"},
                                    {"entity_name", "小店"},
                                    {"applicant", {{"id_sealed", Json::binary(Bytes(80, 1))}, {"name_masked", "张*"}}},
                                    {"realname_verified", true},
                                    {"channel", "outlet"},
                                    {"fee_cents", 0},
                                    {"helper", "王芳"},
                                    {"materials", Json::array()}});
    Record accept = Record::Create(hub_, "review.accept", 1, std::nullopt, 2000,
                                   {{"app_id", "A-1"}, {"reviewer", "r01"}, {"outlet_id", "YH-001"}});
    evidence_.hub = hub_.public_key();
    evidence_.app_id = "A-1";
    evidence_.county = "140802";
    evidence_.outlet_id = "YH-001";
    env_.Write([&](LmdbTxn& txn) {
      log_.Append(txn, submit.id(), 1500);
      log_.Append(txn, accept.id(), 2500);
      TreeHead head = log_.SignHead(txn, hub_, 3000);
      evidence_.entries.push_back({submit, *log_.Prove(txn, submit.id(), head)});
      evidence_.entries.push_back({accept, *log_.Prove(txn, accept.id(), head)});
    });
  }

  std::string Code(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    return "";
  }

  test_support::TempDir tmp_;
  SigningKey hub_, outlet_;
  LmdbEnv env_;
  TransparencyLog log_;
  CaseEvidence evidence_;
};

TEST_F(CaseEvidenceTest, WrittenAndReadBackItVerifies) {
  evidence_.Write(tmp_.path() / "ev.json");
  CaseEvidence read = CaseEvidence::Read(tmp_.path() / "ev.json");
  Json timeline = read.Verify(hub_.public_key());
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0]["type"], "app.submit");
  EXPECT_EQ(timeline[1]["type"], "review.accept");
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "ev.json.partial"));
}

TEST_F(CaseEvidenceTest, AnotherHubsKeyOrAMovedReceiptTimeIsABadReceipt) {
  EXPECT_EQ(Code([&] { evidence_.Verify(KeyFrom(3).public_key()); }), "bad_receipt");
  evidence_.entries[1].receipt.received_ms += 60'000;
  EXPECT_EQ(Code([&] { evidence_.Verify(std::nullopt); }), "bad_receipt");
}

TEST_F(CaseEvidenceTest, ARecordOfAnotherCaseIsRefused) {
  evidence_.app_id = "A-2";
  EXPECT_EQ(Code([&] { evidence_.Verify(std::nullopt); }), "malformed");
}

TEST_F(CaseEvidenceTest, TruncatedOrNotRegularFilesAreRefused) {
  const std::string text = evidence_.ToJson().dump();
  std::ofstream(tmp_.path() / "cut.json") << text.substr(0, text.size() / 2);
  EXPECT_EQ(Code([&] { CaseEvidence::Read(tmp_.path() / "cut.json"); }), "malformed");
  EXPECT_EQ(Code([&] { CaseEvidence::Read(tmp_.path()); }), "input");
  EXPECT_EQ(Code([&] { CaseEvidence::Read(tmp_.path() / "absent.json"); }), "input");
}

}  // namespace
}  // namespace bangban
