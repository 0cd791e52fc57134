// bangban-hub: a county hub or the city hub. See `bangban-hub --help` and docs/operations.md.
//
// The same commands serve the shell and the daemon: while `run` holds a data dir, the commands
// declared as writing (AddCommand's Writes) are handed to the daemon over its control socket
// (daemon/control_socket.h), which runs them with BuildApp's callbacks against its open hub,
// or refused.
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "daemon/command_line.h"
#include "daemon/control_socket.h"
#include "daemon/daemon_lock.h"
#include "daemon/signals.h"
#include "hub/applicant_commands.h"
#include "hub/hub.h"
#include "hub/operator_commands.h"
#include "hub/review_commands.h"

using namespace bangban;

namespace {

// Option values for every subcommand; the callbacks share ownership, since CLI11 binds options
// to variables that must outlive the parse.
struct Args {
  std::string data, file, out, key_hex, key_file, city_key_hex, upstream_key_hex, reason, city_code;
  bool json = false;
  HubConfig config;
  std::vector<std::filesystem::path> calendars;
  EnrollRequest enroll;
  uint64_t after_seq = 0;
  Hub::RunOptions run_options;
};
using ArgsPtr = std::shared_ptr<Args>;

std::unique_ptr<CLI::App> BuildApp(HubCommand& cmd);

// A division code: a county's (140802) or a city's (1408).
CLI::Validator DivisionCodeValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return text.size() >= 4 && text.find_first_not_of("0123456789") == std::string::npos
                   ? ""
                   : "must be a division code such as 140802 (county) or 1408 (city)";
      },
      "CODE");
}

// A key option's value, checked by the CLI (HexKey).
PublicKey KeyOption(const std::string& hex) { return *FromHexFixed<32>(hex); }

PublicKey UpstreamKey(const Hub& hub, const Args& a) {
  if (!a.upstream_key_hex.empty()) return KeyOption(a.upstream_key_hex);
  if (!hub.config().city_key)
    throw Error(ErrorCode::kUsage, "--upstream needs --upstream-key (or city_key in hub.toml)");
  return *hub.config().city_key;
}

// ---- what each command does ------------------------------------------------------------------

// init's options beyond CLI11's checks: a county hub has a --county code, a city hub a --city
// code (or, the old spelling, --county).
void CheckInit(Args& a) {
  if (a.config.role == "county" && !a.city_code.empty()) {
    throw Error(ErrorCode::kUsage, "--city is the code of a city hub; a county hub is created with --county CODE");
  }
  if (a.config.role == "city" && !a.city_code.empty() && !a.config.county.empty()) {
    throw Error(ErrorCode::kUsage, "give the city's code once: --city CODE (--county is its old spelling)");
  }
  if (a.config.role == "city" && !a.city_code.empty()) a.config.county = a.city_code;
  if (a.config.county.empty()) {
    throw Error(ErrorCode::kUsage, a.config.role == "city" ? "--city is required: the city's division code, e.g. 1408"
                                                           : "--county is required: the county's code, e.g. 140802");
  }
}

void Init(HubCommand& cmd, Args& a) {
  if (!a.city_key_hex.empty()) a.config.city_key = KeyOption(a.city_key_hex);
  std::vector<std::filesystem::path> calendars;
  for (const std::filesystem::path& file : a.calendars) calendars.push_back(cmd.Path(file.string()));
  CalendarInstall calendar_install(calendars);  // checked before anything is created
  std::optional<std::filesystem::path> key_file;
  if (!a.key_file.empty()) key_file = cmd.Path(a.key_file);
  PublicKey key = Hub::Init(cmd.Path(a.data), a.config, key_file);
  calendar_install.Install(cmd.Path(a.data));
  cmd.out << ToHex(key) << "\n";
}

void CheckEnroll(const Args& a) {
  if (a.enroll.role == "outlet" && a.enroll.outlet_id.empty()) {
    throw Error(ErrorCode::kUsage, "--outlet-id is required to enroll an outlet");
  }
}

void Enroll(HubCommand& cmd, Args& a) {
  a.enroll.key = KeyOption(a.key_hex);
  Hub& hub = cmd.Open(a.data);
  if (a.enroll.county.empty()) a.enroll.county = hub.config().county;
  cmd.out << ToHex(hub.Enroll(a.enroll).id()) << "\n";
}

void Revoke(HubCommand& cmd, const Args& a) {
  cmd.out << ToHex(cmd.Open(a.data).Revoke(KeyOption(a.key_hex), a.after_seq, a.reason).id()) << "\n";
}

// `run`: holds the data dir (DaemonLock), serves the control socket and the nodes until stopped.
void RunDaemon(HubCommand& cmd, Args& a) {
  const std::filesystem::path dir = cmd.Path(a.data);
  DataDir::Open(dir, "hub");  // says so plainly if DIR is not a hub's, before creating anything
  DaemonLock lock(dir);
  Hub hub(dir);
  if (!a.run_options.upstream.empty()) a.run_options.upstream_key = UpstreamKey(hub, a);
  const std::atomic<bool>& stop = StopOnSignals();
  // Handed-off commands run on the control socket's thread while the serving thread ingests and
  // the upstream thread replicates, as commands in other processes did. That is safe: every
  // write is an LMDB transaction (one writer at a time, serialised by LMDB); FeedStore and
  // TransparencyLog keep nothing in memory; CaseBook's memory is fixed at start or guarded (the
  // profile cache, the live clock watch); and only this thread calls CaseBook::Review, one
  // request at a time (its strict workflow check keys on the calling thread).
  ControlServer control(
      dir, CommandsForDaemon<Hub>(BuildApp),
      [&](const ControlRequest& request) {
        ControlReply reply = RunHandedOff<Hub>(request, hub, dir, BuildApp);
        hub.WakeUpstream();  // what it stored reaches the city now
        return reply;
      },
      stop);
  spdlog::info("{} hub {} running", hub.config().role, hub.config().name);
  hub.Run(a.run_options, stop);
  spdlog::info("stopped");
}

// `recover`: after a county hub was restored from an old backup, before anything is written.
int Recover(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  SyncClient::Result r = hub.Recover(a.run_options.upstream, UpstreamKey(hub, a));
  cmd.out << (r.complete ? "complete" : "INCOMPLETE") << ": pushed " << r.pushed << ", accepted " << r.accepted
          << ", pulled " << r.pulled << (r.recovered ? "; this hub's own feed was fetched from upstream" : "") << "\n";
  for (const std::string& refusal : r.refusals) cmd.out << "  refused: " << refusal << "\n";
  return r.complete ? kExitOk : kExitError;
}

int Audit(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  std::vector<std::string> problems = hub.Audit();
  HubStatus status = hub.Status();
  if (a.json) {
    Json quarantined = Json::array();
    for (const QuarantineReport& q : status.quarantined) quarantined.push_back(q.ToJson());
    PrintJson(cmd.out, {{"clean", problems.empty()},
                        {"problems", problems},
                        {"records", status.records},
                        {"feeds", status.feeds},
                        {"quarantined", quarantined},
                        {"simulation", status.simulation}});
  } else {
    for (const std::string& p : problems) cmd.out << "problem: " << p << "\n";
    for (const QuarantineReport& q : status.quarantined) {
      cmd.out << "notice: author " << ToHex(q.author).substr(0, 16) << " is quarantined: " << q.reason << "\n";
    }
    if (status.simulation) cmd.out << "notice: simulation party (a fixed clock is allowed)\n";
    cmd.out << (problems.empty() ? "audit clean: " : "audit FAILED: ") << status.records << " records in "
            << status.feeds << " feeds, " << problems.size() << " problems\n";
  }
  return problems.empty() ? kExitOk : kExitError;
}

void PrintStatus(HubCommand& cmd, const Args& a) {
  HubStatus s = cmd.Open(a.data).Status();
  if (a.json) return PrintJson(cmd.out, s.ToJson());
  cmd.out << s.role << " hub " << s.name << " (" << s.county << ")\nkey " << ToHex(s.key) << "\nrecords " << s.records
          << " in " << s.feeds << " feeds, enrolled keys " << s.enrolled << ", buffered " << s.buffered
          << ", quarantined " << s.quarantined.size() << "\n";
  if (s.simulation) cmd.out << "simulation party: a fixed clock (BANGBAN_NOW) is allowed here\n";
  for (const PeerReport& p : s.peers) {
    cmd.out << "  peer " << ToHex(p.key).substr(0, 16) << " " << p.outlet_id << "  last contact " << p.LastContact()
            << "  received " << p.records_received << "  backlog " << p.backlog << "\n";
  }
}

// ---- the command line ------------------------------------------------------------------------

void AddInit(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto init = AddCommand(app, cmd, "init", "Create a hub data dir and print the hub's public key",
                         Writes::NotBesideDaemon("it is a hub's data dir already"));
  init->add_option("--data", a.data, "Data dir to create")->required();
  init->add_option("--role", a.config.role, "county or city")->required()->check(CLI::IsMember({"county", "city"}));
  init->add_option("--name", a.config.name, "The operating bureau, e.g. 盐湖区行政审批服务管理局")->required();
  init->add_option("--county", a.config.county,
                   "A county hub's county code, e.g. 140802 (for a city hub: the old spelling of --city)")
      ->check(DivisionCodeValidator());
  init->add_option("--city", a.city_code, "A city hub's division code, e.g. 1408")->check(DivisionCodeValidator());
  init->add_option("--city-key", a.city_key_hex, "The city hub's public key (county hubs)")->check(HexKey());
  init->add_option("--key", a.key_file, "Use this existing identity key file instead of a new one");
  init->add_option("--calendar", a.calendars,
                   "Working calendar file (repeatable), copied into DIR/calendars/ and listed in [sla]");
  init->add_flag("--simulation", a.config.simulation,
                 "A test or simulation party ([clock] simulation = true): may run on a fixed clock (BANGBAN_NOW), "
                 "and every report and status says so. Never for a real hub");
  init.Check([args] { CheckInit(*args); });
  init.Does([&cmd, args] { Init(cmd, *args); });
}

void AddKeyCommands(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto enroll = AddCommand(app, cmd, "enroll", "Enroll a key (writes a signed key.enroll record)", Writes::ViaDaemon());
  enroll->add_option("--data", a.data, "Hub data dir")->required();
  enroll->add_option("--key", a.key_hex, "The public key to enroll (hex)")->required()->check(HexKey());
  enroll->add_option("--role", a.enroll.role, "outlet, county or city")
      ->required()
      ->check(CLI::IsMember({"outlet", "county", "city"}));
  enroll->add_option("--name", a.enroll.name, "Who holds the key, e.g. the outlet's name")->required();
  enroll->add_option("--county", a.enroll.county, "County code (default: this hub's)");
  enroll->add_option("--outlet-id,--outlet", a.enroll.outlet_id,
                     "Outlet id (required for outlets; --outlet: the spelling bangban-node init had)");
  enroll.Check([args] { CheckEnroll(*args); });
  enroll.Does([&cmd, args] { Enroll(cmd, *args); });

  auto revoke = AddCommand(app, cmd, "revoke", "Revoke a key: its records after --after-seq are refused everywhere",
                           Writes::ViaDaemon());
  revoke->add_option("--data", a.data, "Hub data dir")->required();
  revoke->add_option("--key", a.key_hex, "The public key to revoke (hex)")->required()->check(HexKey());
  revoke->add_option("--after-seq", a.after_seq, "Last seq of that key that stays valid")->required();
  revoke->add_option("--reason", a.reason, "Why (recorded in the signed record)")->required();
  revoke.Does([&cmd, args] { Revoke(cmd, *args); });
}

void AddBundles(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  auto import_cmd =
      AddCommand(app, cmd, "import", "Verify and store the records of a bundle file", Writes::ViaDaemon());
  import_cmd->add_option("--data", args->data, "Hub data dir")->required();
  import_cmd->add_option("file", args->file, "Bundle file")->required();
  import_cmd->add_flag("--json", args->json, "Print one JSON document");
  import_cmd.Does([&cmd, args] {
    return PrintImportReport(cmd.out, cmd.Open(args->data).Import(cmd.Path(args->file)), args->json);
  });

  auto export_cmd =
      AddCommand(app, cmd, "export", "Write every record held to a bundle file (e.g. for the city)", Writes::Nothing());
  export_cmd->add_option("--data", args->data, "Hub data dir")->required();
  export_cmd->add_option("--out", args->out, "Bundle file to write")->required();
  export_cmd.Does([&cmd, args] {
    size_t count = cmd.Open(args->data).Export(cmd.Path(args->out));
    cmd.out << "exported " << count << " records to " << args->out << "\n";
  });
}

void AddRun(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto run =
      AddCommand(app, cmd, "run", "Serve outlet nodes over ZeroMQ/CurveZMQ (and replicate to the city with --upstream)",
                 Writes::IsTheDaemon());
  run->add_option("--data", a.data, "Hub data dir")->required();
  run->add_option("--listen", a.run_options.listen, "Endpoint to serve, e.g. tcp://0.0.0.0:7100")->required();
  run->add_option("--upstream", a.run_options.upstream, "The city hub's endpoint (county hubs)");
  run->add_option("--upstream-key", a.upstream_key_hex, "The city hub's public key (hex)")->check(HexKey());
  run.Does([&cmd, args] { RunDaemon(cmd, *args); });

  // Not run by a daemon: recovering fetches the hub's own feed before it writes anything, and a
  // running hub writes (it ingests, enrolls, reviews) as it serves.
  auto recover = AddCommand(
      app, cmd, "recover",
      "After restoring a county hub from an old backup: fetch its own feed from the city before anything is written",
      Writes::NotBesideDaemon("stop it first: recover must run before the hub writes anything"));
  recover->add_option("--data", a.data, "Hub data dir")->required();
  recover->add_option("--upstream", a.run_options.upstream, "The city hub's endpoint")->required();
  recover->add_option("--upstream-key", a.upstream_key_hex, "The city hub's public key (default: city_key in hub.toml)")
      ->check(HexKey());
  recover.Does([&cmd, args] { return Recover(cmd, *args); });
}

void AddChecks(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  auto audit =
      AddCommand(app, cmd, "audit", "Re-verify every signature, chain and enrollment; exit 1 naming each problem",
                 Writes::Nothing());
  audit->add_option("--data", args->data, "Hub data dir")->required();
  audit->add_flag("--json", args->json, "Print one JSON document");
  audit.Does([&cmd, args] { return Audit(cmd, *args); });

  auto status = AddCommand(app, cmd, "status", "Show what the hub holds", Writes::Nothing());
  status->add_option("--data", args->data, "Hub data dir")->required();
  status->add_flag("--json", args->json, "Print one JSON document");
  status.Does([&cmd, args] { PrintStatus(cmd, *args); });
}

// The whole command line, writing to `cmd`'s streams. `cmd` must outlive the app.
std::unique_ptr<CLI::App> BuildApp(HubCommand& cmd) {
  auto app =
      std::make_unique<CLI::App>("bangban-hub: a county hub (review queue, SLA) or the city hub (oversight, audit).");
  app->require_subcommand(1);
  auto args = std::make_shared<Args>();
  AddKeygenCommand(*app, cmd);
  AddInit(*app, cmd, args);
  AddKeyCommands(*app, cmd, args);
  AddBundles(*app, cmd, args);
  AddRun(*app, cmd, args);
  AddChecks(*app, cmd, args);
  AddReviewCommands(*app, cmd);     // review, report, queue, reindex
  AddOperatorCommands(*app, cmd);   // user add|disable|list
  AddApplicantCommands(*app, cmd);  // applicant
  return app;
}

}  // namespace

int main(int argc, char** argv) {
  SetUpLog("bangban-hub");
  return RunFromShell<Hub>(argc, argv, BuildApp);
}
