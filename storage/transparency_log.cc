#include "storage/transparency_log.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <map>
#include <memory>

#include "crypto/coding.h"
#include "protocol/codec.h"

namespace bangban {

namespace {

constexpr uint64_t kTreeHeadVersion = 1;
constexpr size_t kLeafSize = sizeof(RecordId) + 8;
// A tree of 2^64 leaves has paths of 64 entries; no receipt can need more.
constexpr size_t kMaxPathLength = 64;
constexpr size_t kMaxProblems = 100;
constexpr std::string_view kFrontierKey = "frontier";
// Set once a LogIndex holds leaves: a log opened without one would not find them, so it refuses
// to look instead of answering "not logged".
constexpr std::string_view kIndexElsewhereKey = "index_elsewhere";

// ---- storage keys -------------------------------------------------------------------------

Bytes BigEndianKey(uint64_t value) {
  Bytes key;
  PutBigEndian64(key, value);
  return key;
}

Bytes SubtreeKey(unsigned level, uint64_t index) {
  Bytes key{static_cast<uint8_t>(level)};
  PutBigEndian64(key, index);
  return key;
}

template <size_t N>
std::array<uint8_t, N> ToArray(ByteView bytes) {
  assert(bytes.size() == N);
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), bytes.data(), N);
  return out;
}

Json Binary(ByteView bytes) { return Json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end())); }

// The value of the last key of `db`, or nullopt if it is empty. (LmdbCursor walks forwards only.)
std::optional<ByteView> LastValue(const LmdbTxn& txn, MDB_dbi db) {
  MDB_cursor* raw = nullptr;
  int rc = mdb_cursor_open(txn.raw(), db, &raw);
  if (rc != 0) ThrowLmdb("cursor_open", rc);
  std::unique_ptr<MDB_cursor, decltype(&mdb_cursor_close)> cursor(raw, &mdb_cursor_close);
  MDB_val key{}, value{};
  rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_LAST);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) ThrowLmdb("cursor_get", rc);
  return ByteView(static_cast<const uint8_t*>(value.mv_data), value.mv_size);
}

LogEntry ParseLeaf(uint64_t index, ByteView leaf) {
  if (leaf.size() != kLeafSize) {
    throw Error(ErrorCode::kLogCorrupt, "transparency log leaf " + std::to_string(index) + " is " +
                                            std::to_string(leaf.size()) + " bytes, not 40");
  }
  const auto when = static_cast<int64_t>(DecodeBigEndian64(leaf.data() + sizeof(RecordId)));
  return {index, ToArray<32>(leaf.first(sizeof(RecordId))), when};
}

// ---- reading untrusted values (decoded msgpack or JSON) -----------------------------------

[[noreturn]] void Malformed(std::string_view what, std::string_view field, std::string_view why) {
  throw Error(ErrorCode::kMalformed, std::string(what) + ": " + std::string(field) + ": " + std::string(why));
}

const Json& Member(const Json& object, std::string_view what, const char* field) {
  if (!object.is_object()) Malformed(what, "document", "must be a JSON object");
  auto it = object.find(field);
  if (it == object.end()) Malformed(what, field, "is missing");
  return *it;
}

uint64_t ReadUint(const Json& value, std::string_view what, std::string_view field) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(value.get<int64_t>());
  }
  Malformed(what, field, "must be a non-negative integer");
}

int64_t ReadInt(const Json& value, std::string_view what, std::string_view field) {
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      Malformed(what, field, "is out of range");
    }
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  Malformed(what, field, "must be an integer");
}

template <size_t N>
std::array<uint8_t, N> ReadBin(const Json& value, std::string_view what, std::string_view field) {
  if (!value.is_binary() || value.get_binary().size() != N) {
    Malformed(what, field, "must be " + std::to_string(N) + " bytes of binary");
  }
  const std::vector<uint8_t>& bytes = value.get_binary();
  return ToArray<N>(bytes);
}

template <size_t N>
std::array<uint8_t, N> ReadHex(const Json& value, std::string_view what, std::string_view field) {
  std::optional<std::array<uint8_t, N>> bytes;
  if (value.is_string()) bytes = FromHexFixed<N>(value.get_ref<const std::string&>());
  if (!bytes) Malformed(what, field, "must be " + std::to_string(2 * N) + " hex digits");
  return *bytes;
}

// SignedBytes' array; Encode appends the signature.
Json SignedArray(const TreeHead& head) {
  return Json::array({kTreeHeadVersion, Binary(head.hub), head.size, Binary(head.root), head.timestamp_ms});
}

}  // namespace

Bytes LogLeafBytes(const RecordId& id, int64_t received_ms) {
  Bytes leaf;
  leaf.reserve(kLeafSize);
  PutRaw(leaf, id);
  PutBigEndian64(leaf, static_cast<uint64_t>(received_ms));
  return leaf;
}

// ---- TreeHead -----------------------------------------------------------------------------

Bytes TreeHead::SignedBytes() const { return EncodeJson(SignedArray(*this)); }

TreeHead TreeHead::Sign(const SigningKey& hub, uint64_t size, const Hash32& root, int64_t timestamp_ms) {
  TreeHead head{hub.public_key(), size, root, timestamp_ms, {}};
  head.signature = hub.Sign(kTreeHeadDomain, head.SignedBytes());
  return head;
}

bool TreeHead::Verify() const { return ::bangban::Verify(hub, kTreeHeadDomain, SignedBytes(), signature); }

bool TreeHead::Verify(const PublicKey& expected_hub) const { return hub == expected_hub && Verify(); }

Bytes TreeHead::Encode() const {
  Json array = SignedArray(*this);
  array.push_back(Binary(signature));
  return EncodeJson(array);
}

TreeHead TreeHead::Decode(ByteView bytes) {
  constexpr std::string_view what = "tree head";
  const msgpack::object_handle handle = UnpackExactly(bytes, what);
  const Json array = ObjectToJson(handle.get(), std::string(what));
  if (!array.is_array() || array.size() != 6) Malformed(what, "value", "must be an array of 6 items");
  if (ReadUint(array[0], what, "version") != kTreeHeadVersion) {
    Malformed(what, "version", "unknown version (this build reads version 1)");
  }
  TreeHead head;
  head.hub = ReadBin<32>(array[1], what, "hub");
  head.size = ReadUint(array[2], what, "size");
  head.root = ReadBin<32>(array[3], what, "root");
  head.timestamp_ms = ReadInt(array[4], what, "timestamp_ms");
  head.signature = ReadBin<64>(array[5], what, "signature");
  return head;
}

Json TreeHead::ToJson() const {
  return {{"hub", ToHex(hub)},
          {"size", size},
          {"root", ToHex(root)},
          {"timestamp_ms", timestamp_ms},
          {"signature", ToHex(signature)}};
}

TreeHead TreeHead::FromJson(const Json& json) {
  constexpr std::string_view what = "tree head";
  TreeHead head;
  head.hub = ReadHex<32>(Member(json, what, "hub"), what, "hub");
  head.size = ReadUint(Member(json, what, "size"), what, "size");
  head.root = ReadHex<32>(Member(json, what, "root"), what, "root");
  head.timestamp_ms = ReadInt(Member(json, what, "timestamp_ms"), what, "timestamp_ms");
  head.signature = ReadHex<64>(Member(json, what, "signature"), what, "signature");
  return head;
}

// ---- Receipt ------------------------------------------------------------------------------

bool Receipt::Verify() const {
  // The hashing is cheap, the signature is not: check the path first.
  const Hash32 leaf_hash = MerkleLeafHash(LogLeafBytes(id, received_ms));
  return VerifyMerkleInclusion(leaf_hash, index, head.size, path, head.root) && head.Verify();
}

bool Receipt::Verify(const PublicKey& expected_hub) const { return head.hub == expected_hub && Verify(); }

Json Receipt::ToJson() const {
  Json hashes = Json::array();
  for (const Hash32& hash : path) hashes.push_back(ToHex(hash));
  return {{"head", head.ToJson()},
          {"index", index},
          {"id", ToHex(id)},
          {"received_ms", received_ms},
          {"path", std::move(hashes)}};
}

Receipt Receipt::FromJson(const Json& json) {
  constexpr std::string_view what = "receipt";
  Receipt receipt;
  receipt.head = TreeHead::FromJson(Member(json, what, "head"));
  receipt.index = ReadUint(Member(json, what, "index"), what, "index");
  receipt.id = ReadHex<32>(Member(json, what, "id"), what, "id");
  receipt.received_ms = ReadInt(Member(json, what, "received_ms"), what, "received_ms");
  const Json& path = Member(json, what, "path");
  if (!path.is_array()) Malformed(what, "path", "must be an array");
  if (path.size() > kMaxPathLength) Malformed(what, "path", "has more than 64 entries");
  for (size_t i = 0; i < path.size(); ++i) {
    receipt.path.push_back(ReadHex<32>(path[i], what, "path[" + std::to_string(i) + "]"));
  }
  return receipt;
}

// ---- TransparencyLog: reading -------------------------------------------------------------

// Leaf hashes from log_leaves, complete subtrees from log_subtrees: every complete subtree was
// stored when its last leaf was appended, so a proof reads O(log n) entries.
class TransparencyLog::HashSource : public MerkleHashSource {
 public:
  HashSource(const TransparencyLog& log, const LmdbTxn& txn) : log_(log), txn_(txn) {}

  Hash32 LeafHash(uint64_t index) const override { return MerkleLeafHash(log_.LeafAt(txn_, index)); }

  std::optional<Hash32> SubtreeHash(unsigned level, uint64_t index) const override {
    auto value = txn_.Get(log_.subtrees_, SubtreeKey(level, index));
    if (!value || value->size() != sizeof(Hash32)) return std::nullopt;  // recomputed instead
    return ToArray<32>(*value);
  }

 private:
  const TransparencyLog& log_;
  const LmdbTxn& txn_;
};

TransparencyLog::TransparencyLog(LmdbEnv& env, LogIndex* index)
    : env_(env),
      external_index_(index),
      leaves_(env.OpenDb("log_leaves")),
      index_(env.OpenDb("log_index")),
      subtrees_(env.OpenDb("log_subtrees")),
      meta_(env.OpenDb("log_meta")),
      heads_(env.OpenDb("log_heads")) {}

MerkleFrontier TransparencyLog::LoadFrontier(const LmdbTxn& txn) const {
  auto value = txn.Get(meta_, AsBytes(kFrontierKey));
  return value ? MerkleFrontier::Deserialize(*value) : MerkleFrontier{};
}

std::optional<uint64_t> TransparencyLog::IndexOf(const LmdbTxn& txn, const RecordId& id) const {
  if (external_index_ != nullptr) {
    if (auto index = external_index_->Find(txn, id)) return index;
  } else if (txn.Get(meta_, AsBytes(kIndexElsewhereKey))) {
    throw Error(ErrorCode::kInternal,
                "this log keeps its index by record id in the feed store's receipts: open it with a ReceiptLogIndex "
                "(storage/receipt_log_index.h)");
  }
  auto value = txn.Get(index_, id);
  if (!value) return std::nullopt;
  if (value->size() != 8) {
    throw Error(ErrorCode::kLogCorrupt, "log_index entry of record " + ToHex(id) + " is not 8 bytes");
  }
  return DecodeBigEndian64(value->data());
}

Bytes TransparencyLog::LeafAt(const LmdbTxn& txn, uint64_t index) const {
  auto value = txn.Get(leaves_, BigEndianKey(index));
  if (!value) {
    throw Error(ErrorCode::kLogCorrupt, "the transparency log has no leaf " + std::to_string(index));
  }
  return Bytes(value->begin(), value->end());
}

uint64_t TransparencyLog::Size(const LmdbTxn& txn) const { return LoadFrontier(txn).size(); }

Hash32 TransparencyLog::Root(const LmdbTxn& txn) const { return LoadFrontier(txn).Root(); }

std::optional<LogEntry> TransparencyLog::Find(const LmdbTxn& txn, const RecordId& id) const {
  auto index = IndexOf(txn, id);
  if (!index) return std::nullopt;
  return ParseLeaf(*index, LeafAt(txn, *index));
}

std::optional<LogEntry> TransparencyLog::EntryAt(const LmdbTxn& txn, uint64_t index) const {
  auto value = txn.Get(leaves_, BigEndianKey(index));
  if (!value) return std::nullopt;
  return ParseLeaf(index, Bytes(value->begin(), value->end()));
}

std::optional<TreeHead> TransparencyLog::LatestHead(const LmdbTxn& txn) const {
  auto value = LastValue(txn, heads_);
  if (!value) return std::nullopt;
  return TreeHead::Decode(*value);
}

std::optional<TreeHead> TransparencyLog::HeadAt(const LmdbTxn& txn, uint64_t size) const {
  auto value = txn.Get(heads_, BigEndianKey(size));
  if (!value) return std::nullopt;
  return TreeHead::Decode(*value);
}

// ---- TransparencyLog: writing -------------------------------------------------------------

uint64_t TransparencyLog::Append(LmdbTxn& txn, const RecordId& id, int64_t received_ms) {
  if (auto existing = IndexOf(txn, id)) return *existing;
  MerkleFrontier frontier = LoadFrontier(txn);
  const uint64_t index = frontier.size();
  const Bytes key = BigEndianKey(index);
  const Bytes leaf = LogLeafBytes(id, received_ms);
  if (!txn.PutIfAbsent(leaves_, key, leaf)) {
    throw Error(ErrorCode::kLogCorrupt,
                "log_leaves already holds leaf " + std::to_string(index) + ", beyond the frontier; run the audit");
  }
  if (external_index_ != nullptr && external_index_->Note(txn, id, index)) {
    if (!txn.Get(meta_, AsBytes(kIndexElsewhereKey))) txn.Put(meta_, AsBytes(kIndexElsewhereKey), AsBytes("1"));
  } else {
    txn.Put(index_, id, key);
  }
  for (const auto& closed : frontier.Append(MerkleLeafHash(leaf))) {
    txn.Put(subtrees_, SubtreeKey(closed.level, closed.index), closed.hash);
  }
  txn.Put(meta_, AsBytes(kFrontierKey), frontier.Serialize());
  return index;
}

TreeHead TransparencyLog::SignHead(LmdbTxn& txn, const SigningKey& hub, int64_t now_ms) {
  const MerkleFrontier frontier = LoadFrontier(txn);
  if (auto existing = HeadAt(txn, frontier.size())) return *existing;
  int64_t timestamp_ms = now_ms;
  if (auto latest = LatestHead(txn)) timestamp_ms = std::max(timestamp_ms, latest->timestamp_ms);
  TreeHead head = TreeHead::Sign(hub, frontier.size(), frontier.Root(), timestamp_ms);
  txn.Put(heads_, BigEndianKey(head.size), head.Encode());
  return head;
}

TreeHead TransparencyLog::SignHead(const SigningKey& hub, int64_t now_ms) {
  TreeHead head;
  env_.Write([&](LmdbTxn& txn) { head = SignHead(txn, hub, now_ms); });
  return head;
}

// ---- TransparencyLog: proofs --------------------------------------------------------------

std::optional<Receipt> TransparencyLog::Prove(const LmdbTxn& txn, const RecordId& id) const {
  auto index = IndexOf(txn, id);
  if (!index) return std::nullopt;
  LmdbCursor cursor(txn, heads_);
  if (!cursor.Seek(BigEndianKey(*index + 1))) return std::nullopt;  // no head covers it yet
  return Prove(txn, id, TreeHead::Decode(cursor.value()));
}

std::optional<Receipt> TransparencyLog::Prove(const LmdbTxn& txn, const RecordId& id, const TreeHead& head) const {
  auto entry = Find(txn, id);
  if (!entry) return std::nullopt;
  const uint64_t size = Size(txn);
  if (head.size <= entry->index || head.size > size) {
    throw Error(ErrorCode::kBadProofRequest, "a tree head of size " + std::to_string(head.size) +
                                                 " cannot prove leaf " + std::to_string(entry->index) +
                                                 " of a log of " + std::to_string(size) + " leaves");
  }
  const HashSource source(*this, txn);
  if (MerkleRoot(head.size, source) != head.root) {
    throw Error(ErrorCode::kBadProofRequest,
                "the tree head's root is not this log's root at size " + std::to_string(head.size));
  }
  return Receipt{head, entry->index, id, entry->received_ms, MerkleInclusionProof(entry->index, head.size, source)};
}

std::vector<Hash32> TransparencyLog::ProveConsistency(const LmdbTxn& txn, uint64_t old_size, uint64_t new_size) const {
  const uint64_t size = Size(txn);
  if (old_size > new_size || new_size > size) {
    throw Error(ErrorCode::kBadProofRequest, "no consistency proof from size " + std::to_string(old_size) + " to " +
                                                 std::to_string(new_size) + " in a log of " + std::to_string(size) +
                                                 " leaves");
  }
  return MerkleConsistencyProof(old_size, new_size, HashSource(*this, txn));
}

// ---- TransparencyLog: audit ---------------------------------------------------------------

// One pass over the stored heads, then one over the leaves in order, rebuilding the frontier
// from the leaf bytes alone and comparing everything stored against it as it goes.
class TransparencyLogAuditor {
 public:
  TransparencyLogAuditor(const TransparencyLog& log, const LmdbTxn& txn, const PublicKey& hub)
      : log_(log), txn_(txn), hub_(hub) {}

  std::vector<std::string> Run() && {
    ReadHeads();
    WalkLeaves();
    CheckIndexEntries();
    CheckFrontier();
    if (omitted_ > 0) {
      problems_.push_back("... and " + std::to_string(omitted_) + " more transparency log problems");
    }
    return std::move(problems_);
  }

 private:
  void Add(std::string problem) {
    if (problems_.size() < kMaxProblems) {
      problems_.push_back(std::move(problem));
    } else {
      ++omitted_;
    }
  }

  static std::string KeyText(ByteView key) {
    return key.size() == 8 ? std::to_string(DecodeBigEndian64(key.data())) : "0x" + ToHex(key);
  }

  void ReadHeads() {
    LmdbCursor cursor(txn_, log_.heads_);
    for (bool more = cursor.First(); more; more = cursor.Next()) {
      const std::string where = "tree head stored at size " + KeyText(cursor.key());
      try {
        CheckHead(where, cursor.key(), TreeHead::Decode(cursor.value()));
      } catch (const Error& e) {
        Add(where + " does not decode: " + e.what());
      }
    }
    next_head_ = heads_.begin();
  }

  void CheckHead(const std::string& where, ByteView key, const TreeHead& head) {
    if (key.size() != 8 || DecodeBigEndian64(key.data()) != head.size) {
      Add(where + " claims size " + std::to_string(head.size));
    }
    if (head.hub != hub_) {
      Add(where + " is signed by key " + KeyId(head.hub) + ", not by this hub's " + KeyId(hub_));
    } else if (!head.Verify()) {
      Add(where + " has a signature that does not verify");
    }
    if (last_timestamp_ms_ && head.timestamp_ms < *last_timestamp_ms_) {
      Add(where + " is timestamped " + std::to_string(head.timestamp_ms) + ", earlier than the head before it (" +
          std::to_string(*last_timestamp_ms_) + ")");
    }
    last_timestamp_ms_ = head.timestamp_ms;
    heads_.emplace(head.size, head.root);
  }

  void WalkLeaves() {
    CheckHeadRoots();  // heads of the empty tree
    LmdbCursor cursor(txn_, log_.leaves_);
    for (bool more = cursor.First(); more; more = cursor.Next()) {
      const uint64_t index = frontier_.size();
      if (cursor.key().size() != 8 || DecodeBigEndian64(cursor.key().data()) != index) {
        Add("log_leaves holds key " + KeyText(cursor.key()) + " where leaf " + std::to_string(index) +
            " belongs; the leaves from there on are not checked");
        break;
      }
      CheckLeafIndex(index, cursor.value());
      CheckSubtrees(frontier_.Append(MerkleLeafHash(cursor.value())));
      CheckHeadRoots();
    }
    for (; next_head_ != heads_.end(); ++next_head_) {
      Add("tree head at size " + std::to_string(next_head_->first) + " is beyond the " +
          std::to_string(frontier_.size()) + " leaves the log holds in order");
    }
  }

  void CheckHeadRoots() {
    for (; next_head_ != heads_.end() && next_head_->first == frontier_.size(); ++next_head_) {
      const Hash32 root = frontier_.Root();
      if (next_head_->second != root) {
        Add("tree head at size " + std::to_string(next_head_->first) + " has root " + ToHex(next_head_->second) +
            " but the leaves give root " + ToHex(root));
      }
    }
  }

  void CheckLeafIndex(uint64_t index, ByteView leaf) {
    const std::string where = "log leaf " + std::to_string(index);
    if (leaf.size() != kLeafSize) {
      Add(where + " is " + std::to_string(leaf.size()) + " bytes, not 40");
      return;
    }
    const ByteView id = leaf.first(sizeof(RecordId));
    if (log_.external_index_ != nullptr) {
      RecordId record{};
      std::copy(id.begin(), id.end(), record.begin());
      if (auto noted = log_.external_index_->Find(txn_, record)) {
        if (*noted != index) {
          Add(where + ": the store's index maps its record " + ToHex(id) + " to leaf " + std::to_string(*noted));
        }
        return;
      }
    }
    auto value = txn_.Get(log_.index_, id);
    if (!value) {
      Add(where + ": its record " + ToHex(id) + " is missing from log_index");
    } else if (value->size() != 8 || DecodeBigEndian64(value->data()) != index) {
      Add(where + ": log_index maps its record " + ToHex(id) + " to " + KeyText(*value));
    }
  }

  void CheckSubtrees(const std::vector<MerkleFrontier::ClosedSubtree>& closed) {
    for (const auto& subtree : closed) {
      auto value = txn_.Get(log_.subtrees_, SubtreeKey(subtree.level, subtree.index));
      const std::string where =
          "stored subtree (level " + std::to_string(subtree.level) + ", index " + std::to_string(subtree.index) + ")";
      if (!value) {
        Add(where + " is missing from log_subtrees");
      } else if (!std::equal(value->begin(), value->end(), subtree.hash.begin(), subtree.hash.end())) {
        Add(where + " does not match the leaves under it");
      }
    }
  }

  void CheckIndexEntries() {
    LmdbCursor cursor(txn_, log_.index_);
    for (bool more = cursor.First(); more; more = cursor.Next()) {
      const std::string where = "log_index entry of record " + ToHex(cursor.key());
      if (cursor.value().size() != 8) {
        Add(where + " is not an 8-byte index");
        continue;
      }
      const uint64_t index = DecodeBigEndian64(cursor.value().data());
      if (index >= frontier_.size()) {
        Add(where + " points to leaf " + std::to_string(index) + ", beyond the log's " +
            std::to_string(frontier_.size()) + " leaves");
      } else if (!LeafHoldsId(index, cursor.key())) {
        Add(where + " points to leaf " + std::to_string(index) + ", which holds another record");
      }
    }
  }

  bool LeafHoldsId(uint64_t index, ByteView id) const {
    auto leaf = txn_.Get(log_.leaves_, BigEndianKey(index));
    return leaf && leaf->size() == kLeafSize && HasPrefix(*leaf, id) && id.size() == sizeof(RecordId);
  }

  void CheckFrontier() {
    try {
      const MerkleFrontier stored = log_.LoadFrontier(txn_);
      if (stored.size() != frontier_.size() || stored.Root() != frontier_.Root()) {
        Add("the stored frontier (size " + std::to_string(stored.size()) + ", root " + ToHex(stored.Root()) +
            ") disagrees with the leaves (size " + std::to_string(frontier_.size()) + ", root " +
            ToHex(frontier_.Root()) + ")");
      }
    } catch (const Error& e) {
      Add(std::string("the stored frontier does not decode: ") + e.what());
    }
  }

  const TransparencyLog& log_;
  const LmdbTxn& txn_;
  const PublicKey& hub_;
  std::vector<std::string> problems_;
  size_t omitted_ = 0;
  std::map<uint64_t, Hash32> heads_;  // size -> root, of the heads that decoded
  std::map<uint64_t, Hash32>::const_iterator next_head_;
  std::optional<int64_t> last_timestamp_ms_;
  MerkleFrontier frontier_;  // rebuilt from the leaves
};

std::vector<std::string> TransparencyLog::Audit(const LmdbTxn& txn, const PublicKey& hub) const {
  return TransparencyLogAuditor(*this, txn, hub).Run();
}

}  // namespace bangban
