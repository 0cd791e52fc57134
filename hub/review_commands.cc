#include "hub/review_commands.h"

#include <memory>

#include "daemon/command_line.h"
#include "hub/hub.h"
#include "hub/hub_review_figures.h"
#include "protocol/clock.h"
#include "review/sla_report.h"

namespace bangban {
namespace {

// Option values live as long as the App (the callbacks own them), since CLI11 binds options
// to variables that must outlive the parse.
struct Args {
  std::string data, action, app_id, outlet, reviewer, reason, uscc, at, from, to;
  bool auto_assign = false, json = false, apps = false, leave_out_damaged = false;
};

CLI::Validator TimeValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return ParseRfc3339(text) ? "" : "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00";
      },
      "TIME");
}

CLI::Validator DateValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return ParseCivilDate(text) ? "" : "must be a date such as 2026-03-02"; },
      "DATE");
}

// review's options beyond CLI11's checks, made before the store is opened or the daemon asked.
void CheckReview(const Args& a) {
  const CaseAction action = *ParseReviewAction(a.action);
  if ((action == CaseAction::kCorrect || action == CaseAction::kReject) && a.reason.empty()) {
    throw Error(ErrorCode::kUsage,
                "--reason is required for " + a.action + ": say " +
                    (action == CaseAction::kCorrect ? "what the applicant must correct" : "why it is rejected"));
  }
  if (!a.uscc.empty() && action != CaseAction::kApprove) {
    throw Error(ErrorCode::kUsage, "--uscc goes with approve only (the code issued to a new entity)");
  }
  if (a.auto_assign && action != CaseAction::kAssign) throw Error(ErrorCode::kUsage, "--auto goes with assign only");
  if (a.auto_assign == !a.reviewer.empty()) {
    throw Error(ErrorCode::kUsage, action == CaseAction::kAssign ? "--reviewer: give either --reviewer ID or --auto"
                                                                 : "--reviewer is required: the reviewer who acts");
  }
}

int64_t AtOrNow(const std::string& at) { return at.empty() ? NowMs() : *ParseRfc3339(at); }

void AddQueueOptions(CLI::App* cmd, Args& a) {
  cmd->add_option("--data", a.data, "Hub data dir")->required();
  cmd->add_option("--at", a.at, "Evaluate the open cases at this instant (RFC 3339; default: now)")
      ->check(TimeValidator());
  cmd->add_flag("--json", a.json, "Print one JSON document");
}

// The figures the hub's web pages show: at the city each county's applications are measured with
// the county's receipt instants and rules, as its `report sla` and its queue page measure them.
std::unique_ptr<ReviewFigures> FiguresOf(Hub& hub) { return HubReviewFigures(hub, hub.data_dir().root()); }

void PrintQueue(HubCommand& cmd, const Args& a) {
  Hub& hub = cmd.Open(a.data);
  Json queue = FiguresOf(hub)->Queue(AtOrNow(a.at));
  if (a.json) return PrintJson(cmd.out, queue);
  cmd.out << FormatQueue(queue);
}

}  // namespace

void AddReviewCommands(CLI::App& app, HubCommand& cmd) {
  auto args = std::make_shared<Args>();
  Args& a = *args;

  auto review = AddCommand(
      app, cmd, "review",
      "Act on an application as the county approval bureau: accept (受理), correct (补正, returns it to the "
      "applicant), approve (核准), reject (驳回) or assign it to a reviewer. Writes a signed review record into "
      "the hub's feed; refuses what the workflow does not allow now.",
      Writes::ViaDaemon());
  review->add_option("--data", a.data, "Hub data dir")->required();
  review->add_option("action", a.action, "accept | correct | approve | reject | assign")
      ->required()
      ->check(CLI::IsMember({"accept", "correct", "approve", "reject", "assign"}));
  review->add_option("app_id", a.app_id, "The application's app_id")->required();
  review->add_option("--outlet", a.outlet,
                     "The outlet whose application it is (its outlet id): required when the app_id was filed by "
                     "more than one outlet");
  review->add_option("--reviewer", a.reviewer, "The reviewer who acts, or (assign) who is assigned");
  review->add_flag("--auto", a.auto_assign,
                   "assign only: the on-duty reviewer (hub.toml [review] roster) with the fewest open assigned "
                   "cases; ties go to the earlier in the roster");
  review->add_option("--reason", a.reason, "Why: required for correct (what to correct) and reject");
  review->add_option("--uscc", a.uscc,
                     "approve only: the unified social credit code issued; required to approve an establish");
  review->add_flag("--json", a.json, "Print one JSON document");
  review.Check([args] { CheckReview(*args); });
  review.Does([args, &cmd] {
    Args& a = *args;
    const CaseAction action = *ParseReviewAction(a.action);
    Hub& hub = cmd.Open(a.data);
    ReviewOutcome outcome = hub.Review({action, a.app_id, a.reviewer, a.reason, a.uscc, a.auto_assign, a.outlet});
    if (a.json) {
      PrintJson(cmd.out, {{"id", ToHex(outcome.record.id())},
                          {"app_id", a.app_id},
                          {"outlet_id", outcome.outlet_id},
                          {"action", a.action},
                          {"reviewer", outcome.reviewer},
                          {"state", std::string(ToString(outcome.state))}});
    } else {
      cmd.out << ToHex(outcome.record.id()) << "\n"
              << "app " << a.app_id << (outcome.outlet_id.empty() ? "" : " of outlet " + outcome.outlet_id) << ": "
              << a.action << " by " << outcome.reviewer << "; the case is now " << ToString(outcome.state) << "\n";
    }
  });

  auto report =
      AddCommand(app, cmd, "report", "Print the hub's projections (computed from them alone)", Writes::Nothing());
  report->require_subcommand(1);
  auto sla =
      AddCommand(*report.app(), cmd, "sla",
                 "SLA figures per county, outlet, reviewer, kind and channel: received, completed, on time, breached, "
                 "yellow/red, rates, median and p90 working minutes, returns, statutory breaches, transit delay "
                 "(docs/sla.md defines each); without --json, a table and the review queue",
                 Writes::Nothing());
  sla->add_option("--data", a.data, "Hub data dir")->required();
  sla->add_option(
         "--at", a.at,
         "Evaluate open cases at this instant (RFC 3339; default: now; a fixed clock only at a simulation party)")
      ->check(TimeValidator());
  sla->add_option("--from", a.from, "Only applications received on or after this date (YYYY-MM-DD, China time)")
      ->check(DateValidator());
  sla->add_option("--to", a.to, "Only applications received on or before this date (YYYY-MM-DD, China time)")
      ->check(DateValidator());
  sla->add_flag("--apps", a.apps, "Also list every application: state, deadline, elapsed working minutes, colour");
  sla->add_flag("--json", a.json, "Print one JSON document");
  sla.Check([args] {
    if (!args->from.empty() && !args->to.empty() && *ParseCivilDate(args->to) < *ParseCivilDate(args->from)) {
      throw Error(ErrorCode::kUsage, "--to is before --from");
    }
  });
  sla.Does([args, &cmd] {
    Args& a = *args;
    SlaReportOptions options;
    options.at_ms = AtOrNow(a.at);
    if (!a.from.empty()) options.from = ParseCivilDate(a.from);
    if (!a.to.empty()) options.to = ParseCivilDate(a.to);
    options.apps = a.apps;
    Hub& hub = cmd.Open(a.data);
    const std::unique_ptr<ReviewFigures> figures = FiguresOf(hub);  // one replay of each county, at the city
    Json result = figures->Sla(options);
    // From the applicant.link records (not part of the signed SLA snapshot's figures).
    result["applicants"] = hub.ApplicantFigures();
    // Applicant boxes this county hub cannot open (sealed to an unknown or shredded key): shown
    // when there are any, so that the figures the city recomputes (report county-sla), which
    // cannot tell, stay equal to the county's otherwise.
    if (hub.config().role == "county") {
      if (size_t n = hub.UnreadableBoxes(100000).size(); n > 0) {
        result["unreadable_boxes"] = n;
      }
    }
    if (a.json) return PrintJson(cmd.out, result);
    cmd.out << FormatSlaReport(result, figures->Queue(options.at_ms));
    if (result.contains("county_receipts") && result["county_receipts"]["fallback_records"].get<uint64_t>() > 0) {
      const Json& r = result["county_receipts"];
      cmd.out << "note: " << r["fallback_records"] << " record(s) of " << r["fallback_cases"].size()
              << " case(s) are measured from this hub's own receipt: their county leaf has not arrived yet\n";
    }
    const Json& applicants = result["applicants"];
    cmd.out << "\napplicants: " << applicants["distinct"] << " distinct among " << applicants["linked"]
            << " linked applications; " << applicants["likely_duplicates"].size() << " likely duplicate(s)\n";
    for (const Json& d : applicants["likely_duplicates"]) {
      cmd.out << "  likely duplicate: " << d["entity_name"].get<std::string>();
      for (const Json& app : d["applications"]) {
        cmd.out << "  " << app["app_id"].get<std::string>() << "@" << app["outlet_id"].get<std::string>();
      }
      cmd.out << "\n";
    }
    if (a.apps) {
      cmd.out << "\n";
      for (const Json& app : result["apps"]) {
        cmd.out << app["app_id"].get<std::string>() << "  " << app["outlet_id"].get<std::string>() << "  "
                << app["state"].get<std::string>() << "  " << app["colour"].get<std::string>() << "  deadline "
                << (app["deadline"].is_null() ? "-" : app["deadline"].get<std::string>()) << "  elapsed "
                << app["elapsed_working_minutes"] << " min\n";
      }
    }
  });
  auto report_queue = AddCommand(*report.app(), cmd, "queue", "The review queue: open cases by deadline, with colours",
                                 Writes::Nothing());
  AddQueueOptions(report_queue.app(), a);
  report_queue.Does([args, &cmd] { PrintQueue(cmd, *args); });

  auto queue = AddCommand(
      app, cmd, "queue",
      "The review queue: open cases by deadline (earliest first) with colours, then those waiting for the applicant "
      "(same as report queue)",
      Writes::Nothing());
  AddQueueOptions(queue.app(), a);
  queue.Does([args, &cmd] { PrintQueue(cmd, *args); });

  auto reindex = AddCommand(
      app, cmd, "reindex",
      "Rebuild the projections (review queue, SLA figures) from the stored records; gives exactly what the hub "
      "built as the records arrived",
      Writes::ViaDaemon());
  reindex->add_option("--data", a.data, "Hub data dir")->required();
  reindex->add_flag("--json", a.json, "Print one JSON document");
  reindex->add_flag("--leave-out-damaged", a.leave_out_damaged,
                    "Rebuild from the readable records when some stored records are damaged (audit names them); "
                    "without it such a reindex changes nothing");
  reindex.Does([args, &cmd] {
    Args& a = *args;
    ReindexStats stats = cmd.Open(a.data).Reindex(a.leave_out_damaged);
    if (a.json) {
      return PrintJson(cmd.out,
                       {{"records", stats.records}, {"applications", stats.cases}, {"damaged", stats.damaged}});
    }
    cmd.out << "reindexed " << stats.records << " records: " << stats.cases << " applications";
    if (stats.damaged > 0) cmd.out << "; left out " << stats.damaged << " damaged record(s): run audit";
    cmd.out << "\n";
  });
}

}  // namespace bangban
