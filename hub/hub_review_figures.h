// The review figures of a hub's web pages (web/review_figures.h). At the city hub each county's
// applications are measured with the county's receipt instants and rules, by the very case books
// `bangban-hub report sla` uses there (oversight/city_sla.h), so that the city's queue, case and
// SLA pages show what the county's own pages show, however late the records reached the city. A
// county hub's figures are its own case book's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>

#include "oversight/city_sla.h"
#include "web/review_figures.h"

namespace bangban {

class Hub;

class CityReviewFigures : public ReviewFigures {
 public:
  // The counties' replays are kept in `dir`/web-replay-PID-COUNTY while this lives.
  CityReviewFigures(Hub& hub, const std::filesystem::path& dir);
  ~CityReviewFigures() override;

  // As BuildQueue, BuildSlaReport and CaseFiguresOf over the counties' case books, each with
  // "county_receipts" (the queue, the report) or "receipts" (a case) saying whose receipts.
  Json Queue(int64_t at_ms) override;
  Json Sla(const SlaReportOptions& options) override;
  Json CaseFigures(const CaseFile& file, int64_t at_ms) override;

 private:
  // The counties' case books as of the store now: rebuilt only when the hub stored records since
  // the last build (a replay reads every record of its county). Call with mutex_ held.
  const CityCaseBooks& Books();

  Hub& hub_;
  std::filesystem::path scratch_;
  std::mutex mutex_;  // the web serves on two threads; one build, and its readers, at a time
  std::unique_ptr<CityCaseBooks> books_;
  uint64_t built_records_ = 0;
};

// The review figures of `hub`'s web pages: CityReviewFigures at the city hub, the hub's own case
// book (BookFigures) at a county hub.
std::unique_ptr<ReviewFigures> HubReviewFigures(Hub& hub, const std::filesystem::path& dir);

}  // namespace bangban
