#include "custody/applicant_box.h"

#include <sodium.h>

#include "crypto/error.h"

namespace bangban {
namespace {

void Wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

std::string WhichApplication(const Record& submit) {
  const Json& body = submit.body();
  const std::string app =
      body.contains("app_id") && body["app_id"].is_string() ? body["app_id"].get<std::string>() : "?";
  return "the applicant box of app " + app + " (app.submit " + ToHex(submit.id()).substr(0, 16) + ")";
}

}  // namespace

ClearApplicant::~ClearApplicant() {
  Wipe(id_number);
  Wipe(name);
}

ClearApplicant::ClearApplicant(ClearApplicant&& other) noexcept
    : id_number(std::move(other.id_number)), name(std::move(other.name)) {
  Wipe(other.id_number);
  Wipe(other.name);
}

ClearApplicant OpenApplicantBox(const SealingKeys& keys, const Record& submit) {
  const Json& body = submit.body();
  if (submit.type() != "app.submit" || !body.contains("applicant") || !body["applicant"].is_object() ||
      !body["applicant"].contains("id_sealed") || !body["applicant"]["id_sealed"].is_binary()) {
    throw Error(ErrorCode::kUnsealFailed,
                "record " + ToHex(submit.id()).substr(0, 16) + " is not an app.submit with an applicant box");
  }
  const Json& applicant = body["applicant"];
  const std::string period = applicant.contains("sealing_key") && applicant["sealing_key"].is_string()
                                 ? applicant["sealing_key"].get<std::string>()
                                 : "";
  Bytes plain;
  try {
    plain = keys.Open(period, applicant["id_sealed"].get_binary());
  } catch (const Error& e) {
    throw Error::Reworded(e, WhichApplication(submit) + " cannot be opened: " + e.what());
  }
  Json clear = Json::parse(plain.begin(), plain.end(), nullptr, /*allow_exceptions=*/false);
  sodium_memzero(plain.data(), plain.size());
  ClearApplicant out;
  if (clear.is_object() && clear.contains("id_number") && clear["id_number"].is_string() && clear.contains("name") &&
      clear["name"].is_string()) {
    out.id_number = clear["id_number"].get<std::string>();
    out.name = clear["name"].get<std::string>();
  }
  // nlohmann's strings cannot be wiped in place through its API; overwrite them before release.
  if (clear.is_object()) {
    for (auto it = clear.begin(); it != clear.end(); ++it) {
      if (it->is_string()) Wipe(it->get_ref<std::string&>());
    }
  }
  if (out.id_number.empty() || out.name.empty()) {
    throw Error(ErrorCode::kUnsealFailed, WhichApplication(submit) + " does not hold an ID number and a name");
  }
  return out;
}

std::optional<ClearApplicant> TryOpenApplicantBox(const SealingKeys& keys, const Record& submit, std::string* why) {
  try {
    return OpenApplicantBox(keys, submit);
  } catch (const Error& e) {
    *why = e.what();
    return std::nullopt;
  }
}

}  // namespace bangban
