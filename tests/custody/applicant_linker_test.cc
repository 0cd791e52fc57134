// Linking applications to pseudonyms (custody/applicant_linker.h, review/applicant_links.h,
// custody/applicant_box.h): one applicant.link per app.submit of the county, from a durable
// cursor, never twice; a box that cannot be opened is counted and skipped; the same person gets
// one pseudonym, another person another; likely duplicates need one person, one entity name, two
// outlets and the window; the city holds no pseudonym key and links nothing; `reindex` rebuilds
// the same links; a county data dir made before pseudonyms gets its key when opened.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "custody/applicant_box.h"
#include "custody/applicant_linker.h"
#include "hub/hub.h"
#include "protocol/clock.h"
#include "tests/custody/county_hub_fixture.h"

namespace bangban {
namespace {

using test_support::kCounty;
using Outlet = test_support::SubmittingOutlet;  // establishments, by kP1 unless told
constexpr const char* kP1 = test_support::kIdNumber;
constexpr const char* kP2 = "110105194912310021";

class ApplicantLinkerTest : public test_support::InProcessHubTest {
 protected:
  void Enroll(const Outlet& outlet, const std::string& outlet_id) {
    hub().Enroll({outlet.key.public_key(), "outlet", "网点" + outlet_id, kCounty, outlet_id});
  }
  std::optional<ApplicantLink> LinkOf(const Record& submit) {
    return hub().links().LinkOf(hub().key().public_key(), submit.id());
  }
  std::vector<std::string> Others(const std::string& app_id, const std::string& outlet_id) {
    std::vector<std::string> out;
    for (const Json& o : hub().OtherApplications(app_id, outlet_id)) {
      out.push_back(o["app_id"].get<std::string>() + "@" + o["outlet_id"].get<std::string>());
    }
    return out;
  }

  Outlet yh1_, yh2_;
};

TEST_F(ApplicantLinkerTest, EachSubmitIsLinkedOnceFromTheDurableCursor) {
  MakeHub();
  Enroll(yh1_, "YH-001");
  std::vector<Record> submits;
  for (int i = 1; i <= 5; ++i) {
    submits.push_back(yh1_.Submit("A-" + std::to_string(i), hub().key().public_key(), i % 2 ? kP1 : kP2));
    ASSERT_NO_FATAL_FAILURE(Receive(submits.back()));
  }
  const uint64_t head = hub().store().Head(hub().key().public_key()).seq;

  LinkPass pass = hub().LinkApplicants();
  EXPECT_TRUE(pass.caught_up);
  EXPECT_EQ(pass.linked, 5u);
  EXPECT_EQ(pass.unopenable, 0u);
  EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, head + 5);
  std::optional<Bytes> cursor = hub().store().GetMeta(kLinkCursorMeta);
  ASSERT_TRUE(cursor.has_value());
  EXPECT_EQ(DecodeBigEndian64(cursor->data()), pass.cursor);

  for (const Record& submit : submits) {
    std::optional<ApplicantLink> link = LinkOf(submit);
    ASSERT_TRUE(link.has_value()) << submit.body()["app_id"];
    EXPECT_EQ(link->app_id, submit.body()["app_id"]);
    EXPECT_EQ(link->outlet_id, "YH-001");
  }
  EXPECT_EQ(LinkOf(submits[0])->pseudonym, LinkOf(submits[2])->pseudonym) << "one person, one pseudonym";
  EXPECT_NE(LinkOf(submits[0])->pseudonym, LinkOf(submits[1])->pseudonym) << "two people, two pseudonyms";

  // Nothing is linked twice: not by a second pass, nor after the cursor is lost.
  EXPECT_EQ(hub().LinkApplicants().linked, 0u);
  hub().store().DeleteMeta(kLinkCursorMeta);
  EXPECT_EQ(hub().LinkApplicants().linked, 0u);
  EXPECT_EQ(hub().store().Head(hub().key().public_key()).seq, head + 5);
  EXPECT_EQ(hub().links().CountsByCounty()[kCounty].links, 5u);
  EXPECT_EQ(hub().links().CountsByCounty()[kCounty].distinct, 2u);

  // A bounded batch looks at no more than it is given, and moves the cursor just that far.
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-6", hub().key().public_key())));
  ASSERT_NO_FATAL_FAILURE(Receive(yh1_.Submit("A-7", hub().key().public_key())));
  const PseudonymKey key = PseudonymKey::Load(Dir() / "pseudonym.key");
  ApplicantLinker linker(hub().store(), hub().log(), hub().key(), hub().sealing_keys(), key, hub().links(), kCounty);
  const uint64_t at = DecodeBigEndian64(hub().store().GetMeta(kLinkCursorMeta)->data());
  LinkPass first = linker.RunBatch(1);
  EXPECT_EQ(first.scanned, 1u);
  EXPECT_FALSE(first.caught_up);
  EXPECT_EQ(first.cursor, at + 1);
  LinkPass rest = linker.RunToEnd(nullptr, 2);
  EXPECT_TRUE(rest.caught_up);
  EXPECT_EQ(first.linked + rest.linked, 2u);
  EXPECT_EQ(hub().links().CountsByCounty()[kCounty].links, 7u);
}

TEST_F(ApplicantLinkerTest, ABoxThatCannotBeOpenedIsCountedAndGetsNoLink) {
  MakeHub();
  Enroll(yh1_, "YH-001");
  const Record foreign = yh1_.Submit("A-1", SigningKey::Generate().public_key());
  const Record good = yh1_.Submit("A-2", hub().key().public_key());
  ASSERT_NO_FATAL_FAILURE(Receive(foreign));
  ASSERT_NO_FATAL_FAILURE(Receive(good));
  LinkPass pass = hub().LinkApplicants();
  EXPECT_EQ(pass.unopenable, 1u);
  EXPECT_EQ(pass.linked, 1u);
  EXPECT_FALSE(LinkOf(foreign).has_value());
  EXPECT_TRUE(LinkOf(good).has_value());

  std::string why;
  EXPECT_FALSE(TryOpenApplicantBox(hub().sealing_keys(), foreign, &why).has_value());
  EXPECT_NE(why.find("app A-1"), std::string::npos) << why;
  std::optional<ClearApplicant> clear = TryOpenApplicantBox(hub().sealing_keys(), good, &why);
  ASSERT_TRUE(clear.has_value());
  EXPECT_EQ(clear->id_number, kP1);
}

TEST_F(ApplicantLinkerTest, LikelyDuplicatesNeedOnePersonOneEntityNameTwoOutletsAndTheWindow) {
  MakeHub();
  Enroll(yh1_, "YH-001");
  Enroll(yh2_, "YH-002");
  const int64_t day = 24 * 60 * 60 * 1000, t0 = NowMs() - 100 * day;
  const PublicKey county = hub().key().public_key();
  for (const Record& r :
       {yh1_.Submit("A-1", county, kP1, "运城张记商行", t0), yh1_.Submit("A-2", county, kP1, "运城李记商行", t0),
        yh1_.Submit("A-3", county, kP1, "运城王记商行", t0)}) {
    ASSERT_NO_FATAL_FAILURE(Receive(r));
  }
  for (const Record& r : {yh2_.Submit("B-1", county, kP1, " 运城张记商行　", t0 + 18 * day),
                          yh2_.Submit("B-2", county, kP2, "运城李记商行", t0 + 1 * day),
                          yh2_.Submit("B-3", county, kP1, "运城王记商行", t0 + 44 * day)}) {
    ASSERT_NO_FATAL_FAILURE(Receive(r));
  }
  ASSERT_EQ(hub().LinkApplicants().linked, 6u);

  std::vector<LikelyDuplicate> found = hub().links().LikelyDuplicates(hub().key().public_key(), 30);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].entity_name, "运城张记商行");
  EXPECT_EQ(found[0].first.app_id, "A-1");
  EXPECT_EQ(found[0].second.app_id, "B-1");
  EXPECT_EQ(hub().links().LikelyDuplicates(hub().key().public_key(), 45).size(), 2u);
  EXPECT_EQ(hub().links().LikelyDuplicates(hub().key().public_key(), 17).size(), 0u);

  // The case's other applications: the same person's, not the other person's.
  std::vector<std::string> others = Others("B-1", "YH-002");
  std::sort(others.begin(), others.end());
  EXPECT_EQ(others, (std::vector<std::string>{"A-1@YH-001", "A-2@YH-001", "A-3@YH-001", "B-3@YH-002"}));
  EXPECT_TRUE(Others("B-2", "YH-002").empty());

  // reindex rebuilds the same links from the records.
  const auto counts = hub().links().CountsByCounty();
  hub().Reindex(false);
  EXPECT_EQ(hub().links().CountsByCounty()[kCounty].links, counts.at(kCounty).links);
  EXPECT_EQ(hub().links().CountsByCounty()[kCounty].distinct, 2u);
  EXPECT_EQ(hub().links().LikelyDuplicates(hub().key().public_key(), 30).size(), 1u);
}

TEST_F(ApplicantLinkerTest, TheCityHoldsNoPseudonymKeyAndLinksNothing) {
  MakeHub("city");
  EXPECT_FALSE(std::filesystem::exists(Dir() / "pseudonym.key"));
  try {
    hub().LinkApplicants();
    ADD_FAILURE() << "the city linked";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "not_custodian");
  }
  EXPECT_FALSE(std::filesystem::exists(Dir() / "pseudonym.key"));
}

TEST_F(ApplicantLinkerTest, ACountyDataDirMadeBeforePseudonymsGetsItsKeyWhenOpened) {
  MakeHub();
  hub_.reset();
  std::filesystem::remove(Dir() / "pseudonym.key");
  Open();
  ASSERT_TRUE(std::filesystem::exists(Dir() / "pseudonym.key"));
  EXPECT_EQ(std::filesystem::file_size(Dir() / "pseudonym.key"), 32u);
  const Bytes key = [&] {
    const PseudonymKey k = PseudonymKey::Load(Dir() / "pseudonym.key");
    return Bytes(k.bytes().begin(), k.bytes().end());
  }();
  Open();  // an existing key is kept
  const PseudonymKey again = PseudonymKey::Load(Dir() / "pseudonym.key");
  EXPECT_EQ(Bytes(again.bytes().begin(), again.bytes().end()), key);
}

TEST(NormalEntityNameTest, TrimsWhiteSpaceAndTheIdeographicSpaceOnly) {
  EXPECT_EQ(NormalEntityName("  运城张记商行\t"), "运城张记商行");
  EXPECT_EQ(NormalEntityName("\u3000运城张记商行\u3000 "), "运城张记商行");
  EXPECT_EQ(NormalEntityName("运城 张记商行"), "运城 张记商行");
  EXPECT_EQ(NormalEntityName("\u3000"), "");
  EXPECT_NE(NormalEntityName("运城张记商行"), NormalEntityName("运城張記商行"));
}

}  // namespace
}  // namespace bangban
