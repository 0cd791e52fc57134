// Fuzz target `hub_config`: hub.toml as a hub reads it: its identity settings (hub/hub_config.h)
// and the county's review and SLA settings in the same file (review/review_config.h). The
// calendar files it lists are not opened here (they are the `calendar` target's). What
// HubConfig::Load accepts must save and load again to the same configuration.
#include <optional>

#include "crypto/error.h"
#include "hub/hub_config.h"
#include "review/review_config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  static fuzz::ScratchFile file("hub.toml");
  const std::filesystem::path& path = file.Write(fuzz::AsText(data, size));
  try {
    ReviewConfig::Load(path);
  } catch (const Error&) {
  }
  std::optional<HubConfig> config;
  try {
    config = HubConfig::Load(path);
  } catch (const Error&) {
  }
  if (!config) return 0;
  const std::filesystem::path saved = file.dir() / "saved.toml";
  config->Save(saved);
  const HubConfig again = HubConfig::Load(saved);
  fuzz::Require(again.role == config->role && again.name == config->name && again.county == config->county &&
                    again.city_key == config->city_key && again.simulation == config->simulation,
                "a loaded hub.toml saves and loads to the same configuration");
  return 0;
}
