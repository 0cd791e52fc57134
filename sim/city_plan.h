// The simulated city's plan: which outlets stand where, and what happens when — every
// application filed (by kind, in the season's proportions, in opening hours), every review
// act with its reviewer and delay, corrections, late cases, one fee violation, complaints with
// their verdicts, ratings, and when villages without a steady link sync (or carry a USB
// bundle). The plan is a pure function of its options and the map: the same seed gives the
// same plan, byte for byte. Playing it (sim/player.h) drives the real programs; the instants
// then vary with the machine, the acts do not.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/civil_time.h"
#include "review/calendar.h"
#include "sim/yuncheng.h"

namespace bangban {

struct PlanOptions {
  uint64_t seed = 1;
  int counties = 3;  // the first N counties of the map (盐湖区 first)
  int outlets = 4;   // per county
  int days = 1;      // working days from `start`: by `calendar` (holidays, make-up working days)
  CivilDate start{2026, 3, 2};
  WorkCalendar calendar = WorkCalendar::WeekdaysOnly();  // outlets open on its working days only
};

// Bounds on PlanOptions: Error(ErrorCode::kUsage) naming the option outside them.
inline constexpr int kMaxOutletsPerCounty = 40;
inline constexpr int kMaxDays = 20;

struct PlannedCounty {
  std::string code, name;
  std::vector<std::string> reviewers;
};

struct PlannedOutlet {
  std::string id;      // e.g. 140802-01
  std::string county;  // its county's code
  std::string name, kind, township, township_code, village;
  std::string relay;         // the township centre it syncs through (village stations), else ""
  bool relays = false;       // a township centre other outlets sync through
  bool bundle_only = false;  // never online: a USB bundle at the end of each day
  bool daemon = true;        // runs `bangban-node run`; village stations sync now and then instead
};

// One act at an instant (Unix ms of the simulated clock). `what` is one of
//   submit  {outlet, record: the JSON body `bangban-node submit` takes, key?: a name later
//            acts use for the record id it gets (complaints)}
//   sync    {outlet}                      a village station's link comes up: `bangban-node sync`
//   bundle  {outlet}                      export a USB bundle, the county imports it
//   review  {county, outlet, app, action, reviewer, reason?, uscc?}
//   verdict {county, complaint (a submit's key), upheld, deduction, reason}
struct PlannedEvent {
  int64_t at_ms = 0;
  std::string what;
  nlohmann::json args;
};

struct CityPlan {
  PlanOptions options;
  std::vector<PlannedCounty> counties;
  std::vector<PlannedOutlet> outlets;
  std::vector<PlannedEvent> events;  // by instant (stable for equal instants)
  int64_t end_ms = 0;                // the end of the last day's afternoon session

  // What the plan files and decides, for comparing with what the hubs report:
  // {"applications": N, "by_kind": {...}, "by_county": {code: N}, "fee_violations": N,
  //  "complaints": N, "upheld_complaints": N, "ratings": N, "corrections": N, "rejections": N,
  //  "approvals": N, "late_cases": N, "outlets": N, "outlets_by_kind": {...}}
  nlohmann::json Totals() const;
  // The whole plan as one JSON document (options, counties, outlets, events, totals).
  nlohmann::json ToJson() const;

  nlohmann::json totals_;  // counted while planning (MakePlan)
};

// Error(ErrorCode::kUsage) for options outside their bounds or more counties than `map` holds.
CityPlan MakePlan(const PlanOptions& options, const std::vector<County>& map);

// A unified social credit code (GB 32100) with its check character, and a resident identity
// number (GB 11643) with its check character, for planned entities and applicants.
std::string UsccWithCheck(const std::string& first17);
std::string IdNumberWithCheck(const std::string& first17);

}  // namespace bangban
