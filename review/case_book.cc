#include "review/case_book.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include "crypto/error.h"
#include "protocol/clock.h"

namespace bangban {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
// Cases waiting for the applicant sort after every running one in proj_open.
constexpr uint64_t kPausedSortKey = std::numeric_limits<uint64_t>::max();
constexpr size_t kReindexChunk = 2048;  // records per write transaction while rebuilding
const std::string kRebuilding = "rebuilding";
// The latest hub receipt of an app.submit folded so far: a new SLA profile never takes effect
// before it (SlaProfileTable::Register). A maximum, so folding stays order-independent.
const std::string kLatestSubmit = "latest_submit_ms";

void PutBiased(Bytes& out, int64_t v) {
  size_t at = out.size();
  out.resize(at + 8);
  PutBigEndian64(out.data() + at, static_cast<uint64_t>(v) ^ kSignBit);
}

// proj_open key of a case: where it stands in the queue. nullopt: not in the queue.
std::optional<Bytes> OpenKey(const CaseSummary& s, const Bytes& case_key) {
  if (!IsRunning(s.state) && s.state != CaseState::kCorrectionRequested) return std::nullopt;
  Bytes key;
  if (IsRunning(s.state)) {
    PutBiased(key, s.deadline_ms);
  } else {
    key.resize(8);
    PutBigEndian64(key.data(), kPausedSortKey);
  }
  key.insert(key.end(), case_key.begin(), case_key.end());
  return key;
}

Bytes EncodeKeyInfo(const std::string& role, const std::string& county, const std::string& outlet_id) {
  Bytes out;
  for (const std::string* s : {&role, &county, &outlet_id}) {
    if (s->size() > 255) throw Error(ErrorCode::kInvalidBody, "key.enroll: a field is longer than 255 bytes");
    out.push_back(static_cast<uint8_t>(s->size()));
    out.insert(out.end(), s->begin(), s->end());
  }
  return out;
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
  std::vector<CalendarSource> sources = ReadCalendarSources(options_.data_dir, review_.calendars);
  int64_t latest_submit = std::numeric_limits<int64_t>::min();
  env.Read([&](LmdbTxn& txn) {
    if (auto value = txn.Get(meta_, AsBytes(kLatestSubmit)); value && value->size() == 8) {
      latest_submit = static_cast<int64_t>(GetBigEndian64(value->data()) ^ kSignBit);
    }
  });
  const int64_t not_before = latest_submit == std::numeric_limits<int64_t>::min() ? latest_submit : latest_submit + 1;
  current_profile_ = profiles_.Register(review_.sla, sources, NowMs(), not_before);
}

StoreObserver CaseBook::Observer() {
  return [this](LmdbTxn& txn, const Record& record, int64_t received_ms) { Fold(txn, record, received_ms); };
}

std::vector<MDB_dbi> CaseBook::ProjectionTables() const { return {cases_, keys_, meta_, open_}; }

ProfileAt CaseBook::ProfileLookup(const LmdbTxn& txn) const {
  return [this, &txn](int64_t at) { return profiles_.At(txn, at); };
}

std::shared_ptr<const SlaProfile> CaseBook::Profile(const LmdbTxn& txn, uint32_t id) const {
  return profiles_.ById(txn, id);
}

// ---- the fold -----------------------------------------------------------------------------

std::optional<CaseBook::KeyInfo> CaseBook::KeyAt(const LmdbTxn& txn, const PublicKey& key, int64_t at_ms) const {
  if (key == options_.hub.own_key) return KeyInfo{options_.hub.role, options_.hub.county, ""};
  if (options_.hub.city_key && key == *options_.hub.city_key) return KeyInfo{"city", "", ""};
  // The enrolment in force at `at_ms`: the latest one received at or before it (entries sort by
  // receipt, enroller, seq); a record older than every enrolment (a clock set back) takes the
  // earliest.
  std::optional<Bytes> chosen_value, first_value;
  LmdbCursor cursor(txn, keys_);
  ByteView prefix(key.data(), key.size());
  for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
    const int64_t from = static_cast<int64_t>(GetBigEndian64(cursor.key().data() + 32) ^ kSignBit);
    if (!first_value) first_value = Bytes(cursor.value().begin(), cursor.value().end());
    if (from <= at_ms) chosen_value = Bytes(cursor.value().begin(), cursor.value().end());
  }
  const std::optional<Bytes>& value = chosen_value ? chosen_value : first_value;
  if (!value) return std::nullopt;
  KeyInfo info;
  size_t pos = 0;
  for (std::string* s : {&info.role, &info.county, &info.outlet_id}) {
    if (pos >= value->size() || pos + 1 + (*value)[pos] > value->size()) {
      throw Error(ErrorCode::kProjection, "proj_keys: a damaged entry; rebuild with bangban-hub reindex");
    }
    s->assign(reinterpret_cast<const char*>(value->data() + pos + 1), (*value)[pos]);
    pos += 1 + (*value)[pos];
  }
  return info;
}

void CaseBook::Fold(LmdbTxn& txn, const Record& record, int64_t received_ms) {
  const Json& body = record.body();
  if (record.type() == "key.enroll") {
    // Enrolment history, so that a record is attributed to the outlet and county its author
    // was enrolled for when the hub received it.
    const Json::binary_t& subject = body["key"].get_binary();
    Bytes key(subject.begin(), subject.end());
    PutBiased(key, received_ms);
    key.insert(key.end(), record.author().begin(), record.author().end());
    key.resize(key.size() + 8);
    PutBigEndian64(key.data() + key.size() - 8, record.seq());
    txn.Put(keys_, key, EncodeKeyInfo(body["role"], body["county"], body.value("outlet_id", "")));
    return;
  }
  const std::optional<CaseAction> action = CaseActionOfType(record.type());
  if (!action) return;
  const std::string& app_id = body["app_id"].get_ref<const std::string&>();
  const std::optional<KeyInfo> author = KeyAt(txn, record.author(), received_ms);
  // Applications come from outlets and reviews from county hubs; anything else never joins a
  // case (an outlet cannot approve its own application, a city does not review).
  if (!author || author->role != (IsReview(*action) ? "county" : "outlet")) return;

  CaseEvent event;
  event.action = *action;
  event.author = record.author();
  event.seq = record.seq();
  event.received_ms = received_ms;
  event.ts_ms = record.envelope().ts;
  if (IsReview(*action)) {
    event.reviewer = body["reviewer"];
    event.uscc = body.value("uscc", "");
  } else if (*action == CaseAction::kSubmit) {
    event.outlet_id = author->outlet_id;
    event.app_kind = body["kind"];
    event.entity_type = body["entity_type"];
    event.channel = body["channel"];
    event.fee_cents = body["fee_cents"].get<int64_t>();
  }

  if (*action == CaseAction::kSubmit) {
    auto value = txn.Get(meta_, AsBytes(kLatestSubmit));
    if (!value || value->size() != 8 ||
        static_cast<int64_t>(GetBigEndian64(value->data()) ^ kSignBit) < received_ms) {
      Bytes latest;
      PutBiased(latest, received_ms);
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

  const Bytes key = CaseKey(app_id, author->county);
  CaseFile file;
  std::optional<Bytes> old_open;
  if (auto row = txn.Get(cases_, key)) {
    file = DecodeCase(key, *row);
    old_open = OpenKey(file.summary, key);
    for (const CaseEvent& e : file.events) {
      if (e.author == event.author && e.seq == event.seq) return;  // folded already (idempotent)
    }
  } else {
    file.app_id = app_id;
    file.county = author->county;
  }
  file.events.push_back(std::move(event));
  DeriveCase(file, ProfileLookup(txn));
  txn.Put(cases_, key, EncodeCase(file));
  const std::optional<Bytes> new_open = OpenKey(file.summary, key);
  if (old_open && old_open != new_open) txn.Del(open_, *old_open);
  if (new_open) txn.Put(open_, *new_open, ByteView());
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
  if (auto row = txn.Get(cases_, CaseKey(app_id, county))) summary = DecodeSummary(*row);
  if (!summary || summary->state == CaseState::kNone) {
    const Bytes prefix = CaseKeyPrefix(app_id);
    LmdbCursor cursor(txn, cases_);
    for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      std::string other_app, other_county;
      ParseCaseKey(cursor.key(), other_app, other_county);
      if (other_county != county && DecodeSummary(cursor.value()).state != CaseState::kNone) {
        *code = ErrorCode::kOtherCounty;
        return app + " is a case of county " + other_county + "; this hub reviews the cases of county " + county +
               " only";
      }
    }
    *code = ErrorCode::kUnknownApp;
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
    return "--uscc is issued only when approving an establish application; " + app + " is a " +
           summary->app_kind + " application";
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
  std::string reviewer = request.reviewer;
  if (request.auto_assign) {
    if (request.action != CaseAction::kAssign) throw Error(ErrorCode::kUsage, "--auto goes with assign only");
    if (!reviewer.empty()) throw Error(ErrorCode::kUsage, "give either --reviewer or --auto, not both");
    reviewer = PickReviewer(request.app_id);
  }
  if (reviewer.empty()) throw Error(ErrorCode::kUsage, "--reviewer is required: the reviewer who acts (or assign --auto)");

  Json body = {{"app_id", request.app_id}, {"reviewer", reviewer}};
  if (!request.reason.empty()) body["reason"] = request.reason;
  if (!request.uscc.empty()) body["uscc"] = request.uscc;
  std::vector<Record> appended;
  {
    ReviewingScope scope(reviewing_thread_);
    appended = store_.AppendOwn(hub_key, {{"review." + action, body}});
  }
  std::optional<CaseFile> file = Find(request.app_id, options_.hub.county);
  return {appended.front(), reviewer, file ? file->summary.state : CaseState::kNone};
}

std::string CaseBook::PickReviewer(const std::string& app_id) const {
  if (review_.roster.empty()) {
    throw Error(ErrorCode::kConfig,
                "hub.toml [review] roster is empty: list the reviewers on duty (roster = [\"r01\", \"r02\"]), "
                "or assign by hand with --reviewer");
  }
  std::map<std::string, size_t> load;
  for (const std::string& r : review_.roster) load[r] = 0;
  const Bytes self = CaseKey(app_id, options_.hub.county);
  ScanOpen([&](const LmdbTxn&, ByteView key, ByteView value) {
    if (std::equal(key.begin(), key.end(), self.begin(), self.end())) return;
    auto it = load.find(DecodeSummary(value).assigned_reviewer);
    if (it != load.end()) ++it->second;
  });
  const std::string* best = &review_.roster.front();
  for (const std::string& r : review_.roster) {
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
      if (!row) throw Error(ErrorCode::kProjection, "proj_open names a case that is not in proj_cases; run bangban-hub reindex");
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

std::optional<CaseFile> CaseBook::Find(const std::string& app_id, const std::string& county) const {
  std::optional<CaseFile> file;
  const Bytes key = CaseKey(app_id, county);
  store_.env().Read([&](LmdbTxn& txn) {
    if (auto row = txn.Get(cases_, key)) file = DecodeCase(key, *row);
  });
  return file;
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
  const std::vector<std::pair<std::string, MDB_dbi>> tables = {
      {"proj_cases", cases_}, {"proj_keys", keys_}, {"proj_meta", meta_}, {"proj_open", open_}};
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

uint64_t CaseBook::FoldFeed(const PublicKey& author, bool key_records_only, std::vector<PublicKey>* enrollers) {
  uint64_t visited = 0;
  uint64_t from = 1;
  for (;;) {
    // Read a chunk, then fold it in its own write transaction: the reads happen outside the
    // write, and a feed of millions of records never sits in memory at once.
    std::vector<Record> chunk;
    uint64_t scanned = 0;
    store_.ScanFeed(author, from, std::numeric_limits<uint64_t>::max(), [&](const Record& r) {
      from = r.seq() + 1;
      ++scanned;
      if (!key_records_only || r.type() == "key.enroll") chunk.push_back(r);
      return chunk.size() < kReindexChunk && scanned < kReindexChunk * 16;
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

ReindexStats CaseBook::Reindex() {
  store_.env().Write([&](LmdbTxn& txn) {
    for (MDB_dbi dbi : ProjectionTables()) {
      int rc = mdb_drop(txn.raw(), dbi, 0);
      if (rc != 0) ThrowLmdb("drop", rc);
    }
    // Marks the projection incomplete until the last chunk is folded, so that a report never
    // shows figures with cases missing, even after a crash mid-way.
    txn.Put(meta_, AsBytes(kRebuilding), AsBytes("1"));
  });
  // Enrolments first: a record is attributed through its author's enrolment, so the key
  // records of the enrolling hubs (the roots, then every county or city key they enrolled) are
  // folded before anything else.
  std::vector<PublicKey> enrollers = {options_.hub.own_key};
  if (options_.hub.city_key) enrollers.push_back(*options_.hub.city_key);
  std::set<PublicKey> seen;
  while (!enrollers.empty()) {
    PublicKey author = enrollers.back();
    enrollers.pop_back();
    if (!seen.insert(author).second) continue;
    FoldFeed(author, true, &enrollers);
  }
  ReindexStats stats;
  for (const auto& [author, head] : store_.Heads()) stats.records += FoldFeed(author, false, nullptr);
  store_.env().Write([&](LmdbTxn& txn) {
    txn.Del(meta_, AsBytes(kRebuilding));
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
    ParseCaseKey(key, change.app_id, change.county);
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
