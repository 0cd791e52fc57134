// NodeStatus: what `bangban-node status` shows, as one struct. ToJson is the document
// `status --json` prints (scripts read it: its keys and shapes do not change); the text form
// reads the same fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "protocol/record.h"

namespace bangban {

// An application filed at this outlet and what happened to it last.
struct ApplicationStatus {
  std::string app_id;
  std::string kind;   // establish | change | deregister | annual_report
  std::string state;  // submitted, resubmitted, accepted, correction_requested, approved, rejected
  int64_t submitted_ms = 0;
  std::optional<std::string> reason;  // of the last event, if it gave one
  std::optional<std::string> uscc;    // issued, if the last event says so

  // {"app_id", "kind", "state", "submitted" (RFC 3339), "reason" and "uscc" if set}
  Json ToJson() const;
};

struct NodeStatus {
  std::string outlet_id;
  std::string county;
  PublicKey key{};
  bool simulation = false;            // a test or simulation party: a fixed clock is allowed
  uint64_t feed_seq = 0;              // the own feed's head
  std::optional<RecordId> feed_head;  // none while the own feed is empty
  uint64_t records_held = 0;
  uint64_t feeds_held = 0;
  uint64_t buffered = 0;
  uint64_t quarantined = 0;                     // authors
  std::vector<ApplicationStatus> applications;  // by app_id
  std::string sealing_key;                      // the period new personal data is sealed to; empty: none known
  std::vector<std::string> sealing_notices;     // the county hub's key.sealing_stale notices for this outlet

  // {"outlet_id", "county", "key", "simulation", "feed": {"seq", "head" (hex or null)}, "records_held",
  //  "feeds_held", "buffered", "quarantined", "applications": [...], "sealing_key" (period or
  //  null), "sealing_notices": [...]}
  Json ToJson() const;
};

}  // namespace bangban
