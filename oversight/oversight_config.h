// The [oversight] section of hub.toml (every key optional):
//
//   [oversight]
//   inactive_days = 30          # an outlet with no record in this many days is inactive
//   second_reminder = "06-01"   # the second annual-report reminder (month-day, before 30 Jun)
//   assessment = "assessment.toml"  # the assessment rules, relative to the data dir
#pragma once

#include <filesystem>
#include <string>

namespace bangban {

struct OversightConfig {
  int inactive_days = 30;
  int second_reminder_month = 6;
  int second_reminder_day = 1;
  std::string assessment = "assessment.toml";

  // Error(ErrorCode::kConfig, "<file>: oversight.<key>: <problem>"); a missing section gives the
  // defaults.
  static OversightConfig Load(const std::filesystem::path& hub_toml);
};

}  // namespace bangban
