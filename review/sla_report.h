// SLA reports and the review queue, computed from the application projection only (CaseBook),
// never from the records: one pass over proj_cases, reading just the summary of every case
// that was completed before the report's instant and evaluating open ones at that instant.
// Every figure is defined in docs/sla.md "Reports".
#pragma once

#include <optional>
#include <string>
#include <string_view>

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
// The same for people: a table of figures per group, then the review queue.
std::string FormatSlaReport(const Json& report, const Json& queue);

// The review queue at `at_ms`: open cases by deadline (earliest first), then those waiting for
// the applicant's resubmission.
Json BuildQueue(const CaseBook& book, int64_t at_ms);
std::string FormatQueue(const Json& queue);

}  // namespace bangban
