#include "oversight/oversight_report.h"

#include <set>

#include "protocol/civil_time.h"
#include "protocol/clock.h"
#include "review/sla_report.h"

namespace bangban {

namespace {

constexpr int64_t kDayMs = 86'400'000;

Json Rate(int64_t part, int64_t whole) { return whole == 0 ? Json(nullptr) : Json(double(part) / double(whole)); }
Json Rate(const Json& part, const Json& whole) { return Rate(part.get<int64_t>(), whole.get<int64_t>()); }

// The Monday of an instant's local week, as the week's name.
std::string WeekOf(int64_t ms) {
  int64_t days = LocalDays(ms);
  int weekday = WeekdayOfDays(days);  // 0 = Sunday
  return FormatCivilDate(CivilFromDays(days - (weekday + 6) % 7));
}

Json OutletsFigures(const CountyCensus& c, int64_t at_ms, int inactive_days) {
  Json by_kind = Json::object(), inactive = Json::array();
  int64_t total = 0, active = 0, revoked = 0;
  for (const auto& [id, o] : c.outlets) {
    if (o.revoked) {
      ++revoked;
      continue;
    }
    ++total;
    std::string kind = o.profile ? o.profile->body["kind"].get<std::string>() : "no_profile";
    by_kind[kind] = by_kind.value(kind, 0) + 1;
    if (IsActive(o, at_ms, inactive_days)) {
      ++active;
    } else {
      inactive.push_back({{"outlet_id", id},
                          {"name", o.name},
                          {"last_record", o.last_record ? Json(o.last_record->id) : Json(nullptr)},
                          {"last_activity", o.last_record ? Json(FormatRfc3339(o.last_record->ts)) : Json(nullptr)}});
    }
  }
  return {{"total", total},     {"active", active},   {"inactive", total - active},
          {"revoked", revoked}, {"by_kind", by_kind}, {"inactive_outlets", inactive}};
}

Json CoverageFigures(const CountyCensus& c, int64_t at_ms, int inactive_days) {
  std::set<std::string> covered_codes;
  for (const auto& [id, o] : c.outlets) {
    if (o.township_code && IsActive(o, at_ms, inactive_days)) covered_codes.insert(*o.township_code);
  }
  int64_t counted = 0, covered = 0;
  Json uncovered = Json::array();
  if (c.townships) {
    for (const Township& t : c.townships->units) {
      if (!t.counted()) continue;
      ++counted;
      if (covered_codes.count(t.code)) {
        ++covered;
      } else {
        uncovered.push_back({{"code", t.code}, {"name", t.name}});
      }
    }
  }
  return {{"townships", counted},
          {"covered", covered},
          {"uncovered", uncovered},
          {"townships_record", c.townships ? Json(c.townships_record) : Json(nullptr)}};
}

Json SixHavesFigures(const CountyCensus& c) {
  Json items = Json::object(), outlets = Json::array();
  for (const char* item : kSixHaves) items[item] = {{"claimed", 0}, {"inspected", 0}};
  int64_t profiled = 0, inspected_outlets = 0, all_claimed = 0, all_inspected = 0;
  for (const auto& [id, o] : c.outlets) {
    if (o.revoked || !o.profile) continue;
    ++profiled;
    const Json& claimed = o.profile->body["six_haves"];
    bool every_claimed = true, every_found = o.inspection.has_value();
    for (const char* item : kSixHaves) {
      bool claim = claimed[item].get<bool>();
      bool found = o.inspection && o.inspection->body["six_haves"][item].get<bool>();
      items[item]["claimed"] = items[item]["claimed"].get<int64_t>() + (claim ? 1 : 0);
      items[item]["inspected"] = items[item]["inspected"].get<int64_t>() + (found ? 1 : 0);
      every_claimed = every_claimed && claim;
      every_found = every_found && found;
    }
    inspected_outlets += o.inspection ? 1 : 0;
    all_claimed += every_claimed ? 1 : 0;
    all_inspected += every_found ? 1 : 0;
    Json row = {{"outlet_id", id}, {"claimed", claimed}, {"profile", o.profile->id}};
    if (o.inspection) {
      row["inspected"] = o.inspection->body["six_haves"];
      row["inspector"] = o.inspection->body["inspector"];
      row["date"] = o.inspection->body["date"];
      row["inspection"] = o.inspection->id;
    } else {
      row["inspected"] = nullptr;
    }
    outlets.push_back(std::move(row));
  }
  return {{"outlets_with_profile", profiled},
          {"outlets_inspected", inspected_outlets},
          {"items", items},
          {"all_six", {{"claimed", all_claimed}, {"inspected", all_inspected}}},
          {"by_outlet", outlets}};
}

Json ServicesFigures(const CountyCensus& c, Json& fee_violations, Json& workload_weeks) {
  Json offered = Json::object(), by_kind = Json::object(), by_channel = Json::object();
  for (const auto& [id, o] : c.outlets) {
    if (o.revoked || !o.profile) continue;
    for (const Json& s : o.profile->body["services"])
      offered[s.get<std::string>()] = offered.value(s.get<std::string>(), 0) + 1;
  }
  std::map<std::pair<std::string, std::string>, int64_t> weeks;
  for (const Cited& app : c.apps) {
    const std::string kind = app.body["kind"], channel = app.body["channel"];
    by_kind[kind] = by_kind.value(kind, 0) + 1;
    by_channel[channel] = by_channel.value(channel, 0) + 1;
    if (app.body["fee_cents"].get<int64_t>() > 0) {
      fee_violations.push_back({{"record", app.id},
                                {"outlet_id", app.body["outlet_id"]},
                                {"app_id", app.body["app_id"]},
                                {"fee_cents", app.body["fee_cents"]}});
    }
    ++weeks[{WeekOf(app.ts), app.body["outlet_id"].get<std::string>()}];
  }
  for (const auto& [key, n] : weeks) {
    workload_weeks.push_back({{"week_of", key.first}, {"outlet_id", key.second}, {"applications", n}});
  }
  return {{"offered_by_outlets", offered},
          {"applications", static_cast<int64_t>(c.apps.size())},
          {"by_kind", by_kind},
          {"by_channel", by_channel}};
}

// Entities due for report year Y: established in Y or before (an entity established this year is
// due from next year), filing window 1 Jan – 30 Jun of Y + 1.
Json AnnualFigures(const CountyCensus& c, int64_t at_ms) {
  Json years = Json::object();
  const int this_year = LocalDate(at_ms).year;
  int first = this_year;
  for (const auto& [uscc, e] : c.entities) first = std::min(first, e.established_year);
  std::map<std::pair<std::string, int64_t>, const Cited*> first_filing;
  int64_t unknown = 0;
  for (const Cited& f : c.filings) {
    std::pair key{f.body["uscc"].get<std::string>(), f.body["year"].get<int64_t>()};
    if (!c.entities.count(key.first)) ++unknown;
    auto& slot = first_filing[key];
    if (!slot || f.ts < slot->ts) slot = &f;
  }
  for (int year = first; year < this_year; ++year) {
    const int64_t deadline = LocalMidnightMs(DaysFromCivil({year + 1, 7, 1}));  // end of 30 Jun
    int64_t due = 0, on_time = 0, late = 0;
    for (const auto& [uscc, e] : c.entities) {
      if (e.established_year > year) continue;
      ++due;
      auto filed = first_filing.find({uscc, year});
      if (filed == first_filing.end()) continue;
      (filed->second->ts < deadline ? on_time : late) += 1;
    }
    if (due == 0) continue;
    years[std::to_string(year)] = {{"due", due}, {"filed", on_time + late}, {"on_time", on_time}, {"late", late}};
  }
  Json reminders = Json::object();
  for (const Cited& r : c.reminders) {
    std::string year = std::to_string(r.body["year"].get<int64_t>());
    reminders[year] = reminders.value(year, 0) + 1;
  }
  return {{"entities", static_cast<int64_t>(c.entities.size())},
          {"by_year", years},
          {"filings_of_unknown_entities", unknown},
          {"reminders", {{"total", static_cast<int64_t>(c.reminders.size())}, {"by_year", reminders}}}};
}

Json ComplaintFigures(const CountyCensus& c) {
  int64_t verified = 0, upheld = 0, deductions = 0;
  Json by_category = Json::object(), list = Json::array();
  for (const auto& [id, k] : c.complaints) {
    const std::string category = k.filed.body["category"];
    by_category[category] = by_category.value(category, 0) + 1;
    Json row = {{"complaint", id},
                {"outlet_id", k.outlet_id},
                {"category", category},
                {"filed_at", FormatRfc3339(k.filed.ts)},
                {"verdict", nullptr}};
    if (k.verdict) {
      ++verified;
      bool is_upheld = k.verdict->body["upheld"].get<bool>();
      upheld += is_upheld ? 1 : 0;
      deductions += k.verdict->body["deduction"].get<int64_t>();
      row["verdict"] = {{"record", k.verdict->id},
                        {"upheld", is_upheld},
                        {"deduction", k.verdict->body["deduction"]},
                        {"reason", k.verdict->body.value("reason", "")}};
    }
    list.push_back(std::move(row));
  }
  const auto filed = static_cast<int64_t>(c.complaints.size());
  return {{"filed", filed},
          {"verified", verified},
          {"upheld", upheld},
          {"not_upheld", verified - upheld},
          {"pending", filed - verified},
          {"deduction_points", deductions},
          {"by_category", by_category},
          {"complaints", list}};
}

Json SatisfactionFigures(const CountyCensus& c) {
  Json distribution = {{"1", 0}, {"2", 0}, {"3", 0}, {"4", 0}, {"5", 0}};
  int64_t sum = 0;
  for (const Cited& r : c.ratings) {
    int64_t score = r.body["score"].get<int64_t>();
    sum += score;
    distribution[std::to_string(score)] = distribution[std::to_string(score)].get<int64_t>() + 1;
  }
  return {{"ratings", static_cast<int64_t>(c.ratings.size())}, {"score_sum", sum}, {"distribution", distribution}};
}

Json TrainingFigures(const CountyCensus& c) {
  std::set<std::pair<std::string, std::string>> staff;
  int64_t hours = 0;
  for (const Cited& t : c.trainings) {
    staff.insert({t.body["outlet_id"].get<std::string>(), t.body["staff"].get<std::string>()});
    hours += t.body["hours"].get<int64_t>();
  }
  return {{"sessions", static_cast<int64_t>(c.trainings.size())},
          {"staff_trained", static_cast<int64_t>(staff.size())},
          {"hours", hours}};
}

Json ReviewerWorkload(const CountyCensus& c) {
  Json reviewers = Json::object();
  for (const Cited& r : c.reviews) {
    const std::string who = r.body["reviewer"];
    if (!reviewers.contains(who)) reviewers[who] = {{"actions", 0}, {"decisions", 0}};
    reviewers[who]["actions"] = reviewers[who]["actions"].get<int64_t>() + 1;
    const std::string action = r.body["action"];
    if (action == "approve" || action == "reject") {
      reviewers[who]["decisions"] = reviewers[who]["decisions"].get<int64_t>() + 1;
    }
  }
  return reviewers;
}

Json ReferralFigures(const CountyCensus& c) {
  Json by_kind = Json::object();
  for (const Cited& r : c.referrals) {
    const std::string kind = r.body["kind"];
    by_kind[kind] = by_kind.value(kind, 0) + 1;
  }
  return {{"total", static_cast<int64_t>(c.referrals.size())}, {"by_kind", by_kind}};
}

// Adds `from` into `into`: numbers are summed, lists joined, objects merged key by key; text
// (a county's code) is left out of a total.
void Accumulate(Json& into, const Json& from) {
  for (const auto& item : from.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    if (value.is_number_integer()) {
      into[key] = into.value(key, Json(0)).get<int64_t>() + value.get<int64_t>();
    } else if (value.is_array()) {
      if (!into.contains(key)) into[key] = Json::array();
      for (const Json& v : value) into[key].push_back(v);
    } else if (value.is_object()) {
      if (!into.contains(key)) into[key] = Json::object();
      Accumulate(into[key], value);
    }
  }
}

// The rates and averages, from the counts beside them (for a county and for a total alike).
void AddRates(Json& f) {
  f["coverage"]["rate"] = Rate(f["coverage"]["covered"], f["coverage"]["townships"]);
  f["outlets"]["active_rate"] = Rate(f["outlets"]["active"], f["outlets"]["total"]);
  Json& six = f["six_haves"];
  six["all_six"]["claimed_rate"] = Rate(six["all_six"]["claimed"], six["outlets_with_profile"]);
  six["all_six"]["inspected_rate"] = Rate(six["all_six"]["inspected"], six["outlets_with_profile"]);
  for (auto& item : six["items"]) {
    item["claimed_rate"] = Rate(item["claimed"], six["outlets_with_profile"]);
    item["inspected_rate"] = Rate(item["inspected"], six["outlets_with_profile"]);
  }
  for (auto& year : f["annual_reports"]["by_year"]) {
    year["filing_rate"] = Rate(year["filed"], year["due"]);
    year["on_time_rate"] = Rate(year["on_time"], year["due"]);
  }
  Json& s = f["satisfaction"];
  s["average"] = Rate(s["score_sum"], s["ratings"]);
}

}  // namespace

bool IsActive(const OutletEntry& outlet, int64_t at_ms, int inactive_days) {
  return !outlet.revoked && outlet.last_record && outlet.last_record->ts > at_ms - inactive_days * kDayMs;
}

Json CountyFigures(const CountyCensus& c, int64_t at_ms, const OversightReportOptions& options) {
  Json fee_violations = Json::array(), weeks = Json::array();
  Json services = ServicesFigures(c, fee_violations, weeks);
  Json reviewers = ReviewerWorkload(c);
  Json f = {{"county", c.county},
            {"outlets", OutletsFigures(c, at_ms, options.inactive_days)},
            {"coverage", CoverageFigures(c, at_ms, options.inactive_days)},
            {"six_haves", SixHavesFigures(c)},
            {"services", services},
            {"fee_violations", fee_violations},
            {"annual_reports", AnnualFigures(c, at_ms)},
            {"referrals", ReferralFigures(c)},
            {"training", TrainingFigures(c)},
            {"complaints", ComplaintFigures(c)},
            {"satisfaction", SatisfactionFigures(c)},
            {"workload", {{"reviewers", reviewers}, {"outlets_by_week", weeks}}}};
  return f;
}

Json BuildOversightReport(const Census& census, const std::string& role, const OversightReportOptions& options) {
  Json counties = Json::array(), total = Json::object();
  for (const auto& [code, c] : census.counties) {
    Json f = CountyFigures(c, census.at_ms, options);
    // Pseudonyms are per county, so the city's total is the sum: one person in two counties counts twice.
    f["distinct_applicants"] = c.applicants.size();
    Accumulate(total, f);
    AddRates(f);
    if (options.sla.is_object()) {
      f["sla"] = nullptr;
      for (const Json& row : options.sla["by_county"]) {
        if (row["county"] == code) f["sla"] = row;
      }
      // The applications behind a missed on-time rate, for the assessment's evidence.
      if (f["sla"].is_object() && options.sla.contains("apps")) {
        Json breached = Json::array();
        for (const Json& app : options.sla["apps"]) {
          if (app["county"] == code && app["breached"].get<bool>()) {
            breached.push_back({{"outlet_id", app["outlet_id"]}, {"app_id", app["app_id"]}});
          }
        }
        f["sla"]["breached_applications"] = breached;
      }
    }
    counties.push_back(std::move(f));
  }
  Json flags = Json::array();
  for (const Flag& flag : census.flags) flags.push_back(flag.ToJson());
  Json report = {{"report", "oversight"},
                 {"at", FormatRfc3339(census.at_ms)},
                 {"inactive_days", options.inactive_days},
                 {"counties", counties},
                 {"flags", flags}};
  if (role == "city") {
    if (census.counties.empty()) {
      total = CountyFigures(CountyCensus{}, census.at_ms, options);
      total["distinct_applicants"] = 0;
    }
    total.erase("county");
    AddRates(total);
    if (options.sla.is_object()) total["sla"] = options.sla["totals"];
    report["total"] = total;
  }
  return report;
}

Json ComputeOversightReport(const FeedStore& store, const CaseBook& cases, const CensusScope& scope, int inactive_days,
                            int64_t at_ms) {
  SlaReportOptions sla_options;
  sla_options.at_ms = at_ms;
  sla_options.apps = true;
  return ComputeOversightReport(store, BuildSlaReport(cases, sla_options), scope, inactive_days, at_ms);
}

Json ComputeOversightReport(const FeedStore& store, Json sla, const CensusScope& scope, int inactive_days,
                            int64_t at_ms) {
  OversightReportOptions options;
  options.inactive_days = inactive_days;
  options.sla = std::move(sla);
  return BuildOversightReport(TakeCensus(store, scope, at_ms), scope.role, options);
}

}  // namespace bangban
