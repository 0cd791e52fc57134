#include "hub/hub_review_figures.h"

#include <unistd.h>

#include "hub/hub.h"

namespace bangban {

CityReviewFigures::CityReviewFigures(Hub& hub, const std::filesystem::path& dir)
    : hub_(hub), scratch_(dir / ("web-replay-" + std::to_string(::getpid()))) {}

CityReviewFigures::~CityReviewFigures() = default;

const CityCaseBooks& CityReviewFigures::Books() {
  const uint64_t records = hub_.store().RecordCount();
  if (!books_ || records != built_records_) {
    books_.reset();  // its replays' directories go before the new ones take the same names
    books_ = std::make_unique<CityCaseBooks>(hub_.store(), hub_.cases(), hub_.key().public_key(), scratch_);
    built_records_ = records;
  }
  return *books_;
}

Json CityReviewFigures::Queue(int64_t at_ms) {
  std::lock_guard lock(mutex_);
  const CityCaseBooks& books = Books();
  Json queue = BuildQueue(books.Sources(), at_ms);
  queue["county_receipts"] = books.county_receipts();
  return queue;
}

Json CityReviewFigures::Sla(const SlaReportOptions& options) {
  std::lock_guard lock(mutex_);
  const CityCaseBooks& books = Books();
  Json report = BuildSlaReport(books.Sources(), options);
  report["county_receipts"] = books.county_receipts();
  return report;
}

Json CityReviewFigures::CaseFigures(const CaseFile& file, int64_t at_ms) {
  std::lock_guard lock(mutex_);
  const CityCaseBooks& books = Books();
  bool county_receipts = false;
  const CaseBook& book = books.BookOf(file.county, &county_receipts);
  if (county_receipts) {
    if (std::optional<CaseFile> measured = book.Find(file.app_id, file.county, file.outlet_id)) {
      Json figures = CaseFiguresOf(book, *measured, at_ms);
      figures["receipts"] = books.FellBack(file.county, file.app_id, file.outlet_id) ? "county_and_city" : "county";
      return figures;
    }
  }
  // The county published no log yet (or the replay holds nothing of the case): the city's own.
  Json figures = CaseFiguresOf(hub_.cases(), file, at_ms);
  figures["receipts"] = "city";
  return figures;
}

std::unique_ptr<ReviewFigures> HubReviewFigures(Hub& hub, const std::filesystem::path& dir) {
  if (hub.config().role == "city") return std::make_unique<CityReviewFigures>(hub, dir);
  return std::make_unique<BookFigures>(hub.cases());
}

}  // namespace bangban
