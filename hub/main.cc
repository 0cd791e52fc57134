// bangban-hub: a county hub or the city hub. See `bangban-hub --help` and docs/operations.md.
//
// The same commands serve the shell and the daemon: while `run` holds a data dir, the commands
// that change it (kDaemonCommands) are handed to the daemon over its control socket
// (daemon/control_socket.h), which runs them with BuildApp's callbacks against its open hub.
#include <iostream>
#include <memory>
#include <set>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "hub/hub.h"
#include "hub/review_commands.h"
#include "daemon/control_socket.h"
#include "daemon/daemon_lock.h"
#include "daemon/signals.h"
#include "daemon/command_line.h"

using namespace bangban;

namespace {

// The commands that change the hub's state: run by the daemon while one holds the data dir.
const std::set<std::string> kDaemonCommands = {"enroll", "revoke", "import", "review", "reindex"};

// Option values for every subcommand; the callbacks share ownership, since CLI11 binds options
// to variables that must outlive the parse.
struct Args {
  std::string data, file, out, key_hex, key_file, city_key_hex, upstream_key_hex, reason;
  bool json = false;
  HubConfig config;
  std::vector<std::filesystem::path> calendars;
  EnrolRequest enrol;
  uint64_t after_seq = 0;
  Hub::RunOptions run_options;
};
using ArgsPtr = std::shared_ptr<Args>;

std::unique_ptr<CLI::App> BuildApp(HubCommand& cmd);

PublicKey ParseKey(const std::string& hex, const std::string& option) {
  auto key = FromHexFixed<32>(hex);
  if (!key) throw Error(ErrorCode::kUsage, option + " must be 64 hex characters (a public key)");
  return *key;
}

PublicKey UpstreamKey(const Hub& hub, const Args& a) {
  if (!a.upstream_key_hex.empty()) return ParseKey(a.upstream_key_hex, "--upstream-key");
  if (!hub.config().city_key) throw Error(ErrorCode::kUsage, "--upstream needs --upstream-key (or city_key in hub.toml)");
  return *hub.config().city_key;
}

// ---- what each command does ------------------------------------------------------------------

void Init(HubCommand& cmd, Args& a) {
  if (!a.city_key_hex.empty()) a.config.city_key = ParseKey(a.city_key_hex, "--city-key");
  std::vector<std::filesystem::path> calendars;
  for (const std::filesystem::path& file : a.calendars) calendars.push_back(cmd.Path(file.string()));
  CalendarInstall calendar_install(calendars);  // checked before anything is created
  std::optional<std::filesystem::path> key_file;
  if (!a.key_file.empty()) key_file = cmd.Path(a.key_file);
  PublicKey key = Hub::Init(cmd.Path(a.data), a.config, key_file);
  calendar_install.Install(cmd.Path(a.data));
  cmd.out << ToHex(key) << "\n";
}

void Enroll(HubCommand& cmd, Args& a) {
  a.enrol.key = ParseKey(a.key_hex, "--key");
  if (a.enrol.role == "outlet" && a.enrol.outlet_id.empty()) {
    throw Error(ErrorCode::kUsage, "--outlet-id is required to enrol an outlet");
  }
  if (cmd.HandedOff(a.data)) return;
  Hub& hub = cmd.Open(a.data);
  if (a.enrol.county.empty()) a.enrol.county = hub.config().county;
  cmd.out << ToHex(hub.Enrol(a.enrol).id()) << "\n";
}

void Revoke(HubCommand& cmd, const Args& a) {
  PublicKey key = ParseKey(a.key_hex, "--key");
  if (cmd.HandedOff(a.data)) return;
  cmd.out << ToHex(cmd.Open(a.data).Revoke(key, a.after_seq, a.reason).id()) << "\n";
}

int Import(HubCommand& cmd, const Args& a) {
  if (cmd.HandedOff(a.data)) return cmd.exit_code;
  return PrintImportReport(cmd.out, cmd.Open(a.data).Import(cmd.Path(a.file)), a.json);
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
  ControlServer control(dir, kDaemonCommands, [&](const ControlRequest& request) {
    ControlReply reply = RunHandedOff<Hub>(request, hub, dir, BuildApp);
    hub.WakeUpstream();  // what it stored reaches the city now
    return reply;
  }, stop);
  spdlog::info("{} hub {} running", hub.config().role, hub.config().name);
  hub.Run(a.run_options, stop);
  spdlog::info("stopped");
}

// `recover`: after a county hub was restored from an old backup, before anything is written.
int Recover(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  SyncClient::Result r = hub.Recover(a.run_options.upstream, UpstreamKey(hub, a));
  cmd.out << (r.complete ? "complete" : "INCOMPLETE") << ": pushed " << r.pushed << ", accepted " << r.accepted
          << ", pulled " << r.pulled << (r.recovered ? "; this hub's own feed was fetched from upstream" : "")
          << "\n";
  for (const std::string& refusal : r.refusals) cmd.out << "  refused: " << refusal << "\n";
  return r.complete ? kExitOk : kExitError;
}

int Audit(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  std::vector<std::string> problems = hub.Audit();
  Json status = hub.Status();
  if (a.json) {
    PrintJson(cmd.out, {{"clean", problems.empty()}, {"problems", problems}, {"records", status["records"]},
                        {"feeds", status["feeds"]}, {"quarantined", status["quarantined"]}});
  } else {
    for (const std::string& p : problems) cmd.out << "problem: " << p << "\n";
    for (const Json& q : status["quarantined"]) {
      cmd.out << "notice: author " << q["author"].get<std::string>().substr(0, 16)
              << " is quarantined: " << q["reason"].get<std::string>() << "\n";
    }
    cmd.out << (problems.empty() ? "audit clean: " : "audit FAILED: ") << status["records"] << " records in "
            << status["feeds"] << " feeds, " << problems.size() << " problems\n";
  }
  return problems.empty() ? kExitOk : kExitError;
}

void PrintStatus(HubCommand& cmd, const Args& a) {
  Json s = cmd.Open(a.data).Status();
  if (a.json) return PrintJson(cmd.out, s);
  cmd.out << s["role"].get<std::string>() << " hub " << s["name"].get<std::string>() << " ("
          << s["county"].get<std::string>() << ")\nkey " << s["key"].get<std::string>() << "\nrecords "
          << s["records"] << " in " << s["feeds"] << " feeds, enrolled keys " << s["enrolled"] << ", buffered "
          << s["buffered"] << ", quarantined " << s["quarantined"].size() << "\n";
  for (const Json& p : s["peers"]) {
    cmd.out << "  peer " << p["key"].get<std::string>().substr(0, 16) << " " << p["outlet_id"].get<std::string>()
            << "  last contact " << p["last_contact"].get<std::string>() << "  received " << p["records_received"]
            << "  backlog " << p["backlog"] << "\n";
  }
}

// ---- the command line ------------------------------------------------------------------------

void AddInit(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto* init = app.add_subcommand("init", "Create a hub data dir and print the hub's public key");
  init->add_option("--data", a.data, "Data dir to create")->required();
  init->add_option("--role", a.config.role, "county or city")->required()->check(CLI::IsMember({"county", "city"}));
  init->add_option("--name", a.config.name, "The operating bureau, e.g. 盐湖区行政审批服务管理局")->required();
  init->add_option("--county", a.config.county, "Division code: the county's (140802) or the city's (1408)")->required();
  init->add_option("--city-key", a.city_key_hex, "The city hub's public key (county hubs)");
  init->add_option("--key", a.key_file, "Use this existing identity key file instead of a new one");
  init->add_option("--calendar", a.calendars, "Working calendar file (repeatable), copied into DIR/calendars/ and listed in [sla]");
  init->callback([&cmd, args] { Init(cmd, *args); });
}

void AddKeyCommands(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto* enroll = app.add_subcommand("enroll", "Enrol a key (writes a signed key.enroll record)");
  enroll->add_option("--data", a.data, "Hub data dir")->required();
  enroll->add_option("--key", a.key_hex, "The public key to enrol (hex)")->required();
  enroll->add_option("--role", a.enrol.role, "outlet, county or city")->required()->check(CLI::IsMember({"outlet", "county", "city"}));
  enroll->add_option("--name", a.enrol.name, "Who holds the key, e.g. the outlet's name")->required();
  enroll->add_option("--county", a.enrol.county, "County code (default: this hub's)");
  enroll->add_option("--outlet-id", a.enrol.outlet_id, "Outlet id (required for outlets)");
  enroll->callback([&cmd, args] { Enroll(cmd, *args); });

  auto* revoke = app.add_subcommand("revoke", "Revoke a key: its records after --after-seq are refused everywhere");
  revoke->add_option("--data", a.data, "Hub data dir")->required();
  revoke->add_option("--key", a.key_hex, "The public key to revoke (hex)")->required();
  revoke->add_option("--after-seq", a.after_seq, "Last seq of that key that stays valid")->required();
  revoke->add_option("--reason", a.reason, "Why (recorded in the signed record)")->required();
  revoke->callback([&cmd, args] { Revoke(cmd, *args); });
}

void AddBundles(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  auto* import_cmd = app.add_subcommand("import", "Verify and store the records of a bundle file");
  import_cmd->add_option("--data", args->data, "Hub data dir")->required();
  import_cmd->add_option("file", args->file, "Bundle file")->required();
  import_cmd->add_flag("--json", args->json, "Print one JSON document");
  import_cmd->callback([&cmd, args] { cmd.exit_code = Import(cmd, *args); });

  auto* export_cmd = app.add_subcommand("export", "Write every record held to a bundle file (e.g. for the city)");
  export_cmd->add_option("--data", args->data, "Hub data dir")->required();
  export_cmd->add_option("--out", args->out, "Bundle file to write")->required();
  export_cmd->callback([&cmd, args] {
    size_t count = cmd.Open(args->data).Export(cmd.Path(args->out));
    cmd.out << "exported " << count << " records to " << args->out << "\n";
  });
}

void AddRun(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto* run = app.add_subcommand("run", "Serve outlet nodes over ZeroMQ/CurveZMQ (and replicate to the city with --upstream)");
  run->add_option("--data", a.data, "Hub data dir")->required();
  run->add_option("--listen", a.run_options.listen, "Endpoint to serve, e.g. tcp://0.0.0.0:7100")->required();
  run->add_option("--upstream", a.run_options.upstream, "The city hub's endpoint (county hubs)");
  run->add_option("--upstream-key", a.upstream_key_hex, "The city hub's public key (hex)");
  run->callback([&cmd, args] { RunDaemon(cmd, *args); });

  auto* recover = app.add_subcommand(
      "recover", "After restoring a county hub from an old backup: fetch its own feed from the city before anything is written");
  recover->add_option("--data", a.data, "Hub data dir")->required();
  recover->add_option("--upstream", a.run_options.upstream, "The city hub's endpoint")->required();
  recover->add_option("--upstream-key", a.upstream_key_hex, "The city hub's public key (default: city_key in hub.toml)");
  recover->callback([&cmd, args] { cmd.exit_code = Recover(cmd, *args); });
}

void AddChecks(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  auto* audit = app.add_subcommand("audit", "Re-verify every signature, chain and enrolment; exit 1 naming each problem");
  audit->add_option("--data", args->data, "Hub data dir")->required();
  audit->add_flag("--json", args->json, "Print one JSON document");
  audit->callback([&cmd, args] { cmd.exit_code = Audit(cmd, *args); });

  auto* status = app.add_subcommand("status", "Show what the hub holds");
  status->add_option("--data", args->data, "Hub data dir")->required();
  status->add_flag("--json", args->json, "Print one JSON document");
  status->callback([&cmd, args] { PrintStatus(cmd, *args); });
}

// The whole command line, writing to `cmd`'s streams. `cmd` must outlive the app.
std::unique_ptr<CLI::App> BuildApp(HubCommand& cmd) {
  auto app = std::make_unique<CLI::App>(
      "bangban-hub: a county hub (review queue, SLA) or the city hub (oversight, audit).");
  app->require_subcommand(1);
  auto args = std::make_shared<Args>();
  AddKeygenCommand(*app, cmd.out, cmd.cwd);
  AddInit(*app, cmd, args);
  AddKeyCommands(*app, cmd, args);
  AddBundles(*app, cmd, args);
  AddRun(*app, cmd, args);
  AddChecks(*app, cmd, args);
  AddReviewCommands(*app, cmd);  // review, report, queue, reindex
  return app;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("bangban-hub"));
  return RunFromShell<Hub>(argc, argv, BuildApp);
}
