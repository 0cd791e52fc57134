// County witness: what a county hub's own feed says about its transparency log, and whether
// that account holds together.
//
// A county hub publishes its log in log.checkpoint records (docs/audit.md): each carries the
// leaves (record id || receipt time, storage/transparency_log.h) from leaf `from` on, and the
// last record of a publication also a tree head the county signed over every leaf so far, with
// the RFC 9162 consistency proof from its previous published head. Anyone holding the county's
// feed (the city) rebuilds the county's log from them and checks, without trusting the county:
// the leaves continue exactly where the previous checkpoint ended, each head is signed by the
// county, has the root the leaves give, and is consistent with the head before it. A county
// that rewrites or hides part of its history cannot publish a head that passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/merkle.h"
#include "storage/feed_store.h"
#include "storage/transparency_log.h"

namespace bangban {

// Most transparency-log leaves one log.checkpoint record carries (40 bytes each; the schema's
// limit), so that a checkpoint stays well inside the record size limit.
inline constexpr size_t kMaxCheckpointLeaves = 1000;

// The leaves [from, from + count) that exist of the transparency log in `env`, as
// storage/transparency_log.h keeps them ("log_leaves": index big-endian -> leaf bytes), read in
// the caller's transaction: what a county hub publishes. Open the table (OpenLogLeaves) before
// the transaction. Error(ErrorCode::kLogCorrupt) on a hole.
MDB_dbi OpenLogLeaves(LmdbEnv& env);
std::vector<Bytes> ReadLogLeaves(const LmdbTxn& txn, MDB_dbi log_leaves, uint64_t from, uint64_t count);

// A log.checkpoint body, decoded. Error(ErrorCode::kMalformed) naming the field if a leaf, the
// head or the proof does not decode.
struct Checkpoint {
  uint64_t from = 0;
  std::vector<LogEntry> leaves;  // indices from, from + 1, ...
  std::optional<TreeHead> head;
  std::vector<Hash32> consistency;  // from the previous published head to `head`

  static Checkpoint FromBody(const Json& body);
};

// The bodies of one publication: leaves [from, from + leaves.size()) split into records of at
// most kMaxCheckpointLeaves leaves, the last with `head` (whose size is from + leaves.size())
// and `consistency`. An empty `leaves` gives one record with the head alone.
std::vector<Json> CheckpointBodies(uint64_t from, const std::vector<Bytes>& leaves, const TreeHead& head,
                                   const std::vector<Hash32>& consistency);

// One thing the audit found, named so that a script can act on it.
struct Finding {
  std::string type;                  // e.g. inconsistent_tree_head, snapshot_mismatch, fork
  std::string county;                // the county code ("" when none applies)
  std::vector<std::string> records;  // ids (hex) of the records that show it
  std::string message;               // a sentence for a person

  Json ToJson() const;
  std::string ToString() const;  // "TYPE county C: message (records a, b)"
};

// A county's log as its feed publishes it, as far as it holds together.
struct CountyLog {
  PublicKey hub{};
  std::string county;
  std::vector<LogEntry> leaves;   // every published leaf up to the first broken checkpoint
  std::vector<TreeHead> heads;    // every head that verified, in order
  std::vector<Record> rules;      // sla.rules records, feed order
  std::vector<Record> snapshots;  // report.snapshot records, feed order
  std::vector<Finding> findings;  // what does not hold together
  bool broken = false;            // a checkpoint failed: later leaves are not trusted
};

// Reads `hub`'s feed from `store` and rebuilds its published log (memory: one LogEntry per
// leaf). Also checks that no record of the county's own feed is missing from the log while a
// later one is in it (hidden history).
CountyLog WitnessCounty(const FeedStore& store, const PublicKey& hub, const std::string& county);

}  // namespace bangban
