// ApplicantLinks: which applications belong to the same applicant, as a projection of the county
// hubs' signed `applicant.link` records (docs/records.md), kept in two LMDB tables:
//
//   proj_links        hub key || submit id -> pseudonym || app_id || outlet_id
//   proj_applicants   hub key || pseudonym || submit id -> ""
//
// A county hub writes one link per app.submit of its county (custody/applicant_linker.h); the
// records replicate, so the city holds every county's links. Pseudonyms are read from these
// records only, never by opening boxes: a projection, `reindex` and the city need no key. A
// pseudonym is meaningful within its county hub's links only (each county has its own key).
// The first link of a submit in a hub's feed stands; folding is idempotent, so `reindex`
// rebuilds exactly what the incremental fold built. Links are folded under their author; only
// a county hub's are read (this hub at a county, a key enrolled as a county at the city): a link
// by anyone else is stored and names nobody (principle 6).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/identity.h"
#include "storage/feed_store.h"

namespace bangban {

struct ApplicantLink {
  PublicKey hub{};     // the county hub that wrote the link
  RecordId submit{};   // the app.submit record it links
  Hash32 pseudonym{};  // of the applicant's ID number, under that hub's pseudonym key
  std::string app_id, outlet_id;
};

// Two applications of one applicant for the same entity name at two outlets, within the window.
struct LikelyDuplicate {
  std::string entity_name;  // trimmed
  struct Application {
    std::string app_id, outlet_id;
    RecordId submit{};
    int64_t submitted_ms = 0;  // the app.submit's own ts
  };
  Application first, second;  // first.submitted_ms <= second.submitted_ms
};

// The entity name as the duplicate check compares it: leading and trailing white space (ASCII
// and the ideographic space U+3000) removed, otherwise the same Unicode string.
std::string NormalEntityName(const std::string& name);

class ApplicantLinks {
 public:
  // `own_key`, `role` and `county` are this hub's (hub.toml).
  ApplicantLinks(FeedStore& store, const PublicKey& own_key, std::string role, std::string county);
  ApplicantLinks(const ApplicantLinks&) = delete;
  ApplicantLinks& operator=(const ApplicantLinks&) = delete;

  // The fold, for FeedStore::AddObserver.
  StoreObserver Observer();

  // The link `hub` wrote for `submit`, if any (whoever the author: the linker asks of itself).
  std::optional<ApplicantLink> LinkOf(const PublicKey& hub, const RecordId& submit) const;
  // Every link of `hub` with `pseudonym`, by submit id.
  std::vector<ApplicantLink> LinksOf(const PublicKey& hub, const Hash32& pseudonym) const;
  // The applicant's other applications, as this hub linked them: those whose link has the same
  // pseudonym as the link of `submit`. Empty when this hub holds no link of `submit` (the city,
  // which writes none, asks of the county hub's links with LinksOf).
  std::vector<ApplicantLink> OtherApplications(const RecordId& submit) const;

  struct Counts {
    uint64_t links = 0;     // applications linked
    uint64_t distinct = 0;  // distinct pseudonyms among them
  };
  // Per county code, over the links of the county hubs read here (see above).
  std::map<std::string, Counts> CountsByCounty() const;
  // The likely duplicates among the links of county hub `hub`: the same pseudonym, the same
  // NormalEntityName, two different outlets, submitted (the records' own ts) at most
  // `window_days` apart. At most `limit`, in pseudonym then time order.
  std::vector<LikelyDuplicate> LikelyDuplicates(const PublicKey& hub, int window_days, size_t limit = 1000) const;

  // Clears the tables and folds every stored link again (`reindex`).
  void Rebuild();

 private:
  void Fold(LmdbTxn& txn, const Record& record);
  void FoldLink(LmdbTxn& txn, const PublicKey& author, const Json& body);
  // The county of a hub whose links are read here, or nullopt.
  std::optional<std::string> CountyOf(const PublicKey& hub) const;

  FeedStore& store_;
  PublicKey own_key_;
  std::string role_, county_;
  MDB_dbi links_, applicants_;
};

}  // namespace bangban
