// bangban-hub: a county hub or the city hub. See `bangban-hub --help` and docs/operations.md.
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "hub/hub.h"
#include "hub/review_commands.h"
#include "storage/command_line.h"

using namespace bangban;

namespace {

PublicKey ParseKey(const std::string& hex, const std::string& option) {
  auto key = FromHexFixed<32>(hex);
  if (!key) throw Error("usage", option + " must be 64 hex characters (a public key)");
  return *key;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("bangban-hub"));
  CLI::App app{"bangban-hub: a county hub (review queue, SLA) or the city hub (oversight, audit)."};
  app.require_subcommand(1);
  int exit_code = kExitOk;
  std::string data, file, out, key_hex, key_file, city_key_hex, reason;
  bool json = false;
  HubConfig config;
  EnrolRequest enrol;
  uint64_t after_seq = 0;

  AddKeygenCommand(app);

  auto* init = app.add_subcommand("init", "Create a hub data dir and print the hub's public key");
  init->add_option("--data", data, "Data dir to create")->required();
  init->add_option("--role", config.role, "county or city")->required()->check(CLI::IsMember({"county", "city"}));
  init->add_option("--name", config.name, "The operating bureau, e.g. 盐湖区行政审批服务管理局")->required();
  init->add_option("--county", config.county, "Division code: the county's (140802) or the city's (1408)")->required();
  init->add_option("--city-key", city_key_hex, "The city hub's public key (county hubs)");
  init->add_option("--key", key_file, "Use this existing identity key file instead of a new one");
  std::vector<std::filesystem::path> calendars;
  init->add_option("--calendar", calendars, "Working calendar file (repeatable), copied into DIR/calendars/ and listed in [sla]");
  init->callback([&] {
    if (!city_key_hex.empty()) config.city_key = ParseKey(city_key_hex, "--city-key");
    CalendarInstall calendar_install(calendars);  // checked before anything is created
    PublicKey key = Hub::Init(data, config, key_file.empty() ? std::nullopt : std::optional<std::filesystem::path>(key_file));
    calendar_install.Install(data);
    std::cout << ToHex(key) << "\n";
  });

  auto* enroll = app.add_subcommand("enroll", "Enrol a key (writes a signed key.enroll record)");
  enroll->add_option("--data", data, "Hub data dir")->required();
  enroll->add_option("--key", key_hex, "The public key to enrol (hex)")->required();
  enroll->add_option("--role", enrol.role, "outlet, county or city")->required()->check(CLI::IsMember({"outlet", "county", "city"}));
  enroll->add_option("--name", enrol.name, "Who holds the key, e.g. the outlet's name")->required();
  enroll->add_option("--county", enrol.county, "County code (default: this hub's)");
  enroll->add_option("--outlet-id", enrol.outlet_id, "Outlet id (required for outlets)");
  enroll->callback([&] {
    Hub hub(data);
    enrol.key = ParseKey(key_hex, "--key");
    if (enrol.county.empty()) enrol.county = hub.config().county;
    Record r = hub.Enrol(enrol);
    std::cout << ToHex(r.id()) << "\n";
  });

  auto* revoke = app.add_subcommand("revoke", "Revoke a key: its records after --after-seq are refused everywhere");
  revoke->add_option("--data", data, "Hub data dir")->required();
  revoke->add_option("--key", key_hex, "The public key to revoke (hex)")->required();
  revoke->add_option("--after-seq", after_seq, "Last seq of that key that stays valid")->required();
  revoke->add_option("--reason", reason, "Why (recorded in the signed record)")->required();
  revoke->callback([&] {
    Hub hub(data);
    Record r = hub.Revoke(ParseKey(key_hex, "--key"), after_seq, reason);
    std::cout << ToHex(r.id()) << "\n";
  });

  auto* import_cmd = app.add_subcommand("import", "Verify and store the records of a bundle file");
  import_cmd->add_option("--data", data, "Hub data dir")->required();
  import_cmd->add_option("file", file, "Bundle file")->required();
  import_cmd->add_flag("--json", json, "Print one JSON document");
  import_cmd->callback([&] {
    Hub hub(data);
    exit_code = PrintImportReport(hub.Import(file), json);
  });

  auto* export_cmd = app.add_subcommand("export", "Write every record held to a bundle file (e.g. for the city)");
  export_cmd->add_option("--data", data, "Hub data dir")->required();
  export_cmd->add_option("--out", out, "Bundle file to write")->required();
  export_cmd->callback([&] {
    Hub hub(data);
    std::cout << "exported " << hub.Export(out) << " records to " << out << "\n";
  });

  Hub::RunOptions run_options;
  std::string upstream_key_hex;
  auto* run = app.add_subcommand("run", "Serve outlet nodes over ZeroMQ/CurveZMQ (and replicate to the city with --upstream)");
  run->add_option("--data", data, "Hub data dir")->required();
  run->add_option("--listen", run_options.listen, "Endpoint to serve, e.g. tcp://0.0.0.0:7100")->required();
  run->add_option("--upstream", run_options.upstream, "The city hub's endpoint (county hubs)");
  run->add_option("--upstream-key", upstream_key_hex, "The city hub's public key (hex)");
  run->callback([&] {
    Hub hub(data);
    if (!run_options.upstream.empty()) {
      if (upstream_key_hex.empty() && !hub.config().city_key) {
        throw Error("usage", "--upstream needs --upstream-key (or city_key in hub.toml)");
      }
      run_options.upstream_key = upstream_key_hex.empty() ? *hub.config().city_key : ParseKey(upstream_key_hex, "--upstream-key");
    }
    const std::atomic<bool>& stop = StopOnSignals();
    spdlog::info("{} hub {} running", hub.config().role, hub.config().name);
    hub.Run(run_options, stop);
    spdlog::info("stopped");
  });

  auto* audit = app.add_subcommand("audit", "Re-verify every signature, chain and enrolment; exit 1 naming each problem");
  audit->add_option("--data", data, "Hub data dir")->required();
  audit->add_flag("--json", json, "Print one JSON document");
  audit->callback([&] {
    Hub hub(data);
    std::vector<std::string> problems = hub.Audit();
    Json status = hub.Status();
    if (json) {
      PrintJson({{"clean", problems.empty()}, {"problems", problems}, {"records", status["records"]},
                 {"feeds", status["feeds"]}, {"quarantined", status["quarantined"]}});
    } else {
      for (const std::string& p : problems) std::cout << "problem: " << p << "\n";
      for (const Json& q : status["quarantined"]) {
        std::cout << "notice: author " << q["author"].get<std::string>().substr(0, 16)
                  << " is quarantined: " << q["reason"].get<std::string>() << "\n";
      }
      std::cout << (problems.empty() ? "audit clean: " : "audit FAILED: ") << status["records"]
                << " records in " << status["feeds"] << " feeds, " << problems.size() << " problems\n";
    }
    exit_code = problems.empty() ? kExitOk : kExitError;
  });

  auto* status = app.add_subcommand("status", "Show what the hub holds");
  status->add_option("--data", data, "Hub data dir")->required();
  status->add_flag("--json", json, "Print one JSON document");
  status->callback([&] {
    Hub hub(data);
    Json s = hub.Status();
    if (json) return PrintJson(s);
    std::cout << s["role"].get<std::string>() << " hub " << s["name"].get<std::string>() << " ("
              << s["county"].get<std::string>() << ")\nkey " << s["key"].get<std::string>() << "\nrecords "
              << s["records"] << " in " << s["feeds"] << " feeds, enrolled keys " << s["enrolled"]
              << ", buffered " << s["buffered"] << ", quarantined " << s["quarantined"].size() << "\n";
    for (const Json& p : s["peers"]) {
      std::cout << "  peer " << p["key"].get<std::string>().substr(0, 16) << " " << p["outlet_id"].get<std::string>()
                << "  last contact " << p["last_contact"].get<std::string>() << "  received "
                << p["records_received"] << "  backlog " << p["backlog"] << "\n";
    }
  });

  AddReviewCommands(app, exit_code);  // review, report, queue, reindex
  return RunCommandLine(app, argc, argv, exit_code);
}
