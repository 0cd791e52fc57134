#include "oversight/county_rules.h"

#include <charconv>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "protocol/schema.h"

namespace bangban {

namespace {

std::string RatioText(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (ec != std::errc()) throw Error(ErrorCode::kInternal, "a ratio cannot be written as text");
  return std::string(buffer, end);
}

double RatioOf(const Json& body, const char* field) {
  const std::string& text = body[field].get_ref<const std::string&>();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size()) {
    FailBody("sla.rules", field, "'" + text + "' is not a decimal number");
  }
  return value;
}

}  // namespace

Json RulesBody(const SlaProfile& p) {
  Bytes calendars;
  for (const CalendarSource& source : p.calendars) {
    PutLengthPrefixed(calendars, source.name);
    PutLengthPrefixed(calendars, source.text);
  }
  Json body = {{"profile", p.id},
               {"effective_from_ms", p.effective_from_ms},
               {"policy", std::string(ToString(p.settings.policy))},
               {"target_minutes", p.settings.target_minutes},
               {"warn_ratio", RatioText(p.settings.warn_ratio)},
               {"late_return_ratio", RatioText(p.settings.late_return_ratio)},
               {"statutory_working_days", p.settings.statutory_working_days},
               {"working_day_minutes", p.settings.working_day_minutes},
               {"fingerprint", p.fingerprint}};
  if (!calendars.empty()) body["calendars"] = Json::binary(std::move(calendars));
  ValidateBody("sla.rules", body);  // a calendar set too large for one record says so here
  return body;
}

CountyRules CountyRules::FromBody(const Json& body) {
  ValidateBody("sla.rules", body);
  CountyRules rules;
  rules.profile = body["profile"].get<uint32_t>();
  rules.effective_from_ms = body["effective_from_ms"].get<int64_t>();
  rules.settings.policy = *ParseSlaPolicy(body["policy"].get<std::string>());
  rules.settings.target_minutes = body["target_minutes"].get<int>();
  rules.settings.warn_ratio = RatioOf(body, "warn_ratio");
  rules.settings.late_return_ratio = RatioOf(body, "late_return_ratio");
  rules.settings.statutory_working_days = body["statutory_working_days"].get<int>();
  rules.settings.working_day_minutes = body["working_day_minutes"].get<int>();
  rules.fingerprint = body["fingerprint"].get<std::string>();
  if (std::string problem = CheckSlaSettings(rules.settings); !problem.empty()) {
    FailBody("sla.rules", "settings", problem);
  }
  if (body.contains("calendars")) {
    const Json::binary_t& packed = body["calendars"].get_binary();
    ByteView in(packed.data(), packed.size());
    while (!in.empty()) {
      std::optional<std::string> name = GetLengthPrefixed(in);
      std::optional<std::string> text = name ? GetLengthPrefixed(in) : std::nullopt;
      if (!text) FailBody("sla.rules", "calendars", "a calendar file is cut short");
      rules.calendars.push_back({std::move(*name), std::move(*text)});
    }
  }
  std::string fingerprint;
  try {
    fingerprint = CalendarFromSources(rules.calendars).Fingerprint();
  } catch (const Error& e) {
    FailBody("sla.rules", "calendars", std::string("do not load: ") + e.what());
  }
  if (fingerprint != rules.fingerprint) {
    FailBody("sla.rules", "fingerprint", "is not the fingerprint of the calendars the record carries");
  }
  return rules;
}

namespace {

// A TOML float: "1" would read as an integer.
std::string TomlRatio(double value) {
  std::string text = RatioText(value);
  return text.find('.') == std::string::npos ? text + ".0" : text;
}

}  // namespace

std::string SlaTomlSection(const SlaSettings& s, const std::vector<std::string>& calendar_names) {
  std::string toml = "[sla]\npolicy = \"" + std::string(ToString(s.policy)) + "\"\n";
  toml += "target_minutes = " + std::to_string(s.target_minutes) + "\n";
  toml += "warn_ratio = " + TomlRatio(s.warn_ratio) + "\n";
  toml += "late_return_ratio = " + TomlRatio(s.late_return_ratio) + "\n";
  toml += "statutory_working_days = " + std::to_string(s.statutory_working_days) + "\n";
  toml += "working_day_minutes = " + std::to_string(s.working_day_minutes) + "\n";
  toml += "calendars = [";
  for (size_t i = 0; i < calendar_names.size(); ++i) toml += (i ? ", \"" : "\"") + calendar_names[i] + "\"";
  toml += "]\n";
  return toml;
}

}  // namespace bangban
