#include "hub/hub_web.h"

#include <sodium.h>

#include <algorithm>

#include "hub/hub.h"
#include "review/review_config.h"
#include "sync/sync_client.h"

namespace bangban {

HubWebView::HubWebView(Hub& hub, std::filesystem::path dir,
                       std::function<ControlReply(const ControlRequest&)> run_command, const AuditWatch* audit_watch)
    : hub_(hub),
      dir_(std::filesystem::absolute(dir)),
      run_command_(std::move(run_command)),
      audit_watch_(audit_watch) {}

HubFacts HubWebView::Facts() const {
  const HubConfig& c = hub_.config();
  return {c.role, c.name, c.county, hub_.key().public_key(), c.simulation};
}

HubFigures HubWebView::Figures() const {
  const HubStatus status = hub_.Status();
  HubFigures figures;
  figures.records = status.records;
  figures.feeds = status.feeds;
  figures.buffered = status.buffered;
  for (const auto& [author, seq] : LoadAcked(hub_.store())) figures.records_acked_upstream += seq;
  for (const PeerReport& p : status.peers) {
    figures.peers.push_back(
        {KeyId(p.key), p.name, p.outlet_id, p.records_received, p.backlog, p.rejections, p.last_contact_ms});
  }
  if (std::optional<AuditTally> t = audit_watch_ ? audit_watch_->Latest() : std::nullopt) {
    figures.audit =
        AuditFigures{t->clean, t->problems, t->findings, t->flagged, t->quarantined, t->finished_ms, t->runs};
  }
  return figures;
}

const CaseBook& HubWebView::cases() const { return hub_.cases(); }
const FeedStore& HubWebView::store() const { return hub_.store(); }
const TransparencyLog& HubWebView::log() const { return hub_.log(); }
std::optional<Receipt> HubWebView::ReceiptFor(const RecordId& id) const { return hub_.ReceiptFor(id); }

DeskAnswer HubWebView::Act(const DeskAction& a) {
  // The argument vector `bangban-hub review` would get, options in --name=value form and the
  // positionals after "--", so that no value a person typed can be read as an option.
  ControlRequest request;
  request.argv = {"bangban-hub", "review", "--data", dir_.string(), "--json", "--reviewer=" + a.operator_name};
  if (a.action == "assign") {
    request.argv.back() = a.auto_assign ? "--auto" : "--reviewer=" + a.assignee;
  }
  if (!a.outlet_id.empty()) request.argv.push_back("--outlet=" + a.outlet_id);
  if (!a.reason.empty()) request.argv.push_back("--reason=" + a.reason);
  if (!a.uscc.empty()) request.argv.push_back("--uscc=" + a.uscc);
  request.argv.insert(request.argv.end(), {"--", a.action, a.app_id});
  request.cwd = dir_.string();
  const ControlReply reply = run_command_(request);
  DeskAnswer answer;
  Json doc = Json::parse(reply.out, nullptr, false);
  if (reply.exit_code == 0 && doc.is_object() && doc.contains("id")) {
    answer.ok = true;
    answer.record_id = doc.value("id", "");
    answer.state = doc.value("state", "");
    answer.reviewer = doc.value("reviewer", "");
  } else if (doc.is_object() && doc.contains("error")) {
    answer.error_code = doc["error"].value("code", "internal");
    answer.message = doc["error"].value("message", "");
  } else {
    answer.error_code = "internal";
    answer.message = "the review command gave no answer: " + reply.err;
  }
  return answer;
}

ApplicantAnswer HubWebView::OpenApplicant(const ApplicantAsk& ask) {
  // As Act: options in --name=value form, the app_id after "--". The reply (clear values) goes
  // back to the one response that asked; the control path logs only the command's name.
  ControlRequest request;
  request.argv = {"bangban-hub",
                  "applicant",
                  "--data",
                  dir_.string(),
                  "--json",
                  "--reviewer=" + ask.operator_name,
                  "--purpose=" + ask.purpose};
  if (!ask.outlet_id.empty()) request.argv.push_back("--outlet=" + ask.outlet_id);
  request.argv.insert(request.argv.end(), {"--", ask.app_id});
  request.cwd = dir_.string();
  ControlReply reply = run_command_(request);
  ApplicantAnswer answer;
  Json doc = Json::parse(reply.out, nullptr, false);
  if (reply.exit_code == 0 && doc.is_object() && doc.contains("access_id")) {
    answer.ok = true;
    answer.access_id = doc.value("access_id", "");
    answer.app_id = doc.value("app_id", "");
    answer.outlet_id = doc.value("outlet_id", "");
    answer.id_number = doc.value("id_number", "");
    answer.name = doc.value("name", "");
  } else if (doc.is_object() && doc.contains("error")) {
    answer.error_code = doc["error"].value("code", "internal");
    answer.message = doc["error"].value("message", "");
  } else {
    answer.error_code = "internal";
    answer.message = "the applicant command gave no answer: " + reply.err;
  }
  sodium_memzero(reply.out.data(), reply.out.size());
  return answer;
}

OperatorAnswer HubWebView::ChangeOperator(const OperatorChange& c) {
  ControlRequest request;
  request.argv = {"bangban-hub", "user",   c.action,       "--data",
                  dir_.string(), "--json", "--by=" + c.by, "--name=" + c.name};
  if (c.action == "add") request.argv.push_back("--role=" + c.role);
  if (c.action == "disable") request.argv.push_back("--reason=" + c.reason);
  request.cwd = dir_.string();
  const ControlReply reply = run_command_(request);
  OperatorAnswer answer;
  Json doc = Json::parse(reply.out, nullptr, false);
  if (reply.exit_code == 0 && doc.is_object() && doc.contains("id")) {
    answer.ok = true;
    answer.record_id = doc.value("id", "");
  } else if (doc.is_object() && doc.contains("error")) {
    answer.error_code = doc["error"].value("code", "internal");
    answer.message = doc["error"].value("message", "");
  } else {
    answer.error_code = "internal";
    answer.message = "the user command gave no answer: " + reply.err;
  }
  return answer;
}

std::vector<OperatorListing> HubWebView::Operators() const {
  std::vector<OperatorListing> list;
  for (const Operator& op : hub_.operators().List()) {
    if (op.hub == hub_.key().public_key()) list.push_back({op.name, op.role, op.active});
  }
  return list;
}

bool HubWebView::IsActiveOperator(const std::string& name, const std::string& role) const {
  return hub_.operators().IsActive(name, role);
}

Json HubWebView::OtherApplications(const std::string& app_id, const std::string& outlet_id) const {
  return hub_.OtherApplications(app_id, outlet_id);
}

}  // namespace bangban
