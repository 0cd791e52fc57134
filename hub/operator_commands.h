// bangban-hub's operator commands: `user add`, `user disable` and `user list`. A hub's operators
// are the named people who act there (review/operator_roster.h); adding or disabling one writes
// a signed record into the hub's feed, so the hubs above know them too.
#pragma once

#include <CLI/CLI.hpp>

#include "daemon/command_line.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds `user` and its subcommands to `app`, writing to `cmd`'s streams; `cmd` must outlive the
// app. `user add` and `user disable` write (Writes::ViaDaemon): while a daemon holds the data dir
// they are handed to it.
void AddOperatorCommands(CLI::App& app, HubCommand& cmd);

}  // namespace bangban
