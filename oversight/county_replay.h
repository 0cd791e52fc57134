// County replay: the city's faithful recomputation of a county's figures. It builds, in a
// scratch directory, the county's review projection exactly as the county built it: every
// record of the county's published log (county_witness.h) is stored in log order at the receipt
// instant the county logged for it, under the rules the county published (county_rules.h) in
// force from their instants. A report over the replay is therefore computed with the county's
// clock and rules, and agrees with the county's own report to the millisecond when the county is
// honest — while the city's own projection keeps its own receipt times (docs/audit.md).
//
// Records the city does not hold yet are counted (`missing`) and left out; a figure that needs
// them is not comparable yet.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oversight/county_witness.h"
#include "review/case_book.h"

namespace bangban {

class CountyReplay {
 public:
  // Replays `log` (rebuilt from `source`, the city's store) in `scratch` (a directory of its own:
  // whatever is there is replaced), which is removed again when the replay goes. `city_key` is the city root the county
  // answers to. Rules records that do not decode are left out and named in findings().
  // With `until_ms`, only the leaves the county received at or before it are replayed (the
  // county's store as it was then); AdvanceTo replays on. `source` and `log` must outlive the
  // replay.
  CountyReplay(const FeedStore& source, const CountyLog& log, const PublicKey& city_key,
               const std::filesystem::path& scratch, int64_t until_ms = INT64_MAX);
  CountyReplay(const CountyReplay&) = delete;
  CountyReplay& operator=(const CountyReplay&) = delete;

  // Replays the leaves received after the previous instant and at or before `until_ms` (an
  // earlier instant replays nothing: the replay only goes forward).
  void AdvanceTo(int64_t until_ms);

  // The fallback of the city's own report (city_sla.h): stores the records of the county's feeds
  // (its hub's and its outlets') that `source` holds but the county's log does not list yet, each
  // at `source`'s own receipt instant, in that order, after the leaves. Call it once, after the
  // last AdvanceTo; later leaves are not replayed.
  void FillIn();
  // What FillIn stored of cases (records with an app_id: submissions and reviews): how many
  // records, and the cases they belong to (sorted, one entry per county, app_id and outlet_id;
  // outlet_id "" when the record does not name it).
  uint64_t filled_in() const { return filled_in_; }
  Json FilledInCases() const;

  const CaseBook& cases() const { return *cases_; }
  const FeedStore& store() const { return *store_; }
  // Leaves replayed, and leaves whose record the source does not hold (the earliest's receipt).
  uint64_t replayed() const { return replayed_; }
  uint64_t missing() const { return missing_; }
  std::optional<int64_t> first_missing_ms() const { return first_missing_ms_; }
  // Records the replay refused (a county log listing a record its chain or enrollment cannot
  // carry): named, since the county's figures then rest on records nobody else can check.
  const std::vector<Finding>& findings() const { return findings_; }

 private:
  // The scratch directory, removed when the replay goes (also when its constructor throws).
  struct ScratchDir {
    explicit ScratchDir(std::filesystem::path dir);
    ~ScratchDir();
    std::filesystem::path path;
  };
  const FeedStore& source_;
  const CountyLog& log_;
  size_t next_ = 0;     // the next leaf to replay
  ScratchDir scratch_;  // destroyed after the store that lives in it
  std::unique_ptr<FeedStore> store_;
  std::unique_ptr<CaseBook> cases_;
  uint64_t replayed_ = 0, missing_ = 0, filled_in_ = 0;
  std::set<std::pair<std::string, std::string>> filled_in_cases_;  // (app_id, outlet_id)
  std::optional<int64_t> first_missing_ms_;
  std::vector<Finding> findings_;
};

}  // namespace bangban
