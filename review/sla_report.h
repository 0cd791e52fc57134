// SLA reports and the review queue, computed from the application projection only (CaseBook),
// never from the records: one pass over proj_cases, reading just the summary of every case
// that was completed before the report's instant and evaluating open ones at that instant.
// Every figure is defined in docs/sla.md "Reports".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/civil_time.h"
#include "review/case_book.h"

namespace bangban {

struct SlaReportOptions {
  int64_t at_ms = 0;              // open cases are evaluated at this instant
  std::optional<CivilDate> from;  // local date of the hub's receipt of the app.submit, inclusive
  std::optional<CivilDate> to;
  bool apps = false;  // list every application too
};

// The report as one JSON document: totals, then per county, outlet, reviewer, kind and channel.
Json BuildSlaReport(const CaseBook& book, const SlaReportOptions& options);

// One case book of a report over several, and which of the counties it counts (`counts` empty:
// every county the book counts itself).
struct SlaSource {
  const CaseBook* book = nullptr;
  std::function<bool(const std::string& county)> counts;
};
// The report over several case books, each case counted from the one source that counts its
// county: the city's report, with each county's cases from a replay of the county's log
// (oversight/city_sla.h). The hub, its rules and ignored_records are the first source's.
Json BuildSlaReport(const std::vector<SlaSource>& sources, const SlaReportOptions& options);
// The same for people: a table of figures per group, then the review queue.
std::string FormatSlaReport(const Json& report, const Json& queue);

// The review queue at `at_ms`: open cases by deadline (earliest first), then those waiting for
// the applicant's resubmission.
Json BuildQueue(const CaseBook& book, int64_t at_ms);
// The queue over several case books, each case taken from the one source that counts its county
// (as BuildSlaReport over sources): the city's queue with the counties' receipts. The hub is the
// first source's.
Json BuildQueue(const std::vector<SlaSource>& sources, int64_t at_ms);
std::string FormatQueue(const Json& queue);

}  // namespace bangban
