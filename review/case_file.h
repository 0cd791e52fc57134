// The case file of one application at a county hub: every record that concerns it (as compact
// events) and what follows from them (its workflow state and SLA figures). It is the unit of
// the hub's application projection (review/case_book.h) and of its reports.
//
// The derivation (DeriveCase) depends only on the SET of events, never on the order in which
// the hub happened to store them: a batch stores many records with one receipt time, a city hub
// receives a county's reviews in the same bundle as the outlets' submissions, and `reindex`
// reads feeds in another order than they arrived. Because of that, the incremental projection
// and a rebuild are byte-identical by construction. The rules (docs/sla.md "Case files"):
//
// * An application is identified by its outlet and its app_id: every outlet's app.submit of an
//   app_id starts a case of its own, (app_id, county, outlet_id), the outlet being the
//   author's enrolled outlet id. An app_id filed by two outlets is two cases, each listing the
//   other outlets that filed it (a collision); neither is merged into the other.
// * A review record names its case by its body's outlet_id. One written before that field
//   existed means the first owner: the outlet whose app.submit of the app_id the hub received
//   first in the county (receipt time, then author key, then seq).
// * Within a case, the outlet's own records (submit, resubmits, in feed order) and each county
//   hub key's review records (in that feed's order) are merged into one history: at each step,
//   the earliest (receipt, author, seq) among the feed heads that the workflow allows next,
//   else the earliest head, which is then recorded as ignored. In any state at most one feed
//   can move the case on (the outlet waits for 补正; the hub acts on an open case), so the
//   merge is the causal order whatever the receipt times say. A second app.submit of the same
//   outlet by another of its keys is a conflict, kept and counted.
//
// The cases of one (app_id, county) are derived together (DeriveCases), from the set of all
// their events, since an old review record's case depends on which outlet filed first.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "review/sla_clock.h"
#include "review/sla_profile.h"

namespace bangban {

// What a record does to an application (app.submit, app.resubmit, review.*).
enum class CaseAction : uint8_t { kSubmit = 1, kResubmit, kAccept, kAssign, kCorrect, kApprove, kReject };

std::string_view ToString(CaseAction action);  // "submit", "resubmit", "accept", ...
std::optional<CaseAction> CaseActionOfType(std::string_view record_type);
std::optional<CaseAction> ParseReviewAction(std::string_view name);  // accept|assign|correct|approve|reject
bool IsReview(CaseAction action);

// received -> accepted (受理) -> correction_requested (补正) <-> resubmitted -> approved (核准) |
// rejected (驳回); approved and rejected are completed (办结).
enum class CaseState : uint8_t {
  kNone = 0,  // the hub holds records about this app_id but not its app.submit
  kReceived,
  kAccepted,
  kCorrectionRequested,
  kResubmitted,
  kApproved,
  kRejected,
};

std::string_view ToString(CaseState state);  // "none", "received", "accepted", ...
bool IsCompleted(CaseState state);
// The SLA clock runs: received, accepted or resubmitted.
bool IsRunning(CaseState state);

// "" when `action` may follow in `state`, otherwise why not (a sentence fragment).
std::string WorkflowProblem(CaseState state, CaseAction action);

enum class EventFate : uint8_t { kApplied = 0, kIgnored = 1, kConflict = 2 };

struct CaseEvent {
  CaseAction action = CaseAction::kSubmit;
  EventFate fate = EventFate::kApplied;  // derived
  PublicKey author{};
  uint64_t seq = 0;
  int64_t received_ms = 0;  // hub receipt (for the hub's own review records: when it made them)
  int64_t ts_ms = 0;        // the record's own ts
  std::string reviewer;     // review.*: the operator who acted
  std::string uscc;         // review.approve of an establishment
  // The application's outlet: for app.submit and app.resubmit the author's enrolled outlet id
  // at receipt; for review.* its body's outlet_id ("" in a record older than that field).
  std::string outlet_id;
  // app.submit only.
  std::string app_kind;  // establish | change | deregister | annual_report
  std::string entity_type;
  std::string channel;
  int64_t fee_cents = 0;
};

// Everything a report needs about a case, so that a report over a million cases reads this and
// nothing else for every completed case (open cases are evaluated at the report's instant).
struct CaseSummary {
  CaseState state = CaseState::kNone;
  uint32_t profile_id = 0;  // SLA profile in force at the app.submit's receipt
  PublicKey outlet_key{};   // the owner outlet's key
  std::string outlet_id, app_kind, entity_type, channel;
  int64_t fee_cents = 0;
  std::string reviewer;           // attributed reviewer (docs/sla.md): completer, else assignee, else last actor
  std::string assigned_reviewer;  // the latest review.assign
  std::string uscc;               // issued on approval
  int64_t received_ms = 0;        // receipt of the app.submit: the clock's start
  int64_t last_event_ms = 0;      // the latest receipt among all the case's events
  int64_t cycle_start_ms = 0;     // the current (or final) cycle
  int64_t deadline_ms = 0;
  int64_t allowed_ms = 0;
  int64_t end_ms = 0;            // completion (办结); 0 while not completed
  int64_t elapsed_ms = 0;        // working time counted up to the last event (final when completed)
  int64_t transit_delay_ms = 0;  // receipt minus the app.submit's own ts
  // conflicts: app.submit records of this app_id by other outlets of the county (other_submits)
  // and by the outlet's other keys after its first.
  uint32_t returns = 0, late_returns = 0, conflicts = 0, ignored = 0;
  uint32_t other_submits = 0;
  std::vector<std::string> also_filed_by;  // the other outlets that filed this app_id (sorted)
  bool met = false;                        // completed, final cycle on time
  bool breached = false;                   // completed, final cycle late
  bool first_pass = false;
  bool statutory_breach = false;  // as of the last event (final when completed)
  bool provisional = false;
};

struct CaseFile {
  std::string county;
  std::string app_id;
  CaseSummary summary;
  std::vector<CaseEvent> events;  // in derived order: the merged history, then conflicts/ignored
  std::string outlet_id;          // the outlet that filed it ("": old review records, no app.submit held)
  // Set by DeriveCases from the other cases of the app_id; kept by DeriveCase.
  uint32_t other_submits = 0;
  std::vector<std::string> also_filed_by;
};

using ProfileAt = std::function<std::shared_ptr<const SlaProfile>(int64_t received_ms)>;

// Recomputes `file.summary` and the fate and order of `file.events` from the events alone
// (and file.other_submits / also_filed_by, copied into the summary).
void DeriveCase(CaseFile& file, const ProfileAt& profile_at);

// Distributes every event of `app_id` in `county` to its case (by outlet; an old review to the
// first owner's) and derives each. Sorted by outlet_id; a function of the set of events only.
std::vector<CaseFile> DeriveCases(const std::string& app_id, const std::string& county, std::vector<CaseEvent> events,
                                  const ProfileAt& profile_at);

// The clock events of the applied history, in order, for ComputeSla.
std::vector<SlaEvent> ClockEvents(const CaseFile& file);

// A copy of `file` holding only the events the hub had received at `at_ms`, re-derived: the
// case as it stood then.
CaseFile CaseAsOf(const CaseFile& file, int64_t at_ms, const ProfileAt& profile_at);

// Storage key: u8 length of app_id || app_id || u8 length of county || county || outlet_id.
// CaseKeyPrefix (the app_id part): every county's cases of that app_id, which is how a county
// hub tells "another county's case" from "unknown"; CaseGroupKey (app_id and county): the
// cases of one county, one per outlet that filed it.
Bytes CaseKey(std::string_view app_id, std::string_view county, std::string_view outlet_id = {});
Bytes CaseKeyPrefix(std::string_view app_id);
Bytes CaseGroupKey(std::string_view app_id, std::string_view county);
void ParseCaseKey(ByteView key, std::string& app_id, std::string& county, std::string& outlet_id);

// Compact binary row: a version byte, the summary, then the events. DecodeSummary stops after
// the summary, which is all a report reads for a completed case.
Bytes EncodeCase(const CaseFile& file);
CaseFile DecodeCase(ByteView key, ByteView value);
CaseSummary DecodeSummary(ByteView value);

}  // namespace bangban
