// The city dashboard of a hub's web pages (web/dashboard.h) from the oversight report and the
// assessment, computed by the very functions `bangban-hub report oversight` and `report
// assessment` run, at the same instant, so the page and the command line show the same figures.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>

#include "web/dashboard.h"

namespace bangban {

class Hub;

class OversightDashboardSource : public DashboardSource {
 public:
  // `figures` (the web pages' own, which outlive this source) measures the SLA figures.
  OversightDashboardSource(Hub& hub, std::filesystem::path dir, ReviewFigures& figures);
  // Recomputed when the hub stored records since the last build, when the minute changed, or
  // after 30 s: a census reads every record, and the live pages reload on every record.
  Json Build(int64_t at_ms) override;

 private:
  Hub& hub_;
  ReviewFigures& figures_;
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> built_;
  uint64_t built_records_ = 0;
  int64_t built_at_ms_ = 0;
  Json cached_;
};

}  // namespace bangban
