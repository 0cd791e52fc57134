#include "review/operator_roster.h"

#include <algorithm>

#include "crypto/coding.h"
#include "crypto/error.h"

namespace bangban {
namespace {

constexpr size_t kKeySize = 32;

Bytes RowKey(const PublicKey& hub, std::string_view name) {
  Bytes key(hub.begin(), hub.end());
  PutRaw(key, AsBytes(name));
  return key;
}

Bytes EncodeRow(const Operator& op) {
  Bytes out;
  PutShortString(out, op.role);  // the schema bounds role and county well below 255 bytes
  PutShortString(out, op.county);
  out.push_back(op.active ? 1 : 0);
  PutBigEndian64(out, op.seq);
  return out;
}

Operator DecodeRow(ByteView key, ByteView value) {
  Operator op;
  std::copy(key.begin(), key.begin() + kKeySize, op.hub.begin());
  op.name = std::string(AsChars(key.subspan(kKeySize)));
  std::optional<std::string> role = GetShortString(value);
  std::optional<std::string> county = GetShortString(value);
  std::optional<uint8_t> active = GetByte(value);
  std::optional<uint64_t> seq = GetBigEndian64(value);
  if (!role || !county || !active || !seq) {
    throw Error(ErrorCode::kProjection, "proj_operators: a damaged entry; rebuild with bangban-hub reindex");
  }
  op.role = std::move(*role);
  op.county = std::move(*county);
  op.active = *active == 1;
  op.seq = *seq;
  return op;
}

}  // namespace

std::string OperatorRoleProblem(std::string_view hub_role, std::string_view role) {
  if (hub_role == "county" && (role == kReviewerRole || role == kCountyAdminRole)) return "";
  if (hub_role == "city" && role == kCityAuditorRole) return "";
  return hub_role == "county" ? "a county hub's operators are reviewer or county_admin"
                              : "the city hub's operators are city_auditor";
}

OperatorRoster::OperatorRoster(FeedStore& store, const PublicKey& own_key)
    : store_(store), own_key_(own_key), table_(store.env().OpenDb("proj_operators")) {}

StoreObserver OperatorRoster::Observer() {
  return [this](LmdbTxn& txn, const Record& record, int64_t) { Fold(txn, record); };
}

void OperatorRoster::Fold(LmdbTxn& txn, const Record& record) {
  const bool enroll = record.type() == "operator.enroll";
  if (!enroll && record.type() != "operator.disable") return;
  const Json& body = record.body();
  const std::string& name = body["name"].get_ref<const std::string&>();
  const Bytes key = RowKey(record.author(), name);
  Operator op;
  if (auto row = txn.Get(table_, key)) {
    op = DecodeRow(key, *row);
    if (op.seq >= record.seq()) return;  // folded already, or a later record decided (idempotent)
  }
  op.seq = record.seq();
  op.active = enroll;
  if (enroll) {
    op.role = body["role"].get<std::string>();
    op.county = body["county"].get<std::string>();
  }
  txn.Put(table_, key, EncodeRow(op));
}

std::optional<Operator> OperatorRoster::Find(const std::string& name) const { return Find(own_key_, name); }

std::optional<Operator> OperatorRoster::Find(const PublicKey& hub, const std::string& name) const {
  std::optional<Operator> found;
  const Bytes key = RowKey(hub, name);
  store_.env().Read([&](LmdbTxn& txn) {
    if (auto row = txn.Get(table_, key)) found = DecodeRow(key, *row);
  });
  return found;
}

bool OperatorRoster::IsListedHub(const PublicKey& key) const {
  if (key == own_key_ || store_.IsRoot(key)) return true;
  // Principle 6: an operator record by an outlet is stored but names nobody.
  std::optional<Enrollment> enrolled = store_.FindEnrollment(key);
  return enrolled && (enrolled->role == "county" || enrolled->role == "city");
}

std::vector<Operator> OperatorRoster::List() const {
  std::vector<Operator> all;
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, table_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) all.push_back(DecodeRow(cursor.key(), cursor.value()));
  });
  std::vector<Operator> listed;
  for (Operator& op : all) {
    if (IsListedHub(op.hub)) listed.push_back(std::move(op));
  }
  std::stable_sort(listed.begin(), listed.end(), [&](const Operator& a, const Operator& b) {
    return (a.hub == own_key_) > (b.hub == own_key_);  // this hub's first; the rest stay in key order
  });
  return listed;
}

bool OperatorRoster::IsActive(const std::string& name, std::string_view role) const {
  std::optional<Operator> op = Find(name);
  return op && op->active && op->role == role;
}

void OperatorRoster::RequireActive(const std::string& name, std::string_view role, std::string_view act) const {
  std::optional<Operator> op = Find(name);
  const std::string who = "'" + name + "'";
  const std::string add = "; a county_admin adds operators with bangban-hub user add";
  if (!op) {
    throw Error(ErrorCode::kNotOperator, who + " is not an operator of this hub, so may not " + std::string(act) + add);
  }
  if (!op->active) {
    throw Error(ErrorCode::kNotOperator,
                who + " was disabled as an operator of this hub, so may not " + std::string(act));
  }
  if (op->role != role) {
    throw Error(ErrorCode::kNotOperator,
                who + " is a " + op->role + " of this hub; to " + std::string(act) + " takes a " + std::string(role));
  }
}

void OperatorRoster::Rebuild() {
  std::vector<Record> records;
  store_.ScanAll(
      [&](const Record& r) {
        if (r.type() == "operator.enroll" || r.type() == "operator.disable") records.push_back(r);
        return true;
      },
      [](const FeedStore::DamagedRecord&) {});  // audit names damaged records; reindex refuses them first
  store_.env().Write([&](LmdbTxn& txn) {
    int rc = mdb_drop(txn.raw(), table_, 0);
    if (rc != 0) ThrowLmdb("drop", rc);
    for (const Record& r : records) Fold(txn, r);
  });
}

}  // namespace bangban
