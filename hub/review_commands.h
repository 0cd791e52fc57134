// bangban-hub's county review commands: `review`, `report sla|queue`, `queue` and `reindex`.
// Kept apart from hub/main.cc so that the review workflow and its reports grow here without
// touching the hub's other commands.
#pragma once

#include <CLI/CLI.hpp>

namespace bangban {

// Adds the subcommands to `app`. Callbacks report their exit code through `exit_code`, which
// must outlive the parse (as RunCommandLine expects).
void AddReviewCommands(CLI::App& app, int& exit_code);

}  // namespace bangban
