#include "sync/verification_pool.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace bangban {
namespace {

// `count` chained training records of one author; every `bad_every`-th one (1-based) with a
// signature byte flipped, so that it decodes but does not verify.
std::vector<Record> Records(int count, int bad_every) {
  SigningKey author = SigningKey::FromSeed(Bytes(32, 3));
  std::vector<Record> records;
  std::optional<RecordId> prev;
  for (int i = 1; i <= count; ++i) {
    Json body = {{"outlet_id", "YH-001"}, {"staff", "helper-" + std::to_string(i)}, {"course", "登记"}, {"hours", 4}};
    Record r = Record::Create(author, "outlet.training", i, prev, 1'780'000'000'000 + i, std::move(body));
    prev = r.id();
    if (bad_every > 0 && i % bad_every == 0) {
      Bytes wire = r.wire();
      auto at = std::search(wire.begin(), wire.end(), r.signature().begin(), r.signature().end());
      EXPECT_NE(at, wire.end());
      at[10] ^= 0x01;
      r = Record::Decode(wire);
    }
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<const Record*> Pointers(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const Record& r : records) out.push_back(&r);
  return out;
}

TEST(VerificationPoolTest, SaysWhichSignaturesHold) {
  std::vector<Record> records = Records(200, 7);
  VerificationPool pool(2);
  std::shared_ptr<Verification> v = pool.Start(Pointers(records));
  const std::vector<char>& ok = v->Wait();
  ASSERT_EQ(ok.size(), records.size());
  EXPECT_TRUE(v->Done());
  for (size_t i = 0; i < ok.size(); ++i) EXPECT_EQ(ok[i] != 0, (i + 1) % 7 != 0) << "record " << i;
}

TEST(VerificationPoolTest, RoundsStartedTogetherAreEachVerifiedInFull) {
  // Several rounds queued at once, waited for out of order: each gets its own answers.
  std::vector<std::vector<Record>> rounds;
  for (int r = 0; r < 6; ++r) rounds.push_back(Records(40 + 13 * r, r + 2));
  VerificationPool pool(3);
  std::vector<std::shared_ptr<Verification>> started;
  for (const auto& round : rounds) started.push_back(pool.Start(Pointers(round)));
  for (int r = 5; r >= 0; --r) {
    const std::vector<char>& ok = started[r]->Wait();
    ASSERT_EQ(ok.size(), rounds[r].size());
    size_t refused = std::count(ok.begin(), ok.end(), 0);
    EXPECT_EQ(refused, rounds[r].size() / (r + 2)) << "round " << r;
  }
}

TEST(VerificationPoolTest, TheWaitingThreadFinishesARoundAlone) {
  // With the pool's only thread busy on a long round, a short round is verified by its waiter.
  std::vector<Record> long_round = Records(400, 0), short_round = Records(3, 3);
  VerificationPool pool(1);
  auto first = pool.Start(Pointers(long_round));
  auto second = pool.Start(Pointers(short_round));
  const std::vector<char>& ok = second->Wait();
  EXPECT_EQ(ok, (std::vector<char>{1, 1, 0}));
  EXPECT_TRUE(std::all_of(first->Wait().begin(), first->Wait().end(), [](char c) { return c != 0; }));
}

TEST(VerificationPoolTest, AnEmptyRoundIsDoneAtOnce) {
  VerificationPool pool(1);
  auto v = pool.Start({});
  EXPECT_TRUE(v->Done());
  EXPECT_TRUE(v->Wait().empty());
}

TEST(VerificationPoolTest, StopsWithRoundsStillQueued) {
  // The destructor returns with work queued; what was started can still be waited for.
  std::vector<Record> records = Records(300, 0);
  std::shared_ptr<Verification> v;
  {
    VerificationPool pool(1);
    v = pool.Start(Pointers(records));
  }
  const std::vector<char>& ok = v->Wait();
  EXPECT_EQ(std::count(ok.begin(), ok.end(), 1), 300);
}

}  // namespace
}  // namespace bangban
