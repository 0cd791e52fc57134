#include "hub/applicant_commands.h"

#include <memory>

#include "hub/hub.h"

namespace bangban {
namespace {

struct Args {
  std::string data, app_id, outlet, reviewer, purpose;
  bool json = false;
};

void ShowApplicant(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  OpenedApplicant opened = hub.custody().Open({a.app_id, a.outlet, a.reviewer, a.purpose});
  if (a.json) {
    return PrintJson(cmd.out, {{"access_id", ToHex(opened.access.id())},
                               {"app_id", opened.app_id},
                               {"outlet_id", opened.outlet_id},
                               {"reviewer", a.reviewer},
                               {"id_number", opened.id_number},
                               {"name", opened.name}});
  }
  cmd.out << "app " << opened.app_id << " of outlet " << opened.outlet_id << "\n"
          << "applicant " << opened.name << ", ID number " << opened.id_number << "\n"
          << "this opening is recorded as " << ToHex(opened.access.id()) << " (pii.access by " << a.reviewer << ")\n";
}

void Link(HubCommand& cmd, const Args& a) {
  LinkPass pass = cmd.Open(a.data).LinkApplicants(cmd.stop);
  if (a.json) {
    return PrintJson(cmd.out, {{"scanned", pass.scanned},
                               {"linked", pass.linked},
                               {"unopenable", pass.unopenable},
                               {"cursor", pass.cursor},
                               {"caught_up", pass.caught_up}});
  }
  cmd.out << "linked " << pass.linked << " application(s); looked at " << pass.scanned << " stored record(s)";
  if (pass.unopenable > 0) cmd.out << "; " << pass.unopenable << " applicant box(es) could not be opened (no link)";
  if (!pass.caught_up) cmd.out << "; stopped before the end";
  cmd.out << "\n";
}

}  // namespace

void AddApplicantCommands(CLI::App& app, HubCommand& cmd) {
  auto args = std::make_shared<Args>();
  Args& a = *args;
  auto applicant =
      AddCommand(app, cmd, "applicant",
                 "Show an application's applicant (clear ID number and name) to an active reviewer of this county hub; "
                 "every opening is first recorded as a signed pii.access record (who, which application, why)",
                 Writes::ViaDaemon());
  applicant->add_option("--data", a.data, "Hub data dir")->required();
  applicant->add_option("app_id", a.app_id, "The application's app_id")->required();
  applicant->add_option("--outlet", a.outlet,
                        "The outlet whose application it is: required when the app_id was filed by more than one");
  applicant->add_option("--reviewer", a.reviewer, "The reviewer who asks (an active reviewer of this hub)")->required();
  applicant->add_option("--purpose", a.purpose, "Why the data is needed (recorded in the signed access record)")
      ->required();
  applicant->add_flag("--json", a.json, "Print one JSON document");
  applicant.Check([args] {
    if (args->purpose.empty() || args->purpose.size() > 512) {
      throw Error(ErrorCode::kUsage, "--purpose: say why the data is needed, in at most 512 bytes");
    }
  });
  applicant.Does([args, &cmd] { ShowApplicant(cmd, *args); });

  // Handed to the daemon when one runs: its loop links too, and the two share one cursor.
  auto link = AddCommand(app, cmd, "link",
                         "Link every received application of this county to a keyed pseudonym of its applicant's ID "
                         "number: one signed applicant.link record each (a county hub; the running daemon does this "
                         "by itself)",
                         Writes::ViaDaemon());
  link->add_option("--data", a.data, "Hub data dir")->required();
  link->add_flag("--json", a.json, "Print one JSON document");
  link.Does([args, &cmd] { Link(cmd, *args); });
}

}  // namespace bangban
