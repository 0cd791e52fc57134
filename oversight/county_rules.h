// County rules: a county hub's working rules (SLA settings and calendar files, one SLA profile of
// review/sla_profile.h) as a signed sla.rules record in its own feed, so that the city computes
// the county's figures with exactly the rules the county used (docs/audit.md). The county writes
// one record per profile it registers, in order; a profile is in force from its effective
// instant until the next one's, as at the county.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/schema.h"
#include "review/review_config.h"
#include "review/sla_profile.h"

namespace bangban {

// The sla.rules body of `profile`. Ratios are written as the shortest decimal text that reads
// back as the same double, since record bodies carry no floats.
Json RulesBody(const SlaProfile& profile);

// An sla.rules body, decoded and checked: the settings are usable (CheckSlaSettings), the
// calendar files parse and merge, and their fingerprint is the one the record states. Error
// (ErrorCode::kInvalidBody) naming the field otherwise: the city flags such a record.
struct CountyRules {
  uint32_t profile = 0;
  int64_t effective_from_ms = 0;
  SlaSettings settings;
  std::vector<CalendarSource> calendars;
  std::string fingerprint;

  static CountyRules FromBody(const Json& body);
};

// The [sla] section of hub.toml that gives these rules, with the calendars listed under the
// names `calendar_names` (the caller writes the files there).
std::string SlaTomlSection(const SlaSettings& settings, const std::vector<std::string>& calendar_names);

}  // namespace bangban
