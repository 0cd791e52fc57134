#include "oversight/county_witness.h"

#include <algorithm>
#include <set>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "protocol/schema.h"

namespace bangban {

namespace {

constexpr size_t kLeafBytes = 40;

const Json::binary_t* BinaryField(const Json& body, const char* name) {
  auto it = body.find(name);
  return it == body.end() || !it->is_binary() ? nullptr : &it->get_binary();
}

}  // namespace

MDB_dbi OpenLogLeaves(LmdbEnv& env) { return env.OpenDb("log_leaves"); }

std::vector<Bytes> ReadLogLeaves(const LmdbTxn& txn, MDB_dbi log_leaves, uint64_t from, uint64_t count) {
  std::vector<Bytes> leaves;
  for (uint64_t i = from; i - from < count; ++i) {
    Bytes key(8);
    EncodeBigEndian64(key.data(), i);
    std::optional<ByteView> leaf = txn.Get(log_leaves, key);
    if (!leaf) break;
    if (leaf->size() != kLeafBytes) {
      throw Error(ErrorCode::kLogCorrupt, "the transparency log's leaf " + std::to_string(i) + " is damaged");
    }
    leaves.emplace_back(leaf->begin(), leaf->end());
  }
  return leaves;
}

Checkpoint Checkpoint::FromBody(const Json& body) {
  Checkpoint c;
  if (!body.is_object() || !body.contains("from") || !body["from"].is_number_unsigned()) {
    throw Error(ErrorCode::kMalformed, "log.checkpoint: from: missing or not an index");
  }
  c.from = body["from"].get<uint64_t>();
  if (const Json::binary_t* leaves = BinaryField(body, "leaves")) {
    if (leaves->size() % kLeafBytes != 0 || leaves->size() > kMaxCheckpointLeaves * kLeafBytes) {
      throw Error(ErrorCode::kMalformed, "log.checkpoint: leaves: not whole 40-byte leaves, or too many");
    }
    for (size_t at = 0; at < leaves->size(); at += kLeafBytes) {
      LogEntry entry;
      entry.index = c.from + at / kLeafBytes;
      std::copy(leaves->begin() + at, leaves->begin() + at + 32, entry.id.begin());
      entry.received_ms = static_cast<int64_t>(DecodeBigEndian64(leaves->data() + at + 32));
      c.leaves.push_back(entry);
    }
  }
  if (const Json::binary_t* head = BinaryField(body, "head")) c.head = TreeHead::Decode(ByteView(*head));
  if (const Json::binary_t* proof = BinaryField(body, "consistency")) {
    if (proof->size() % 32 != 0 || proof->size() > 64 * 32) {
      throw Error(ErrorCode::kMalformed, "log.checkpoint: consistency: not whole 32-byte hashes");
    }
    for (size_t at = 0; at < proof->size(); at += 32) {
      Hash32 hash;
      std::copy(proof->begin() + at, proof->begin() + at + 32, hash.begin());
      c.consistency.push_back(hash);
    }
  }
  return c;
}

std::vector<Json> CheckpointBodies(uint64_t from, const std::vector<Bytes>& leaves, const TreeHead& head,
                                   const std::vector<Hash32>& consistency) {
  std::vector<Json> bodies;
  size_t at = 0;
  do {
    const size_t count = std::min<size_t>(leaves.size() - at, kMaxCheckpointLeaves);
    Bytes packed;
    for (size_t i = at; i < at + count; ++i) PutRaw(packed, leaves[i]);
    Json body = {{"from", from + at}};
    if (!packed.empty()) body["leaves"] = Json::binary(std::move(packed));
    at += count;
    if (at == leaves.size()) {
      body["head"] = Json::binary(head.Encode());
      if (!consistency.empty()) {
        Bytes proof;
        for (const Hash32& h : consistency) PutRaw(proof, h);
        body["consistency"] = Json::binary(std::move(proof));
      }
    }
    bodies.push_back(std::move(body));
  } while (at < leaves.size());
  return bodies;
}

Json Finding::ToJson() const {
  return {{"type", type}, {"county", county}, {"records", records}, {"message", message}};
}

std::string Finding::ToString() const {
  std::string text = type + (county.empty() ? "" : " county " + county) + ": " + message;
  if (!records.empty()) {
    text += " (records";
    for (const std::string& id : records) text += " " + id.substr(0, 16);
    text += ")";
  }
  return text;
}

namespace {

// Folds one checkpoint record into `log`; false once the log cannot be trusted further.
class LogRebuilder {
 public:
  explicit LogRebuilder(CountyLog& log) : log_(log) {}

  void Add(const Record& record) {
    if (log_.broken) return;
    const std::string id = ToHex(record.id());
    Checkpoint c;
    try {
      c = Checkpoint::FromBody(record.body());
    } catch (const Error& e) {
      return Break("bad_checkpoint", id, e.what());
    }
    if (c.from != log_.leaves.size()) {
      return Break("checkpoint_gap", id,
                   "checkpoint at seq " + std::to_string(record.seq()) + " starts at leaf " + std::to_string(c.from) +
                       " but the published log has " + std::to_string(log_.leaves.size()) +
                       " leaves: the county skipped or repeated part of its log");
    }
    for (const LogEntry& leaf : c.leaves) {
      if (!log_.leaves.empty() && leaf.received_ms < log_.leaves.back().received_ms) {
        return Break("inconsistent_tree_head", id,
                     "leaf " + std::to_string(leaf.index) + " has a receipt time before the leaf before it");
      }
      frontier_.Append(MerkleLeafHash(LogLeafBytes(leaf.id, leaf.received_ms)));
      log_.leaves.push_back(leaf);
    }
    if (!c.head) return;
    const TreeHead& head = *c.head;
    if (!head.Verify(log_.hub)) {
      return Break("bad_tree_head", id, "the tree head is not signed by the county hub's key");
    }
    if (head.size != log_.leaves.size() || head.root != frontier_.Root()) {
      return Break("inconsistent_tree_head", id,
                   "the tree head of size " + std::to_string(head.size) +
                       " does not have the root of the leaves the county published before it: its log was "
                       "rewritten or part of it hidden");
    }
    if (!log_.heads.empty()) {
      const TreeHead& previous = log_.heads.back();
      if (!VerifyMerkleConsistency(previous.size, head.size, previous.root, head.root, c.consistency)) {
        return Break("inconsistent_tree_head", id,
                     "no valid consistency proof from the head of size " + std::to_string(previous.size) +
                         " to the head of size " + std::to_string(head.size));
      }
      if (head.timestamp_ms < previous.timestamp_ms) {
        return Break("inconsistent_tree_head", id, "the tree head is dated before the head before it");
      }
    }
    log_.heads.push_back(head);
  }

 private:
  void Break(const std::string& type, const std::string& id, const std::string& why) {
    log_.findings.push_back({type, log_.county, {id}, why});
    log_.broken = true;
  }

  CountyLog& log_;
  MerkleFrontier frontier_;
};

}  // namespace

CountyLog WitnessCounty(const FeedStore& store, const PublicKey& hub, const std::string& county) {
  CountyLog log;
  log.hub = hub;
  log.county = county;
  LogRebuilder rebuilder(log);
  store.ScanFeed(
      hub, 1, UINT64_MAX,
      [&](const Record& r) {
        if (r.type() == "log.checkpoint") rebuilder.Add(r);
        if (r.type() == "sla.rules") log.rules.push_back(r);
        if (r.type() == "report.snapshot") log.snapshots.push_back(r);
        return true;
      },
      [](const FeedStore::DamagedRecord&) {});  // the store's audit names damaged records
  // Hidden history: a county's own records enter its log in seq order (each in the transaction
  // that appends it), so an own record missing from the log while a later one is in it was left
  // out on purpose.
  if (!log.broken && !log.leaves.empty()) {
    std::set<RecordId> logged;
    for (const LogEntry& leaf : log.leaves) logged.insert(leaf.id);
    uint64_t last_logged = 0;
    std::vector<std::pair<uint64_t, RecordId>> unlogged;
    store.ScanFeed(
        hub, 1, UINT64_MAX,
        [&](const Record& r) {
          if (logged.count(r.id())) {
            last_logged = r.seq();
          } else {
            unlogged.emplace_back(r.seq(), r.id());
          }
          return true;
        },
        [](const FeedStore::DamagedRecord&) {});
    std::vector<std::string> hidden;
    for (const auto& [seq, id] : unlogged) {
      if (seq < last_logged) hidden.push_back(ToHex(id));
    }
    if (!hidden.empty()) {
      const std::string first = hidden.front().substr(0, 16);
      if (hidden.size() > 20) hidden.resize(20);
      log.findings.push_back({"unlogged_record", county, hidden,
                              "record(s) of the county's own feed are missing from its published log although "
                              "later ones are in it: hidden history (first " +
                                  first + ")"});
    }
  }
  return log;
}

}  // namespace bangban
