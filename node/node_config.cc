#include "node/node_config.h"

#include <toml++/toml.h>
#include <fstream>

#include "crypto/error.h"
#include "daemon/clock_setting.h"
#include "protocol/config_file.h"
#include "protocol/identifiers.h"

namespace bangban {

namespace {
std::string Required(const toml::table& t, const std::string& file, const char* field) {
  auto value = t[field].value<std::string>();
  if (!value) throw Error(ErrorCode::kConfig, file + ": " + field + ": missing (a string is required)");
  return *value;
}

}  // namespace

bool IsValidLocalId(std::string_view id) { return IsValidOutletId(id); }

bool IsValidCountyCode(std::string_view code) {
  return code.size() == 6 && code.find_first_not_of("0123456789") == std::string_view::npos;
}

NodeConfig NodeConfig::Load(const std::filesystem::path& path) {
  const std::string file = path.string();
  toml::table t = ParseTomlFile(path);
  NodeConfig c;
  c.outlet_id = Required(t, file, "outlet_id");
  if (!IsValidLocalId(c.outlet_id))
    throw Error(ErrorCode::kConfig, file + ": outlet_id: use 1-64 of A-Z a-z 0-9 . _ -");
  c.county = Required(t, file, "county");
  if (!IsValidCountyCode(c.county)) throw Error(ErrorCode::kConfig, file + ": county: must be a six-digit county code");
  auto key = FromHexFixed<32>(Required(t, file, "county_key"));
  if (!key) throw Error(ErrorCode::kConfig, file + ": county_key: must be 64 hex characters");
  c.county_key = *key;
  c.hub_endpoint = t["hub_endpoint"].value_or(std::string());
  c.hub_key = c.county_key;
  if (auto hex = t["hub_key"].value<std::string>(); hex && !hex->empty()) {
    auto hub = FromHexFixed<32>(*hex);
    if (!hub) throw Error(ErrorCode::kConfig, file + ": hub_key: must be 64 hex characters");
    c.hub_key = *hub;
  }
  c.simulation = ReadClockSimulation(t, file);
  if (auto text = t["sealing_key"].value<std::string>(); text && !text->empty()) {
    c.sealing_key = ParseSealingTarget(*text);
    if (!c.sealing_key)
      throw Error(ErrorCode::kConfig, file + ": sealing_key: must be PERIOD:HEX such as 2026-12:<64 hex>");
  }
  return c;
}

void NodeConfig::Save(const std::filesystem::path& path) const {
  toml::table t{{"outlet_id", outlet_id},
                {"county", county},
                {"county_key", ToHex(county_key)},
                {"hub_endpoint", hub_endpoint},
                {"hub_key", ToHex(hub_key)}};
  if (sealing_key) t.insert("sealing_key", sealing_key->period + ":" + ToHex(sealing_key->public_key));
  if (simulation) t.insert("clock", toml::table{{"simulation", true}});
  std::ofstream out(path);
  out << "# bangban outlet node configuration\n" << t << "\n";
  if (!out) throw Error(ErrorCode::kConfig, "cannot write " + path.string());
}

}  // namespace bangban
