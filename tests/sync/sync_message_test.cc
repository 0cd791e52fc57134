#include "sync/messages.h"

#include <gtest/gtest.h>

#include "crypto/error.h"

namespace bangban {
namespace {

constexpr size_t kMiB = 1024 * 1024;

TEST(GrantPushesTest, FewPeersGetTheFullWindow) {
  PushGrant g = GrantPushes(1, kDefaultPushBudget, 0);
  EXPECT_EQ(g.window, kMaxWindow);
  EXPECT_EQ(g.push_bytes, kMaxPushBytes);
  g = GrantPushes(64, 64 * kMiB, 0);  // exactly 1 MiB each: 4 x 256 KiB
  EXPECT_EQ(g.window, 4u);
  EXPECT_EQ(g.push_bytes, kMaxPushBytes);
}

TEST(GrantPushesTest, ManyPeersShareTheBudget) {
  for (size_t peers : {100u, 200u, 500u, 1000u, 2000u}) {
    PushGrant g = GrantPushes(peers, kDefaultPushBudget, 0);
    EXPECT_GE(g.window, 1u);
    EXPECT_GE(g.push_bytes, kMinPushBytes);
    EXPECT_LE(g.push_bytes, kMaxPushBytes);
    // Everyone's grant together stays within the budget while the floor is not reached.
    if (kDefaultPushBudget / peers >= kMinPushBytes) {
      EXPECT_LE(g.bytes() * peers, kDefaultPushBudget) << peers << " peers";
    } else {
      EXPECT_EQ(g.bytes(), kMinPushBytes) << peers << " peers";
    }
  }
  EXPECT_EQ(GrantPushes(1000, kDefaultPushBudget, 0).window, 1u);
  EXPECT_EQ(GrantPushes(1000, kDefaultPushBudget, 0).push_bytes, kDefaultPushBudget / 1000);
}

TEST(GrantPushesTest, WhatOthersHoldIsNotGrantedAgain) {
  // Two peers, but the other one still holds 60 MiB of a 64 MiB budget.
  PushGrant g = GrantPushes(2, 64 * kMiB, 60 * kMiB);
  EXPECT_LE(g.bytes(), 4 * kMiB);
  EXPECT_EQ(g.window, 4u);
  EXPECT_EQ(g.push_bytes, kMaxPushBytes);
  // Nothing left: the floor, one small push.
  g = GrantPushes(2, 64 * kMiB, 64 * kMiB);
  EXPECT_EQ(g.window, 1u);
  EXPECT_EQ(g.push_bytes, kMinPushBytes);
  g = GrantPushes(2, 64 * kMiB, 100 * kMiB);
  EXPECT_EQ(g.bytes(), kMinPushBytes);
}

TEST(SyncMessageTest, DecodeRefusesWhatIsNotAMessage) {
  Bytes ok = EncodeMessage({{"type", "hello"}, {"v", 1}});
  EXPECT_EQ(DecodeMessage(ok)["type"], "hello");
  Bytes no_type = EncodeMessage({{"v", 1}});
  EXPECT_THROW(DecodeMessage(no_type), Error);
  Bytes trailing = ok;
  trailing.push_back(0xc0);
  EXPECT_THROW(DecodeMessage(trailing), Error);
  Bytes list = EncodeMessage(Json::array({1, 2}));
  EXPECT_THROW(DecodeMessage(list), Error);
}

TEST(SyncMessageTest, PositionsRoundTripAndRefuseBadShapes) {
  FeedPosition p{};
  p.author.fill(7);
  p.seq = 42;
  p.id.fill(9);
  std::vector<FeedPosition> back = HelloMessage::FromJson(HelloMessage{kSyncVersion, {p}}.ToJson()).heads;
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].author, p.author);
  EXPECT_EQ(back[0].seq, 42u);
  EXPECT_EQ(back[0].id, p.id);
  EXPECT_THROW(HelloMessage::FromJson({{"type", "hello"}, {"heads", Json::array({Json::array({1, 2})})}}), Error);
  EXPECT_THROW(HelloMessage::FromJson({{"type", "hello"}, {"heads", Json::object()}}), Error);
}

}  // namespace
}  // namespace bangban
