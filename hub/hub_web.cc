#include "hub/hub_web.h"

#include <algorithm>

#include "hub/hub.h"
#include "review/review_config.h"
#include "sync/sync_client.h"

namespace bangban {

HubWebView::HubWebView(Hub& hub, std::filesystem::path dir,
                       std::function<ControlReply(const ControlRequest&)> run_command)
    : hub_(hub), dir_(std::filesystem::absolute(dir)), run_command_(std::move(run_command)) {}

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
    figures.peers.push_back({KeyId(p.key), p.name, p.outlet_id, p.records_received, p.backlog, p.rejections});
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

bool HubWebView::IsActiveOperator(const std::string& name, const std::string& role) const {
  return hub_.operators().IsActive(name, role);
}

Json HubWebView::OtherApplications(const std::string& app_id, const std::string& outlet_id) const {
  return hub_.OtherApplications(app_id, outlet_id);
}

}  // namespace bangban
