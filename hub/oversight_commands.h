// The oversight subcommands of bangban-hub (docs/oversight.md): `townships` (publish the
// county's township list), `inspect` (outlet.inspect), `complaint verdict`, `annual remind`,
// and the reports `report oversight`, `report assessment` and `report outlets`. Kept apart from
// hub/main.cc like hub/review_commands.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <vector>

#include "daemon/command_line.h"
#include "protocol/record.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds the subcommands to `app`; the reports go under the `report` group, which must exist
// already (AddReviewCommands makes it). `cmd` must outlive the app.
void AddOversightCommands(CLI::App& app, HubCommand& cmd);

// The oversight report of the hub in data dir `dir` at `at_ms`, exactly as `report oversight
// --json` prints it (its [oversight] settings from DIR/hub.toml).
Json OversightReportOf(Hub& hub, const std::filesystem::path& dir, int64_t at_ms);
// The assessment at `at_ms`, exactly as `report assessment --json` prints it, with the rules of
// `rules_file` (empty: [oversight] assessment of hub.toml, relative to `dir`). Error(kConfig)
// when there is no rules file.
Json AssessmentOf(Hub& hub, const std::filesystem::path& dir, int64_t at_ms,
                  const std::filesystem::path& rules_file = {});

// A county hub's annual-report reminders owed now (oversight/annual_reports.h), written into its
// feed in one batch; returns them (none at the city). The daemon calls it once a day.
std::vector<Record> SendAnnualReminders(Hub& hub);

}  // namespace bangban
