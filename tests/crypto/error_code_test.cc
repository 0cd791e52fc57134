#include "crypto/error_code.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "crypto/error.h"

namespace bangban {
namespace {

// The codes in docs/records.md's "Error codes" section: every table row `| `code` | ... |`
// up to the next top-level heading (the section groups them under ### headings).
std::set<std::string> DocumentedCodes() {
  std::ifstream doc(std::string(BANGBAN_SOURCE_DIR) + "/docs/records.md");
  EXPECT_TRUE(doc) << "cannot read docs/records.md";
  const std::regex row(R"(^\| `([a-z_]+)` \|)");
  std::set<std::string> codes;
  bool in_section = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Error codes";
    std::smatch match;
    if (in_section && std::regex_search(line, match, row)) codes.insert(match[1]);
  }
  return codes;
}

TEST(ErrorCodeTest, DocsListExactlyTheCatalogue) {
  const std::set<std::string> documented = DocumentedCodes();
  std::set<std::string> catalogue;
  for (const ErrorCode& code : kErrorCodes) {
    catalogue.insert(std::string(code.name()));
    EXPECT_TRUE(documented.count(std::string(code.name())))
        << "`" << code.name() << "` is in crypto/error_code.h but not in docs/records.md \"Error codes\"";
  }
  for (const std::string& code : documented) {
    EXPECT_TRUE(catalogue.count(code)) << "`" << code << "` is in docs/records.md but not in crypto/error_code.h";
  }
  EXPECT_EQ(catalogue.size(), kErrorCodes.size()) << "a code is declared twice";
}

TEST(ErrorCodeTest, EveryCodeIsATokenWithAMeaning) {
  const std::regex token("[a-z][a-z_]*[a-z]");
  for (const ErrorCode& code : kErrorCodes) {
    EXPECT_TRUE(std::regex_match(std::string(code.name()), token)) << code.name();
    EXPECT_FALSE(code.meaning().empty()) << code.name();
  }
}

TEST(ErrorCodeTest, FindsCodesByText) {
  ASSERT_TRUE(FindErrorCode("forked"));
  EXPECT_EQ(*FindErrorCode("forked"), ErrorCode::kForked);
  EXPECT_FALSE(FindErrorCode("no_such_code"));
}

TEST(ErrorCodeTest, ErrorsCarryTheirCode) {
  Error error(ErrorCode::kInvalidIdNumber, "the ID number's check digit is wrong");
  EXPECT_EQ(error.code(), "invalid_id_number");
  EXPECT_TRUE(error.Is(ErrorCode::kInvalidIdNumber));
  EXPECT_FALSE(error.Is(ErrorCode::kInvalidBody));
  EXPECT_TRUE(error.code() == ErrorCode::kInvalidIdNumber);
  Error reworded = Error::Reworded(error, "line 3: " + std::string(error.what()));
  EXPECT_TRUE(reworded.Is(ErrorCode::kInvalidIdNumber));
  EXPECT_STREQ(reworded.what(), "line 3: the ID number's check digit is wrong");
  // A peer's code is kept as it came, also one this version does not know.
  EXPECT_EQ(Error::Relayed("some_future_code", "refused").code(), "some_future_code");
}

}  // namespace
}  // namespace bangban
