// FeedStore: every author's append-only, hash-chained feed, kept in LMDB.
//
// It holds the records this party wrote (AppendOwn) and the records it received from others
// (Ingest), the head of every feed, records waiting for a gap to close, fork evidence, and the
// enrollments that say which keys may write. A record is stored only when its signature, chain
// and author check out; every other outcome says why. All writes are single LMDB transactions:
// after a call returns, its effects are durable; if the process dies before, none of them are.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "protocol/record.h"
#include "storage/lmdb.h"
#include "storage/meta_keys.h"

namespace bangban {

// Storage key of a feed entry: author || seq (big-endian), so a feed is one ordered range.
Bytes FeedKeyOf(const PublicKey& author, uint64_t seq);

struct FeedHead {
  uint64_t seq = 0;  // 0: the feed is empty
  RecordId id{};
};

// What the store knows of a key: who enrolled it, for what, and whether it was revoked.
struct Enrollment {
  PublicKey key{};
  std::string role;  // outlet | county | city
  std::string name;
  std::string county;
  std::string outlet_id;
  PublicKey enrolled_by{};
  std::optional<uint64_t> revoked_after_seq;  // records after this seq are refused
  std::string revoke_reason;
};

// A key trusted without an enrollment record: the store owner's own hub key and the city root.
struct TrustRoot {
  PublicKey key{};
  std::string role;    // county | city
  std::string county;  // the county a county root may enroll outlets in
};

struct IngestOutcome {
  enum class Kind { kAccepted, kDuplicate, kBuffered, kFork, kRejected };
  Kind kind = Kind::kRejected;
  std::string code;     // for kRejected / kFork: "bad_signature", "unknown_author", ...
  std::string message;  // a sentence for a person
  RecordId id{};
  PublicKey author{};
  uint64_t seq = 0;
};

std::string_view OutcomeName(IngestOutcome::Kind kind);

// Called inside the write transaction that stores a record (own or foreign), with the time the
// store received it. Projections and the transparency log use it to stay in step with the
// feeds: if the transaction aborts, their updates abort with it. An observer may be run more
// than once for a record when a transaction is retried, so it must only write through `txn`.
using StoreObserver = std::function<void(LmdbTxn& txn, const Record& record, int64_t received_ms)>;

class FeedStore {
 public:
  struct Options {
    std::vector<TrustRoot> roots;
    // A hub refuses records from keys it cannot trace to a root; a node carries them (it
    // cannot always know every enrollment) and leaves that judgement to the hub.
    bool require_enrollment = true;
    // Most records buffered for one author while a gap is open (also: how far ahead of the
    // head a record may be).
    size_t max_buffered_per_author = 100'000;
    LmdbEnv::Options lmdb;
  };

  FeedStore(const std::filesystem::path& dir, Options options);

  // Signs and appends records to `author`'s own feed in one transaction: seq = head + 1, prev =
  // head id, ts = NowMs(). Validation errors throw before anything is written. While the meta
  // flag kBehindFlag is set (upstream holds more of this party's feed than this store: a
  // restored backup or a replaced machine), appending would fork the feed: Error(ErrorCode::kBehind).
  // `before_commit` runs last inside the transaction (e.g. a cursor saved with PutMeta(txn, ...)
  // is durable exactly when the records are), also when `entries` is empty.
  std::vector<Record> AppendOwn(const SigningKey& author, const std::vector<std::pair<std::string, Json>>& entries,
                                const std::function<void(LmdbTxn&)>& before_commit = {});

  // Ingests decoded records from others in one transaction, in order. Signatures are checked
  // here unless `signatures_checked` says the caller already did it (in parallel).
  // `before_commit` runs last inside the transaction (a hub signs its tree head there, so the
  // head is durable together with the records it covers).
  std::vector<IngestOutcome> Ingest(std::span<const Record> records, bool signatures_checked = false,
                                    const std::function<void(LmdbTxn&)>& before_commit = {});

  // Small named values of the owner (sync cursors, flags; their names are in storage/meta_keys.h),
  // durable like everything else.
  std::optional<Bytes> GetMeta(std::string_view name) const;
  void PutMeta(std::string_view name, ByteView value);
  // The same inside a write transaction of this store (e.g. an Ingest's before_commit), so the
  // value costs no commit of its own.
  void PutMeta(LmdbTxn& txn, std::string_view name, ByteView value);
  void DeleteMeta(std::string_view name);

  FeedHead Head(const PublicKey& author) const;
  // The heads of `authors`, in their order, read in one snapshot.
  std::vector<FeedHead> HeadsOf(std::span<const PublicKey> authors) const;
  std::map<PublicKey, FeedHead> Heads() const;
  std::optional<Record> Get(const RecordId& id) const;
  std::optional<Record> GetBySeq(const PublicKey& author, uint64_t seq) const;
  // The id of `author`'s record at `seq`, without reading the record.
  std::optional<RecordId> IdAt(const PublicKey& author, uint64_t seq) const;
  // A stored record whose bytes no longer decode (a damaged disk or file): where it is and why.
  // Scans hand these to `on_damaged` and go on with the next record; with no `on_damaged` they
  // throw Error(ErrorCode::kCorruptRecord) naming the feed and seq.
  struct DamagedRecord {
    PublicKey author{};
    uint64_t seq = 0;
    std::string problem;
  };
  using DamageVisitor = std::function<void(const DamagedRecord&)>;

  // Visits records of `author` with seq in [from, to] in order; stops when `visit` returns false.
  void ScanFeed(const PublicKey& author, uint64_t from, uint64_t to, const std::function<bool(const Record&)>& visit,
                const DamageVisitor& on_damaged = {}) const;
  // Like ScanFeed, but hands over the stored wire bytes without decoding them (for sending on:
  // the receiver decodes and verifies anyway). `visit` gets (seq, wire).
  void ScanFeedWire(const PublicKey& author, uint64_t from, uint64_t to,
                    const std::function<bool(uint64_t, ByteView)>& visit) const;
  // Visits every stored record feed by feed, in seq order.
  void ScanAll(const std::function<bool(const Record&)>& visit, const DamageVisitor& on_damaged = {}) const;
  // Hub receipt time (ms) of a stored record, written when it was first stored here: the
  // store's clock, held at the latest receipt time before it (never earlier).
  std::optional<int64_t> ReceivedAt(const RecordId& id) const;
  // The transparency log's leaf index noted in `id`'s receipt entry (a hub's log keeps its index
  // there: storage/receipt_log_index.h), or nullopt if none is.
  std::optional<uint64_t> LogIndexOf(const LmdbTxn& txn, const RecordId& id) const;
  // Notes it, inside a write transaction; false if `id` has no receipt entry of the current
  // layout (docs/architecture.md, Store tables) to hold it.
  bool NoteLogIndex(LmdbTxn& txn, const RecordId& id, uint64_t index);

  std::optional<Enrollment> FindEnrollment(const PublicKey& key) const;
  std::vector<Enrollment> Enrollments() const;
  // How many times the enrollments were written (an enrollment or a revocation stored): a
  // reader that saw the same count before has seen them all.
  uint64_t EnrollmentsChanged() const;
  // Quarantined authors and why (a fork was seen).
  std::map<PublicKey, std::string> Quarantined() const;
  // Fork evidence: every conflicting record kept, by author.
  std::vector<Record> ForkEvidence() const;
  size_t BufferedCount() const;
  uint64_t RecordCount() const;

  // Re-verifies everything: every record decodes, its signature holds, ids match keys, every
  // feed chains from seq 1 to its head, every author is enrolled (or a root) and within its
  // revocation limit. Returns one sentence per problem; empty means clean.
  std::vector<std::string> Audit() const;

  const std::vector<TrustRoot>& roots() const { return options_.roots; }
  bool IsRoot(const PublicKey& key) const { return FindRoot(key) != nullptr; }

  // Registers an observer; call before any write. Observers run in registration order.
  void AddObserver(StoreObserver observer) { observers_.push_back(std::move(observer)); }

  LmdbEnv& env() { return env_; }
  const LmdbEnv& env() const { return env_; }

 private:
  // The record of `author` at `seq`, whose feed entry is `feed_value`, decoded; nullopt after
  // telling `on_damaged` (or Error(ErrorCode::kCorruptRecord) without one) when its bytes are
  // missing or damaged.
  std::optional<Record> DecodeStored(LmdbTxn& txn, const PublicKey& author, uint64_t seq, ByteView feed_value,
                                     const DamageVisitor& on_damaged) const;
  // The wire bytes a feed entry stands for: the entry itself, or in the layout before the
  // records moved into the feeds (an id) the bytes in `records_`.
  std::optional<ByteView> WireOf(const LmdbTxn& txn, ByteView feed_value) const;
  // The id of the record a feed entry stands for (decoding the record in the current layout).
  RecordId IdOf(const LmdbTxn& txn, ByteView feed_value) const;
  // Moves the records of the earlier layout into their feeds (docs/architecture.md, Store tables), in batches.
  void MoveRecordsIntoFeeds();
  IngestOutcome IngestOne(LmdbTxn& txn, const Record& record, int64_t now);
  void Store(LmdbTxn& txn, const Record& record, int64_t now);
  // The receipt time of what is stored now: `now`, but never before the latest receipt time
  // already stored, so receipt times (and the transparency log's leaves) never go backwards
  // when the clock is stepped back (NTP); the store goes on, holding the time until the clock
  // catches up.
  int64_t ReceiptTime(const LmdbTxn& txn, int64_t now) const;
  void DrainGaps(LmdbTxn& txn, const PublicKey& author, int64_t now);
  IngestOutcome RecordFork(LmdbTxn& txn, const Record& record, const Record& other);
  // Why `author` may not write a record at `seq`, or "" if it may.
  std::string AuthorProblem(const LmdbTxn& txn, const PublicKey& author, uint64_t seq, ErrorCode* code) const;
  // Why the author of a key.enroll / key.revoke may not make it, or "" if it may.
  std::string KeyRecordProblem(const LmdbTxn& txn, const Record& record) const;
  void ApplyKeyRecord(LmdbTxn& txn, const Record& record);
  void NoteEnrollmentsChanged(LmdbTxn& txn);  // after every write to the enrollments
  uint64_t GapCount(const LmdbTxn& txn, const PublicKey& author) const;
  uint64_t EntryCount(MDB_dbi db) const;
  void AddGapCount(LmdbTxn& txn, const PublicKey& author, int delta);
  std::optional<Record> GetBySeqIn(const LmdbTxn& txn, const PublicKey& author, uint64_t seq) const;
  const TrustRoot* FindRoot(const PublicKey& key) const;

  Options options_;
  LmdbEnv env_;
  std::vector<StoreObserver> observers_;
  // feed_: author || seq -> record wire bytes; received_: id -> receipt ms || author || seq;
  // records_: id -> wire bytes, only in stores of the earlier layout until they are converted.
  MDB_dbi records_, feed_, heads_, gaps_, forks_, quarantine_, enrollments_, received_, gap_counts_, meta_;
};

}  // namespace bangban
