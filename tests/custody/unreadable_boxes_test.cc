// The county's index of unreadable boxes (custody/unreadable_boxes.h), kept by the applicant
// linker's walk: at every position of the cursor it lists exactly what a scan of every stored
// record finds (boxes sealed to a period never published, or shredded at or before they
// arrived; applications and complaints); a key published later makes
// its boxes readable; a key shredded after the walk passed a box that arrived at the shred's
// instant is caught; a data dir whose index cursor is lost is walked again.
#include "custody/unreadable_boxes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "crypto/sealed_box.h"
#include "custody/applicant_linker.h"
#include "hub/hub.h"
#include "protocol/clock.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

constexpr const char* kCounty = "140802";

struct Outlet {
  SigningKey key = SigningKey::Generate();
  uint64_t seq = 0;
  std::optional<RecordId> head;
  Record Make(const std::string& type, Json body) {
    Record r = Record::Create(key, type, ++seq, head, NowMs(), body);
    head = r.id();
    return r;
  }
  Record Submit(const std::string& app_id, const std::string& period, const PublicKey& sealed_to) {
    Json applicant = {{"id_sealed", Json::binary(Seal(sealed_to, AsBytes(std::string("{}"))))},
                      {"name_masked", "张*明"}};
    if (!period.empty()) applicant["sealing_key"] = period;
    return Make("app.submit", {{"app_id", app_id},
                               {"kind", "establish"},
                               {"entity_type", "individual"},
                               {"entity_name", "盐湖区小店"},
                               {"applicant", applicant},
                               {"realname_verified", true},
                               {"channel", "outlet"},
                               {"fee_cents", 0},
                               {"helper", "王芳"},
                               {"materials", Json::array({"id_card"})}});
  }
  Record Complaint(const std::string& outlet_id, const std::string& period, const PublicKey& sealed_to) {
    return Make("complaint.file", {{"outlet_id", outlet_id},
                                   {"category", "slow"},
                                   {"text_sealed", Json::binary(Seal(sealed_to, AsBytes(std::string("慢"))))},
                                   {"sealing_key", period}});
  }
};

class UnreadableBoxIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Now("2026-03-02T09:00:00+08:00");
    HubConfig config;
    config.role = "county";
    config.name = "盐湖区行政审批服务管理局";
    config.county = kCounty;
    config.simulation = true;
    Hub::Init(Dir(), config, std::nullopt);
    hub_ = std::make_unique<Hub>(Dir());
    hub().Enroll({yh1_.key.public_key(), "outlet", "网点YH-001", kCounty, "YH-001"});
  }
  void TearDown() override {
    hub_.reset();
    ::unsetenv("BANGBAN_NOW");
  }
  static void Now(const char* rfc3339) { ::setenv("BANGBAN_NOW", rfc3339, 1); }
  std::filesystem::path Dir() const { return tmp_.path() / "hub"; }
  Hub& hub() { return *hub_; }
  const PublicKey& own() { return hub().key().public_key(); }
  void Receive(const Record& record) {
    const std::vector<Record> records = {record};
    ASSERT_EQ(hub().store().Ingest(records).front().kind, IngestOutcome::Kind::kAccepted);
  }

  // What the index must say: every stored box of the county's outlets, judged against the keys
  // as they are now, in ScanAll's order (the scan the index replaces).
  std::vector<std::string> Scanned() {
    const SealingKeyBook book = hub().sealing_keys().Book();
    std::vector<std::string> out;
    hub().store().ScanAll([&](const Record& r) {
      std::optional<std::string> period = SealedBoxPeriod(r);
      std::optional<Enrollment> author = hub().store().FindEnrollment(r.author());
      if (!period || !author || author->county != kCounty) return true;
      const std::string why = book.WhyUnreadable(*period, *hub().store().ReceivedAt(r.id()));
      if (!why.empty())
        out.push_back(ToHex(r.id()) + " " + r.type() + " " + author->outlet_id + " " + *period + " " + why);
      return true;
    });
    return out;
  }
  std::vector<std::string> Listed() {
    std::vector<std::string> out;
    for (const UnreadableBox& b : hub().UnreadableBoxes(1000)) {
      EXPECT_NE(b.why.find("; no one can open it"), std::string::npos) << b.why;
      out.push_back(ToHex(b.record) + " " + b.type + " " + b.outlet_id + " " + b.period + " " +
                    b.why.substr(0, b.why.size() - std::string("; no one can open it").size()));
    }
    return out;
  }
  uint64_t IndexCursor() {
    std::optional<Bytes> value = hub().store().GetMeta(kUnreadableBoxCursorMeta);
    return value ? DecodeBigEndian64(value->data()) : 0;
  }

  test_support::TempDir tmp_;
  std::unique_ptr<Hub> hub_;
  Outlet yh1_;
};

TEST_F(UnreadableBoxIndexTest, ListsWhatAFullScanFindsAtEveryCursorPosition) {
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-1", "2026-03", own())));  // readable: published by init
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-2", "2025-06", own())));  // never published
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-3", "", own())));         // before sealing keys
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Complaint("YH-001", "2025-07", own())));
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-4", "2026-05", own())));  // published below

  const std::vector<std::string> expected = Scanned();
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_NE(expected[0].find("never published"), std::string::npos) << expected[0];

  const PseudonymKey key = PseudonymKey::Load(Dir() / "pseudonym.key");
  ApplicantLinker linker(hub().store(), hub().log(), hub().key(), hub().sealing_keys(), key, hub().links(), kCounty);
  EXPECT_EQ(Listed(), expected) << "nothing walked yet: all from the leaves past the cursor";
  for (int step = 0; step < 40 && !linker.RunBatch(1).caught_up; ++step) {
    EXPECT_EQ(Listed(), expected) << "index cursor " << IndexCursor();
  }
  EXPECT_EQ(IndexCursor(), DecodeBigEndian64(hub().store().GetMeta(kLinkCursorMeta)->data()));
  EXPECT_EQ(Listed(), expected);
  EXPECT_EQ(hub().UnreadableBoxes(2).size(), 2u) << "the limit";

  // A key published later makes its boxes readable.
  hub().sealing_keys().Publish("2026-05");
  EXPECT_EQ(Scanned().size(), 2u);
  EXPECT_EQ(Listed(), Scanned());

  // A data dir whose index cursor is lost (or made before the index) is walked again for boxes
  // only: no link is written twice.
  const uint64_t own_head = hub().store().Head(own()).seq;
  hub().store().DeleteMeta(kUnreadableBoxCursorMeta);
  EXPECT_EQ(Listed(), Scanned());
  LinkPass again = hub().LinkApplicants();
  EXPECT_EQ(again.linked, 0u);
  EXPECT_EQ(hub().store().Head(own()).seq, own_head) << "no link and no other record written";
  EXPECT_EQ(Listed(), Scanned());
  uint64_t log_size = 0;
  hub().store().env().Read([&](LmdbTxn& txn) { log_size = hub().log().Size(txn); });
  EXPECT_EQ(IndexCursor(), log_size);
}

TEST_F(UnreadableBoxIndexTest, AKeyShreddedAtTheInstantABoxArrivedAfterTheWalkPassedIt) {
  // The clock stands still: the box arrives, is walked past (readable then), and the key is
  // shredded at the same millisecond, so the box arrived at or after the shred.
  Now("2026-01-10T09:00:00+08:00");
  hub().sealing_keys().Publish("2026-01");
  Now("2027-02-01T09:00:00+08:00");
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-1", "2026-01", own())));
  hub().LinkApplicants();
  EXPECT_TRUE(Listed().empty());
  ASSERT_EQ(hub().sealing_keys().ShredDue(NowMs(), 12).size(), 1u);
  ASSERT_EQ(Scanned().size(), 1u);
  EXPECT_NE(Scanned()[0].find("shredded on"), std::string::npos) << Scanned()[0];
  EXPECT_EQ(Listed(), Scanned()) << "walked back for the shred when listed";
  hub().LinkApplicants();
  EXPECT_EQ(Listed(), Scanned()) << "walked back once by the linker, kept in the index";

  // A box that arrives after the shred is unreadable; one that arrived before it stays readable
  // (tested by the scan: received before the shred).
  Now("2027-02-01T10:00:00+08:00");
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Complaint("YH-001", "2026-01", own())));
  hub().LinkApplicants();
  ASSERT_EQ(Scanned().size(), 2u);
  EXPECT_EQ(Listed(), Scanned());

  // After reopening (a restart), the same.
  hub_.reset();
  hub_ = std::make_unique<Hub>(Dir());
  EXPECT_EQ(Listed(), Scanned());
}

}  // namespace
}  // namespace bangban
