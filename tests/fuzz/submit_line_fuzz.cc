// Fuzz target `submit_line`: one line a helper types at an outlet, as `submit` reads it
// (node/outlet_node.cc): strict JSON text (protocol/json_text.h), then intake (node/intake.h),
// which checks the body and seals the applicant's personal data. What intake accepts must sign
// and decode as a record of an outlet type, and an ID number given in clear must not be in it.
#include <algorithm>
#include <optional>
#include <string>

#include "crypto/error.h"
#include "node/intake.h"
#include "protocol/json_text.h"
#include "protocol/record.h"
#include "tests/fuzz/fuzz_target.h"

namespace bangban {
namespace {

using fuzz::Require;

bool Contains(const Bytes& haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// The clear ID number a line gives, if any (shorter strings could occur in a record by chance).
std::optional<std::string> ClearIdNumber(const Json& line) {
  const auto applicant = line.find("applicant");
  if (applicant == line.end() || !applicant->is_object()) return std::nullopt;
  const auto id = applicant->find("id_number");
  if (id == applicant->end() || !id->is_string() || id->get_ref<const std::string&>().size() < 15) return std::nullopt;
  return id->get<std::string>();
}

void CheckAccepted(const Json& line, const IntakeEntry& entry) {
  static const SigningKey outlet = SigningKey::FromSeed(Bytes(32, 62));
  Require(IsOutletRecordType(entry.type), "intake makes only outlet record types");
  const Record record = Record::Create(outlet, entry.type, 1, std::nullopt, 1772413200000, entry.body);
  Require(Record::Decode(record.wire()).body() == entry.body, "an intake body survives signing and decoding");
  if (std::optional<std::string> id = ClearIdNumber(line)) {
    Require(!Contains(record.wire(), *id), "a clear ID number never reaches a record");
  }
}

}  // namespace
}  // namespace bangban

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  static const SigningKey county = SigningKey::FromSeed(Bytes(32, 61));
  constexpr CivilDate kToday{2026, 3, 2};
  // A refusal is an Error; once intake accepted a line, every check must pass without one.
  Json line;
  std::optional<IntakeEntry> entry;
  try {
    line = ParseJsonText(fuzz::AsText(data, size), "");
    entry = IntakeFromJson(line, SealingTarget{"2026-03", county.curve_public_key()}, kToday);
  } catch (const Error&) {
  }
  if (entry) CheckAccepted(line, *entry);
  return 0;
}
