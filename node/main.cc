// bangban-node: the edge node at an outlet. See `bangban-node --help` and docs/operations.md.
#include <fstream>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "node/outlet_node.h"
#include "protocol/clock.h"
#include "storage/command_line.h"

using namespace bangban;

namespace {

constexpr size_t kSubmitBatch = 1000;

int Submit(const std::string& data, const std::string& input, bool json) {
  OutletNode node(data);
  std::ifstream file;
  if (input != "-") {
    file.open(input);
    if (!file) throw Error("input", "cannot open " + input);
  }
  std::istream& in = input == "-" ? std::cin : file;
  std::vector<IntakeEntry> entries;
  std::vector<std::string> errors = node.ReadSubmissions(in, entries);
  if (!errors.empty()) {
    for (const std::string& e : errors) std::cerr << "error: " << e << "\n";
    std::cerr << "error: " << errors.size() << " line(s) rejected; nothing was stored\n";
    return kExitError;
  }
  for (const IntakeEntry& e : entries) {
    if (!e.warning.empty()) std::cerr << "warning: " << e.warning << "\n";
  }
  // Stored in batches; each id is printed only after its batch is durable, so every printed
  // id survives a crash.
  Json ids = Json::array();
  for (size_t start = 0; start < entries.size(); start += kSubmitBatch) {
    size_t count = std::min(kSubmitBatch, entries.size() - start);
    std::vector<Record> stored = node.Append(std::span(entries).subspan(start, count));
    std::string out;
    for (const Record& r : stored) {
      if (json) {
        ids.push_back(ToHex(r.id()));
      } else {
        out += ToHex(r.id()) + "\n";
      }
    }
    std::cout << out << std::flush;
  }
  if (json) PrintJson({{"stored", entries.size()}, {"ids", ids}});
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("bangban-node"));
  CLI::App app{"bangban-node: the edge node at an assisted-registration outlet.\n"
               "Signs records, keeps them in its store, and carries them to the county hub."};
  app.require_subcommand(1);
  int exit_code = kExitOk;
  std::string data, file, out, county_key_hex, key_file;
  bool json = false;
  NodeConfig config;

  AddKeygenCommand(app);

  auto* init = app.add_subcommand("init", "Create a node data dir and print the node's public key");
  init->add_option("--data", data, "Data dir to create")->required();
  init->add_option("--outlet", config.outlet_id, "Outlet id, e.g. YH-001")->required();
  init->add_option("--county", config.county, "County code, e.g. 140802")->required();
  init->add_option("--county-key", county_key_hex, "The county hub's public key (hex)")->required();
  std::string hub_key_hex;
  init->add_option("--hub", config.hub_endpoint, "Upstream endpoint: the county hub or a relay node, e.g. tcp://10.0.0.5:7100");
  init->add_option("--hub-key", hub_key_hex, "Upstream's public key when it is a relay node (default: --county-key)");
  bool replacing = false;
  init->add_option("--key", key_file, "Use this existing identity key file instead of a new one");
  init->add_flag("--replacing", replacing, "The key was in use on another machine (a replaced PC): refuse to write until `recover` fetched its feed");
  init->callback([&] {
    auto county_key = FromHexFixed<32>(county_key_hex);
    if (!county_key) throw Error("usage", "--county-key must be 64 hex characters");
    config.county_key = *county_key;
    config.hub_key = *county_key;
    if (!hub_key_hex.empty()) {
      auto hub_key = FromHexFixed<32>(hub_key_hex);
      if (!hub_key) throw Error("usage", "--hub-key must be 64 hex characters");
      config.hub_key = *hub_key;
    }
    if (replacing && key_file.empty()) throw Error("usage", "--replacing needs --key (the identity being replaced)");
    PublicKey key = OutletNode::Init(data, config,
                                     key_file.empty() ? std::nullopt : std::optional<std::filesystem::path>(key_file),
                                     replacing);
    std::cout << ToHex(key) << "\n";
    std::cerr << "node created in " << data << "; enrol it at the county hub with:\n  bangban-hub enroll --data HUB_DIR --key "
              << ToHex(key) << " --role outlet --county " << config.county << " --outlet-id "
              << config.outlet_id << " --name NAME\n";
  });

  auto* submit = app.add_subcommand("submit", "Sign and store records from JSON lines (one body per line, with \"type\")");
  submit->add_option("--data", data, "Node data dir")->required();
  submit->add_option("file", file, "JSON-lines file, or - for standard input")->required();
  submit->add_flag("--json", json, "Print one JSON document");
  submit->callback([&] { exit_code = Submit(data, file, json); });

  auto* status = app.add_subcommand("status", "Show the node's feed, what it holds, and its applications");
  status->add_option("--data", data, "Node data dir")->required();
  status->add_flag("--json", json, "Print one JSON document");
  status->callback([&] {
    OutletNode node(data);
    Json s = node.Status();
    if (json) return PrintJson(s);
    std::cout << "outlet " << s["outlet_id"].get<std::string>() << " (county " << s["county"].get<std::string>()
              << ")\nkey " << s["key"].get<std::string>() << "\nown feed seq " << s["feed"]["seq"]
              << "\nrecords held " << s["records_held"] << " in " << s["feeds_held"] << " feeds, buffered "
              << s["buffered"] << ", quarantined authors " << s["quarantined"] << "\n";
    for (const Json& a : s["applications"]) {
      std::cout << "  " << a["app_id"].get<std::string>() << "  " << a["kind"].get<std::string>() << "  "
                << a["state"].get<std::string>() << "\n";
    }
  });

  std::string listen;
  auto* run = app.add_subcommand("run", "Replicate continuously with the upstream hub (and relay for nearby outlets with --listen)");
  run->add_option("--data", data, "Node data dir")->required();
  run->add_option("--listen", listen, "Also serve nearby outlets on this endpoint, e.g. tcp://0.0.0.0:7200");
  run->callback([&] {
    OutletNode node(data);
    if (node.config().hub_endpoint.empty() && listen.empty()) {
      throw Error("usage", "nothing to run: no hub_endpoint in node.toml and no --listen");
    }
    const std::atomic<bool>& stop = StopOnSignals();
    spdlog::info("outlet {} running (upstream {})", node.config().outlet_id,
                 node.config().hub_endpoint.empty() ? "none" : node.config().hub_endpoint);
    node.Run(listen, stop);
    spdlog::info("stopped");
  });

  bool once = false;
  auto* sync = app.add_subcommand("sync", "One full exchange with the upstream hub; exit 0 only when everything is acknowledged");
  sync->add_option("--data", data, "Node data dir")->required();
  sync->add_flag("--once", once, "Do one exchange and exit (the only mode; `run` replicates continuously)");
  sync->add_flag("--json", json, "Print one JSON document");
  auto print_sync = [&](const SyncClient::Result& r) {
    if (json) {
      PrintJson({{"complete", r.complete}, {"pushed", r.pushed}, {"accepted", r.accepted},
                 {"duplicate", r.duplicate}, {"pulled", r.pulled}, {"recovered", r.recovered},
                 {"refusals", r.refusals}});
    } else {
      std::cout << (r.complete ? "complete" : "INCOMPLETE") << ": pushed " << r.pushed << ", accepted "
                << r.accepted << ", duplicate " << r.duplicate << ", pulled " << r.pulled << "\n";
      for (const std::string& refusal : r.refusals) std::cout << "  refused: " << refusal << "\n";
    }
    exit_code = r.complete ? kExitOk : kExitError;
  };
  sync->callback([&] {
    OutletNode node(data);
    print_sync(node.SyncOnce());
  });

  auto* recover = app.add_subcommand("recover", "Fetch this node's own feed from the hub before writing again (after a restore or a replacement)");
  recover->add_option("--data", data, "Node data dir")->required();
  recover->add_flag("--json", json, "Print one JSON document");
  recover->callback([&] {
    OutletNode node(data);
    print_sync(node.Recover());
  });

  std::string record_id, hub_key_for_receipt;
  auto* receipt = app.add_subcommand("receipt", "Print the hub's receipt for a record (signed tree head + inclusion proof), verified");
  receipt->add_option("--data", data, "Node data dir")->required();
  receipt->add_option("record_id", record_id, "Record id (64 hex)")->required();
  receipt->callback([&] {
    auto id = FromHexFixed<32>(record_id);
    if (!id) throw Error("usage", "record_id must be 64 hex characters");
    OutletNode node(data);
    std::cout << node.ReceiptFor(*id).ToJson().dump(2) << std::endl;
  });

  auto* verify = app.add_subcommand("verify-receipt", "Check a receipt offline: exit 0 if the hub's signature and the inclusion proof hold");
  verify->add_option("--hub-key", hub_key_for_receipt, "The hub's public key (hex)")->required();
  verify->add_option("file", file, "Receipt JSON (as printed by `receipt`), or - for standard input")->required();
  verify->callback([&] {
    auto hub = FromHexFixed<32>(hub_key_for_receipt);
    if (!hub) throw Error("usage", "--hub-key must be 64 hex characters");
    std::ifstream in_file;
    if (file != "-") in_file.open(file);
    std::istream& in = file == "-" ? std::cin : in_file;
    if (!in) throw Error("input", "cannot open " + file);
    Receipt r = Receipt::FromJson(Json::parse(in, nullptr, /*allow_exceptions=*/false));
    bool ok = r.Verify(*hub);
    std::cout << (ok ? "valid" : "INVALID") << ": record " << ToHex(r.id) << " received "
              << FormatRfc3339(r.received_ms) << ", leaf " << r.index << " of " << r.head.size << "\n";
    exit_code = ok ? kExitOk : kExitError;
  });

  auto* export_cmd = app.add_subcommand("export", "Write every record held to a bundle file");
  export_cmd->add_option("--data", data, "Node data dir")->required();
  export_cmd->add_option("--out", out, "Bundle file to write")->required();
  export_cmd->callback([&] {
    OutletNode node(data);
    std::cout << "exported " << node.Export(out) << " records to " << out << "\n";
  });

  auto* import_cmd = app.add_subcommand("import", "Carry the records of a bundle file (verified, then stored)");
  import_cmd->add_option("--data", data, "Node data dir")->required();
  import_cmd->add_option("file", file, "Bundle file")->required();
  import_cmd->add_flag("--json", json, "Print one JSON document");
  import_cmd->callback([&] {
    OutletNode node(data);
    exit_code = PrintImportReport(node.Import(file), json);
  });

  return RunCommandLine(app, argc, argv, exit_code);
}
