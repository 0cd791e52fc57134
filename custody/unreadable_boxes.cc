#include "custody/unreadable_boxes.h"

#include <map>

#include "crypto/coding.h"
#include "crypto/error.h"

namespace bangban {

namespace {

constexpr uint8_t kBoxPrefix = 'b';    // 'b' author(32) seq(8 BE) -> entry
constexpr uint8_t kShredPrefix = 's';  // 's' period -> "": walked back for this shred

struct Entry {
  RecordId record{};
  std::string type;
  std::string outlet_id;
  std::string period;
  int64_t received_ms = 0;
};

Bytes BoxKey(const Record& record) {
  Bytes key{kBoxPrefix};
  key.insert(key.end(), record.author().begin(), record.author().end());
  PutBigEndian64(key, record.seq());
  return key;
}

Bytes ShredKey(const std::string& period) {
  Bytes key{kShredPrefix};
  key.insert(key.end(), period.begin(), period.end());
  return key;
}

// msgpack [record id: bin(32), type, outlet id, period, received ms]
Bytes EncodeEntry(const Entry& e) {
  return Json::to_msgpack(Json::array(
      {Json::binary(Bytes(e.record.begin(), e.record.end())), e.type, e.outlet_id, e.period, e.received_ms}));
}

Entry DecodeEntry(ByteView value) {
  const Json doc = Json::from_msgpack(value.begin(), value.end(), true, false);
  if (!doc.is_array() || doc.size() != 5 || !doc[0].is_binary() || doc[0].get_binary().size() != 32 ||
      !doc[1].is_string() || !doc[2].is_string() || !doc[3].is_string() || !doc[4].is_number_integer()) {
    throw Error(ErrorCode::kProjection,
                "an entry of the unreadable_boxes index is damaged; run `bangban-hub audit` and restore the data dir "
                "from its backup");
  }
  Entry e;
  std::copy_n(doc[0].get_binary().begin(), 32, e.record.begin());
  e.type = doc[1].get<std::string>();
  e.outlet_id = doc[2].get<std::string>();
  e.period = doc[3].get<std::string>();
  e.received_ms = doc[4].get<int64_t>();
  return e;
}

// A stored record, or nullopt when it is missing or its bytes no longer decode: damage is
// `audit`'s to name (FeedStore::Audit), as in the scan of every record this index replaces.
std::optional<Record> StoredRecord(const FeedStore& store, const RecordId& id) {
  try {
    return store.Get(id);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kStorage.name()) throw;
    return std::nullopt;
  }
}

}  // namespace

UnreadableBoxIndex::UnreadableBoxIndex(FeedStore& store, const TransparencyLog& log, const SealingKeys& sealing_keys,
                                       std::string county)
    : store_(store),
      log_(log),
      sealing_keys_(sealing_keys),
      county_(std::move(county)),
      db_(store.env().OpenDb("unreadable_boxes")) {}

uint64_t UnreadableBoxIndex::Cursor() const {
  std::optional<Bytes> value = store_.GetMeta(kUnreadableBoxCursorMeta);
  if (!value) return 0;
  ByteView view(*value);
  std::optional<uint64_t> cursor = GetBigEndian64(view);
  if (!cursor || !view.empty()) {
    throw Error(ErrorCode::kProjection, "the meta value unreadable_box_cursor is damaged; nothing was written");
  }
  return *cursor;
}

void UnreadableBoxIndex::Step::Look(const Record& record, int64_t received_ms) {
  std::optional<std::string> period = SealedBoxPeriod(record);
  if (!period) return;
  std::string why = book_.WhyUnreadable(*period, received_ms);
  if (why.empty()) return;
  std::optional<Enrollment> author = index_.store_.FindEnrollment(record.author());
  if (!author || author->role != "outlet" || author->county != index_.county_) return;  // not this county's box
  entries_.push_back(
      {BoxKey(record), EncodeEntry({record.id(), record.type(), author->outlet_id, *period, received_ms})});
}

std::vector<LogEntry> UnreadableBoxIndex::LeavesSince(LmdbTxn& txn, uint64_t cursor, int64_t since_ms) const {
  std::vector<LogEntry> leaves;
  for (uint64_t i = cursor; i > 0; --i) {
    std::optional<LogEntry> entry = log_.EntryAt(txn, i - 1);
    if (!entry || entry->received_ms < since_ms) break;  // receipt times never go backwards
    leaves.push_back(*entry);
  }
  return leaves;
}

UnreadableBoxIndex::Step UnreadableBoxIndex::Begin(uint64_t cursor, SealingKeyBook book) const {
  Step step(*this, std::move(book));
  std::vector<LogEntry> leaves;
  store_.env().Read([&](LmdbTxn& txn) {
    for (const auto& [period, shredded_ms] : step.book_.shredded) {
      if (txn.Get(db_, ShredKey(period))) continue;
      std::vector<LogEntry> since = LeavesSince(txn, cursor, shredded_ms);
      leaves.insert(leaves.end(), since.begin(), since.end());
      step.shreds_seen_.push_back(period);
    }
  });
  for (const LogEntry& leaf : leaves) {
    if (std::optional<Record> record = StoredRecord(store_, leaf.id)) step.Look(*record, leaf.received_ms);
  }
  return step;
}

void UnreadableBoxIndex::Commit(LmdbTxn& txn, const Step& step, uint64_t new_cursor) const {
  for (const auto& [key, value] : step.entries_) txn.Put(db_, key, value);
  for (const std::string& period : step.shreds_seen_) txn.Put(db_, ShredKey(period), {});
  Bytes cursor;
  PutBigEndian64(cursor, new_cursor);
  store_.PutMeta(txn, kUnreadableBoxCursorMeta, cursor);
}

std::vector<UnreadableBox> UnreadableBoxIndex::List(size_t limit) const {
  // The cursor is read before the index: an entry the linker adds in between is also in the
  // tail looked at below, and the map keeps one of the two.
  const uint64_t cursor = Cursor();
  std::map<Bytes, Bytes> entries;  // by key: oldest feed first
  std::vector<LogEntry> leaves;    // walked back for shreds not yet walked back for
  const SealingKeyBook before = sealing_keys_.Book();
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor it(txn, db_);
    const Bytes prefix{kBoxPrefix};
    for (bool ok = it.Seek(prefix); ok && HasPrefix(it.key(), prefix); ok = it.Next()) {
      entries.emplace(Bytes(it.key().begin(), it.key().end()), Bytes(it.value().begin(), it.value().end()));
    }
    for (const auto& [period, shredded_ms] : before.shredded) {
      if (txn.Get(db_, ShredKey(period))) continue;
      std::vector<LogEntry> since = LeavesSince(txn, cursor, shredded_ms);
      leaves.insert(leaves.end(), since.begin(), since.end());
    }
  });
  Step tail(*this, sealing_keys_.Book());
  for (const LogEntry& leaf : leaves) {
    if (std::optional<Record> record = StoredRecord(store_, leaf.id)) tail.Look(*record, leaf.received_ms);
  }
  // The leaves past the cursor, a chunk at a time: the linker may be far behind after a burst.
  constexpr uint64_t kChunk = 1024;
  for (uint64_t from = cursor;; from += kChunk) {
    leaves.clear();
    store_.env().Read([&](LmdbTxn& txn) {
      for (uint64_t i = from; i < from + kChunk; ++i) {
        std::optional<LogEntry> entry = log_.EntryAt(txn, i);
        if (!entry) break;
        leaves.push_back(*entry);
      }
    });
    for (const LogEntry& leaf : leaves) {
      if (std::optional<Record> record = StoredRecord(store_, leaf.id)) tail.Look(*record, leaf.received_ms);
    }
    if (leaves.size() < kChunk) break;
  }
  for (auto& [key, value] : tail.entries_) entries.insert_or_assign(std::move(key), std::move(value));

  std::vector<UnreadableBox> out;
  for (const auto& [key, value] : entries) {
    if (out.size() >= limit) break;
    const Entry e = DecodeEntry(value);
    const std::string why = tail.book_.WhyUnreadable(e.period, e.received_ms);
    if (why.empty()) continue;  // its key was published since
    out.push_back({e.record, e.type, e.outlet_id, e.period, why + "; no one can open it"});
  }
  return out;
}

}  // namespace bangban
