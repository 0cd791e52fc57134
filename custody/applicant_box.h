// The applicant box of an app.submit record: the outlet sealed the applicant's clear ID number
// and name ({"id_number", "name"}, node/intake.cc) into `applicant.id_sealed` for the county hub.
// This is the one place that opens such a box; everything that needs the clear values (an
// opening for a reviewer, the pseudonym of a link) comes through here.
#pragma once

#include <optional>
#include <string>

#include "custody/sealing_keys.h"
#include "protocol/record.h"

namespace bangban {

// Clear personal data: wiped (sodium_memzero) when destroyed. Print it to whom may see it, derive
// a pseudonym from it, and keep it nowhere.
struct ClearApplicant {
  ClearApplicant() = default;
  ~ClearApplicant();
  ClearApplicant(ClearApplicant&& other) noexcept;
  ClearApplicant& operator=(ClearApplicant&&) = delete;
  ClearApplicant(const ClearApplicant&) = delete;
  ClearApplicant& operator=(const ClearApplicant&) = delete;

  std::string id_number, name;
};

// Opens `submit`'s applicant box with the sealing key it names (custody/sealing_keys.h; a box
// that names none was sealed to the hub's identity key before sealing keys existed). Errors, each
// naming the application: "unseal_failed" (not an app.submit with an applicant box, sealed to
// another key, altered, or not holding an ID number and a name), "key_shredded" (its period's
// key was shredded: no one can open it), "sealing_key_missing" (a key this hub never published,
// or whose file is gone).
ClearApplicant OpenApplicantBox(const SealingKeys& keys, const Record& submit);

// The same for a pass over many applications: nullopt, with `why` set to the error's sentence,
// instead of an error, so that the pass counts such a box and goes on.
std::optional<ClearApplicant> TryOpenApplicantBox(const SealingKeys& keys, const Record& submit, std::string* why);

}  // namespace bangban
