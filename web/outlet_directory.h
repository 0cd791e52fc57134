// The public outlet directory (/public/outlets): where a citizen can get help, searchable by
// county and township. It carries no personal data: an outlet's name, kind, address, public
// phone and hours, as the outlet published them in its signed `outlet.profile` record.
//
// OutletSource is what the pages read. The oversight room's outlet registry (a projection of
// `outlet.profile` records) is meant to implement it; until it lands, StoreOutletSource reads
// the hub's enrollments and the latest profile in each outlet's recent records.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/schema.h"
#include "storage/feed_store.h"

namespace bangban {

struct OutletListing {
  std::string outlet_id, name, county;
  bool profiled = false;  // an outlet.profile was found; the fields below come from it
  std::string kind, township, village, address, phone, hours;
  std::vector<std::string> services;
  Json six_haves;  // {"sign": bool, ...} or null

  Json ToJson() const;
};

class OutletSource {
 public:
  virtual ~OutletSource() = default;
  // Every outlet, sorted by county, township, outlet id.
  virtual std::vector<OutletListing> Outlets() = 0;
  // Says where the listing comes from, for the page's honest label.
  virtual std::string Provenance() const = 0;
};

// Matches a listing against the directory's search: county code or name and township, each a
// substring (case-sensitive; empty matches all).
bool MatchesSearch(const OutletListing& outlet, const std::string& county, const std::string& township);

// The interim source: enrolled outlet keys (not revoked), each with the latest outlet.profile
// among the last kScanRecords records of its feed. Recomputed at most once a minute.
class StoreOutletSource : public OutletSource {
 public:
  static constexpr uint64_t kScanRecords = 5000;
  explicit StoreOutletSource(const FeedStore& store) : store_(store) {}

  std::vector<OutletListing> Outlets() override;
  std::string Provenance() const override { return "enrollments + outlet.profile records (interim)"; }

 private:
  const FeedStore& store_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> built_;
  std::vector<OutletListing> cached_;
};

}  // namespace bangban
