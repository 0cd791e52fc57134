#include "protocol/schema.h"

#include <algorithm>

#include "crypto/bytes.h"
#include "crypto/error.h"
#include "protocol/civil_time.h"
#include "protocol/codec.h"
#include "protocol/identifiers.h"

namespace bangban {

namespace {

using K = FieldKind;

FieldSpec Str(std::string_view name, bool required = true, int64_t max = 256) {
  return {.name = name, .kind = K::kString, .required = required, .max = max};
}
FieldSpec Enum(std::string_view name, std::vector<std::string_view> choices) {
  return {.name = name, .kind = K::kEnum, .choices = std::move(choices)};
}
FieldSpec Uint(std::string_view name, int64_t max, bool required = true) {
  return {.name = name, .kind = K::kUnsigned, .required = required, .max = max};
}
FieldSpec Bool(std::string_view name) { return {.name = name, .kind = K::kBool}; }
FieldSpec Key(std::string_view name) { return {.name = name, .kind = K::kBinary, .max = 32, .exact = true}; }
FieldSpec Sealed(std::string_view name) { return {.name = name, .kind = K::kBinary, .max = 4096}; }
FieldSpec List(std::string_view name, int64_t max_items = 64) {
  return {.name = name, .kind = K::kStringList, .max = max_items};
}
FieldSpec Object(std::string_view name, std::vector<FieldSpec> fields) {
  return {.name = name, .kind = K::kObject, .fields = std::move(fields)};
}

void CheckUsccField(std::string_view type, const Json& body, std::string_view field) {
  if (!body.contains(field)) return;
  std::string problem = CheckUscc(body[std::string(field)].get<std::string>());
  if (!problem.empty()) FailBody(type, field, "not a valid unified social credit code: " + problem);
}

// A sealing key is named by its period, a calendar month "YYYY-MM" (custody/sealing_keys.h).
bool IsSealingPeriod(const std::string& text) {
  if (text.size() != 7 || text[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  return month >= 1 && month <= 12 && text.substr(0, 4) != "0000";
}

// `object` holds `field` (its name within the body is `path`) when the box names its key.
void CheckSealingKeyName(const Json& object, std::string_view type, std::string_view path) {
  const std::string field(path.substr(path.rfind('.') == std::string_view::npos ? 0 : path.rfind('.') + 1));
  if (object.contains(field) && !IsSealingPeriod(object[field].get<std::string>())) {
    FailBody(type, path, "must name a sealing key's period, YYYY-MM such as 2026-12");
  }
}

void CheckPeriod(const Json& body, std::string_view type) { CheckSealingKeyName(body, type, "period"); }

void CheckAppSubmit(const Json& body) {
  CheckUsccField("app.submit", body, "uscc");
  if (!body["realname_verified"].get<bool>()) {
    FailBody("app.submit", "realname_verified",
             "must be true: the applicant passes real-name authentication before submission");
  }
  CheckSealingKeyName(body["applicant"], "app.submit", "applicant.sealing_key");
  const std::string& masked = body["applicant"]["name_masked"].get_ref<const std::string&>();
  if (masked.find('*') == std::string::npos) {
    FailBody("app.submit", "applicant.name_masked", "must be a masked name such as 张*明, never the clear name");
  }
}

void CheckReview(const Json& body, std::string_view type) {
  CheckUsccField(type, body, "uscc");
  // The application's outlet (its app.submit author's enrolled outlet id); absent in records
  // written before it existed, which mean the first outlet that filed the app_id.
  if (body.contains("outlet_id") && body["outlet_id"].get_ref<const std::string&>().empty()) {
    FailBody(type, "outlet_id", "must not be empty: name the outlet that filed the application, or leave it out");
  }
}

void CheckReasonGiven(const Json& body, std::string_view type) {
  CheckReview(body, type);
  if (!body.contains("reason") || body["reason"].get_ref<const std::string&>().empty()) {
    FailBody(type, "reason", "is required: say what the applicant must correct or why");
  }
}

void CheckInspect(const Json& body) {
  if (!ParseCivilDate(body["date"].get<std::string>())) {
    FailBody("outlet.inspect", "date", "must be the inspection's date, YYYY-MM-DD");
  }
}

// Each entry is one line of deploy/yuncheng/townships.csv without the county column:
// "CODE,NAME,KIND", CODE the 9-digit division code under the county's 6 digits.
void CheckTownships(const Json& body) {
  const std::string& county = body["county"].get_ref<const std::string&>();
  if (county.size() != 6 || county.find_first_not_of("0123456789") != std::string::npos) {
    FailBody("county.townships", "county", "must be a 6-digit county code such as 140802");
  }
  const Json& list = body["townships"];
  if (list.empty()) FailBody("county.townships", "townships", "must list at least one unit");
  std::vector<std::string> codes;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = "townships[" + std::to_string(i) + "]";
    const std::string& entry = list[i].get_ref<const std::string&>();
    size_t first = entry.find(','), last = entry.rfind(',');
    if (first == std::string::npos || first == last) FailBody("county.townships", path, "must be CODE,NAME,KIND");
    std::string code = entry.substr(0, first), name = entry.substr(first + 1, last - first - 1);
    std::string kind = entry.substr(last + 1);
    if (code.size() != 9 || code.find_first_not_of("0123456789") != std::string::npos || code.rfind(county, 0) != 0) {
      FailBody("county.townships", path, "code '" + code + "' is not a 9-digit code of county " + county);
    }
    if (name.empty()) FailBody("county.townships", path, "the name must not be empty");
    if (kind != "subdistrict" && kind != "town" && kind != "township" && kind != "special") {
      FailBody("county.townships", path, "kind '" + kind + "' is not one of subdistrict|town|township|special");
    }
    if (std::find(codes.begin(), codes.end(), code) != codes.end()) {
      FailBody("county.townships", path, "code " + code + " is listed twice");
    }
    codes.push_back(code);
  }
}

std::vector<FieldSpec> ReviewFields() {
  return {Str("app_id", true, 64), Str("reviewer", true, 64), Str("reason", false, 1024), Str("uscc", false, 18),
          Str("outlet_id", false, 64)};
}

void CheckCheckpoint(const Json& body) {
  if (body.contains("leaves") && body["leaves"].get_binary().size() % 40 != 0) {
    FailBody("log.checkpoint", "leaves", "must be whole 40-byte leaves (record id || receipt time)");
  }
  if (body.contains("consistency") && body["consistency"].get_binary().size() % 32 != 0) {
    FailBody("log.checkpoint", "consistency", "must be whole 32-byte hashes");
  }
  if (body.contains("consistency") && !body.contains("head")) {
    FailBody("log.checkpoint", "consistency", "goes with a head");
  }
}

// A ratio is written as decimal text, since record bodies carry no floats.
void CheckRules(const Json& body) {
  for (const char* field : {"warn_ratio", "late_return_ratio"}) {
    const std::string& text = body[field].get_ref<const std::string&>();
    if (text.find_first_not_of("0123456789.") != std::string::npos || text.find('.') != text.rfind('.') ||
        text.front() == '.' || text.back() == '.') {
      FailBody("sla.rules", field, "must be a decimal number such as 0.75");
    }
  }
}

std::vector<RecordSchema> BuildSchemas() {
  std::vector<RecordSchema> s;
  s.push_back({"key.enroll",
               {Key("key"), Enum("role", {"outlet", "county", "city"}), Str("name"), Str("county", true, 16),
                Str("outlet_id", false, 64)}});
  s.push_back({"key.revoke", {Key("key"), Uint("after_seq", INT64_MAX), Str("reason", true, 1024)}});
  s.push_back({"outlet.profile",
               {Str("outlet_id", true, 64), Str("name"),
                Enum("kind", {"hall", "township_centre", "market_supervision", "bank_branch", "village_station",
                              "community", "mall", "street"}),
                Str("county", true, 16), Str("township", true, 64), Str("village", false, 64),
                Str("address", true, 512), Str("phone", true, 32), Str("hours", true, 128), List("services"),
                Object("six_haves", {Bool("sign"), Bool("computer"), Bool("staff"), Bool("guide"), Bool("phone"),
                                     Bool("publicity")})}});
  s.push_back(
      {"outlet.training", {Str("outlet_id", true, 64), Str("staff", true, 64), Str("course"), Uint("hours", 1000)}});
  s.push_back({"app.submit",
               {Str("app_id", true, 64),
                Enum("kind", {"establish", "change", "deregister", "annual_report"}),
                Enum("entity_type", {"individual", "company", "cooperative", "branch"}),
                Str("entity_name"),
                Str("uscc", false, 18),
                Object("applicant", {Sealed("id_sealed"), Str("name_masked", true, 64), Str("sealing_key", false, 7)}),
                Bool("realname_verified"),
                Enum("channel", {"hall_window", "outlet", "online_self"}),
                {.name = "fee_cents", .kind = K::kInteger, .max = 100'000'000, .min = 0},
                Str("helper", true, 64),
                List("materials")},
               CheckAppSubmit});
  s.push_back({"app.resubmit", {Str("app_id", true, 64), List("materials"), Str("note", true, 1024)}});
  s.push_back({"review.accept", ReviewFields(), [](const Json& b) { CheckReview(b, "review.accept"); }});
  s.push_back({"review.assign", ReviewFields(), [](const Json& b) { CheckReview(b, "review.assign"); }});
  s.push_back({"review.approve", ReviewFields(), [](const Json& b) { CheckReview(b, "review.approve"); }});
  s.push_back({"review.correct", ReviewFields(), [](const Json& b) { CheckReasonGiven(b, "review.correct"); }});
  s.push_back({"review.reject", ReviewFields(), [](const Json& b) { CheckReasonGiven(b, "review.reject"); }});
  s.push_back({"annual.remind",
               {Str("uscc", true, 18), Str("outlet_id", true, 64), Uint("year", 9999), Str("channel", true, 32)},
               [](const Json& b) { CheckUsccField("annual.remind", b, "uscc"); }});
  s.push_back({"annual.filed", {Str("uscc", true, 18), Uint("year", 9999)}, [](const Json& b) {
                 CheckUsccField("annual.filed", b, "uscc");
               }});
  s.push_back({"finance.referral",
               {Str("outlet_id", true, 64),
                Enum("kind", {"policy_briefing", "matchmaking_meeting", "account_opening", "loan", "settlement"}),
                Str("entity", false), Str("bank")}});
  s.push_back(
      {"complaint.file",
       {Str("outlet_id", true, 64), Enum("category", {"cannot_help", "fee_charged", "slow", "attitude", "other"}),
        Sealed("text_sealed"), Str("sealing_key", false, 7)},
       [](const Json& b) { CheckSealingKeyName(b, "complaint.file", "sealing_key"); }});
  s.push_back(
      {"complaint.verdict", {Key("complaint_id"), Bool("upheld"), Uint("deduction", 100), Str("reason", false, 1024)}});
  s.push_back({"outlet.inspect",
               {Str("outlet_id", true, 64), Str("inspector", true, 64), Str("date", true, 10),
                Object("six_haves", {Bool("sign"), Bool("computer"), Bool("staff"), Bool("guide"), Bool("phone"),
                                     Bool("publicity")}),
                Str("note", false, 1024)},
               CheckInspect});
  s.push_back({"county.townships", {Str("county", true, 16), List("townships")}, CheckTownships});
  // A hub's named operators (review/operator_roster.h): the county's reviewers and admins, the
  // city's auditors. Written by the hub into its own feed.
  s.push_back({"operator.enroll",
               {Str("name", true, 64), Enum("role", {"reviewer", "county_admin", "city_auditor"}),
                Str("county", true, 16), Str("by", false, 64)}});
  // `by`: the county_admin who made the change (the web's admin page, `user add|disable --by`).
  s.push_back({"operator.disable", {Str("name", true, 64), Str("reason", true, 1024), Str("by", false, 64)}});
  // A county hub opened an application's sealed applicant data (custody/applicant_custody.h):
  // who, which application (and its app.submit record), why. No personal data.
  s.push_back({"pii.access",
               {Str("app_id", true, 64), Str("outlet_id", true, 64), Str("reviewer", true, 64),
                Str("purpose", true, 512), Key("submit")}});
  // A county hub's keyed pseudonym of an application's applicant (custody/applicant_links.h):
  // which application (and its app.submit record), and the pseudonym of the ID number. No
  // personal data; the key that makes pseudonyms never leaves the county hub.
  s.push_back(
      {"applicant.link", {Str("app_id", true, 64), Str("outlet_id", true, 64), Key("submit"), Key("pseudonym")}});
  // A county hub's sealing keys (custody/sealing_keys.h): the public key outlets seal applicant
  // data to in one period (a calendar month), the end of that period's secret, and a notice to an
  // outlet that sealed to a key the hub cannot open.
  s.push_back({"key.sealing", {Str("period", true, 7), Key("public_key")}, [](const Json& b) {
                 CheckPeriod(b, "key.sealing");
               }});
  s.push_back({"key.shred", {Str("period", true, 7), Uint("retention_months", 1200)}, [](const Json& b) {
                 CheckPeriod(b, "key.shred");
               }});
  s.push_back({"key.sealing_stale",
               {Str("outlet_id", true, 64), Str("used", true, 64), Str("latest", true, 7), Key("record")},
               [](const Json& b) { CheckSealingKeyName(b, "key.sealing_stale", "latest"); }});
  s.push_back(
      {"feedback.rating", {Str("app_id", true, 64), {.name = "score", .kind = K::kUnsigned, .max = 5, .min = 1}}});
  // A county hub's witness records (docs/audit.md): its transparency log, its working rules and
  // its report snapshots travel in its own feed, signed and chained like everything else. A
  // checkpoint carries at most 1,000 leaves of 40 bytes (oversight/county_witness.h).
  s.push_back({"log.checkpoint",
               {Uint("from", INT64_MAX),
                {.name = "leaves", .kind = K::kBinary, .required = false, .max = 1000 * 40},
                {.name = "head", .kind = K::kBinary, .required = false, .max = 256},
                {.name = "consistency", .kind = K::kBinary, .required = false, .max = 64 * 32}},
               CheckCheckpoint});
  s.push_back({"sla.rules",
               {Uint("profile", UINT32_MAX),
                {.name = "effective_from_ms", .kind = K::kInteger, .max = INT64_MAX, .min = INT64_MIN},
                Enum("policy", {"session", "minutes"}),
                Uint("target_minutes", 525'600),
                Str("warn_ratio", true, 32),
                Str("late_return_ratio", true, 32),
                Uint("statutory_working_days", 3660),
                Uint("working_day_minutes", 1440),
                Str("fingerprint", true, 64),
                {.name = "calendars", .kind = K::kBinary, .required = false, .max = 49'152}},
               CheckRules});
  s.push_back({"report.snapshot",
               {Str("report", true, 32),
                {.name = "at_ms", .kind = K::kInteger, .max = INT64_MAX, .min = INT64_MIN},
                Key("hash"),
                Str("document", false, 49'152)}});
  return s;
}

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto item : items) out += (out.empty() ? "" : "|") + std::string(item);
  return out;
}

std::string PathOf(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

void ValidateFields(std::string_view type, std::string_view prefix, const std::vector<FieldSpec>& fields,
                    const Json& object);

void ValidateField(std::string_view type, const std::string& path, const FieldSpec& f, const Json& v) {
  switch (f.kind) {
    case K::kString:
      if (!v.is_string()) FailBody(type, path, "must be a string");
      if (!IsValidUtf8(v.get_ref<const std::string&>())) FailBody(type, path, "is not valid UTF-8");
      if (static_cast<int64_t>(v.get_ref<const std::string&>().size()) > f.max) {
        FailBody(type, path, "is longer than " + std::to_string(f.max) + " bytes");
      }
      if (f.required && v.get_ref<const std::string&>().empty()) FailBody(type, path, "must not be empty");
      return;
    case K::kEnum:
      if (!v.is_string()) FailBody(type, path, "must be one of " + Join(f.choices));
      if (std::find(f.choices.begin(), f.choices.end(), v.get_ref<const std::string&>()) == f.choices.end()) {
        FailBody(type, path, "'" + v.get<std::string>() + "' is not one of " + Join(f.choices));
      }
      return;
    case K::kUnsigned:
    case K::kInteger: {
      if (!v.is_number_integer()) FailBody(type, path, "must be an integer");
      bool negative = v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0;
      if (negative || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
        if (negative && f.min >= 0) {
          FailBody(type, path, "must be >= " + std::to_string(f.min));
        }
        FailBody(type, path, "is out of range");
      }
      int64_t n = v.get<int64_t>();
      if (n < f.min) FailBody(type, path, "must be >= " + std::to_string(f.min));
      if (n > f.max) FailBody(type, path, "must be <= " + std::to_string(f.max));
      return;
    }
    case K::kBool:
      if (!v.is_boolean()) FailBody(type, path, "must be true or false");
      return;
    case K::kBinary: {
      if (!v.is_binary()) FailBody(type, path, "must be binary bytes");
      auto size = static_cast<int64_t>(v.get_binary().size());
      if (f.exact && size != f.max) {
        FailBody(type, path, "must be exactly " + std::to_string(f.max) + " bytes");
      }
      if (size > f.max) FailBody(type, path, "is longer than " + std::to_string(f.max) + " bytes");
      if (size == 0) FailBody(type, path, "must not be empty");
      return;
    }
    case K::kStringList:
      if (!v.is_array()) FailBody(type, path, "must be a list of strings");
      if (static_cast<int64_t>(v.size()) > f.max) {
        FailBody(type, path, "has more than " + std::to_string(f.max) + " items");
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string() || v[i].get_ref<const std::string&>().size() > 256 ||
            !IsValidUtf8(v[i].get_ref<const std::string&>())) {
          FailBody(type, path + "[" + std::to_string(i) + "]", "must be a string of at most 256 bytes");
        }
      }
      return;
    case K::kObject:
      if (!v.is_object()) FailBody(type, path, "must be an object");
      ValidateFields(type, path, f.fields, v);
      return;
  }
}

void ValidateFields(std::string_view type, std::string_view prefix, const std::vector<FieldSpec>& fields,
                    const Json& object) {
  for (const auto& item : object.items()) {
    const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture one
    auto spec = std::find_if(fields.begin(), fields.end(), [&](const FieldSpec& f) { return f.name == key; });
    if (spec == fields.end()) FailBody(type, PathOf(prefix, key), "is not a field of " + std::string(type));
    ValidateField(type, PathOf(prefix, key), *spec, item.value());
  }
  for (const FieldSpec& f : fields) {
    if (f.required && !object.contains(f.name)) FailBody(type, PathOf(prefix, f.name), "is required");
  }
}

// Applies `convert` to every binary field present in `object`, recursively.
template <typename Convert>
void ForEachBinary(std::string_view type, std::string_view prefix, const std::vector<FieldSpec>& fields, Json& object,
                   Convert convert) {
  if (!object.is_object()) return;
  for (const FieldSpec& f : fields) {
    auto it = object.find(f.name);
    if (it == object.end()) continue;
    if (f.kind == K::kBinary) convert(PathOf(prefix, f.name), *it);
    if (f.kind == K::kObject) ForEachBinary(type, PathOf(prefix, f.name), f.fields, *it, convert);
  }
}

void EveryBinaryToHex(Json& value) {
  if (value.is_binary()) {
    value = ToHex(value.get_binary());
  } else if (value.is_object() || value.is_array()) {
    for (Json& item : value) EveryBinaryToHex(item);
  }
}

const RecordSchema& SchemaOrFail(std::string_view type) {
  const RecordSchema* schema = FindSchema(type);
  if (schema == nullptr) {
    throw Error(ErrorCode::kUnknownType, "'" + std::string(type) + "' is not a bangban record type");
  }
  return *schema;
}

}  // namespace

void FailBody(std::string_view type, std::string_view path, std::string_view what) {
  throw Error(ErrorCode::kInvalidBody, std::string(type) + ": body." + std::string(path) + ": " + std::string(what));
}

const std::vector<RecordSchema>& AllSchemas() {
  static const std::vector<RecordSchema> schemas = BuildSchemas();
  return schemas;
}

const RecordSchema* FindSchema(std::string_view type) {
  for (const RecordSchema& schema : AllSchemas()) {
    if (schema.type == type) return &schema;
  }
  return nullptr;
}

void ValidateBody(std::string_view type, const Json& body) {
  const RecordSchema& schema = SchemaOrFail(type);
  if (!body.is_object()) FailBody(type, "", "the body must be an object");
  ValidateFields(type, "", schema.fields, body);
  if (schema.check != nullptr) schema.check(body);
}

Json BodyFromText(std::string_view type, const Json& text) {
  const RecordSchema& schema = SchemaOrFail(type);
  Json body = text;
  ForEachBinary(type, "", schema.fields, body, [&](const std::string& path, Json& value) {
    if (value.is_binary()) return;  // already bytes (made by the caller, e.g. a sealed box)
    if (!value.is_string()) FailBody(type, path, "must be a hex string");
    auto bytes = FromHex(value.get_ref<const std::string&>());
    if (!bytes) FailBody(type, path, "is not valid hex");
    value = Json::binary(std::move(*bytes));
  });
  ValidateBody(type, body);
  return body;
}

Json BodyToText(std::string_view type, const Json& body) {
  Json text = body;
  const RecordSchema* schema = FindSchema(type);
  if (schema == nullptr) {  // an opaque body: no schema says where the bytes are
    EveryBinaryToHex(text);
    return text;
  }
  ForEachBinary(type, "", schema->fields, text, [](const std::string&, Json& value) {
    if (value.is_binary()) value = ToHex(value.get_binary());
  });
  return text;
}

}  // namespace bangban
