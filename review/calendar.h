// Working-time calendar of a county, in local China time (protocol/civil_time.h). Answers how many working minutes lie
// between two instants and when a number of working minutes will have elapsed, so that SLA clocks count only working
// time.
//
// Definitions of every figure: docs/sla.md "Calendar and working time".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/civil_time.h"

namespace bangban {

// A working session within a day, in minutes after local midnight: [start, end).
struct WorkSession {
  int start_minute;
  int end_minute;
  auto operator<=>(const WorkSession&) const = default;
};

class WorkCalendar {
 public:
  // Parses the calendar TOML (docs/sla.md and deploy/calendars/):
  //   hours    = ["08:30-12:00", "14:30-18:00"]   # default if absent
  //   years    = [2026]                            # years this file fully covers
  //   holidays = ["2026-01-01", ...]               # dates with no work
  //   workdays = ["2026-01-04", ...]               # weekend dates that are working days (调休)
  //   [[season]]                                   # optional seasonal hours, by month-day
  //   from = "06-01"
  //   to = "09-30"
  //   hours = ["08:30-12:00", "15:00-18:30"]
  // Several files may be merged (Merge) so that a county can load cn-2025 and cn-2026.
  // Throws Error(ErrorCode::kCalendar, "<file>: <what is wrong>") naming the bad entry: malformed time,
  // overlapping or unordered sessions, a holiday that is not a date, a date outside `years`.
  static WorkCalendar FromTomlFile(const std::filesystem::path& path);
  static WorkCalendar FromTomlString(std::string_view text, std::string_view source_name);
  // The weekday rule only (Mon-Fri working, default hours), with no year covered.
  static WorkCalendar WeekdaysOnly();
  void Merge(const WorkCalendar& other);

  bool IsWorkingDay(CivilDate date) const;
  // True when `year` is covered by a loaded calendar; results touching other years are
  // computed with the weekday rule and must be marked provisional.
  bool CoversYear(int year) const;
  std::vector<WorkSession> SessionsOn(CivilDate date) const;  // empty on a non-working day

  // Working minutes in [from_ms, to_ms) (Unix epoch milliseconds); 0 if to <= from.
  // Fractions of a minute are kept: the result is in milliseconds of working time.
  int64_t WorkingMillisBetween(int64_t from_ms, int64_t to_ms) const;
  // The earliest instant t >= from_ms with WorkingMillisBetween(from_ms, t) == working_ms.
  int64_t AddWorkingMillis(int64_t from_ms, int64_t working_ms) const;
  // The end of the first working session that starts at or after from_ms (the "session" SLA
  // policy: accepted in the morning, completed by the end of the afternoon; accepted in the
  // afternoon, by the end of the next working morning).
  int64_t EndOfFirstSessionStartingAfter(int64_t from_ms) const;
  // True when any date between the two instants falls in a year the calendar does not cover.
  bool IsProvisional(int64_t from_ms, int64_t to_ms) const;

  // A stable digest of the calendar's content, recorded when an SLA clock starts so that a
  // later edit of the file is detectable and never rewrites past results.
  std::string Fingerprint() const;

 private:
  struct Season {
    int from_month_day;  // month * 100 + day
    int to_month_day;
    std::vector<WorkSession> sessions;
  };
  // Sessions of day number `day` (days since 1970-01-01, local); nullptr on a non-working day.
  const std::vector<WorkSession>* SessionsOnDay(int64_t day) const;

  std::vector<WorkSession> default_sessions_{{510, 720}, {870, 1080}};
  bool hours_set_ = false;  // `hours` given by a file (Merge refuses two different ones)
  std::vector<Season> seasons_;
  std::set<CivilDate> holidays_;
  std::set<CivilDate> workdays_;
  std::set<int> years_;
};

}  // namespace bangban
