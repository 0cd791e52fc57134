// The shapes of a feed store's entries on disk (docs/architecture.md, Store tables), shared by
// the store (storage/feed_store.cc) and its audit (storage/feed_audit.cc); internal to storage/.
//
// A feed entry holds the record's wire bytes, so a push's records, consecutive in their feed,
// share pages; the one index by id ("received") holds the receipt time and where the record
// lies. Stores of the earlier layout kept the bytes under the id ("records"), the id in the feed
// entry and only the time in "received": a feed entry of exactly an id's size and a receipt
// entry of kReceiptTimeBytes are of that layout and are still read (no record's wire bytes are
// as short as an id: the signature alone is 64 bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/coding.h"
#include "crypto/identity.h"

namespace bangban::feed_layout {

inline constexpr size_t kIdBytes = 32;
inline constexpr size_t kReceiptTimeBytes = 8;
inline constexpr size_t kPlaceBytes = 32 + 8;                             // author || seq
inline constexpr size_t kReceiptBytes = kReceiptTimeBytes + kPlaceBytes;  // ms || author || seq
// At a hub, a receipt entry also holds the record's leaf in the transparency log (8, BE).
inline constexpr size_t kReceiptWithLogIndexBytes = kReceiptBytes + 8;

// A feed entry of the earlier layout: the record's id, its bytes kept in "records".
inline bool IsEarlierFeedEntry(ByteView entry) { return entry.size() == kIdBytes; }

// A receipt entry of the current layout (with or without the log's leaf).
inline bool IsCurrentReceipt(ByteView value) {
  return value.size() == kReceiptBytes || value.size() == kReceiptWithLogIndexBytes;
}

// Where the record of a current receipt entry lies: author || seq, its feed key.
inline ByteView PlaceOf(ByteView receipt) { return receipt.subspan(kReceiptTimeBytes, kPlaceBytes); }

inline Bytes ReceiptValue(int64_t received_ms, const PublicKey& author, uint64_t seq) {
  Bytes value;
  value.reserve(kReceiptBytes);
  PutBigEndian64(value, static_cast<uint64_t>(received_ms));
  PutRaw(value, author);
  PutBigEndian64(value, seq);
  return value;
}

}  // namespace bangban::feed_layout
