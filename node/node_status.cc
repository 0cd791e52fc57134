#include "node/node_status.h"

#include "protocol/clock.h"

namespace bangban {

Json ApplicationStatus::ToJson() const {
  Json app = {{"app_id", app_id}, {"kind", kind}, {"state", state}, {"submitted", FormatRfc3339(submitted_ms)}};
  if (reason) app["reason"] = *reason;
  if (uscc) app["uscc"] = *uscc;
  return app;
}

Json NodeStatus::ToJson() const {
  Json status;
  status["outlet_id"] = outlet_id;
  status["county"] = county;
  status["key"] = ToHex(key);
  status["simulation"] = simulation;
  status["feed"] = {{"seq", feed_seq}, {"head", feed_head ? Json(ToHex(*feed_head)) : Json(nullptr)}};
  status["records_held"] = records_held;
  status["feeds_held"] = feeds_held;
  status["buffered"] = buffered;
  status["quarantined"] = quarantined;
  status["applications"] = Json::array();
  for (const ApplicationStatus& app : applications) status["applications"].push_back(app.ToJson());
  status["sealing_key"] = sealing_key.empty() ? Json(nullptr) : Json(sealing_key);
  status["sealing_notices"] = sealing_notices;
  return status;
}

}  // namespace bangban
