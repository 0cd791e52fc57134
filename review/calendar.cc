#include "review/calendar.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include <toml++/toml.h>

#include "crypto/bytes.h"
#include "crypto/error.h"
#include "crypto/hash.h"
#include "protocol/config_file.h"

namespace bangban {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
// AddWorkingMillis walks day by day; beyond this a request is a bug, not a deadline.
constexpr int64_t kMaxWorkingMs = int64_t{1000} * 366 * kDayMs;

const char* WeekdayName(int weekday) {
  static constexpr const char* kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
  return kNames[weekday];
}

std::string TwoDigits(int v) { return {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)}; }

std::string MonthDayText(int month_day) { return TwoDigits(month_day / 100) + "-" + TwoDigits(month_day % 100); }

std::string ClockText(int minute) { return TwoDigits(minute / 60) + ":" + TwoDigits(minute % 60); }

std::string SessionsText(const std::vector<WorkSession>& sessions) {
  std::string out;
  for (const WorkSession& s : sessions) {
    if (!out.empty()) out += ",";
    out += ClockText(s.start_minute) + "-" + ClockText(s.end_minute);
  }
  return out;
}

// Fixed-width unsigned decimal field; nullopt unless every character is a digit.
std::optional<int> Digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "MM-DD" as month * 100 + day; 02-29 is allowed (it exists in leap years).
std::optional<int> ParseMonthDay(std::string_view s) {
  if (s.size() != 5 || s[2] != '-') return std::nullopt;
  auto m = Digits(s.substr(0, 2)), d = Digits(s.substr(3, 2));
  if (!m || !d || *m < 1 || *m > 12 || *d < 1 || *d > DaysInMonth(2000, *m)) return std::nullopt;
  return *m * 100 + *d;
}

// "HH:MM" in 00:00..24:00, as minutes after midnight.
std::optional<int> ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = Digits(s.substr(0, 2)), m = Digits(s.substr(3, 2));
  if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) return std::nullopt;
  return *h * 60 + *m;
}

// Reads one calendar document, naming the source, line and entry in every error.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const toml::node* node, const std::string& what) const {
    std::string where = source_ + ": ";
    if (node != nullptr && node->source().begin.line > 0) {
      where += "line " + std::to_string(node->source().begin.line) + ": ";
    }
    throw Error(ErrorCode::kCalendar, where + what);
  }

  // An entry as written, for messages: strings quoted, other values in TOML syntax.
  static std::string Show(const toml::node& node) {
    if (auto* s = node.as_string()) return "\"" + s->get() + "\"";
    std::ostringstream out;
    out << toml::node_view<const toml::node>(node);
    return out.str();
  }

  const toml::array& Array(const toml::node& node, const std::string& name) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) Fail(&node, name + " must be an array, found " + Show(node));
    return *array;
  }

  // A list of sessions "HH:MM-HH:MM", in order, none overlapping.
  std::vector<WorkSession> Hours(const toml::node& node, const std::string& name) const {
    const toml::array& array = Array(node, name);
    if (array.empty()) Fail(&node, name + " is empty; a working day needs at least one session");
    std::vector<WorkSession> sessions;
    for (size_t i = 0; i < array.size(); ++i) {
      const toml::node& item = array[i];
      const std::string entry = name + "[" + std::to_string(i) + "] " + Show(item);
      std::optional<int> start, end;
      if (auto* s = item.as_string(); s != nullptr && s->get().size() == 11 && s->get()[5] == '-') {
        start = ParseClock(std::string_view(s->get()).substr(0, 5));
        end = ParseClock(std::string_view(s->get()).substr(6, 5));
      }
      if (!start || !end) Fail(&item, entry + " is not a session like \"08:30-12:00\"");
      if (*end <= *start) Fail(&item, entry + " does not end after it starts");
      if (!sessions.empty() && *start < sessions.back().end_minute) {
        Fail(&item, entry +
                        " overlaps or comes before the session before it; list sessions in "
                        "order of the day without overlap");
      }
      sessions.push_back({*start, *end});
    }
    return sessions;
  }

  // A date as a "YYYY-MM-DD" string or a TOML local date.
  CivilDate Date(const toml::node& item, const std::string& entry) const {
    std::optional<CivilDate> date;
    if (auto* s = item.as_string()) {
      date = ParseCivilDate(s->get());
    } else if (auto* d = item.as_date()) {
      date = ParseCivilDate(FormatCivilDate({d->get().year, d->get().month, d->get().day}));
    }
    if (!date) Fail(&item, entry + " is not a date like \"2026-01-01\"");
    return *date;
  }

 private:
  std::string source_;
};

bool SeasonContains(int from_month_day, int to_month_day, int month_day) {
  if (from_month_day <= to_month_day) return month_day >= from_month_day && month_day <= to_month_day;
  return month_day >= from_month_day || month_day <= to_month_day;  // wraps over the new year
}

bool SeasonsOverlap(int from_a, int to_a, int from_b, int to_b) {
  for (int month = 1; month <= 12; ++month) {
    for (int day = 1; day <= DaysInMonth(2000, month); ++day) {
      const int md = month * 100 + day;
      if (SeasonContains(from_a, to_a, md) && SeasonContains(from_b, to_b, md)) return true;
    }
  }
  return false;
}

}  // namespace

WorkCalendar WorkCalendar::FromTomlFile(const std::filesystem::path& path) {
  return FromTomlString(ReadConfigText(path, ErrorCode::kCalendar, "the calendar file"), path.string());
}

WorkCalendar WorkCalendar::FromTomlString(std::string_view text, std::string_view source_name) {
  const std::string source(source_name);
  const Reader reader(source);
  toml::table table;
  try {
    table = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorCode::kCalendar,
                source + ": line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }

  for (auto&& [key, node] : table) {
    if (key != "hours" && key != "years" && key != "holidays" && key != "workdays" && key != "season") {
      reader.Fail(&node, "unknown key \"" + std::string(key.str()) +
                             "\" (expected hours, years, holidays, workdays or [[season]])");
    }
  }

  WorkCalendar cal;
  if (const toml::node* hours = table.get("hours")) {
    cal.default_sessions_ = reader.Hours(*hours, "hours");
    cal.hours_set_ = true;
  }

  if (const toml::node* years = table.get("years")) {
    const toml::array& array = reader.Array(*years, "years");
    for (size_t i = 0; i < array.size(); ++i) {
      const std::string entry = "years[" + std::to_string(i) + "] " + Reader::Show(array[i]);
      const auto* year = array[i].as_integer();
      if (year == nullptr || year->get() < 1900 || year->get() > 9999) {
        reader.Fail(&array[i], entry + " is not a year like 2026");
      }
      if (!cal.years_.insert(static_cast<int>(year->get())).second) {
        reader.Fail(&array[i], entry + " is listed twice");
      }
    }
  }

  // Holidays and workdays only make sense for a year the file fully covers: a partial list
  // would silently turn the missing festivals into working days.
  std::string years_text;
  for (int y : cal.years_) years_text += (years_text.empty() ? "" : ", ") + std::to_string(y);
  auto read_dates = [&](const std::string& name, bool weekend_only, std::set<CivilDate>& out) {
    const toml::node* node = table.get(name);
    if (node == nullptr) return;
    const toml::array& array = reader.Array(*node, name);
    if (!array.empty() && cal.years_.empty()) {
      reader.Fail(node, name +
                            " are listed but `years` is missing; add years = [YYYY] naming the "
                            "years this file fully covers");
    }
    for (size_t i = 0; i < array.size(); ++i) {
      const std::string entry = name + "[" + std::to_string(i) + "] " + Reader::Show(array[i]);
      const CivilDate date = reader.Date(array[i], entry);
      if (!cal.years_.contains(date.year)) {
        reader.Fail(&array[i], entry + " is outside the years this file covers (years = [" + years_text + "])");
      }
      if (!out.insert(date).second) reader.Fail(&array[i], entry + " is listed twice");
      const int weekday = WeekdayOfDays(DaysFromCivil(date));
      if (weekend_only && weekday != 0 && weekday != 6) {
        reader.Fail(&array[i], entry + " is a " + WeekdayName(weekday) +
                                   "; workdays lists only weekend dates that are worked (调休)");
      }
      if (weekend_only && cal.holidays_.contains(date)) {
        reader.Fail(&array[i], entry + " is also listed in holidays");
      }
    }
  };
  read_dates("holidays", false, cal.holidays_);
  read_dates("workdays", true, cal.workdays_);

  if (const toml::node* seasons = table.get("season")) {
    const toml::array& array = reader.Array(*seasons, "season");
    for (size_t i = 0; i < array.size(); ++i) {
      const std::string name = "season[" + std::to_string(i) + "]";
      const toml::table* t = array[i].as_table();
      if (t == nullptr) reader.Fail(&array[i], name + " must be a table ([[season]] with from, to, hours)");
      for (auto&& [key, node] : *t) {
        if (key != "from" && key != "to" && key != "hours") {
          reader.Fail(&node, name + ": unknown key \"" + std::string(key.str()) + "\" (expected from, to, hours)");
        }
      }
      auto month_day = [&](const char* bound) {
        const toml::node* node = t->get(bound);
        if (node == nullptr) reader.Fail(&array[i], name + " has no `" + bound + "` (a month-day like \"06-01\")");
        std::optional<int> md;
        if (auto* s = node->as_string()) md = ParseMonthDay(s->get());
        if (!md)
          reader.Fail(node, name + "." + bound + " " + Reader::Show(*node) + " is not a month-day like \"06-01\"");
        return *md;
      };
      Season season{};
      season.from_month_day = month_day("from");
      season.to_month_day = month_day("to");
      const toml::node* hours = t->get("hours");
      if (hours == nullptr) reader.Fail(&array[i], name + " has no `hours`");
      season.sessions = reader.Hours(*hours, name + ".hours");
      for (size_t j = 0; j < cal.seasons_.size(); ++j) {
        const Season& other = cal.seasons_[j];
        if (SeasonsOverlap(season.from_month_day, season.to_month_day, other.from_month_day, other.to_month_day)) {
          reader.Fail(&array[i], name + " (" + MonthDayText(season.from_month_day) + ".." +
                                     MonthDayText(season.to_month_day) + ") overlaps season[" + std::to_string(j) +
                                     "]");
        }
      }
      cal.seasons_.push_back(std::move(season));
    }
  }
  return cal;
}

WorkCalendar WorkCalendar::WeekdaysOnly() { return WorkCalendar{}; }

void WorkCalendar::Merge(const WorkCalendar& other) {
  WorkCalendar merged = *this;  // all or nothing: *this is untouched if the merge fails
  if (other.hours_set_) {
    if (merged.hours_set_ && merged.default_sessions_ != other.default_sessions_) {
      throw Error(ErrorCode::kCalendar, "merge: two different working hours (" +
                                            SessionsText(merged.default_sessions_) + " and " +
                                            SessionsText(other.default_sessions_) + ")");
    }
    merged.default_sessions_ = other.default_sessions_;
    merged.hours_set_ = true;
  }
  for (const Season& season : other.seasons_) {
    bool duplicate = false;
    for (const Season& mine : merged.seasons_) {
      const bool same = mine.from_month_day == season.from_month_day && mine.to_month_day == season.to_month_day &&
                        mine.sessions == season.sessions;
      if (same) {
        duplicate = true;
      } else if (SeasonsOverlap(mine.from_month_day, mine.to_month_day, season.from_month_day, season.to_month_day)) {
        throw Error(ErrorCode::kCalendar, "merge: season " + MonthDayText(season.from_month_day) + ".." +
                                              MonthDayText(season.to_month_day) + " overlaps season " +
                                              MonthDayText(mine.from_month_day) + ".." +
                                              MonthDayText(mine.to_month_day));
      }
    }
    if (!duplicate) merged.seasons_.push_back(season);
  }
  for (const CivilDate& date : other.holidays_) {
    if (merged.workdays_.contains(date)) {
      throw Error(ErrorCode::kCalendar,
                  "merge: " + FormatCivilDate(date) + " is a working day in one calendar and a holiday in another");
    }
    merged.holidays_.insert(date);
  }
  for (const CivilDate& date : other.workdays_) {
    if (merged.holidays_.contains(date)) {
      throw Error(ErrorCode::kCalendar,
                  "merge: " + FormatCivilDate(date) + " is a holiday in one calendar and a working day in another");
    }
    merged.workdays_.insert(date);
  }
  merged.years_.insert(other.years_.begin(), other.years_.end());
  *this = std::move(merged);
}

bool WorkCalendar::IsWorkingDay(CivilDate date) const {
  if (workdays_.contains(date)) return true;
  if (holidays_.contains(date)) return false;
  const int weekday = WeekdayOfDays(DaysFromCivil(date));
  return weekday >= 1 && weekday <= 5;
}

bool WorkCalendar::CoversYear(int year) const { return years_.contains(year); }

const std::vector<WorkSession>* WorkCalendar::SessionsOnDay(int64_t day) const {
  const CivilDate date = CivilFromDays(day);
  if (!IsWorkingDay(date)) return nullptr;
  const int month_day = date.month * 100 + date.day;
  for (const Season& season : seasons_) {
    if (SeasonContains(season.from_month_day, season.to_month_day, month_day)) return &season.sessions;
  }
  return &default_sessions_;
}

std::vector<WorkSession> WorkCalendar::SessionsOn(CivilDate date) const {
  const std::vector<WorkSession>* sessions = SessionsOnDay(DaysFromCivil(date));
  return sessions != nullptr ? *sessions : std::vector<WorkSession>{};
}

// Walks whole days (one set lookup each), clipping only the first and last: a year-long
// interval is ~365 steps, never a loop over minutes.
int64_t WorkCalendar::WorkingMillisBetween(int64_t from_ms, int64_t to_ms) const {
  if (to_ms <= from_ms) return 0;
  int64_t total = 0;
  const int64_t last_day = LocalDays(to_ms - 1);
  for (int64_t day = LocalDays(from_ms); day <= last_day; ++day) {
    const std::vector<WorkSession>* sessions = SessionsOnDay(day);
    if (sessions == nullptr) continue;
    const int64_t midnight = LocalMidnightMs(day);
    for (const WorkSession& s : *sessions) {
      const int64_t begin = std::max(from_ms, midnight + s.start_minute * kMinuteMs);
      const int64_t end = std::min(to_ms, midnight + s.end_minute * kMinuteMs);
      if (end > begin) total += end - begin;
    }
  }
  return total;
}

int64_t WorkCalendar::AddWorkingMillis(int64_t from_ms, int64_t working_ms) const {
  if (working_ms <= 0) return from_ms;
  if (working_ms > kMaxWorkingMs) {
    throw Error(ErrorCode::kCalendar,
                "cannot add " + std::to_string(working_ms) + " ms of working time (over 1000 years)");
  }
  int64_t remaining = working_ms;
  for (int64_t day = LocalDays(from_ms);; ++day) {
    const std::vector<WorkSession>* sessions = SessionsOnDay(day);
    if (sessions == nullptr) continue;
    const int64_t midnight = LocalMidnightMs(day);
    for (const WorkSession& s : *sessions) {
      const int64_t begin = std::max(from_ms, midnight + s.start_minute * kMinuteMs);
      const int64_t end = midnight + s.end_minute * kMinuteMs;
      if (end <= begin) continue;
      // `<=`: when the time runs out exactly at a session's end, the answer is that end, not
      // the start of the next session (the earliest instant, as the contract says).
      if (remaining <= end - begin) return begin + remaining;
      remaining -= end - begin;
    }
  }
}

int64_t WorkCalendar::EndOfFirstSessionStartingAfter(int64_t from_ms) const {
  // Terminates: holidays exist only in covered years, after which the weekday rule applies.
  for (int64_t day = LocalDays(from_ms);; ++day) {
    const std::vector<WorkSession>* sessions = SessionsOnDay(day);
    if (sessions == nullptr) continue;
    const int64_t midnight = LocalMidnightMs(day);
    for (const WorkSession& s : *sessions) {
      if (midnight + s.start_minute * kMinuteMs >= from_ms) return midnight + s.end_minute * kMinuteMs;
    }
  }
}

bool WorkCalendar::IsProvisional(int64_t from_ms, int64_t to_ms) const {
  const int first = LocalDate(std::min(from_ms, to_ms)).year;
  const int last = LocalDate(std::max(from_ms, to_ms)).year;
  for (int year = first; year <= last; ++year) {
    if (!years_.contains(year)) return true;
  }
  return false;
}

// Canonical text: one line per kind, fixed order, sorted entries. Comments, entry order,
// string vs TOML-date spelling and how files were split or merged do not change it.
std::string WorkCalendar::Fingerprint() const {
  std::string text = "bangban-calendar-v1\nhours " + SessionsText(default_sessions_) + "\n";
  std::vector<const Season*> seasons;
  for (const Season& s : seasons_) seasons.push_back(&s);
  std::sort(seasons.begin(), seasons.end(),
            [](const Season* a, const Season* b) { return a->from_month_day < b->from_month_day; });
  for (const Season* s : seasons) {
    text += "season " + MonthDayText(s->from_month_day) + ".." + MonthDayText(s->to_month_day) + " " +
            SessionsText(s->sessions) + "\n";
  }
  text += "years";
  for (int y : years_) text += " " + std::to_string(y);
  text += "\nholidays";
  for (const CivilDate& d : holidays_) text += " " + FormatCivilDate(d);
  text += "\nworkdays";
  for (const CivilDate& d : workdays_) text += " " + FormatCivilDate(d);
  text += "\n";
  return ToHex(Blake2b256(AsBytes(text)));
}

}  // namespace bangban
