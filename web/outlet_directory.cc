#include "web/outlet_directory.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace bangban {
namespace {

std::string Text(const Json& body, const char* field) {
  auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Json OutletListing::ToJson() const {
  Json j = {{"outlet_id", outlet_id}, {"name", name}, {"county", county}, {"profiled", profiled}};
  if (profiled) {
    j.update({{"kind", kind},
              {"township", township},
              {"village", village},
              {"address", address},
              {"phone", phone},
              {"hours", hours},
              {"services", services},
              {"six_haves", six_haves}});
  }
  return j;
}

bool MatchesSearch(const OutletListing& outlet, const std::string& county, const std::string& township) {
  if (!county.empty() && outlet.county.find(county) == std::string::npos) return false;
  if (!township.empty() && outlet.township.find(township) == std::string::npos &&
      outlet.village.find(township) == std::string::npos) {
    return false;
  }
  return true;
}

std::vector<OutletListing> StoreOutletSource::Outlets() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (built_ && now - *built_ < std::chrono::minutes(1)) return cached_;
  std::map<PublicKey, FeedHead> heads = store_.Heads();
  std::vector<OutletListing> outlets;
  for (const Enrollment& e : store_.Enrollments()) {
    if (e.role != "outlet" || e.revoked_after_seq) continue;
    OutletListing listing{e.outlet_id, e.name, e.county};
    auto head = heads.find(e.key);
    if (head != heads.end() && head->second.seq > 0) {
      const uint64_t to = head->second.seq;
      const uint64_t from = to > kScanRecords ? to - kScanRecords + 1 : 1;
      std::optional<Json> profile;
      store_.ScanFeed(
          e.key, from, to,
          [&](const Record& r) {
            if (r.type() == "outlet.profile" && Text(r.body(), "outlet_id") == e.outlet_id) profile = r.body();
            return true;
          },
          [](const FeedStore::DamagedRecord&) {});
      if (profile) {
        listing.profiled = true;
        if (std::string name = Text(*profile, "name"); !name.empty()) listing.name = name;
        listing.kind = Text(*profile, "kind");
        listing.township = Text(*profile, "township");
        listing.village = Text(*profile, "village");
        listing.address = Text(*profile, "address");
        listing.phone = Text(*profile, "phone");
        listing.hours = Text(*profile, "hours");
        if (auto s = profile->find("services"); s != profile->end() && s->is_array()) {
          for (const Json& service : *s) {
            if (service.is_string()) listing.services.push_back(service.get<std::string>());
          }
        }
        if (auto h = profile->find("six_haves"); h != profile->end() && h->is_object()) listing.six_haves = *h;
      }
    }
    outlets.push_back(std::move(listing));
  }
  std::sort(outlets.begin(), outlets.end(), [](const OutletListing& a, const OutletListing& b) {
    return std::tie(a.county, a.township, a.outlet_id) < std::tie(b.county, b.township, b.outlet_id);
  });
  cached_ = outlets;
  built_ = now;
  return outlets;
}

}  // namespace bangban
