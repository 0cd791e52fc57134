#include "daemon/clock_setting.h"

#include "crypto/error.h"

namespace bangban {

bool ReadClockSimulation(const toml::table& config, const std::string& file) {
  const toml::node_view<const toml::node> clock = config["clock"];
  if (!clock) return false;
  if (!clock.is_table()) throw Error(ErrorCode::kConfig, file + ": clock: must be a section ([clock])");
  for (auto&& [key, node] : *clock.as_table()) {
    if (key.str() != "simulation") {
      throw Error(ErrorCode::kConfig,
                  file + ": clock." + std::string(key.str()) + ": unknown setting (only simulation)");
    }
  }
  auto simulation = clock["simulation"].value_exact<bool>();
  if (!simulation && clock["simulation"]) {
    throw Error(ErrorCode::kConfig, file + ": clock.simulation: must be true or false");
  }
  return simulation.value_or(false);
}

}  // namespace bangban
