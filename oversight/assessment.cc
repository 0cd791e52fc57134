#include "oversight/assessment.h"

#include <toml++/toml.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "crypto/bytes.h"
#include "crypto/error.h"
#include "crypto/hash.h"

namespace bangban {

namespace {

constexpr size_t kMaxRulesBytes = 64 * 1024;

double Number(const toml::table& t, std::string_view key, const std::string& source, double max = 1e6) {
  const toml::node* node = t.get(key);
  if (node == nullptr) throw Error(ErrorCode::kConfig, source + ": deductions." + std::string(key) + ": missing");
  std::optional<double> value = node->value<double>();
  if (!value || *value < 0 || *value > max || std::isnan(*value)) {
    throw Error(ErrorCode::kConfig, source + ": deductions." + std::string(key) + ": must be a number from 0 to " +
                                        std::to_string(int(max)));
  }
  return *value;
}

Json Deduction(const std::string& rule, double per, int64_t count, Json evidence) {
  return {{"rule", rule}, {"count", count}, {"points", per * double(count)}, {"evidence", std::move(evidence)}};
}

}  // namespace

AssessmentRules AssessmentRules::Parse(std::string_view text, const std::string& source) {
  toml::table t;
  try {
    t = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorCode::kConfig, source + ": " + std::string(e.description()));
  }
  AssessmentRules r;
  r.hash = ToHex(Blake2b256(AsBytes(text)));
  for (const auto& [key, node] : t) {
    if (key.str() != "version" && key.str() != "base" && key.str() != "deductions") {
      throw Error(ErrorCode::kConfig, source + ": " + std::string(key.str()) + ": not a key of the assessment rules");
    }
  }
  r.version = t["version"].value_or(std::string());
  if (r.version.empty()) throw Error(ErrorCode::kConfig, source + ": version: missing (e.g. version = \"2026.1\")");
  auto base = t["base"].value<double>();
  if (!base || *base < 0 || *base > 1e6) throw Error(ErrorCode::kConfig, source + ": base: must be a number >= 0");
  r.base = *base;
  const toml::table* d = t["deductions"].as_table();
  if (d == nullptr) throw Error(ErrorCode::kConfig, source + ": [deductions]: missing");
  const std::vector<std::pair<std::string_view, double*>> rules = {
      {"upheld_complaint", &r.upheld_complaint},   {"verdict_points", &r.verdict_points},
      {"fee_violation", &r.fee_violation},         {"on_time_target", &r.on_time_target},
      {"on_time_point", &r.on_time_point},         {"uncovered_township", &r.uncovered_township},
      {"missing_six_haves", &r.missing_six_haves}, {"inactive_outlet", &r.inactive_outlet}};
  for (const auto& [key, node] : *d) {
    bool known = false;
    for (const auto& rule : rules) known = known || rule.first == key.str();
    if (!known) {
      throw Error(ErrorCode::kConfig, source + ": deductions." + std::string(key.str()) + ": not a rule");
    }
  }
  for (const auto& [key, value] : rules) *value = Number(*d, key, source, key == "on_time_target" ? 100 : 1e6);
  return r;
}

AssessmentRules AssessmentRules::Load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorCode::kConfig, path +
                                        ": no assessment rules here: copy deploy/assessment.toml into the data dir "
                                        "or give --rules FILE");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxRulesBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw Error(ErrorCode::kConfig, path + ": cannot be read");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxRulesBytes) throw Error(ErrorCode::kConfig, path + ": larger than 64 KiB: not a rules file");
  return Parse(text, path);
}

Json AssessCounty(const Json& f, const AssessmentRules& rules) {
  Json deductions = Json::array();
  // Upheld complaints, and the points their verdicts name.
  Json upheld = Json::array(), named = Json::array();
  int64_t verdict_points = 0;
  for (const Json& k : f["complaints"]["complaints"]) {
    if (k["verdict"].is_null() || !k["verdict"]["upheld"].get<bool>()) continue;
    upheld.push_back({{"complaint", k["complaint"]}, {"verdict", k["verdict"]["record"]}});
    if (k["verdict"]["deduction"].get<int64_t>() > 0) {
      verdict_points += k["verdict"]["deduction"].get<int64_t>();
      named.push_back({{"verdict", k["verdict"]["record"]}, {"deduction", k["verdict"]["deduction"]}});
    }
  }
  deductions.push_back(Deduction("upheld_complaint", rules.upheld_complaint, int64_t(upheld.size()), upheld));
  deductions.push_back(Deduction("verdict_points", rules.verdict_points, verdict_points, named));
  // Fees charged.
  Json fees = Json::array();
  for (const Json& v : f["fee_violations"]) fees.push_back({{"record", v["record"]}, {"app_id", v["app_id"]}});
  deductions.push_back(Deduction("fee_violation", rules.fee_violation, int64_t(fees.size()), fees));
  // On-time rate, from the SLA figures.
  int64_t points_below = 0;
  Json on_time = Json::array();
  if (f.contains("sla") && f["sla"].is_object() && f["sla"]["on_time_rate"].is_number()) {
    double percent = f["sla"]["on_time_rate"].get<double>() * 100;
    if (percent < rules.on_time_target) {
      points_below = static_cast<int64_t>(std::ceil(rules.on_time_target - percent - 1e-9));
      on_time.push_back({{"on_time_rate", f["sla"]["on_time_rate"]},
                         {"completed", f["sla"]["completed"]},
                         {"completed_on_time", f["sla"]["completed_on_time"]},
                         {"breached_applications", f["sla"].value("breached_applications", Json::array())}});
    }
  }
  deductions.push_back(Deduction("on_time_point", rules.on_time_point, points_below, on_time));
  // Townships no active outlet covers.
  Json uncovered = Json::array();
  for (const Json& t : f["coverage"]["uncovered"]) {
    uncovered.push_back({{"township", t["code"]}, {"name", t["name"]}, {"list", f["coverage"]["townships_record"]}});
  }
  deductions.push_back(Deduction("uncovered_township", rules.uncovered_township, int64_t(uncovered.size()), uncovered));
  // Outlets missing any of the six haves: as inspected, or as claimed until inspected.
  Json missing = Json::array();
  for (const Json& o : f["six_haves"]["by_outlet"]) {
    const bool inspected = !o["inspected"].is_null();
    const Json& found = inspected ? o["inspected"] : o["claimed"];
    Json lacking = Json::array();
    for (const char* item : kSixHaves) {
      if (!found[item].get<bool>()) lacking.push_back(item);
    }
    if (lacking.empty()) continue;
    missing.push_back({{"outlet_id", o["outlet_id"]},
                       {"missing", lacking},
                       {"record", inspected ? o["inspection"] : o["profile"]},
                       {"as", inspected ? "inspected" : "claimed"}});
  }
  deductions.push_back(Deduction("missing_six_haves", rules.missing_six_haves, int64_t(missing.size()), missing));
  // Inactive outlets.
  Json inactive = Json::array();
  for (const Json& o : f["outlets"]["inactive_outlets"]) {
    inactive.push_back({{"outlet_id", o["outlet_id"]}, {"last_record", o["last_record"]}});
  }
  deductions.push_back(Deduction("inactive_outlet", rules.inactive_outlet, int64_t(inactive.size()), inactive));

  double lost = 0;
  for (const Json& d : deductions) lost += d["points"].get<double>();
  return {{"county", f["county"]}, {"base", rules.base}, {"score", rules.base - lost}, {"deductions", deductions}};
}

Json BuildAssessment(const Json& oversight_report, const AssessmentRules& rules) {
  Json counties = Json::array();
  for (const Json& f : oversight_report["counties"]) counties.push_back(AssessCounty(f, rules));
  return {{"report", "assessment"},
          {"at", oversight_report["at"]},
          {"rules", {{"version", rules.version}, {"hash", rules.hash}}},
          {"counties", counties}};
}

}  // namespace bangban
