#include "review/sla_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include "crypto/error.h"
#include "protocol/clock.h"

namespace bangban {
namespace {

double Minutes(int64_t ms) { return std::round(static_cast<double>(ms) / 6'000.0) / 10.0; }  // to 0.1 min

Json Rate(uint64_t part, uint64_t whole) {
  if (whole == 0) return nullptr;
  return std::round(static_cast<double>(part) / static_cast<double>(whole) * 10'000.0) / 10'000.0;
}

// Nearest-rank percentile: the smallest value with at least p of the values at or below it,
// i.e. sorted[ceil(p * n) - 1]. The median is p = 0.5 (the lower middle value when n is even).
// It is always one of the observed values, so it is exact and reproducible.
std::optional<int64_t> Percentile(std::vector<int64_t>& values, double p) {
  if (values.empty()) return std::nullopt;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  rank = std::clamp<size_t>(rank, 1, values.size());
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank - 1), values.end());
  return values[rank - 1];
}

Json MinutesOrNull(std::optional<int64_t> ms) { return ms ? Json(Minutes(*ms)) : Json(nullptr); }

struct Figures {
  uint64_t received = 0, completed = 0, on_time = 0, breached = 0;
  uint64_t open = 0, green = 0, yellow = 0, red = 0, paused = 0;
  uint64_t first_pass = 0, returns = 0, late_returns = 0, statutory = 0;
  uint64_t fee_violations = 0, conflicts = 0, provisional = 0;
  std::vector<int64_t> completion_ms;  // working time to completion, per completed case
  std::vector<int64_t> transit_ms;     // per received case

  void Add(const CaseSummary& s, const CaseStanding& st) {
    ++received;
    if (st.completed) {
      ++completed;
      if (st.met) ++on_time;
      if (st.first_pass) ++first_pass;
      completion_ms.push_back(st.elapsed_ms);
    }
    if (st.breached) ++breached;
    switch (st.colour) {
      case SlaColour::kGreen:
        ++open, ++green;
        break;
      case SlaColour::kYellow:
        ++open, ++yellow;
        break;
      case SlaColour::kRed:
        ++open, ++red;
        break;
      case SlaColour::kPaused:
        ++paused;
        break;
      default:
        break;
    }
    returns += st.returns;
    late_returns += st.late_returns;
    if (st.statutory_breach) ++statutory;
    if (s.fee_cents > 0) ++fee_violations;
    conflicts += st.conflicts;
    if (st.provisional) ++provisional;
    transit_ms.push_back(st.transit_delay_ms);
  }

  Json ToJson() {
    const std::optional<int64_t> median_transit = Percentile(transit_ms, 0.5);
    return {{"received", received},
            {"completed", completed},
            {"completed_on_time", on_time},
            {"breached", breached},
            {"open", open},
            {"open_green", green},
            {"open_yellow", yellow},
            {"open_red", red},
            {"paused", paused},
            {"on_time_rate", Rate(on_time, completed)},
            {"median_working_minutes", MinutesOrNull(Percentile(completion_ms, 0.5))},
            {"p90_working_minutes", MinutesOrNull(Percentile(completion_ms, 0.9))},
            {"first_pass", first_pass},
            {"first_pass_rate", Rate(first_pass, completed)},
            {"returns", returns},
            {"late_returns", late_returns},
            {"statutory_breaches", statutory},
            {"median_transit_delay_ms", median_transit ? Json(*median_transit) : Json(nullptr)},
            {"fee_violations", fee_violations},
            {"conflicts", conflicts},
            {"provisional", provisional}};
  }
};

Json TimeOrNull(int64_t ms) { return ms == 0 ? Json(nullptr) : Json(FormatRfc3339(ms)); }
Json TextOrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json ProfileJson(const SlaProfile& p) {
  Json calendars = Json::array();
  for (const CalendarSource& c : p.calendars) calendars.push_back(c.name);
  return {{"profile", p.id},
          {"effective_from", FormatRfc3339(p.effective_from_ms)},
          {"policy", std::string(ToString(p.settings.policy))},
          {"target_minutes", p.settings.target_minutes},
          {"warn_ratio", p.settings.warn_ratio},
          {"late_return_ratio", p.settings.late_return_ratio},
          {"statutory_working_days", p.settings.statutory_working_days},
          {"working_day_minutes", p.settings.working_day_minutes},
          {"calendars", calendars},
          {"calendar_fingerprint", p.fingerprint}};
}

Json AppJson(const CaseFile& file, const CaseSummary& s, const CaseStanding& st, const SlaProfile& profile) {
  Json actions = Json::array();
  for (const CaseEvent& e : file.events) {
    Json a = {{"action", std::string(ToString(e.action))},
              {"at", FormatRfc3339(e.received_ms)},
              {"author", ToHex(e.author).substr(0, 16)},
              {"seq", e.seq}};
    if (!e.reviewer.empty()) a["reviewer"] = e.reviewer;
    if (e.fate != EventFate::kApplied) a["fate"] = e.fate == EventFate::kConflict ? "conflict" : "ignored";
    actions.push_back(std::move(a));
  }
  return {{"app_id", file.app_id},
          {"county", file.county},
          {"outlet_id", file.outlet_id},
          {"also_filed_by", s.also_filed_by},
          {"outlet_key", ToHex(s.outlet_key)},
          {"kind", s.app_kind},
          {"entity_type", s.entity_type},
          {"channel", s.channel},
          {"fee_cents", s.fee_cents},
          {"state", std::string(ToString(st.state))},
          {"colour", std::string(ToString(st.colour))},
          {"received", FormatRfc3339(s.received_ms)},
          {"deadline", TimeOrNull(st.deadline_ms)},
          {"completed_at", TimeOrNull(st.end_ms)},
          {"elapsed_working_minutes", Minutes(st.elapsed_ms)},
          {"met", st.met},
          {"breached", st.breached},
          {"first_pass", st.first_pass},
          {"returns", st.returns},
          {"late_returns", st.late_returns},
          {"statutory_breach", st.statutory_breach},
          {"provisional", st.provisional},
          {"transit_delay_ms", st.transit_delay_ms},
          {"reviewer", TextOrNull(s.reviewer)},
          {"assigned_reviewer", TextOrNull(s.assigned_reviewer)},
          {"uscc", TextOrNull(s.uscc)},
          {"conflicts", st.conflicts},
          {"calendar_fingerprint", profile.fingerprint},
          {"profile", profile.id},
          {"actions", actions}};
}

template <typename Key>
Json GroupJson(std::map<Key, Figures>& groups, const std::function<Json(const Key&)>& label) {
  Json out = Json::array();
  for (auto& [key, figures] : groups) {
    Json row = label(key);
    row.update(figures.ToJson());
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

namespace {

// Whether a case of `county` is this hub's to count: a county hub counts only its own county's
// applications (another county's reach it in the city's export and are carried, not counted);
// the city hub counts every county's.
bool OwnCounty(const CaseBook& book, const std::string& county) {
  return book.hub().role != "county" || county == book.hub().county;
}

}  // namespace

Json BuildSlaReport(const CaseBook& book, const SlaReportOptions& options) {
  return BuildSlaReport(std::vector<SlaSource>{{&book, nullptr}}, options);
}

Json BuildSlaReport(const std::vector<SlaSource>& sources, const SlaReportOptions& options) {
  if (sources.empty() || sources.front().book == nullptr) {
    throw Error(ErrorCode::kInternal, "an SLA report needs a case book");
  }
  const CaseBook& book = *sources.front().book;
  Figures totals;
  std::map<std::string, Figures> by_county, by_reviewer, by_kind, by_channel;
  std::map<std::pair<std::string, std::string>, Figures> by_outlet;
  std::vector<std::tuple<std::string, std::string, std::string, Json>> apps;  // county, app_id, outlet, entry
  uint64_t unreceived = 0, other_county = 0;
  std::string app_id, county, outlet_id;

  for (const SlaSource& source : sources) {
    const CaseBook& cases = *source.book;
    cases.RequireComplete();
    cases.ScanCases([&](const LmdbTxn& txn, ByteView key, ByteView value) {
      ParseCaseKey(key, app_id, county, outlet_id);
      if (!OwnCounty(cases, county)) {  // carried (the city's export holds every county), not counted
        ++other_county;
        return;
      }
      if (source.counts && !source.counts(county)) return;  // another source counts this county
      const CaseSummary s = DecodeSummary(value);
      if (s.state == CaseState::kNone) {  // review records for an app_id whose app.submit is not here
        ++unreceived;
        return;
      }
      if (s.received_ms > options.at_ms) return;  // not received yet at the report's instant
      if (options.from || options.to) {
        const CivilDate received_on = LocalDate(s.received_ms);
        if ((options.from && received_on < *options.from) || (options.to && received_on > *options.to)) return;
      }
      const CaseStanding st = cases.StandingAt(txn, s, key, value, options.at_ms);
      if (st.state == CaseState::kNone) return;
      totals.Add(s, st);
      by_county[county].Add(s, st);
      by_outlet[{county, s.outlet_id}].Add(s, st);
      by_reviewer[s.reviewer].Add(s, st);
      by_kind[s.app_kind].Add(s, st);
      by_channel[s.channel].Add(s, st);
      if (options.apps) {
        CaseFile file = DecodeCase(key, value);
        apps.emplace_back(county, app_id, outlet_id, AppJson(file, s, st, *cases.Profile(txn, s.profile_id)));
      }
    });
  }

  Json report = {{"report", "sla"},
                 {"hub", {{"role", book.hub().role}, {"county", book.hub().county}, {"name", book.hub().name}}},
                 {"at", FormatRfc3339(options.at_ms)},
                 {"simulation", book.hub().simulation},
                 {"from", options.from ? Json(FormatCivilDate(*options.from)) : Json(nullptr)},
                 {"to", options.to ? Json(FormatCivilDate(*options.to)) : Json(nullptr)},
                 {"rules", ProfileJson(*book.CurrentProfile())},
                 {"totals", totals.ToJson()},
                 {"unreceived", unreceived},
                 {"other_county_cases", other_county},
                 {"ignored_records", book.Ignored()}};
  report["by_county"] = GroupJson<std::string>(by_county, [](const std::string& k) { return Json{{"county", k}}; });
  report["by_outlet"] = GroupJson<std::pair<std::string, std::string>>(by_outlet, [](const auto& k) {
    return Json{{"county", k.first}, {"outlet_id", k.second}};
  });
  report["by_reviewer"] = GroupJson<std::string>(by_reviewer, [](const std::string& k) {
    return Json{{"reviewer", TextOrNull(k)}};
  });
  report["by_kind"] = GroupJson<std::string>(by_kind, [](const std::string& k) { return Json{{"kind", k}}; });
  report["by_channel"] = GroupJson<std::string>(by_channel, [](const std::string& k) { return Json{{"channel", k}}; });
  if (options.apps) {
    std::sort(apps.begin(), apps.end(), [](const auto& a, const auto& b) {
      return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
             std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
    });
    Json list = Json::array();
    for (auto& app : apps) list.push_back(std::move(std::get<3>(app)));
    report["apps"] = std::move(list);
  }
  return report;
}

Json BuildQueue(const CaseBook& book, int64_t at_ms) {
  return BuildQueue(std::vector<SlaSource>{{&book, nullptr}}, at_ms);
}

Json BuildQueue(const std::vector<SlaSource>& sources, int64_t at_ms) {
  if (sources.empty() || sources.front().book == nullptr)
    throw Error(ErrorCode::kInternal, "a queue needs a case book");
  const CaseBook& first = *sources.front().book;
  Json open = Json::array(), paused = Json::array();
  std::string app_id, county, outlet_id;
  uint64_t other_county = 0;
  for (const SlaSource& source : sources) {
    const CaseBook& book = *source.book;
    book.RequireComplete();
    book.ScanOpen([&](const LmdbTxn& txn, ByteView key, ByteView value) {
      ParseCaseKey(key, app_id, county, outlet_id);
      if (!OwnCounty(book, county)) {
        ++other_county;
        return;
      }
      if (source.counts && !source.counts(county)) return;  // another source counts this county
      const CaseSummary s = DecodeSummary(value);
      if (s.received_ms > at_ms) return;
      const CaseStanding st = book.StandingAt(txn, s, key, value, at_ms);
      if (st.state == CaseState::kNone || st.completed) return;  // (only with --at in the past/future)
      Json entry = {{"app_id", app_id},
                    {"county", county},
                    {"outlet_id", outlet_id},
                    {"also_filed_by", s.also_filed_by},
                    {"kind", s.app_kind},
                    {"channel", s.channel},
                    {"state", std::string(ToString(st.state))},
                    {"colour", std::string(ToString(st.colour))},
                    {"received", FormatRfc3339(s.received_ms)},
                    {"deadline", st.colour == SlaColour::kPaused ? Json(nullptr) : TimeOrNull(st.deadline_ms)},
                    {"elapsed_working_minutes", Minutes(st.elapsed_ms)},
                    {"reviewer", TextOrNull(s.reviewer)},
                    {"assigned_reviewer", TextOrNull(s.assigned_reviewer)},
                    {"returns", st.returns}};
      (st.colour == SlaColour::kPaused ? paused : open).push_back(std::move(entry));
    });
  }
  // proj_open is ordered by the deadline as of the last event; evaluated at another instant the
  // order still holds for running cases, but sort anyway so the contract never depends on it.
  std::stable_sort(open.begin(), open.end(), [](const Json& a, const Json& b) {
    return a["deadline"].get<std::string>() < b["deadline"].get<std::string>();
  });
  return {{"report", "queue"},
          {"at", FormatRfc3339(at_ms)},
          {"simulation", first.hub().simulation},
          {"county", first.hub().county},
          {"open", open},
          {"paused", paused},
          {"other_county_cases", other_county}};
}

// ---- text ---------------------------------------------------------------------------------

namespace {

std::string Local(const Json& rfc3339) {
  if (!rfc3339.is_string()) return "-";
  std::string s = rfc3339.get<std::string>();  // 2026-03-02T09:00:00.000+08:00
  return s.size() >= 16 ? s.substr(0, 10) + " " + s.substr(11, 5) : s;
}

std::string Cell(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string Percent(const Json& v) {
  if (v.is_null()) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v.get<double>() * 100.0);
  return buf;
}

std::string Pad(const std::string& s, size_t width, bool right = false) {
  if (s.size() >= width) return s + " ";
  std::string fill(width - s.size(), ' ');
  return (right ? fill + s : s + fill) + " ";
}

void FigureRow(std::ostringstream& out, const std::string& label, const Json& f) {
  out << Pad(label, 24) << Pad(Cell(f["received"]), 6, true) << Pad(Cell(f["completed"]), 6, true)
      << Pad(Cell(f["completed_on_time"]), 8, true) << Pad(Cell(f["breached"]), 7, true)
      << Pad(Cell(f["open_yellow"]), 7, true) << Pad(Cell(f["open_red"]), 5, true)
      << Pad(Percent(f["on_time_rate"]), 9, true) << Pad(Cell(f["median_working_minutes"]), 8, true)
      << Pad(Cell(f["p90_working_minutes"]), 8, true) << Pad(Percent(f["first_pass_rate"]), 11, true)
      << Pad(Cell(f["returns"]), 8, true) << Pad(Cell(f["late_returns"]), 5, true)
      << Pad(Cell(f["statutory_breaches"]), 10, true) << "\n";
}

}  // namespace

std::string FormatQueue(const Json& queue) {
  std::ostringstream out;
  out << "Review queue of county " << queue["county"].get<std::string>() << " at " << Local(queue["at"]) << ": "
      << queue["open"].size() << " open, " << queue["paused"].size() << " waiting for the applicant (补正)\n";
  if (queue.value("simulation", false))
    out << "simulation party: a simulated clock (BANGBAN_NOW, fixed or running) is allowed here\n";
  if (queue.value("other_county_cases", uint64_t{0}) > 0) {
    out << "not listed: " << queue["other_county_cases"] << " open applications of other counties' outlets\n";
  }
  if (queue["open"].empty() && queue["paused"].empty()) return out.str();
  out << Pad("deadline", 17) << Pad("colour", 7) << Pad("app_id", 20) << Pad("outlet", 14) << Pad("kind", 14)
      << Pad("state", 21) << Pad("reviewer", 10) << Pad("elapsed_min", 11, true) << "\n";
  for (const char* part : {"open", "paused"}) {
    for (const Json& c : queue[part]) {
      out << Pad(Local(c["deadline"]), 17) << Pad(c["colour"].get<std::string>(), 7)
          << Pad(c["app_id"].get<std::string>(), 20) << Pad(c["outlet_id"].get<std::string>(), 14)
          << Pad(c["kind"].get<std::string>(), 14) << Pad(c["state"].get<std::string>(), 21)
          << Pad(Cell(c["reviewer"]), 10) << Pad(Cell(c["elapsed_working_minutes"]), 11, true) << "\n";
    }
  }
  // An app_id filed by several outlets is several applications: each is listed, and said so.
  for (const char* part : {"open", "paused"}) {
    for (const Json& c : queue[part]) {
      if (c["also_filed_by"].empty()) continue;
      out << "note: app_id " << c["app_id"].get<std::string>() << " of outlet " << c["outlet_id"].get<std::string>()
          << " is also filed by";
      for (const Json& other : c["also_filed_by"]) out << " " << other.get<std::string>();
      out << ": separate applications; review names the outlet (--outlet)\n";
    }
  }
  return out.str();
}

std::string FormatSlaReport(const Json& report, const Json& queue) {
  std::ostringstream out;
  const Json& rules = report["rules"];
  out << "SLA report of " << report["hub"]["role"].get<std::string>() << " hub "
      << report["hub"]["county"].get<std::string>() << " at " << Local(report["at"]);
  if (!report["from"].is_null() || !report["to"].is_null()) {
    out << ", received " << Cell(report["from"]) << " .. " << Cell(report["to"]);
  }
  if (rules.contains("policy")) {
    out << " (policy " << rules["policy"].get<std::string>() << ", calendar "
        << rules["calendar_fingerprint"].get<std::string>().substr(0, 12) << ")";
  }
  out << "\n";
  if (report.value("simulation", false)) {
    out << "simulation party: a simulated clock (BANGBAN_NOW, fixed or running) is allowed here; these are not "
           "production figures\n";
  }
  if (report.value("other_county_cases", uint64_t{0}) > 0) {
    out << "not counted: " << report["other_county_cases"] << " applications of other counties' outlets (carried)\n";
  }
  const Json ignored = report.value("ignored_records", Json::object());
  for (const auto& [why, count] : ignored.items()) {
    out << "ignored: " << count << " x " << why << " (stored, never counted; bangban-hub audit names each)\n";
  }
  if (report["totals"]["conflicts"].get<uint64_t>() > 0) {
    out << "app_ids filed by more than one outlet: " << report["totals"]["conflicts"]
        << " app.submit records of other outlets (each outlet's application is a case; see the queue, --apps)\n";
  }
  out << "\n"
      << Pad("", 24) << Pad("recv", 6, true) << Pad("done", 6, true) << Pad("on_time", 8, true)
      << Pad("breach", 7, true) << Pad("yellow", 7, true) << Pad("red", 5, true) << Pad("on_time%", 9, true)
      << Pad("median", 8, true) << Pad("p90", 8, true) << Pad("first_pass%", 11, true) << Pad("returns", 8, true)
      << Pad("late", 5, true) << Pad("statutory", 10, true) << "\n";
  FigureRow(out, "all", report["totals"]);
  for (const Json& g : report["by_county"]) FigureRow(out, "county " + Cell(g["county"]), g);
  for (const Json& g : report["by_outlet"]) FigureRow(out, "outlet " + Cell(g["outlet_id"]), g);
  for (const Json& g : report["by_reviewer"]) {
    FigureRow(out, "reviewer " + (g["reviewer"].is_null() ? std::string("(none)") : Cell(g["reviewer"])), g);
  }
  for (const Json& g : report["by_kind"]) FigureRow(out, "kind " + Cell(g["kind"]), g);
  for (const Json& g : report["by_channel"]) FigureRow(out, "channel " + Cell(g["channel"]), g);
  out << "(median and p90: working minutes to completion; docs/sla.md defines every figure)\n\n";
  out << FormatQueue(queue);
  return out.str();
}

}  // namespace bangban
