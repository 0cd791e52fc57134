// The city dashboard's figures: per county, and the city's cases by colour and on-time rate
// over the last days. DashboardSource is what the page reads. SlaDashboardSource fills what the
// review projections (review/sla_report) can say, the oversight figures null and listed in
// `pending`, so a page says "not yet available" instead of showing a made-up zero; a running hub
// plugs in its oversight source (hub/hub_dashboard.h), which adds coverage, six haves, filing
// rate, complaints, the assessment score, uncovered townships, inactive outlets and deductions
// with their evidence through WithOversight below.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "protocol/schema.h"
#include "review/case_book.h"
#include "web/review_figures.h"

namespace bangban {

class DashboardSource {
 public:
  virtual ~DashboardSource() = default;
  // {"at", "simulation", "counties": [{"county", "received", "completed", "on_time_rate",
  //   "open_yellow", "open_red", "coverage", "six_haves", "filing_rate", "complaints", "score"}],
  //  "colours": {"green", "yellow", "red", "paused"}, "on_time_by_day": [{"date", "completed",
  //  "on_time_rate"}], "uncovered_townships": [...] | null, "inactive_outlets": [...] | null,
  //  "deductions": [...] | null, "pending": [names of figures not available yet], "source"}
  virtual Json Build(int64_t at_ms) = 0;
};

// The dashboard from the SLA report alone (uncached): the oversight figures null and pending.
// `figures` measures (web/review_figures.h): at the city with the counties' receipts, so that the
// on-time rate by day agrees with the table.
Json SlaDashboard(ReviewFigures& figures, int64_t at_ms);

// `dashboard` (SlaDashboard) with the oversight columns and lists filled from `oversight` (the
// document of `report oversight --json`) and `assessment` (of `report assessment --json`; null
// when the hub has no rules file, `score_problem` then says why, and "score" stays pending).
// The SLA columns (received, completed, on_time_rate, open_yellow, open_red) and the colours are
// the oversight report's SLA figures (at the city: measured with the counties' receipts).
// Per county: coverage = coverage.rate (and townships, townships_covered); six_haves =
// six_haves.all_six.inspected_rate (and six_haves_claimed); filing_rate = the filing rate of the
// latest year in annual_reports.by_year (and filing_year); complaints = complaints.filed (and
// complaints_upheld); score = the assessment's. uncovered_townships, inactive_outlets:
// [{"county", ...}]; deductions: the assessment's deductions that count, each with its county
// and evidence.
Json WithOversight(Json dashboard, const Json& oversight, const Json& assessment, const std::string& score_problem);

// From the SLA report of the hub's case book (the same figures `bangban-hub report sla`
// prints), computed at most once every 30 s.
class SlaDashboardSource : public DashboardSource {
 public:
  static constexpr int kDays = 14;
  explicit SlaDashboardSource(const CaseBook& cases) : cases_(cases) {}
  Json Build(int64_t at_ms) override;

 private:
  const CaseBook& cases_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> built_;
  Json cached_;
};

}  // namespace bangban
