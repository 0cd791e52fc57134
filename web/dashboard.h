// The city dashboard's figures: per county, and the city's cases by colour and on-time rate
// over the last days. DashboardSource is what the page reads; SlaDashboardSource fills what
// the review projections (review/sla_report) can say today. The oversight room's projections
// (coverage, six haves, filing rate, complaints, assessment score, uncovered townships,
// inactive outlets, deductions with their evidence) are meant to be plugged in by another
// implementation; until then those figures are null and listed in `pending`, so the page says
// "not yet available" instead of showing a made-up zero.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "protocol/schema.h"
#include "review/case_book.h"

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
