// The county's review and SLA configuration, kept in hub.toml next to what HubConfig reads:
//
//   [sla]
//   policy = "session"                   # or "minutes"
//   target_minutes = 240                 # "minutes" policy: working minutes per cycle
//   warn_ratio = 0.75                    # yellow from this share of the allowed working time
//   late_return_ratio = 0.75             # a correction request from this share on is late
//   statutory_working_days = 3
//   working_day_minutes = 420
//   calendars = ["calendars/cn-2026.toml"]   # relative to the data dir, or absolute; merged
//
//   [review]
//   roster = ["r01", "r02"]              # reviewers on duty, for `review assign --auto`
//
// Both sections are optional: without them the defaults of SlaSettings apply, with no calendar
// file (the weekday rule only, every figure marked provisional) and an empty roster. They are
// read separately from HubConfig so that the hub's identity settings and the county's working
// rules can evolve on their own. Definitions: docs/sla.md.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "review/calendar.h"
#include "review/sla_clock.h"

namespace bangban {

// One calendar file as the hub read it: the name it was listed under and its exact text, so
// that the calendar in force for a case can be rebuilt later even if the file is edited.
struct CalendarSource {
  std::string name;
  std::string text;
};

struct ReviewConfig {
  SlaSettings sla;
  std::vector<std::string> calendars;  // as written in hub.toml
  std::vector<std::string> roster;

  // Error(ErrorCode::kConfig, "<file>: <section.key>: <problem>"). Unknown keys in [sla] or [review]
  // are refused, so that a typo cannot silently fall back to a default.
  static ReviewConfig Load(const std::filesystem::path& hub_toml);
};

// Reads the listed calendar files (relative paths against `data_dir`) and checks that they
// parse and merge. Error(ErrorCode::kConfig, ...) naming the file and the entry.
std::vector<CalendarSource> ReadCalendarSources(const std::filesystem::path& data_dir,
                                                const std::vector<std::string>& paths);

// The merged calendar of the sources; no source: the weekday rule only.
WorkCalendar CalendarFromSources(const std::vector<CalendarSource>& sources);

// Calendar files given to `bangban-hub init --calendar FILE` (repeatable): checked before the
// data dir is created, installed after. Install copies them into DIR/calendars/ and appends the
// default [sla] section (listing them) and an empty [review] roster to DIR/hub.toml.
class CalendarInstall {
 public:
  // Error(ErrorCode::kConfig) if a file is unreadable, does not parse, does not merge with the others, or
  // two files share a name.
  explicit CalendarInstall(const std::vector<std::filesystem::path>& files);
  void Install(const std::filesystem::path& data_dir) const;

 private:
  std::vector<CalendarSource> sources_;  // name = the file name only
};

}  // namespace bangban
