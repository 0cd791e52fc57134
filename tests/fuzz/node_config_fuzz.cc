// Fuzz target `node_config`: node.toml as NodeConfig::Load reads it (node/node_config.h). What
// loads must save and load again to the same configuration (`init` writes what `run` reads).
#include <optional>

#include "crypto/error.h"
#include "node/node_config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  static fuzz::ScratchFile file("node.toml");
  std::optional<NodeConfig> config;
  try {
    config = NodeConfig::Load(file.Write(fuzz::AsText(data, size)));
  } catch (const Error&) {
  }
  if (!config) return 0;
  const std::filesystem::path saved = file.dir() / "saved.toml";
  config->Save(saved);
  const NodeConfig again = NodeConfig::Load(saved);
  fuzz::Require(again.outlet_id == config->outlet_id && again.county == config->county &&
                    again.county_key == config->county_key && again.hub_endpoint == config->hub_endpoint &&
                    again.hub_key == config->hub_key && again.simulation == config->simulation,
                "a loaded node.toml saves and loads to the same configuration");
  return 0;
}
