// bangban-hub's witness commands (docs/audit.md): `checkpoint` (a county hub publishes its log,
// rules and report snapshot now), `report county-sla` (the city's recomputation of a county's
// figures with the county's receipt instants and rules), `export-evidence` and
// `verify-evidence` (one case's timeline, proven offline), and the witness part of `audit`.
// Kept apart from hub/main.cc so that these grow here.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>

#include "daemon/command_line.h"
#include "oversight/witness_audit.h"
#include "review/sla_report.h"

namespace bangban {

class Hub;
using HubCommand = CommandContext<Hub>;

// Adds the subcommands to `app` (`report county-sla` under the `report` group, which must exist
// already). `checkpoint` and `export-evidence` are declared as writing (Writes::ViaDaemon):
// both sign tree heads.
void AddAuditCommands(CLI::App& app, HubCommand& cmd);

// What `audit` adds to the store's checks for the hub whose data dir is `data_dir`.
WitnessAudit RunWitnessAudit(Hub& hub, const std::filesystem::path& data_dir);

// The hub's SLA report: a county hub's from its case book; the city's with each county's receipt
// instants and rules (oversight/city_sla.h), its replays built inside the hub's data dir.
Json HubSlaReport(Hub& hub, const SlaReportOptions& options);

}  // namespace bangban
