// Plays a city plan (sim/city_plan.h) against the real hubs and nodes of a city laid out on
// this machine, at the simulated clock of the process environment (protocol/clock.h): each act
// waits for its instant, then runs the program an operator would (`bangban-node submit`,
// `sync`, `export`; `bangban-hub import`, `review`, `complaint verdict`). An act that cannot
// happen yet — a reviewer acting on an application whose village has not synced — is tried
// again ten simulated minutes later, so what is filed and decided does not depend on the
// machine's speed, only when.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace bangban {

struct CityLayout {
  std::filesystem::path node_program, hub_program;
  std::filesystem::path work;  // outlets/<id>, counties/<code>, usb/ below it
  std::filesystem::path OutletDir(const std::string& id) const { return work / "outlets" / id; }
  std::filesystem::path CountyDir(const std::string& code) const { return work / "counties" / code; }
};

struct PlayReport {
  int acts = 0;      // acts that succeeded
  int retries = 0;   // tries that failed and were tried again
  int given_up = 0;  // acts that never succeeded (each named on `progress`)
  nlohmann::json ToJson() const { return {{"acts", acts}, {"retries", retries}, {"given_up", given_up}}; }
};

// The most times one act is tried (every ten simulated minutes).
inline constexpr int kMaxTries = 60;

// Plays `plan` (CityPlan::ToJson's document) in order of its instants, then brings every
// offline village in once more (a last sync or bundle) so the hubs end up with everything
// filed, and waits until five simulated minutes after the plan's end. Progress lines go to
// `progress`: one per simulated hour (what was filed and decided, the county hubs' open cases
// by colour) and one per act given up. Returns early, between acts, when `stop` is set.
PlayReport Play(const nlohmann::json& plan, const CityLayout& layout, const std::atomic<bool>& stop,
                const std::function<void(const std::string&)>& progress);

}  // namespace bangban
