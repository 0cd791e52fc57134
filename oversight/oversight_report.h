// The oversight report (`bangban-hub report oversight`): per county, and at the city the city
// total, every figure docs/oversight.md defines, computed from a RecordCensus; the SLA figures
// are the case book's (review/sla_report.h), passed in.
#pragma once

#include <map>
#include <string>

#include "oversight/oversight_config.h"
#include "oversight/record_census.h"

namespace bangban {

struct OversightReportOptions {
  int inactive_days = 30;
  // BuildSlaReport's document (its by_county and totals are attached), or null.
  Json sla = nullptr;
  // Distinct applicants per county code (review/applicant_links.h); a county not listed has 0.
  std::map<std::string, uint64_t> distinct_applicants;
};

// Whether an outlet is active at the census's instant: not revoked, and a record of it stamped
// within the window before it.
bool IsActive(const OutletEntry& outlet, int64_t at_ms, int inactive_days);

// The six haves, in the order of outlet.profile's six_haves.
inline constexpr const char* kSixHaves[] = {"sign", "computer", "staff", "guide", "phone", "publicity"};

// One county's figures.
Json CountyFigures(const CountyCensus& county, int64_t at_ms, const OversightReportOptions& options);

// The whole report: {report, at, counties: [...], total (the city only), flags}.
Json BuildOversightReport(const Census& census, const std::string& role, const OversightReportOptions& options);

}  // namespace bangban
