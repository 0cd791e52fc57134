// Local (UTC+8) times written the way people read them, for calendar and SLA tests:
// At("2026-03-02 09:00[:30[.250]]") -> epoch ms, and Show(ms) -> "2026-03-02 09:00:30.250".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "protocol/civil_time.h"

namespace bangban::test_support {

inline constexpr int64_t kMinuteMs = 60'000;

inline int64_t At(std::string_view text) {
  auto number = [&](size_t at, size_t length) { return std::stoi(std::string(text.substr(at, length))); };
  const CivilDate date{number(0, 4), number(5, 2), number(8, 2)};
  int64_t ms = LocalToEpochMs(date, number(11, 2) * 60 + number(14, 2));
  if (text.size() >= 19) ms += number(17, 2) * 1000;
  if (text.size() >= 23) ms += number(20, 3);
  return ms;
}

inline std::string Show(int64_t ms) {
  const CivilDate d = LocalDate(ms);
  const int minute = LocalMinuteOfDay(ms);
  const int64_t ms_in_minute = ((ms % kMinuteMs) + kMinuteMs) % kMinuteMs;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", d.year, d.month, d.day, minute / 60, minute % 60,
                static_cast<int>(ms_in_minute / 1000), static_cast<int>(ms_in_minute % 1000));
  return buf;
}

}  // namespace bangban::test_support
