#include "protocol/clock.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "crypto/error.h"

namespace bangban {

namespace {
constexpr int64_t kChinaOffsetMs = 8 * 3600 * 1000;

bool ParseDigits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool IsValidDate(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}
}  // namespace

int64_t DaysFromCivil(int year, int month, int day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int& year, int& month, int& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2));
}

std::optional<int64_t> ParseRfc3339(std::string_view t) {
  int year, month, day, hour, minute, second;
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  if (!ParseDigits(t, 0, 4, year) || !ParseDigits(t, 5, 2, month) || !ParseDigits(t, 8, 2, day) ||
      !ParseDigits(t, 11, 2, hour) || !ParseDigits(t, 14, 2, minute) ||
      !ParseDigits(t, 17, 2, second)) {
    return std::nullopt;
  }
  if (!IsValidDate(year, month, day) || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (t[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_ms = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == t.size() && (t[pos] == '+' || t[pos] == '-') && t[pos + 3] == ':') {
    int oh, om;
    if (!ParseDigits(t, pos + 1, 2, oh) || !ParseDigits(t, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_ms = (oh * 60 + om) * 60000LL * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + millis - offset_ms;
}

std::string FormatRfc3339(int64_t epoch_ms) {
  int64_t local = epoch_ms + kChinaOffsetMs;
  int64_t days = local >= 0 ? local / 86400000 : (local - 86399999) / 86400000;
  int64_t ms_of_day = local - days * 86400000;
  int year, month, day;
  CivilFromDays(days, year, month, day);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", year, month, day,
                static_cast<int>(ms_of_day / 3600000), static_cast<int>(ms_of_day / 60000 % 60),
                static_cast<int>(ms_of_day / 1000 % 60), static_cast<int>(ms_of_day % 1000));
  return buffer;
}

namespace {
// The calling thread's ScopedNow, if one is in force.
thread_local bool t_scoped = false;
thread_local std::optional<int64_t> t_scoped_ms;
}  // namespace

ScopedNow::ScopedNow(std::optional<int64_t> fixed_ms)
    : previous_active_(t_scoped), previous_fixed_ms_(t_scoped_ms) {
  t_scoped = true;
  t_scoped_ms = fixed_ms;
}

ScopedNow::~ScopedNow() {
  t_scoped = previous_active_;
  t_scoped_ms = previous_fixed_ms_;
}

int64_t ParseNowSetting(std::string_view text) {
  auto parsed = ParseRfc3339(text);
  if (!parsed) {
    throw Error(ErrorCode::kBadNow, "BANGBAN_NOW '" + std::string(text) +
                               "' is not an RFC 3339 time such as 2026-03-02T09:00:00+08:00");
  }
  return *parsed;
}

namespace {
int64_t SystemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

int64_t NowMs() {
  if (t_scoped) return t_scoped_ms ? *t_scoped_ms : SystemNowMs();
  const char* fixed = std::getenv("BANGBAN_NOW");
  if (fixed != nullptr && *fixed != '\0') return ParseNowSetting(fixed);
  return SystemNowMs();
}

}  // namespace bangban
