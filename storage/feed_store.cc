#include "storage/feed_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "crypto/coding.h"
#include "protocol/clock.h"
#include "protocol/codec.h"
#include "storage/feed_layout.h"

namespace bangban {

namespace {

using Kind = IngestOutcome::Kind;

// Meta entry: the latest receipt time stored (big-endian ms), which receipt times never go below.
constexpr std::string_view kLatestReceipt = "latest_receipt_ms";
// Counts the writes to the enrollments (8 bytes BE; absent before the first one): a server
// rereads who may connect only when it moved.
constexpr std::string_view kEnrollmentsChanged = "enrollments_changed";

Bytes FeedKey(const PublicKey& author, uint64_t seq) { return FeedKeyOf(author, seq); }

// The shapes of the entries: storage/feed_layout.h.
using feed_layout::IsCurrentReceipt;
using feed_layout::IsEarlierFeedEntry;
using feed_layout::kReceiptBytes;
using feed_layout::kReceiptTimeBytes;
using feed_layout::kReceiptWithLogIndexBytes;
using feed_layout::PlaceOf;
using feed_layout::ReceiptValue;

// Records converted per write transaction when a store of the earlier layout is opened.
constexpr size_t kRecordsMovedPerBatch = 4096;

uint64_t EnrollmentsChangedIn(const LmdbTxn& txn, MDB_dbi meta) {
  auto value = txn.Get(meta, AsBytes(kEnrollmentsChanged));
  return value && value->size() == 8 ? DecodeBigEndian64(value->data()) : 0;
}

Bytes FeedEntryKey(const PublicKey& author, uint64_t seq, const RecordId& id) {
  Bytes key = FeedKey(author, seq);
  key.insert(key.end(), id.begin(), id.end());
  return key;
}

Bytes HeadValue(uint64_t seq, const RecordId& id) {
  Bytes value;
  value.reserve(40);
  PutBigEndian64(value, seq);
  PutRaw(value, id);
  return value;
}

FeedHead ParseHead(ByteView value) {
  FeedHead head;
  head.seq = DecodeBigEndian64(value.data());
  std::memcpy(head.id.data(), value.data() + 8, 32);
  return head;
}

template <size_t N>
std::array<uint8_t, N> ToArray(ByteView bytes) {
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), bytes.data(), N);
  return out;
}

Bytes EncodeEnrollment(const Enrollment& e) {
  Json j = {{"role", e.role},
            {"name", e.name},
            {"county", e.county},
            {"outlet_id", e.outlet_id},
            {"enrolled_by", ToHex(e.enrolled_by)},
            {"revoke_reason", e.revoke_reason}};
  if (e.revoked_after_seq) j["revoked_after_seq"] = *e.revoked_after_seq;
  return EncodeJson(j);
}

Enrollment DecodeEnrollment(ByteView key, ByteView value) {
  auto handle = UnpackExactly(value, "enrollment");
  Json j = ObjectToJson(handle.get(), "enrollment");
  Enrollment e;
  e.key = ToArray<32>(key);
  e.role = j["role"];
  e.name = j["name"];
  e.county = j["county"];
  e.outlet_id = j["outlet_id"];
  e.enrolled_by = *FromHexFixed<32>(j["enrolled_by"].get<std::string>());
  e.revoke_reason = j["revoke_reason"];
  if (j.contains("revoked_after_seq")) e.revoked_after_seq = j["revoked_after_seq"].get<uint64_t>();
  return e;
}

// The revocation limit of a stored enrollment, read without decoding the rest: the ingest path
// checks it for every record, and decoding the whole enrollment into JSON cost about a third of
// storing a record (docs/performance.md). Anything unusual goes through DecodeEnrollment, which
// says what is wrong.
std::optional<uint64_t> RevokedAfterSeq(ByteView key, ByteView value) {
  auto handle = UnpackExactly(value, "enrollment");
  const msgpack::object& o = handle.get();
  if (o.type == msgpack::type::MAP) {
    bool plain = true;
    for (uint32_t i = 0; i < o.via.map.size && plain; ++i) {
      const msgpack::object_kv& kv = o.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) {
        plain = false;
      } else if (std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == "revoked_after_seq") {
        if (kv.val.type == msgpack::type::POSITIVE_INTEGER) return kv.val.via.u64;
        plain = false;
      }
    }
    if (plain) return std::nullopt;
  }
  return DecodeEnrollment(key, value).revoked_after_seq;
}

IngestOutcome Outcome(const Record& r, Kind kind, std::string_view code = {}, std::string message = {}) {
  return {kind, std::string(code), std::move(message), r.id(), r.author(), r.seq()};
}

}  // namespace

Bytes FeedKeyOf(const PublicKey& author, uint64_t seq) {
  Bytes key;
  key.reserve(40);
  PutRaw(key, author);
  PutBigEndian64(key, seq);
  return key;
}

std::string_view OutcomeName(IngestOutcome::Kind kind) {
  switch (kind) {
    case Kind::kAccepted:
      return "accepted";
    case Kind::kDuplicate:
      return "duplicate";
    case Kind::kBuffered:
      return "buffered";
    case Kind::kFork:
      return "fork";
    case Kind::kRejected:
      return "rejected";
  }
  return "?";
}

FeedStore::FeedStore(const std::filesystem::path& dir, Options options)
    : options_(std::move(options)), env_(dir, options_.lmdb) {
  records_ = env_.OpenDb("records");        // the earlier layout: id -> record wire bytes
  feed_ = env_.OpenDb("feed");              // author || seq -> record wire bytes
  heads_ = env_.OpenDb("heads");            // author -> seq || id
  gaps_ = env_.OpenDb("gaps");              // author || seq || id -> wire (waiting for a gap)
  forks_ = env_.OpenDb("forks");            // author || seq || id -> wire (evidence)
  quarantine_ = env_.OpenDb("quarantine");  // author -> reason
  enrollments_ =
      env_.OpenDb("enrolments");        // key -> enrollment (the table keeps its first name: stores on disk have it)
  received_ = env_.OpenDb("received");  // id -> receipt time (ms, big-endian) || author || seq
  gap_counts_ = env_.OpenDb("gap_counts");  // author -> records buffered for it
  meta_ = env_.OpenDb("meta");              // name -> value (owner's cursors and flags)
  MoveRecordsIntoFeeds();
}

// Each batch is one transaction: a conversion cut short leaves entries of both layouts, which
// every reader takes, and the next open goes on. A record whose bytes no longer decode stays
// where it is (the audit names it).
void FeedStore::MoveRecordsIntoFeeds() {
  const uint64_t total = EntryCount(records_);
  if (total == 0) return;
  uint64_t moved = 0;
  Bytes from;  // the first id not looked at yet
  for (bool more = true; more;) {
    env_.Write([&](LmdbTxn& txn) {
      size_t batch = 0;
      std::vector<Bytes> done;
      LmdbCursor cursor(txn, records_);
      bool ok = from.empty() ? cursor.First() : cursor.Seek(from);
      for (; ok && batch < kRecordsMovedPerBatch; ok = cursor.Next(), ++batch) {
        try {
          const Record r = Record::Decode(cursor.value());
          const Bytes key = FeedKey(r.author(), r.seq());
          auto entry = txn.Get(feed_, key);
          if (!entry || !std::equal(entry->begin(), entry->end(), r.id().begin(), r.id().end())) continue;
          auto received = txn.Get(received_, r.id());
          const int64_t at = received && received->size() >= kReceiptTimeBytes
                                 ? static_cast<int64_t>(DecodeBigEndian64(received->data()))
                                 : 0;
          txn.Put(feed_, key, r.wire());
          txn.Put(received_, r.id(), ReceiptValue(at, r.author(), r.seq()));
          done.emplace_back(cursor.key().begin(), cursor.key().end());
        } catch (const Error&) {
          // damaged: left in place
        }
      }
      more = ok;
      from = ok ? Bytes(cursor.key().begin(), cursor.key().end()) : Bytes{};
      for (const Bytes& id : done) txn.Del(records_, id);
      moved += done.size();
    });
  }
  spdlog::info("store: moved {} of {} records into their feeds (the layout of docs/architecture.md, Store tables)",
               moved, total);
}

const TrustRoot* FeedStore::FindRoot(const PublicKey& key) const {
  for (const TrustRoot& root : options_.roots) {
    if (root.key == key) return &root;
  }
  return nullptr;
}

// ---- writing ----------------------------------------------------------------------------

std::vector<Record> FeedStore::AppendOwn(const SigningKey& author,
                                         const std::vector<std::pair<std::string, Json>>& entries,
                                         const std::function<void(LmdbTxn&)>& before_commit) {
  std::vector<Record> appended;
  env_.Write([&](LmdbTxn& txn) {
    appended.clear();
    const PublicKey& key = author.public_key();
    if (txn.Get(quarantine_, key)) {
      throw Error(ErrorCode::kForked, "this feed is quarantined after a fork; it cannot be appended to");
    }
    if (txn.Get(meta_, AsBytes(kBehindFlag))) {
      throw Error(ErrorCode::kBehind,
                  "this party's own feed is behind what its upstream holds (restored from an old "
                  "backup, or a replaced machine); nothing was stored: run `recover` first");
    }
    FeedHead head;
    if (auto value = txn.Get(heads_, key)) head = ParseHead(*value);
    const int64_t now = NowMs();  // the records' own time: never clamped, so a back-dated one shows
    const int64_t received = ReceiptTime(txn, now);
    for (const auto& [type, body] : entries) {
      std::optional<RecordId> prev;
      if (head.seq > 0) prev = head.id;
      Record record = Record::Create(author, type, head.seq + 1, prev, now, body);
      ErrorCode code = ErrorCode::kInternal;
      std::string problem = AuthorProblem(txn, key, record.seq(), &code);
      if (!problem.empty()) throw Error(code, problem);
      problem = KeyRecordProblem(txn, record);
      if (!problem.empty()) throw Error(ErrorCode::kNotAuthorized, problem);
      Store(txn, record, received);
      head = {record.seq(), record.id()};
      appended.push_back(std::move(record));
    }
    if (before_commit) before_commit(txn);
  });
  return appended;
}

std::vector<IngestOutcome> FeedStore::Ingest(std::span<const Record> records, bool signatures_checked,
                                             const std::function<void(LmdbTxn&)>& before_commit) {
  std::vector<bool> signature_ok(records.size(), true);
  if (!signatures_checked) {
    for (size_t i = 0; i < records.size(); ++i) signature_ok[i] = records[i].VerifySignature();
  }
  std::vector<IngestOutcome> outcomes;
  env_.Write([&](LmdbTxn& txn) {
    outcomes.clear();
    const int64_t now = ReceiptTime(txn, NowMs());
    for (size_t i = 0; i < records.size(); ++i) {
      if (!signature_ok[i]) {
        outcomes.push_back(
            Outcome(records[i], Kind::kRejected, ErrorCode::kBadSignature,
                    "the signature does not match the record's bytes and author " + KeyId(records[i].author())));
        continue;
      }
      outcomes.push_back(IngestOne(txn, records[i], now));
    }
    if (before_commit) before_commit(txn);
  });
  return outcomes;
}

std::optional<Bytes> FeedStore::GetMeta(std::string_view name) const {
  std::optional<Bytes> value;
  env_.Read([&](LmdbTxn& txn) {
    if (auto v = txn.Get(meta_, AsBytes(name))) value = Bytes(v->begin(), v->end());
  });
  return value;
}

void FeedStore::PutMeta(std::string_view name, ByteView value) {
  env_.Write([&](LmdbTxn& txn) { PutMeta(txn, name, value); });
}

void FeedStore::PutMeta(LmdbTxn& txn, std::string_view name, ByteView value) { txn.Put(meta_, AsBytes(name), value); }

void FeedStore::DeleteMeta(std::string_view name) {
  env_.Write([&](LmdbTxn& txn) { txn.Del(meta_, AsBytes(name)); });
}

IngestOutcome FeedStore::IngestOne(LmdbTxn& txn, const Record& r, int64_t now) {
  const PublicKey& author = r.author();
  FeedHead head;
  if (auto value = txn.Get(heads_, author)) head = ParseHead(*value);
  // A feed holds seq 1..head and nothing beyond (Store writes both together): only a record at
  // or below the head can be here already. Most records are new, and skip the lookup.
  if (r.seq() <= head.seq) {
    if (auto existing = txn.Get(feed_, FeedKey(author, r.seq()))) {
      if (IdOf(txn, *existing) == r.id()) return Outcome(r, Kind::kDuplicate);
      return RecordFork(txn, r, Record::Decode(*WireOf(txn, *existing)));
    }
  }
  ErrorCode code = ErrorCode::kInternal;
  std::string problem = AuthorProblem(txn, author, r.seq(), &code);
  if (!problem.empty()) return Outcome(r, Kind::kRejected, code, problem);

  if (r.seq() > head.seq + 1) {
    if (r.seq() - head.seq > options_.max_buffered_per_author ||
        GapCount(txn, author) >= options_.max_buffered_per_author) {
      return Outcome(r, Kind::kRejected, ErrorCode::kGapTooLarge,
                     "seq " + std::to_string(r.seq()) + " is too far ahead of the stored head " +
                         std::to_string(head.seq) + "; send the missing records first");
    }
    if (txn.PutIfAbsent(gaps_, FeedEntryKey(author, r.seq(), r.id()), r.wire())) {
      AddGapCount(txn, author, +1);
    }
    return Outcome(
        r, Kind::kBuffered, ErrorCode::kGap,
        "waiting for seq " + std::to_string(head.seq + 1) + ".." + std::to_string(r.seq() - 1) + " of this feed");
  }
  if (r.seq() > 1 && *r.envelope().prev != head.id) {
    return RecordFork(txn, r, *GetBySeqIn(txn, author, head.seq));
  }
  problem = KeyRecordProblem(txn, r);
  if (!problem.empty()) return Outcome(r, Kind::kRejected, ErrorCode::kNotAuthorized, problem);
  Store(txn, r, now);
  DrainGaps(txn, author, now);
  return Outcome(r, Kind::kAccepted);
}

int64_t FeedStore::ReceiptTime(const LmdbTxn& txn, int64_t now) const {
  auto latest = txn.Get(meta_, AsBytes(kLatestReceipt));
  if (!latest || latest->size() != 8) return now;
  return std::max(now, static_cast<int64_t>(DecodeBigEndian64(latest->data())));
}

void FeedStore::Store(LmdbTxn& txn, const Record& r, int64_t now) {
  ApplyKeyRecord(txn, r);
  txn.Put(feed_, FeedKey(r.author(), r.seq()), r.wire());
  txn.Put(heads_, r.author(), HeadValue(r.seq(), r.id()));
  if (txn.PutIfAbsent(received_, r.id(), ReceiptValue(now, r.author(), r.seq()))) {
    Bytes when;
    PutBigEndian64(when, static_cast<uint64_t>(now));
    auto latest = txn.Get(meta_, AsBytes(kLatestReceipt));
    if (!latest || latest->size() != 8 || static_cast<int64_t>(DecodeBigEndian64(latest->data())) < now) {
      txn.Put(meta_, AsBytes(kLatestReceipt), when);
    }
  }
  for (const StoreObserver& observer : observers_) observer(txn, r, now);
}

void FeedStore::DrainGaps(LmdbTxn& txn, const PublicKey& author, int64_t now) {
  const Bytes prefix(author.begin(), author.end());
  for (;;) {
    FeedHead head;
    // Collect buffered records at or below head + 1 (at or below head: late copies).
    std::vector<std::pair<Bytes, Record>> waiting;
    {
      LmdbCursor cursor(txn, gaps_);
      bool ok = cursor.Seek(prefix);
      if (!ok || !HasPrefix(cursor.key(), prefix)) return;  // nothing buffered: most feeds, most of the time
      head = ParseHead(*txn.Get(heads_, author));
      for (; ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
        uint64_t seq = DecodeBigEndian64(cursor.key().data() + 32);
        if (seq > head.seq + 1) break;
        waiting.emplace_back(Bytes(cursor.key().begin(), cursor.key().end()), Record::Decode(cursor.value()));
      }
    }
    if (waiting.empty()) return;
    bool advanced = false;
    for (auto& [key, record] : waiting) {
      txn.Del(gaps_, key);
      AddGapCount(txn, author, -1);
      if (record.seq() <= head.seq) {
        auto stored = GetBySeqIn(txn, author, record.seq());
        if (stored && stored->id() != record.id()) RecordFork(txn, record, *stored);
        continue;
      }
      if (advanced || *record.envelope().prev != head.id) {
        // Two different successors of one head, or one that chains elsewhere: a fork.
        RecordFork(txn, record, *GetBySeqIn(txn, author, advanced ? record.seq() : head.seq));
        continue;
      }
      // The author may have been revoked (or a key record be unauthorised) since it was
      // buffered: the same checks as a record arriving now. Refused ones are dropped.
      ErrorCode code = ErrorCode::kInternal;
      if (!AuthorProblem(txn, author, record.seq(), &code).empty() || !KeyRecordProblem(txn, record).empty()) {
        continue;
      }
      Store(txn, record, now);
      advanced = true;
    }
    if (!advanced || txn.Get(quarantine_, author)) return;
  }
}

uint64_t FeedStore::GapCount(const LmdbTxn& txn, const PublicKey& author) const {
  auto value = txn.Get(gap_counts_, author);
  return value ? DecodeBigEndian64(value->data()) : 0;
}

void FeedStore::AddGapCount(LmdbTxn& txn, const PublicKey& author, int delta) {
  uint64_t count = GapCount(txn, author);
  count = delta < 0 ? (count > 0 ? count - 1 : 0) : count + 1;
  if (count == 0) {
    txn.Del(gap_counts_, author);
    return;
  }
  Bytes value;
  PutBigEndian64(value, count);
  txn.Put(gap_counts_, author, value);
}

IngestOutcome FeedStore::RecordFork(LmdbTxn& txn, const Record& r, const Record& other) {
  txn.Put(forks_, FeedEntryKey(r.author(), r.seq(), r.id()), r.wire());
  txn.Put(forks_, FeedEntryKey(other.author(), other.seq(), other.id()), other.wire());
  std::string reason = "fork: seq " + std::to_string(r.seq()) + " is " + ToHex(r.id()).substr(0, 16) +
                       " here but seq " + std::to_string(other.seq()) + " " + ToHex(other.id()).substr(0, 16) +
                       " was stored before";
  txn.PutIfAbsent(quarantine_, r.author(), AsBytes(reason));
  return Outcome(r, Kind::kFork, ErrorCode::kForked,
                 "author " + KeyId(r.author()) +
                     " signed two different records for one place in "
                     "its feed; both are kept as evidence and the author is quarantined");
}

// ---- authority --------------------------------------------------------------------------

std::string FeedStore::AuthorProblem(const LmdbTxn& txn, const PublicKey& author, uint64_t seq, ErrorCode* code) const {
  if (auto reason = txn.Get(quarantine_, author)) {
    *code = ErrorCode::kForked;
    return "author " + KeyId(author) + " is quarantined after a fork (" + std::string(AsChars(*reason)) + ")";
  }
  if (FindRoot(author) != nullptr) return "";
  auto value = txn.Get(enrollments_, author);
  if (!value) {
    if (!options_.require_enrollment) return "";
    *code = ErrorCode::kUnknownAuthor;
    return "key " + KeyId(author) + " is not enrolled here; enroll it at its county hub first";
  }
  const std::optional<uint64_t> revoked_after_seq = RevokedAfterSeq(author, *value);
  if (revoked_after_seq && seq > *revoked_after_seq) {
    const Enrollment e = DecodeEnrollment(author, *value);  // for the reason
    *code = ErrorCode::kRevoked;
    return "key " + KeyId(author) + " was revoked after seq " + std::to_string(*e.revoked_after_seq) + " (" +
           e.revoke_reason + ")";
  }
  return "";
}

namespace {
bool IsKeyRecord(const Record& r) { return r.type() == "key.enroll" || r.type() == "key.revoke"; }
}  // namespace

std::string FeedStore::KeyRecordProblem(const LmdbTxn& txn, const Record& r) const {
  if (!IsKeyRecord(r)) return "";
  const Json& body = r.body();
  PublicKey subject = ToArray<32>(body["key"].get_binary());
  // The author's role and county, from the roots or its own enrollment.
  std::string role, county;
  if (const TrustRoot* root = FindRoot(r.author())) {
    role = root->role;
    county = root->county;
  } else if (auto value = txn.Get(enrollments_, r.author())) {
    Enrollment author = DecodeEnrollment(r.author(), *value);
    role = author.role;
    county = author.county;
  }
  if (r.type() == "key.enroll") {
    const std::string& new_role = body["role"];
    const std::string& new_county = body["county"];
    // A key enrolled by one county hub cannot be taken over by another; only its enroller
    // (or the city) may change its enrollment.
    if (auto existing = txn.Get(enrollments_, subject); existing && role != "city") {
      Enrollment current = DecodeEnrollment(subject, *existing);
      if (current.enrolled_by != r.author()) {
        return "key.enroll: " + KeyId(subject) + " is already enrolled by " + KeyId(current.enrolled_by) + " (county " +
               current.county + "); only that hub or the city may change it";
      }
    }
    if (role == "city" || (role == "county" && new_role == "outlet" && new_county == county)) return "";
    return "key.enroll: " + KeyId(r.author()) + " (" + (role.empty() ? "not enrolled" : role) + ") may not enroll a " +
           new_role + " key for county " + new_county +
           "; the city enrolls county hubs, a county hub enrolls outlets of its own county";
  }
  auto existing = txn.Get(enrollments_, subject);
  if (existing && (role == "city" || DecodeEnrollment(subject, *existing).enrolled_by == r.author())) {
    return "";
  }
  return "key.revoke: " + KeyId(r.author()) + " did not enroll " + KeyId(subject) + " and is not the city";
}

void FeedStore::ApplyKeyRecord(LmdbTxn& txn, const Record& r) {
  if (!IsKeyRecord(r)) return;
  const Json& body = r.body();
  PublicKey subject = ToArray<32>(body["key"].get_binary());
  std::optional<Enrollment> existing;
  if (auto value = txn.Get(enrollments_, subject)) existing = DecodeEnrollment(subject, *value);
  if (r.type() == "key.enroll") {
    // Re-enrollment updates the details; a revocation is never undone by it.
    Enrollment e = existing.value_or(Enrollment{});
    e.key = subject;
    e.role = body["role"];
    e.name = body["name"];
    e.county = body["county"];
    e.outlet_id = body.value("outlet_id", "");
    e.enrolled_by = r.author();
    txn.Put(enrollments_, subject, EncodeEnrollment(e));
    NoteEnrollmentsChanged(txn);
    return;
  }
  uint64_t after = body["after_seq"];
  if (!existing->revoked_after_seq || after < *existing->revoked_after_seq) {
    existing->revoked_after_seq = after;
    existing->revoke_reason = body["reason"];
  }
  txn.Put(enrollments_, subject, EncodeEnrollment(*existing));
  NoteEnrollmentsChanged(txn);
}

void FeedStore::NoteEnrollmentsChanged(LmdbTxn& txn) {
  Bytes next;
  PutBigEndian64(next, EnrollmentsChangedIn(txn, meta_) + 1);
  txn.Put(meta_, AsBytes(kEnrollmentsChanged), next);
}

uint64_t FeedStore::EnrollmentsChanged() const {
  uint64_t count = 0;
  env_.Read([&](LmdbTxn& txn) { count = EnrollmentsChangedIn(txn, meta_); });
  return count;
}

// ---- reading ----------------------------------------------------------------------------

std::optional<Record> FeedStore::GetBySeqIn(const LmdbTxn& txn, const PublicKey& author, uint64_t seq) const {
  auto entry = txn.Get(feed_, FeedKey(author, seq));
  if (!entry) return std::nullopt;
  return Record::Decode(*WireOf(txn, *entry));
}

std::optional<ByteView> FeedStore::WireOf(const LmdbTxn& txn, ByteView feed_value) const {
  if (IsEarlierFeedEntry(feed_value)) return txn.Get(records_, feed_value);
  return feed_value;
}

RecordId FeedStore::IdOf(const LmdbTxn& txn, ByteView feed_value) const {
  if (IsEarlierFeedEntry(feed_value)) return ToArray<32>(feed_value);
  (void)txn;
  return Record::Decode(feed_value).id();
}

FeedHead FeedStore::Head(const PublicKey& author) const {
  FeedHead head;
  env_.Read([&](LmdbTxn& txn) {
    if (auto value = txn.Get(heads_, author)) head = ParseHead(*value);
  });
  return head;
}

std::vector<FeedHead> FeedStore::HeadsOf(std::span<const PublicKey> authors) const {
  std::vector<FeedHead> heads(authors.size());
  env_.Read([&](LmdbTxn& txn) {
    for (size_t i = 0; i < authors.size(); ++i) {
      if (auto value = txn.Get(heads_, authors[i])) heads[i] = ParseHead(*value);
    }
  });
  return heads;
}

std::map<PublicKey, FeedHead> FeedStore::Heads() const {
  std::map<PublicKey, FeedHead> heads;
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, heads_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      heads[ToArray<32>(cursor.key())] = ParseHead(cursor.value());
    }
  });
  return heads;
}

std::optional<Record> FeedStore::Get(const RecordId& id) const {
  std::optional<Record> record;
  env_.Read([&](LmdbTxn& txn) {
    auto receipt = txn.Get(received_, id);
    if (!receipt) return;
    std::optional<ByteView> wire;
    if (IsCurrentReceipt(*receipt)) {
      if (auto entry = txn.Get(feed_, PlaceOf(*receipt))) wire = WireOf(txn, *entry);
    } else {
      wire = txn.Get(records_, id);
    }
    if (!wire) return;
    Record r = Record::Decode(*wire);
    if (r.id() == id) record = std::move(r);
  });
  return record;
}

std::optional<Record> FeedStore::GetBySeq(const PublicKey& author, uint64_t seq) const {
  std::optional<Record> record;
  env_.Read([&](LmdbTxn& txn) { record = GetBySeqIn(txn, author, seq); });
  return record;
}

std::optional<RecordId> FeedStore::IdAt(const PublicKey& author, uint64_t seq) const {
  std::optional<RecordId> id;
  env_.Read([&](LmdbTxn& txn) {
    if (auto entry = txn.Get(feed_, FeedKey(author, seq))) id = IdOf(txn, *entry);
  });
  return id;
}

std::optional<Record> FeedStore::DecodeStored(LmdbTxn& txn, const PublicKey& author, uint64_t seq, ByteView feed_value,
                                              const DamageVisitor& on_damaged) const {
  std::string problem;
  if (auto wire = WireOf(txn, feed_value)) {
    try {
      Record record = Record::Decode(*wire);
      // A flipped byte inside a string still decodes; the id (the hash of the bytes) tells: it
      // is indexed at this place only if the bytes are those stored.
      const auto receipt = txn.Get(received_, record.id());
      const bool indexed =
          IsEarlierFeedEntry(feed_value)
              ? std::equal(feed_value.begin(), feed_value.end(), record.id().begin())
              : receipt && IsCurrentReceipt(*receipt) && std::ranges::equal(PlaceOf(*receipt), FeedKey(author, seq));
      if (indexed) return record;
      problem = "the bytes no longer match the record's id";
    } catch (const Error& e) {
      problem = e.what();
    }
  } else {
    problem = "the record bytes are missing";
  }
  if (!on_damaged) {
    throw Error(ErrorCode::kCorruptRecord, "feed " + KeyId(author) + " seq " + std::to_string(seq) +
                                               ": the stored record is damaged (" + problem +
                                               "); `audit` lists every damaged record");
  }
  on_damaged({author, seq, problem});
  return std::nullopt;
}

void FeedStore::ScanFeed(const PublicKey& author, uint64_t from, uint64_t to,
                         const std::function<bool(const Record&)>& visit, const DamageVisitor& on_damaged) const {
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, feed_);
    Bytes prefix(author.begin(), author.end());
    for (bool ok = cursor.Seek(FeedKey(author, from)); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      uint64_t seq = DecodeBigEndian64(cursor.key().data() + 32);
      if (seq > to) break;
      std::optional<Record> record = DecodeStored(txn, author, seq, cursor.value(), on_damaged);
      if (record && !visit(*record)) break;
    }
  });
}

void FeedStore::ScanFeedWire(const PublicKey& author, uint64_t from, uint64_t to,
                             const std::function<bool(uint64_t, ByteView)>& visit) const {
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, feed_);
    Bytes prefix(author.begin(), author.end());
    for (bool ok = cursor.Seek(FeedKey(author, from)); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      uint64_t seq = DecodeBigEndian64(cursor.key().data() + 32);
      if (seq > to) break;
      const std::optional<ByteView> wire = WireOf(txn, cursor.value());
      if (!wire || !visit(seq, *wire)) break;
    }
  });
}

void FeedStore::ScanAll(const std::function<bool(const Record&)>& visit, const DamageVisitor& on_damaged) const {
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, feed_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      const PublicKey author = ToArray<32>(cursor.key().subspan(0, 32));
      const uint64_t seq = DecodeBigEndian64(cursor.key().data() + 32);
      std::optional<Record> record = DecodeStored(txn, author, seq, cursor.value(), on_damaged);
      if (record && !visit(*record)) break;
    }
  });
}

std::optional<int64_t> FeedStore::ReceivedAt(const RecordId& id) const {
  std::optional<int64_t> when;
  env_.Read([&](LmdbTxn& txn) {
    if (auto value = txn.Get(received_, id)) when = static_cast<int64_t>(DecodeBigEndian64(value->data()));
  });
  return when;
}

std::optional<uint64_t> FeedStore::LogIndexOf(const LmdbTxn& txn, const RecordId& id) const {
  auto value = txn.Get(received_, id);
  if (!value || value->size() != kReceiptWithLogIndexBytes) return std::nullopt;
  return DecodeBigEndian64(value->data() + kReceiptBytes);
}

bool FeedStore::NoteLogIndex(LmdbTxn& txn, const RecordId& id, uint64_t index) {
  auto value = txn.Get(received_, id);
  if (!value || !IsCurrentReceipt(*value)) return false;
  Bytes noted(value->begin(), value->begin() + kReceiptBytes);
  PutBigEndian64(noted, index);
  txn.Put(received_, id, noted);
  return true;
}

std::optional<Enrollment> FeedStore::FindEnrollment(const PublicKey& key) const {
  std::optional<Enrollment> e;
  env_.Read([&](LmdbTxn& txn) {
    if (auto value = txn.Get(enrollments_, key)) e = DecodeEnrollment(key, *value);
  });
  return e;
}

std::vector<Enrollment> FeedStore::Enrollments() const {
  std::vector<Enrollment> all;
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, enrollments_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      all.push_back(DecodeEnrollment(cursor.key(), cursor.value()));
    }
  });
  return all;
}

std::map<PublicKey, std::string> FeedStore::Quarantined() const {
  std::map<PublicKey, std::string> all;
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, quarantine_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      all[ToArray<32>(cursor.key())] = std::string(AsChars(cursor.value()));
    }
  });
  return all;
}

std::vector<Record> FeedStore::ForkEvidence() const {
  std::vector<Record> all;
  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, forks_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) all.push_back(Record::Decode(cursor.value()));
  });
  return all;
}

uint64_t FeedStore::EntryCount(MDB_dbi db) const {
  uint64_t count = 0;
  env_.Read([&](LmdbTxn& txn) {
    MDB_stat stat;
    mdb_stat(txn.raw(), db, &stat);
    count = stat.ms_entries;
  });
  return count;
}

size_t FeedStore::BufferedCount() const { return EntryCount(gaps_); }

uint64_t FeedStore::RecordCount() const { return EntryCount(feed_); }

}  // namespace bangban
