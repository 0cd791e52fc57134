#include "review/review_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "crypto/error.h"
#include "protocol/config_file.h"

namespace bangban {
namespace {

std::string ReadText(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kConfig, what + ": cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kConfig, what + ": cannot read " + path.string());
  return text.str();
}

// Reads a whole number, refusing fractions and values outside int.
int IntField(const toml::table& sla, std::string_view key, int fallback, const std::string& where) {
  const toml::node* node = sla.get(key);
  if (node == nullptr) return fallback;
  auto value = node->value_exact<int64_t>();
  if (!value || *value < INT32_MIN || *value > INT32_MAX) {
    throw Error(ErrorCode::kConfig, where + "sla." + std::string(key) + ": must be a whole number");
  }
  return static_cast<int>(*value);
}

double RatioField(const toml::table& sla, std::string_view key, double fallback, const std::string& where) {
  const toml::node* node = sla.get(key);
  if (node == nullptr) return fallback;
  if (auto d = node->value_exact<double>()) return *d;
  if (auto i = node->value_exact<int64_t>()) return static_cast<double>(*i);
  throw Error(ErrorCode::kConfig, where + "sla." + std::string(key) + ": must be a number such as 0.75");
}

std::vector<std::string> StringList(const toml::table& table, std::string_view section, std::string_view key,
                                    const std::string& where) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  const std::string name = std::string(section) + "." + std::string(key);
  if (array == nullptr) throw Error(ErrorCode::kConfig, where + name + ": must be a list of strings");
  for (const toml::node& item : *array) {
    auto text = item.value_exact<std::string>();
    if (!text || text->empty())
      throw Error(ErrorCode::kConfig, where + name + ": every entry must be a non-empty string");
    out.push_back(*text);
  }
  return out;
}

void RefuseUnknownKeys(const toml::table& table, std::string_view section, const std::set<std::string>& known,
                       const std::string& where) {
  for (auto&& [key, node] : table) {
    if (!known.count(std::string(key.str()))) {
      throw Error(ErrorCode::kConfig,
                  where + std::string(section) + "." + std::string(key.str()) + ": unknown setting (see docs/sla.md)");
    }
  }
}

std::string TomlString(std::string_view text) {
  std::ostringstream out;
  out << toml::value<std::string>(std::string(text));
  return out.str();
}

}  // namespace

ReviewConfig ReviewConfig::Load(const std::filesystem::path& path) {
  const std::string where = path.string() + ": ";
  toml::table t = ParseTomlFile(path);
  ReviewConfig c;
  if (const toml::node* node = t.get("sla")) {
    const toml::table* sla = node->as_table();
    if (sla == nullptr) throw Error(ErrorCode::kConfig, where + "sla: must be a table ([sla])");
    RefuseUnknownKeys(*sla, "sla",
                      {"policy", "target_minutes", "warn_ratio", "late_return_ratio", "statutory_working_days",
                       "working_day_minutes", "calendars"},
                      where);
    if (const toml::node* policy = sla->get("policy")) {
      auto name = policy->value_exact<std::string>();
      auto parsed = name ? ParseSlaPolicy(*name) : std::nullopt;
      if (!parsed) throw Error(ErrorCode::kConfig, where + "sla.policy: must be \"session\" or \"minutes\"");
      c.sla.policy = *parsed;
    }
    c.sla.target_minutes = IntField(*sla, "target_minutes", c.sla.target_minutes, where);
    c.sla.warn_ratio = RatioField(*sla, "warn_ratio", c.sla.warn_ratio, where);
    c.sla.late_return_ratio = RatioField(*sla, "late_return_ratio", c.sla.late_return_ratio, where);
    c.sla.statutory_working_days = IntField(*sla, "statutory_working_days", c.sla.statutory_working_days, where);
    c.sla.working_day_minutes = IntField(*sla, "working_day_minutes", c.sla.working_day_minutes, where);
    c.calendars = StringList(*sla, "sla", "calendars", where);
    std::string problem = CheckSlaSettings(c.sla);
    if (!problem.empty()) throw Error(ErrorCode::kConfig, where + "sla: " + problem);
  }
  if (const toml::node* node = t.get("review")) {
    const toml::table* review = node->as_table();
    if (review == nullptr) throw Error(ErrorCode::kConfig, where + "review: must be a table ([review])");
    RefuseUnknownKeys(*review, "review", {"roster"}, where);
    c.roster = StringList(*review, "review", "roster", where);
    std::set<std::string> seen;
    for (const std::string& reviewer : c.roster) {
      if (reviewer.size() > 64)
        throw Error(ErrorCode::kConfig, where + "review.roster: '" + reviewer + "' is longer than 64 bytes");
      if (!seen.insert(reviewer).second) {
        throw Error(ErrorCode::kConfig, where + "review.roster: '" + reviewer + "' is listed twice");
      }
    }
  }
  return c;
}

std::vector<CalendarSource> ReadCalendarSources(const std::filesystem::path& data_dir,
                                                const std::vector<std::string>& paths) {
  std::vector<CalendarSource> sources;
  for (const std::string& name : paths) {
    std::filesystem::path path(name);
    if (path.is_relative()) path = data_dir / path;
    sources.push_back({name, ReadText(path, "sla.calendars")});
  }
  try {
    CalendarFromSources(sources);
  } catch (const Error& e) {
    throw Error(ErrorCode::kConfig, std::string("sla.calendars: ") + e.what());
  }
  return sources;
}

WorkCalendar CalendarFromSources(const std::vector<CalendarSource>& sources) {
  if (sources.empty()) return WorkCalendar::WeekdaysOnly();
  WorkCalendar calendar = WorkCalendar::FromTomlString(sources.front().text, sources.front().name);
  for (size_t i = 1; i < sources.size(); ++i) {
    calendar.Merge(WorkCalendar::FromTomlString(sources[i].text, sources[i].name));
  }
  return calendar;
}

CalendarInstall::CalendarInstall(const std::vector<std::filesystem::path>& files) {
  std::set<std::string> names;
  for (const std::filesystem::path& file : files) {
    const std::string name = file.filename().string();
    if (name.empty() || !names.insert(name).second) {
      throw Error(ErrorCode::kConfig,
                  "--calendar " + file.string() + ": two calendar files share the name '" + name + "'");
    }
    sources_.push_back({"calendars/" + name, ReadText(file, "--calendar")});
  }
  try {
    CalendarFromSources(sources_);
  } catch (const Error& e) {
    throw Error(ErrorCode::kConfig, std::string("--calendar: ") + e.what());
  }
}

void CalendarInstall::Install(const std::filesystem::path& data_dir) const {
  if (!sources_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir / "calendars", ec);
    if (ec) throw Error(ErrorCode::kConfig, "cannot create " + (data_dir / "calendars").string() + ": " + ec.message());
  }
  std::string listed;
  for (const CalendarSource& source : sources_) {
    std::ofstream out(data_dir / source.name, std::ios::binary | std::ios::trunc);
    out << source.text;
    if (!out.flush()) throw Error(ErrorCode::kConfig, "cannot write " + (data_dir / source.name).string());
    listed += (listed.empty() ? "" : ", ") + TomlString(source.name);
  }
  const SlaSettings defaults;
  std::ofstream config(data_dir / "hub.toml", std::ios::app);
  config << "\n# SLA accounting (docs/sla.md). `calendars`: files relative to this data dir, merged;\n"
            "# none means the weekday rule only, and every figure is marked provisional. A changed\n"
            "# calendar or setting applies to clocks started after the hub first runs with it.\n"
            "[sla]\n"
         << "policy = \"" << ToString(defaults.policy) << "\"\n"
         << "target_minutes = " << defaults.target_minutes << "\n"
         << "warn_ratio = " << defaults.warn_ratio << "\n"
         << "late_return_ratio = " << defaults.late_return_ratio << "\n"
         << "statutory_working_days = " << defaults.statutory_working_days << "\n"
         << "working_day_minutes = " << defaults.working_day_minutes << "\n"
         << "calendars = [" << listed << "]\n"
         << "\n# Reviewers on duty, for `bangban-hub review assign APP_ID --auto` (the least open\n"
            "# assigned cases; ties by this order).\n"
            "[review]\n"
            "roster = []\n";
  if (!config.flush()) throw Error(ErrorCode::kConfig, "cannot write " + (data_dir / "hub.toml").string());
}

}  // namespace bangban
