// Intake: turns what a helper enters at an outlet (one JSON object per line, with a `type`)
// into record bodies ready to sign. Personal data is protected here, before anything is
// stored: the clear ID number and name of an applicant are checked (GB 11643), sealed to the
// county hub, and replaced by `id_sealed` and `name_masked`; a complaint's text becomes
// `text_sealed`. The clear values never reach the store, and no hash of an ID number is kept.
#pragma once

#include <string>
#include <utility>

#include "crypto/identity.h"
#include "protocol/identifiers.h"
#include "protocol/schema.h"

namespace bangban {

struct IntakeEntry {
  std::string type;
  Json body;            // validated, personal data sealed
  std::string warning;  // e.g. a fee charged (S1): stored, but surfaced to the helper
};

// A line of input that was refused: its number (from 1), its code (crypto/error_code.h) and a
// sentence naming the field (never repeating an ID number).
struct LineProblem {
  size_t line = 0;
  std::string code;
  std::string message;
};

// Error(ErrorCode::kInvalidBody | kUnknownType | kNotOutletType | kInvalidIdNumber, ...) naming
// the field; messages never repeat an ID number.
IntakeEntry IntakeFromJson(const Json& input, const PublicKey& county_key, CivilDate today);

// Record types an outlet node may write (review decisions and enrollments are the hub's).
bool IsOutletRecordType(std::string_view type);

}  // namespace bangban
