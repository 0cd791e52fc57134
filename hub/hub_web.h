// The hub's side of its web pages (web/hub_view.h): what `bangban-hub run --http` hands the web
// server. The web room may not include hub/, so it defines the interface and this implements it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "daemon/control_socket.h"
#include "hub/audit_watch.h"
#include "web/hub_view.h"

namespace bangban {

class Hub;

class HubWebView : public HubView {
 public:
  // `run_command` runs a command line as the daemon runs one handed to it over the control
  // socket (RunHandedOff with the hub's own CLI), serialised with those: the web's review
  // actions go through exactly the code of `bangban-hub review`. `audit_watch` (may be null:
  // the daemon does not audit itself) gives /metrics the last audit's counts; it must outlive this.
  HubWebView(Hub& hub, std::filesystem::path dir, std::function<ControlReply(const ControlRequest&)> run_command,
             const AuditWatch* audit_watch = nullptr);

  HubFacts Facts() const override;
  HubFigures Figures() const override;
  const CaseBook& cases() const override;
  const FeedStore& store() const override;
  const TransparencyLog& log() const override;
  std::optional<Receipt> ReceiptFor(const RecordId& id) const override;
  DeskAnswer Act(const DeskAction& action) override;
  ApplicantAnswer OpenApplicant(const ApplicantAsk& ask) override;
  OperatorAnswer ChangeOperator(const OperatorChange& change) override;
  std::vector<OperatorListing> Operators() const override;
  bool IsActiveOperator(const std::string& name, const std::string& role) const override;
  Json OtherApplications(const std::string& app_id, const std::string& outlet_id) const override;

 private:
  Hub& hub_;
  std::filesystem::path dir_;
  std::function<ControlReply(const ControlRequest&)> run_command_;
  const AuditWatch* audit_watch_;
};

}  // namespace bangban
