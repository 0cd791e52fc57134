#include "oversight/witness_audit.h"

#include <algorithm>
#include <map>
#include <memory>

#include "crypto/error.h"
#include "oversight/county_replay.h"
#include "oversight/oversight_report.h"
#include "oversight/report_snapshot.h"
#include "protocol/clock.h"
#include "review/sla_report.h"

namespace bangban {

namespace {

constexpr int64_t kMaxInactiveDays = 3650;  // oversight_config.h's bound

void AuditForks(const FeedStore& store, WitnessAudit& audit) {
  std::map<PublicKey, std::vector<std::string>> evidence;
  for (const Record& r : store.ForkEvidence()) evidence[r.author()].push_back(ToHex(r.id()));
  for (const auto& [author, reason] : store.Quarantined()) {
    auto enrollment = store.FindEnrollment(author);
    audit.findings.push_back({"fork", enrollment ? enrollment->county : "", evidence[author],
                              "author " + KeyId(author) + " signed two records for one feed position: " + reason});
  }
}

int64_t SnapshotInstant(const Record& r) {
  const Json& body = r.body();
  return body.is_object() && body.contains("at_ms") && body["at_ms"].is_number_integer() ? body["at_ms"].get<int64_t>()
                                                                                         : 0;
}

// Compares a county's snapshots with the city's recomputation over a replay of the county's log
// (county_replay.h) that goes forward in time: each snapshot is recomputed from exactly the
// records the county had received by its instant, as the county computed it. Snapshots must
// therefore be checked in order of instant.
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
    const std::string what = "snapshot " + id.substr(0, 16) + " of county " + log_.county;
    if (snapshot.report != kSlaReport && snapshot.report != kOversightReport) {
      audit.notices.push_back(what + ": report '" + snapshot.report + "' is not recomputed by this release");
      return false;
    }
    if (log_.heads.empty() || log_.heads.back().timestamp_ms < snapshot.at_ms) {
      audit.notices.push_back(what + " at " + FormatRfc3339(snapshot.at_ms) +
                              ": the county's published log does not reach it yet (pending)");
      return false;
    }
    CountyReplay& replay = Replay(audit);
    replay.AdvanceTo(snapshot.at_ms);
    if (replay.first_missing_ms() && *replay.first_missing_ms() <= snapshot.at_ms) {
      audit.notices.push_back(what + " at " + FormatRfc3339(snapshot.at_ms) + ": " + std::to_string(replay.missing()) +
                              " record(s) of the county's log have not arrived here yet (pending)");
      return false;
    }
    const Json recomputed = Recompute(snapshot, replay, what, audit);
    if (SnapshotHash(recomputed) == snapshot.hash) return true;
    std::string message = "the " + snapshot.report + " report the county signed for " + FormatRfc3339(snapshot.at_ms) +
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
  Json Recompute(const ReportSnapshot& snapshot, const CountyReplay& replay, const std::string& what,
                 WitnessAudit& audit) const {
    if (snapshot.report == kSlaReport) {
      SlaReportOptions report_options;
      report_options.at_ms = snapshot.at_ms;
      return SlaSnapshotDocument(BuildSlaReport(replay.cases(), report_options));
    }
    // The activity window is the county's setting, stated in its document; the city recomputes
    // with it and says so when it is not the city's own.
    int inactive_days = options_.inactive_days;
    if (snapshot.document && snapshot.document->contains("inactive_days") &&
        (*snapshot.document)["inactive_days"].is_number_integer()) {
      inactive_days = static_cast<int>(
          std::clamp<int64_t>((*snapshot.document)["inactive_days"].get<int64_t>(), 1, kMaxInactiveDays));
    }
    if (inactive_days != options_.inactive_days) {
      audit.notices.push_back(what + ": the county counts an outlet inactive after " + std::to_string(inactive_days) +
                              " days without a record, this hub after " + std::to_string(options_.inactive_days));
    }
    const CensusScope scope{"county", log_.county, log_.hub};
    return OversightSnapshotDocument(
        ComputeOversightReport(replay.store(), replay.cases(), scope, inactive_days, snapshot.at_ms));
  }

  CountyReplay& Replay(WitnessAudit& audit) {
    if (!replay_) {
      replay_ =
          std::make_unique<CountyReplay>(store_, log_, *options_.city_key, options_.scratch, /*until_ms=*/INT64_MIN);
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
    // Per report: snapshots held, and compared (the latest ones, oldest first).
    std::map<std::string, std::pair<size_t, size_t>> counts;
    std::vector<const Record*> latest;
    for (const Record& r : log.snapshots) {
      const Json& body = r.body();
      ++counts[body.is_object() && body.contains("report") && body["report"].is_string() ? body["report"] : ""].first;
    }
    const size_t first =
        log.snapshots.size() > options.snapshots_per_county ? log.snapshots.size() - options.snapshots_per_county : 0;
    for (size_t i = first; i < log.snapshots.size(); ++i) latest.push_back(&log.snapshots[i]);
    std::stable_sort(latest.begin(), latest.end(),
                     [](const Record* a, const Record* b) { return SnapshotInstant(*a) < SnapshotInstant(*b); });
    if (options.city_key && !log.broken) {
      SnapshotChecker checker(store, log, options);
      for (const Record* r : latest) {
        if (checker.Check(*r, audit)) ++counts[r->body()["report"].get<std::string>()].second;
      }
    }
    audit.counties.push_back({{"county", county.county},
                              {"hub", ToHex(county.key)},
                              {"leaves", log.leaves.size()},
                              {"tree_heads", log.heads.size()},
                              {"rules", log.rules.size()},
                              {"snapshots", counts[std::string(kSlaReport)].first},
                              {"snapshots_compared", counts[std::string(kSlaReport)].second},
                              {"oversight_snapshots", counts[std::string(kOversightReport)].first},
                              {"oversight_snapshots_compared", counts[std::string(kOversightReport)].second}});
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
