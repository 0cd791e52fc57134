// bangban-hub's sealing-key commands (custody/sealing_keys.h): `sealing-key` prints the key
// outlets seal to now (for `bangban-node init --sealing-key`), `key list` every period's key and
// its state, `key shred-due` runs the daemon's publish-and-shred pass once.
#pragma once

#include <CLI/CLI.hpp>

#include "daemon/command_line.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds `sealing-key` and `key list|shred-due` to `app`, writing to `cmd`'s streams; `cmd` must
// outlive the app. `key shred-due` writes (key.sealing, key.shred records), so while a daemon
// holds the data dir it is handed to it.
void AddSealingKeyCommands(CLI::App& app, HubCommand& cmd);

// "PERIOD:HEX", the form `bangban-node init --sealing-key` takes.
std::string SealingKeyArgument(const std::string& period, const std::array<uint8_t, 32>& public_key);

}  // namespace bangban
