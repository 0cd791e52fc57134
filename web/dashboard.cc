#include "web/dashboard.h"

#include "protocol/civil_time.h"
#include "review/sla_report.h"

namespace bangban {

Json SlaDashboardSource::Build(int64_t at_ms) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (built_ && now - *built_ < std::chrono::seconds(30)) return cached_;
  BookFigures figures(cases_);
  cached_ = SlaDashboard(figures, at_ms);
  built_ = now;
  return cached_;
}

Json SlaDashboard(ReviewFigures& figures, int64_t at_ms) {
  SlaReportOptions options;
  options.at_ms = at_ms;
  const Json report = figures.Sla(options);
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
  for (int back = SlaDashboardSource::kDays - 1; back >= 0; --back) {
    SlaReportOptions day;
    day.at_ms = at_ms;
    day.from = day.to = CivilFromDays(today - back);
    const Json totals = figures.Sla(day)["totals"];
    by_day.push_back({{"date", FormatCivilDate(*day.from)},
                      {"completed", totals["completed"]},
                      {"on_time_rate", totals["on_time_rate"]}});
  }
  return {{"at", report["at"]},
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
}

namespace {

// The filing rate of the latest year the report lists, and that year; nulls without one.
std::pair<Json, Json> LatestFilingRate(const Json& annual) {
  Json rate = nullptr, year = nullptr;
  if (annual.is_object() && annual.contains("by_year")) {
    for (const auto& [y, figures] : annual["by_year"].items()) {
      if (year.is_null() || y > year.get<std::string>()) {
        year = y;
        rate = figures.value("filing_rate", Json(nullptr));
      }
    }
  }
  return {rate, year};
}

Json EmptyRow(const std::string& county) {
  return {{"county", county},       {"received", 0},         {"completed", 0},      {"on_time_rate", nullptr},
          {"open_yellow", 0},       {"open_red", 0},         {"coverage", nullptr}, {"six_haves", nullptr},
          {"filing_rate", nullptr}, {"complaints", nullptr}, {"score", nullptr}};
}

}  // namespace

Json WithOversight(Json dashboard, const Json& oversight, const Json& assessment, const std::string& score_problem) {
  Json& rows = dashboard["counties"];
  auto row_of = [&](const std::string& county) -> Json& {
    for (Json& row : rows) {
      if (row["county"] == county) return row;
    }
    rows.push_back(EmptyRow(county));
    return rows.back();
  };
  Json uncovered = Json::array(), inactive = Json::array(), deductions = Json::array();
  for (const Json& f : oversight["counties"]) {
    const std::string county = f["county"].get<std::string>();
    Json& row = row_of(county);
    // The SLA columns as the oversight report measured them: at the city with the county's
    // receipts (its `report sla`); at a county hub the very figures of its own case book.
    if (f.contains("sla") && f["sla"].is_object()) {
      for (const char* field : {"received", "completed", "on_time_rate", "open_yellow", "open_red"}) {
        row[field] = f["sla"][field];
      }
    }
    row["coverage"] = f["coverage"]["rate"];
    row["townships"] = f["coverage"]["townships"];
    row["townships_covered"] = f["coverage"]["covered"];
    row["six_haves"] = f["six_haves"]["all_six"]["inspected_rate"];
    row["six_haves_claimed"] = f["six_haves"]["all_six"]["claimed_rate"];
    const auto [rate, year] = LatestFilingRate(f["annual_reports"]);
    row["filing_rate"] = rate;
    row["filing_year"] = year;
    row["complaints"] = f["complaints"]["filed"];
    row["complaints_upheld"] = f["complaints"]["upheld"];
    for (const Json& t : f["coverage"]["uncovered"]) {
      uncovered.push_back({{"county", county}, {"code", t["code"]}, {"name", t["name"]}});
    }
    for (Json o : f["outlets"]["inactive_outlets"]) {
      o["county"] = county;
      inactive.push_back(std::move(o));
    }
  }
  if (oversight.contains("total") && oversight["total"].contains("sla") && oversight["total"]["sla"].is_object()) {
    const Json& totals = oversight["total"]["sla"];
    dashboard["colours"] = {{"green", totals["open_green"]},
                            {"yellow", totals["open_yellow"]},
                            {"red", totals["open_red"]},
                            {"paused", totals["paused"]}};
  }
  Json pending = Json::array();
  if (assessment.is_object()) {
    for (const Json& c : assessment["counties"]) {
      row_of(c["county"].get<std::string>())["score"] = c["score"];
      for (const Json& d : c["deductions"]) {
        if (d["count"].get<int64_t>() == 0) continue;
        Json deduction = d;
        deduction["county"] = c["county"];
        deductions.push_back(std::move(deduction));
      }
    }
    dashboard["rules"] = assessment["rules"];
  } else {
    pending = {"score", "deductions"};
    dashboard["score_problem"] = score_problem;
  }
  dashboard["uncovered_townships"] = std::move(uncovered);
  dashboard["inactive_outlets"] = std::move(inactive);
  dashboard["deductions"] = assessment.is_object() ? std::move(deductions) : Json(nullptr);
  dashboard["pending"] = std::move(pending);
  dashboard["source"] = assessment.is_object() ? "oversight report and assessment (rules " +
                                                     assessment["rules"]["version"].get<std::string>() + ")"
                                               : "oversight report; no assessment: " + score_problem;
  return dashboard;
}

}  // namespace bangban
