#include "review/applicant_links.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "crypto/coding.h"
#include "crypto/error.h"

namespace bangban {
namespace {

constexpr size_t kKeySize = 32;

Bytes Concat(ByteView a, ByteView b, ByteView c = {}) {
  Bytes out(a.begin(), a.end());
  PutRaw(out, b);
  PutRaw(out, c);
  return out;
}

ByteView View(const std::array<uint8_t, 32>& bytes) { return {bytes.data(), bytes.size()}; }

template <size_t N>
std::array<uint8_t, N> Fixed(ByteView bytes) {
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.begin() + N, out.begin());
  return out;
}

ApplicantLink DecodeLink(ByteView key, ByteView value) {
  if (key.size() != 2 * kKeySize || value.size() < kKeySize) {
    throw Error(ErrorCode::kProjection, "proj_links: a damaged entry; rebuild with bangban-hub reindex");
  }
  ApplicantLink link;
  link.hub = Fixed<32>(key.subspan(0, kKeySize));
  link.submit = Fixed<32>(key.subspan(kKeySize));
  link.pseudonym = Fixed<32>(value.subspan(0, kKeySize));
  ByteView rest = value.subspan(kKeySize);
  std::optional<std::string> app_id = GetShortString(rest);
  std::optional<std::string> outlet_id = GetShortString(rest);
  if (!app_id || !outlet_id) {
    throw Error(ErrorCode::kProjection, "proj_links: a damaged entry; rebuild with bangban-hub reindex");
  }
  link.app_id = std::move(*app_id);
  link.outlet_id = std::move(*outlet_id);
  return link;
}

bool IsSpaceAt(const std::string& s, size_t i, size_t* width) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return *width = 1, true;
  return false;
}

}  // namespace

std::string NormalEntityName(const std::string& name) {
  static const std::string kIdeographicSpace = "\xE3\x80\x80";  // U+3000
  size_t begin = 0, end = name.size(), width = 0;
  for (;;) {
    if (begin < end && IsSpaceAt(name, begin, &width)) {
      begin += width;
    } else if (name.compare(begin, kIdeographicSpace.size(), kIdeographicSpace) == 0 &&
               begin + kIdeographicSpace.size() <= end) {
      begin += kIdeographicSpace.size();
    } else {
      break;
    }
  }
  for (;;) {
    if (end > begin && IsSpaceAt(name, end - 1, &width)) {
      end -= width;
    } else if (end >= begin + kIdeographicSpace.size() &&
               name.compare(end - kIdeographicSpace.size(), kIdeographicSpace.size(), kIdeographicSpace) == 0) {
      end -= kIdeographicSpace.size();
    } else {
      break;
    }
  }
  return name.substr(begin, end - begin);
}

ApplicantLinks::ApplicantLinks(FeedStore& store, const PublicKey& own_key, std::string role, std::string county)
    : store_(store),
      own_key_(own_key),
      role_(std::move(role)),
      county_(std::move(county)),
      links_(store.env().OpenDb("proj_links")),
      applicants_(store.env().OpenDb("proj_applicants")) {}

StoreObserver ApplicantLinks::Observer() {
  return [this](LmdbTxn& txn, const Record& record, int64_t) { Fold(txn, record); };
}

void ApplicantLinks::Fold(LmdbTxn& txn, const Record& record) {
  if (record.type() == "applicant.link") FoldLink(txn, record.author(), record.body());
}

void ApplicantLinks::FoldLink(LmdbTxn& txn, const PublicKey& author, const Json& body) {
  const Bytes& submit = body["submit"].get_binary();
  const Bytes& pseudonym = body["pseudonym"].get_binary();
  const Bytes key = Concat(View(author), submit);
  Bytes value(pseudonym.begin(), pseudonym.end());
  PutShortString(value, body["app_id"].get_ref<const std::string&>());  // the schema bounds both to 64 bytes
  PutShortString(value, body["outlet_id"].get_ref<const std::string&>());
  if (!txn.PutIfAbsent(links_, key, value)) return;  // the first link of a submit stands
  txn.Put(applicants_, Concat(View(author), pseudonym, submit), {});
}

std::optional<ApplicantLink> ApplicantLinks::LinkOf(const PublicKey& hub, const RecordId& submit) const {
  std::optional<ApplicantLink> found;
  const Bytes key = Concat(View(hub), View(submit));
  store_.env().Read([&](LmdbTxn& txn) {
    if (auto value = txn.Get(links_, key)) found = DecodeLink(key, *value);
  });
  return found;
}

std::vector<ApplicantLink> ApplicantLinks::LinksOf(const PublicKey& hub, const Hash32& pseudonym) const {
  std::vector<ApplicantLink> out;
  const Bytes prefix = Concat(View(hub), View(pseudonym));
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, applicants_);
    for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      const Bytes key = Concat(View(hub), cursor.key().subspan(2 * kKeySize));
      if (auto value = txn.Get(links_, key)) out.push_back(DecodeLink(key, *value));
    }
  });
  return out;
}

std::vector<ApplicantLink> ApplicantLinks::OtherApplications(const RecordId& submit) const {
  std::optional<ApplicantLink> link = LinkOf(own_key_, submit);
  if (!link) return {};
  std::vector<ApplicantLink> others = LinksOf(own_key_, link->pseudonym);
  std::erase_if(others, [&](const ApplicantLink& l) { return l.submit == submit; });
  return others;
}

std::optional<std::string> ApplicantLinks::CountyOf(const PublicKey& hub) const {
  if (hub == own_key_) return role_ == "county" ? std::optional<std::string>(county_) : std::nullopt;
  std::optional<Enrollment> enrolled = store_.FindEnrollment(hub);
  if (enrolled && enrolled->role == "county") return enrolled->county;
  return std::nullopt;
}

std::map<std::string, ApplicantLinks::Counts> ApplicantLinks::CountsByCounty() const {
  // Per hub first (the table is in hub, pseudonym order), then per county: a county whose hub
  // was re-keyed has two hub keys with one pseudonym key, so its pseudonyms are joined.
  std::map<PublicKey, std::set<Hash32>> by_hub;
  std::map<PublicKey, uint64_t> links_by_hub;
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, applicants_);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      if (cursor.key().size() != 3 * kKeySize) continue;
      const PublicKey hub = Fixed<32>(cursor.key().subspan(0, kKeySize));
      by_hub[hub].insert(Fixed<32>(cursor.key().subspan(kKeySize, kKeySize)));
      ++links_by_hub[hub];
    }
  });
  std::map<std::string, std::set<Hash32>> by_county;
  std::map<std::string, Counts> counts;
  for (auto& [hub, pseudonyms] : by_hub) {
    std::optional<std::string> county = CountyOf(hub);
    if (!county) continue;
    by_county[*county].merge(pseudonyms);
    counts[*county].links += links_by_hub[hub];
  }
  for (auto& [county, pseudonyms] : by_county) counts[county].distinct = pseudonyms.size();
  return counts;
}

std::vector<LikelyDuplicate> ApplicantLinks::LikelyDuplicates(const PublicKey& hub, int window_days,
                                                              size_t limit) const {
  if (!CountyOf(hub)) return {};  // not a county hub's links: they name nobody
  const int64_t window_ms = int64_t{window_days} * 24 * 60 * 60 * 1000;
  // The pseudonyms with more than one application; the rest cannot be duplicates.
  std::vector<std::vector<ApplicantLink>> groups;
  store_.env().Read([&](LmdbTxn& txn) {
    LmdbCursor cursor(txn, applicants_);
    const Bytes prefix(hub.begin(), hub.end());
    std::vector<ApplicantLink> group;
    auto close = [&] {
      if (group.size() > 1) groups.push_back(std::move(group));
      group.clear();
    };
    for (bool ok = cursor.Seek(prefix); ok && HasPrefix(cursor.key(), prefix); ok = cursor.Next()) {
      if (cursor.key().size() != 3 * kKeySize) continue;
      const Bytes key = Concat(prefix, cursor.key().subspan(2 * kKeySize));
      auto value = txn.Get(links_, key);
      if (!value) continue;
      ApplicantLink link = DecodeLink(key, *value);
      if (!group.empty() && group.front().pseudonym != link.pseudonym) close();
      group.push_back(std::move(link));
    }
    close();
  });
  std::vector<LikelyDuplicate> found;
  for (const std::vector<ApplicantLink>& group : groups) {
    std::vector<std::pair<LikelyDuplicate::Application, std::string>> apps;  // with the entity name
    for (const ApplicantLink& link : group) {
      std::optional<Record> submit = store_.Get(link.submit);
      if (!submit || submit->type() != "app.submit") continue;  // not (yet) held here
      apps.push_back({{link.app_id, link.outlet_id, link.submit, submit->envelope().ts},
                      NormalEntityName(submit->body()["entity_name"].get<std::string>())});
    }
    std::sort(apps.begin(), apps.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.submitted_ms, a.first.submit) < std::tie(b.first.submitted_ms, b.first.submit);
    });
    for (size_t i = 0; i < apps.size(); ++i) {
      for (size_t j = i + 1; j < apps.size(); ++j) {
        if (apps[j].first.submitted_ms - apps[i].first.submitted_ms > window_ms) break;
        if (apps[i].second != apps[j].second || apps[i].first.outlet_id == apps[j].first.outlet_id) continue;
        if (found.size() >= limit) return found;
        found.push_back({apps[i].second, apps[i].first, apps[j].first});
      }
    }
  }
  return found;
}

void ApplicantLinks::Rebuild() {
  // Only the links are kept while scanning (a few hundred bytes each, not whole records), then
  // the tables are replaced in one transaction, so an interrupted rebuild changes nothing.
  std::vector<std::pair<PublicKey, Json>> links;
  store_.ScanAll(
      [&](const Record& r) {
        if (r.type() == "applicant.link") links.emplace_back(r.author(), r.body());
        return true;
      },
      [](const FeedStore::DamagedRecord&) {});  // audit names damaged records; reindex refuses them first
  store_.env().Write([&](LmdbTxn& txn) {
    for (MDB_dbi table : {links_, applicants_}) {
      int rc = mdb_drop(txn.raw(), table, 0);
      if (rc != 0) ThrowLmdb("drop", rc);
    }
    for (const auto& [author, body] : links) FoldLink(txn, author, body);
  });
}

}  // namespace bangban
