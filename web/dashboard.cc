#include "web/dashboard.h"

#include "protocol/civil_time.h"
#include "review/sla_report.h"

namespace bangban {

Json SlaDashboardSource::Build(int64_t at_ms) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (built_ && now - *built_ < std::chrono::seconds(30)) return cached_;

  SlaReportOptions options;
  options.at_ms = at_ms;
  const Json report = BuildSlaReport(cases_, options);
  Json counties = Json::array();
  for (const Json& row : report["by_county"]) {
    counties.push_back({{"county", row["county"]},
                        {"received", row["received"]},
                        {"completed", row["completed"]},
                        {"on_time_rate", row["on_time_rate"]},
                        {"open_yellow", row["open_yellow"]},
                        {"open_red", row["open_red"]},
                        {"coverage", nullptr},
                        {"six_haves", nullptr},
                        {"filing_rate", nullptr},
                        {"complaints", nullptr},
                        {"score", nullptr}});
  }
  const Json& totals = report["totals"];
  Json colours = {{"green", totals["open_green"]},
                  {"yellow", totals["open_yellow"]},
                  {"red", totals["open_red"]},
                  {"paused", totals["paused"]}};

  // On-time rate of the applications received on each of the last days, as evaluated now.
  Json by_day = Json::array();
  const int64_t today = LocalDays(at_ms);
  for (int back = kDays - 1; back >= 0; --back) {
    SlaReportOptions day;
    day.at_ms = at_ms;
    day.from = day.to = CivilFromDays(today - back);
    const Json figures = BuildSlaReport(cases_, day)["totals"];
    by_day.push_back({{"date", FormatCivilDate(*day.from)},
                      {"completed", figures["completed"]},
                      {"on_time_rate", figures["on_time_rate"]}});
  }
  cached_ = {{"at", report["at"]},
             {"simulation", report["simulation"]},
             {"hub", report["hub"]},
             {"counties", counties},
             {"colours", colours},
             {"on_time_by_day", by_day},
             {"uncovered_townships", nullptr},
             {"inactive_outlets", nullptr},
             {"deductions", nullptr},
             {"pending",
              {"coverage", "six_haves", "filing_rate", "complaints", "score", "uncovered_townships", "inactive_outlets",
               "deductions"}},
             {"source", "review projections (SLA report); oversight figures pending"}};
  built_ = now;
  return cached_;
}

}  // namespace bangban
