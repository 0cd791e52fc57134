// The one clock. Every part of bangban reads the time through NowMs(), so that setting
// BANGBAN_NOW (RFC 3339, e.g. 2026-03-02T09:00:00+08:00) fixes it for tests and simulations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bangban {

// Milliseconds since the Unix epoch: BANGBAN_NOW if set, else the system clock. Throws
// Error("bad_now") if BANGBAN_NOW is set but is not RFC 3339.
int64_t NowMs();

// RFC 3339 date-time with an explicit offset (Z or +hh:mm); fractional seconds allowed.
std::optional<int64_t> ParseRfc3339(std::string_view text);
// Formats in China Standard Time, e.g. 2026-03-02T09:00:00.000+08:00.
std::string FormatRfc3339(int64_t epoch_ms);

// Days since 1970-01-01 of a civil date (proleptic Gregorian), and back.
int64_t DaysFromCivil(int year, int month, int day);
void CivilFromDays(int64_t days, int& year, int& month, int& day);

}  // namespace bangban
