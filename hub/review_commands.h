// bangban-hub's county review commands: `review`, `report sla|queue`, `queue` and `reindex`.
// Kept apart from hub/main.cc so that the review workflow and its reports grow here without
// touching the hub's other commands.
#pragma once

#include <CLI/CLI.hpp>

#include "daemon/command_line.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds the subcommands to `app`, writing to `cmd`'s streams and reporting exit codes through
// cmd.exit_code; `cmd` must outlive the app. `review` and `reindex` are declared as writing
// (Writes::ViaDaemon), so while a daemon holds the data dir they are handed to it.
void AddReviewCommands(CLI::App& app, HubCommand& cmd);

}  // namespace bangban
