// RecordCensus: one pass over every stored record, sorted into what the oversight figures read,
// per county. The oversight report, the assessment, the public directory and the annual-report
// reminders are all computed from it.
//
// Why a scan at report time rather than a projection folded as records arrive (as
// review/case_book is): these figures are read a few times a day, not on every record; a city
// of 13 counties and ~1,000 outlets stores a few hundred thousand records a year, which one
// sequential LMDB scan reads in seconds; and a scan has no state to keep consistent, rebuild
// (`reindex`) or migrate. The SLA figures, which are costly (working-time arithmetic per case),
// come from the case book's projection instead.
//
// Principle 6 (docs/architecture.md): a validly signed record whose content is wrong for the hub
// (an unknown township, an outlet id its author is not enrolled as, a verdict on another county's
// complaint, a second verdict) is not counted where it does not fit; it is listed in `flags`.
// Only records stamped at or before `at_ms` (their author's clock, which every hub holding the
// record reads alike) are counted, so a county hub and the city compute the same figures.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oversight/townships.h"
#include "storage/feed_store.h"

namespace bangban {

struct Flag {
  std::string record;  // record id (hex)
  std::string type;
  std::string county;
  std::string problem;
  Json ToJson() const { return {{"record", record}, {"type", type}, {"county", county}, {"problem", problem}}; }
};

// A stored record the figures cite: its id, its author's timestamp, its body.
struct Cited {
  std::string id;      // hex
  std::string author;  // hex
  int64_t ts = 0;
  uint64_t seq = 0;
  Json body;
};

struct OutletEntry {
  std::string outlet_id;
  std::string name;  // as enrolled
  PublicKey key{};
  bool revoked = false;
  std::optional<Cited> profile;              // the latest outlet.profile
  std::optional<Cited> inspection;           // the county's latest outlet.inspect
  std::optional<std::string> township_code;  // the profile's township, resolved
  std::optional<Cited> last_record;          // the outlet's latest record (activity)
};

struct Complaint {
  Cited filed;
  std::string outlet_id;
  std::optional<Cited> verdict;
};

struct Entity {
  std::string uscc;
  std::string outlet_id;  // the outlet that served it (may be empty)
  int established_year = 0;
  std::string record;  // the review.approve that issued its code
};

struct CountyCensus {
  std::string county;
  std::optional<TownshipList> townships;
  std::string townships_record;                 // the county.townships record in force
  std::map<std::string, OutletEntry> outlets;   // by outlet id
  std::vector<Cited> apps;                      // app.submit, body plus "outlet_id" of its author
  std::map<std::string, Entity> entities;       // by uscc
  std::vector<Cited> filings;                   // annual.filed
  std::vector<Cited> reminders;                 // annual.remind
  std::vector<Cited> referrals;                 // finance.referral
  std::vector<Cited> trainings;                 // outlet.training
  std::map<std::string, Complaint> complaints;  // by complaint record id
  std::vector<Cited> ratings;                   // feedback.rating
  std::vector<Cited> reviews;                   // review.*, the body with "action" (accept, ...)
  std::set<std::string> applicants;             // distinct pseudonyms (hex) of the county hub's applicant.link
};

struct Census {
  int64_t at_ms = 0;
  std::map<std::string, CountyCensus> counties;
  std::vector<Flag> flags;
};

// Whose figures: a county hub sees its county, the city every county.
struct CensusScope {
  std::string role;    // county | city
  std::string county;  // the county hub's county (ignored for the city)
  PublicKey own_key{};
};

Census TakeCensus(const FeedStore& store, const CensusScope& scope, int64_t at_ms);

}  // namespace bangban
