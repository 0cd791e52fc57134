#include "oversight/oversight_config.h"

#include <toml++/toml.h>

#include "crypto/error.h"
#include "protocol/civil_time.h"
#include "protocol/config_file.h"

namespace bangban {

OversightConfig OversightConfig::Load(const std::filesystem::path& path) {
  const std::string file = path.string();
  toml::table t = ParseTomlFile(path);
  OversightConfig c;
  const toml::node_view section = t["oversight"];
  if (!section) return c;
  if (!section.is_table()) throw Error(ErrorCode::kConfig, file + ": oversight: must be a table");
  if (auto days = section["inactive_days"]; days) {
    auto n = days.value<int64_t>();
    if (!n || *n < 1 || *n > 3650) {
      throw Error(ErrorCode::kConfig, file + ": oversight.inactive_days: must be a whole number of days, 1 to 3650");
    }
    c.inactive_days = static_cast<int>(*n);
  }
  if (auto second = section["second_reminder"]; second) {
    auto text = second.value<std::string>();
    int month = 0, day = 0;
    bool ok =
        text && text->size() == 5 && (*text)[2] == '-' && text->find_first_not_of("0123456789-") == std::string::npos;
    if (ok) {
      month = std::stoi(text->substr(0, 2));
      day = std::stoi(text->substr(3, 2));
      ok = month >= 1 && month <= 6 && IsValidDate({2028, month, day});  // a leap year: 02-29 is a date
    }
    if (!ok) {
      throw Error(
          ErrorCode::kConfig,
          file + ": oversight.second_reminder: must be a month-day before the 30 June deadline, e.g. \"06-01\"");
    }
    c.second_reminder_month = month;
    c.second_reminder_day = day;
  }
  if (auto rules = section["assessment"]; rules) {
    auto text = rules.value<std::string>();
    if (!text || text->empty()) throw Error(ErrorCode::kConfig, file + ": oversight.assessment: must be a file name");
    c.assessment = *text;
  }
  return c;
}

}  // namespace bangban
