#include "review/case_book.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "protocol/clock.h"

namespace bangban {
namespace {

// Cases waiting for the applicant sort after every running one in proj_open.
constexpr uint64_t kPausedSortKey = std::numeric_limits<uint64_t>::max();
constexpr size_t kReindexChunk = 2048;  // records per write transaction while rebuilding
const std::string kRebuilding = "rebuilding";
// The latest hub receipt of an app.submit folded so far: a new SLA profile never takes effect
// before it (SlaProfileTable::Register). A maximum, so folding stays order-independent.
const std::string kLatestSubmit = "latest_submit_ms";
// The projection's format: cases keyed by (app_id, county, outlet). A projection without it
// (older, keyed by app_id and county) is rebuilt when the hub opens.
const std::string kFormat = "format";
const std::string kFormatVersion = "2";

// proj_open key of a case: where it stands in the queue. nullopt: not in the queue.
std::optional<Bytes> OpenKey(const CaseSummary& s, const Bytes& case_key) {
  if (!IsRunning(s.state) && s.state != CaseState::kCorrectionRequested) return std::nullopt;
  Bytes key;
  if (IsRunning(s.state)) {
    PutSortableInt64(key, s.deadline_ms);
  } else {
    PutBigEndian64(key, kPausedSortKey);
  }
  PutRaw(key, case_key);
  return key;
}

Bytes EncodeKeyInfo(const std::string& role, const std::string& county, const std::string& outlet_id) {
  Bytes out;
  for (const std::string* s : {&role, &county, &outlet_id}) {
    if (s->size() > 255) throw Error(ErrorCode::kInvalidBody, "key.enroll: a field is longer than 255 bytes");
    PutShortString(out, *s);
  }
  return out;
}

std::string JoinOutlets(const std::vector<std::string>& outlets) {
  std::string out;
  for (const std::string& outlet : outlets) out += (out.empty() ? "" : ", ") + (outlet.empty() ? "(none)" : outlet);
  return out;
}

// The calling thread's CollisionWatch, if one is in force.
thread_local const std::function<void(const std::string&)>* t_collision_sink = nullptr;

void NoteCollision(const std::string& app_id, const std::string& county, const std::string& outlet,
                   const std::set<std::string>& earlier) {
  if (t_collision_sink == nullptr) return;
  (*t_collision_sink)("app_id " + app_id + " of county " + county + " is filed by outlet " + outlet +
                      " and already by " + JoinOutlets({earlier.begin(), earlier.end()}) +
                      ": two applications, each its own case; a reviewer names the outlet (review --outlet)");
}

class ReviewingScope {
 public:
  explicit ReviewingScope(std::atomic<std::thread::id>& slot) : slot_(slot) { slot_ = std::this_thread::get_id(); }
  ~ReviewingScope() { slot_ = std::thread::id(); }
  ReviewingScope(const ReviewingScope&) = delete;
  ReviewingScope& operator=(const ReviewingScope&) = delete;

 private:
  std::atomic<std::thread::id>& slot_;
};

}  // namespace

CaseBook::CollisionWatch::CollisionWatch(std::function<void(const std::string&)> note)
    : note_(std::move(note)), previous_(t_collision_sink) {
  t_collision_sink = &note_;
}

CaseBook::CollisionWatch::~CollisionWatch() { t_collision_sink = previous_; }

CaseBook::CaseBook(FeedStore& store, Options options)
    : store_(store),
      options_(std::move(options)),
      review_(ReviewConfig::Load(options_.data_dir / "hub.toml")),
      profiles_(store.env()) {
  LmdbEnv& env = store_.env();
  cases_ = env.OpenDb("proj_cases");
  open_ = env.OpenDb("proj_open");
  keys_ = env.OpenDb("proj_keys");
  meta_ = env.OpenDb("proj_meta");
  ignored_ = env.OpenDb("proj_ignored");
  std::vector<CalendarSource> sources = ReadCalendarSources(options_.data_dir, review_.calendars);
  int64_t latest_submit = std::numeric_limits<int64_t>::min();
  env.Read([&](LmdbTxn& txn) {
    if (auto value = txn.Get(meta_, AsBytes(kLatestSubmit)); value && value->size() == 8) {
      latest_submit = SignedFromSortable(DecodeBigEndian64(value->data()));
    }
  });
  const int64_t not_before = latest_submit == std::numeric_limits<int64_t>::min() ? latest_submit : latest_submit + 1;
  current_profile_ = profiles_.Register(review_.sla, sources, NowMs(), not_before);
  bool current = false, empty = false;
  env.Read([&](LmdbTxn& txn) {
    auto format = txn.Get(meta_, AsBytes(kFormat));
    current = format && AsChars(*format) == kFormatVersion;
    MDB_stat stat;
    mdb_stat(txn.raw(), cases_, &stat);
    empty = stat.ms_entries == 0 && !txn.Get(meta_, AsBytes(kRebuilding));
  });
  if (current) return;
  if (empty) {
    env.Write([&](LmdbTxn& txn) { txn.Put(meta_, AsBytes(kFormat), AsBytes(kFormatVersion)); });
  } else {
    Reindex();  // once, after an upgrade: the rows of the older format cannot be folded into
  }
}

StoreObserver CaseBook::Observer() {
  return [this](LmdbTxn& txn, const Record& record, int64_t received_ms) { Fold(txn, record, received_ms); };
}

std::vector<MDB_dbi> CaseBook::ProjectionTables() const { return {cases_, keys_, meta_, open_, ignored_}; }

ProfileAt CaseBook::ProfileLookup(const LmdbTxn& txn) const {
  return [this, &txn](int64_t at) { return profiles_.At(txn, at); };
}

std::shared_ptr<const SlaProfile> CaseBook::Profile(const LmdbTxn& txn, uint32_t id) const {
  return profiles_.ById(txn, id);
}

// ---- the fold -----------------------------------------------------------------------------

void CaseBook::NoteIgnored(LmdbTxn& txn, const Record& record, const std::string& why) {
  Bytes key(record.author().begin(), record.author().end());
  PutBigEndian64(key, record.seq());
  txn.Put(ignored_, key, AsBytes(why));  // idempotent: folding the record again writes the same
}

std::map<std::string, uint64_t> CaseBook::Ignored() const {
  std::map<std::string, uint64_t> by_reason;
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, ignored_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      ++by_reason[std::string(cursor.value().begin(), cursor.value().end())];
    }
  });
  return by_reason;
}

std::optional<CaseBook::KeyInfo> CaseBook::KeyAt(const LmdbTxn& txn, const PublicKey& key, int64_t at_ms) const {
  if (key == options_.hub.own_key) return KeyInfo{options_.hub.role, options_.hub.county, ""};
  if (options_.hub.city_key && key == *options_.hub.city_key) return KeyInfo{"city", "", ""};
  // The enrollment in force at `at_ms`: the latest one received at or before it (entries sort by
  // receipt, enroller, seq); a record older than every enrollment (a clock set back) takes the
  // earliest.
  std::optional<Bytes> chosen_value, first_value;
  LmdbCursor cursor(txn, keys_);
  ByteView prefix(key.data(), key.size());
  for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
    const int64_t from = SignedFromSortable(DecodeBigEndian64(cursor.key().data() + 32));
    if (!first_value) first_value = Bytes(cursor.value().begin(), cursor.value().end());
    if (from <= at_ms) chosen_value = Bytes(cursor.value().begin(), cursor.value().end());
  }
  const std::optional<Bytes>& value = chosen_value ? chosen_value : first_value;
  if (!value) return std::nullopt;
  KeyInfo info;
  ByteView in(*value);
  for (std::string* s : {&info.role, &info.county, &info.outlet_id}) {
    std::optional<std::string> text = GetShortString(in);
    if (!text) throw Error(ErrorCode::kProjection, "proj_keys: a damaged entry; rebuild with bangban-hub reindex");
    *s = std::move(*text);
  }
  return info;
}

void CaseBook::Fold(LmdbTxn& txn, const Record& record, int64_t received_ms) {
  const Json& body = record.body();
  if (record.type() == "key.enroll") {
    // Enrollment history, so that a record is attributed to the outlet and county its author
    // was enrolled for when the hub received it.
    const Json::binary_t& subject = body["key"].get_binary();
    Bytes key(subject.begin(), subject.end());
    PutSortableInt64(key, received_ms);
    PutRaw(key, record.author());
    PutBigEndian64(key, record.seq());
    txn.Put(keys_, key, EncodeKeyInfo(body["role"], body["county"], body.value("outlet_id", "")));
    return;
  }
  const std::optional<CaseAction> action = CaseActionOfType(record.type());
  if (!action) return;
  const std::string& app_id = body["app_id"].get_ref<const std::string&>();
  const std::optional<KeyInfo> author = KeyAt(txn, record.author(), received_ms);
  // Applications come from outlets and reviews from county hubs; anything else never joins a
  // case (an outlet cannot approve its own application, a city does not review). It is stored
  // (principle 6) and kept here, so that the reports count it and audit names it.
  if (!author || author->role != (IsReview(*action) ? "county" : "outlet")) {
    const std::string who = author ? "a key enrolled as " + author->role : "a key with no enrollment";
    NoteIgnored(txn, record, record.type() + " by " + who);
    return;
  }

  CaseEvent event;
  event.action = *action;
  event.author = record.author();
  event.seq = record.seq();
  event.received_ms = received_ms;
  event.ts_ms = record.envelope().ts;
  if (IsReview(*action)) {
    event.reviewer = body["reviewer"];
    event.uscc = body.value("uscc", "");
    event.outlet_id = body.value("outlet_id", "");  // "": an old record, the first owner's case
  } else {
    event.outlet_id = author->outlet_id;
  }
  if (*action == CaseAction::kSubmit) {
    event.app_kind = body["kind"];
    event.entity_type = body["entity_type"];
    event.channel = body["channel"];
    event.fee_cents = body["fee_cents"].get<int64_t>();
  }

  if (*action == CaseAction::kSubmit) {
    auto value = txn.Get(meta_, AsBytes(kLatestSubmit));
    if (!value || value->size() != 8 || SignedFromSortable(DecodeBigEndian64(value->data())) < received_ms) {
      Bytes latest;
      PutSortableInt64(latest, received_ms);
      txn.Put(meta_, AsBytes(kLatestSubmit), latest);
    }
  }

  const bool strict = IsReview(*action) && record.author() == options_.hub.own_key &&
                      reviewing_thread_.load() == std::this_thread::get_id();
  if (strict) {
    ErrorCode code = ErrorCode::kInternal;
    std::string problem = ReviewProblem(txn, app_id, author->county, event, &code);
    if (!problem.empty()) throw Error(code, problem);  // aborts the append: nothing is written
  }

  // Every case of this app_id in the county: an old review record's case depends on which
  // outlet filed first, so they are derived together from all their events.
  const Bytes group = CaseGroupKey(app_id, author->county);
  std::vector<CaseEvent> events;
  std::vector<Bytes> old_keys, old_open;
  std::set<std::string> filed_by;  // outlets with an app.submit before this record
  {
    LmdbCursor cursor(txn, cases_);
    for (bool ok = cursor.Seek(group); ok && HasPrefix(cursor.key(), group); ok = cursor.Next()) {
      const Bytes key(cursor.key().begin(), cursor.key().end());
      CaseFile file = DecodeCase(key, cursor.value());
      for (CaseEvent& e : file.events) {
        if (e.author == event.author && e.seq == event.seq) return;  // folded already (idempotent)
        if (e.action == CaseAction::kSubmit) filed_by.insert(e.outlet_id);
        events.push_back(std::move(e));
      }
      if (auto open = OpenKey(file.summary, key)) old_open.push_back(std::move(*open));
      old_keys.push_back(key);
    }
  }
  if (*action == CaseAction::kSubmit && !filed_by.empty() && !filed_by.count(event.outlet_id)) {
    NoteCollision(app_id, author->county, event.outlet_id, filed_by);
  }
  events.push_back(std::move(event));
  std::vector<CaseFile> files = DeriveCases(app_id, author->county, std::move(events), ProfileLookup(txn));
  for (const Bytes& key : old_open) txn.Del(open_, key);
  std::set<Bytes> new_keys;
  for (const CaseFile& file : files) {
    const Bytes key = CaseKey(file.app_id, file.county, file.outlet_id);
    txn.Put(cases_, key, EncodeCase(file));
    if (const std::optional<Bytes> open = OpenKey(file.summary, key)) txn.Put(open_, *open, ByteView());
    new_keys.insert(key);
  }
  for (const Bytes& key : old_keys) {
    if (!new_keys.count(key)) txn.Del(cases_, key);  // its events moved to the first owner's case
  }
}

// ---- reviews ------------------------------------------------------------------------------

std::string CaseBook::ReviewProblem(const LmdbTxn& txn, const std::string& app_id, const std::string& county,
                                    const CaseEvent& event, ErrorCode* code) const {
  const std::string app = "app " + app_id;
  if (options_.hub.role != "county") {
    *code = ErrorCode::kNotCounty;
    return "only a county hub reviews applications; this is the city hub";
  }
  std::optional<CaseSummary> summary;
  if (auto row = txn.Get(cases_, CaseKey(app_id, county, event.outlet_id))) summary = DecodeSummary(*row);
  if (!summary || summary->state == CaseState::kNone) {
    const Bytes prefix = CaseKeyPrefix(app_id);
    std::vector<std::string> here;  // outlets of this county whose application of app_id is held
    LmdbCursor cursor(txn, cases_);
    for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      std::string other_app, other_county, other_outlet;
      ParseCaseKey(cursor.key(), other_app, other_county, other_outlet);
      if (DecodeSummary(cursor.value()).state == CaseState::kNone) continue;
      if (other_county == county) {
        here.push_back(other_outlet);
      } else {
        *code = ErrorCode::kOtherCounty;
        return app + " is a case of county " + other_county + "; this hub reviews the cases of county " + county +
               " only";
      }
    }
    *code = ErrorCode::kUnknownApp;
    if (!here.empty()) {
      return "no application '" + app_id + "' of outlet " + event.outlet_id +
             " has been received by this hub; it was filed by " + JoinOutlets(here) +
             ": give --outlet with one of them";
    }
    return "no application '" + app_id + "' has been received by this hub (county " + county +
           "); import the outlet's records first";
  }
  std::string problem = WorkflowProblem(summary->state, event.action);
  if (!problem.empty()) {
    *code = ErrorCode::kWorkflow;
    return "cannot " + std::string(ToString(event.action)) + " " + app + ": " + problem;
  }
  const bool establish = summary->app_kind == "establish";
  if (event.action == CaseAction::kApprove && establish && event.uscc.empty()) {
    *code = ErrorCode::kWorkflow;
    return "cannot approve " + app +
           ": it is an establish application, and approving it issues the new entity's unified social credit "
           "code (统一社会信用代码); give --uscc CODE";
  }
  if (!event.uscc.empty() && !(event.action == CaseAction::kApprove && establish)) {
    *code = ErrorCode::kUsage;
    return "--uscc is issued only when approving an establish application; " + app + " is a " + summary->app_kind +
           " application";
  }
  return "";
}

ReviewOutcome CaseBook::Review(const SigningKey& hub_key, const ReviewRequest& request) {
  const std::string action(ToString(request.action));
  if (!IsReview(request.action)) throw Error(ErrorCode::kUsage, "'" + action + "' is not a review action");
  // Checked here as well as in the fold: a city's own records never join a case, so the fold's
  // strict check would not see them.
  if (options_.hub.role != "county") {
    throw Error(ErrorCode::kNotCounty, "only a county hub reviews applications; this is the city hub");
  }
  if (request.reason.empty() && request.action == CaseAction::kCorrect) {
    throw Error(ErrorCode::kUsage, "review correct needs --reason: say what the applicant must correct (补正)");
  }
  if (request.reason.empty() && request.action == CaseAction::kReject) {
    throw Error(ErrorCode::kUsage, "review reject needs --reason: say why the application is rejected (驳回)");
  }
  if (!request.uscc.empty() && request.action != CaseAction::kApprove) {
    throw Error(ErrorCode::kUsage, "--uscc goes with approve only (the code issued to a new entity)");
  }
  const std::string outlet = ResolveOutlet(request.app_id, request.outlet_id);
  std::string reviewer = request.reviewer;
  if (request.auto_assign) {
    if (request.action != CaseAction::kAssign) throw Error(ErrorCode::kUsage, "--auto goes with assign only");
    if (!reviewer.empty()) throw Error(ErrorCode::kUsage, "give either --reviewer or --auto, not both");
    reviewer = PickReviewer(request.app_id, outlet);
  }
  if (reviewer.empty())
    throw Error(ErrorCode::kUsage, "--reviewer is required: the reviewer who acts (or assign --auto)");
  if (options_.operators != nullptr) {
    options_.operators->RequireActive(
        reviewer, kReviewerRole,
        request.action == CaseAction::kAssign ? "be assigned applications" : "review applications");
  }

  Json body = {{"app_id", request.app_id}, {"reviewer", reviewer}};
  if (!outlet.empty()) body["outlet_id"] = outlet;  // the very application, whoever else filed its app_id
  if (!request.reason.empty()) body["reason"] = request.reason;
  if (!request.uscc.empty()) body["uscc"] = request.uscc;
  std::vector<Record> appended;
  {
    ReviewingScope scope(reviewing_thread_);
    appended = store_.AppendOwn(hub_key, {{"review." + action, body}});
  }
  std::optional<CaseFile> file = Find(request.app_id, options_.hub.county, outlet);
  return {appended.front(), reviewer, file ? file->summary.state : CaseState::kNone, outlet};
}

std::vector<std::string> CaseBook::FiledBy(const std::string& app_id, const std::string& county) const {
  std::vector<std::string> outlets;
  for (const CaseFile& file : Cases(app_id, county)) {
    if (file.summary.state != CaseState::kNone) outlets.push_back(file.outlet_id);
  }
  return outlets;
}

std::string CaseBook::ResolveOutlet(const std::string& app_id, const std::string& outlet_id) const {
  if (options_.hub.role != "county") return outlet_id;  // refused as not_county on append
  const std::vector<std::string> filed_by = FiledBy(app_id, options_.hub.county);
  if (!outlet_id.empty()) {
    if (!filed_by.empty() && std::find(filed_by.begin(), filed_by.end(), outlet_id) == filed_by.end()) {
      throw Error(ErrorCode::kUnknownApp, "no application '" + app_id + "' of outlet " + outlet_id +
                                              " has been received by this hub; it was filed by " +
                                              JoinOutlets(filed_by) + ": give --outlet with one of them");
    }
    return outlet_id;
  }
  if (filed_by.size() > 1) {
    throw Error(ErrorCode::kAmbiguousApp, "app_id " + app_id + " was filed by " + std::to_string(filed_by.size()) +
                                              " outlets of county " + options_.hub.county + ": " +
                                              JoinOutlets(filed_by) +
                                              "; they are different applications: say which with --outlet OUTLET_ID");
  }
  return filed_by.empty() ? "" : filed_by.front();  // none: the append's check says why
}

std::string CaseBook::PickReviewer(const std::string& app_id, const std::string& outlet_id) const {
  if (review_.roster.empty()) {
    throw Error(ErrorCode::kConfig,
                "hub.toml [review] roster is empty: list the reviewers on duty (roster = [\"r01\", \"r02\"]), "
                "or assign by hand with --reviewer");
  }
  std::vector<std::string> on_duty;
  for (const std::string& r : review_.roster) {
    if (options_.operators == nullptr || options_.operators->IsActive(r, kReviewerRole)) on_duty.push_back(r);
  }
  if (on_duty.empty()) {
    throw Error(ErrorCode::kConfig,
                "no reviewer of hub.toml [review] roster is an active reviewer of this hub (bangban-hub user add "
                "--role reviewer); assign by hand with --reviewer");
  }
  std::map<std::string, size_t> load;
  for (const std::string& r : on_duty) load[r] = 0;
  const Bytes self = CaseKey(app_id, options_.hub.county, outlet_id);
  ScanOpen([&](const LmdbTxn&, ByteView key, ByteView value) {
    if (std::equal(key.begin(), key.end(), self.begin(), self.end())) return;
    auto it = load.find(DecodeSummary(value).assigned_reviewer);
    if (it != load.end()) ++it->second;
  });
  const std::string* best = &on_duty.front();
  for (const std::string& r : on_duty) {
    if (load[r] < load[*best]) best = &r;  // strict: ties keep the earlier roster entry
  }
  return *best;
}

// ---- reading ------------------------------------------------------------------------------

void CaseBook::ScanCases(const CaseVisitor& visit) const {
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, cases_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) visit(txn, cursor.key(), cursor.value());
  });
}

void CaseBook::ScanOpen(const CaseVisitor& visit) const {
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, open_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      ByteView case_key = cursor.key().subspan(8);
      auto row = txn.Get(cases_, case_key);
      if (!row)
        throw Error(ErrorCode::kProjection,
                    "proj_open names a case that is not in proj_cases; run bangban-hub reindex");
      visit(txn, case_key, *row);
    }
  });
}

CaseStanding CaseBook::StandingAt(const LmdbTxn& txn, const CaseSummary& summary, ByteView key, ByteView value,
                                  int64_t at_ms) const {
  CaseStanding st;
  if (IsCompleted(summary.state) && summary.last_event_ms <= at_ms) {
    // Completed, and nothing arrived after `at_ms`: the stored figures are final.
    st.state = summary.state;
    st.colour = SlaColour::kDone;
    st.completed = true;
    st.met = summary.met;
    st.breached = summary.breached;
    st.first_pass = summary.first_pass;
    st.statutory_breach = summary.statutory_breach;
    st.provisional = summary.provisional;
    st.deadline_ms = summary.deadline_ms;
    st.elapsed_ms = summary.elapsed_ms;
    st.end_ms = summary.end_ms;
    st.returns = summary.returns;
    st.late_returns = summary.late_returns;
    st.conflicts = summary.conflicts;
    st.transit_delay_ms = summary.transit_delay_ms;
    return st;
  }
  CaseFile file = DecodeCase(key, value);
  if (summary.last_event_ms > at_ms) file = CaseAsOf(file, at_ms, ProfileLookup(txn));
  const CaseSummary& s = file.summary;
  st.state = s.state;
  st.conflicts = s.conflicts;
  if (s.state == CaseState::kNone) return st;  // not received by then
  std::shared_ptr<const SlaProfile> profile = Profile(txn, s.profile_id);
  const std::vector<SlaEvent> clock = ClockEvents(file);
  const SlaResult r = ComputeSla(profile->settings, profile->calendar, clock, at_ms);
  st.colour = r.colour;
  st.completed = r.completed;
  st.met = r.met;
  st.breached = r.breached;
  st.first_pass = r.first_pass;
  st.statutory_breach = r.statutory_breach;
  st.provisional = r.provisional;
  if (!r.cycles.empty()) {
    st.deadline_ms = r.cycles.back().deadline_ms;
    if (r.completed) st.end_ms = r.cycles.back().end_ms.value_or(0);
  }
  st.elapsed_ms = r.elapsed_working_ms;
  st.returns = static_cast<uint32_t>(r.returns);
  st.late_returns = static_cast<uint32_t>(r.late_returns);
  st.transit_delay_ms = r.transit_delay_ms.value_or(0);
  return st;
}

std::vector<CaseFile> CaseBook::Cases(const std::string& app_id, const std::string& county) const {
  std::vector<CaseFile> files;
  const Bytes group = CaseGroupKey(app_id, county);
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, cases_);
    for (bool ok = cursor.Seek(group); ok && HasPrefix(cursor.key(), group); ok = cursor.Next()) {
      files.push_back(DecodeCase(cursor.key(), cursor.value()));
    }
  });
  return files;
}

std::vector<std::string> CaseBook::CountiesOf(const std::string& app_id) const {
  std::vector<std::string> counties;
  const Bytes prefix = CaseKeyPrefix(app_id);
  std::string app, county, outlet;
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, cases_);
    for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      if (DecodeSummary(cursor.value()).state == CaseState::kNone) continue;
      ParseCaseKey(cursor.key(), app, county, outlet);
      if (counties.empty() || counties.back() != county) counties.push_back(county);  // keys sort by county
    }
  });
  return counties;
}

std::optional<CaseFile> CaseBook::Find(const std::string& app_id, const std::string& county,
                                       const std::optional<std::string>& outlet_id) const {
  std::vector<CaseFile> files = Cases(app_id, county);
  const CaseFile* chosen = nullptr;
  for (const CaseFile& file : files) {
    if (outlet_id) {
      if (file.outlet_id == *outlet_id) chosen = &file;
      continue;
    }
    // The first owner's: received first (then by key), else an outlet-less one.
    const bool received = file.summary.state != CaseState::kNone;
    const bool chosen_received = chosen != nullptr && chosen->summary.state != CaseState::kNone;
    if (chosen == nullptr || (received && !chosen_received) ||
        (received && std::tie(file.summary.received_ms, file.summary.outlet_key) <
                         std::tie(chosen->summary.received_ms, chosen->summary.outlet_key))) {
      chosen = &file;
    }
  }
  if (chosen == nullptr) return std::nullopt;
  return *chosen;
}

std::shared_ptr<const SlaProfile> CaseBook::CurrentProfile() const {
  std::shared_ptr<const SlaProfile> profile;
  store_.env().Read([&](LmdbTxn& txn) { profile = profiles_.ById(txn, current_profile_); });
  return profile;
}

void CaseBook::RequireComplete() const {
  bool rebuilding = false;
  store_.env().Read([&](LmdbTxn& txn) { rebuilding = txn.Get(meta_, AsBytes(kRebuilding)).has_value(); });
  if (rebuilding) {
    throw Error(ErrorCode::kProjection,
                "the application projection is being rebuilt, or a rebuild was interrupted: run bangban-hub "
                "reindex --data DIR, then ask again");
  }
}

std::string CaseBook::Dump() const {
  std::string out;
  const std::vector<std::pair<std::string, MDB_dbi>> tables = {{"proj_cases", cases_},
                                                               {"proj_ignored", ignored_},
                                                               {"proj_keys", keys_},
                                                               {"proj_meta", meta_},
                                                               {"proj_open", open_}};
  store_.env().Read([&](LmdbTxn& txn) {
    for (const auto& [name, dbi] : tables) {
      LmdbCursor cursor(txn, dbi);
      for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
        out += name + " " + ToHex(cursor.key()) + " " + ToHex(cursor.value()) + "\n";
      }
    }
  });
  return out;
}

// ---- rebuilding ---------------------------------------------------------------------------

uint64_t CaseBook::FoldFeed(const PublicKey& author, bool key_records_only, std::vector<PublicKey>* enrollers,
                            uint64_t* damaged) {
  uint64_t visited = 0;
  uint64_t from = 1;
  for (;;) {
    // Read a chunk, then fold it in its own write transaction: the reads happen outside the
    // write, and a feed of millions of records never sits in memory at once.
    std::vector<Record> chunk;
    uint64_t scanned = 0;
    store_.ScanFeed(
        author, from, std::numeric_limits<uint64_t>::max(),
        [&](const Record& r) {
          from = r.seq() + 1;
          ++scanned;
          if (!key_records_only || r.type() == "key.enroll") chunk.push_back(r);
          return chunk.size() < kReindexChunk && scanned < kReindexChunk * 16;
        },
        [&](const FeedStore::DamagedRecord& d) {  // Reindex checked first that leaving it out is wanted
          from = d.seq + 1;
          ++scanned;
          if (!key_records_only) ++*damaged;
        });
    if (scanned == 0) break;
    visited += scanned;
    std::vector<int64_t> received;
    for (const Record& r : chunk) {
      std::optional<int64_t> at = store_.ReceivedAt(r.id());
      if (!at) throw Error(ErrorCode::kProjection, "record " + ToHex(r.id()) + " has no receipt time in the store");
      received.push_back(*at);
    }
    store_.env().Write([&](LmdbTxn& txn) {
      for (size_t i = 0; i < chunk.size(); ++i) Fold(txn, chunk[i], received[i]);
    });
    if (enrollers != nullptr) {
      for (const Record& r : chunk) {
        const std::string& role = r.body()["role"].get_ref<const std::string&>();
        if (role == "county" || role == "city") {
          const Json::binary_t& key = r.body()["key"].get_binary();
          PublicKey subject;
          std::copy(key.begin(), key.end(), subject.begin());
          enrollers->push_back(subject);
        }
      }
    }
  }
  return visited;
}

ReindexStats CaseBook::Reindex(bool leave_out_damaged) {
  // Damage is looked for before anything is dropped: a rebuild that would lose cases the
  // projection still shows happens only when asked for.
  if (!leave_out_damaged) {
    std::vector<std::string> damaged;
    store_.ScanAll([](const Record&) { return true; },
                   [&](const FeedStore::DamagedRecord& d) {
                     damaged.push_back("feed " + KeyId(d.author) + " seq " + std::to_string(d.seq) + ": " + d.problem);
                   });
    if (!damaged.empty()) {
      std::string list;
      for (size_t i = 0; i < damaged.size() && i < 20; ++i) list += "\n  " + damaged[i];
      throw Error(ErrorCode::kCorruptRecord,
                  std::to_string(damaged.size()) +
                      " stored record(s) are damaged, so reindex changed nothing and the queue and "
                      "reports are as they were; restore the store from a backup, or rebuild "
                      "without them with `reindex --leave-out-damaged`:" +
                      list);
    }
  }
  ReindexStats stats;
  store_.env().Write([&](LmdbTxn& txn) {
    for (MDB_dbi dbi : ProjectionTables()) {
      int rc = mdb_drop(txn.raw(), dbi, 0);
      if (rc != 0) ThrowLmdb("drop", rc);
    }
    // Marks the projection incomplete until the last chunk is folded, so that a report never
    // shows figures with cases missing, even after a crash mid-way.
    txn.Put(meta_, AsBytes(kRebuilding), AsBytes("1"));
  });
  // Enrollments first: a record is attributed through its author's enrollment, so the key
  // records of the enrolling hubs (the roots, then every county or city key they enrolled) are
  // folded before anything else.
  std::vector<PublicKey> enrollers = {options_.hub.own_key};
  if (options_.hub.city_key) enrollers.push_back(*options_.hub.city_key);
  std::set<PublicKey> seen;
  while (!enrollers.empty()) {
    PublicKey author = enrollers.back();
    enrollers.pop_back();
    if (!seen.insert(author).second) continue;
    FoldFeed(author, true, &enrollers, &stats.damaged);
  }
  for (const auto& [author, head] : store_.Heads()) stats.records += FoldFeed(author, false, nullptr, &stats.damaged);
  stats.records -= stats.damaged;  // passed over, not folded
  store_.env().Write([&](LmdbTxn& txn) {
    txn.Del(meta_, AsBytes(kRebuilding));
    txn.Put(meta_, AsBytes(kFormat), AsBytes(kFormatVersion));
    MDB_stat stat;
    mdb_stat(txn.raw(), cases_, &stat);
    stats.cases = stat.ms_entries;
  });
  return stats;
}

// ---- the live clock -----------------------------------------------------------------------

std::vector<ColourChange> CaseBook::AdvanceClock(int64_t now_ms) {
  std::lock_guard lock(clock_mutex_);
  std::vector<ColourChange> changes;
  std::map<Bytes, SlaColour> current;
  auto note = [&](const Bytes& key, const CaseSummary& summary, const CaseStanding& st) {
    auto it = watched_.find(key);
    const SlaColour before = it == watched_.end() ? SlaColour::kNone : it->second;
    if (before == st.colour) return;
    ColourChange change;
    ParseCaseKey(key, change.app_id, change.county, change.outlet_id);
    change.from = before;
    change.to = st.colour;
    change.deadline_ms = st.deadline_ms;
    change.reviewer = summary.reviewer;
    changes.push_back(std::move(change));
  };
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, open_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      const ByteView case_key = cursor.key().subspan(8);
      auto row = txn.Get(cases_, case_key);
      if (!row) continue;
      const CaseSummary summary = DecodeSummary(*row);
      const CaseStanding st = StandingAt(txn, summary, case_key, *row, now_ms);
      const Bytes key(case_key.begin(), case_key.end());
      note(key, summary, st);
      current[key] = st.colour;
    }
    // Cases that left the queue since the last call: completed, or gone after a rebuild.
    for (const auto& [key, colour] : watched_) {
      if (current.count(key)) continue;
      CaseSummary summary;
      CaseStanding st;
      if (auto row = txn.Get(cases_, key)) {
        summary = DecodeSummary(*row);
        st = StandingAt(txn, summary, key, *row, now_ms);
      }
      note(key, summary, st);
    }
  });
  watched_ = std::move(current);
  return changes;
}

}  // namespace bangban
