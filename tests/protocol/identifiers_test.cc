// Tests of protocol/identifiers.h: unified social credit codes, resident identity numbers and
// name masking.
//
// The check characters of every published example below are recomputed here by a reference
// implementation written independently from the one under test (explicit weight tables copied
// from the standards' formulas rather than derived powers), so an example only stays in these
// tests if that recomputation confirms it.
#include "protocol/identifiers.h"

#include "protocol/text_safety.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace bangban {
namespace {

// ---------------------------------------------------------------------------------------------
// Reference computations.

constexpr std::string_view kUsccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// GB 32100-2015, 5.2: W_i = 3^(i-1) mod 31, written out.
constexpr std::array<int, 17> kUsccWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

char ReferenceUsccCheck(std::string_view first17) {
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const auto v = kUsccChars.find(first17[i]);
    EXPECT_NE(v, std::string_view::npos) << "bad character in test data";
    sum += static_cast<int>(v) * kUsccWeights[i];
  }
  int c = 31 - sum % 31;
  if (c == 31) c = 0;
  return kUsccChars[static_cast<std::size_t>(c)];
}

std::string WithUsccCheck(std::string first17) { return first17 + ReferenceUsccCheck(first17); }

// GB 11643-1999, 7.2: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check by sum mod 11.
constexpr std::array<int, 17> kIdWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kIdCheckBySumMod11 = "10X98765432";

char ReferenceIdCheck(std::string_view first17) {
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kIdWeights[i];
  return kIdCheckBySumMod11[static_cast<std::size_t>(sum % 11)];
}

// An identity number with a correct check character: six-digit address, YYYYMMDD, three-digit
// sequence number.
std::string MakeId(std::string_view address, std::string_view birth, std::string_view seq = "002") {
  std::string body = std::string(address) + std::string(birth) + std::string(seq);
  return body + ReferenceIdCheck(body);
}

constexpr CivilDate kToday{2024, 6, 1};

bool HasDigit(std::string_view s) {
  for (char c : s) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

// Rejected, and the message leaks nothing of the number: it contains no digit at all (so no run
// of digits from the input), and not the number itself.
void ExpectIdRejectedWithoutLeak(const std::string& id, CivilDate today = kToday) {
  SCOPED_TRACE("input length " + std::to_string(id.size()));
  const std::string msg = CheckIdNumber(id, today);
  EXPECT_FALSE(msg.empty());
  EXPECT_FALSE(HasDigit(msg)) << msg;
  if (!id.empty()) {
    EXPECT_EQ(msg.find(id), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------------------------------------
// Unified social credit code.

struct PublishedUscc {
  const char* code;
  const char* source;
};

// Real, publicly listed codes. Each is re-verified by ReferenceUsccCheck below.
const std::vector<PublishedUscc>& PublishedUsccs() {
  static const std::vector<PublishedUscc> codes = {
      // The example used throughout validator documentation and in Hutool's CreditCodeUtilTest
      // (a Fuzhou, Fujian code, authority 9 / enterprise).
      {"91350100M000100Y43", "Hutool CreditCodeUtilTest / widely published example"},
      // 腾讯科技（深圳）有限公司 (Tencent Technology (Shenzhen) Co., Ltd.); it is the producer
      // code in the AIGC labels of Tencent's generated content and in company registries.
      {"91440300708461136T", "Tencent Technology (Shenzhen), public registration"},
      // 小米科技有限责任公司 (Xiaomi Inc., Beijing Haidian), public registration.
      {"91110108551385082Q", "Xiaomi Inc., public registration"},
      // 个体工商户 (individual business, authority 9 / category 2) in Shanxi; cited in
      // jaywcjlove/regexp-example issue #23 as a real code that can be looked up at cods.org.cn.
      {"92141127MA0KD1Y64A", "jaywcjlove/regexp-example issue #23 (cods.org.cn)"},
      // 清华大学 (Tsinghua University): authority 1 (机构编制) / category 2 (事业单位); the
      // taxpayer number printed in the university's published invoice-title details.
      {"12100000400000624D", "Tsinghua University invoice title details"},
      // 北京理工大学教育基金会 (Beijing Institute of Technology Education Foundation):
      // authority 5 (民政) / category 3 (基金会); invoice-title details in BIT tooling.
      {"53100000500021676K", "BIT Education Foundation invoice title details"},
      // A Shanghai university's code (given with an sjtu.edu.cn contact in an AnyCAD licence
      // entry; one other listing attributes it to Fudan). Kept because it is a real code whose
      // check value is 31 -> 0.
      {"1210000042500615X0", "Shanghai university, AnyCAD licence entry"},
  };
  return codes;
}

// Finding 9: control characters and bidi overrides are refused in records' text, named by code
// point; masking never carries one; outlet ids keep to their alphabet.
TEST(TextSafety, ControlCharactersAndBidiControlsAreNamed) {
  EXPECT_EQ(UnsafeCodePoint("运城市盐湖区 Li-3"), "");
  EXPECT_EQ(UnsafeCodePoint("张\u202E三"), "U+202E (a bidirectional control)");
  EXPECT_EQ(UnsafeCodePoint("a\u2066b"), "U+2066 (a bidirectional control)");
  EXPECT_EQ(UnsafeCodePoint(std::string("a\x07") + "b"), "U+0007 (a control character)");
  EXPECT_EQ(UnsafeCodePoint("a\u0085b"), "U+0085 (a control character)");
  EXPECT_EQ(UnsafeCodePoint("line\nline"), "U+000A (a control character)");
  EXPECT_EQ(UnsafeCodePoint("line\nline\tend", true), "");
  const Json body = {
      {"note", "补交\n租赁合同"}, {"applicant", {{"name", "张\u202E三"}}}, {"materials", {"ok", "b\x01"}}};
  EXPECT_EQ(UnsafeTextInBody(body), "applicant.name: U+202E (a bidirectional control)");
  EXPECT_EQ(UnsafeTextInBody({{"note", "补交\n租赁合同"}, {"materials", {"ok", "b\x01"}}}),
            "materials[1]: U+0001 (a control character)");
  EXPECT_EQ(UnsafeTextInBody({{"note", "补交\n租赁合同"}}), "");
}

TEST(TextSafety, MaskingNeverCarriesAControlOrBidiCharacter) {
  for (const std::string name : {"\u202E张三明", "张三\u202E", "\x1b[2J明", "张\u2069"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(UnsafeCodePoint(MaskName(name)), "") << MaskName(name);
  }
  EXPECT_EQ(MaskName("张三明"), "张*明");
}

TEST(OutletId, KeepsToItsAlphabet) {
  for (const std::string& good : std::vector<std::string>{"YH-001", "O-140802-001", "a.b_c", std::string(64, 'x')}) {
    EXPECT_TRUE(IsValidOutletId(good)) << good;
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "a b/c", "a/b", "网点1", "YH\u202E1", std::string(65, 'x')}) {
    EXPECT_FALSE(IsValidOutletId(bad)) << bad;
  }
}

TEST(CheckUscc, PublishedCodesAreAccepted) {
  for (const auto& p : PublishedUsccs()) {
    SCOPED_TRACE(std::string(p.code) + " from " + p.source);
    const std::string code = p.code;
    ASSERT_EQ(code.size(), 18u);
    EXPECT_EQ(ReferenceUsccCheck(code.substr(0, 17)), code[17]) << "example is not valid";
    EXPECT_EQ(CheckUscc(code), "");
  }
}

TEST(CheckUscc, EverySingleCharacterChangeIsRejected) {
  // The weights are non-zero modulo the prime 31, so every substitution within the character
  // set changes the weighted sum modulo 31; characters outside the set are refused outright.
  const std::string extra = "IOZSVabxyz -*\x7F";
  for (const auto& p : PublishedUsccs()) {
    const std::string valid = p.code;
    for (std::size_t pos = 0; pos < valid.size(); ++pos) {
      for (char c : std::string(kUsccChars) + extra) {
        if (c == valid[pos]) continue;
        std::string changed = valid;
        changed[pos] = c;
        EXPECT_NE(CheckUscc(changed), "") << changed << " (position " << pos + 1 << ")";
      }
    }
  }
}

TEST(CheckUscc, WrongCheckCharacterNamesTheExpectedOne) {
  EXPECT_EQ(CheckUscc("91350100M000100Y4A"), "check character is 'A', expected '3'");
  EXPECT_EQ(CheckUscc("91440300708461136U"), "check character is 'U', expected 'T'");
  // A code quoted on some web pages whose check character does not follow the standard.
  EXPECT_EQ(CheckUscc("91310000MA1FL4CT3X"), "check character is 'X', expected 'U'");
}

TEST(CheckUscc, CheckValueZeroIsWrittenAsDigitZero) {
  // Find a prefix whose weighted sum is a multiple of 31, so that the check is '0', not 31.
  std::string prefix = "91350100M0001000";
  bool found = false;
  for (char c : kUsccChars) {
    const std::string first17 = prefix + c;
    if (ReferenceUsccCheck(first17) == '0') {
      EXPECT_EQ(CheckUscc(first17 + '0'), "");
      EXPECT_NE(CheckUscc(first17 + 'Y'), "");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(CheckUscc, LengthIsEnforced) {
  EXPECT_EQ(CheckUscc(""), "code is empty");
  EXPECT_EQ(CheckUscc("91350100M000100Y4"), "code has 17 characters, expected 18");
  EXPECT_EQ(CheckUscc("91350100M000100Y433"), "code has 19 characters, expected 18");
  EXPECT_EQ(CheckUscc(" 91350100M000100Y43"), "code has 19 characters, expected 18");
  // Characters, not bytes: eighteen full-width digits are 54 bytes but 18 characters.
  std::string fullwidth;
  for (int i = 0; i < 18; ++i) fullwidth += "\xEF\xBC\x91";  // U+FF11 FULLWIDTH DIGIT ONE
  EXPECT_EQ(CheckUscc(fullwidth), "character 1 is not allowed (only digits and upper-case letters are)");
  EXPECT_EQ(CheckUscc("\xEF\xBC\x91"), "code has 1 characters, expected 18");
}

TEST(CheckUscc, ForbiddenLettersAreNamed) {
  for (char c : std::string("IOZSV")) {
    std::string code = "91350100M000100Y43";
    code[9] = c;  // position 10, inside the organisation code
    EXPECT_EQ(CheckUscc(code), std::string("character 10 '") + c + "' is not allowed");
  }
  EXPECT_EQ(CheckUscc("91350100M000100Y4-"), "character 18 '-' is not allowed");
  EXPECT_EQ(CheckUscc("9135010\x01M000100Y43"), "character 8 is not allowed (only digits and upper-case letters are)");
  EXPECT_EQ(CheckUscc("9135010\xFFM000100Y43"), "character 8 is not allowed (only digits and upper-case letters are)");
}

TEST(CheckUscc, LowerCaseIsRefusedWithAHint) {
  EXPECT_EQ(CheckUscc("91350100m000100Y43"), "character 9 'm' is lower case; use upper-case letters");
  EXPECT_EQ(CheckUscc("91440300708461136t"), "character 18 't' is lower case; use upper-case letters");
  // Lower-case forms of the forbidden letters get the same hint, and upper-casing a valid code
  // that was typed in lower case makes it valid.
  EXPECT_NE(CheckUscc("91110108551385082q").find("upper-case"), std::string::npos);
  EXPECT_EQ(CheckUscc("91110108551385082Q"), "");
}

TEST(CheckUscc, RegistrationAuthorityCodes) {
  // GB 32100-2015 amendment XG1-2016: 1-9, A, N, Y. Accepted with a correct check character.
  for (char a : std::string("123456789ANY")) {
    const std::string code = WithUsccCheck(std::string(1, a) + "1350100M000100Y4");
    EXPECT_EQ(CheckUscc(code), "") << code;
  }
  // Every other character of the set is refused even with a correct check character.
  for (char a : std::string("0BCDEFGHJKLMPQRTUWX")) {
    const std::string code = WithUsccCheck(std::string(1, a) + "1350100M000100Y4");
    EXPECT_EQ(CheckUscc(code),
              std::string("character 1 '") + a + "' is not a registration authority code (1-9, A, N or Y)")
        << code;
  }
}

TEST(CheckUscc, AdministrativeDivisionMustBeDigits) {
  for (std::size_t pos = 2; pos < 8; ++pos) {
    std::string first17 = "91350100M000100Y4";
    first17[pos] = 'A';
    const std::string code = WithUsccCheck(first17);
    EXPECT_EQ(CheckUscc(code), "character " + std::to_string(pos + 1) +
                                   " 'A' must be a digit (positions 3-8 are the administrative "
                                   "division code)");
  }
  // Letters are fine in positions 2 and 9-17.
  EXPECT_EQ(CheckUscc(WithUsccCheck("9A350100MA000100Y")), "");
}

// ---------------------------------------------------------------------------------------------
// Resident identity number.

TEST(CheckIdNumber, StandardExampleIsAccepted) {
  // GB 11643-1999, annex A: 北京市朝阳区 11010519491231002X.
  const std::string id = "11010519491231002X";
  EXPECT_EQ(ReferenceIdCheck(id.substr(0, 17)), 'X');
  EXPECT_EQ(CheckIdNumber(id, kToday), "");
  // A digit check character, from a body built here.
  const std::string built = MakeId("350102", "19851130", "123");
  EXPECT_EQ(CheckIdNumber(built, kToday), "");
}

TEST(CheckIdNumber, StandardExampleBornBefore1900IsRefused) {
  // GB 11643-1999, annex A: 广东省汕头市潮阳县 440524188001010014. Its check character is
  // right, but the contract refuses birth dates before 1900-01-01.
  const std::string id = "440524188001010014";
  EXPECT_EQ(ReferenceIdCheck(id.substr(0, 17)), '4');
  EXPECT_EQ(CheckIdNumber(id, kToday), "birth date is before the year nineteen hundred");
  ExpectIdRejectedWithoutLeak(id);
}

TEST(CheckIdNumber, EverySingleCharacterChangeIsRejected) {
  // MOD 11-2 weights are non-zero modulo the prime 11, so any single digit change is caught.
  const std::vector<std::string> valid_ids = {"11010519491231002X", MakeId("350102", "19851130", "123"),
                                              MakeId("650104", "20000229", "517")};
  for (const std::string& valid : valid_ids) {
    ASSERT_EQ(CheckIdNumber(valid, kToday), "") << valid;
    for (std::size_t pos = 0; pos < valid.size(); ++pos) {
      for (char c : std::string("0123456789Xx A")) {
        if (c == valid[pos]) continue;
        std::string changed = valid;
        changed[pos] = c;
        SCOPED_TRACE("position " + std::to_string(pos + 1));
        ExpectIdRejectedWithoutLeak(changed);
      }
    }
  }
}

TEST(CheckIdNumber, WrongCheckCharacterIsRefusedWithoutNamingIt) {
  std::string id = "11010519491231002X";
  for (char c : std::string("0123456789")) {
    id[17] = c;
    EXPECT_EQ(CheckIdNumber(id, kToday),
              "check character does not match the other characters; the number was probably "
              "mistyped");
    ExpectIdRejectedWithoutLeak(id);
  }
}

TEST(CheckIdNumber, LowerCaseXIsRefusedWithAHint) {
  const std::string msg = CheckIdNumber("11010519491231002x", kToday);
  EXPECT_EQ(msg, "check character is a lower-case x; use upper-case X");
  ExpectIdRejectedWithoutLeak("11010519491231002x");
}

TEST(CheckIdNumber, LengthAndCharacters) {
  EXPECT_EQ(CheckIdNumber("", kToday), "identity number is empty");
  EXPECT_EQ(CheckIdNumber("11010519491231002", kToday),
            "identity number is too short; it must have eighteen characters");
  EXPECT_EQ(CheckIdNumber("11010519491231002X1", kToday),
            "identity number is too long; it must have eighteen characters");
  // A first-generation fifteen-digit number is not accepted.
  EXPECT_NE(CheckIdNumber("110105491231002", kToday), "");
  EXPECT_EQ(CheckIdNumber("1101051949123100X2", kToday), "identity number must start with seventeen digits");
  EXPECT_EQ(CheckIdNumber("11010519491231002Y", kToday), "check character must be a digit or upper-case X");
  EXPECT_EQ(CheckIdNumber("1101051949\xEF\xBC\x91"
                          "231002X",
                          kToday)
                .empty(),
            false);
  for (const std::string id : {"", "11010519491231002", "11010519491231002X1", "110105491231002", "1101051949123100X2",
                               "11010519491231002Y"}) {
    ExpectIdRejectedWithoutLeak(id);
  }
}

TEST(CheckIdNumber, ProvinceCodes) {
  const std::vector<int> valid = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                                  43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
  for (int p = 0; p <= 99; ++p) {
    char address[7];
    std::snprintf(address, sizeof address, "%02d0102", p);
    const std::string id = MakeId(address, "19900307");
    const bool expected_valid = std::find(valid.begin(), valid.end(), p) != valid.end();
    if (expected_valid) {
      EXPECT_EQ(CheckIdNumber(id, kToday), "") << "province " << p;
    } else {
      EXPECT_EQ(CheckIdNumber(id, kToday), "address code does not start with a valid province code")
          << "province " << p;
      ExpectIdRejectedWithoutLeak(id);
    }
  }
  // Address codes that no longer exist are accepted, e.g. 440524 (汕头市潮阳县, now a district
  // with another code).
  EXPECT_EQ(CheckIdNumber(MakeId("440524", "19800101", "001"), kToday), "");
}

TEST(CheckIdNumber, BirthDateMustBeARealDate) {
  struct Case {
    const char* date;
    bool valid;
  };
  const Case cases[] = {
      {"20000229", true},   // divisible by 400: leap
      {"19000229", false},  // divisible by 100 only: not leap
      {"20240229", true},   // divisible by 4: leap
      {"20230229", false},  // not leap
      {"20230228", true},  {"19960229", true}, {"21000229", false}, {"19901301", false},  // month 13
      {"19900001", false},                                                                // month 0
      {"19900132", false},                                                                // day 32
      {"19900100", false},                                                                // day 0
      {"19900431", false},                                                                // April has 30 days
      {"19900430", true},  {"19901231", true}, {"19990931", false},
  };
  const CivilDate far_future{2200, 1, 1};
  for (const Case& c : cases) {
    const std::string id = MakeId("110105", c.date);
    if (c.valid) {
      EXPECT_EQ(CheckIdNumber(id, far_future), "") << c.date;
    } else {
      EXPECT_EQ(CheckIdNumber(id, far_future), "birth date is not a real calendar date") << c.date;
      ExpectIdRejectedWithoutLeak(id, far_future);
    }
  }
}

TEST(CheckIdNumber, BirthDateRange) {
  // Not after today.
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "20240601"), kToday), "");
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "20240602"), kToday), "birth date is in the future");
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "20240701"), kToday), "birth date is in the future");
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "20250101"), kToday), "birth date is in the future");
  ExpectIdRejectedWithoutLeak(MakeId("110105", "20240602"));
  // The same number becomes valid once that day has come.
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "20240602"), CivilDate{2024, 6, 2}), "");
  // Not before 1900-01-01.
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "19000101"), kToday), "");
  EXPECT_EQ(CheckIdNumber(MakeId("110105", "18991231"), kToday), "birth date is before the year nineteen hundred");
  ExpectIdRejectedWithoutLeak(MakeId("110105", "18991231"));
}

TEST(CheckIdNumber, MessagesNeverContainTheNumber) {
  // A broad sweep: every prefix and extension of a valid number, and every number with two
  // adjacent digits swapped, is refused with a digit-free message.
  const std::string digits = "11010519491231002X7654";
  for (std::size_t len = 0; len <= digits.size(); ++len) {
    if (len == 18) continue;
    ExpectIdRejectedWithoutLeak(digits.substr(0, len));
  }
  const std::string valid = MakeId("320102", "19770305", "468");
  for (std::size_t pos = 0; pos + 1 < 17; ++pos) {
    std::string swapped = valid;
    std::swap(swapped[pos], swapped[pos + 1]);
    if (swapped == valid) continue;
    ExpectIdRejectedWithoutLeak(swapped);
  }
}

// ---------------------------------------------------------------------------------------------
// Name masking.

TEST(MaskName, ChineseNames) {
  EXPECT_EQ(MaskName("张"), "*");
  EXPECT_EQ(MaskName("张明"), "张*");
  EXPECT_EQ(MaskName("张三明"), "张*明");
  EXPECT_EQ(MaskName("欧阳小明"), "欧**明");
  EXPECT_EQ(MaskName("阿依古丽·买买提"), "阿******提");
  // A character outside the BMP (U+20000, four bytes in UTF-8) counts as one character.
  EXPECT_EQ(MaskName("\xF0\xA0\x80\x80"), "*");
  EXPECT_EQ(MaskName("张\xF0\xA0\x80\x80"), "张*");
  EXPECT_EQ(MaskName("\xF0\xA0\x80\x80明华"), "\xF0\xA0\x80\x80*华");
}

TEST(MaskName, AsciiNames) {
  EXPECT_EQ(MaskName(""), "");
  EXPECT_EQ(MaskName("L"), "*");
  EXPECT_EQ(MaskName("Li"), "L*");
  EXPECT_EQ(MaskName("Bob"), "B*b");
  EXPECT_EQ(MaskName("Anna"), "A**a");
  EXPECT_EQ(MaskName("Li Na"), "L***a");
}

TEST(MaskName, InvalidUtf8BytesCountAsOneCharacterEach) {
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(MaskName("\xFF"), "*");
  EXPECT_EQ(MaskName("张\xFF明"), "张*明");
  EXPECT_EQ(MaskName("\xFF\xFE"), replacement + "*");
  EXPECT_EQ(MaskName("张\xFF"), "张*");
  EXPECT_EQ(MaskName("张三\xFF"), "张*" + replacement);
  // A truncated three-byte sequence (first two bytes of 张) is two units.
  EXPECT_EQ(MaskName("\xE5\xBC"), replacement + "*");
  EXPECT_EQ(MaskName("明\xE5\xBC"), "明*" + replacement);
  // Overlong encoding of '/', an encoded surrogate, and a stray continuation byte.
  EXPECT_EQ(MaskName("\xC0\xAF"), replacement + "*");
  EXPECT_EQ(MaskName("\xED\xA0\x80"), replacement + "*" + replacement);
  EXPECT_EQ(MaskName("a\x80"), "a*");
  // A string cut off in the middle of a character at the end.
  EXPECT_EQ(MaskName("欧阳\xE5"), "欧*" + replacement);
}

}  // namespace
}  // namespace bangban
