// Identifiers of people and market entities, checked before anything is signed.
//
// TO BE IMPLEMENTED (helper): see the contract comments below.
#pragma once

#include <string>
#include <string_view>

#include "protocol/civil_time.h"  // CivilDate

namespace bangban {

// Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from
// "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, Z, S, V); position 1 registration authority code,
// 2 entity category, 3-8 administrative division (digits), 9-17 organisation code, 18 check
// character (weights 3^(i) mod 31 as the standard gives). Returns "" when valid, otherwise a
// sentence naming the problem, e.g. "check character is 'X', expected 'Y'" or
// "character 5 'I' is not allowed".
std::string CheckUscc(std::string_view code);

// Resident identity number (公民身份号码), GB 11643-1999: 17 digits then a check character
// (0-9 or X; a lowercase x is refused with a hint), ISO 7064 MOD 11-2. Positions 1-6 are an
// address code: any six digits whose province part (first two) is a real province-level code
// (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82) — older address codes that no longer
// exist are accepted. Positions 7-14 must be a real birth date (leap years included), not after
// `today` and not before 1900-01-01. Returns "" when valid, otherwise a sentence naming the
// problem. Never includes the ID number itself in the message (it is personal data).
std::string CheckIdNumber(std::string_view id_number, CivilDate today);

// Masks a personal name for display outside the county hub, keeping the first and last
// characters (UTF-8 aware): "张三明" -> "张*明", "张明" -> "张*", "欧阳小明" -> "欧**明",
// "Li" -> "L*", one character -> "*". Empty input gives "". A kept character that is a control
// character or bidi override (protocol/text_safety.h) becomes U+FFFD: masking never carries one.
std::string MaskName(std::string_view name);

// The outlet-id alphabet (docs/records.md): 1-64 of A-Z a-z 0-9 . _ - (no spaces, slashes or
// anything a path, a log line or a report column would misread).
bool IsValidOutletId(std::string_view id);

}  // namespace bangban
