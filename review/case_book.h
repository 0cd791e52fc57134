// CaseBook: the hub's projection of applications — the county review queue and the data of
// its SLA reports — kept in LMDB tables in the hub's own store:
//
//   proj_cases   CaseKey(app_id, county, outlet_id) -> case file (review/case_file.h): events + summary
//   proj_open    sort key (deadline, or "paused" last) || CaseKey -> ""   the open cases
//   proj_keys    key || receipt || enroller || seq -> role, county, outlet_id   (from key.enroll)
//   proj_meta    "rebuilding" while `reindex` runs; "format"; the latest app.submit receipt
//   proj_ignored author || seq -> why: case records stored but never folded (principle 6)
//
// It is a deterministic fold over records: a StoreObserver (registered by the Hub) folds every
// record inside the write transaction that stores it, with the hub's receipt time; Reindex()
// clears the proj_ tables and folds every stored record again. A case's derivation depends only
// on the set of its events (review/case_file.h), and folding is idempotent, so the rebuild is
// byte-identical to the incremental result whatever order either path saw the records in.
//
// Reviews: Review() appends a signed review.* record to the hub's own feed; the workflow check
// runs inside the observer, in the very write transaction of the append, so a refused action
// writes nothing and two concurrent reviews cannot both pass a stale check.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "review/case_file.h"
#include "review/operator_roster.h"
#include "review/review_config.h"
#include "review/sla_profile.h"
#include "storage/feed_store.h"

namespace bangban {

struct ReviewRequest {
  CaseAction action = CaseAction::kAccept;  // a review action (not submit/resubmit)
  std::string app_id;
  std::string reviewer;      // the operator; empty with auto_assign
  std::string reason;        // required for correct and reject
  std::string uscc;          // approve of an establish only (required there)
  bool auto_assign = false;  // assign: pick the least-loaded reviewer of the roster
  // Which outlet's application of app_id; may be empty when only one outlet filed it.
  std::string outlet_id;
};

struct ReviewOutcome {
  Record record;
  std::string reviewer;   // who was recorded (the pick, for --auto)
  CaseState state;        // the case's state after the action
  std::string outlet_id;  // the application's outlet, as the record names it
};

// The case as it stood at an instant (figures defined in docs/sla.md).
struct CaseStanding {
  CaseState state = CaseState::kNone;
  SlaColour colour = SlaColour::kNone;
  bool completed = false, met = false, breached = false, first_pass = false;
  bool statutory_breach = false, provisional = false;
  int64_t deadline_ms = 0;  // of the current (or final) cycle
  int64_t elapsed_ms = 0;   // working time counted, pauses excluded
  int64_t end_ms = 0;
  uint32_t returns = 0, late_returns = 0, conflicts = 0;
  int64_t transit_delay_ms = 0;
};

// A case whose colour changed between two AdvanceClock calls.
struct ColourChange {
  std::string county;
  std::string app_id;
  std::string outlet_id;
  SlaColour from = SlaColour::kNone;
  SlaColour to = SlaColour::kNone;
  int64_t deadline_ms = 0;
  std::string reviewer;
};

// Whether a colour change needs the review desk (the running hub logs it as a warning): a case
// turning yellow or red. A case green again, paused or done is news, logged as such.
inline bool NeedsTheDesk(const ColourChange& change) {
  return change.to == SlaColour::kYellow || change.to == SlaColour::kRed;
}

struct ReindexStats {
  uint64_t records = 0;  // records folded
  uint64_t cases = 0;    // case files afterwards
  uint64_t damaged = 0;  // stored records left out because their bytes are damaged
};

// The hub that folds the cases: a county hub reviews its own county's applications; the city
// hub only reads them. Filled from hub.toml by the hub.
struct ReviewingHub {
  std::string role;                   // county | city
  std::string name;                   // e.g. 盐湖区行政审批服务管理局
  std::string county;                 // six-digit county code (county hubs); the city code for the city hub
  std::optional<PublicKey> city_key;  // the city root a county hub answers to
  PublicKey own_key{};
  bool simulation = false;  // [clock] simulation: reports say so
};

class CaseBook {
 public:
  struct Options {
    std::filesystem::path data_dir;  // hub.toml and the calendar files are read from here
    ReviewingHub hub;
    // The hub's named operators: with it, a review's reviewer (the actor, or the one assigned)
    // must be an active reviewer of this hub, and `--auto` picks among the roster's active ones.
    // Without it (the engine alone, in tests) any name is taken.
    const OperatorRoster* operators = nullptr;
  };

  // Opens the tables, reads [sla] and [review] from hub.toml, loads the calendars and registers
  // them as a new SLA profile if they changed (docs/sla.md "Which calendar"). A projection of
  // an older format is rebuilt (Reindex) once, here.
  CaseBook(FeedStore& store, Options options);
  CaseBook(const CaseBook&) = delete;
  CaseBook& operator=(const CaseBook&) = delete;

  // The fold, for FeedStore::AddObserver.
  StoreObserver Observer();

  // Writes review.<action> into the hub's own feed after the workflow check, naming the
  // application's outlet in the body. Errors: "usage" (missing reason, --uscc where it does not
  // belong, no reviewer), "not_county" (a city hub), "unknown_app" (also: request.outlet_id
  // did not file it; the message names who did), "ambiguous_app" (several outlets filed the
  // app_id and request.outlet_id is empty; the message names them), "other_county",
  // "workflow" (the transition is not possible now), "not_operator" (with Options::operators:
  // the reviewer is not an active reviewer of this hub).
  ReviewOutcome Review(const SigningKey& hub_key, const ReviewRequest& request);
  // The roster member with the fewest open assigned cases (ties: roster order), not counting
  // the case (app_id, outlet_id) itself; with Options::operators, among the active reviewers
  // only. Error(ErrorCode::kConfig) when the roster is empty (or has no active reviewer).
  std::string PickReviewer(const std::string& app_id, const std::string& outlet_id = "") const;

  // Reports collisions (an app_id filed by one more outlet of a county) found while folding
  // on the constructing thread, while it lives: `note` gets one sentence per collision. The
  // hub's import lists them as warnings and its daemon logs them. Keep it on the stack.
  class CollisionWatch {
   public:
    explicit CollisionWatch(std::function<void(const std::string&)> note);
    ~CollisionWatch();
    CollisionWatch(const CollisionWatch&) = delete;
    CollisionWatch& operator=(const CollisionWatch&) = delete;

   private:
    std::function<void(const std::string&)> note_;
    const std::function<void(const std::string&)>* previous_;
  };

  // Rebuilds the projection from the stored records. Safe to rerun after an interruption. If a
  // stored record is damaged (its bytes no longer decode), it changes nothing and throws
  // Error(ErrorCode::kCorruptRecord) naming the damaged records, so the projection stays as good as it
  // was; with `leave_out_damaged` it rebuilds from the readable records and counts the others.
  ReindexStats Reindex(bool leave_out_damaged = false);

  // The open cases whose colour changed since the previous call (the first call reports every
  // open case, from kNone), including cases that left the queue (to done or paused). The
  // running hub calls it periodically and logs each change.
  std::vector<ColourChange> AdvanceClock(int64_t now_ms);

  // Reading, for reports (review/sla_report.h). Visits every case row in one read snapshot.
  using CaseVisitor = std::function<void(const LmdbTxn& txn, ByteView key, ByteView value)>;
  void ScanCases(const CaseVisitor& visit) const;
  // Visits the open cases in queue order (earliest deadline first, waiting-for-applicant last).
  void ScanOpen(const CaseVisitor& visit) const;
  // The case as it stood at `at_ms`; reads the events only when the summary cannot answer.
  CaseStanding StandingAt(const LmdbTxn& txn, const CaseSummary& summary, ByteView key, ByteView value,
                          int64_t at_ms) const;
  // Every case of app_id in `county`, one per outlet that filed it (sorted by outlet id).
  std::vector<CaseFile> Cases(const std::string& app_id, const std::string& county) const;
  // The outlets of `county` whose application of app_id the hub holds.
  std::vector<std::string> FiledBy(const std::string& app_id, const std::string& county) const;
  // The counties of the applications app_id the hub holds (received: an app.submit folded),
  // sorted: a county hub's own, and any other county's it carries.
  std::vector<std::string> CountiesOf(const std::string& app_id) const;
  // The case of app_id filed by `outlet_id`; without one, the first owner's (received first).
  std::optional<CaseFile> Find(const std::string& app_id, const std::string& county,
                               const std::optional<std::string>& outlet_id = std::nullopt) const;
  std::shared_ptr<const SlaProfile> Profile(const LmdbTxn& txn, uint32_t id) const;
  // The rules this process runs with (registered at construction).
  std::shared_ptr<const SlaProfile> CurrentProfile() const;
  // Error(ErrorCode::kProjection) while a rebuild is incomplete: figures would be missing cases.
  void RequireComplete() const;

  // Case records the projection stored but ignored (principle 6: a review by an outlet, an
  // application by a hub), counted by why ("review.approve by a key enrolled as outlet").
  // Records ignored before this count existed appear after `reindex`.
  std::map<std::string, uint64_t> Ignored() const;

  // Every entry of every proj_ table, one line each ("table key_hex value_hex"), in key order:
  // the byte-level identity of the projection, for tests and audits.
  std::string Dump() const;

  const ReviewConfig& review_config() const { return review_; }
  const ReviewingHub& hub() const { return options_.hub; }
  uint32_t current_profile_id() const { return current_profile_; }

 private:
  struct KeyInfo {
    std::string role;
    std::string county;
    std::string outlet_id;
  };
  void Fold(LmdbTxn& txn, const Record& record, int64_t received_ms);
  void NoteIgnored(LmdbTxn& txn, const Record& record, const std::string& why);
  std::optional<KeyInfo> KeyAt(const LmdbTxn& txn, const PublicKey& key, int64_t at_ms) const;
  // Why the hub's own review `event` on (app_id, county, event.outlet_id) must be refused, or "".
  std::string ReviewProblem(const LmdbTxn& txn, const std::string& app_id, const std::string& county,
                            const CaseEvent& event, ErrorCode* code) const;
  ProfileAt ProfileLookup(const LmdbTxn& txn) const;
  // The outlet a review names: `outlet_id` if given (Error "unknown_app" if it did not file
  // app_id but others did), else the one outlet that filed it (Error "ambiguous_app" if
  // several did), else "".
  std::string ResolveOutlet(const std::string& app_id, const std::string& outlet_id) const;
  uint64_t FoldFeed(const PublicKey& author, bool key_records_only, std::vector<PublicKey>* enrollers,
                    uint64_t* damaged);
  std::vector<MDB_dbi> ProjectionTables() const;

  FeedStore& store_;
  Options options_;
  ReviewConfig review_;
  mutable SlaProfileTable profiles_;
  uint32_t current_profile_ = 0;
  MDB_dbi cases_, open_, keys_, meta_, ignored_;
  // The thread inside Review()'s append: its own review record gets the strict workflow check
  // (refusal aborts the append); the same record seen any other way is folded as it is.
  std::atomic<std::thread::id> reviewing_thread_{};
  std::mutex clock_mutex_;
  std::map<Bytes, SlaColour> watched_;  // CaseKey -> colour at the previous AdvanceClock
};

}  // namespace bangban
