#include "sync/sync_message.h"

#include <algorithm>

#include "crypto/error.h"
#include "protocol/codec.h"

namespace bangban {

Bytes EncodeMessage(const Json& message) { return EncodeJson(message); }

Json DecodeMessage(ByteView bytes) {
  auto handle = UnpackExactly(bytes, "sync message", kMaxMessageBytes);
  Json message = ObjectToJson(handle.get(), "");
  if (!message.is_object() || !message.contains("type") || !message["type"].is_string()) {
    throw Error(ErrorCode::kMalformed, "sync message: must be a map with a string \"type\"");
  }
  return message;
}

PushGrant GrantPushes(size_t active_peers, size_t budget, size_t granted_to_others) {
  size_t share = budget / std::max<size_t>(1, active_peers);
  if (granted_to_others < budget)
    share = std::min(share, budget - granted_to_others);
  else
    share = 0;
  PushGrant grant;
  grant.window = std::clamp<size_t>(share / kMaxPushBytes, 1, kMaxWindow);
  grant.push_bytes = std::clamp<size_t>(share / grant.window, kMinPushBytes, kMaxPushBytes);
  return grant;
}

}  // namespace bangban
