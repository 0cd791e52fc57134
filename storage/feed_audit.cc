// FeedStore::Audit: trusts nothing the store derived; re-derives it from the record bytes.
#include <algorithm>
#include <cstring>
#include <set>

#include "crypto/coding.h"
#include "storage/feed_layout.h"
#include "storage/feed_store.h"

namespace bangban {

namespace {

struct Authority {
  std::string role;
  std::string county;
};

// Enrollments recomputed from key records alone, starting from the trust roots.
class EnrollmentReplay {
 public:
  explicit EnrollmentReplay(const std::vector<TrustRoot>& roots) {
    for (const TrustRoot& root : roots) authority_[root.key] = {root.role, root.county};
  }

  // Applies key records whose author has authority, until nothing more applies (an outlet's
  // enrollment may be seen before its county hub's own).
  void Run(const std::vector<Record>& key_records) {
    std::set<RecordId> applied;
    for (bool progress = true; progress;) {
      progress = false;
      for (const Record& r : key_records) {
        if (applied.count(r.id()) || !Apply(r)) continue;
        applied.insert(r.id());
        progress = true;
      }
    }
  }

  std::map<PublicKey, Enrollment> enrollments;
  std::map<PublicKey, RecordId> revocations;  // the key.revoke record in force, per key

 private:
  bool Apply(const Record& r) {
    auto author = authority_.find(r.author());
    if (author == authority_.end()) return false;
    PublicKey subject;
    std::memcpy(subject.data(), r.body()["key"].get_binary().data(), 32);
    if (r.type() == "key.enroll") {
      const std::string& role = r.body()["role"];
      const std::string& county = r.body()["county"];
      bool allowed = author->second.role == "city" ||
                     (author->second.role == "county" && role == "outlet" && county == author->second.county);
      if (!allowed) return false;
      auto existing = enrollments.find(subject);
      if (existing != enrollments.end() && existing->second.enrolled_by != r.author() &&
          author->second.role != "city") {
        return false;  // no takeover of another county's key (see FeedStore::KeyRecordProblem)
      }
      Enrollment& e = enrollments[subject];
      e.key = subject;
      e.role = role;
      e.county = county;
      e.name = r.body()["name"];
      e.outlet_id = r.body().value("outlet_id", "");
      e.enrolled_by = r.author();
      authority_.try_emplace(subject, Authority{role, county});
      return true;
    }
    auto e = enrollments.find(subject);
    if (e == enrollments.end()) return false;
    if (author->second.role != "city" && e->second.enrolled_by != r.author()) return false;
    uint64_t after = r.body()["after_seq"];
    if (!e->second.revoked_after_seq || after < *e->second.revoked_after_seq) {
      e->second.revoked_after_seq = after;
      revocations[subject] = r.id();
    }
    return true;
  }

  std::map<PublicKey, Authority> authority_;
};

std::string Where(const PublicKey& author, uint64_t seq) {
  return "feed " + KeyId(author) + " seq " + std::to_string(seq);
}

}  // namespace

std::vector<std::string> FeedStore::Audit() const {
  std::vector<std::string> problems;
  std::vector<Record> key_records;
  std::map<PublicKey, std::vector<uint64_t>> seqs_by_author;
  uint64_t feed_entries = 0;
  uint64_t entries_of_earlier_layout = 0;  // feed entries holding an id (docs/architecture.md, Store tables)

  env_.Read([&](LmdbTxn& txn) {
    LmdbCursor heads(txn, heads_);
    for (bool ok = heads.First(); ok; ok = heads.Next()) {
      PublicKey author;
      std::memcpy(author.data(), heads.key().data(), 32);
      uint64_t head_seq = DecodeBigEndian64(heads.value().data());
      std::optional<RecordId> prev;
      for (uint64_t seq = 1; seq <= head_seq; ++seq) {
        auto entry = txn.Get(feed_, FeedKeyOf(author, seq));
        if (!entry) {
          problems.push_back(Where(author, seq) + ": missing below the head " + std::to_string(head_seq));
          prev.reset();
          continue;
        }
        ++feed_entries;
        if (feed_layout::IsEarlierFeedEntry(*entry)) ++entries_of_earlier_layout;
        auto wire = WireOf(txn, *entry);
        if (!wire) {
          problems.push_back(Where(author, seq) + ": the record bytes are missing");
          prev.reset();
          continue;
        }
        try {
          Record r = Record::Decode(*wire);
          auto receipt = txn.Get(received_, r.id());
          // (A receipt of the earlier layout holds no place; a missing one is named below.)
          const bool misplaced = receipt && receipt->size() != feed_layout::kReceiptTimeBytes &&
                                 (!feed_layout::IsCurrentReceipt(*receipt) ||
                                  !std::ranges::equal(feed_layout::PlaceOf(*receipt), FeedKeyOf(author, seq)));
          if (feed_layout::IsEarlierFeedEntry(*entry) ? !std::equal(entry->begin(), entry->end(), r.id().begin())
                                                      : misplaced) {
            problems.push_back(Where(author, seq) + ": stored id does not match the record's hash");
          }
          if (r.author() != author || r.seq() != seq) {
            problems.push_back(Where(author, seq) + ": the record names another author or seq");
          }
          if (!r.VerifySignature()) problems.push_back(Where(author, seq) + ": bad signature");
          if (seq > 1 && prev && r.envelope().prev != prev) {
            problems.push_back(Where(author, seq) + ": prev does not chain to seq " + std::to_string(seq - 1));
          }
          if (!receipt) {
            problems.push_back(Where(author, seq) + ": no receipt time recorded");
          }
          if (r.type() == "key.enroll" || r.type() == "key.revoke") key_records.push_back(r);
          prev = r.id();
        } catch (const Error& e) {
          problems.push_back(Where(author, seq) + ": " + e.what());
          prev.reset();
        }
      }
      seqs_by_author[author].push_back(head_seq);
    }
    MDB_stat feed_stat, record_stat;
    mdb_stat(txn.raw(), feed_, &feed_stat);
    mdb_stat(txn.raw(), records_, &record_stat);
    if (feed_stat.ms_entries != feed_entries) {
      problems.push_back(std::to_string(feed_stat.ms_entries - feed_entries) +
                         " feed entries lie above their feed's head");
    }
    // Stores of the earlier layout keep records apart from their feeds until converted at open.
    if (record_stat.ms_entries != entries_of_earlier_layout) {
      problems.push_back("the store holds " + std::to_string(record_stat.ms_entries) +
                         " records apart from their feeds, but its feeds point to " +
                         std::to_string(entries_of_earlier_layout));
    }
    LmdbCursor forks(txn, forks_);
    for (bool ok = forks.First(); ok; ok = forks.Next()) {
      try {
        if (!Record::Decode(forks.value()).VerifySignature()) {
          problems.push_back("fork evidence with a bad signature is kept");
        }
      } catch (const Error& e) {
        problems.push_back(std::string("unreadable fork evidence: ") + e.what());
      }
    }
  });

  // Enrollments: recompute from the key records and compare with what the store derived.
  EnrollmentReplay replay(options_.roots);
  replay.Run(key_records);
  std::map<PublicKey, Enrollment> stored;
  for (Enrollment& e : Enrollments()) stored[e.key] = e;
  for (const auto& [key, e] : replay.enrollments) {
    auto it = stored.find(key);
    if (it == stored.end()) {
      problems.push_back("enrollment of " + KeyId(key) + " is in the records but not in the store");
    } else if (it->second.role != e.role || it->second.county != e.county || it->second.enrolled_by != e.enrolled_by ||
               it->second.revoked_after_seq != e.revoked_after_seq) {
      problems.push_back("enrollment of " + KeyId(key) + " differs from what its records say");
    }
  }
  for (const auto& [key, e] : stored) {
    if (!replay.enrollments.count(key)) {
      problems.push_back("enrollment of " + KeyId(key) + " has no authorised key.enroll record");
    }
  }
  // Every author must be a root or enrolled (where the store requires it), within revocation.
  for (const auto& [author, heads] : seqs_by_author) {
    bool root = FindRoot(author) != nullptr;
    auto e = replay.enrollments.find(author);
    if (!root && e == replay.enrollments.end()) {
      if (options_.require_enrollment) problems.push_back("feed " + KeyId(author) + ": author is not enrolled");
      continue;
    }
    if (!root && e->second.revoked_after_seq && heads.front() > *e->second.revoked_after_seq) {
      // A record past the revocation point is a problem only if it was stored after this store
      // learned of the revocation (a revocation may name a point in the past).
      auto revoked_at = ReceivedAt(replay.revocations[author]);
      for (uint64_t seq = *e->second.revoked_after_seq + 1; seq <= heads.front(); ++seq) {
        auto r = GetBySeq(author, seq);
        auto at = r ? ReceivedAt(r->id()) : std::nullopt;
        if (revoked_at && at && *at > *revoked_at) {
          problems.push_back("feed " + KeyId(author) + " seq " + std::to_string(seq) +
                             ": accepted after the key's revocation (after seq " +
                             std::to_string(*e->second.revoked_after_seq) + ") was known");
          break;
        }
      }
    }
  }
  return problems;
}

}  // namespace bangban
