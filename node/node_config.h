// node.toml: who this outlet node is and whom it talks to.
#pragma once

#include <filesystem>
#include <string>

#include "crypto/identity.h"
#include "node/intake.h"

namespace bangban {

struct NodeConfig {
  std::string outlet_id;
  std::string county;        // county code, e.g. 140802
  PublicKey county_key{};    // the county hub's identity: seals personal data, signs decisions
  std::string hub_endpoint;  // upstream: the county hub or a relay, e.g. tcp://10.0.0.5:7100
  PublicKey hub_key{};       // upstream's identity (pinned CurveZMQ key); default county_key
  // [clock] simulation = true: a test or simulation party, which may run on a fixed clock
  // (BANGBAN_NOW); every other node refuses one (storage/data_dir.h).
  bool simulation = false;
  // sealing_key = "PERIOD:HEX": the county hub's sealing key given at init (--sealing-key); later
  // ones the node learns from the hub's key.sealing records when it syncs.
  std::optional<SealingTarget> sealing_key;

  // Error(ErrorCode::kConfig, "<file>: <field>: <problem>") for a missing or malformed field.
  static NodeConfig Load(const std::filesystem::path& file);
  void Save(const std::filesystem::path& file) const;
};

// Checks the shape of an outlet id or application id: 1..64 of [A-Za-z0-9._-].
bool IsValidLocalId(std::string_view id);
// A county code is six digits (GB/T 2260), e.g. 140802.
bool IsValidCountyCode(std::string_view code);

}  // namespace bangban
