// Intake: turns what a helper enters at an outlet (one JSON object per line, with a `type`)
// into record bodies ready to sign. Personal data is protected here, before anything is
// stored: the clear ID number and name of an applicant are checked (GB 11643), sealed to the
// county hub's sealing key of a period, and replaced by `id_sealed`, `name_masked` and
// `sealing_key` (the period); a complaint's text becomes `text_sealed` (and `sealing_key`). The
// clear values never reach the store, and no hash of an ID number is kept. Never sealed to the
// hub's identity key: a sealing key can be shredded when its retention ends, an identity cannot.
#pragma once

#include <optional>
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

// The county hub's sealing key a node seals to: a period ("2026-12") and its X25519 public key,
// from `init --sealing-key` or the hub's `key.sealing` records (custody/sealing_keys.h at the hub).
struct SealingTarget {
  std::string period;
  CurvePublicKey public_key{};
};
// "PERIOD:HEX" (as `bangban-hub sealing-key` prints it), or nullopt if malformed.
std::optional<SealingTarget> ParseSealingTarget(std::string_view text);

// Error(ErrorCode::kInvalidBody | kUnknownType | kNotOutletType | kInvalidIdNumber, ...) naming
// the field; messages never repeat an ID number. Error "no_sealing_key" for personal data to seal
// when `sealing_key` is nullopt (the node knows no sealing key of its county hub).
IntakeEntry IntakeFromJson(const Json& input, const std::optional<SealingTarget>& sealing_key, CivilDate today);

// Record types an outlet node may write (review decisions and enrollments are the hub's).
bool IsOutletRecordType(std::string_view type);

}  // namespace bangban
