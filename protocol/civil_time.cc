#include "protocol/civil_time.h"

#include <cstdio>

namespace bangban {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

// A fixed-width field of decimal digits; nullopt unless every character is one.
std::optional<int> Digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

bool IsValidDate(CivilDate date) {
  return date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= DaysInMonth(date.year, date.month);
}

int64_t DaysFromCivil(CivilDate date) {
  // The year starts in March, so that the leap day is the last day of a year.
  const int64_t y = int64_t{date.year} - (date.month <= 2 ? 1 : 0);
  const unsigned m = static_cast<unsigned>(date.month);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(date.day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return {static_cast<int>(year), month, day};
}

int WeekdayOfDays(int64_t days) { return static_cast<int>(((days + 4) % 7 + 7) % 7); }  // 1970-01-01: Thursday

int64_t LocalDays(int64_t epoch_ms) { return FloorDiv(epoch_ms + kChinaOffsetMs, kDayMs); }

int64_t LocalMidnightMs(int64_t days) { return days * kDayMs - kChinaOffsetMs; }

CivilDate LocalDate(int64_t epoch_ms) { return CivilFromDays(LocalDays(epoch_ms)); }

int64_t LocalMillisOfDay(int64_t epoch_ms) { return epoch_ms - LocalMidnightMs(LocalDays(epoch_ms)); }

int LocalMinuteOfDay(int64_t epoch_ms) { return static_cast<int>(LocalMillisOfDay(epoch_ms) / kMinuteMs); }

int64_t LocalToEpochMs(CivilDate date, int minute_of_day) {
  return LocalMidnightMs(DaysFromCivil(date)) + int64_t{minute_of_day} * kMinuteMs;
}

std::optional<CivilDate> ParseCivilDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto year = Digits(text.substr(0, 4)), month = Digits(text.substr(5, 2)), day = Digits(text.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  const CivilDate date{*year, *month, *day};
  if (!IsValidDate(date)) return std::nullopt;
  return date;
}

std::string FormatCivilDate(CivilDate date) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year, date.month, date.day);
  return buffer;
}

}  // namespace bangban
