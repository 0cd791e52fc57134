#include "hub/oversight_commands.h"

#include <algorithm>
#include <memory>

#include "hub/audit_commands.h"
#include "hub/hub.h"
#include "oversight/annual_reports.h"
#include "oversight/assessment.h"
#include "oversight/oversight_config.h"
#include "oversight/oversight_report.h"
#include "oversight/public_directory.h"
#include "oversight/townships.h"
#include "protocol/clock.h"
#include "review/sla_report.h"

namespace bangban {
namespace {

struct Args {
  std::string data, file, at, rules, outlet, inspector, date, note, complaint, reason;
  std::vector<std::string> found;
  bool json = false, is_public = false, upheld = false, not_upheld = false;
  uint32_t deduction = 0;
};

CLI::Validator TimeValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return ParseRfc3339(text) ? "" : "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00";
      },
      "TIME");
}

std::filesystem::path HubToml(const HubCommand& cmd, const Args& a) { return cmd.Path(a.data) / "hub.toml"; }

CensusScope ScopeOf(const Hub& hub) { return {hub.config().role, hub.config().county, hub.key().public_key()}; }

void RequireCounty(const Hub& hub, const std::string& what) {
  if (hub.config().role != "county") {
    throw Error(ErrorCode::kNotCounty, what + " is the county hub's: this is the city hub " + hub.config().name);
  }
}

// The oversight report at `at_ms`, with the case book's SLA figures.
Json OversightReport(Hub& hub, const OversightConfig& config, int64_t at_ms) {
  SlaReportOptions sla;
  sla.at_ms = at_ms;
  sla.apps = true;  // the breached applications are the on-time deduction's evidence
  Json report = ComputeOversightReport(hub.store(), HubSlaReport(hub, sla), ScopeOf(hub), config.inactive_days, at_ms);
  report["hub"] = {{"role", hub.config().role}, {"county", hub.config().county}, {"name", hub.config().name}};
  report["simulation"] = hub.config().simulation;
  return report;
}

void PrintOversightText(std::ostream& out, const Json& report) {
  out << "oversight at " << report["at"].get<std::string>() << (report["simulation"].get<bool>() ? " (simulation)" : "")
      << "\n";
  auto line = [&](const std::string& name, const Json& f) {
    out << name << ": outlets " << f["outlets"]["total"] << " (active " << f["outlets"]["active"]
        << "), townships covered " << f["coverage"]["covered"] << "/" << f["coverage"]["townships"]
        << ", all six haves inspected " << f["six_haves"]["all_six"]["inspected"] << ", fee violations "
        << f["fee_violations"].size() << ", complaints " << f["complaints"]["filed"] << " (upheld "
        << f["complaints"]["upheld"] << "), distinct applicants " << f["distinct_applicants"] << "\n";
  };
  for (const Json& c : report["counties"]) line(c["county"].get<std::string>(), c);
  if (report.contains("total")) line("city", report["total"]);
  for (const Json& f : report["flags"]) {
    out << "flag: " << f["type"].get<std::string>() << " " << f["record"].get<std::string>().substr(0, 16) << ": "
        << f["problem"].get<std::string>() << "\n";
  }
}

int64_t AtOrNow(const Args& a) { return a.at.empty() ? NowMs() : *ParseRfc3339(a.at); }

void AddReports(CLI::App& app, HubCommand& cmd, const std::shared_ptr<Args>& args) {
  Args& a = *args;
  CLI::App* report = app.get_subcommand("report");

  auto oversight = AddCommand(*report, cmd, "oversight",
                              "Outlets, township coverage, six haves, fees, SLA, annual reports, referrals, training, "
                              "complaints, satisfaction and workload per county (the city: every county and the "
                              "total); docs/oversight.md defines each figure",
                              Writes::Nothing());
  oversight->add_option("--data", a.data, "Hub data dir")->required();
  oversight->add_option("--at", a.at, "The report's instant (RFC 3339; default: now)")->check(TimeValidator());
  oversight->add_flag("--json", a.json, "Print one JSON document");
  oversight.Does([&cmd, args] {
    Json report = OversightReportOf(cmd.Open(args->data), cmd.Path(args->data), AtOrNow(*args));
    if (args->json) return PrintJson(cmd.out, report);
    PrintOversightText(cmd.out, report);
  });

  auto assessment = AddCommand(*report, cmd, "assessment",
                               "A score per county from the rules in DIR/assessment.toml (deploy/assessment.toml); "
                               "every deduction lists its evidence",
                               Writes::Nothing());
  assessment->add_option("--data", a.data, "Hub data dir")->required();
  assessment->add_option("--at", a.at, "The report's instant (RFC 3339; default: now)")->check(TimeValidator());
  assessment->add_option("--rules", a.rules, "The rules file (default: [oversight] assessment in hub.toml)");
  assessment->add_flag("--json", a.json, "Print one JSON document");
  assessment.Does([&cmd, args] {
    Json result = AssessmentOf(cmd.Open(args->data), cmd.Path(args->data), AtOrNow(*args),
                               args->rules.empty() ? std::filesystem::path() : cmd.Path(args->rules));
    if (args->json) return PrintJson(cmd.out, result);
    cmd.out << "assessment at " << result["at"].get<std::string>() << ", rules "
            << result["rules"]["version"].get<std::string>() << " ("
            << result["rules"]["hash"].get<std::string>().substr(0, 16) << ")\n";
    for (const Json& c : result["counties"]) {
      cmd.out << c["county"].get<std::string>() << ": " << c["score"] << "\n";
      for (const Json& d : c["deductions"]) {
        if (d["count"].get<int64_t>() > 0) {
          cmd.out << "  -" << d["points"] << " " << d["rule"].get<std::string>() << " x" << d["count"] << "\n";
        }
      }
    }
  });

  auto outlets = AddCommand(*report, cmd, "outlets",
                            "The outlet registry; with --public, the public directory: every active outlet's kind, "
                            "address, hours, phone and services, and nothing else",
                            Writes::Nothing());
  outlets->add_option("--data", a.data, "Hub data dir")->required();
  outlets->add_option("--at", a.at, "The report's instant (RFC 3339; default: now)")->check(TimeValidator());
  outlets->add_flag("--public", a.is_public, "Only what the public may see, of active outlets");
  outlets->add_flag("--json", a.json, "Print one JSON document");
  outlets.Does([&cmd, args] {
    Hub& hub = cmd.Open(args->data);
    OversightConfig config = OversightConfig::Load(HubToml(cmd, *args));
    Census census = TakeCensus(hub.store(), ScopeOf(hub), AtOrNow(*args));
    Json result = args->is_public ? BuildPublicDirectory(census, config.inactive_days)
                                  : BuildOutletRegistry(census, config.inactive_days);
    if (args->json) return PrintJson(cmd.out, result);
    for (const Json& o : result["outlets"]) {
      cmd.out << o["outlet_id"].get<std::string>() << "  " << o.value("name", "") << "  " << o.value("kind", "") << "  "
              << o.value("address", "") << "  " << o.value("phone", "") << "\n";
    }
  });
}

void PublishTownships(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  RequireCounty(hub, "a township list");
  const std::string county = hub.config().county;
  auto lists = TownshipList::ParseCsv(ReadTownshipFile(cmd.Path(a.file).string()), a.file);
  auto list = lists.find(county);
  if (list == lists.end()) throw Error(ErrorCode::kInput, a.file + " lists no township of county " + county);
  Census census = TakeCensus(hub.store(), ScopeOf(hub), NowMs());
  const CountyCensus& ours = census.counties[county];
  if (ours.townships && ours.townships->ToRecordBody() == list->second.ToRecordBody()) {
    cmd.out << "unchanged: the township list in force (" << ours.townships_record.substr(0, 16) << ") is this one\n";
    return;
  }
  Record r = hub.store().AppendOwn(hub.key(), {{"county.townships", list->second.ToRecordBody()}}).front();
  cmd.out << ToHex(r.id()) << "\n"
          << "county " << county << ": " << list->second.units.size() << " units, " << list->second.CountedUnits()
          << " counted in coverage\n";
}

void Inspect(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  RequireCounty(hub, "an inspection");
  bool enrolled = false;
  for (const Enrollment& e : hub.store().Enrollments()) {
    enrolled = enrolled || (e.role == "outlet" && e.outlet_id == a.outlet && e.county == hub.config().county);
  }
  if (!enrolled) {
    throw Error(ErrorCode::kUnknownOutlet,
                "no outlet " + a.outlet + " is enrolled in county " + hub.config().county + "; nothing was written");
  }
  Json six = Json::object();
  for (const char* item : kSixHaves) six[item] = std::find(a.found.begin(), a.found.end(), item) != a.found.end();
  Json body = {{"outlet_id", a.outlet}, {"inspector", a.inspector}, {"date", a.date}, {"six_haves", six}};
  if (!a.note.empty()) body["note"] = a.note;
  Record r = hub.store().AppendOwn(hub.key(), {{"outlet.inspect", body}}).front();
  cmd.out << ToHex(r.id()) << "\n";
}

// Refused for an unknown complaint, another county's, or one already decided. The check and the
// append are two steps: a running daemon runs handed-off commands one at a time, so two verdicts
// on one complaint cannot both pass it there.
void Verdict(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  RequireCounty(hub, "a complaint verdict");
  const RecordId id = *FromHexFixed<32>(a.complaint);
  std::optional<Record> complaint = hub.store().Get(id);
  if (!complaint || complaint->type() != "complaint.file") {
    throw Error(ErrorCode::kUnknownComplaint,
                "no complaint.file record " + a.complaint.substr(0, 16) + " is held by this hub; nothing was written");
  }
  auto author = hub.store().FindEnrollment(complaint->author());
  const std::string county =
      author ? author->county : (complaint->author() == hub.key().public_key() ? hub.config().county : "");
  if (county != hub.config().county) {
    throw Error(ErrorCode::kUnknownComplaint, "complaint " + a.complaint.substr(0, 16) + " is county " + county +
                                                  "'s, not " + hub.config().county + "'s; nothing was written");
  }
  const PublicKey own = hub.key().public_key();
  std::string earlier;
  hub.store().ScanFeed(own, 1, hub.store().Head(own).seq, [&](const Record& r) {
    if (r.type() != "complaint.verdict") return true;
    const auto& named = r.body()["complaint_id"].get_binary();
    if (std::equal(named.begin(), named.end(), id.begin(), id.end())) {
      earlier = ToHex(r.id());
    }
    return earlier.empty();
  });
  if (!earlier.empty()) {
    throw Error(ErrorCode::kAlreadyDecided, "complaint " + a.complaint.substr(0, 16) + " was decided by verdict " +
                                                earlier.substr(0, 16) + "; a second verdict is refused");
  }
  Json body = {{"complaint_id", Json::binary(Bytes(id.begin(), id.end()))},
               {"upheld", a.upheld},
               {"deduction", a.deduction},
               {"reason", a.reason}};
  Record r = hub.store().AppendOwn(hub.key(), {{"complaint.verdict", body}}).front();
  cmd.out << ToHex(r.id()) << "\n";
}

void AddWriters(CLI::App& app, HubCommand& cmd, const std::shared_ptr<Args>& args) {
  Args& a = *args;
  auto townships = AddCommand(app, cmd, "townships",
                              "Publish the county's township list (deploy/yuncheng/townships.csv) as a signed "
                              "county.townships record, which the county's reports and the city read",
                              Writes::ViaDaemon());
  townships->add_option("--data", a.data, "Hub data dir")->required();
  townships->add_option("file", a.file, "The townships file, e.g. deploy/yuncheng/townships.csv")->required();
  townships.Does([&cmd, args] { PublishTownships(cmd, *args); });

  auto inspect = AddCommand(app, cmd, "inspect",
                            "Record a county inspection of an outlet's six haves (writes outlet.inspect): each item "
                            "found is named with --found; the others were not found",
                            Writes::ViaDaemon());
  inspect->add_option("--data", a.data, "Hub data dir")->required();
  inspect->add_option("--outlet", a.outlet, "The outlet inspected (its outlet id)")->required();
  inspect->add_option("--inspector", a.inspector, "Who inspected")->required();
  inspect->add_option("--date", a.date, "The inspection's date (YYYY-MM-DD)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return ParseCivilDate(text) ? "" : "must be a date such as 2026-03-02";
          },
          "DATE"));
  inspect->add_option("--found", a.found, "An item found (repeatable): sign computer staff guide phone publicity")
      ->check(CLI::IsMember({"sign", "computer", "staff", "guide", "phone", "publicity"}));
  inspect->add_option("--note", a.note, "A note on what was seen");
  inspect.Check([args] {
    if (args->inspector.size() > 64) throw Error(ErrorCode::kUsage, "--inspector is longer than 64 bytes");
    if (args->note.size() > 1024) throw Error(ErrorCode::kUsage, "--note is longer than 1024 bytes");
  });
  inspect.Does([&cmd, args] { Inspect(cmd, *args); });

  auto complaint = AddCommand(app, cmd, "complaint", "Complaints (S13): the county's verdicts", Writes::Nothing());
  complaint->require_subcommand(1);
  auto verdict = AddCommand(*complaint.app(), cmd, "verdict",
                            "Decide a complaint (writes complaint.verdict); refused for an unknown complaint, another "
                            "county's, or a second verdict",
                            Writes::ViaDaemon());
  verdict->add_option("--data", a.data, "Hub data dir")->required();
  verdict->add_option("complaint_id", a.complaint, "The complaint.file record's id (hex)")->required()->check(HexKey());
  auto upheld = verdict->add_flag("--upheld", a.upheld, "The complaint is upheld");
  auto not_upheld = verdict->add_flag("--not-upheld", a.not_upheld, "The complaint is not upheld");
  upheld->excludes(not_upheld);
  verdict->add_option("--reason", a.reason, "Why (recorded in the signed verdict)")->required();
  verdict->add_option("--deduction", a.deduction, "Points deducted from the outlet (0..100)")
      ->check(CLI::Range(0, 100));
  verdict.Check([args] {
    if (!args->upheld && !args->not_upheld) throw Error(ErrorCode::kUsage, "give --upheld or --not-upheld");
    if (args->reason.empty() || args->reason.size() > 1024) {
      throw Error(ErrorCode::kUsage, "--reason must say why, in at most 1024 bytes");
    }
    if (args->not_upheld && args->deduction > 0) {
      throw Error(ErrorCode::kUsage, "--deduction goes with --upheld: a complaint not upheld deducts nothing");
    }
  });
  verdict.Does([&cmd, args] { Verdict(cmd, *args); });

  auto annual = AddCommand(app, cmd, "annual", "Annual reports (S8)", Writes::Nothing());
  annual->require_subcommand(1);
  auto remind = AddCommand(*annual.app(), cmd, "remind",
                           "Write the annual.remind records owed now (the running daemon does this once a day)",
                           Writes::ViaDaemon());
  remind->add_option("--data", a.data, "Hub data dir")->required();
  remind->add_flag("--json", a.json, "Print one JSON document");
  remind.Does([&cmd, args] {
    std::vector<Record> sent = SendAnnualReminders(cmd.Open(args->data));
    if (args->json) {
      Json list = Json::array();
      for (const Record& r : sent) list.push_back({{"id", ToHex(r.id())}, {"body", BodyToText(r.type(), r.body())}});
      return PrintJson(cmd.out, {{"reminders", list}});
    }
    for (const Record& r : sent) {
      cmd.out << ToHex(r.id()) << "  " << r.body()["uscc"].get<std::string>() << " year " << r.body()["year"]
              << " to outlet " << r.body()["outlet_id"].get<std::string>() << "\n";
    }
    cmd.out << sent.size() << " reminder(s) written\n";
  });
}

}  // namespace

std::vector<Record> SendAnnualReminders(Hub& hub) {
  if (hub.config().role != "county") return {};
  const int64_t now = NowMs();
  OversightConfig config = OversightConfig::Load(hub.data_dir().config_file());
  Census census = TakeCensus(hub.store(), ScopeOf(hub), now);
  std::vector<std::pair<std::string, Json>> entries;
  for (const ReminderDue& due :
       DueReminders(census.counties[hub.config().county], ToHex(hub.key().public_key()), now, config)) {
    entries.push_back({"annual.remind", due.Body()});
  }
  if (entries.empty()) return {};
  return hub.store().AppendOwn(hub.key(), entries);
}

Json OversightReportOf(Hub& hub, const std::filesystem::path& dir, int64_t at_ms) {
  return OversightReport(hub, OversightConfig::Load(dir / "hub.toml"), at_ms);
}

Json AssessmentOf(Hub& hub, const std::filesystem::path& dir, int64_t at_ms, const std::filesystem::path& rules_file) {
  OversightConfig config = OversightConfig::Load(dir / "hub.toml");
  AssessmentRules rules = AssessmentRules::Load((rules_file.empty() ? dir / config.assessment : rules_file).string());
  return BuildAssessment(OversightReport(hub, config, at_ms), rules);
}

void AddOversightCommands(CLI::App& app, HubCommand& cmd) {
  auto args = std::make_shared<Args>();
  AddReports(app, cmd, args);
  AddWriters(app, cmd, args);
}

}  // namespace bangban
