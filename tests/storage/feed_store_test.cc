// Tests of storage/feed_store.h: appending, ingesting, gaps, forks, enrollment and revocation,
// the audit, and durability across store instances.
#include "storage/feed_store.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "protocol/clock.h"

#include "tests/support/foreign_record.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNow = "2026-03-02T09:00:00+08:00";
constexpr std::string_view kCounty = "140802";  // 盐湖区

using test_support::TempDir;

// Sets BANGBAN_NOW for the lifetime of the object, restoring the previous value afterwards.
class ScopedNow {
 public:
  explicit ScopedNow(const char* value) {
    if (const char* old = std::getenv("BANGBAN_NOW")) old_ = old;
    setenv("BANGBAN_NOW", value, 1);
  }
  ~ScopedNow() {
    if (old_) {
      setenv("BANGBAN_NOW", old_->c_str(), 1);
    } else {
      unsetenv("BANGBAN_NOW");
    }
  }
  ScopedNow(const ScopedNow&) = delete;
  ScopedNow& operator=(const ScopedNow&) = delete;

 private:
  std::optional<std::string> old_;
};

SigningKey KeyFromByte(uint8_t b) {
  Bytes seed(32, b);
  return SigningKey::FromSeed(seed);
}

Json Bin(const PublicKey& key) { return Json::binary(std::vector<uint8_t>(key.begin(), key.end())); }

Json EnrollBody(const PublicKey& key, std::string role = "outlet", std::string county = std::string(kCounty),
                std::string outlet_id = "O-1") {
  Json body = {{"key", Bin(key)}, {"role", role}, {"name", "测试网点"}, {"county", county}};
  if (!outlet_id.empty()) body["outlet_id"] = outlet_id;
  return body;
}

Json RevokeBody(const PublicKey& key, uint64_t after_seq) {
  return {{"key", Bin(key)}, {"after_seq", after_seq}, {"reason", "设备遗失"}};
}

Json RatingBody(const std::string& app_id, int score = 5) { return {{"app_id", app_id}, {"score", score}}; }

// Records of `key`'s feed made directly (as another device would), chained from `prev`.
Record Make(const SigningKey& key, uint64_t seq, std::optional<RecordId> prev, const std::string& tag,
            int64_t ts = 1772413200000) {
  return Record::Create(key, "feedback.rating", seq, prev, ts, RatingBody("A-" + tag));
}

std::vector<Record> Chain(const SigningKey& key, size_t n, const std::string& tag = "x") {
  std::vector<Record> out;
  for (size_t i = 1; i <= n; ++i) {
    std::optional<RecordId> prev;
    if (!out.empty()) prev = out.back().id();
    out.push_back(Make(key, i, prev, tag + std::to_string(i)));
  }
  return out;
}

// One record ingested alone.
IngestOutcome IngestOne(FeedStore& store, const Record& r) {
  auto outcomes = store.Ingest(std::span<const Record>(&r, 1));
  EXPECT_EQ(outcomes.size(), 1u);
  return outcomes.at(0);
}

std::string Describe(const IngestOutcome& o) {
  return std::string(OutcomeName(o.kind)) + " " + o.code + ": " + o.message;
}

bool Mentions(const std::vector<std::string>& problems, std::string_view needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

class FeedStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("BANGBAN_NOW")) old_now_ = old;
    setenv("BANGBAN_NOW", kNow, 1);
    Open();
  }
  void TearDown() override {
    store_.reset();
    if (old_now_) {
      setenv("BANGBAN_NOW", old_now_->c_str(), 1);
    } else {
      unsetenv("BANGBAN_NOW");
    }
  }

  FeedStore::Options HubOptions() const {
    FeedStore::Options options;
    options.roots = {TrustRoot{county_.public_key(), "county", std::string(kCounty)}};
    options.require_enrollment = true;
    return options;
  }
  void Open() { store_ = std::make_unique<FeedStore>(dir_.path(), HubOptions()); }
  void Close() { store_.reset(); }
  void Reopen() {
    Close();
    Open();
  }

  Record Enroll(const PublicKey& key, const std::string& outlet_id = "O-1") {
    return store_->AppendOwn(county_, {{"key.enroll", EnrollBody(key, "outlet", std::string(kCounty), outlet_id)}})
        .at(0);
  }
  Record Revoke(const PublicKey& key, uint64_t after_seq) {
    return store_->AppendOwn(county_, {{"key.revoke", RevokeBody(key, after_seq)}}).at(0);
  }

  // Closes the store, lets `edit` change the raw LMDB environment, and reopens the store.
  void EditRaw(const std::string& db_name, const std::function<void(LmdbTxn&, MDB_dbi)>& edit) {
    Close();
    {
      LmdbEnv env(dir_.path());
      MDB_dbi db = env.OpenDb(db_name);
      env.Write([&](LmdbTxn& txn) { edit(txn, db); });
    }
    Open();
  }

  const int64_t now_ms_ = *ParseRfc3339(kNow);
  TempDir dir_;
  SigningKey county_ = KeyFromByte(1);
  SigningKey outlet_ = KeyFromByte(2);
  SigningKey other_outlet_ = KeyFromByte(3);
  std::unique_ptr<FeedStore> store_;
  std::optional<std::string> old_now_;
};

// ---- own feed ------------------------------------------------------------------------------

TEST_F(FeedStoreTest, AppendOwnChains) {
  auto first = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}},
                                           {"review.assign", {{"app_id", "A-1"}, {"reviewer", "王*"}}},
                                           {"review.accept", {{"app_id", "A-2"}, {"reviewer", "王*"}}}});
  auto second = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-3"}, {"reviewer", "王*"}}},
                                            {"review.accept", {{"app_id", "A-4"}, {"reviewer", "王*"}}}});
  std::vector<Record> all = first;
  all.insert(all.end(), second.begin(), second.end());
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(all[i].seq(), i + 1);
    EXPECT_EQ(all[i].author(), county_.public_key());
    EXPECT_EQ(all[i].envelope().ts, now_ms_);
    EXPECT_TRUE(all[i].VerifySignature());
    if (i == 0) {
      EXPECT_FALSE(all[i].envelope().prev.has_value());
    } else {
      ASSERT_TRUE(all[i].envelope().prev.has_value());
      EXPECT_EQ(*all[i].envelope().prev, all[i - 1].id());
    }
    auto by_id = store_->Get(all[i].id());
    ASSERT_TRUE(by_id.has_value());
    EXPECT_EQ(by_id->wire(), all[i].wire());
    auto by_seq = store_->GetBySeq(county_.public_key(), i + 1);
    ASSERT_TRUE(by_seq.has_value());
    EXPECT_EQ(by_seq->id(), all[i].id());
    EXPECT_EQ(store_->ReceivedAt(all[i].id()), now_ms_);
  }
  FeedHead head = store_->Head(county_.public_key());
  EXPECT_EQ(head.seq, 5u);
  EXPECT_EQ(head.id, all.back().id());
  EXPECT_EQ(store_->RecordCount(), 5u);
  EXPECT_EQ(store_->Heads().size(), 1u);

  std::vector<uint64_t> scanned;
  store_->ScanFeed(county_.public_key(), 2, 4, [&](const Record& r) {
    scanned.push_back(r.seq());
    return true;
  });
  EXPECT_EQ(scanned, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

TEST_F(FeedStoreTest, AppendOwnIsAllOrNothing) {
  Enroll(outlet_.public_key());
  // The second entry is invalid: nothing of the call is written.
  try {
    store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}},
                                {"review.correct", {{"app_id", "A-1"}, {"reviewer", "王*"}}}});
    ADD_FAILURE() << "an invalid body was appended";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "invalid_body");
    EXPECT_NE(std::string(e.what()).find("reason"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store_->Head(county_.public_key()).seq, 1u);
  EXPECT_EQ(store_->RecordCount(), 1u);
  // And the next append continues from the real head.
  auto next = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}}});
  EXPECT_EQ(next.at(0).seq(), 2u);
}

TEST_F(FeedStoreTest, AppendOwnUsesTheClock) {
  setenv("BANGBAN_NOW", "2026-03-03T10:15:00+08:00", 1);
  auto r = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}}});
  EXPECT_EQ(r.at(0).envelope().ts, *ParseRfc3339("2026-03-03T10:15:00+08:00"));
  EXPECT_EQ(store_->ReceivedAt(r.at(0).id()), *ParseRfc3339("2026-03-03T10:15:00+08:00"));
}

TEST_F(FeedStoreTest, ReceiptTimesNeverGoBackwardsButRecordTimesAreKept) {
  setenv("BANGBAN_NOW", "2026-03-03T10:15:00+08:00", 1);
  auto first = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}}});
  // The clock steps back ten seconds (NTP): the store goes on, holding the receipt time.
  setenv("BANGBAN_NOW", "2026-03-03T10:14:50+08:00", 1);
  auto second = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-2"}, {"reviewer", "王*"}}}});
  EXPECT_EQ(second.at(0).envelope().ts, *ParseRfc3339("2026-03-03T10:14:50+08:00")) << "the record's own time";
  EXPECT_EQ(store_->ReceivedAt(second.at(0).id()), *ParseRfc3339("2026-03-03T10:15:00+08:00"));
  // Ingested records too, and across a reopen.
  SigningKey outlet = KeyFromByte(9);
  Enroll(outlet.public_key());
  store_.reset();
  Open();
  Record r = Record::Create(outlet, "feedback.rating", 1, std::nullopt, NowMs(), {{"app_id", "A-1"}, {"score", 5}});
  ASSERT_EQ(store_->Ingest(std::span<const Record>(&r, 1)).at(0).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->ReceivedAt(r.id()), *ParseRfc3339("2026-03-03T10:15:00+08:00"));
  // Once the clock is past it, receipts follow the clock again.
  setenv("BANGBAN_NOW", "2026-03-03T10:16:00+08:00", 1);
  auto third = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-3"}, {"reviewer", "王*"}}}});
  EXPECT_EQ(store_->ReceivedAt(third.at(0).id()), *ParseRfc3339("2026-03-03T10:16:00+08:00"));
}

TEST_F(FeedStoreTest, AppendOwnRefusesWhileBehindUpstream) {
  store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}}});
  store_->PutMeta(kBehindFlag, AsBytes("restored"));
  try {
    store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-2"}, {"reviewer", "王*"}}}});
    ADD_FAILURE() << "appended while behind: that forks the feed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "behind");
  }
  EXPECT_EQ(store_->Head(county_.public_key()).seq, 1u);
  store_->DeleteMeta(kBehindFlag);
  EXPECT_EQ(store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-2"}, {"reviewer", "王*"}}}}).at(0).seq(), 2u);
}

// ---- enrollment -----------------------------------------------------------------------------

TEST_F(FeedStoreTest, UnknownAuthorThenEnrolled) {
  Record r1 = Make(outlet_, 1, std::nullopt, "1");
  IngestOutcome before = IngestOne(*store_, r1);
  EXPECT_EQ(before.kind, IngestOutcome::Kind::kRejected) << Describe(before);
  EXPECT_EQ(before.code, "unknown_author");
  EXPECT_FALSE(before.message.empty());
  EXPECT_EQ(before.id, r1.id());
  EXPECT_EQ(before.author, outlet_.public_key());
  EXPECT_EQ(before.seq, 1u);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 0u);
  EXPECT_FALSE(store_->Get(r1.id()).has_value());

  Record enroll = Enroll(outlet_.public_key(), "O-140802-007");
  EXPECT_EQ(enroll.type(), "key.enroll");
  auto e = store_->FindEnrollment(outlet_.public_key());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->role, "outlet");
  EXPECT_EQ(e->county, kCounty);
  EXPECT_EQ(e->outlet_id, "O-140802-007");
  EXPECT_EQ(e->enrolled_by, county_.public_key());
  EXPECT_FALSE(e->revoked_after_seq.has_value());

  IngestOutcome after = IngestOne(*store_, r1);
  EXPECT_EQ(after.kind, IngestOutcome::Kind::kAccepted) << Describe(after);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 1u);
  EXPECT_EQ(store_->ReceivedAt(r1.id()), now_ms_);

  IngestOutcome again = IngestOne(*store_, r1);
  EXPECT_EQ(again.kind, IngestOutcome::Kind::kDuplicate) << Describe(again);
  EXPECT_EQ(store_->RecordCount(), 2u);
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

TEST_F(FeedStoreTest, EnrollmentsChangedCountsEnrollmentsAndRevocationsOnly) {
  // A server rereads who may connect only when this count moved (sync/sync_server.cc).
  const uint64_t start = store_->EnrollmentsChanged();
  Enroll(outlet_.public_key());
  EXPECT_EQ(store_->EnrollmentsChanged(), start + 1);
  ASSERT_EQ(IngestOne(*store_, Make(outlet_, 1, std::nullopt, "1")).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->EnrollmentsChanged(), start + 1);  // an ordinary record changes nothing
  Revoke(outlet_.public_key(), 1);
  EXPECT_EQ(store_->EnrollmentsChanged(), start + 2);
}

TEST_F(FeedStoreTest, CountyMayNotEnrollAnotherCountysOutlet) {
  try {
    store_->AppendOwn(county_, {{"key.enroll", EnrollBody(outlet_.public_key(), "outlet", "140821")}});
    ADD_FAILURE() << "enrolled an outlet of another county";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "not_authorized") << e.what();
    EXPECT_NE(std::string(e.what()).find("140821"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store_->Head(county_.public_key()).seq, 0u);
  EXPECT_FALSE(store_->FindEnrollment(outlet_.public_key()).has_value());
}

TEST_F(FeedStoreTest, CountyMayNotEnrollCountyOrCityKeys) {
  for (const std::string role : {"county", "city"}) {
    SCOPED_TRACE(role);
    try {
      store_->AppendOwn(county_,
                        {{"key.enroll", EnrollBody(other_outlet_.public_key(), role, std::string(kCounty), "")}});
      ADD_FAILURE() << "a county root enrolled a " << role << " key";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "not_authorized") << e.what();
    }
  }
  EXPECT_EQ(store_->Head(county_.public_key()).seq, 0u);
  EXPECT_TRUE(store_->Enrollments().empty());
}

TEST_F(FeedStoreTest, OutletMayNotEnrollOrRevoke) {
  Enroll(outlet_.public_key());
  Record enroll =
      Record::Create(outlet_, "key.enroll", 1, std::nullopt, now_ms_, EnrollBody(other_outlet_.public_key()));
  IngestOutcome o = IngestOne(*store_, enroll);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "not_authorized");
  EXPECT_FALSE(store_->FindEnrollment(other_outlet_.public_key()).has_value());

  Record revoke = Record::Create(outlet_, "key.revoke", 1, std::nullopt, now_ms_, RevokeBody(outlet_.public_key(), 0));
  o = IngestOne(*store_, revoke);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "not_authorized");
  EXPECT_FALSE(store_->FindEnrollment(outlet_.public_key())->revoked_after_seq.has_value());
}

TEST_F(FeedStoreTest, RevokingAnUnknownKeyIsRefused) {
  EXPECT_THROW(Revoke(other_outlet_.public_key(), 0), Error);
  EXPECT_EQ(store_->Head(county_.public_key()).seq, 0u);
}

// ---- signatures ----------------------------------------------------------------------------

TEST_F(FeedStoreTest, BadSignatureRejected) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 2);
  ASSERT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);

  Bytes wire = chain[1].wire();
  wire[wire.size() - 10] ^= 0x01;  // inside the signature
  Record forged = Record::Decode(wire);
  IngestOutcome o = IngestOne(*store_, forged);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "bad_signature");
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 1u);
  EXPECT_FALSE(store_->Get(forged.id()).has_value());

  // The real record is still accepted afterwards.
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);
}

TEST_F(FeedStoreTest, ForgedConflictingRecordDoesNotQuarantineTheAuthor) {
  // Anyone can make a record naming an author at a stored seq; without the author's signature
  // it must not count as fork evidence against them.
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 1);
  ASSERT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  Record other = Make(outlet_, 1, std::nullopt, "other");
  Bytes wire = other.wire();
  // Replace the signature with the stored record's signature: decodes, does not verify.
  std::copy(chain[0].signature().begin(), chain[0].signature().end(), wire.end() - 64);
  Record forged = Record::Decode(wire);
  ASSERT_NE(forged.id(), chain[0].id());
  IngestOutcome o = IngestOne(*store_, forged);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "bad_signature");
  EXPECT_TRUE(store_->Quarantined().empty());
  EXPECT_TRUE(store_->ForkEvidence().empty());
}

// ---- gaps ----------------------------------------------------------------------------------

TEST_F(FeedStoreTest, GapIsBufferedThenDrained) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 3);
  EXPECT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  IngestOutcome o = IngestOne(*store_, chain[2]);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kBuffered) << Describe(o);
  EXPECT_EQ(store_->BufferedCount(), 1u);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 1u);
  EXPECT_FALSE(store_->GetBySeq(outlet_.public_key(), 3).has_value());

  o = IngestOne(*store_, chain[1]);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << Describe(o);
  FeedHead head = store_->Head(outlet_.public_key());
  EXPECT_EQ(head.seq, 3u);
  EXPECT_EQ(head.id, chain[2].id());
  EXPECT_EQ(store_->BufferedCount(), 0u);
  auto third = store_->GetBySeq(outlet_.public_key(), 3);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->wire(), chain[2].wire());
  EXPECT_TRUE(store_->ReceivedAt(chain[2].id()).has_value());
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

TEST_F(FeedStoreTest, SeveralGapsOutOfOrder) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 7);
  // One batch, newest first: only seq 1 can be stored at once, the rest wait and then drain.
  std::vector<Record> batch = {chain[6], chain[4], chain[5], chain[0]};
  auto outcomes = store_->Ingest(batch);
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].kind, IngestOutcome::Kind::kBuffered);
  EXPECT_EQ(outcomes[1].kind, IngestOutcome::Kind::kBuffered);
  EXPECT_EQ(outcomes[2].kind, IngestOutcome::Kind::kBuffered);
  EXPECT_EQ(outcomes[3].kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 1u);
  EXPECT_EQ(store_->BufferedCount(), 3u);
  // The same buffered record again does not add to the buffer.
  EXPECT_EQ(IngestOne(*store_, chain[4]).kind, IngestOutcome::Kind::kBuffered);
  EXPECT_EQ(store_->BufferedCount(), 3u);

  EXPECT_EQ(IngestOne(*store_, chain[2]).kind, IngestOutcome::Kind::kBuffered);
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 3u);
  EXPECT_EQ(store_->BufferedCount(), 3u);  // 5, 6, 7 still wait for 4
  EXPECT_EQ(IngestOne(*store_, chain[3]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 7u);
  EXPECT_EQ(store_->Head(outlet_.public_key()).id, chain[6].id());
  EXPECT_EQ(store_->BufferedCount(), 0u);
  EXPECT_EQ(IngestOne(*store_, chain[5]).kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

TEST_F(FeedStoreTest, GapTooLargeIsRefused) {
  Close();
  FeedStore::Options options = HubOptions();
  options.max_buffered_per_author = 3;
  store_ = std::make_unique<FeedStore>(dir_.path(), options);
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 6);
  IngestOutcome o = IngestOne(*store_, chain[5]);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "gap_too_large");
  EXPECT_EQ(store_->BufferedCount(), 0u);
  EXPECT_EQ(IngestOne(*store_, chain[2]).kind, IngestOutcome::Kind::kBuffered);
}

// ---- forks ---------------------------------------------------------------------------------

TEST_F(FeedStoreTest, TwoRecordsAtOneSeqAreAFork) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 3);
  Record conflicting = Make(outlet_, 2, chain[0].id(), "conflict");
  ASSERT_NE(conflicting.id(), chain[1].id());
  EXPECT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);

  IngestOutcome o = IngestOne(*store_, conflicting);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kFork) << Describe(o);
  EXPECT_EQ(o.code, "forked");
  EXPECT_EQ(o.id, conflicting.id());

  std::set<RecordId> evidence;
  for (const Record& r : store_->ForkEvidence()) {
    EXPECT_TRUE(r.VerifySignature());
    evidence.insert(r.id());
  }
  EXPECT_EQ(evidence, (std::set<RecordId>{chain[1].id(), conflicting.id()}));
  auto quarantined = store_->Quarantined();
  ASSERT_EQ(quarantined.size(), 1u);
  EXPECT_EQ(quarantined.begin()->first, outlet_.public_key());
  EXPECT_FALSE(quarantined.begin()->second.empty());

  // The stored feed is unchanged and the author's later records are refused.
  EXPECT_EQ(store_->GetBySeq(outlet_.public_key(), 2)->id(), chain[1].id());
  o = IngestOne(*store_, chain[2]);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "forked");
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 2u);
  // Other authors are unaffected.
  Enroll(other_outlet_.public_key(), "O-2");
  EXPECT_EQ(IngestOne(*store_, Chain(other_outlet_, 1)[0]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

TEST_F(FeedStoreTest, ForkFromTwoDevicesSharingOneKey) {
  // Two node stores each append seq 1 with the same key (a cloned key file).
  TempDir a_dir, b_dir;
  FeedStore::Options node;
  node.require_enrollment = false;
  std::vector<Record> from_a, from_b;
  {
    FeedStore a(a_dir.path(), node);
    from_a = a.AppendOwn(outlet_, {{"feedback.rating", RatingBody("A-1", 5)}});
  }
  {
    FeedStore b(b_dir.path(), node);
    from_b = b.AppendOwn(outlet_, {{"feedback.rating", RatingBody("A-1", 4)}});
  }
  ASSERT_EQ(from_a.at(0).seq(), 1u);
  ASSERT_EQ(from_b.at(0).seq(), 1u);
  Enroll(outlet_.public_key());
  std::vector<Record> both = {from_a[0], from_b[0]};
  auto outcomes = store_->Ingest(both);
  EXPECT_EQ(outcomes.at(0).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(outcomes.at(1).kind, IngestOutcome::Kind::kFork) << Describe(outcomes.at(1));
  EXPECT_EQ(store_->ForkEvidence().size(), 2u);
  EXPECT_TRUE(store_->Quarantined().count(outlet_.public_key()));
}

TEST_F(FeedStoreTest, PrevMismatchIsAFork) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 2);
  EXPECT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);
  // Seq 3 chaining to seq 1 instead of seq 2: the author signed a second history.
  Record skewed = Make(outlet_, 3, chain[0].id(), "skewed");
  IngestOutcome o = IngestOne(*store_, skewed);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kFork) << Describe(o);
  EXPECT_EQ(o.code, "forked");
  std::set<RecordId> evidence;
  for (const Record& r : store_->ForkEvidence()) evidence.insert(r.id());
  EXPECT_TRUE(evidence.count(skewed.id()));
  EXPECT_TRUE(evidence.count(chain[1].id()));
  EXPECT_TRUE(store_->Quarantined().count(outlet_.public_key()));
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 2u);
  EXPECT_FALSE(store_->Get(skewed.id()).has_value());
}

TEST_F(FeedStoreTest, ForkFoundWhileDrainingAGap) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 2);
  RecordId elsewhere;
  elsewhere.fill(0x5A);
  Record stray = Make(outlet_, 3, elsewhere, "stray");
  EXPECT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(IngestOne(*store_, stray).kind, IngestOutcome::Kind::kBuffered);
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 2u);
  EXPECT_EQ(store_->BufferedCount(), 0u);
  EXPECT_TRUE(store_->Quarantined().count(outlet_.public_key()));
  std::set<RecordId> evidence;
  for (const Record& r : store_->ForkEvidence()) evidence.insert(r.id());
  EXPECT_TRUE(evidence.count(stray.id()));
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

// ---- revocation ----------------------------------------------------------------------------

TEST_F(FeedStoreTest, RevokedKeyRefusedAfterItsLimit) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 3);
  EXPECT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);
  Revoke(outlet_.public_key(), 2);
  auto e = store_->FindEnrollment(outlet_.public_key());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->revoked_after_seq, 2u);
  EXPECT_EQ(e->revoke_reason, "设备遗失");

  IngestOutcome o = IngestOne(*store_, chain[2]);
  EXPECT_EQ(o.kind, IngestOutcome::Kind::kRejected) << Describe(o);
  EXPECT_EQ(o.code, "revoked");
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 2u);
  // Records up to the limit stay, and re-sending them is a duplicate.
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kDuplicate);

  // Re-enrollment does not undo a revocation.
  Enroll(outlet_.public_key(), "O-1-new");
  EXPECT_EQ(store_->FindEnrollment(outlet_.public_key())->revoked_after_seq, 2u);
  EXPECT_EQ(IngestOne(*store_, chain[2]).code, "revoked");
  // A later revocation with a higher limit does not loosen it either.
  Revoke(outlet_.public_key(), 10);
  EXPECT_EQ(store_->FindEnrollment(outlet_.public_key())->revoked_after_seq, 2u);
  EXPECT_EQ(IngestOne(*store_, chain[2]).code, "revoked");
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

// Regression: a record buffered in a gap before its author's key was revoked was once stored
// when the gap closed, although it lies after the revocation limit (DrainGaps did not ask
// AuthorProblem). The store then holds a record its own Audit flags.
TEST_F(FeedStoreTest, RevocationAppliesToBufferedRecords) {
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 3);
  EXPECT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(IngestOne(*store_, chain[2]).kind, IngestOutcome::Kind::kBuffered);
  Revoke(outlet_.public_key(), 2);
  EXPECT_EQ(IngestOne(*store_, chain[1]).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 2u) << "seq 3 was stored after revocation at 2";
  EXPECT_FALSE(store_->GetBySeq(outlet_.public_key(), 3).has_value());
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());
}

// Regression: Options::max_buffered_per_author promises a limit on the records buffered for one
// author, but FeedStore::IngestOne (storage/feed_store.cc) only bounds the distance seq - head.
// Different records at the same seq beyond a gap each get their own gaps entry (the key
// includes the id), so one enrolled author can fill the buffer without bound.
TEST_F(FeedStoreTest, BufferLimitCountsRecordsNotJustDistance) {
  Close();
  FeedStore::Options options = HubOptions();
  options.max_buffered_per_author = 3;
  store_ = std::make_unique<FeedStore>(dir_.path(), options);
  Enroll(outlet_.public_key());
  auto chain = Chain(outlet_, 2);
  ASSERT_EQ(IngestOne(*store_, chain[0]).kind, IngestOutcome::Kind::kAccepted);
  for (int i = 0; i < 10; ++i) {
    Record variant = Make(outlet_, 3, chain[1].id(), "variant-" + std::to_string(i));
    IngestOne(*store_, variant);
  }
  EXPECT_LE(store_->BufferedCount(), 3u);
}

// Regression: a county hub could re-enroll an outlet that another county enrolled, as its own: in
// FeedStore::KeyRecordProblem (storage/feed_store.cc) a key.enroll is checked only against the
// author's role and county, never against an existing enrollment of the key, and
// ApplyKeyRecord then overwrites county and enrolled_by. The rightful county can no longer
// revoke its own outlet (its key.revoke is refused as not_authorized).
TEST(FeedStoreCityTest, AnotherCountyCannotTakeOverAnOutlet) {
  ScopedNow now(kNow);
  TempDir dir;
  SigningKey city = KeyFromByte(70), county_a = KeyFromByte(71), county_b = KeyFromByte(72), outlet = KeyFromByte(73);
  FeedStore::Options options;
  options.roots = {TrustRoot{city.public_key(), "city", ""}};
  FeedStore store(dir.path(), options);
  Json enroll_a = EnrollBody(county_a.public_key(), "county", "140802", "");
  Json enroll_b = EnrollBody(county_b.public_key(), "county", "140821", "");
  store.AppendOwn(city, {{"key.enroll", enroll_a}, {"key.enroll", enroll_b}});

  Record b_enrolls = Record::Create(county_b, "key.enroll", 1, std::nullopt, 1,
                                    EnrollBody(outlet.public_key(), "outlet", "140821", "O-B-1"));
  ASSERT_EQ(IngestOne(store, b_enrolls).kind, IngestOutcome::Kind::kAccepted);
  Record a_claims = Record::Create(county_a, "key.enroll", 1, std::nullopt, 1,
                                   EnrollBody(outlet.public_key(), "outlet", "140802", "O-A-1"));
  IngestOutcome claim = IngestOne(store, a_claims);
  EXPECT_EQ(claim.kind, IngestOutcome::Kind::kRejected) << Describe(claim);
  EXPECT_EQ(claim.code, "not_authorized");

  Record b_revokes = Record::Create(county_b, "key.revoke", 2, b_enrolls.id(), 2, RevokeBody(outlet.public_key(), 0));
  IngestOutcome revoke = IngestOne(store, b_revokes);
  EXPECT_EQ(revoke.kind, IngestOutcome::Kind::kAccepted) << Describe(revoke);
  auto e = store.FindEnrollment(outlet.public_key());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->county, "140821");
  EXPECT_EQ(e->enrolled_by, county_b.public_key());
  EXPECT_EQ(e->revoked_after_seq, 0u);
}

TEST(FeedStoreCityTest, CityEnrollsCountiesWhichEnrollTheirOutlets) {
  ScopedNow now(kNow);
  TempDir dir;
  SigningKey city = KeyFromByte(80), county = KeyFromByte(81), outlet = KeyFromByte(82);
  FeedStore::Options options;
  options.roots = {TrustRoot{city.public_key(), "city", ""}};
  FeedStore store(dir.path(), options);
  // Before the city enrolls it, the county's records are refused.
  Record enroll_outlet = Record::Create(county, "key.enroll", 1, std::nullopt, 1,
                                        EnrollBody(outlet.public_key(), "outlet", "140802", "O-1"));
  EXPECT_EQ(IngestOne(store, enroll_outlet).code, "unknown_author");
  store.AppendOwn(city, {{"key.enroll", EnrollBody(county.public_key(), "county", "140802", "")}});
  EXPECT_EQ(IngestOne(store, enroll_outlet).kind, IngestOutcome::Kind::kAccepted);
  // An enrolled county may not enroll outlets of another county, nor counties.
  Record wrong = Record::Create(county, "key.enroll", 2, enroll_outlet.id(), 2,
                                EnrollBody(KeyFromByte(83).public_key(), "outlet", "140821", "O-2"));
  EXPECT_EQ(IngestOne(store, wrong).code, "not_authorized");
  EXPECT_EQ(IngestOne(store, Chain(outlet, 1)[0]).kind, IngestOutcome::Kind::kAccepted);
  // The city may revoke any key.
  store.AppendOwn(city, {{"key.revoke", RevokeBody(outlet.public_key(), 1)}});
  EXPECT_EQ(store.FindEnrollment(outlet.public_key())->revoked_after_seq, 1u);
  EXPECT_TRUE(store.Audit().empty()) << JoinLines(store.Audit());
}

// ---- audit ---------------------------------------------------------------------------------

// Enrolls two outlets and runs every kind of activity; returns the outlet records stored.
struct Activity {
  std::vector<Record> outlet_chain;  // stored, seq 1..4
  std::vector<Record> other_chain;   // stored, seq 1..2, then revoked after 2
};

class FeedAuditTest : public FeedStoreTest {
 protected:
  Activity RunEverything() {
    Activity a;
    Enroll(outlet_.public_key(), "O-1");
    Enroll(other_outlet_.public_key(), "O-2");
    store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-1"}, {"reviewer", "王*"}}}});
    a.outlet_chain = Chain(outlet_, 4, "o");
    a.other_chain = Chain(other_outlet_, 3, "p");
    // Gap then drain, duplicate, bad signature.
    IngestOne(*store_, a.outlet_chain[0]);
    IngestOne(*store_, a.outlet_chain[2]);
    IngestOne(*store_, a.outlet_chain[3]);
    IngestOne(*store_, a.outlet_chain[1]);
    IngestOne(*store_, a.outlet_chain[1]);
    Bytes wire = a.outlet_chain[3].wire();
    wire.back() ^= 0x40;
    IngestOne(*store_, Record::Decode(wire));
    // Unknown author.
    IngestOne(*store_, Chain(KeyFromByte(40), 1)[0]);
    // Revocation: two records kept, the third refused.
    IngestOne(*store_, a.other_chain[0]);
    IngestOne(*store_, a.other_chain[1]);
    Revoke(other_outlet_.public_key(), 2);
    IngestOne(*store_, a.other_chain[2]);
    // A third outlet forks and is quarantined; a buffered record stays waiting.
    SigningKey forker = KeyFromByte(41);
    Enroll(forker.public_key(), "O-3");
    auto fork_chain = Chain(forker, 2, "f");
    IngestOne(*store_, fork_chain[0]);
    IngestOne(*store_, fork_chain[1]);
    IngestOne(*store_, Make(forker, 2, fork_chain[0].id(), "f-other"));
    SigningKey waiting = KeyFromByte(42);
    Enroll(waiting.public_key(), "O-4");
    IngestOne(*store_, Chain(waiting, 3, "w")[2]);
    a.other_chain.pop_back();
    return a;
  }
};

TEST_F(FeedAuditTest, CleanStoreAuditsClean) {
  Activity a = RunEverything();
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 4u);
  EXPECT_EQ(store_->Head(other_outlet_.public_key()).seq, 2u);
  EXPECT_EQ(store_->Quarantined().size(), 1u);
  EXPECT_EQ(store_->ForkEvidence().size(), 2u);
  EXPECT_EQ(store_->BufferedCount(), 1u);
  auto problems = store_->Audit();
  EXPECT_TRUE(problems.empty()) << JoinLines(problems);
}

TEST_F(FeedAuditTest, OverwrittenRecordBytesAreNamed) {
  Activity a = RunEverything();
  const Record& impostor = a.outlet_chain[2];
  EditRaw("feed", [&](LmdbTxn& txn, MDB_dbi db) { txn.Put(db, FeedKeyOf(outlet_.public_key(), 2), impostor.wire()); });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(outlet_.public_key()) + " seq 2")) << JoinLines(problems);
}

TEST_F(FeedAuditTest, RecordFromAnotherFeedIsNamed) {
  Activity a = RunEverything();
  EditRaw("feed",
          [&](LmdbTxn& txn, MDB_dbi db) { txn.Put(db, FeedKeyOf(outlet_.public_key(), 1), a.other_chain[0].wire()); });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(outlet_.public_key()) + " seq 1")) << JoinLines(problems);
}

TEST_F(FeedAuditTest, FlippedSignatureByteIsNamed) {
  Activity a = RunEverything();
  Bytes wire = a.outlet_chain[2].wire();
  wire[wire.size() - 1] ^= 0x01;
  EditRaw("feed", [&](LmdbTxn& txn, MDB_dbi db) { txn.Put(db, FeedKeyOf(outlet_.public_key(), 3), wire); });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(outlet_.public_key()) + " seq 3")) << JoinLines(problems);
  EXPECT_TRUE(Mentions(problems, "signature")) << JoinLines(problems);
}

TEST_F(FeedAuditTest, EveryFlippedByteIsNamed) {
  // Any single flipped byte of a stored record, wherever it lies, is reported with its place.
  Activity a = RunEverything();
  const Record& victim = a.outlet_chain[1];
  const std::string where = "feed " + KeyId(outlet_.public_key()) + " seq 2";
  for (size_t pos = 0; pos < victim.wire().size(); pos += 9) {
    SCOPED_TRACE(pos);
    Bytes wire = victim.wire();
    wire[pos] ^= 0x20;
    EditRaw("feed", [&](LmdbTxn& txn, MDB_dbi db) { txn.Put(db, FeedKeyOf(outlet_.public_key(), 2), wire); });
    auto problems = store_->Audit();
    EXPECT_TRUE(Mentions(problems, where)) << JoinLines(problems);
  }
}

TEST_F(FeedAuditTest, MissingReceiptIsNamed) {
  Activity a = RunEverything();
  EditRaw("received", [&](LmdbTxn& txn, MDB_dbi db) { ASSERT_TRUE(txn.Del(db, a.outlet_chain[3].id())); });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(outlet_.public_key()) + " seq 4")) << JoinLines(problems);
  EXPECT_TRUE(Mentions(problems, "receipt")) << JoinLines(problems);
}

TEST_F(FeedAuditTest, MissingFeedEntryAndRecordCutShortAreNamed) {
  Activity a = RunEverything();
  EditRaw("feed", [&](LmdbTxn& txn, MDB_dbi db) { ASSERT_TRUE(txn.Del(db, FeedKeyOf(outlet_.public_key(), 2))); });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(outlet_.public_key()) + " seq 2")) << JoinLines(problems);

  const Bytes& wire = a.other_chain[1].wire();
  EditRaw("feed", [&](LmdbTxn& txn, MDB_dbi db) {
    txn.Put(db, FeedKeyOf(other_outlet_.public_key(), 2), ByteView(wire).first(wire.size() / 2));
  });
  problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(other_outlet_.public_key()) + " seq 2")) << JoinLines(problems);
}

// A store of the layout before the records moved into their feeds (the bytes under the id in
// "records", the id in the feed entry, only the time in "received") is converted when it is
// opened, and reads the same; a record whose bytes no longer decode stays where it was, and the
// audit names it.
TEST_F(FeedAuditTest, AStoreOfTheEarlierLayoutIsConvertedAtOpen) {
  Activity a = RunEverything();
  const std::map<PublicKey, FeedHead> heads = store_->Heads();
  const uint64_t count = store_->RecordCount();
  const std::optional<int64_t> received = store_->ReceivedAt(a.outlet_chain[2].id());
  ASSERT_TRUE(received.has_value());
  Close();
  {
    LmdbEnv env(dir_.path());
    const MDB_dbi feed = env.OpenDb("feed"), records = env.OpenDb("records"), receipts = env.OpenDb("received");
    env.Write([&](LmdbTxn& txn) {
      std::vector<std::pair<Bytes, Record>> entries;
      LmdbCursor cursor(txn, feed);
      for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
        entries.emplace_back(Bytes(cursor.key().begin(), cursor.key().end()), Record::Decode(cursor.value()));
      }
      for (const auto& [key, record] : entries) {
        txn.Put(records, record.id(), record.wire());
        txn.Put(feed, key, record.id());
        const Bytes time(txn.Get(receipts, record.id())->begin(), txn.Get(receipts, record.id())->begin() + 8);
        txn.Put(receipts, record.id(), time);
      }
      Bytes damaged = a.other_chain[1].wire();
      damaged.resize(damaged.size() / 2);
      txn.Put(records, a.other_chain[1].id(), damaged);
    });
  }
  Open();
  const std::map<PublicKey, FeedHead> converted = store_->Heads();
  ASSERT_EQ(converted.size(), heads.size());
  for (const auto& [author, head] : heads) {
    EXPECT_EQ(converted.at(author).seq, head.seq);
    EXPECT_EQ(converted.at(author).id, head.id);
  }
  EXPECT_EQ(store_->RecordCount(), count);
  EXPECT_EQ(store_->ReceivedAt(a.outlet_chain[2].id()), received);
  ASSERT_TRUE(store_->Get(a.outlet_chain[2].id()).has_value());
  EXPECT_EQ(store_->Get(a.outlet_chain[2].id())->wire(), a.outlet_chain[2].wire());
  EXPECT_EQ(store_->GetBySeq(outlet_.public_key(), 4)->id(), a.outlet_chain[3].id());
  EXPECT_EQ(store_->IdAt(outlet_.public_key(), 1), a.outlet_chain[0].id());
  // Only the damaged record is left apart from its feed, and it is named; nothing else is.
  const std::vector<std::string> problems = store_->Audit();
  ASSERT_EQ(problems.size(), 1u) << JoinLines(problems);
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(other_outlet_.public_key()) + " seq 2")) << JoinLines(problems);
  uint64_t left = 0;
  const MDB_dbi records = store_->env().OpenDb("records");
  store_->env().Read([&](LmdbTxn& txn) {
    MDB_stat stat;
    mdb_stat(txn.raw(), records, &stat);
    left = stat.ms_entries;
  });
  EXPECT_EQ(left, 1u);
  // The store goes on as usual: a new record lands in the current layout.
  const Record next = Make(outlet_, 5, a.outlet_chain[3].id(), "o5");
  EXPECT_EQ(IngestOne(*store_, next).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(store_->Get(next.id())->wire(), next.wire());
}

TEST_F(FeedAuditTest, TamperedEnrollmentIsNamed) {
  RunEverything();
  // Drop the derived enrollment (and with it the revocation) of the revoked outlet.
  EditRaw("enrolments", [&](LmdbTxn& txn, MDB_dbi db) { ASSERT_TRUE(txn.Del(db, other_outlet_.public_key())); });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, KeyId(other_outlet_.public_key()))) << JoinLines(problems);
}

TEST_F(FeedAuditTest, HeadAboveTheFeedIsNamed) {
  RunEverything();
  FeedHead head = store_->Head(outlet_.public_key());
  EditRaw("heads", [&](LmdbTxn& txn, MDB_dbi db) {
    Bytes value(40);
    EncodeBigEndian64(value.data(), head.seq + 1);
    std::copy(head.id.begin(), head.id.end(), value.begin() + 8);
    txn.Put(db, outlet_.public_key(), value);
  });
  auto problems = store_->Audit();
  EXPECT_TRUE(Mentions(problems, "feed " + KeyId(outlet_.public_key()) + " seq 5")) << JoinLines(problems);
}

// ---- durability ----------------------------------------------------------------------------

TEST_F(FeedAuditTest, ReopeningKeepsEverything) {
  Activity a = RunEverything();
  auto heads = store_->Heads();
  uint64_t count = store_->RecordCount();
  auto quarantined = store_->Quarantined();
  size_t evidence = store_->ForkEvidence().size();
  size_t buffered = store_->BufferedCount();
  size_t enrollments = store_->Enrollments().size();
  auto received = store_->ReceivedAt(a.outlet_chain[0].id());

  Reopen();
  auto reopened_heads = store_->Heads();
  ASSERT_EQ(reopened_heads.size(), heads.size());
  for (const auto& [author, head] : heads) {
    EXPECT_EQ(reopened_heads[author].seq, head.seq);
    EXPECT_EQ(reopened_heads[author].id, head.id);
  }
  EXPECT_EQ(store_->RecordCount(), count);
  EXPECT_EQ(store_->Quarantined(), quarantined);
  EXPECT_EQ(store_->ForkEvidence().size(), evidence);
  EXPECT_EQ(store_->BufferedCount(), buffered);
  EXPECT_EQ(store_->Enrollments().size(), enrollments);
  EXPECT_EQ(store_->ReceivedAt(a.outlet_chain[0].id()), received);
  EXPECT_EQ(store_->FindEnrollment(other_outlet_.public_key())->revoked_after_seq, 2u);
  for (const Record& r : a.outlet_chain) {
    auto stored = store_->Get(r.id());
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->wire(), r.wire());
  }
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());

  // Work continues where it stopped: the own feed from its head, ingest with the same rules.
  FeedHead county_head = store_->Head(county_.public_key());
  auto next = store_->AppendOwn(county_, {{"review.accept", {{"app_id", "A-9"}, {"reviewer", "王*"}}}});
  EXPECT_EQ(next.at(0).seq(), county_head.seq + 1);
  EXPECT_EQ(next.at(0).envelope().prev, county_head.id);
  Record fifth = Make(outlet_, 5, a.outlet_chain[3].id(), "o5");
  EXPECT_EQ(IngestOne(*store_, fifth).kind, IngestOutcome::Kind::kAccepted);
  EXPECT_EQ(IngestOne(*store_, a.outlet_chain[0]).kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(IngestOne(*store_, Chain(other_outlet_, 3, "p")[2]).code, "revoked");
}

// ---- record types of later releases -----------------------------------------------------

// A hub that does not know a type still stores an enrolled author's records of it: signature,
// chain and author are checked as always, the bytes are kept unchanged, the audit is clean.
TEST_F(FeedStoreTest, RecordsOfAnUnknownTypeAreKeptWithTheirBytes) {
  Enroll(outlet_.public_key());
  std::vector<Record> chain = Chain(outlet_, 2);
  for (Record& r : test_support::ForeignChain(outlet_, 3, chain.back().id(), 1772413200000, 3)) {
    chain.push_back(std::move(r));
  }
  chain.push_back(Make(outlet_, 6, chain.back().id(), "6"));  // a known type after them
  for (const IngestOutcome& o : store_->Ingest(chain)) {
    EXPECT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << Describe(o);
  }
  EXPECT_EQ(store_->Head(outlet_.public_key()).seq, 6u);
  Reopen();
  for (const Record& r : chain) {
    std::optional<Record> stored = store_->Get(r.id());
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->wire(), r.wire());
  }
  EXPECT_EQ(store_->Get(chain[3].id())->type(), "outlet.survey");
  EXPECT_TRUE(store_->Audit().empty()) << JoinLines(store_->Audit());

  // Not a way around the usual checks: a bad signature, a stranger, a fork are refused alike.
  Bytes wire = test_support::ForeignChain(outlet_, 7, chain.back().id(), 1772413200000, 1)[0].wire();
  wire.back() ^= 1;
  EXPECT_EQ(IngestOne(*store_, Record::Decode(wire)).code, "bad_signature");
  EXPECT_EQ(IngestOne(*store_, test_support::ForeignChain(other_outlet_, 1, std::nullopt, 0, 1)[0]).code,
            "unknown_author");
  const Record other = test_support::ForeignChain(outlet_, 6, chain[4].id(), 1772413200001, 1)[0];
  EXPECT_EQ(IngestOne(*store_, other).kind, IngestOutcome::Kind::kFork);
}

// ---- a node's store ------------------------------------------------------------------------

TEST(NodeFeedStoreTest, NodeCarriesRecordsOfKeysItCannotTrace) {
  TempDir dir;
  FeedStore::Options options;
  options.require_enrollment = false;
  FeedStore store(dir.path(), options);
  SigningKey stranger = KeyFromByte(50);
  auto chain = Chain(stranger, 2);
  auto outcomes = store.Ingest(chain);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, IngestOutcome::Kind::kAccepted) << Describe(outcomes[0]);
  EXPECT_EQ(outcomes[1].kind, IngestOutcome::Kind::kAccepted) << Describe(outcomes[1]);
  EXPECT_EQ(store.Head(stranger.public_key()).seq, 2u);
  // Signatures are still checked.
  Bytes wire = Make(stranger, 3, chain[1].id(), "3").wire();
  wire.back() ^= 1;
  Record bad = Record::Decode(wire);
  EXPECT_EQ(store.Ingest(std::span<const Record>(&bad, 1)).at(0).code, "bad_signature");
  EXPECT_TRUE(store.Audit().empty()) << JoinLines(store.Audit());
}

}  // namespace
}  // namespace bangban
