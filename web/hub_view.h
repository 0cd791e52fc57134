// What the web pages need of the hub that serves them, as small interfaces the hub implements.
// The web room may not include hub/ (docs/architecture.md, Layers), so the hub hands the server
// these when `bangban-hub run --http` starts it: its projections and store to read, its review
// desk to act through, and the operators who may sign in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "review/case_book.h"
#include "storage/feed_store.h"
#include "storage/transparency_log.h"

namespace bangban {

// Who the hub is (hub.toml).
struct HubFacts {
  std::string role;    // county | city
  std::string name;    // e.g. 盐湖区行政审批服务管理局
  std::string county;  // the county's code, or the city's at the city hub
  PublicKey key{};
  bool simulation = false;
};

// One replication peer, as `bangban-hub status` shows it.
struct PeerFigures {
  std::string key_id;  // the first 16 hex digits of its key
  std::string name, outlet_id;
  uint64_t records_received = 0;
  uint64_t backlog = 0;
  std::map<std::string, uint64_t> rejections;  // by error code
  int64_t last_contact_ms = 0;                 // its last message (NowMs); 0 if never
};

// The counts of the hub's last own audit (`run --audit-every`), as `bangban-hub audit` found them.
struct AuditFigures {
  bool clean = false;
  uint64_t problems = 0, findings = 0, flagged = 0, quarantined = 0;
  int64_t finished_ms = 0;
  uint64_t runs = 0;  // audits finished since the daemon started
};

// The hub's counters for /metrics.
struct HubFigures {
  uint64_t records = 0;  // stored, all feeds
  uint64_t feeds = 0;
  uint64_t records_acked_upstream = 0;  // records out: what the upstream hub acknowledged
  uint64_t buffered = 0;
  std::vector<PeerFigures> peers;
  std::optional<AuditFigures> audit;  // none before the daemon's first audit finished, or if it audits not
};

// A review action taken in the browser; the operator signed in is the reviewer who acts.
struct DeskAction {
  std::string action;  // accept | correct | approve | reject | assign
  std::string app_id;
  std::string outlet_id;  // may be empty when one outlet filed the app_id
  std::string operator_name;
  std::string assignee;  // assign: who is assigned ("" with auto_assign)
  bool auto_assign = false;
  std::string reason;
  std::string uscc;
};

// What the desk answered: on success `record_id` and the case's new `state`; otherwise the
// error's code and sentence, exactly as `bangban-hub review` prints them.
struct DeskAnswer {
  bool ok = false;
  std::string record_id, state, reviewer;
  std::string error_code, message;
};

// A reviewer's request, in the browser, to see who applied (custody/applicant_custody.h).
struct ApplicantAsk {
  std::string app_id;
  std::string outlet_id;  // may be empty when one outlet filed the app_id
  std::string operator_name;
  std::string purpose;
};

// What the opening answered: on success the signed pii.access record's id and the clear values
// (personal data: shown in that one response, kept nowhere); otherwise the error's code and
// sentence, exactly as `bangban-hub applicant` prints them.
struct ApplicantAnswer {
  bool ok = false;
  std::string access_id, app_id, outlet_id, id_number, name;
  std::string error_code, message;
};

// A county admin's change to the hub's operators, made in the browser.
struct OperatorChange {
  std::string action;  // add | disable
  std::string name;
  std::string role;    // add: the new operator's role
  std::string reason;  // disable: why
  std::string by;      // the signed-in county_admin, named in the record
};

// What `bangban-hub user add|disable` answered: the record's id, or the error's code and sentence.
struct OperatorAnswer {
  bool ok = false;
  std::string record_id;
  std::string error_code, message;
};

// One operator of this hub, as `bangban-hub user list` shows it.
struct OperatorListing {
  std::string name, role;
  bool active = false;
};

class HubView {
 public:
  virtual ~HubView() = default;

  virtual HubFacts Facts() const = 0;
  // Cheap enough for each /metrics scrape (reads heads, enrollments and peer counters).
  virtual HubFigures Figures() const = 0;
  virtual const CaseBook& cases() const = 0;
  virtual const FeedStore& store() const = 0;
  virtual const TransparencyLog& log() const = 0;
  // The hub's receipt for a stored record: its inclusion under a signed tree head, signing a
  // fresh head if none covers the record yet (as a node's receipt request does). nullopt if the
  // record is not in the log.
  virtual std::optional<Receipt> ReceiptFor(const RecordId& id) const = 0;

  // Runs the action through the very code `bangban-hub review` runs (its checks, its record),
  // one action at a time with the commands handed to the daemon. Never throws for a refusal.
  virtual DeskAnswer Act(const DeskAction& action) = 0;

  // Opens an application's applicant through the very code `bangban-hub applicant` runs: the
  // signed pii.access record first, then the box; serialised like Act. Never throws for a refusal.
  virtual ApplicantAnswer OpenApplicant(const ApplicantAsk& ask) = 0;

  // Runs `bangban-hub user add|disable --by ADMIN` (the very code of the command line: its checks,
  // its signed record), serialised like Act. Never throws for a refusal.
  virtual OperatorAnswer ChangeOperator(const OperatorChange& change) = 0;
  // This hub's own operators, active and disabled.
  virtual std::vector<OperatorListing> Operators() const = 0;

  // Whether `name` is an active operator of this hub with `role` (reviewer, county_admin,
  // city_auditor). The county is the hub's own.
  virtual bool IsActiveOperator(const std::string& name, const std::string& role) const = 0;

  // The other applications of the applicant of (app_id, outlet_id) at this county hub, from its
  // applicant.link records: [{"app_id", "outlet_id", "submit"}]. None where nothing links them.
  virtual Json OtherApplications(const std::string& app_id, const std::string& outlet_id) const {
    (void)app_id;
    (void)outlet_id;
    return Json::array();
  }
};

}  // namespace bangban
