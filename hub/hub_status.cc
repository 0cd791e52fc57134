#include "hub/hub_status.h"

#include "protocol/clock.h"

namespace bangban {

std::string PeerReport::LastContact() const { return FormatRfc3339(last_contact_ms); }

Json PeerReport::ToJson() const {
  return {{"key", ToHex(key)},        {"name", name},
          {"outlet_id", outlet_id},   {"last_contact", LastContact()},
          {"pushes", pushes},         {"records_received", records_received},
          {"duplicates", duplicates}, {"backlog", backlog},
          {"rejections", rejections}};
}

Json FeedReport::ToJson() const {
  return {{"author", ToHex(author)}, {"seq", seq}, {"head", ToHex(head)}, {"outlet_id", outlet_id}, {"role", role}};
}

Json QuarantineReport::ToJson() const { return {{"author", ToHex(author)}, {"reason", reason}}; }

Json HubStatus::ToJson() const {
  Json status;
  status["role"] = role;
  status["name"] = name;
  status["county"] = county;
  status["key"] = ToHex(key);
  status["simulation"] = simulation;
  status["records"] = records;
  status["feeds"] = feeds;
  status["enrolled"] = enrolled;
  status["buffered"] = buffered;
  status["quarantined"] = Json::array();
  for (const QuarantineReport& q : quarantined) status["quarantined"].push_back(q.ToJson());
  status["clock_skewed_records"] = clock_skewed_records;
  if (tree_head) status["tree_head"] = tree_head->ToJson();
  status["peers"] = Json::array();
  for (const PeerReport& p : peers) status["peers"].push_back(p.ToJson());
  status["heads"] = Json::array();
  for (const FeedReport& f : heads) status["heads"].push_back(f.ToJson());
  return status;
}

}  // namespace bangban
