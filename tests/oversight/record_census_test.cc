// The census the oversight figures read: what counts where, and what is stored but flagged
// (principle 6). A real FeedStore in a temporary dir; a county hub's key is its root.
#include "oversight/record_census.h"

#include <gtest/gtest.h>

#include "oversight/oversight_report.h"
#include "oversight/public_directory.h"
#include "protocol/clock.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

constexpr int64_t kDay = 86'400'000;
const int64_t kT0 = *ParseRfc3339("2026-03-02T09:00:00+08:00");

struct Author {
  SigningKey key = SigningKey::Generate();
  uint64_t seq = 0;
  std::optional<RecordId> head;
  Record Sign(const std::string& type, const Json& body, int64_t ts) {
    Record r = Record::Create(key, type, ++seq, head, ts, body);
    head = r.id();
    return r;
  }
};

Json Six(bool all) {
  return {{"sign", true}, {"computer", true}, {"staff", true}, {"guide", all}, {"phone", true}, {"publicity", true}};
}

Json Profile(const std::string& outlet, const std::string& township, const std::string& kind = "hall") {
  return {{"outlet_id", outlet},   {"name", "网点" + outlet}, {"kind", kind},
          {"county", "140802"},    {"township", township},    {"address", "运城市"},
          {"phone", "0359-1"},     {"hours", "08:30-18:00"},  {"services", Json::array({"establish"})},
          {"six_haves", Six(true)}};
}

class RecordCensusTest : public ::testing::Test {
 protected:
  RecordCensusTest() {
    FeedStore::Options options;
    options.roots.push_back({hub_.key.public_key(), "county", "140802"});
    store_ = std::make_unique<FeedStore>(tmp_.path(), options);
    for (auto [outlet, id] : {std::pair{&a_, "YH-001"}, std::pair{&b_, "YH-002"}}) {
      const PublicKey k = outlet->key.public_key();
      Own("key.enroll", {{"key", Json::binary(Bytes(k.begin(), k.end()))},
                         {"role", "outlet"},
                         {"name", std::string("网点") + id},
                         {"county", "140802"},
                         {"outlet_id", id}});
    }
    Own("county.townships", {{"county", "140802"}, {"townships", {"140802100,解州镇,town", "140802101,龙居镇,town"}}});
  }

  // The hub's own records are signed with an explicit time, as the outlets' are.
  Record Own(const std::string& type, const Json& body, int64_t ts = kT0) { return Ingest(hub_, type, body, ts); }
  Record Ingest(Author& author, const std::string& type, const Json& body, int64_t ts = kT0) {
    Record r = author.Sign(type, body, ts);
    std::vector<IngestOutcome> out = store_->Ingest(std::vector<Record>{r});
    EXPECT_EQ(out.at(0).kind, IngestOutcome::Kind::kAccepted) << out.at(0).message;
    return r;
  }
  Census Take(int64_t at = kT0 + kDay) { return TakeCensus(*store_, {"county", "140802", hub_.key.public_key()}, at); }
  static bool Flagged(const Census& c, const std::string& type, const std::string& needle) {
    for (const Flag& f : c.flags) {
      if (f.type == type && f.problem.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  test_support::TempDir tmp_;
  Author hub_, a_, b_;
  std::unique_ptr<FeedStore> store_;
};

TEST_F(RecordCensusTest, ALaterProfileReplacesTheEarlierAndANameResolvesToItsCode) {
  Ingest(a_, "outlet.profile", Profile("YH-001", "龙居镇", "hall"), kT0);
  Ingest(a_, "outlet.profile", Profile("YH-001", "解州镇", "mall"), kT0 + 1000);
  Census c = Take();
  const OutletEntry& outlet = c.counties.at("140802").outlets.at("YH-001");
  ASSERT_TRUE(outlet.profile);
  EXPECT_EQ(outlet.profile->body["kind"], "mall");
  EXPECT_EQ(outlet.township_code, "140802100");
  EXPECT_TRUE(c.flags.empty());
  // Before the second profile was stamped, the first one was in force.
  Census earlier = Take(kT0 + 500);
  EXPECT_EQ(earlier.counties.at("140802").outlets.at("YH-001").township_code, "140802101");
}

TEST_F(RecordCensusTest, WhatDoesNotFitIsStoredFlaggedAndNotCounted) {
  Ingest(a_, "outlet.profile", Profile("YH-002", "解州镇"));    // speaks for another outlet
  Ingest(b_, "outlet.profile", Profile("YH-002", "不存在乡"));  // an unknown township
  Ingest(a_, "outlet.inspect",
         {{"outlet_id", "YH-001"},  // only a county hub inspects
          {"inspector", "x"},
          {"date", "2026-03-02"},
          {"six_haves", Six(true)}});
  Own("outlet.inspect",
      {{"outlet_id", "YH-999"}, {"inspector", "x"}, {"date", "2026-03-02"}, {"six_haves", Six(true)}});
  Record complaint =
      Ingest(a_, "complaint.file",
             {{"outlet_id", "YH-002"}, {"category", "slow"}, {"text_sealed", Json::binary(Bytes(60, 1))}});
  const Bytes id(complaint.id().begin(), complaint.id().end());
  Own("complaint.verdict", {{"complaint_id", Json::binary(id)}, {"upheld", true}, {"deduction", 2}});
  Own("complaint.verdict", {{"complaint_id", Json::binary(id)}, {"upheld", false}, {"deduction", 0}});
  Own("complaint.verdict", {{"complaint_id", Json::binary(Bytes(32, 9))}, {"upheld", true}, {"deduction", 0}});

  Census c = Take();
  EXPECT_EQ(c.flags.size(), 6u);
  EXPECT_TRUE(Flagged(c, "outlet.profile", "names outlet YH-002 but its author is enrolled as outlet YH-001"));
  EXPECT_TRUE(Flagged(c, "outlet.profile", "township '不存在乡' is not a unit of county 140802"));
  EXPECT_TRUE(Flagged(c, "outlet.inspect", "only a county hub may write outlet.inspect"));
  EXPECT_TRUE(Flagged(c, "outlet.inspect", "inspects outlet YH-999"));
  EXPECT_TRUE(Flagged(c, "complaint.verdict", "a second verdict"));
  EXPECT_TRUE(Flagged(c, "complaint.verdict", "not one of county 140802's"));
  const CountyCensus& county = c.counties.at("140802");
  EXPECT_FALSE(county.outlets.at("YH-001").profile);        // its profile for YH-002 is not its own
  EXPECT_FALSE(county.outlets.at("YH-002").township_code);  // kept, but covers nothing
  ASSERT_TRUE(county.complaints.at(ToHex(complaint.id())).verdict);
  EXPECT_EQ(county.complaints.at(ToHex(complaint.id())).verdict->body["upheld"], true);  // the first stands
}

TEST_F(RecordCensusTest, AnOutletIsActiveWithinTheWindowAndOnlyThenInTheDirectory) {
  Ingest(a_, "outlet.profile", Profile("YH-001", "解州镇"), kT0);
  Ingest(b_, "outlet.profile", Profile("YH-002", "龙居镇"), kT0 - 31 * kDay);
  Census c = Take(kT0 + 29 * kDay);
  const CountyCensus& county = c.counties.at("140802");
  EXPECT_TRUE(IsActive(county.outlets.at("YH-001"), c.at_ms, 30));
  EXPECT_FALSE(IsActive(county.outlets.at("YH-002"), c.at_ms, 30));
  EXPECT_FALSE(IsActive(county.outlets.at("YH-001"), kT0 + 30 * kDay, 30));
  Json directory = BuildPublicDirectory(c, 30);
  ASSERT_EQ(directory["outlets"].size(), 1u);
  EXPECT_EQ(directory["outlets"][0]["outlet_id"], "YH-001");
  Json figures = CountyFigures(county, c.at_ms, {});
  EXPECT_EQ(figures["coverage"]["townships"], 2);
  EXPECT_EQ(figures["coverage"]["covered"], 1);
  EXPECT_EQ(figures["coverage"]["uncovered"][0]["code"], "140802101");
}

}  // namespace
}  // namespace bangban
