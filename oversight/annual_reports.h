// Annual reports (S8): which entities a county hub must remind, and when.
//
// An entity known to a county (its code issued by the county's review.approve) established in
// year E is due for every report year Y >= E, in the window 1 Jan – 30 Jun of Y + 1 (individual
// businesses and cooperatives alike). The county hub reminds the outlet that served it with an
// `annual.remind` record once the window opens, and again on the configured date before it
// closes (default 1 June) if the entity has not filed by then (`annual.filed`).
#pragma once

#include <string>
#include <vector>

#include "oversight/oversight_config.h"
#include "oversight/record_census.h"

namespace bangban {

struct ReminderDue {
  std::string uscc;
  std::string outlet_id;
  int year = 0;  // the report year
  Json Body() const { return {{"uscc", uscc}, {"outlet_id", outlet_id}, {"year", year}, {"channel", "outlet"}}; }
};

// The reminders the hub `hub_key` owes at `now_ms` for `county`, given what it already sent
// (its annual.remind records in the census, which must be taken at `now_ms`). Entities that no
// outlet served are left out: a reminder goes to an outlet. Deterministic and idempotent: once
// the owed records are written, it returns nothing until the next phase.
std::vector<ReminderDue> DueReminders(const CountyCensus& county, const std::string& hub_key_hex, int64_t now_ms,
                                      const OversightConfig& config);

}  // namespace bangban
