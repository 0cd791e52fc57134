#include "web/review_figures.h"

#include "protocol/clock.h"

namespace bangban {
namespace {

Json TimeOrNull(int64_t ms) { return ms > 0 ? Json(FormatRfc3339(ms)) : Json(nullptr); }

}  // namespace

Json CaseFiguresOf(const CaseBook& book, const CaseFile& file, int64_t at_ms) {
  const CaseSummary& s = file.summary;
  Json figures = {{"state", std::string(ToString(s.state))},
                  {"colour", IsCompleted(s.state) ? "done" : "none"},
                  {"received", TimeOrNull(s.received_ms)},
                  {"deadline", TimeOrNull(s.deadline_ms)},
                  {"completed_at", TimeOrNull(s.end_ms)},
                  {"elapsed_working_minutes", s.elapsed_ms / 60000},
                  {"returns", s.returns}};
  if (IsCompleted(s.state)) return figures;
  const Json queue = BuildQueue(book, at_ms);
  for (const char* list : {"open", "paused"}) {
    for (const Json& q : queue[list]) {
      if (q["app_id"] == file.app_id && q["outlet_id"] == file.outlet_id && q["county"] == file.county) {
        for (const char* field : {"state", "colour", "deadline", "elapsed_working_minutes"}) figures[field] = q[field];
      }
    }
  }
  return figures;
}

}  // namespace bangban
