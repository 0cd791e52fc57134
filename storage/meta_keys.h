// The names of the owner's small durable values in FeedStore's "meta" table (GetMeta, PutMeta,
// DeleteMeta): flags and cursors of the sync client, the server's peer statistics, a node's kept
// receipts. All in one place, so that the code setting a value and the code reading it cannot
// spell it differently. The names are on disk in every deployed store: never rename one.
#pragma once

#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "protocol/record.h"

namespace bangban {

// Set while this party's own feed is behind what upstream holds (a restored backup, a replaced
// machine): appending would fork the feed (Error(ErrorCode::kBehind)). The sync client sets it when a
// welcome shows more of the feed upstream and clears it once it pulled it all; `bangban-node
// init --replacing` sets it and `recover` clears it. Its value is a note for people.
inline constexpr std::string_view kBehindFlag = "behind";

// Sync client: what upstream acknowledged, per feed (a JSON map: author hex -> seq, as msgpack).
inline constexpr std::string_view kAckedMeta = "acked";
// Sync client: upstream's latest signed tree head from an ack (its binary form).
inline constexpr std::string_view kTreeHeadMeta = "tree_head";
// Sync client: how many of the store's fork evidence records were pushed already (8 bytes BE).
inline constexpr std::string_view kEvidenceSentMeta = "evidence_sent";
// Sync server: statistics per peer (sync/peer_stats.h).
inline constexpr std::string_view kPeerStatsMeta = "peers";

// A node's kept receipt for one of its records (the receipt's JSON text), so that `receipt`
// works when the hub cannot be reached.
inline std::string ReceiptMetaName(const RecordId& id) { return "receipt/" + ToHex(id); }

}  // namespace bangban
