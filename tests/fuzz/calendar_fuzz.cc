// Fuzz target `calendar`: a working-calendar file (review/calendar.h) as a hub reads it, then
// the questions an SLA clock asks of it, over a few weeks around the years it may cover. The
// answers must agree with each other as calendar.h promises, and every question must end.
#include <optional>

#include "crypto/error.h"
#include "review/calendar.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  std::optional<WorkCalendar> calendar;
  try {
    calendar = WorkCalendar::FromTomlString(fuzz::AsText(data, size), "fuzz.toml");
  } catch (const Error&) {
  }
  if (!calendar) return 0;
  calendar->Fingerprint();
  WorkCalendar merged = WorkCalendar::WeekdaysOnly();
  merged.Merge(*calendar);
  constexpr int64_t kMinute = 60 * 1000;
  constexpr int64_t kDay = 24 * 60 * kMinute;
  // 2026-01-01 00:00 in China (UTC+8), and a few instants around it.
  constexpr int64_t kNewYear2026 = 1767196800000;
  for (int64_t from : {kNewYear2026 - 400 * kDay, kNewYear2026 + 9 * 60 * kMinute, kNewYear2026 + 180 * kDay}) {
    for (int64_t working : {int64_t{0}, 30 * kMinute, 3 * 420 * kMinute}) {
      const int64_t until = calendar->AddWorkingMillis(from, working);
      fuzz::Require(until >= from, "working time is added forwards");
      fuzz::Require(calendar->WorkingMillisBetween(from, until) == working,
                    "AddWorkingMillis ends where WorkingMillisBetween counts the minutes added");
    }
    fuzz::Require(calendar->EndOfFirstSessionStartingAfter(from) > from, "the next session ends after now");
    calendar->IsProvisional(from, from + 30 * kDay);
  }
  return 0;
}
