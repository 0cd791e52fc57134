#include "oversight/city_sla.h"

#include <memory>
#include <set>

#include "oversight/county_replay.h"
#include "oversight/county_witness.h"

namespace bangban {

Json CitySlaReport(const FeedStore& store, const CaseBook& city_cases, const PublicKey& city_key,
                   const std::filesystem::path& scratch, const SlaReportOptions& options) {
  // Each replay holds references to its log: both live until the report is built.
  std::vector<std::unique_ptr<CountyLog>> logs;
  std::vector<std::unique_ptr<CountyReplay>> replays;
  std::set<std::string> replayed;
  Json counties = Json::array(), fallback_cases = Json::array();
  uint64_t fallback_records = 0;
  for (const Enrollment& hub : store.Enrollments()) {
    if (hub.role != "county" || replayed.count(hub.county)) continue;
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
    for (const Json& c : cases) fallback_cases.push_back(c);
    counties.push_back({{"county", hub.county},
                        {"hub", ToHex(hub.key)},
                        {"receipts", "county"},
                        {"leaves", log->leaves.size()},
                        {"replayed", replay->replayed()},
                        {"missing", replay->missing()},
                        {"log_holds_together", !log->broken},
                        {"fallback_records", replay->filled_in()},
                        {"fallback_cases", cases}});
    replayed.insert(hub.county);
    logs.push_back(std::move(log));
    replays.push_back(std::move(replay));
  }
  std::vector<SlaSource> sources;
  sources.push_back({&city_cases, [&replayed](const std::string& county) { return !replayed.count(county); }});
  for (const auto& replay : replays) sources.push_back({&replay->cases(), nullptr});
  Json report = BuildSlaReport(sources, options);
  report["county_receipts"] = {
      {"counties", counties}, {"fallback_records", fallback_records}, {"fallback_cases", fallback_cases}};
  return report;
}

}  // namespace bangban
