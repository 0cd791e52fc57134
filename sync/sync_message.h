// Sync wire messages (docs/protocol.md): msgpack maps with a "type", exchanged over ZeroMQ with
// CurveZMQ between a node (DEALER) and a hub or relay (ROUTER). This file holds the framing, the
// bounds and the parts every message shares; the messages themselves are in sync/messages.h.
#pragma once

#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "protocol/record.h"
#include "protocol/schema.h"

namespace bangban {

inline constexpr uint64_t kSyncVersion = 1;
// A message larger than this is refused (and ZeroMQ drops the peer): bounded memory per peer.
// Every message fits: a push or pull answer carries at most kMaxPushBytes of records, a hello
// at most kMaxHeadsPerHello positions (about 80 bytes each).
inline constexpr size_t kMaxMessageBytes = 1024 * 1024;
// A hello names at most this many feeds; a party holding more sends several hellos, each
// answered by its own welcome.
inline constexpr size_t kMaxHeadsPerHello = 4096;

// Pushes a server lets one client have unacknowledged: how many (the window) and how many
// bytes of records each. A server hands one out in every welcome and refuses pushes beyond it,
// so that the pushes of all its peers together fit its memory budget.
struct PushGrant {
  size_t window = 0;
  size_t push_bytes = 0;
  size_t bytes() const { return window * push_bytes; }
};
inline constexpr size_t kMaxWindow = 4;
inline constexpr size_t kMaxPushBytes = 256 * 1024;
inline constexpr size_t kMinPushBytes = 16 * 1024;
inline constexpr PushGrant kFullGrant{kMaxWindow, kMaxPushBytes};
// The default memory budget of a server for all its peers' pushes in flight together: a hub's
// heap in a burst stays near 40 MiB of 1,000 idle connections plus this plus the rounds in
// flight (docs/performance.md, Memory). Beyond budget / kMinPushBytes (1,536) peers the floor
// bounds it instead.
inline constexpr size_t kDefaultPushBudget = 24 * 1024 * 1024;

// The grant for a client when `active_peers` peers (this one included) share `budget`, of
// which the other peers' grants hold `granted_to_others`: an equal share of the budget, or what
// is left of it if less, but never below one push of kMinPushBytes (so every peer can make
// progress; beyond budget / kMinPushBytes peers the floor is what bounds memory).
PushGrant GrantPushes(size_t active_peers, size_t budget, size_t granted_to_others);

// One frame: the canonical msgpack of a message's JSON form (a sync/messages.h ToJson).
Bytes EncodeMessage(const Json& message);
// Error(ErrorCode::kMalformed, ...) unless the bytes are one msgpack map with a string "type", at most
// kMaxMessageBytes; the caller hands it to the FromJson of that type (sync/messages.h).
Json DecodeMessage(ByteView bytes);

// A feed's head as messages name it: [author, seq, id] on the wire.
struct FeedPosition {
  PublicKey author{};
  uint64_t seq = 0;
  RecordId id{};  // zero when seq is 0
};

}  // namespace bangban
