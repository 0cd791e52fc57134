#include "sync/peer_stats.h"

#include <spdlog/spdlog.h>

#include "protocol/codec.h"

namespace bangban {

Json PeerStats::ToJson() const {
  Json claimed = Json::object();
  for (const auto& [author, seq] : claimed_heads) claimed[ToHex(author)] = seq;
  return {{"last_contact_ms", last_contact_ms},     {"pushes", pushes},         {"records_accepted", records_accepted},
          {"records_duplicate", records_duplicate}, {"rejections", rejections}, {"claimed_heads", std::move(claimed)}};
}

PeerStats PeerStats::FromJson(const Json& json) {
  PeerStats p;
  p.last_contact_ms = json.value("last_contact_ms", int64_t{0});
  p.pushes = json.value("pushes", uint64_t{0});
  p.records_accepted = json.value("records_accepted", uint64_t{0});
  p.records_duplicate = json.value("records_duplicate", uint64_t{0});
  const Json rejections = json.value("rejections", Json::object());
  const Json claimed = json.value("claimed_heads", Json::object());
  for (const auto& [code, n] : rejections.items()) p.rejections[code] = n.get<uint64_t>();
  for (const auto& [author, seq] : claimed.items()) {
    if (auto key = FromHexFixed<32>(author)) p.claimed_heads[*key] = seq.get<uint64_t>();
  }
  return p;
}

PeerStatsMap LoadPeerStats(const FeedStore& store) {
  PeerStatsMap stats;
  auto bytes = store.GetMeta(kPeerStatsMeta);
  if (!bytes) return stats;
  // Statistics only: whatever is wrong with them (an older release let a peer grow them past the
  // limit) must never keep a daemon from starting or `status` from answering. They start afresh.
  try {
    auto handle = UnpackExactly(*bytes, "peer statistics", kMaxMessageBytes * 8);
    const Json saved = ObjectToJson(handle.get(), "peers");
    for (const auto& [hex, s] : saved.items()) {
      if (auto key = FromHexFixed<32>(hex)) stats[*key] = PeerStats::FromJson(s);
    }
  } catch (const std::exception& e) {
    spdlog::warn("peer statistics unreadable ({}); starting them afresh", e.what());
    stats.clear();
  }
  return stats;
}

Bytes EncodePeerStats(const PeerStatsMap& stats) {
  Json all = Json::object();
  for (const auto& [peer, s] : stats) all[ToHex(peer)] = s.ToJson();
  return EncodeJson(all);
}

}  // namespace bangban
