// OperatorRoster: the named people who act at a hub — a county's reviewers and county admins,
// the city's auditors — as a projection of the hub feeds' signed `operator.enroll` and
// `operator.disable` records (docs/records.md), kept in the LMDB table
//
//   proj_operators   hub key || name -> role, county, active, seq of the record that set it
//
// A hub enrolls and disables its own operators by writing those records into its own feed
// (`bangban-hub user add|disable`), so every hub above it, which holds that feed, knows them
// too. A name is an operator *of a hub* only through that hub's own records: the same name at
// another county is another person. Folding is idempotent and keyed by the record's seq (the
// latest record of a name wins), so `reindex` rebuilds exactly what the incremental fold built.
//
// The roster answers "is X an active operator of this hub with role R"; the review engine asks
// it before a review (review/case_book.h) and the applicant-data custody before it opens a box.
// The web pages add passwords and sessions to these same operators.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/identity.h"
#include "storage/feed_store.h"

namespace bangban {

// The roles an operator may have: at a county hub `reviewer` (acts on applications, opens
// applicant data) and `county_admin` (manages the county's operators and keys); at the city hub
// `city_auditor` (reads the access log and the figures).
inline constexpr std::string_view kReviewerRole = "reviewer";
inline constexpr std::string_view kCountyAdminRole = "county_admin";
inline constexpr std::string_view kCityAuditorRole = "city_auditor";

// "" when a hub of `hub_role` (county | city) may enroll an operator with `role`, otherwise why not.
std::string OperatorRoleProblem(std::string_view hub_role, std::string_view role);

struct Operator {
  PublicKey hub{};     // the hub whose feed enrolled the operator
  std::string name;    // the operator's id, e.g. r01 or a staff number
  std::string role;    // reviewer | county_admin | city_auditor
  std::string county;  // the enrolling hub's county (or city) code, as the record says
  bool active = false;
  uint64_t seq = 0;  // the hub feed's record that set this state
};

class OperatorRoster {
 public:
  // Opens the table in `store`; `own_key` is this hub's key, whose operators "this hub" means.
  OperatorRoster(FeedStore& store, const PublicKey& own_key);
  OperatorRoster(const OperatorRoster&) = delete;
  OperatorRoster& operator=(const OperatorRoster&) = delete;

  // The fold, for FeedStore::AddObserver: operator.* records of any author are folded under
  // that author; only a hub's (this one, or a county or city key enrolled here) are listed.
  StoreObserver Observer();

  // This hub's operator `name` (active or disabled), if it ever was one.
  std::optional<Operator> Find(const std::string& name) const;
  std::optional<Operator> Find(const PublicKey& hub, const std::string& name) const;
  // Every operator of every hub known here (this hub first, then by hub key), by name.
  std::vector<Operator> List() const;
  // Whether `name` is an active operator of this hub with `role`.
  bool IsActive(const std::string& name, std::string_view role) const;
  // Error(ErrorCode::kNotOperator) saying why `name` may not `act` (a sentence fragment such as
  // "review applications") here: unknown, disabled, or of another role.
  void RequireActive(const std::string& name, std::string_view role, std::string_view act) const;

  // Clears the table and folds every stored operator record again (`reindex`).
  void Rebuild();

 private:
  void Fold(LmdbTxn& txn, const Record& record);
  bool IsListedHub(const PublicKey& key) const;

  FeedStore& store_;
  PublicKey own_key_;
  MDB_dbi table_;
};

}  // namespace bangban
