// Where the pages' SLA figures come from: the review queue, the SLA report and one case's
// standing. A county hub measures with its own case book (BookFigures). The city hub measures
// each county's applications with the county's receipt instants, as its `report sla` does
// (hub/hub_review_figures.h, oversight/city_sla.h), so that the city's pages show the county's
// elapsed working time however late the records reached the city.
#pragma once

#include <cstdint>

#include "review/case_book.h"
#include "review/sla_report.h"

namespace bangban {

class ReviewFigures {
 public:
  virtual ~ReviewFigures() = default;
  // The queue at `at_ms`, as `bangban-hub queue --json` prints it (at the city with
  // "county_receipts", as `report sla` says it).
  virtual Json Queue(int64_t at_ms) = 0;
  // The SLA report, as `bangban-hub report sla --json` prints it.
  virtual Json Sla(const SlaReportOptions& options) = 0;
  // The figures of the case `file` (this hub's case file) at `at_ms`, as the queue and the SLA
  // report measure it: {"state", "colour", "received", "deadline", "completed_at",
  // "elapsed_working_minutes", "returns"}; at the city also "receipts": "county" (measured with
  // the county's receipts), "county_and_city" (some of its records are measured from the city's
  // own receipt, their county leaves not arrived yet) or "city" (the county published no log).
  virtual Json CaseFigures(const CaseFile& file, int64_t at_ms) = 0;
};

// The figures of `file`, a case file of `book`, measured by `book` at `at_ms` (the fields of
// ReviewFigures::CaseFigures but "receipts"). An open case is evaluated at `at_ms` as the queue
// shows it: its colour and working time move.
Json CaseFiguresOf(const CaseBook& book, const CaseFile& file, int64_t at_ms);

// A hub's own case book: its own receipt instants.
class BookFigures : public ReviewFigures {
 public:
  explicit BookFigures(const CaseBook& cases) : cases_(cases) {}
  Json Queue(int64_t at_ms) override { return BuildQueue(cases_, at_ms); }
  Json Sla(const SlaReportOptions& options) override { return BuildSlaReport(cases_, options); }
  Json CaseFigures(const CaseFile& file, int64_t at_ms) override { return CaseFiguresOf(cases_, file, at_ms); }

 private:
  const CaseBook& cases_;
};

}  // namespace bangban
