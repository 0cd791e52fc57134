// bangban-node: the edge node at an outlet. See `bangban-node --help` and docs/operations.md.
//
// The same commands serve the shell and the daemon: while `run` holds a data dir, the commands
// declared as writing (AddCommand's Writes) are handed to the daemon over its control socket
// (daemon/control_socket.h), which runs them with BuildApp's callbacks against its open node,
// or refused.
#include <fstream>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "daemon/command_line.h"
#include "daemon/control_socket.h"
#include "daemon/daemon_lock.h"
#include "daemon/signals.h"
#include "node/outlet_node.h"
#include "protocol/clock.h"

using namespace bangban;

namespace {

using Command = CommandContext<OutletNode>;

constexpr size_t kSubmitBatch = 1000;

// Option values for every subcommand; the callbacks share ownership, since CLI11 binds options
// to variables that must outlive the parse.
struct Args {
  std::string data, file, out, county_key, upstream_key, key_file, listen, record_id, sealing_key;
  bool json = false, once = false, replacing = false;
  NodeConfig config;
  std::ifstream input;  // submit's FILE, opened where the command was given
};
using ArgsPtr = std::shared_ptr<Args>;

std::unique_ptr<CLI::App> BuildApp(Command& cmd);

CLI::Validator OutletIdValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return IsValidLocalId(text) ? "" : "use 1-64 of A-Z a-z 0-9 . _ - (got '" + text + "')";
      },
      "OUTLET_ID");
}

CLI::Validator CountyCodeValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return IsValidCountyCode(text) ? "" : "must be a six-digit county code such as 140802";
      },
      "CODE");
}

// ---- what each command does ------------------------------------------------------------------

void Init(Command& cmd, Args& a) {
  a.config.county_key = *FromHexFixed<32>(a.county_key);  // checked by the CLI (HexKey)
  a.config.hub_key = a.upstream_key.empty() ? a.config.county_key : *FromHexFixed<32>(a.upstream_key);
  if (!a.sealing_key.empty()) a.config.sealing_key = ParseSealingTarget(a.sealing_key);  // checked by the CLI
  std::optional<std::filesystem::path> key_file;
  if (!a.key_file.empty()) key_file = cmd.Path(a.key_file);
  PublicKey key = OutletNode::Init(cmd.Path(a.data), a.config, key_file, a.replacing);
  cmd.out << ToHex(key) << "\n";
  cmd.err << "node created in " << a.data
          << "; enroll it at the county hub with:\n  bangban-hub enroll --data HUB_DIR --key " << ToHex(key)
          << " --role outlet --county " << a.config.county << " --outlet-id " << a.config.outlet_id << " --name NAME\n";
}

// submit's input: FILE, or standard input for `-` (in the daemon: the text the sender read).
std::istream& SubmitInput(Command& cmd, Args& a) {
  if (a.file == "-" || cmd.input_sent) return cmd.in;
  a.input.open(cmd.Path(a.file));
  if (!a.input) throw Error(ErrorCode::kInput, "cannot open " + a.file);
  return a.input;
}

// Every bad line with its code; with --json, one document naming them (nothing was stored).
int PrintRejectedLines(Command& cmd, const Args& a, const std::vector<LineProblem>& problems) {
  Json lines = Json::array();
  for (const LineProblem& p : problems) {
    cmd.err << "error: " << p.code << ": line " << p.line << ": " << p.message << "\n";
    lines.push_back({{"line", p.line}, {"code", p.code}, {"message", p.message}});
  }
  const std::string summary = std::to_string(problems.size()) + " line(s) rejected; nothing was stored";
  cmd.err << "error: " << problems.front().code << ": " << summary << "\n";
  if (a.json) {
    PrintJson(cmd.out, {{"error", {{"code", problems.front().code}, {"message", summary}, {"lines", lines}}}});
  }
  return kExitError;
}

int Submit(Command& cmd, Args& a) {
  std::istream& in = a.input.is_open() ? static_cast<std::istream&>(a.input) : cmd.in;
  OutletNode& node = cmd.Open(a.data);
  std::vector<IntakeEntry> entries;
  std::vector<LineProblem> problems = node.ReadSubmissions(in, entries);
  if (!problems.empty()) return PrintRejectedLines(cmd, a, problems);
  for (const IntakeEntry& e : entries) {
    if (!e.warning.empty()) cmd.err << "warning: " << e.warning << "\n";
  }
  // Stored in batches; each id is printed only after its batch is durable, so every printed
  // id survives a crash.
  Json ids = Json::array();
  for (size_t start = 0; start < entries.size(); start += kSubmitBatch) {
    size_t count = std::min(kSubmitBatch, entries.size() - start);
    std::vector<Record> stored = node.Append(std::span(entries).subspan(start, count));
    std::string out;
    for (const Record& r : stored) {
      if (a.json) {
        ids.push_back(ToHex(r.id()));
      } else {
        out += ToHex(r.id()) + "\n";
      }
    }
    cmd.out << out << std::flush;
  }
  if (a.json) PrintJson(cmd.out, {{"stored", entries.size()}, {"ids", ids}});
  return kExitOk;
}

void PrintStatus(Command& cmd, const Args& a) {
  NodeStatus s = cmd.Open(a.data).Status();
  if (a.json) return PrintJson(cmd.out, s.ToJson());
  cmd.out << "outlet " << s.outlet_id << " (county " << s.county << ")\nkey " << ToHex(s.key) << "\nown feed seq "
          << s.feed_seq << "\nrecords held " << s.records_held << " in " << s.feeds_held << " feeds, buffered "
          << s.buffered << ", quarantined authors " << s.quarantined << "\n";
  if (s.simulation) cmd.out << "simulation party: a simulated clock (BANGBAN_NOW, fixed or running) is allowed here\n";
  cmd.out << "sealing key " << (s.sealing_key.empty() ? "none known: sync, or init with --sealing-key" : s.sealing_key)
          << "\n";
  for (const std::string& notice : s.sealing_notices) cmd.out << "notice: " << notice << "\n";
  for (const ApplicationStatus& app : s.applications) {
    cmd.out << "  " << app.app_id << "  " << app.kind << "  " << app.state << "\n";
  }
}

// `run`: holds the data dir (DaemonLock), serves the control socket, replicates until stopped.
void RunDaemon(Command& cmd, const Args& a) {
  const std::filesystem::path dir = cmd.Path(a.data);
  DataDir::Open(dir, "node");  // says so plainly if DIR is not a node's, before creating anything
  DaemonLock lock(dir);
  OutletNode node(dir);
  if (node.config().hub_endpoint.empty() && a.listen.empty()) {
    throw Error(ErrorCode::kUsage, "nothing to run: no hub_endpoint in node.toml and no --listen");
  }
  const std::atomic<bool>& stop = StopOnSignals();
  // Handed-off commands run on the control socket's lanes, against this node: its state is
  // all in LMDB (writers serialised there, no caches in memory), as when a command runs in
  // another process; WakeReplication may be called from any thread.
  ControlServer control(
      dir, CommandsForDaemon<OutletNode>(BuildApp),
      [&](const ControlRequest& request) {
        ControlReply reply = RunHandedOff<OutletNode>(request, node, dir, BuildApp, stop);
        node.WakeReplication();  // what it stored leaves now
        return reply;
      },
      stop);
  spdlog::info("outlet {} running (upstream {})", node.config().outlet_id,
               node.config().hub_endpoint.empty() ? "none" : node.config().hub_endpoint);
  node.Run(a.listen, stop);
  spdlog::info("stopped");
}

int PrintSync(Command& cmd, const Args& a, const SyncClient::Result& r) {
  if (a.json) {
    PrintJson(cmd.out, r.ToJson());
  } else {
    cmd.out << (r.complete ? "complete" : "INCOMPLETE") << ": pushed " << r.pushed << ", accepted " << r.accepted
            << ", duplicate " << r.duplicate << ", pulled " << r.pulled << "\n";
    for (const std::string& refusal : r.refusals) cmd.out << "  refused: " << refusal << "\n";
  }
  return r.complete ? kExitOk : kExitError;
}

void PrintReceipt(Command& cmd, const Args& a) {
  cmd.out << cmd.Open(a.data).ReceiptFor(*FromHexFixed<32>(a.record_id)).ToJson().dump(2) << std::endl;
}

int VerifyReceipt(Command& cmd, const Args& a) {
  std::ifstream file;
  if (a.file != "-") file.open(cmd.Path(a.file));
  std::istream& in = a.file == "-" ? cmd.in : file;
  if (!in) throw Error(ErrorCode::kInput, "cannot open " + a.file);
  Receipt r = Receipt::FromJson(Json::parse(in, nullptr, /*allow_exceptions=*/false));
  bool ok = r.Verify(*FromHexFixed<32>(a.upstream_key));
  cmd.out << (ok ? "valid" : "INVALID") << ": record " << ToHex(r.id) << " received " << FormatRfc3339(r.received_ms)
          << ", leaf " << r.index << " of " << r.head.size << "\n";
  return ok ? kExitOk : kExitError;
}

// ---- the command line ------------------------------------------------------------------------
//
// Each subcommand declares here, once, whether it writes (daemon/command_line.h Writes).

void AddInit(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  Args& a = *args;
  auto init = AddCommand(app, cmd, "init", "Create a node data dir and print the node's public key",
                         Writes::NotBesideDaemon("it is a node's data dir already"));
  init->add_option("--data", a.data, "Data dir to create")->required();
  init->add_option("--outlet-id,--outlet", a.config.outlet_id, "Outlet id, e.g. YH-001 (--outlet: the old spelling)")
      ->required()
      ->check(OutletIdValidator());
  init->add_option("--county", a.config.county, "County code, e.g. 140802")->required()->check(CountyCodeValidator());
  init->add_option("--county-key", a.county_key, "The county hub's public key (hex)")->required()->check(HexKey());
  init->add_option("--sealing-key", a.sealing_key,
                   "The county hub's sealing key, PERIOD:HEX as `bangban-hub sealing-key` prints it; without it the "
                   "node refuses personal data until it has synced with the hub")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return ParseSealingTarget(text) ? "" : "must be PERIOD:HEX such as 2026-12:<64 hex characters>";
          },
          "PERIOD:HEX"));
  init->add_option("--upstream,--hub", a.config.hub_endpoint,
                   "Upstream endpoint: the county hub or a relay node, e.g. tcp://10.0.0.5:7100 (--hub: the old "
                   "spelling)");
  init->add_option("--upstream-key,--hub-key", a.upstream_key,
                   "Upstream's public key when it is a relay node (default: --county-key; --hub-key: the old "
                   "spelling)")
      ->check(HexKey());
  init->add_option("--key", a.key_file, "Use this existing identity key file instead of a new one");
  init->add_flag("--replacing", a.replacing,
                 "The key was in use on another machine (a replaced PC): refuse to write until `recover` fetched its "
                 "feed")
      ->needs("--key");
  init->add_flag("--simulation", a.config.simulation,
                 "A test or simulation party ([clock] simulation = true): may run on a fixed clock (BANGBAN_NOW), "
                 "and every status says so. Never for a real outlet");
  init.Does([&cmd, args] { Init(cmd, *args); });
}

void AddSubmit(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  auto submit =
      AddCommand(app, cmd, "submit", "Sign and store records from JSON lines (one body per line, with \"type\")",
                 Writes::ViaDaemon());
  submit->add_option("--data", args->data, "Node data dir")->required();
  submit->add_option("file", args->file, "JSON-lines file, or - for standard input")->required();
  submit->add_flag("--json", args->json, "Print one JSON document");
  // Opened here, also when a daemon does the work: it gets the text, not the path.
  submit.Reads([&cmd, args]() -> std::istream& { return SubmitInput(cmd, *args); });
  submit.Does([&cmd, args] { return Submit(cmd, *args); });
}

void AddStatus(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  auto status =
      AddCommand(app, cmd, "status", "Show the node's feed, what it holds, and its applications", Writes::Nothing());
  status->add_option("--data", args->data, "Node data dir")->required();
  status->add_flag("--json", args->json, "Print one JSON document");
  status.Does([&cmd, args] { PrintStatus(cmd, *args); });
}

void AddRun(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  auto run = AddCommand(app, cmd, "run",
                        "Replicate continuously with the upstream hub (and relay for nearby outlets with --listen)",
                        Writes::IsTheDaemon());
  run->add_option("--data", args->data, "Node data dir")->required();
  run->add_option("--listen", args->listen, "Also serve nearby outlets on this endpoint, e.g. tcp://0.0.0.0:7200");
  run.Does([&cmd, args] { RunDaemon(cmd, *args); });
}

void AddSync(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  // Beside a daemon, the daemon does the exchange (as a second process once did beside it): its
  // background replication goes on, and the command still answers whether everything is
  // acknowledged now.
  auto sync = AddCommand(app, cmd, "sync",
                         "One full exchange with the upstream hub; exit 0 only when everything is acknowledged",
                         Writes::ViaDaemon());
  sync->add_option("--data", args->data, "Node data dir")->required();
  sync->add_flag("--once", args->once, "Accepted for old scripts: sync always does one exchange");
  sync->add_flag("--json", args->json, "Print one JSON document");
  sync.Does([&cmd, args] {
    OutletNode& node = cmd.Open(args->data);
    const int code = PrintSync(cmd, *args, node.SyncOnce());
    // What the county hub tells this outlet about its sealing key, every time until fixed.
    for (const std::string& notice : node.SealingNotices()) cmd.err << "notice: " << notice << "\n";
    return code;
  });
}

void AddRecover(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  auto recover = AddCommand(app, cmd, "recover",
                            "Fetch this node's own feed from the hub before writing again (after a restore or a "
                            "replacement)",
                            Writes::ViaDaemon());
  recover->add_option("--data", args->data, "Node data dir")->required();
  recover->add_flag("--json", args->json, "Print one JSON document");
  recover.Does([&cmd, args] { return PrintSync(cmd, *args, cmd.Open(args->data).Recover()); });
}

void AddReceipts(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  // Writes: the receipt fetched is kept for when the hub cannot be reached.
  auto receipt = AddCommand(app, cmd, "receipt",
                            "Print the hub's receipt for a record (signed tree head + inclusion proof), verified",
                            Writes::ViaDaemon());
  receipt->add_option("--data", args->data, "Node data dir")->required();
  receipt->add_option("record_id", args->record_id, "Record id (64 hex)")->required()->check(HexKey());
  receipt.Does([&cmd, args] { PrintReceipt(cmd, *args); });

  auto verify = AddCommand(app, cmd, "verify-receipt",
                           "Check a receipt offline: exit 0 if the hub's signature and the inclusion proof hold",
                           Writes::Nothing());
  verify->add_option("--hub-key", args->upstream_key, "The hub's public key (hex)")->required()->check(HexKey());
  verify->add_option("file", args->file, "Receipt JSON (as printed by `receipt`), or - for standard input")->required();
  verify.Does([&cmd, args] { return VerifyReceipt(cmd, *args); });
}

void AddBundles(CLI::App& app, Command& cmd, const ArgsPtr& args) {
  auto export_cmd = AddCommand(app, cmd, "export", "Write every record held to a bundle file", Writes::Nothing());
  export_cmd->add_option("--data", args->data, "Node data dir")->required();
  export_cmd->add_option("--out", args->out, "Bundle file to write")->required();
  export_cmd.Does([&cmd, args] {
    size_t count = cmd.Open(args->data).Export(cmd.Path(args->out));
    cmd.out << "exported " << count << " records to " << args->out << "\n";
  });

  auto import_cmd =
      AddCommand(app, cmd, "import", "Carry the records of a bundle file (verified, then stored)", Writes::ViaDaemon());
  import_cmd->add_option("--data", args->data, "Node data dir")->required();
  import_cmd->add_option("file", args->file, "Bundle file")->required();
  import_cmd->add_flag("--json", args->json, "Print one JSON document");
  import_cmd.Does([&cmd, args] {
    return PrintImportReport(cmd.out, cmd.Open(args->data).Import(cmd.Path(args->file), cmd.stop), args->json);
  });
}

// The whole command line, writing to `cmd`'s streams. `cmd` must outlive the app.
std::unique_ptr<CLI::App> BuildApp(Command& cmd) {
  auto app = std::make_unique<CLI::App>(
      "bangban-node: the edge node at an assisted-registration outlet.\n"
      "Signs records, keeps them in its store, and carries them to the county hub.");
  app->require_subcommand(1);
  auto args = std::make_shared<Args>();
  AddKeygenCommand(*app, cmd);
  AddInit(*app, cmd, args);
  AddSubmit(*app, cmd, args);
  AddStatus(*app, cmd, args);
  AddRun(*app, cmd, args);
  AddSync(*app, cmd, args);
  AddRecover(*app, cmd, args);
  AddReceipts(*app, cmd, args);
  AddBundles(*app, cmd, args);
  return app;
}

}  // namespace

int main(int argc, char** argv) {
  SetUpLog("bangban-node");
  return RunFromShell<OutletNode>(argc, argv, BuildApp);
}
