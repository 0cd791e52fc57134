#include "oversight/record_census.h"

#include <algorithm>

#include "crypto/bytes.h"
#include "protocol/civil_time.h"

namespace bangban {

namespace {

struct Author {
  std::string role;  // outlet | county | city
  std::string county;
  std::string outlet_id;
};

std::map<PublicKey, Author> Authors(const FeedStore& store) {
  std::map<PublicKey, Author> authors;
  for (const TrustRoot& root : store.roots()) authors[root.key] = {root.role, root.county, ""};
  for (const Enrollment& e : store.Enrollments()) authors[e.key] = {e.role, e.county, e.outlet_id};
  return authors;
}

Cited CiteOf(const Record& r) { return {ToHex(r.id()), ToHex(r.author()), r.envelope().ts, r.seq(), r.body()}; }

// Keeps the later of two records of one feed (a later one replaces the earlier; history is kept
// in the feed).
void KeepLatest(std::optional<Cited>& slot, const Record& r) {
  if (!slot || slot->ts < r.envelope().ts || (slot->ts == r.envelope().ts && slot->seq < r.seq())) slot = CiteOf(r);
}

class CensusTaker {
 public:
  CensusTaker(const FeedStore& store, const CensusScope& scope, int64_t at_ms)
      : store_(store), scope_(scope), authors_(Authors(store)) {
    census_.at_ms = at_ms;
  }

  Census Take() {
    if (scope_.role == "county") County(scope_.county);
    store_.ScanAll(
        [&](const Record& r) {
          if (r.envelope().ts <= census_.at_ms) Sort(r);
          return true;
        },
        [](const FeedStore::DamagedRecord&) {});  // audit names damaged records
    // The enrollments and revocations stamped by the report's instant (the store's table holds
    // every one it has now), so that a report at an instant does not change as later ones arrive.
    std::set<std::pair<std::string, std::string>> seen;  // (county, outlet id)
    for (const Enrollment& e : store_.Enrollments()) {
      if (!enrolled_.count(e.key)) continue;
      if (e.role == "county" && InScope(e.county)) County(e.county);
      if (e.role != "outlet" || !InScope(e.county)) continue;
      OutletEntry& outlet = County(e.county).outlets[e.outlet_id];
      bool first_key = seen.insert({e.county, e.outlet_id}).second;
      outlet.outlet_id = e.outlet_id;
      outlet.name = e.name;
      outlet.key = e.key;
      // An outlet with a replaced machine has two keys: it is revoked only when every key is.
      outlet.revoked = (first_key || outlet.revoked) && e.revoked_after_seq.has_value() && revoked_.count(e.key);
    }
    for (auto& [code, county] : census_.counties) Settle(county);
    return std::move(census_);
  }

 private:
  bool InScope(const std::string& county) const { return scope_.role == "city" || county == scope_.county; }

  CountyCensus& County(const std::string& code) {
    CountyCensus& c = census_.counties[code];
    c.county = code;
    return c;
  }

  void Flag(const Record& r, const std::string& county, const std::string& problem) {
    census_.flags.push_back({ToHex(r.id()), r.type(), county, problem});
  }

  // The body's outlet_id is its author's own: an outlet speaks only for itself.
  bool OwnOutlet(const Record& r, const Author& a) {
    const std::string claimed = r.body().value("outlet_id", "");
    if (claimed == a.outlet_id) return true;
    Flag(r, a.county, "names outlet " + claimed + " but its author is enrolled as outlet " + a.outlet_id);
    return false;
  }

  bool ByCountyHub(const Record& r, const Author& a) {
    if (a.role == "county") return true;
    Flag(r, a.county, "only a county hub may write " + r.type() + "; its author is a " + a.role);
    return false;
  }

  void Sort(const Record& r) {
    if (r.type() == "key.enroll" || r.type() == "key.revoke") {
      const Json::binary_t& key = r.body()["key"].get_binary();
      PublicKey k{};
      if (key.size() != k.size()) return;
      std::copy(key.begin(), key.end(), k.begin());
      (r.type() == "key.enroll" ? enrolled_ : revoked_).insert(k);
    }
    auto found = authors_.find(r.author());
    if (found == authors_.end()) return;
    const Author& a = found->second;
    if (a.role == "city" || !InScope(a.county)) return;
    if (!FindSchema(r.type())) return;  // a later release's type: carried, not counted
    CountyCensus& c = County(a.county);
    const std::string& type = r.type();
    if (a.role == "outlet") {
      OutletEntry& outlet = c.outlets[a.outlet_id];
      outlet.outlet_id = a.outlet_id;
      KeepLatest(outlet.last_record, r);
    }
    if (type == "outlet.profile") {
      if (a.role != "outlet" || !OwnOutlet(r, a)) return;
      if (r.body()["county"] != a.county) {
        return Flag(r, a.county,
                    "claims county " + r.body()["county"].get<std::string>() +
                        " but its outlet is enrolled in county " + a.county);
      }
      KeepLatest(c.outlets[a.outlet_id].profile, r);
    } else if (type == "outlet.training" || type == "finance.referral") {
      if (a.role != "outlet" || !OwnOutlet(r, a)) return;
      (type == "outlet.training" ? c.trainings : c.referrals).push_back(CiteOf(r));
    } else if (type == "app.submit") {
      if (a.role != "outlet") return;
      Cited app = CiteOf(r);
      app.body["outlet_id"] = a.outlet_id;
      c.apps.push_back(std::move(app));
    } else if (type == "annual.filed") {
      c.filings.push_back(CiteOf(r));
    } else if (type == "annual.remind") {
      c.reminders.push_back(CiteOf(r));
    } else if (type == "feedback.rating") {
      c.ratings.push_back(CiteOf(r));
    } else if (type == "complaint.file") {
      c.complaints[ToHex(r.id())] = {CiteOf(r), r.body()["outlet_id"].get<std::string>(), std::nullopt};
    } else if (type.starts_with("review.")) {
      if (a.role != "county") return;
      Cited review = CiteOf(r);
      review.body["action"] = type.substr(std::string_view("review.").size());
      c.reviews.push_back(std::move(review));
      const Json& b = r.body();
      if (type == "review.approve" && b.contains("uscc")) {
        const std::string uscc = b["uscc"].get<std::string>();
        if (!c.entities.count(uscc)) {
          c.entities[uscc] = {uscc, b.value("outlet_id", ""), LocalDate(r.envelope().ts).year, ToHex(r.id())};
        }
      }
    } else if (type == "outlet.inspect") {
      if (ByCountyHub(r, a)) inspections_[a.county].push_back(r);
    } else if (type == "county.townships") {
      if (!ByCountyHub(r, a)) return;
      if (r.body()["county"] != a.county) {
        return Flag(r, a.county,
                    "lists the townships of county " + r.body()["county"].get<std::string>() +
                        " but its author is the hub of county " + a.county);
      }
      if (!townships_[a.county] || townships_[a.county]->seq() < r.seq()) townships_[a.county] = r;
    } else if (type == "complaint.verdict") {
      if (ByCountyHub(r, a)) verdicts_[a.county].push_back(r);
    } else if (type == "applicant.link") {
      // Read from the records, like every census figure, so that a snapshot at an instant and
      // the city's recomputation of it count the same links.
      if (ByCountyHub(r, a)) c.applicants.insert(ToHex(r.body()["pseudonym"].get_binary()));
    }
  }

  void Settle(CountyCensus& c) {
    if (auto list = townships_[c.county]) {
      c.townships = TownshipList::FromRecordBody(list->body());
      c.townships_record = ToHex(list->id());
    }
    for (auto& [id, outlet] : c.outlets) {
      if (!outlet.profile) continue;
      const std::string township = outlet.profile->body["township"].get<std::string>();
      const Township* unit = c.townships ? c.townships->Resolve(township) : nullptr;
      if (unit) {
        outlet.township_code = unit->code;
      } else if (c.townships) {  // without a list the county, not the outlet, is at fault: coverage shows it
        census_.flags.push_back({outlet.profile->id, "outlet.profile", c.county,
                                 "township '" + township + "' is not a unit of county " + c.county});
      }
    }
    for (const Record& r : inspections_[c.county]) {
      auto outlet = c.outlets.find(r.body()["outlet_id"].get<std::string>());
      if (outlet == c.outlets.end() || outlet->second.key == PublicKey{}) {
        Flag(r, c.county,
             "inspects outlet " + r.body()["outlet_id"].get<std::string>() + ", not enrolled in county " + c.county);
        continue;
      }
      auto& slot = outlet->second.inspection;
      const std::string date = r.body()["date"].get<std::string>();
      if (!slot || slot->body["date"].get<std::string>() < date ||
          (slot->body["date"].get<std::string>() == date && slot->seq < r.seq())) {
        slot = CiteOf(r);
      }
    }
    for (auto& [id, complaint] : c.complaints) {
      auto outlet = c.outlets.find(complaint.outlet_id);
      if (outlet == c.outlets.end() || outlet->second.key == PublicKey{}) {
        census_.flags.push_back({id, "complaint.file", c.county,
                                 "names outlet " + complaint.outlet_id + ", not enrolled in county " + c.county});
      }
    }
    std::sort(verdicts_[c.county].begin(), verdicts_[c.county].end(),
              [](const Record& x, const Record& y) { return x.seq() < y.seq(); });
    for (const Record& r : verdicts_[c.county]) {
      auto complaint = c.complaints.find(ToHex(r.body()["complaint_id"].get_binary()));
      if (complaint == c.complaints.end()) {
        Flag(r, c.county, "decides a complaint that is not one of county " + c.county + "'s");
      } else if (complaint->second.verdict) {
        Flag(r, c.county, "a second verdict on complaint " + complaint->first.substr(0, 16) + ": the first stands");
      } else {
        complaint->second.verdict = CiteOf(r);
      }
    }
  }

  const FeedStore& store_;
  const CensusScope& scope_;
  std::map<PublicKey, Author> authors_;
  Census census_;
  std::map<std::string, std::optional<Record>> townships_;  // by county: the latest list
  std::map<std::string, std::vector<Record>> inspections_, verdicts_;
  std::set<PublicKey> enrolled_, revoked_;  // keys of key.enroll / key.revoke records stamped by at_ms
};

}  // namespace

Census TakeCensus(const FeedStore& store, const CensusScope& scope, int64_t at_ms) {
  return CensusTaker(store, scope, at_ms).Take();
}

}  // namespace bangban
