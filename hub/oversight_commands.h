// The oversight subcommands of bangban-hub (docs/oversight.md): `townships` (publish the
// county's township list), `inspect` (outlet.inspect), `complaint verdict`, `annual remind`,
// and the reports `report oversight`, `report assessment` and `report outlets`. Kept apart from
// hub/main.cc like hub/review_commands.
#pragma once

#include <CLI/CLI.hpp>
#include <vector>

#include "daemon/command_line.h"
#include "protocol/record.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds the subcommands to `app`; the reports go under the `report` group, which must exist
// already (AddReviewCommands makes it). `cmd` must outlive the app.
void AddOversightCommands(CLI::App& app, HubCommand& cmd);

// A county hub's annual-report reminders owed now (oversight/annual_reports.h), written into its
// feed in one batch; returns them (none at the city). The daemon calls it once a day.
std::vector<Record> SendAnnualReminders(Hub& hub);

}  // namespace bangban
