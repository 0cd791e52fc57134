// ReceiptLogIndex: a transparency log's index by record id, kept in the feed store's receipt
// entries. Every record a hub stores gets a receipt entry (keyed by its id) and a log leaf in
// the same transaction; noting the leaf's index in that entry, whose page the transaction has
// just written, spares the log a table of its own keyed by id, and a record then costs one page
// keyed by its id instead of two (docs/performance.md). Leaves of records stored before (the
// earlier layout) stay in the log's own log_index, which the log still reads.
//
//   ReceiptLogIndex index(store);
//   TransparencyLog log(store.env(), &index);   // both outlive the log
#pragma once

#include "storage/feed_store.h"
#include "storage/transparency_log.h"

namespace bangban {

class ReceiptLogIndex final : public LogIndex {
 public:
  explicit ReceiptLogIndex(FeedStore& store) : store_(store) {}

  std::optional<uint64_t> Find(const LmdbTxn& txn, const RecordId& id) const override;
  bool Note(LmdbTxn& txn, const RecordId& id, uint64_t index) override;

 private:
  FeedStore& store_;
};

}  // namespace bangban
