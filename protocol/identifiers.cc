// Checks of unified social credit codes (GB 32100-2015 with amendment XG1-2016) and resident
// identity numbers (GB 11643-1999), and display masking of personal names.
#include "protocol/identifiers.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/text_safety.h"

namespace bangban {
namespace {

// ---------------------------------------------------------------------------------------------
// UTF-8 splitting. Each unit is one well-formed code point, or one byte that does not start a
// well-formed sequence (stray continuation byte, overlong form, surrogate, value above
// U+10FFFF, truncated sequence). Nothing here ever reads past the end of the input.

struct Unit {
  std::size_t offset;
  std::size_t size;
  bool valid;
};

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if there is none
// (RFC 3629 / Unicode table 3-7 of well-formed byte sequences).
std::size_t WellFormedLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  const std::size_t left = s.size() - i;
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // continuation byte, C0, C1, F5..FF
  }
  if (left < len) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

std::vector<Unit> SplitUtf8(std::string_view s) {
  std::vector<Unit> units;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = WellFormedLength(s, i);
    if (len == 0) {
      units.push_back({i, 1, false});
      i += 1;
    } else {
      units.push_back({i, len, true});
      i += len;
    }
  }
  return units;
}

// ---------------------------------------------------------------------------------------------
// Unified social credit code.

constexpr std::string_view kUsccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";  // values 0..30

// Registration authority codes (position 1): GB 32100-2015 as amended by XG1-2016 —
// 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商,
// A 中央军委改革和编制办公室, N 农业, Y 其他.
constexpr std::string_view kUsccAuthorities = "123456789ANY";

int UsccValue(char c) {
  const auto pos = kUsccCharset.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

std::string Quoted(char c) { return std::string("'") + c + "'"; }

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string CheckUscc(std::string_view code) {
  if (code.empty()) return "code is empty";
  const std::vector<Unit> units = SplitUtf8(code);
  if (units.size() != 18) {
    return "code has " + std::to_string(units.size()) + " characters, expected 18";
  }

  // Every character must come from the code's character set.
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::string position = "character " + std::to_string(i + 1);
    if (units[i].size != 1 || !units[i].valid) {
      return position + " is not allowed (only digits and upper-case letters are)";
    }
    const char c = code[units[i].offset];
    if (c >= 'a' && c <= 'z') {
      return position + " " + Quoted(c) + " is lower case; use upper-case letters";
    }
    if (UsccValue(c) < 0) {
      if (c >= 0x20 && c < 0x7F) return position + " " + Quoted(c) + " is not allowed";
      return position + " is not allowed (only digits and upper-case letters are)";
    }
  }
  // From here on the code is exactly 18 single-byte characters.

  if (kUsccAuthorities.find(code[0]) == std::string_view::npos) {
    return "character 1 " + Quoted(code[0]) + " is not a registration authority code (1-9, A, N or Y)";
  }
  for (std::size_t i = 2; i < 8; ++i) {
    if (!IsAsciiDigit(code[i])) {
      return "character " + std::to_string(i + 1) + " " + Quoted(code[i]) +
             " must be a digit (positions 3-8 are the administrative division code)";
    }
  }

  // Check character: weights 3^(i-1) mod 31 for positions i = 1..17, check value
  // (31 - sum mod 31) mod 31.
  int sum = 0;
  int weight = 1;
  for (std::size_t i = 0; i < 17; ++i) {
    sum += UsccValue(code[i]) * weight;
    weight = weight * 3 % 31;
  }
  const char expected = kUsccCharset[(31 - sum % 31) % 31];
  if (code[17] != expected) {
    return "check character is " + Quoted(code[17]) + ", expected " + Quoted(expected);
  }
  return "";
}

namespace {

// ---------------------------------------------------------------------------------------------
// Resident identity number. No message below may contain any part of the number; they contain
// no digits at all, so that nothing from the input can be echoed by accident.

bool IsProvinceCode(int p) {
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
         (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 || p == 81 || p == 82;
}

int Digits(std::string_view s, std::size_t from, std::size_t count) {
  int v = 0;
  for (std::size_t i = from; i < from + count; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::string CheckIdNumber(std::string_view id_number, CivilDate today) {
  if (id_number.empty()) return "identity number is empty";
  if (id_number.size() < 18) return "identity number is too short; it must have eighteen characters";
  if (id_number.size() > 18) return "identity number is too long; it must have eighteen characters";

  for (std::size_t i = 0; i < 17; ++i) {
    if (!IsAsciiDigit(id_number[i])) {
      return "identity number must start with seventeen digits";
    }
  }
  const char check = id_number[17];
  if (check == 'x') return "check character is a lower-case x; use upper-case X";
  if (!IsAsciiDigit(check) && check != 'X') {
    return "check character must be a digit or upper-case X";
  }

  if (!IsProvinceCode(Digits(id_number, 0, 2))) {
    return "address code does not start with a valid province code";
  }

  const CivilDate birth{Digits(id_number, 6, 4), Digits(id_number, 10, 2), Digits(id_number, 12, 2)};
  if (!IsValidDate(birth)) return "birth date is not a real calendar date";
  if (birth < CivilDate{1900, 1, 1}) return "birth date is before the year nineteen hundred";
  if (birth > today) return "birth date is in the future";

  // ISO 7064 MOD 11-2: weights 2^(18-i) mod 11 for positions i = 1..17; the check value is
  // (12 - sum mod 11) mod 11, written X when it is ten.
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int weight = (1 << (17 - i)) % 11;
    sum += (id_number[i] - '0') * weight;
  }
  const int value = (12 - sum % 11) % 11;
  const char expected = value == 10 ? 'X' : static_cast<char>('0' + value);
  if (check != expected) {
    return "check character does not match the other characters; the number was probably "
           "mistyped";
  }
  return "";
}

bool IsValidOutletId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

std::string MaskName(std::string_view name) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  const std::vector<Unit> units = SplitUtf8(name);
  const auto keep = [&](const Unit& u) -> std::string {
    if (!u.valid) return std::string(kReplacement);  // keep the output well-formed UTF-8
    const std::string_view kept = name.substr(u.offset, u.size);
    // A control character or bidi override never survives masking (protocol/text_safety.h).
    if (!UnsafeCodePoint(kept).empty()) return std::string(kReplacement);
    return std::string(kept);
  };
  if (units.empty()) return "";
  if (units.size() == 1) return "*";
  std::string out = keep(units.front());
  if (units.size() == 2) return out + "*";
  out.append(units.size() - 2, '*');
  out += keep(units.back());
  return out;
}

}  // namespace bangban
