#include "hub/operator_commands.h"

#include <memory>

#include "hub/hub.h"

namespace bangban {
namespace {

// Option values live as long as the App (the callbacks own them).
struct Args {
  std::string data, name, role, reason, by;
  bool json = false;
};

void PrintAdded(HubCommand& cmd, const Args& a, const Record& record, const std::string& state) {
  if (a.json) {
    return PrintJson(cmd.out, {{"id", ToHex(record.id())}, {"name", a.name}, {"state", state}});
  }
  cmd.out << ToHex(record.id()) << "\n" << a.name << " is now " << state << "\n";
}

void ListOperators(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  Json list = Json::array();
  for (const Operator& op : hub.operators().List()) {
    list.push_back({{"hub", ToHex(op.hub)},
                    {"this_hub", op.hub == hub.key().public_key()},
                    {"name", op.name},
                    {"role", op.role},
                    {"county", op.county},
                    {"active", op.active}});
  }
  if (a.json) return PrintJson(cmd.out, {{"operators", list}});
  for (const Json& op : list) {
    cmd.out << op["name"].get<std::string>() << "  " << op["role"].get<std::string>() << "  "
            << (op["active"].get<bool>() ? "active" : "disabled") << "  county " << op["county"].get<std::string>()
            << (op["this_hub"].get<bool>() ? "  (this hub)" : "  hub " + op["hub"].get<std::string>().substr(0, 16))
            << "\n";
  }
  cmd.out << list.size() << " operator(s)\n";
}

}  // namespace

void AddOperatorCommands(CLI::App& app, HubCommand& cmd) {
  auto args = std::make_shared<Args>();
  Args& a = *args;
  auto user = AddCommand(app, cmd, "user",
                         "The hub's named operators: add, disable or list them (each change is a signed record)",
                         Writes::Nothing());
  user->require_subcommand(1);

  auto add = AddCommand(*user.app(), cmd, "add",
                        "Enroll an operator of this hub (writes a signed operator.enroll record): a county's reviewer "
                        "or county_admin, the city's city_auditor",
                        Writes::ViaDaemon());
  add->add_option("--data", a.data, "Hub data dir")->required();
  add->add_option("--name", a.name, "The operator's id, e.g. r01 or a staff number")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return text.empty() || text.size() > 64 ? "must be 1 to 64 bytes" : "";
          },
          "ID"));
  add->add_option("--role", a.role, "reviewer | county_admin (county hubs) | city_auditor (the city)")
      ->required()
      ->check(CLI::IsMember({"reviewer", "county_admin", "city_auditor"}));
  add->add_option("--by", a.by,
                  "The county_admin who makes the change (an active county_admin of this hub), named in the record");
  add->add_flag("--json", a.json, "Print one JSON document");
  add.Does([args, &cmd] {
    Record record = cmd.Open(args->data).AddOperator(args->name, args->role, args->by);
    PrintAdded(cmd, *args, record, "an active " + args->role);
  });

  auto disable = AddCommand(*user.app(), cmd, "disable",
                            "Disable an operator of this hub (writes a signed operator.disable record): from then on "
                            "the name may not review or open applicant data here",
                            Writes::ViaDaemon());
  disable->add_option("--data", a.data, "Hub data dir")->required();
  disable->add_option("--name", a.name, "The operator's id")->required();
  disable->add_option("--reason", a.reason, "Why (recorded in the signed record)")->required();
  disable->add_option(
      "--by", a.by, "The county_admin who makes the change (an active county_admin of this hub), named in the record");
  disable->add_flag("--json", a.json, "Print one JSON document");
  disable.Does([args, &cmd] {
    Record record = cmd.Open(args->data).DisableOperator(args->name, args->reason, args->by);
    PrintAdded(cmd, *args, record, "disabled");
  });

  auto list = AddCommand(*user.app(), cmd, "list",
                         "List the operators of this hub and of the hubs whose feeds it holds", Writes::Nothing());
  list->add_option("--data", a.data, "Hub data dir")->required();
  list->add_flag("--json", a.json, "Print one JSON document");
  list.Does([args, &cmd] { ListOperators(cmd, *args); });
}

}  // namespace bangban
