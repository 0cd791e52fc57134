#include "oversight/city_sla.h"

#include <algorithm>

#include "oversight/county_replay.h"
#include "oversight/county_witness.h"

namespace bangban {

CityCaseBooks::CityCaseBooks(const FeedStore& store, const CaseBook& city_cases, const PublicKey& city_key,
                             const std::filesystem::path& scratch)
    : city_cases_(city_cases) {
  Json counties = Json::array(), fallback_cases = Json::array();
  uint64_t fallback_records = 0;
  for (const Enrollment& hub : store.Enrollments()) {
    if (hub.role != "county" || std::count(replayed_.begin(), replayed_.end(), hub.county)) continue;
    auto log = std::make_unique<CountyLog>(WitnessCounty(store, hub.key, hub.county));
    if (log->leaves.empty() && log->rules.empty()) {
      counties.push_back({{"county", hub.county}, {"hub", ToHex(hub.key)}, {"receipts", "city"}});
      continue;
    }
    std::filesystem::path dir = scratch;
    dir += "-" + hub.county;
    auto replay = std::make_unique<CountyReplay>(store, *log, city_key, dir);
    replay->FillIn();
    Json cases = replay->FilledInCases();
    fallback_records += replay->filled_in();
    for (const Json& c : cases) {
      fallback_cases.push_back(c);
      fallback_.insert({c.value("county", ""), c.value("app_id", ""), c.value("outlet_id", "")});
    }
    counties.push_back({{"county", hub.county},
                        {"hub", ToHex(hub.key)},
                        {"receipts", "county"},
                        {"leaves", log->leaves.size()},
                        {"replayed", replay->replayed()},
                        {"missing", replay->missing()},
                        {"log_holds_together", !log->broken},
                        {"fallback_records", replay->filled_in()},
                        {"fallback_cases", cases}});
    replayed_.push_back(hub.county);
    logs_.push_back(std::move(log));
    replays_.push_back(std::move(replay));
  }
  county_receipts_ = {
      {"counties", counties}, {"fallback_records", fallback_records}, {"fallback_cases", fallback_cases}};
}

CityCaseBooks::~CityCaseBooks() = default;

std::vector<SlaSource> CityCaseBooks::Sources() const {
  std::vector<SlaSource> sources;
  sources.push_back({&city_cases_, [this](const std::string& county) {
                       return std::find(replayed_.begin(), replayed_.end(), county) == replayed_.end();
                     }});
  for (const auto& replay : replays_) sources.push_back({&replay->cases(), nullptr});
  return sources;
}

const CaseBook& CityCaseBooks::BookOf(const std::string& county, bool* county_receipts) const {
  const auto it = std::find(replayed_.begin(), replayed_.end(), county);
  if (county_receipts != nullptr) *county_receipts = it != replayed_.end();
  if (it == replayed_.end()) return city_cases_;
  return replays_[it - replayed_.begin()]->cases();
}

bool CityCaseBooks::FellBack(const std::string& county, const std::string& app_id, const std::string& outlet_id) const {
  // A fallback record that does not name its outlet belongs to every case of the app_id.
  return fallback_.count({county, app_id, outlet_id}) > 0 || fallback_.count({county, app_id, ""}) > 0;
}

Json CitySlaReport(const FeedStore& store, const CaseBook& city_cases, const PublicKey& city_key,
                   const std::filesystem::path& scratch, const SlaReportOptions& options) {
  const CityCaseBooks books(store, city_cases, city_key, scratch);
  Json report = BuildSlaReport(books.Sources(), options);
  report["county_receipts"] = books.county_receipts();
  return report;
}

}  // namespace bangban
