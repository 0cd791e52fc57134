// The oversight report (`bangban-hub report oversight`): per county, and at the city the city
// total, every figure docs/oversight.md defines, computed from a RecordCensus; the SLA figures
// are the case book's (review/sla_report.h), passed in.
#pragma once

#include <map>
#include <string>

#include "oversight/oversight_config.h"
#include "oversight/record_census.h"
#include "review/case_book.h"

namespace bangban {

struct OversightReportOptions {
  int inactive_days = 30;
  // BuildSlaReport's document (its by_county and totals are attached), or null.
  Json sla = nullptr;
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

// The report of a hub whose records are `store` and whose case book is `cases`, at `at_ms`: the
// census of `scope` with the case book's SLA figures (every application listed, since the
// breached ones are the assessment's evidence). `report oversight`, the county's report.snapshot
// and the city's recomputation of it from a county replay all call this one function.
Json ComputeOversightReport(const FeedStore& store, const CaseBook& cases, const CensusScope& scope, int inactive_days,
                            int64_t at_ms);
// The same with the SLA figures given: BuildSlaReport's document with every application (the
// city's: oversight/city_sla.h).
Json ComputeOversightReport(const FeedStore& store, Json sla, const CensusScope& scope, int inactive_days,
                            int64_t at_ms);

}  // namespace bangban
