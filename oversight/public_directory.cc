#include "oversight/public_directory.h"

#include "oversight/oversight_report.h"
#include "protocol/clock.h"

namespace bangban {

namespace {

Json PublicEntry(const CountyCensus& c, const OutletEntry& o) {
  const Json& p = o.profile->body;
  const Township* unit = c.townships && o.township_code ? c.townships->Resolve(*o.township_code) : nullptr;
  return {{"outlet_id", o.outlet_id},
          {"name", p["name"]},
          {"kind", p["kind"]},
          {"county", c.county},
          {"township", unit ? Json(unit->name) : p["township"]},
          {"township_code", unit ? Json(unit->code) : Json(nullptr)},
          {"village", p.value("village", "")},
          {"address", p["address"]},
          {"hours", p["hours"]},
          {"phone", p["phone"]},
          {"services", p["services"]}};
}

}  // namespace

Json BuildPublicDirectory(const Census& census, int inactive_days) {
  Json outlets = Json::array();
  for (const auto& [code, c] : census.counties) {
    for (const auto& [id, o] : c.outlets) {
      if (o.profile && IsActive(o, census.at_ms, inactive_days)) outlets.push_back(PublicEntry(c, o));
    }
  }
  return {{"report", "outlets"}, {"public", true}, {"at", FormatRfc3339(census.at_ms)}, {"outlets", outlets}};
}

Json BuildOutletRegistry(const Census& census, int inactive_days) {
  Json outlets = Json::array();
  for (const auto& [code, c] : census.counties) {
    for (const auto& [id, o] : c.outlets) {
      Json row = o.profile ? PublicEntry(c, o) : Json{{"outlet_id", id}, {"county", c.county}};
      row["enrolled_name"] = o.name;
      row["key"] = ToHex(o.key);
      row["revoked"] = o.revoked;
      row["active"] = IsActive(o, census.at_ms, inactive_days);
      row["last_activity"] = o.last_record ? Json(FormatRfc3339(o.last_record->ts)) : Json(nullptr);
      row["profile"] = o.profile ? Json(o.profile->id) : Json(nullptr);
      row["six_haves_claimed"] = o.profile ? o.profile->body["six_haves"] : Json(nullptr);
      row["six_haves_inspected"] = o.inspection ? o.inspection->body["six_haves"] : Json(nullptr);
      row["inspection"] = o.inspection ? Json(o.inspection->id) : Json(nullptr);
      outlets.push_back(std::move(row));
    }
  }
  Json flags = Json::array();
  for (const Flag& f : census.flags) {
    if (f.type.starts_with("outlet.")) flags.push_back(f.ToJson());
  }
  return {{"report", "outlets"},
          {"public", false},
          {"at", FormatRfc3339(census.at_ms)},
          {"outlets", outlets},
          {"flags", flags}};
}

}  // namespace bangban
