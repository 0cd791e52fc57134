#include "hub/sealing_key_commands.h"

#include <memory>

#include "hub/hub.h"
#include "protocol/clock.h"

namespace bangban {
namespace {

struct Args {
  std::string data;
  bool json = false;
};

void RequireCounty(Hub& hub) {
  if (hub.config().role != "county") {
    throw Error(ErrorCode::kNotCounty, "sealing keys are a county hub's: the city seals nothing and holds no key");
  }
}

void PrintCurrent(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  RequireCounty(hub);
  std::optional<SealingKeyInfo> latest = hub.sealing_keys().Latest(NowMs());
  if (!latest) throw Error(ErrorCode::kNotFound, "this hub has published no sealing key");
  cmd.out << SealingKeyArgument(latest->period, latest->public_key) << "\n";
}

Json ToJson(const SealingKeyInfo& k) {
  Json j = {{"period", k.period},
            {"public_key", ToHex(k.public_key)},
            {"state", std::string(ToString(k.state))},
            {"published", FormatRfc3339(k.published_ms)},
            {"file_present", k.file_present}};
  if (k.shredded_ms) j["shredded"] = FormatRfc3339(*k.shredded_ms);
  return j;
}

void ListKeys(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  RequireCounty(hub);
  std::vector<SealingKeyInfo> keys = hub.sealing_keys().List(NowMs());
  if (a.json) {
    Json list = Json::array();
    for (const SealingKeyInfo& k : keys) list.push_back(ToJson(k));
    return PrintJson(cmd.out, {{"retention_months", hub.config().retention_months}, {"keys", list}});
  }
  for (const SealingKeyInfo& k : keys) {
    cmd.out << k.period << "  " << ToHex(k.public_key) << "  " << ToString(k.state);
    if (k.shredded_ms) cmd.out << " on " << FormatRfc3339(*k.shredded_ms);
    if (k.shredded_ms && k.file_present) cmd.out << " (its file is back: the next pass shreds it again)";
    cmd.out << "\n";
  }
  cmd.out << keys.size() << " sealing key(s); retention " << hub.config().retention_months
          << " months after each period\n";
}

void ShredDue(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  RequireCounty(hub);
  std::vector<ShredDone> done = hub.RunSealingKeyPass();
  for (const ShredDone& s : done) {
    cmd.out << "shredded " << s.period << (s.redone ? " again (its file was back)" : "") << "\n";
  }
  cmd.out << done.size() << " sealing key(s) shredded\n";
}

}  // namespace

std::string SealingKeyArgument(const std::string& period, const std::array<uint8_t, 32>& public_key) {
  return period + ":" + ToHex(public_key);
}

void AddSealingKeyCommands(CLI::App& app, HubCommand& cmd) {
  auto args = std::make_shared<Args>();
  auto current = AddCommand(app, cmd, "sealing-key",
                            "Print the sealing key outlets seal applicant data to now, as PERIOD:HEX (for "
                            "`bangban-node init --sealing-key`)",
                            Writes::Nothing());
  current->add_option("--data", args->data, "Hub data dir")->required();
  current.Does([args, &cmd] { PrintCurrent(cmd, *args); });

  auto key = AddCommand(app, cmd, "key", "A county hub's sealing keys by period: list them, shred those due",
                        Writes::Nothing());
  key->require_subcommand(1);
  auto list = AddCommand(*key.app(), cmd, "list",
                         "List every sealing key: period, public key, state (current, kept, shredded, missing)",
                         Writes::Nothing());
  list->add_option("--data", args->data, "Hub data dir")->required();
  list->add_flag("--json", args->json, "Print one JSON document");
  list.Does([args, &cmd] { ListKeys(cmd, *args); });

  auto shred = AddCommand(*key.app(), cmd, "shred-due",
                          "Run the daemon's sealing-key pass now: publish the current and next period's keys, shred "
                          "those past [applicants] retention_months (and any shredded key whose file came back)",
                          Writes::ViaDaemon());
  shred->add_option("--data", args->data, "Hub data dir")->required();
  shred.Does([args, &cmd] { ShredDue(cmd, *args); });
}

}  // namespace bangban
