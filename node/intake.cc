#include "node/intake.h"

#include "crypto/error.h"
#include "crypto/sealed_box.h"
#include "protocol/text_safety.h"

namespace bangban {

namespace {

const SealingTarget& RequireSealingKey(const std::optional<SealingTarget>& sealing_key, std::string_view type) {
  if (!sealing_key) {
    throw Error(ErrorCode::kNoSealingKey,
                std::string(type) +
                    ": this node knows no sealing key of its county hub, so it cannot seal personal data; run "
                    "`bangban-node sync` (the hub publishes its keys), or init with --sealing-key PERIOD:HEX "
                    "(`bangban-hub sealing-key` prints it); nothing was stored");
  }
  return *sealing_key;
}

// Replaces applicant {id_number, name} with {id_sealed, name_masked, sealing_key}.
void SealApplicant(Json& body, const std::optional<SealingTarget>& sealing_key, CivilDate today) {
  auto applicant = body.find("applicant");
  if (applicant == body.end() || !applicant->is_object()) {
    FailBody("app.submit", "applicant", "is required: {\"id_number\": ..., \"name\": ...}");
  }
  for (const auto& [key, value] : applicant->items()) {
    if (key != "id_number" && key != "name") {
      FailBody("app.submit", "applicant." + key,
               "is not accepted here; give the clear id_number and name, the node seals them");
    }
  }
  auto id = applicant->find("id_number");
  auto name = applicant->find("name");
  if (id == applicant->end() || !id->is_string()) FailBody("app.submit", "applicant.id_number", "is required");
  if (name == applicant->end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    FailBody("app.submit", "applicant.name", "is required");
  }
  std::string problem = CheckIdNumber(id->get_ref<const std::string&>(), today);
  if (!problem.empty()) {
    throw Error(ErrorCode::kInvalidIdNumber, "app.submit: body.applicant.id_number: " + problem);
  }
  const SealingTarget& key = RequireSealingKey(sealing_key, "app.submit");
  Json clear = {{"id_number", *id}, {"name", *name}};
  std::string plaintext = clear.dump();
  Bytes sealed = SealToCurveKey(key.public_key, AsBytes(plaintext));
  std::fill(plaintext.begin(), plaintext.end(), '\0');
  *applicant = Json{{"id_sealed", Json::binary(std::move(sealed))},
                    {"name_masked", MaskName(name->get_ref<const std::string&>())},
                    {"sealing_key", key.period}};
}

void SealComplaintText(Json& body, const std::optional<SealingTarget>& sealing_key) {
  auto text = body.find("text");
  for (const char* made : {"text_sealed", "sealing_key"}) {
    if (body.contains(made)) FailBody("complaint.file", made, "is made by the node; give the clear `text`");
  }
  if (text == body.end() || !text->is_string() || text->get_ref<const std::string&>().empty()) {
    FailBody("complaint.file", "text", "is required: what the complainant said");
  }
  const SealingTarget& key = RequireSealingKey(sealing_key, "complaint.file");
  Bytes sealed = SealToCurveKey(key.public_key, AsBytes(text->get_ref<const std::string&>()));
  body.erase(text);
  body["text_sealed"] = Json::binary(std::move(sealed));
  body["sealing_key"] = key.period;
}

}  // namespace

bool IsOutletRecordType(std::string_view type) {
  return !type.starts_with("key.") && !type.starts_with("review.") && !type.starts_with("county.") &&
         !type.starts_with("operator.") && !type.starts_with("pii.") && type != "complaint.verdict" &&
         type != "outlet.inspect";
}

std::optional<SealingTarget> ParseSealingTarget(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon != 7) return std::nullopt;
  SealingTarget target;
  target.period = std::string(text.substr(0, colon));
  const std::string_view month = text.substr(5, 2);
  if (target.period[4] != '-' || target.period.find_first_not_of("0123456789-") != std::string::npos ||
      target.period.find('-') != 4 || month < "01" || month > "12") {
    return std::nullopt;
  }
  auto key = FromHexFixed<32>(std::string(text.substr(colon + 1)));
  if (!key) return std::nullopt;
  target.public_key = *key;
  return target;
}

IntakeEntry IntakeFromJson(const Json& input, const std::optional<SealingTarget>& sealing_key, CivilDate today) {
  if (!input.is_object()) throw Error(ErrorCode::kInvalidBody, "each line must be a JSON object");
  auto type_field = input.find("type");
  if (type_field == input.end() || !type_field->is_string()) {
    throw Error(ErrorCode::kInvalidBody, "missing \"type\" (e.g. \"app.submit\")");
  }
  IntakeEntry entry;
  entry.type = type_field->get<std::string>();
  if (FindSchema(entry.type) == nullptr) {
    throw Error(ErrorCode::kUnknownType, "\"" + entry.type + "\" is not a bangban record type");
  }
  if (!IsOutletRecordType(entry.type)) {
    throw Error(ErrorCode::kNotOutletType,
                "\"" + entry.type + "\" records are made by the county hub, not at an outlet");
  }
  // Control characters and bidi overrides are refused in every text field before anything is
  // sealed or masked (the message names the field and the code point, never the value).
  if (const std::string unsafe = UnsafeTextInBody(input); !unsafe.empty()) {
    throw Error(ErrorCode::kInvalidBody, entry.type + ": body." + unsafe + " is not allowed in a record's text");
  }
  Json body = input;
  body.erase("type");
  if (entry.type == "app.submit") SealApplicant(body, sealing_key, today);
  if (entry.type == "complaint.file") SealComplaintText(body, sealing_key);
  entry.body = BodyFromText(entry.type, body);
  if (entry.type == "app.submit" && entry.body["fee_cents"].get<int64_t>() > 0) {
    entry.warning = "fee_cents is " + std::to_string(entry.body["fee_cents"].get<int64_t>()) +
                    ": assisted service must be free; recorded and reported as a fee violation";
  }
  return entry;
}

}  // namespace bangban
