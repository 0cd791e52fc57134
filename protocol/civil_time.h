// Civil time: dates of the proleptic Gregorian calendar and China Standard Time, the one local
// time of bangban (Asia/Shanghai is UTC+8 all year: China has no daylight saving). Every date
// and local hour in the code (birth dates, working calendars, report ranges, RFC 3339 text) is
// computed here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bangban {

// A civil date, as used for birth dates and calendars.
struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
  auto operator<=>(const CivilDate&) const = default;
};

// China Standard Time is UTC+8, all year.
inline constexpr int64_t kChinaOffsetMs = 8 * 3'600'000;

bool IsLeapYear(int year);
// Days in `month` (1..12) of `year`.
int DaysInMonth(int year, int month);
// True when the date exists: month 1..12, day 1..DaysInMonth.
bool IsValidDate(CivilDate date);

// Days since 1970-01-01 of a valid date, and back, for any year an int holds (proleptic
// Gregorian; H. Hinnant's algorithms: no loops, no tables).
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
// 0 = Sunday ... 6 = Saturday.
int WeekdayOfDays(int64_t days);

// The local (China) date, minute of the day and millisecond of the day of an instant (Unix
// epoch milliseconds), and the instant of a local date and minute. Instants before 1970 work.
CivilDate LocalDate(int64_t epoch_ms);
int LocalMinuteOfDay(int64_t epoch_ms);
int64_t LocalMillisOfDay(int64_t epoch_ms);
int64_t LocalToEpochMs(CivilDate date, int minute_of_day);
// The same by day number (days since 1970-01-01, as DaysFromCivil counts them), for loops over
// days: the local day of an instant, and the instant of a local day's midnight.
int64_t LocalDays(int64_t epoch_ms);
int64_t LocalMidnightMs(int64_t days);

// "YYYY-MM-DD" (a real date), else nullopt; and back.
std::optional<CivilDate> ParseCivilDate(std::string_view text);
std::string FormatCivilDate(CivilDate date);

}  // namespace bangban
