#include "protocol/clock.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "crypto/error.h"
#include "protocol/civil_time.h"

namespace bangban {

namespace {
bool ParseDigits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}
}  // namespace

std::optional<int64_t> ParseRfc3339(std::string_view t) {
  int year, month, day, hour, minute, second;
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' ||
      t[16] != ':') {
    return std::nullopt;
  }
  if (!ParseDigits(t, 0, 4, year) || !ParseDigits(t, 5, 2, month) || !ParseDigits(t, 8, 2, day) ||
      !ParseDigits(t, 11, 2, hour) || !ParseDigits(t, 14, 2, minute) || !ParseDigits(t, 17, 2, second)) {
    return std::nullopt;
  }
  const CivilDate date{year, month, day};
  if (!IsValidDate(date) || hour > 23 || minute > 59 || second > 60) return std::nullopt;
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
  int64_t seconds = DaysFromCivil(date) * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + millis - offset_ms;
}

std::string FormatRfc3339(int64_t epoch_ms) {
  const CivilDate date = LocalDate(epoch_ms);
  const int64_t ms_of_day = LocalMillisOfDay(epoch_ms);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", date.year, date.month, date.day,
                static_cast<int>(ms_of_day / 3600000), static_cast<int>(ms_of_day / 60000 % 60),
                static_cast<int>(ms_of_day / 1000 % 60), static_cast<int>(ms_of_day % 1000));
  return buffer;
}

namespace {
// The calling thread's ScopedNow, if one is in force.
thread_local bool t_scoped = false;
thread_local std::optional<ClockSetting> t_scoped_setting;

int64_t SystemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<std::string_view> Variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string_view(value);
}

int64_t ParseEpoch(std::string_view text) {
  int64_t epoch = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
  if (ec != std::errc() || end != text.data() + text.size() || epoch < 0) {
    throw Error(ErrorCode::kBadNow, "BANGBAN_CLOCK_EPOCH '" + std::string(text) +
                                        "' is not a real instant in Unix milliseconds such as 1767225600000");
  }
  return epoch;
}

double ParseSpeed(std::string_view text) {
  double speed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), speed);
  if (ec != std::errc() || end != text.data() + text.size() || !(speed > 0) || speed > kMaxClockSpeed) {
    throw Error(ErrorCode::kBadNow, "BANGBAN_CLOCK_SPEED '" + std::string(text) +
                                        "' is not a speed such as 60 (simulated seconds per real second, above 0, "
                                        "at most " +
                                        std::to_string(static_cast<int>(kMaxClockSpeed)) + ")");
  }
  return speed;
}
}  // namespace

int64_t ClockSetting::At(int64_t system_ms) const {
  if (!epoch_ms) return start_ms;
  return start_ms + std::llround(static_cast<double>(system_ms - *epoch_ms) * speed);
}

std::optional<ClockSetting> ParseClockSetting(std::optional<std::string_view> now,
                                              std::optional<std::string_view> epoch,
                                              std::optional<std::string_view> speed) {
  if (now && now->empty()) now.reset();
  if (epoch && epoch->empty()) epoch.reset();
  if (speed && speed->empty()) speed.reset();
  if (!now) {
    if (epoch || speed) {
      throw Error(ErrorCode::kBadNow, std::string(epoch ? "BANGBAN_CLOCK_EPOCH" : "BANGBAN_CLOCK_SPEED") +
                                          " is set without BANGBAN_NOW, the simulated time at that epoch");
    }
    return std::nullopt;
  }
  ClockSetting setting;
  setting.start_ms = ParseNowSetting(*now);
  if (speed && !epoch) {
    throw Error(ErrorCode::kBadNow,
                "BANGBAN_CLOCK_SPEED is set without BANGBAN_CLOCK_EPOCH, the real instant the clock starts running");
  }
  if (epoch) setting.epoch_ms = ParseEpoch(*epoch);
  if (speed) setting.speed = ParseSpeed(*speed);
  return setting;
}

std::optional<ClockSetting> ClockSettingFromEnvironment() {
  return ParseClockSetting(Variable("BANGBAN_NOW"), Variable("BANGBAN_CLOCK_EPOCH"), Variable("BANGBAN_CLOCK_SPEED"));
}

ScopedNow::ScopedNow(std::optional<int64_t> fixed_ms)
    : previous_active_(t_scoped), previous_setting_(t_scoped_setting) {
  t_scoped = true;
  t_scoped_setting.reset();
  if (fixed_ms) t_scoped_setting = ClockSetting{.start_ms = *fixed_ms};
}

ScopedNow::ScopedNow(const ClockSetting& setting) : previous_active_(t_scoped), previous_setting_(t_scoped_setting) {
  t_scoped = true;
  t_scoped_setting = setting;
}

ScopedNow::~ScopedNow() {
  t_scoped = previous_active_;
  t_scoped_setting = previous_setting_;
}

int64_t ParseNowSetting(std::string_view text) {
  auto parsed = ParseRfc3339(text);
  if (!parsed) {
    throw Error(ErrorCode::kBadNow,
                "BANGBAN_NOW '" + std::string(text) + "' is not an RFC 3339 time such as 2026-03-02T09:00:00+08:00");
  }
  return *parsed;
}

int64_t NowMs() {
  if (t_scoped) return t_scoped_setting ? t_scoped_setting->At(SystemNowMs()) : SystemNowMs();
  const std::optional<ClockSetting> setting = ClockSettingFromEnvironment();
  return setting ? setting->At(SystemNowMs()) : SystemNowMs();
}

bool ClockIsFixed() {
  if (t_scoped) return t_scoped_setting.has_value();
  return Variable("BANGBAN_NOW").has_value() || Variable("BANGBAN_CLOCK_EPOCH").has_value() ||
         Variable("BANGBAN_CLOCK_SPEED").has_value();
}

}  // namespace bangban
