#include "oversight/county_witness.h"

#include <gtest/gtest.h>

#include <functional>

#include "crypto/error.h"
#include "protocol/clock.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

SigningKey KeyFrom(uint8_t fill) { return SigningKey::FromSeed(Bytes(32, fill)); }
RecordId IdOf(uint64_t i) { return Blake2b256(AsBytes("record-" + std::to_string(i))); }
int64_t TimeOf(uint64_t i) { return 1'772'413'200'000 + static_cast<int64_t>(i) * 1000; }

// A county hub's log (a real TransparencyLog in its own LMDB) and the county's feed as the city
// holds it (a FeedStore that trusts the county key), so the test publishes like a county does.
class CountyWitnessTest : public ::testing::Test {
 protected:
  CountyWitnessTest()
      : county_(KeyFrom(7)), log_env_(tmp_.path() / "log"), log_(log_env_), feed_(tmp_.path() / "feed", Options()) {}

  FeedStore::Options Options() {
    FeedStore::Options o;
    o.roots.push_back({county_.public_key(), "county", "140802"});
    return o;
  }

  // Logs leaves [size, size + count), signs a head and publishes the new leaves.
  void Publish(uint64_t count, const std::function<void(std::vector<Bytes>&, TreeHead&)>& tamper = {}) {
    std::vector<Bytes> leaves;
    TreeHead head;
    std::vector<Hash32> proof;
    const MDB_dbi table = OpenLogLeaves(log_env_);
    log_env_.Write([&](LmdbTxn& txn) {
      const uint64_t from = log_.Size(txn);
      for (uint64_t i = from; i < from + count; ++i) log_.Append(txn, IdOf(i), TimeOf(i));
      head = log_.SignHead(txn, county_, TimeOf(from + count));
      leaves = ReadLogLeaves(txn, table, published_, head.size - published_);
      if (previous_) proof = log_.ProveConsistency(txn, previous_->size, head.size);
    });
    if (tamper) tamper(leaves, head);
    std::vector<std::pair<std::string, Json>> entries;
    for (Json& body : CheckpointBodies(published_, leaves, head, proof)) entries.emplace_back("log.checkpoint", body);
    feed_.AppendOwn(county_, entries);
    previous_ = head;
    published_ = head.size;
  }

  CountyLog Witness() { return WitnessCounty(feed_, county_.public_key(), "140802"); }

  test_support::TempDir tmp_;
  SigningKey county_;
  LmdbEnv log_env_;
  TransparencyLog log_;
  FeedStore feed_;
  std::optional<TreeHead> previous_;
  uint64_t published_ = 0;
};

TEST_F(CountyWitnessTest, HonestCheckpointsRebuildTheLogAndItsHeads) {
  Publish(5);
  Publish(1);
  Publish(2500);  // three records: 1,000 leaves at most in one
  CountyLog log = Witness();
  EXPECT_TRUE(log.findings.empty()) << log.findings.front().ToString();
  EXPECT_FALSE(log.broken);
  ASSERT_EQ(log.leaves.size(), 2506u);
  EXPECT_EQ(log.leaves[2505].id, IdOf(2505));
  EXPECT_EQ(log.leaves[2505].received_ms, TimeOf(2505));
  ASSERT_EQ(log.heads.size(), 3u);
  EXPECT_EQ(log.heads.back().size, 2506u);
}

TEST_F(CountyWitnessTest, CheckpointBodiesRoundTrip) {
  TreeHead head = TreeHead::Sign(county_, 3, Hash32{}, TimeOf(3));
  std::vector<Bytes> leaves = {LogLeafBytes(IdOf(1), TimeOf(1)), LogLeafBytes(IdOf(2), -5)};
  std::vector<Json> bodies = CheckpointBodies(1, leaves, head, {Hash32{}});
  ASSERT_EQ(bodies.size(), 1u);
  Checkpoint c = Checkpoint::FromBody(bodies[0]);
  EXPECT_EQ(c.from, 1u);
  ASSERT_EQ(c.leaves.size(), 2u);
  EXPECT_EQ(c.leaves[1].index, 2u);
  EXPECT_EQ(c.leaves[1].received_ms, -5);
  ASSERT_TRUE(c.head.has_value());
  EXPECT_EQ(*c.head, head);
  EXPECT_EQ(c.consistency.size(), 1u);
  Json broken = bodies[0];
  broken["leaves"] = Json::binary(Bytes(39, 0));
  EXPECT_THROW(Checkpoint::FromBody(broken), Error);
}

TEST_F(CountyWitnessTest, ARewrittenReceiptTimeIsAnInconsistentHead) {
  Publish(10);
  // The county moves the receipt time of leaf 3 (a case's clock) and signs a head over its
  // rewritten log: the head's root is not the one the published leaves give.
  Publish(4, [&](std::vector<Bytes>&, TreeHead& head) {
    std::vector<Bytes> all;
    const MDB_dbi table = OpenLogLeaves(log_env_);
    log_env_.Read([&](LmdbTxn& txn) { all = ReadLogLeaves(txn, table, 0, head.size); });
    all[3] = LogLeafBytes(IdOf(3), TimeOf(3) + 3'600'000);
    MerkleFrontier frontier;
    for (const Bytes& leaf : all) frontier.Append(MerkleLeafHash(leaf));
    head = TreeHead::Sign(county_, head.size, frontier.Root(), head.timestamp_ms);
  });
  CountyLog log = Witness();
  ASSERT_EQ(log.findings.size(), 1u);
  EXPECT_EQ(log.findings[0].type, "inconsistent_tree_head") << log.findings[0].ToString();
  EXPECT_TRUE(log.broken);
  EXPECT_EQ(log.heads.size(), 1u);
}

TEST_F(CountyWitnessTest, SkippedLeavesAreAGap) {
  Publish(3);
  Publish(3, [](std::vector<Bytes>& leaves, TreeHead&) { leaves.erase(leaves.begin()); });
  CountyLog log = Witness();
  ASSERT_FALSE(log.findings.empty());
  EXPECT_EQ(log.findings[0].type, "inconsistent_tree_head") << log.findings[0].ToString();
}

TEST_F(CountyWitnessTest, AHeadSignedByAnotherKeyIsRefused) {
  Publish(2, [](std::vector<Bytes>&, TreeHead& head) {
    head = TreeHead::Sign(KeyFrom(9), head.size, head.root, head.timestamp_ms);
  });
  CountyLog log = Witness();
  ASSERT_EQ(log.findings.size(), 1u);
  EXPECT_EQ(log.findings[0].type, "bad_tree_head");
}

}  // namespace
}  // namespace bangban
