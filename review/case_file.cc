#include "review/case_file.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "crypto/coding.h"
#include "crypto/error.h"

namespace bangban {

// ---- names and the workflow ---------------------------------------------------------------

std::string_view ToString(CaseAction action) {
  switch (action) {
    case CaseAction::kSubmit:
      return "submit";
    case CaseAction::kResubmit:
      return "resubmit";
    case CaseAction::kAccept:
      return "accept";
    case CaseAction::kAssign:
      return "assign";
    case CaseAction::kCorrect:
      return "correct";
    case CaseAction::kApprove:
      return "approve";
    case CaseAction::kReject:
      return "reject";
  }
  return "unknown";
}

std::optional<CaseAction> CaseActionOfType(std::string_view type) {
  if (type == "app.submit") return CaseAction::kSubmit;
  if (type == "app.resubmit") return CaseAction::kResubmit;
  if (type.starts_with("review.")) return ParseReviewAction(type.substr(7));
  return std::nullopt;
}

std::optional<CaseAction> ParseReviewAction(std::string_view name) {
  if (name == "accept") return CaseAction::kAccept;
  if (name == "assign") return CaseAction::kAssign;
  if (name == "correct") return CaseAction::kCorrect;
  if (name == "approve") return CaseAction::kApprove;
  if (name == "reject") return CaseAction::kReject;
  return std::nullopt;
}

bool IsReview(CaseAction action) { return action != CaseAction::kSubmit && action != CaseAction::kResubmit; }

std::string_view ToString(CaseState state) {
  switch (state) {
    case CaseState::kNone:
      return "none";
    case CaseState::kReceived:
      return "received";
    case CaseState::kAccepted:
      return "accepted";
    case CaseState::kCorrectionRequested:
      return "correction_requested";
    case CaseState::kResubmitted:
      return "resubmitted";
    case CaseState::kApproved:
      return "approved";
    case CaseState::kRejected:
      return "rejected";
  }
  return "unknown";
}

bool IsCompleted(CaseState state) { return state == CaseState::kApproved || state == CaseState::kRejected; }

bool IsRunning(CaseState state) {
  return state == CaseState::kReceived || state == CaseState::kAccepted || state == CaseState::kResubmitted;
}

std::string WorkflowProblem(CaseState state, CaseAction action) {
  using S = CaseState;
  using A = CaseAction;
  if (action == A::kSubmit) {
    return state == S::kNone ? "" : "the application was already received (a second app.submit for it)";
  }
  if (state == S::kNone) return "the hub has not received this application (no app.submit)";
  if (IsCompleted(state)) {
    return "the case is already completed (办结: " + std::string(ToString(state)) + "); nothing more can be done to it";
  }
  const std::string now = "the case is " + std::string(ToString(state));
  switch (action) {
    case A::kSubmit:
      break;
    case A::kResubmit:
      if (state == S::kCorrectionRequested) return "";
      return now + ": app.resubmit answers a correction request (补正), and none is outstanding";
    case A::kAssign:
      return "";
    case A::kAccept:
      if (state == S::kReceived) return "";
      if (state == S::kCorrectionRequested) return now + ": it waits for the applicant's resubmission (补正)";
      return now + ": it was already accepted (受理)";
    case A::kCorrect:
    case A::kApprove:
      if (state == S::kAccepted || state == S::kResubmitted) return "";
      if (state == S::kReceived) return now + ": accept it first (受理)";
      return now + ": it waits for the applicant's resubmission (补正)";
    case A::kReject:
      if (IsRunning(state)) return "";
      return now + ": it waits for the applicant's resubmission (补正)";
  }
  return now;
}

// ---- derivation ---------------------------------------------------------------------------

namespace {

// The merge's notion of "earlier": receipt time, then author key, then seq. Total on the
// events of a case, since (author, seq) is unique.
bool Earlier(const CaseEvent& a, const CaseEvent& b) {
  return std::tie(a.received_ms, a.author, a.seq) < std::tie(b.received_ms, b.author, b.seq);
}

std::optional<SlaEventKind> ClockKind(CaseAction action) {
  switch (action) {
    case CaseAction::kSubmit:
      return SlaEventKind::kSubmit;
    case CaseAction::kResubmit:
      return SlaEventKind::kResubmit;
    case CaseAction::kCorrect:
      return SlaEventKind::kCorrect;
    case CaseAction::kApprove:
      return SlaEventKind::kApprove;
    case CaseAction::kReject:
      return SlaEventKind::kReject;
    default:
      return std::nullopt;
  }
}

CaseState Next(CaseState state, CaseAction action) {
  switch (action) {
    case CaseAction::kSubmit:
      return CaseState::kReceived;
    case CaseAction::kResubmit:
      return CaseState::kResubmitted;
    case CaseAction::kAccept:
      return CaseState::kAccepted;
    case CaseAction::kAssign:
      return state;
    case CaseAction::kCorrect:
      return CaseState::kCorrectionRequested;
    case CaseAction::kApprove:
      return CaseState::kApproved;
    case CaseAction::kReject:
      return CaseState::kRejected;
  }
  return state;
}

}  // namespace

void DeriveCase(CaseFile& file, const ProfileAt& profile_at) {
  std::vector<CaseEvent> events = std::move(file.events);
  file.events.clear();
  std::sort(events.begin(), events.end(), [](const CaseEvent& a, const CaseEvent& b) {
    return std::tie(a.author, a.seq) < std::tie(b.author, b.seq);
  });
  CaseSummary s;
  for (const CaseEvent& e : events) s.last_event_ms = std::max(s.last_event_ms, e.received_ms);

  const CaseEvent* first_submit = nullptr;
  for (const CaseEvent& e : events) {
    if (e.action == CaseAction::kSubmit && (first_submit == nullptr || Earlier(e, *first_submit))) first_submit = &e;
  }
  if (first_submit == nullptr) {  // nothing can apply before the app.submit arrives
    for (CaseEvent& e : events) e.fate = EventFate::kIgnored;
    s.ignored = static_cast<uint32_t>(events.size());
    s.other_submits = file.other_submits;
    s.conflicts = file.other_submits;
    s.also_filed_by = file.also_filed_by;
    file.events = std::move(events);
    file.summary = s;
    return;
  }
  const PublicKey owner = first_submit->author;

  // One stream per author (already in seq order); other outlets' records never join the case.
  std::map<PublicKey, std::vector<const CaseEvent*>> streams;
  std::vector<CaseEvent> outsiders;
  for (const CaseEvent& e : events) {
    if (!IsReview(e.action) && e.author != owner) {
      outsiders.push_back(e);
      outsiders.back().fate = e.action == CaseAction::kSubmit ? EventFate::kConflict : EventFate::kIgnored;
    } else {
      streams[e.author].push_back(&e);
    }
  }
  std::map<PublicKey, size_t> position;

  CaseState state = CaseState::kNone;
  std::string completer, last_actor;
  for (;;) {
    const CaseEvent* best = nullptr;
    bool best_valid = false;
    for (const auto& [author, stream] : streams) {
      size_t at = position[author];
      if (at == stream.size()) continue;
      const CaseEvent* head = stream[at];
      const bool valid = WorkflowProblem(state, head->action).empty();
      if (best == nullptr || (valid && !best_valid) || (valid == best_valid && Earlier(*head, *best))) {
        best = head;
        best_valid = valid;
      }
    }
    if (best == nullptr) break;
    ++position[best->author];
    file.events.push_back(*best);
    CaseEvent& e = file.events.back();
    if (!best_valid) {
      e.fate = EventFate::kIgnored;
      ++s.ignored;
      continue;
    }
    e.fate = EventFate::kApplied;
    state = Next(state, e.action);
    switch (e.action) {
      case CaseAction::kSubmit:
        s.outlet_key = e.author;
        s.outlet_id = e.outlet_id;
        s.app_kind = e.app_kind;
        s.entity_type = e.entity_type;
        s.channel = e.channel;
        s.fee_cents = e.fee_cents;
        s.received_ms = e.received_ms;
        break;
      case CaseAction::kAssign:
        s.assigned_reviewer = e.reviewer;
        break;
      case CaseAction::kApprove:
        s.uscc = e.uscc;
        [[fallthrough]];
      case CaseAction::kReject:
        completer = e.reviewer;
        break;
      default:
        break;
    }
    if (IsReview(e.action)) last_actor = e.reviewer;
  }
  for (CaseEvent& e : outsiders) {
    if (e.fate == EventFate::kConflict) {
      ++s.conflicts;
    } else {
      ++s.ignored;
    }
    file.events.push_back(std::move(e));
  }

  s.other_submits = file.other_submits;
  s.conflicts += file.other_submits;
  s.also_filed_by = file.also_filed_by;
  s.state = state;
  s.reviewer = !completer.empty() ? completer : !s.assigned_reviewer.empty() ? s.assigned_reviewer : last_actor;

  std::shared_ptr<const SlaProfile> profile = profile_at(s.received_ms);
  s.profile_id = profile->id;
  std::vector<SlaEvent> clock = ClockEvents(file);
  int64_t now = std::numeric_limits<int64_t>::min();
  for (const SlaEvent& c : clock) now = std::max(now, c.hub_receipt_ms);
  const SlaResult r = ComputeSla(profile->settings, profile->calendar, clock, now);
  if (!r.cycles.empty()) {
    const SlaCycle& cycle = r.cycles.back();
    s.cycle_start_ms = cycle.start_ms;
    s.deadline_ms = cycle.deadline_ms;
    s.allowed_ms = cycle.allowed_working_ms;
    if (r.completed) s.end_ms = cycle.end_ms.value_or(0);
  }
  s.elapsed_ms = r.elapsed_working_ms;
  s.transit_delay_ms = r.transit_delay_ms.value_or(0);
  s.returns = static_cast<uint32_t>(r.returns);
  s.late_returns = static_cast<uint32_t>(r.late_returns);
  s.met = r.completed && r.met;
  s.breached = r.completed && !r.met;
  s.first_pass = r.first_pass;
  s.statutory_breach = r.statutory_breach;
  s.provisional = r.provisional;
  s.ignored += static_cast<uint32_t>(r.ignored_events);  // 0 unless the workflow and clock disagree
  file.summary = s;
}

std::vector<CaseFile> DeriveCases(const std::string& app_id, const std::string& county, std::vector<CaseEvent> events,
                                  const ProfileAt& profile_at) {
  // The first owner: whose app.submit the hub received first. Old review records (no
  // outlet_id) belong to its case; with no app.submit held yet, to the outlet-less case.
  const CaseEvent* first_submit = nullptr;
  std::map<std::string, uint32_t> submits;  // outlet -> app.submit records
  for (const CaseEvent& e : events) {
    if (e.action != CaseAction::kSubmit) continue;
    ++submits[e.outlet_id];
    if (first_submit == nullptr || Earlier(e, *first_submit)) first_submit = &e;
  }
  const std::string first_owner = first_submit != nullptr ? first_submit->outlet_id : "";
  std::map<std::string, CaseFile> files;
  for (CaseEvent& e : events) {
    const std::string& outlet = IsReview(e.action) && e.outlet_id.empty() ? first_owner : e.outlet_id;
    CaseFile& file = files[outlet];
    file.events.push_back(std::move(e));
  }
  std::vector<CaseFile> out;
  for (auto& [outlet, file] : files) {
    file.app_id = app_id;
    file.county = county;
    file.outlet_id = outlet;
    for (const auto& [other, count] : submits) {
      if (other == outlet) continue;
      file.other_submits += count;
      file.also_filed_by.push_back(other);
    }
    DeriveCase(file, profile_at);
    out.push_back(std::move(file));
  }
  return out;
}

std::vector<SlaEvent> ClockEvents(const CaseFile& file) {
  std::vector<SlaEvent> clock;
  for (const CaseEvent& e : file.events) {
    if (e.fate != EventFate::kApplied) continue;
    if (auto kind = ClockKind(e.action)) clock.push_back({*kind, e.received_ms, e.ts_ms});
  }
  return clock;
}

CaseFile CaseAsOf(const CaseFile& file, int64_t at_ms, const ProfileAt& profile_at) {
  CaseFile then;
  then.county = file.county;
  then.app_id = file.app_id;
  then.outlet_id = file.outlet_id;
  then.other_submits = file.other_submits;  // the collision, as known now
  then.also_filed_by = file.also_filed_by;
  for (const CaseEvent& e : file.events) {
    if (e.received_ms <= at_ms) then.events.push_back(e);
  }
  DeriveCase(then, profile_at);
  return then;
}

// ---- storage form -------------------------------------------------------------------------

namespace {

// 2: cases keyed by outlet, every event's outlet_id, the collision in the summary. A row of
// another version is refused as damaged; CaseBook rebuilds a projection of an older format.
constexpr uint8_t kRowVersion = 2;

// The row is a version byte, then varints, zigzag varints for signed values, varint
// length-prefixed strings and raw 32-byte keys (crypto/coding.h); a reader that finds anything
// short or malformed throws, so a damaged row is an error and never a wrong figure.
class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void Var(uint64_t v) { PutVarint64(out_, v); }
  void Int(int64_t v) { PutSignedVarint64(out_, v); }
  void Str(std::string_view s) { PutLengthPrefixed(out_, s); }
  void Key(const PublicKey& k) { PutRaw(out_, k); }
  Bytes Take() { return std::move(out_); }

 private:
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  uint8_t U8() { return Must(GetByte(in_)); }
  uint64_t Var() { return Must(GetVarint64(in_)); }
  int64_t Int() { return Must(GetSignedVarint64(in_)); }
  uint32_t U32() { return Must(GetVarint32(in_)); }
  std::string Str() { return Must(GetLengthPrefixed(in_)); }
  PublicKey Key() {
    const ByteView bytes = Must(GetRaw(in_, 32));
    PublicKey k;
    std::copy(bytes.begin(), bytes.end(), k.begin());
    return k;
  }
  bool AtEnd() const { return in_.empty(); }

  [[noreturn]] static void Corrupt() {
    throw Error(ErrorCode::kProjection, "a case row in proj_cases is damaged; rebuild with bangban-hub reindex");
  }

 private:
  template <typename T>
  static T Must(std::optional<T> value) {
    if (!value) Corrupt();
    return std::move(*value);
  }
  ByteView in_;
};

enum SummaryFlag : uint8_t {
  kMet = 1,
  kBreached = 2,
  kFirstPass = 4,
  kStatutoryBreach = 8,
  kProvisional = 16,
};

void WriteSummary(Writer& w, const CaseSummary& s) {
  w.U8(static_cast<uint8_t>(s.state));
  w.U8(static_cast<uint8_t>((s.met ? kMet : 0) | (s.breached ? kBreached : 0) | (s.first_pass ? kFirstPass : 0) |
                            (s.statutory_breach ? kStatutoryBreach : 0) | (s.provisional ? kProvisional : 0)));
  w.Var(s.profile_id);
  w.Key(s.outlet_key);
  w.Str(s.outlet_id);
  w.Str(s.app_kind);
  w.Str(s.entity_type);
  w.Str(s.channel);
  w.Int(s.fee_cents);
  w.Str(s.reviewer);
  w.Str(s.assigned_reviewer);
  w.Str(s.uscc);
  for (int64_t v : {s.received_ms, s.last_event_ms, s.cycle_start_ms, s.deadline_ms, s.allowed_ms, s.end_ms,
                    s.elapsed_ms, s.transit_delay_ms}) {
    w.Int(v);
  }
  for (uint32_t v : {s.returns, s.late_returns, s.conflicts, s.ignored, s.other_submits}) w.Var(v);
  w.Var(s.also_filed_by.size());
  for (const std::string& outlet : s.also_filed_by) w.Str(outlet);
}

CaseSummary ReadSummary(Reader& r) {
  if (r.U8() != kRowVersion) Reader::Corrupt();
  CaseSummary s;
  uint8_t state = r.U8();
  if (state > static_cast<uint8_t>(CaseState::kRejected)) Reader::Corrupt();
  s.state = static_cast<CaseState>(state);
  uint8_t flags = r.U8();
  s.met = flags & kMet;
  s.breached = flags & kBreached;
  s.first_pass = flags & kFirstPass;
  s.statutory_breach = flags & kStatutoryBreach;
  s.provisional = flags & kProvisional;
  s.profile_id = r.U32();
  s.outlet_key = r.Key();
  s.outlet_id = r.Str();
  s.app_kind = r.Str();
  s.entity_type = r.Str();
  s.channel = r.Str();
  s.fee_cents = r.Int();
  s.reviewer = r.Str();
  s.assigned_reviewer = r.Str();
  s.uscc = r.Str();
  for (int64_t* v : {&s.received_ms, &s.last_event_ms, &s.cycle_start_ms, &s.deadline_ms, &s.allowed_ms, &s.end_ms,
                     &s.elapsed_ms, &s.transit_delay_ms}) {
    *v = r.Int();
  }
  for (uint32_t* v : {&s.returns, &s.late_returns, &s.conflicts, &s.ignored, &s.other_submits}) *v = r.U32();
  const uint64_t others = r.Var();
  if (others > 255) Reader::Corrupt();
  for (uint64_t i = 0; i < others; ++i) s.also_filed_by.push_back(r.Str());
  return s;
}

}  // namespace

Bytes CaseKeyPrefix(std::string_view app_id) {
  if (app_id.size() > 255) throw Error(ErrorCode::kInvalidBody, "app_id is longer than 255 bytes");
  Bytes key;
  PutShortString(key, app_id);
  return key;
}

Bytes CaseGroupKey(std::string_view app_id, std::string_view county) {
  if (county.size() > 255) throw Error(ErrorCode::kInvalidBody, "county is longer than 255 bytes");
  Bytes key = CaseKeyPrefix(app_id);
  PutShortString(key, county);
  return key;
}

Bytes CaseKey(std::string_view app_id, std::string_view county, std::string_view outlet_id) {
  Bytes key = CaseGroupKey(app_id, county);
  PutRaw(key, AsBytes(outlet_id));  // the rest of the key
  return key;
}

void ParseCaseKey(ByteView key, std::string& app_id, std::string& county, std::string& outlet_id) {
  std::optional<std::string> app = GetShortString(key);
  std::optional<std::string> in_county = GetShortString(key);
  if (!app || !in_county) Reader::Corrupt();
  app_id = std::move(*app);
  county = std::move(*in_county);
  outlet_id.assign(AsChars(key));  // the rest of the key
}

Bytes EncodeCase(const CaseFile& file) {
  Writer w;
  w.U8(kRowVersion);
  WriteSummary(w, file.summary);
  w.Var(file.events.size());
  for (const CaseEvent& e : file.events) {
    w.U8(static_cast<uint8_t>(e.action));
    w.U8(static_cast<uint8_t>(e.fate));
    w.Key(e.author);
    w.Var(e.seq);
    w.Int(e.received_ms);
    w.Int(e.ts_ms);
    w.Str(e.reviewer);
    w.Str(e.uscc);
    w.Str(e.outlet_id);
    if (e.action == CaseAction::kSubmit) {
      w.Str(e.app_kind);
      w.Str(e.entity_type);
      w.Str(e.channel);
      w.Int(e.fee_cents);
    }
  }
  return w.Take();
}

CaseSummary DecodeSummary(ByteView value) {
  Reader r(value);
  return ReadSummary(r);
}

CaseFile DecodeCase(ByteView key, ByteView value) {
  CaseFile file;
  ParseCaseKey(key, file.app_id, file.county, file.outlet_id);
  Reader r(value);
  file.summary = ReadSummary(r);
  file.other_submits = file.summary.other_submits;
  file.also_filed_by = file.summary.also_filed_by;
  uint64_t count = r.Var();
  if (count > value.size()) Reader::Corrupt();
  file.events.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    CaseEvent e;
    uint8_t action = r.U8();
    if (action < 1 || action > static_cast<uint8_t>(CaseAction::kReject)) Reader::Corrupt();
    e.action = static_cast<CaseAction>(action);
    uint8_t fate = r.U8();
    if (fate > static_cast<uint8_t>(EventFate::kConflict)) Reader::Corrupt();
    e.fate = static_cast<EventFate>(fate);
    e.author = r.Key();
    e.seq = r.Var();
    e.received_ms = r.Int();
    e.ts_ms = r.Int();
    e.reviewer = r.Str();
    e.uscc = r.Str();
    e.outlet_id = r.Str();
    if (e.action == CaseAction::kSubmit) {
      e.app_kind = r.Str();
      e.entity_type = r.Str();
      e.channel = r.Str();
      e.fee_cents = r.Int();
    }
    file.events.push_back(std::move(e));
  }
  if (!r.AtEnd()) Reader::Corrupt();
  return file;
}

}  // namespace bangban
