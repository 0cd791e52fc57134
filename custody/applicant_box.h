// The applicant box of an app.submit record: the outlet sealed the applicant's clear ID number
// and name ({"id_number", "name"}, node/intake.cc) into `applicant.id_sealed` for the county hub.
// This is the one place that opens such a box; everything that needs the clear values (an
// opening for a reviewer, the pseudonym of a link) comes through here.
#pragma once

#include <optional>
#include <string>

#include "crypto/identity.h"
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

// Opens `submit`'s applicant box with the county hub's key. nullopt, with `why` set to a
// sentence naming the application, when it cannot be opened: the record is not an app.submit,
// the box was sealed to another key or altered, or it does not hold an ID number and a name.
// It never throws for a box it cannot open, so that a pass over many applications counts such a
// box and goes on.
std::optional<ClearApplicant> OpenApplicantBox(const SigningKey& hub_key, const Record& submit, std::string* why);

}  // namespace bangban
