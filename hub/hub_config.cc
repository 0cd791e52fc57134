#include "hub/hub_config.h"

#include <toml++/toml.h>
#include <fstream>

#include "crypto/error.h"
#include "daemon/clock_setting.h"
#include "protocol/config_file.h"

namespace bangban {

HubConfig HubConfig::Load(const std::filesystem::path& path) {
  const std::string file = path.string();
  toml::table t = ParseTomlFile(path);
  HubConfig c;
  c.role = t["role"].value_or(std::string());
  if (c.role != "county" && c.role != "city") {
    throw Error(ErrorCode::kConfig, file + ": role: must be \"county\" or \"city\"");
  }
  c.name = t["name"].value_or(std::string());
  if (c.name.empty()) throw Error(ErrorCode::kConfig, file + ": name: missing");
  c.county = t["county"].value_or(std::string());
  if (c.county.size() < 4 || c.county.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorCode::kConfig, file + ": county: must be a division code such as 140802 (county) or 1408 (city)");
  }
  if (auto hex = t["city_key"].value<std::string>(); hex && !hex->empty()) {
    auto key = FromHexFixed<32>(*hex);
    if (!key) throw Error(ErrorCode::kConfig, file + ": city_key: must be 64 hex characters");
    c.city_key = *key;
  }
  c.simulation = ReadClockSimulation(t, file);
  if (const toml::node* days = t["applicants"]["duplicate_window_days"].node()) {
    std::optional<int64_t> value = days->value_exact<int64_t>();
    if (!value || *value < 1 || *value > 3650) {
      throw Error(ErrorCode::kConfig,
                  file + ": applicants.duplicate_window_days: must be a whole number of days, 1 to 3650");
    }
    c.duplicate_window_days = static_cast<int>(*value);
  }
  if (const toml::node* link = t["applicants"]["link_in_daemon"].node()) {
    std::optional<bool> value = link->value_exact<bool>();
    if (!value) throw Error(ErrorCode::kConfig, file + ": applicants.link_in_daemon: must be true or false");
    c.link_in_daemon = *value;
  }
  if (const toml::node* months = t["applicants"]["retention_months"].node()) {
    std::optional<int64_t> value = months->value_exact<int64_t>();
    if (!value || *value < 1 || *value > 1200) {
      throw Error(ErrorCode::kConfig,
                  file + ": applicants.retention_months: must be a whole number of months, 1..1200");
    }
    c.retention_months = static_cast<int>(*value);
  }
  return c;
}

void HubConfig::Save(const std::filesystem::path& path) const {
  toml::table t{{"role", role}, {"name", name}, {"county", county}};
  if (city_key) t.insert("city_key", ToHex(*city_key));
  if (simulation) t.insert("clock", toml::table{{"simulation", true}});
  if (role == "county") {
    t.insert("applicants", toml::table{{"duplicate_window_days", duplicate_window_days},
                                       {"link_in_daemon", link_in_daemon},
                                       {"retention_months", retention_months}});
  }
  std::ofstream out(path);
  out << "# bangban hub configuration\n" << t << "\n";
  if (!out) throw Error(ErrorCode::kConfig, "cannot write " + path.string());
}

}  // namespace bangban
