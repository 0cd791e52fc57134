#include "oversight/witness_audit.h"

#include <map>
#include <memory>

#include "crypto/error.h"
#include "oversight/county_replay.h"
#include "oversight/report_snapshot.h"
#include "protocol/clock.h"
#include "review/sla_report.h"

namespace bangban {

namespace {

void AuditForks(const FeedStore& store, WitnessAudit& audit) {
  std::map<PublicKey, std::vector<std::string>> evidence;
  for (const Record& r : store.ForkEvidence()) evidence[r.author()].push_back(ToHex(r.id()));
  for (const auto& [author, reason] : store.Quarantined()) {
    auto enrollment = store.FindEnrollment(author);
    audit.findings.push_back({"fork", enrollment ? enrollment->county : "", evidence[author],
                              "author " + KeyId(author) + " signed two records for one feed position: " + reason});
  }
}

// The snapshot's document as recomputed from `replay`, or a notice why it cannot be yet.
class SnapshotChecker {
 public:
  SnapshotChecker(const FeedStore& store, const CountyLog& log, const WitnessAuditOptions& options)
      : store_(store), log_(log), options_(options) {}

  // Compares one snapshot; adds a finding or a notice to `audit`. True if it was compared.
  bool Check(const Record& record, WitnessAudit& audit) {
    const std::string id = ToHex(record.id());
    ReportSnapshot snapshot;
    try {
      snapshot = ReportSnapshot::FromBody(record.body());
    } catch (const Error& e) {
      audit.findings.push_back({"bad_snapshot", log_.county, {id}, e.what()});
      return false;
    }
    if (snapshot.report != kSlaReport) {
      audit.notices.push_back("snapshot " + id.substr(0, 16) + " of county " + log_.county + ": report '" +
                              snapshot.report + "' is not recomputed by this release");
      return false;
    }
    if (log_.heads.empty() || log_.heads.back().timestamp_ms < snapshot.at_ms) {
      audit.notices.push_back("snapshot " + id.substr(0, 16) + " of county " + log_.county + " at " +
                              FormatRfc3339(snapshot.at_ms) +
                              ": the county's published log does not reach it yet (pending)");
      return false;
    }
    CountyReplay& replay = Replay(audit);
    if (replay.first_missing_ms() && *replay.first_missing_ms() <= snapshot.at_ms) {
      audit.notices.push_back("snapshot " + id.substr(0, 16) + " of county " + log_.county + " at " +
                              FormatRfc3339(snapshot.at_ms) + ": " + std::to_string(replay.missing()) +
                              " record(s) of the county's log have not arrived here yet (pending)");
      return false;
    }
    SlaReportOptions report_options;
    report_options.at_ms = snapshot.at_ms;
    const Json recomputed = SlaSnapshotDocument(BuildSlaReport(replay.cases(), report_options));
    if (SnapshotHash(recomputed) == snapshot.hash) return true;
    std::string message = "the sla report the county signed for " + FormatRfc3339(snapshot.at_ms) +
                          " differs from the city's recomputation from the raw records";
    if (snapshot.document) {
      std::vector<std::string> differences = DocumentDifferences(*snapshot.document, recomputed);
      for (const std::string& d : differences) message += "; " + d;
    } else {
      message += " (the snapshot carries only its hash)";
    }
    audit.findings.push_back({"snapshot_mismatch", log_.county, {id}, message});
    return true;
  }

 private:
  CountyReplay& Replay(WitnessAudit& audit) {
    if (!replay_) {
      replay_ = std::make_unique<CountyReplay>(store_, log_, *options_.city_key, options_.scratch);
      for (const Finding& f : replay_->findings()) audit.findings.push_back(f);
    }
    return *replay_;
  }

  const FeedStore& store_;
  const CountyLog& log_;
  const WitnessAuditOptions& options_;
  std::unique_ptr<CountyReplay> replay_;
};

std::vector<Enrollment> CountyHubs(const FeedStore& store) {
  std::vector<Enrollment> hubs;
  for (const Enrollment& e : store.Enrollments()) {
    if (e.role == "county") hubs.push_back(e);
  }
  return hubs;
}

}  // namespace

WitnessAudit WitnessAudit::Run(const FeedStore& store, const WitnessAuditOptions& options) {
  WitnessAudit audit;
  AuditForks(store, audit);
  for (const Enrollment& county : CountyHubs(store)) {
    CountyLog log = WitnessCounty(store, county.key, county.county);
    audit.findings.insert(audit.findings.end(), log.findings.begin(), log.findings.end());
    size_t checked = 0;
    if (options.city_key && !log.broken) {
      SnapshotChecker checker(store, log, options);
      const size_t first =
          log.snapshots.size() > options.snapshots_per_county ? log.snapshots.size() - options.snapshots_per_county : 0;
      for (size_t i = first; i < log.snapshots.size(); ++i) checked += checker.Check(log.snapshots[i], audit) ? 1 : 0;
    }
    audit.counties.push_back({{"county", county.county},
                              {"hub", ToHex(county.key)},
                              {"leaves", log.leaves.size()},
                              {"tree_heads", log.heads.size()},
                              {"rules", log.rules.size()},
                              {"snapshots", log.snapshots.size()},
                              {"snapshots_compared", checked}});
  }
  return audit;
}

Json RecomputeCountySlaReport(const FeedStore& store, const std::string& county, const PublicKey& city_key,
                              const std::filesystem::path& scratch, int64_t at_ms, bool apps) {
  const std::vector<Enrollment> hubs = CountyHubs(store);
  if (county.empty() && hubs.size() != 1) {
    throw Error(ErrorCode::kUsage,
                "--county is required: " + std::to_string(hubs.size()) + " county hubs are enrolled here");
  }
  for (const Enrollment& hub : hubs) {
    if (!county.empty() && hub.county != county) continue;
    CountyLog log = WitnessCounty(store, hub.key, hub.county);
    CountyReplay replay(store, log, city_key, scratch);
    SlaReportOptions options;
    options.at_ms = at_ms;
    options.apps = apps;
    Json report = BuildSlaReport(replay.cases(), options);
    report["recomputed"] = {{"county_hub", ToHex(hub.key)},   {"leaves", log.leaves.size()},
                            {"tree_heads", log.heads.size()}, {"replayed", replay.replayed()},
                            {"missing", replay.missing()},    {"log_holds_together", !log.broken}};
    return report;
  }
  throw Error(ErrorCode::kNotFound, "no county hub of county " + county + " is enrolled here");
}

}  // namespace bangban
