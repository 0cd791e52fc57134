// bangban-hub's applicant-data commands: `applicant`, which shows a county reviewer who applied
// (custody/applicant_custody.h) after logging the opening as a signed pii.access record, and
// `link`, which links received applications to pseudonyms (custody/applicant_linker.h).
#pragma once

#include <CLI/CLI.hpp>

#include "daemon/command_line.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds `applicant` and `link` to `app`, writing to `cmd`'s streams; `cmd` must outlive the app.
// Both write (pii.access, applicant.link records), so while a daemon holds the data dir they are
// handed to it.
void AddApplicantCommands(CLI::App& app, HubCommand& cmd);

}  // namespace bangban
