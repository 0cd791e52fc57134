// PeerStats: what a sync server learned about each peer (last contact, pushes, records taken and
// refused, the heads it claimed), kept in the store's meta entry kPeerStatsMeta so that
// `bangban-hub status` can show each peer's backlog, also across restarts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "storage/feed_store.h"
#include "sync/sync_message.h"

namespace bangban {

struct PeerStats {
  int64_t last_contact_ms = 0;
  uint64_t pushes = 0;
  uint64_t records_accepted = 0;
  uint64_t records_duplicate = 0;
  std::map<std::string, uint64_t> rejections;  // by code
  // What the peer said it holds, for the feeds this party holds or has enrolled (no others: a
  // peer cannot grow it with made-up authors).
  std::map<PublicKey, uint64_t> claimed_heads;
  // Handed out in its last welcome on this run (not stored): none before its first hello.
  std::optional<PushGrant> grant;

  // {"last_contact_ms", "pushes", "records_accepted", "records_duplicate", "rejections": {code:
  // n}, "claimed_heads": {author hex: seq}}. FromJson takes a missing field as 0 or empty and
  // skips a claimed head whose author is not hex.
  Json ToJson() const;
  static PeerStats FromJson(const Json& json);
};

using PeerStatsMap = std::map<PublicKey, PeerStats>;

// The stored statistics (none if never written); one JSON document keyed by peer key hex.
// Unreadable or oversized statistics are logged and dropped, never an error.
PeerStatsMap LoadPeerStats(const FeedStore& store);
// The value to store under kPeerStatsMeta.
Bytes EncodePeerStats(const PeerStatsMap& stats);

}  // namespace bangban
