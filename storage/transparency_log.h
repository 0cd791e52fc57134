// TransparencyLog: a hub's append-only, signed account of every record it stored and when.
//
// Each stored record adds one Merkle leaf (RFC 9162 shape, BLAKE2b-256; see crypto/merkle.h):
//
//   leaf = record id (32 bytes) || hub receipt time in ms since the Unix epoch (8 bytes,
//          big-endian two's complement)
//
// Leaf i is the i-th record the hub stored (0-based). Per batch the hub signs a tree head
// (size, root, time) and sends it in the ack; with an inclusion path a node then holds a
// Receipt for each of its records that anyone can check offline with only the hub's public key.
// Because the receipt time is inside the signed tree, a hub cannot later move a record's
// receipt (and so an SLA clock) without its old heads contradicting the new ones.
//
// The log lives in the hub's LMDB environment, next to the feed store, and is written in the
// same transactions as the records (through a StoreObserver), so it never disagrees with the
// records after a crash. Proofs read O(log n) entries (cached complete subtrees), so they stay
// cheap at millions of leaves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/identity.h"
#include "crypto/merkle.h"
#include "protocol/record.h"
#include "protocol/schema.h"
#include "storage/lmdb.h"

namespace bangban {

// The leaf bytes of the log entry for `id` received at `received_ms` (layout above).
Bytes LogLeafBytes(const RecordId& id, int64_t received_ms);

// A signed tree head (STH): the hub vouches that its log had `size` leaves with Merkle root
// `root` at `timestamp_ms`.
struct TreeHead {
  PublicKey hub{};
  uint64_t size = 0;
  Hash32 root{};
  int64_t timestamp_ms = 0;
  Signature signature{};

  // The canonical bytes the signature covers (Ed25519 over kTreeHeadDomain || these bytes):
  // msgpack array [1 (version), hub: bin(32), size: uint, root: bin(32), timestamp_ms: int],
  // integers in their shortest form.
  Bytes SignedBytes() const;
  static TreeHead Sign(const SigningKey& hub, uint64_t size, const Hash32& root, int64_t timestamp_ms);
  // True iff `signature` is `hub`'s over SignedBytes(). Says nothing about WHICH hub: a party
  // that expects a particular hub uses the overload.
  bool Verify() const;
  // Verify() and the head is signed by `expected_hub`.
  bool Verify(const PublicKey& expected_hub) const;

  // Storage and wire form: SignedBytes' array with the signature appended as a sixth element,
  // [1, hub, size, root, timestamp_ms, signature: bin(64)]. Decode checks shape, types, sizes,
  // the version and that nothing trails, throwing Error(ErrorCode::kMalformed, ...); it does not verify
  // the signature.
  Bytes Encode() const;
  static TreeHead Decode(ByteView bytes);

  // {"hub": hex, "size": uint, "root": hex, "timestamp_ms": int, "signature": hex}. FromJson
  // throws Error(ErrorCode::kMalformed, "tree head: <field>: <why>") for a missing or mistyped field;
  // unknown fields are ignored; the signature is not verified.
  Json ToJson() const;
  static TreeHead FromJson(const Json& json);

  bool operator==(const TreeHead&) const = default;
};

// Offline proof that record `id` was received by `head.hub` at `received_ms`: the leaf at
// `index` of the tree `head` signs, with its inclusion path.
struct Receipt {
  TreeHead head;
  uint64_t index = 0;
  RecordId id{};
  int64_t received_ms = 0;
  std::vector<Hash32> path;  // RFC 9162 audit path, deepest sibling first

  // True iff head verifies and the inclusion path leads from the leaf (id || received_ms) at
  // `index` to head.root in a tree of head.size leaves.
  bool Verify() const;
  // Verify() and the head is signed by `expected_hub`. What a node or auditor should call.
  bool Verify(const PublicKey& expected_hub) const;

  // {"head": TreeHead::ToJson, "index": uint, "id": hex, "received_ms": int, "path": [hex]}.
  // FromJson throws Error(ErrorCode::kMalformed, "receipt: <field>: <why>"); a path longer than 64
  // entries (no tree can need more) is refused.
  Json ToJson() const;
  static Receipt FromJson(const Json& json);

  bool operator==(const Receipt&) const = default;
};

// Where a record sits in the log.
struct LogEntry {
  uint64_t index = 0;
  RecordId id{};
  int64_t received_ms = 0;
};

// Where a log finds a record's leaf, when not in its own table log_index: a hub keeps the leaf
// index beside the record's receipt in its feed store's index by id (storage/receipt_log_index.h),
// so that storing a record writes one page keyed by the id instead of two (docs/performance.md).
class LogIndex {
 public:
  virtual ~LogIndex() = default;
  // The leaf index noted for `id`, or nullopt if this index holds none for it.
  virtual std::optional<uint64_t> Find(const LmdbTxn& txn, const RecordId& id) const = 0;
  // Notes `index` for `id` inside the caller's write transaction; false if this index cannot
  // hold it (the log then writes log_index).
  virtual bool Note(LmdbTxn& txn, const RecordId& id, uint64_t index) = 0;
};

// The log over an LMDB environment. Databases: "log_leaves" (index BE -> leaf bytes),
// "log_index" (record id -> index BE, for the records the LogIndex, if any, does not hold), "log_subtrees" (level (1
// byte) || index BE -> hash of that complete subtree), "log_meta" ("frontier" -> MerkleFrontier::Serialize) and
// "log_heads" (size BE -> TreeHead::Encode). Every method works inside a transaction the caller owns, so the log moves
// in step with the records; the object itself holds no state but the handles and may be shared between threads (LMDB
// serialises writers).
//
// Errors: Error(ErrorCode::kBadProofRequest, ...) for a proof asked of sizes or heads this log cannot
// answer; Error(ErrorCode::kLogCorrupt, ...) when the stored log is missing an entry it must have (the
// Audit names such damage); Error(ErrorCode::kStorage, ...) from LMDB.
class TransparencyLog {
 public:
  // Opens (creating if needed) the databases above in `env`, which must outlive the log, as must
  // `index` (the log's own log_index alone if null).
  explicit TransparencyLog(LmdbEnv& env, LogIndex* index = nullptr);

  // Appends the leaf (id || received_ms) inside the caller's write transaction; meant to be
  // called from a StoreObserver. Returns the leaf's index. Idempotent: an id already logged
  // keeps its index and its first receipt time (a later `received_ms` is ignored).
  uint64_t Append(LmdbTxn& txn, const RecordId& id, int64_t received_ms);

  // Leaves so far, and their Merkle root (from the stored frontier: O(log n), no leaf reads).
  uint64_t Size(const LmdbTxn& txn) const;
  Hash32 Root(const LmdbTxn& txn) const;

  // Where `id` sits in the log, or nullopt if it is not logged.
  std::optional<LogEntry> Find(const LmdbTxn& txn, const RecordId& id) const;
  // The leaf at `index` (< Size), or nullopt past the end: walking the log from a saved index
  // visits every stored record once, in the order this hub stored them.
  std::optional<LogEntry> EntryAt(const LmdbTxn& txn, uint64_t index) const;

  // Signs a head for the current size and root and stores it in log_heads, inside `txn` (or,
  // in the overload without one, in a write transaction of its own). There is one head per
  // size: if a head of this size is stored already, it is returned unchanged and nothing is
  // signed. The timestamp is max(now_ms, the latest head's timestamp), so head times never go
  // backwards even if the clock does.
  TreeHead SignHead(LmdbTxn& txn, const SigningKey& hub, int64_t now_ms);
  TreeHead SignHead(const SigningKey& hub, int64_t now_ms);

  // The stored head of the largest size, or of exactly `size`; nullopt if there is none.
  std::optional<TreeHead> LatestHead(const LmdbTxn& txn) const;
  std::optional<TreeHead> HeadAt(const LmdbTxn& txn, uint64_t size) const;

  // A receipt for `id` against the stored head of the smallest size that includes it. nullopt
  // if `id` is not logged or no stored head includes it yet.
  std::optional<Receipt> Prove(const LmdbTxn& txn, const RecordId& id) const;
  // A receipt for `id` against `head` (a head this log signed, e.g. the latest). nullopt if
  // `id` is not logged. Error "bad_proof_request" if head.size does not include the leaf or
  // exceeds Size(txn), or if head.root is not this log's root at head.size.
  std::optional<Receipt> Prove(const LmdbTxn& txn, const RecordId& id, const TreeHead& head) const;

  // RFC 9162 consistency proof from the tree of old_size leaves to that of new_size, for
  // VerifyMerkleConsistency with the roots of the two heads. Error "bad_proof_request" unless
  // old_size <= new_size <= Size(txn).
  std::vector<Hash32> ProveConsistency(const LmdbTxn& txn, uint64_t old_size, uint64_t new_size) const;

  // Re-derives the log from its leaves and returns one sentence per problem (empty: clean;
  // at most 100 sentences, then a count of the rest). Checks: leaves are numbered 0..n-1 and
  // are 40 bytes; log_index maps every leaf's id to its index and holds nothing else; every
  // stored subtree and the stored frontier equal what the leaves give (where a LogIndex holds
  // a leaf's record, it must map it to that leaf instead); every stored head
  // decodes, is keyed by its size, is signed by `hub`, has the root the leaves give at its
  // size, does not exceed the log, and is timestamped no earlier than the head before it.
  // Reads every leaf once; memory O(log n + heads).
  std::vector<std::string> Audit(const LmdbTxn& txn, const PublicKey& hub) const;

 private:
  friend class TransparencyLogAuditor;  // Audit's walk over the leaves (transparency_log.cc)
  class HashSource;                     // MerkleHashSource over log_leaves and log_subtrees

  MerkleFrontier LoadFrontier(const LmdbTxn& txn) const;
  std::optional<uint64_t> IndexOf(const LmdbTxn& txn, const RecordId& id) const;
  // The leaf at `index`; Error "log_corrupt" if it is missing.
  Bytes LeafAt(const LmdbTxn& txn, uint64_t index) const;

  LmdbEnv& env_;
  LogIndex* external_index_;  // may be null
  MDB_dbi leaves_, index_, subtrees_, meta_, heads_;
};

}  // namespace bangban
