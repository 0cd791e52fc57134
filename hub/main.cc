// bangban-hub: a county hub or the city hub. See `bangban-hub --help` and docs/operations.md.
//
// The same commands serve the shell and the daemon: while `run` holds a data dir, the commands
// declared as writing (AddCommand's Writes) are handed to the daemon over its control socket
// (daemon/control_socket.h), which runs them with BuildApp's callbacks against its open hub,
// or refused.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "daemon/command_line.h"
#include "daemon/control_socket.h"
#include "daemon/daemon_lock.h"
#include "daemon/signals.h"
#include "hub/applicant_commands.h"
#include "hub/audit_commands.h"
#include "hub/audit_watch.h"
#include "hub/hub.h"
#include "hub/hub_dashboard.h"
#include "hub/hub_review_figures.h"
#include "hub/hub_web.h"
#include "hub/operator_commands.h"
#include "hub/oversight_commands.h"
#include "hub/review_commands.h"
#include "hub/sealing_key_commands.h"
#include "protocol/clock.h"
#include "protocol/identifiers.h"
#include "web/http_server.h"
#include "web/password_file.h"
#include "web/web_app.h"

using namespace bangban;

namespace {

// Option values for every subcommand; the callbacks share ownership, since CLI11 binds options
// to variables that must outlive the parse.
struct Args {
  std::string data, file, out, key_hex, key_file, city_key_hex, upstream_key_hex, reason, city_code;
  std::string http;           // run --http ADDR:PORT: serve the web pages there
  int64_t audit_every = -1;   // run --audit-every SECONDS; -1: an hour with --http, else never
  std::string operator_name;  // user passwd --name
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
  std::optional<SealingKeyInfo> sealing;
  PublicKey key = Hub::Init(cmd.Path(a.data), a.config, key_file, &sealing);
  calendar_install.Install(cmd.Path(a.data));
  cmd.out << ToHex(key) << "\n";  // the one line scripts capture: the sealing key goes to stderr
  if (sealing) {
    cmd.err << "sealing key " << SealingKeyArgument(sealing->period, sealing->public_key)
            << " (for bangban-node init --sealing-key; later ones reach nodes when they sync)\n";
  }
}

void CheckEnroll(const Args& a) {
  if (a.enroll.role == "outlet" && a.enroll.outlet_id.empty()) {
    throw Error(ErrorCode::kUsage, "--outlet-id is required to enroll an outlet");
  }
  if (!a.enroll.outlet_id.empty() && !IsValidOutletId(a.enroll.outlet_id)) {
    throw Error(ErrorCode::kUsage, "--outlet-id '" + a.enroll.outlet_id + "': use 1-64 of A-Z a-z 0-9 . _ -");
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

// How often `run --http` audits its data dir unless --audit-every says otherwise: hourly.
constexpr int64_t kAuditEverySeconds = 3600;

// `run`: holds the data dir (DaemonLock), serves the control socket and the nodes until stopped.
void RunDaemon(HubCommand& cmd, Args& a) {
  const std::filesystem::path dir = cmd.Path(a.data);
  DataDir::Open(dir, "hub");  // says so plainly if DIR is not a hub's, before creating anything
  DaemonLock lock(dir);
  Hub hub(dir);
  if (!a.run_options.upstream.empty()) a.run_options.upstream_key = UpstreamKey(hub, a);
  const std::atomic<bool>& stop = StopOnSignals();
  // One command at a time on the hub's write path: those handed over the control socket's
  // command lane and the web pages' review actions (which run the very same `review` command
  // line). CaseBook's strict workflow check keys on the calling thread, so two reviews must never
  // overlap. An import has a lane of its own and never reviews, so it does not wait for the desk.
  std::mutex desk;
  auto run_command = [&](const ControlRequest& request) {
    ControlReply reply;
    if (request.argv.size() > 1 && request.argv[1] == "import") {
      reply = RunHandedOff<Hub>(request, hub, dir, BuildApp, stop);
    } else {
      std::lock_guard lock(desk);
      reply = RunHandedOff<Hub>(request, hub, dir, BuildApp, stop);
    }
    hub.WakeUpstream();  // what it stored reaches the city now
    return reply;
  };
  // The web pages (--http): told of every stored record (cheaply: a counter) and of every case
  // that changes colour, so open pages update live. The observer is added before any thread
  // that writes starts; it finds the server once it runs.
  // The hub's own audit now and then (--audit-every), for /metrics and the log.
  const int64_t audit_every = a.audit_every >= 0 ? a.audit_every : (a.http.empty() ? 0 : kAuditEverySeconds);
  std::unique_ptr<AuditWatch> audit_watch;
  if (audit_every > 0) {
    audit_watch = std::make_unique<AuditWatch>(AuditWatch::OwnProgram(), dir, std::chrono::seconds(audit_every), stop);
  }
  std::atomic<WebApp*> web_app{nullptr};
  std::unique_ptr<HubWebView> web_view;
  std::unique_ptr<WebServer> web;
  if (!a.http.empty()) {
    const auto [address, port] = ParseHttpAddress(a.http);
    hub.store().AddObserver([&web_app](LmdbTxn&, const Record&, int64_t) {
      if (WebApp* app = web_app.load()) app->NoteRecordsStored();
    });
    a.run_options.colour_changes = [&web_app](const std::vector<ColourChange>& changes) {
      if (WebApp* app = web_app.load()) app->NoteColourChanges(changes);
    };
    web_view = std::make_unique<HubWebView>(hub, dir, run_command, audit_watch.get());
    // One set of review figures for the queue and the dashboard: the server owns it, the
    // dashboard source it also owns borrows it.
    std::unique_ptr<ReviewFigures> figures = HubReviewFigures(hub, hub.data_dir().root());
    auto dashboard = std::make_unique<OversightDashboardSource>(hub, dir, *figures);
    web = std::make_unique<WebServer>(*web_view, dir, address, port, std::move(dashboard), std::move(figures));
    web_app = &web->app();
    spdlog::info("web pages on http://{}:{}", address, web->port());
  }
  // Handed-off commands run on the control socket's lanes (`import` on its own thread, the rest
  // on another) while the serving thread ingests and the upstream thread replicates, as commands
  // in other processes did. That is safe: every write is an LMDB transaction (one writer at a
  // time, serialised by LMDB); FeedStore and TransparencyLog keep nothing in memory; CaseBook's
  // memory is fixed at start or guarded (the profile cache, the live clock watch); an import
  // ingests as the serving thread does; and CaseBook::Review runs one request at a time (`desk`
  // above).
  ControlServer control(dir, CommandsForDaemon<Hub>(BuildApp), run_command, stop);
  spdlog::info("{} hub {} running", hub.config().role, hub.config().name);
  hub.Run(a.run_options, stop);
  web_app = nullptr;
  web.reset();
  audit_watch.reset();  // a running audit is killed: it only reads
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

// The store's own checks, then the witness audit (hub/audit_commands.h): the counties' logs,
// rules and snapshots, and fork evidence. Forks are shown, not failed: quarantining a forked
// author is the store doing its job, and the store itself stays sound.
int Audit(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  std::vector<std::string> flags;
  std::vector<std::string> problems = hub.Audit(&flags);
  HubStatus status = hub.Status();
  WitnessAudit witness = RunWitnessAudit(hub, cmd.Path(a.data));
  std::vector<Finding> findings, forks;
  for (Finding& f : witness.findings) (f.type == "fork" ? forks : findings).push_back(std::move(f));
  const bool clean = problems.empty() && findings.empty();
  if (a.json) {
    Json quarantined = Json::array(), found = Json::array(), fork_evidence = Json::array();
    for (const QuarantineReport& q : status.quarantined) quarantined.push_back(q.ToJson());
    for (const Finding& f : findings) found.push_back(f.ToJson());
    for (const Finding& f : forks) fork_evidence.push_back(f.ToJson());
    PrintJson(cmd.out, {{"clean", clean},
                        {"problems", problems},
                        {"findings", found},
                        {"forks", fork_evidence},
                        {"notices", witness.notices},
                        {"counties", witness.counties},
                        {"flags", flags},
                        {"records", status.records},
                        {"feeds", status.feeds},
                        {"quarantined", quarantined},
                        {"simulation", status.simulation}});
  } else {
    for (const std::string& p : problems) cmd.out << "problem: " << p << "\n";
    for (const Finding& f : findings) cmd.out << "finding: " << f.ToString() << "\n";
    // Flags are records kept as signed but wrong for this hub (principle 6): not damage, so the
    // audit is still clean, but each is named.
    for (const std::string& f : flags) cmd.out << "flag: " << f << "\n";
    for (const QuarantineReport& q : status.quarantined) {
      cmd.out << "notice: author " << ToHex(q.author).substr(0, 16) << " is quarantined: " << q.reason << "\n";
    }
    for (const Finding& f : forks) cmd.out << "notice: fork evidence: " << f.ToString() << "\n";
    for (const std::string& n : witness.notices) cmd.out << "notice: " << n << "\n";
    for (const Json& c : witness.counties) {
      cmd.out << "county " << c["county"].get<std::string>() << ": " << c["leaves"] << " log leaves, "
              << c["tree_heads"] << " tree heads, " << c["rules"] << " rules, " << c["snapshots_compared"] << " of "
              << c["snapshots"] << " snapshots compared\n";
    }
    if (status.simulation) cmd.out << "notice: simulation party (a simulated clock is allowed)\n";
    cmd.out << (clean ? "audit clean: " : "audit FAILED: ") << status.records << " records in " << status.feeds
            << " feeds, " << problems.size() << " problems, " << findings.size() << " findings"
            << (flags.empty() ? "" : ", " + std::to_string(flags.size()) + " flagged records") << "\n";
  }
  return clean ? kExitOk : kExitError;
}

void PrintStatus(HubCommand& cmd, const Args& a) {
  HubStatus s = cmd.Open(a.data).Status();
  if (a.json) return PrintJson(cmd.out, s.ToJson());
  cmd.out << s.role << " hub " << s.name << " (" << s.county << ")\nkey " << ToHex(s.key) << "\nrecords " << s.records
          << " in " << s.feeds << " feeds, enrolled keys " << s.enrolled << ", buffered " << s.buffered
          << ", quarantined " << s.quarantined.size() << "\n";
  if (s.simulation) cmd.out << "simulation party: a simulated clock (BANGBAN_NOW, fixed or running) is allowed here\n";
  for (const PeerReport& p : s.peers) {
    cmd.out << "  peer " << ToHex(p.key).substr(0, 16) << " " << p.outlet_id << "  last contact " << p.LastContact()
            << "  received " << p.records_received << "  backlog " << p.backlog << "\n";
  }
}

// `user passwd`: one line from standard input (the terminal's echo off when it is one), never
// from the command line, where other users could read it in the process list.
void SetPassword(HubCommand& cmd, const Args& a) {
  const std::filesystem::path dir = cmd.Path(a.data);
  CheckOperatorName(a.operator_name);
  // Only an active operator of this hub (`user add`) has an account; disabling one ends it.
  std::optional<Operator> op = cmd.Open(a.data).operators().Find(a.operator_name);
  if (!op || !op->active) {
    throw Error(ErrorCode::kNotOperator, a.operator_name +
                                             " is not an active operator of this hub: add it first with `bangban-hub "
                                             "user add`; nothing was written");
  }
  const bool terminal = &cmd.in == &std::cin && ::isatty(STDIN_FILENO);
  termios saved{};
  if (terminal) {
    cmd.err << "password for " << a.operator_name << ": " << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(cmd.in, line);
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    cmd.err << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  Password password(std::move(line));
  PasswordFile(dir).Set(a.operator_name, password);
  cmd.out << "password set for " << a.operator_name << "\n";
}

// Adds `passwd` to the `user` command of hub/operator_commands.h, which must be added first.
void AddUserPassword(CLI::App& app, HubCommand& cmd, const ArgsPtr& args) {
  CLI::App* user = app.get_subcommand("user");
  // Not handed to a running daemon: the password file is not part of the store, it is replaced
  // whole under a lock (web/password_file.h), and the daemon reads it afresh at each sign-in.
  auto passwd = AddCommand(*user, cmd, "passwd",
                           "Set an active operator's web password (Argon2id hash in DIR/web_passwords, mode 0600), "
                           "read from the terminal or standard input, never from the command line",
                           Writes::Nothing());
  passwd->add_option("--data", args->data, "Hub data dir")->required();
  passwd->add_option("--name", args->operator_name, "The operator's id, e.g. r01")->required();
  passwd.Does([&cmd, args] { SetPassword(cmd, *args); });
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
    return PrintImportReport(cmd.out, cmd.Open(args->data).Import(cmd.Path(args->file), cmd.stop), args->json);
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
  run->add_option("--http", a.http,
                  "Serve the web pages, JSON API, /healthz and /metrics on ADDR:PORT, e.g. 127.0.0.1:8080 behind a "
                  "reverse proxy (off unless given; docs/api.md)");
  run->add_option("--audit-every", a.audit_every,
                  "Audit the data dir every SECONDS (the audit command, in a child process), for /metrics and "
                  "the log; 0: never (default: 3600 with --http, otherwise never)")
      ->check(CLI::Range(int64_t{0}, int64_t{366} * 24 * 3600));
  run.Check([args] {
    if (!args->http.empty()) ParseHttpAddress(args->http);
  });
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
  AddReviewCommands(*app, cmd);      // review, report, queue, reindex
  AddOversightCommands(*app, cmd);   // townships, inspect, complaint, annual, report oversight|assessment|outlets
  AddAuditCommands(*app, cmd);       // checkpoint, report county-sla, export-evidence, verify-evidence
  AddOperatorCommands(*app, cmd);    // user add|disable|list
  AddUserPassword(*app, cmd, args);  // user passwd
  AddApplicantCommands(*app, cmd);   // applicant
  AddSealingKeyCommands(*app, cmd);  // sealing-key, key list|shred-due
  return app;
}

}  // namespace

int main(int argc, char** argv) {
  SetUpLog("bangban-hub");
  return RunFromShell<Hub>(argc, argv, BuildApp);
}
