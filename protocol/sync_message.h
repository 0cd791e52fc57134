// Sync wire messages (docs/protocol.md): msgpack maps with a "type", exchanged over ZeroMQ with
// CurveZMQ between a node (DEALER) and a hub or relay (ROUTER). This file holds the framing and
// the parts every message shares; the meaning of each message is in docs/protocol.md.
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
inline constexpr size_t kMaxMessageBytes = 2 * 1024 * 1024;
// A push carries at most this many bytes of records.
inline constexpr size_t kMaxPushBytes = 256 * 1024;

Bytes EncodeMessage(const Json& message);
// Error("malformed", ...) unless the bytes are one msgpack map with a string "type".
Json DecodeMessage(ByteView bytes);

struct FeedPosition {
  PublicKey author{};
  uint64_t seq = 0;
  RecordId id{};  // zero when seq is 0
};

Json PositionsToJson(const std::vector<FeedPosition>& positions);
// Error("malformed", "<field>: ...") on a bad list.
std::vector<FeedPosition> PositionsFromJson(const Json& list, std::string_view field);

Json BinaryJson(ByteView bytes);
template <size_t N>
std::array<uint8_t, N> FixedFromJson(const Json& value, std::string_view field);

Json ErrorMessage(std::string_view code, std::string_view message);

}  // namespace bangban
