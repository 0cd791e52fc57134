// The [clock] section that node.toml and hub.toml share: `simulation = true` marks a test or
// simulation party, the only kind that may run on a fixed clock (BANGBAN_NOW).
#pragma once

#include <toml++/toml.h>

#include <string>

namespace bangban {

// [clock] simulation from a parsed configuration: false when absent. Error(kConfig, "<file>:
// clock...: ...") when the section is not a table, holds another key, or the value is not a bool.
bool ReadClockSimulation(const toml::table& config, const std::string& file);

}  // namespace bangban
