// bangban-hub's applicant-data command: `applicant`, which shows a county reviewer who applied
// (custody/applicant_custody.h) after logging the opening as a signed pii.access record.
#pragma once

#include <CLI/CLI.hpp>

#include "daemon/command_line.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds `applicant` to `app`, writing to `cmd`'s streams; `cmd` must outlive the app. It writes
// (the pii.access record), so while a daemon holds the data dir it is handed to it.
void AddApplicantCommands(CLI::App& app, HubCommand& cmd);

}  // namespace bangban
