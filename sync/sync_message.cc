#include "sync/sync_message.h"

#include <algorithm>
#include <cstring>

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

Json BinaryJson(ByteView bytes) { return Json::binary(Bytes(bytes.begin(), bytes.end())); }

template <size_t N>
std::array<uint8_t, N> FixedFromJson(const Json& value, std::string_view field) {
  if (!value.is_binary() || value.get_binary().size() != N) {
    throw Error(ErrorCode::kMalformed, std::string(field) + ": must be " + std::to_string(N) + " bytes");
  }
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), value.get_binary().data(), N);
  return out;
}
template std::array<uint8_t, 32> FixedFromJson<32>(const Json&, std::string_view);
template std::array<uint8_t, 64> FixedFromJson<64>(const Json&, std::string_view);

Json PositionsToJson(const std::vector<FeedPosition>& positions) {
  Json list = Json::array();
  for (const FeedPosition& p : positions) {
    list.push_back(Json::array({BinaryJson(p.author), p.seq, BinaryJson(p.id)}));
  }
  return list;
}

std::vector<FeedPosition> PositionsFromJson(const Json& list, std::string_view field) {
  if (!list.is_array()) throw Error(ErrorCode::kMalformed, std::string(field) + ": must be a list");
  std::vector<FeedPosition> out;
  for (const Json& item : list) {
    if (!item.is_array() || item.size() != 3 || !item[1].is_number_unsigned()) {
      throw Error(ErrorCode::kMalformed, std::string(field) + ": each entry is [author, seq, id]");
    }
    out.push_back({FixedFromJson<32>(item[0], field), item[1].get<uint64_t>(), FixedFromJson<32>(item[2], field)});
  }
  return out;
}

PushGrant GrantPushes(size_t active_peers, size_t budget, size_t granted_to_others) {
  size_t share = budget / std::max<size_t>(1, active_peers);
  if (granted_to_others < budget) share = std::min(share, budget - granted_to_others);
  else share = 0;
  PushGrant grant;
  grant.window = std::clamp<size_t>(share / kMaxPushBytes, 1, kMaxWindow);
  grant.push_bytes = std::clamp<size_t>(share / grant.window, kMinPushBytes, kMaxPushBytes);
  return grant;
}

Json ErrorMessage(std::string_view code, std::string_view message) {
  return {{"type", "error"}, {"code", code}, {"message", message}};
}

}  // namespace bangban
