#include "hub/audit_commands.h"

#include <unistd.h>

#include <memory>

#include "crypto/error.h"
#include "hub/hub.h"
#include "hub/witness_publisher.h"
#include "oversight/case_evidence.h"
#include "oversight/city_sla.h"
#include "oversight/county_witness.h"
#include "oversight/oversight_config.h"
#include "protocol/clock.h"

namespace bangban {
namespace {

struct Args {
  std::string data, county, at, app_id, outlet, out, file, hub_key, county_key;
  bool json = false, apps = false;
};

// Replays are built here, inside the owner-only data dir, and removed afterwards; one directory
// per process, so that an audit and a report running at once never share one.
std::filesystem::path ScratchDir(const std::filesystem::path& data_dir) {
  return data_dir / ("witness-replay-" + std::to_string(::getpid()));
}

PublicKey CityKeyOf(const Hub& hub) {
  if (hub.config().role == "city") return hub.key().public_key();
  if (hub.config().city_key) return *hub.config().city_key;
  throw Error(ErrorCode::kConfig, "hub.toml has no city_key: the city root the counties answer to is unknown");
}

void PublishNow(HubCommand& cmd, const Args& a) {
  WitnessPublication p = PublishWitness(cmd.Open(a.data));
  Json doc = {{"rules", p.rules},         {"checkpoints", p.checkpoints},
              {"snapshots", p.snapshots}, {"oversight_snapshots", p.oversight_snapshots},
              {"log_size", p.log_size},   {"tree_head", p.head ? p.head->ToJson() : Json(nullptr)}};
  if (a.json) return PrintJson(cmd.out, doc);
  if (!p.head && p.rules == 0) {
    cmd.out << "nothing new to publish\n";
    return;
  }
  cmd.out << "published " << p.checkpoints << " checkpoint, " << p.rules << " rules and "
          << p.snapshots + p.oversight_snapshots << " snapshot record(s)";
  if (p.head) cmd.out << "; the log has " << p.head->size << " leaves, head at " << FormatRfc3339(p.head->timestamp_ms);
  cmd.out << "\n";
}

void CountySla(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  const int64_t at = a.at.empty() ? NowMs() : *ParseRfc3339(a.at);
  Json report =
      RecomputeCountySlaReport(hub.store(), a.county, CityKeyOf(hub), ScratchDir(cmd.Path(a.data)), at, a.apps);
  // The county's applicant figures, from its replicated applicant.link records, as its own
  // `report sla` shows them.
  std::string county = a.county;
  for (const Enrollment& e : hub.store().Enrollments()) {
    if (county.empty() && e.role == "county") county = e.county;  // the one county hub (checked above)
  }
  report["applicants"] = hub.ApplicantFigures(county);
  if (a.json) return PrintJson(cmd.out, report);
  const Json& t = report["totals"];
  const Json& r = report["recomputed"];
  cmd.out << "county " << a.county << " recomputed at " << report["at"].get<std::string>() << " from " << r["replayed"]
          << " records of its log (" << r["missing"] << " not held here yet)\n"
          << "received " << t["received"] << ", completed " << t["completed"] << ", on time " << t["completed_on_time"]
          << ", breached " << t["breached"] << ", open " << t["open"] << ", paused " << t["paused"] << "\n";
}

// At the city: the county hub's receipts of the case's records, from its published log as
// replicated here, and the city's key.enroll of that county hub. Returns how many records got one.
size_t AddCountyReceipts(Hub& hub, CaseEvidence& evidence) {
  std::optional<Enrollment> county;
  for (const Enrollment& e : hub.store().Enrollments()) {
    if (e.role == "county" && e.county == evidence.county) county = e;
  }
  if (!county) return 0;
  evidence.county_hub = county->key;
  const PublicKey own = hub.key().public_key();
  hub.store().ScanFeed(own, 1, hub.store().Head(own).seq, [&](const Record& r) {
    if (r.type() == "key.enroll") {
      const Json::binary_t& key = r.body()["key"].get_binary();
      if (std::equal(key.begin(), key.end(), county->key.begin(), county->key.end())) evidence.county_enrollment = r;
    }
    return true;
  });
  std::vector<RecordId> ids;
  for (const CaseEvidence::Entry& e : evidence.entries) ids.push_back(e.record.id());
  std::vector<std::optional<Receipt>> receipts =
      CountyReceipts(WitnessCounty(hub.store(), county->key, county->county), ids);
  size_t added = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    evidence.entries[i].county_receipt = std::move(receipts[i]);
    added += evidence.entries[i].county_receipt ? 1 : 0;
  }
  return added;
}

void ExportEvidence(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  const std::string county = a.county.empty() ? hub.config().county : a.county;
  std::optional<CaseFile> file =
      hub.cases().Find(a.app_id, county, a.outlet.empty() ? std::nullopt : std::optional<std::string>(a.outlet));
  if (!file) {
    throw Error(ErrorCode::kUnknownApp, "no application " + a.app_id + " of county " + county +
                                            (a.outlet.empty() ? "" : " filed by outlet " + a.outlet) + " is held here");
  }
  CaseEvidence evidence;
  evidence.hub = hub.key().public_key();
  evidence.app_id = file->app_id;
  evidence.county = file->county;
  evidence.outlet_id = file->outlet_id;
  for (const CaseEvent& e : file->events) {
    std::optional<Record> record = hub.store().GetBySeq(e.author, e.seq);
    if (!record) continue;  // a buffered or damaged record: audit names it
    std::optional<Receipt> receipt = hub.ReceiptFor(record->id());
    if (!receipt) continue;
    evidence.entries.push_back({std::move(*record), std::move(*receipt), std::nullopt});
  }
  const size_t county_receipts = hub.config().role == "city" ? AddCountyReceipts(hub, evidence) : 0;
  evidence.Write(cmd.Path(a.out));
  cmd.out << "wrote the evidence of app " << evidence.app_id << " of outlet " << evidence.outlet_id << " ("
          << evidence.entries.size() << " records with receipts";
  if (evidence.county_hub) cmd.out << ", " << county_receipts << " with the county hub's receipts";
  cmd.out << ") to " << a.out << "\n";
}

int VerifyEvidence(HubCommand& cmd, const Args& a) {
  std::optional<PublicKey> expected;
  if (!a.hub_key.empty()) expected = *FromHexFixed<32>(a.hub_key);
  if (!a.data.empty()) expected = cmd.Open(a.data).key().public_key();  // Check made sure not both
  std::optional<PublicKey> expected_county;
  if (!a.county_key.empty()) expected_county = *FromHexFixed<32>(a.county_key);
  CaseEvidence evidence = CaseEvidence::Read(cmd.Path(a.file));
  Json timeline = evidence.Verify(expected, expected_county);
  if (a.json) {
    PrintJson(cmd.out, {{"verified", true},
                        {"hub", ToHex(evidence.hub)},
                        {"county_hub", evidence.county_hub ? Json(ToHex(*evidence.county_hub)) : Json(nullptr)},
                        {"county_enrollment", evidence.county_enrollment.has_value()},
                        {"app_id", evidence.app_id},
                        {"county", evidence.county},
                        {"outlet_id", evidence.outlet_id},
                        {"timeline", timeline}});
    return kExitOk;
  }
  cmd.out << "verified: app " << evidence.app_id << " of outlet " << evidence.outlet_id << ", county "
          << evidence.county << ", receipts of hub " << KeyId(evidence.hub);
  if (evidence.county_hub) cmd.out << " and of county hub " << KeyId(*evidence.county_hub);
  cmd.out << "\n";
  for (const Json& e : timeline) {
    cmd.out << "  " << e["at"].get<std::string>() << "  " << e["type"].get<std::string>() << "  by "
            << e["author"].get<std::string>() << " seq " << e["seq"];
    if (!e["county_at"].is_null()) cmd.out << "  county received " << e["county_at"].get<std::string>();
    cmd.out << "\n";
  }
  return kExitOk;
}

}  // namespace

Json HubSlaReport(Hub& hub, const SlaReportOptions& options) {
  if (hub.config().role != "city") return BuildSlaReport(hub.cases(), options);
  return CitySlaReport(hub.store(), hub.cases(), hub.key().public_key(), ScratchDir(hub.data_dir().root()), options);
}

WitnessAudit RunWitnessAudit(Hub& hub, const std::filesystem::path& data_dir) {
  WitnessAuditOptions options;
  if (hub.config().role == "city" || hub.config().city_key) options.city_key = CityKeyOf(hub);
  options.scratch = ScratchDir(data_dir);
  options.inactive_days = OversightConfig::Load(hub.data_dir().config_file()).inactive_days;
  return WitnessAudit::Run(hub.store(), options);
}

void AddAuditCommands(CLI::App& app, HubCommand& cmd) {
  auto args = std::make_shared<Args>();
  Args& a = *args;

  auto checkpoint = AddCommand(app, cmd, "checkpoint",
                               "County hub: publish its transparency log (leaves and a signed tree head), new working "
                               "rules and snapshots of report sla and report oversight into its feed now, for the city",
                               Writes::ViaDaemon());
  checkpoint->add_option("--data", a.data, "Hub data dir")->required();
  checkpoint->add_flag("--json", a.json, "Print one JSON document");
  checkpoint.Does([&cmd, args] { PublishNow(cmd, *args); });

  CLI::App* report = app.get_subcommand("report");
  auto county_sla = AddCommand(
      *report, cmd, "county-sla",
      "The city's recomputation of a county's SLA figures from the raw records, with the county's own receipt "
      "instants (its published log) and rules (its sla.rules records): what the county's report sla said",
      Writes::Nothing());
  county_sla->add_option("--data", a.data, "Hub data dir")->required();
  county_sla->add_option("--county", a.county,
                         "The county's code, e.g. 140802 (may be left out when one county hub is enrolled)");
  county_sla->add_option("--at", a.at, "Evaluate at this instant (RFC 3339; default: now)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return ParseRfc3339(text) ? "" : "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00";
          },
          "TIME", ""));
  county_sla->add_flag("--apps", a.apps, "Also list every application");
  county_sla->add_flag("--json", a.json, "Print one JSON document");
  county_sla.Does([&cmd, args] { CountySla(cmd, *args); });

  auto export_evidence =
      AddCommand(app, cmd, "export-evidence",
                 "Write a self-contained file proving one application's timeline offline: its records, this "
                 "hub's receipts with inclusion proofs and signed tree heads (at the city, the county hub's too)",
                 Writes::ViaDaemon());
  export_evidence->add_option("--data", a.data, "Hub data dir")->required();
  export_evidence->add_option("--app", a.app_id, "The application's app_id")->required();
  export_evidence->add_option("--outlet", a.outlet, "The outlet that filed it (when several did)");
  export_evidence->add_option("--county", a.county, "The county (default: this hub's)");
  export_evidence->add_option("--out", a.out, "Evidence file to write")->required();
  export_evidence.Does([&cmd, args] { ExportEvidence(cmd, *args); });

  auto verify = AddCommand(app, cmd, "verify-evidence",
                           "Check an evidence file with no store at all: every signature, receipt and proof; exit 0 "
                           "with the timeline, or 1 naming what does not hold",
                           Writes::Nothing());
  verify->add_option("file", a.file, "Evidence file")->required();
  verify->add_option("--hub-key", a.hub_key, "The hub whose receipts it must carry (hex)")->check(HexKey());
  verify->add_option("--data", a.data, "Or: the data dir of the hub whose receipts it must carry");
  verify->add_option("--county-key", a.county_key, "The county hub whose receipts it must carry too (hex)")
      ->check(HexKey());
  verify.Check([args] {
    if (!args->hub_key.empty() && !args->data.empty()) {
      throw Error(ErrorCode::kUsage, "give the expected hub once: --hub-key KEY or --data DIR");
    }
  });
  verify->add_flag("--json", a.json, "Print one JSON document");
  verify.Does([&cmd, args] { return VerifyEvidence(cmd, *args); });
}

}  // namespace bangban
