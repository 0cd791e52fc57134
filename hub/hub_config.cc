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
  if (auto months = t["applicants"]["retention_months"]; months) {
    auto value = months.value<int64_t>();
    if (!months.is_integer() || !value || *value < 1 || *value > 1200) {
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
  if (role == "county") t.insert("applicants", toml::table{{"retention_months", retention_months}});
  std::ofstream out(path);
  out << "# bangban hub configuration\n" << t << "\n";
  if (!out) throw Error(ErrorCode::kConfig, "cannot write " + path.string());
}

}  // namespace bangban
