// Witness audit: what `bangban-hub audit` adds to the store's own checks (docs/audit.md).
//
// For every county hub enrolled in the store: its published transparency log holds together
// (county_witness.h), its rules records decode (county_rules.h), and each of its latest report
// snapshots (of `report sla` and of `report oversight`) equals the city's recomputation from the raw records with the
// county's receipt instants and rules (county_replay.h, report_snapshot.h). And from anywhere: every fork the store
// holds evidence of. Each finding is named (type, county, record ids); a snapshot the city cannot compare yet (its
// records have not all arrived) is a notice, not a finding.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oversight/county_witness.h"

namespace bangban {

struct WitnessAuditOptions {
  std::optional<PublicKey> city_key;  // the city root (the auditing hub's own key at the city)
  std::filesystem::path scratch;      // where replays are built (removed afterwards)
  size_t snapshots_per_county = 20;   // the latest ones are recomputed
  // The auditor's activity window: an oversight snapshot is recomputed with the window it states
  // (this one when it carries only its hash), and a notice names a window that differs.
  int inactive_days = 30;
};

struct WitnessAudit {
  std::vector<Finding> findings;
  std::vector<std::string> notices;
  Json counties = Json::array();  // per county: leaves, heads, rules, snapshots checked and pending

  static WitnessAudit Run(const FeedStore& store, const WitnessAuditOptions& options);
};

// The county's figures as the city recomputes them: `report sla` over a replay of the county's
// log at `at_ms` (with `apps`, every application too); `county` "" means the one county hub
// enrolled (Error(ErrorCode::kUsage) if there are several or none). Error(ErrorCode::kNotFound)
// when no county hub of `county` is enrolled in the store.
Json RecomputeCountySlaReport(const FeedStore& store, const std::string& county, const PublicKey& city_key,
                              const std::filesystem::path& scratch, int64_t at_ms, bool apps);

}  // namespace bangban
