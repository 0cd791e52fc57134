// Report snapshots: a county hub signs what its reports said, so that the city can recompute
// them and flag any that differ (docs/audit.md). A report.snapshot record carries the report's
// name ("sla"; other reports are added by name), the instant it was computed at, the
// BLAKE2b-256 of its snapshot document and, when it fits, the document itself (so that the city
// can name the figures that differ).
//
// The snapshot document of a report is the part of its JSON that is a function of the records
// alone: the figures, not the hub's name, its clock setting or the rules it runs with now (the
// rules travel in sla.rules records). For `report sla` these are "report", "at", "totals",
// "unreceived" and the groups "by_county", "by_outlet", "by_reviewer", "by_kind", "by_channel".
// For `report oversight` (at the county hub: its county) they are "report", "at",
// "inactive_days", "counties" and "flags": every figure, and the activity window they were
// computed with. Its text is the compact JSON dump with keys sorted (nlohmann::json's order), and
// the hash is of those bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "protocol/record.h"

namespace bangban {

inline constexpr std::string_view kSlaReport = "sla";
inline constexpr std::string_view kOversightReport = "oversight";

// The snapshot document of a `report sla --json` document.
Json SlaSnapshotDocument(const Json& sla_report);
// The snapshot document of a `report oversight --json` document.
Json OversightSnapshotDocument(const Json& oversight_report);
Hash32 SnapshotHash(const Json& document);

// The report.snapshot body for `document` of report `report` computed at `at_ms`; the document
// is left out when it would not fit in a record.
Json SnapshotBody(std::string_view report, int64_t at_ms, const Json& document);

// A report.snapshot record, decoded. Error(ErrorCode::kInvalidBody) if its document does not
// parse or does not have its hash.
struct ReportSnapshot {
  std::string report;
  int64_t at_ms = 0;
  Hash32 hash{};
  std::optional<Json> document;

  static ReportSnapshot FromBody(const Json& body);
};

// Where two documents differ, one line each ("totals.completed_on_time: 3 here, 4 recomputed"),
// at most `limit` lines.
std::vector<std::string> DocumentDifferences(const Json& claimed, const Json& recomputed, size_t limit = 10);

}  // namespace bangban
