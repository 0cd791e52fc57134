#include "hub/hub_dashboard.h"

#include "crypto/error.h"
#include "hub/hub.h"
#include "hub/oversight_commands.h"

namespace bangban {

OversightDashboardSource::OversightDashboardSource(Hub& hub, std::filesystem::path dir, ReviewFigures& figures)
    : hub_(hub), figures_(figures), dir_(std::move(dir)) {}

Json OversightDashboardSource::Build(int64_t at_ms) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const uint64_t records = hub_.store().RecordCount();
  if (built_ && records == built_records_ && at_ms / 60000 == built_at_ms_ / 60000 &&
      now - *built_ < std::chrono::seconds(30)) {
    return cached_;
  }
  const Json oversight = OversightReportOf(hub_, dir_, at_ms);
  Json assessment = nullptr;
  std::string problem;
  try {
    assessment = AssessmentOf(hub_, dir_, at_ms);
  } catch (const Error& e) {
    problem = e.what();  // no rules file yet: the score stays pending, saying why
  }
  cached_ = WithOversight(SlaDashboard(figures_, at_ms), oversight, assessment, problem);
  built_ = now;
  built_records_ = records;
  built_at_ms_ = at_ms;
  return cached_;
}

}  // namespace bangban
