#include "storage/receipt_log_index.h"

namespace bangban {

std::optional<uint64_t> ReceiptLogIndex::Find(const LmdbTxn& txn, const RecordId& id) const {
  return store_.LogIndexOf(txn, id);
}

bool ReceiptLogIndex::Note(LmdbTxn& txn, const RecordId& id, uint64_t index) {
  return store_.NoteLogIndex(txn, id, index);
}

}  // namespace bangban
