// JSON text from outside: parsed with bounded nesting, no duplicate keys, numbers that fit, and
// only bangban::Error (code "malformed") on bad input.
#include "protocol/json_text.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/error.h"

namespace bangban {
namespace {

// The error a text gets, or "" if it parses.
std::string Refusal(const std::string& text) {
  try {
    ParseJsonText(text, "line 7");
    return "";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "malformed") << e.what();
    return e.what();
  }
}

TEST(JsonTextTest, ParsesWhatNlohmannParses) {
  const std::string text = R"({"type": "app.submit", "fee_cents": 0, "materials": ["a", "b"], "n": -3, "x": 1.5,)"
                           R"( "ok": true, "none": null, "nested": {"k": [1, {"z": "张三"}]}})";
  EXPECT_EQ(ParseJsonText(text, "t"), Json::parse(text));
  EXPECT_EQ(ParseJsonText("  42 \n", "t"), Json(42));
  EXPECT_EQ(ParseJsonText("[]", "t"), Json::array());
}

TEST(JsonTextTest, ADuplicateKeyIsRefusedNamingItsPath) {
  std::string why = Refusal(R"({"type": "app.submit", "fee_cents": 0, "fee_cents": 500})");
  EXPECT_NE(why.find("line 7: the key \"fee_cents\" appears twice"), std::string::npos) << why;
  why = Refusal(R"({"type": "app.submit", "applicant": {"id": "1", "id": "2"}})");
  EXPECT_NE(why.find("applicant: the key \"id\" appears twice"), std::string::npos) << why;
  why = Refusal(R"({"type": "a", "type": "b"})");
  EXPECT_NE(why.find("\"type\" appears twice"), std::string::npos) << why;
  // The same key in two different objects is fine.
  EXPECT_EQ(Refusal(R"({"a": {"k": 1}, "b": {"k": 2}})"), "");
}

TEST(JsonTextTest, DeepNestingIsRefusedWithoutRecursion) {
  EXPECT_EQ(Refusal(std::string(kMaxJsonNesting, '[') + std::string(kMaxJsonNesting, ']')), "");
  std::string why = Refusal(std::string(kMaxJsonNesting + 1, '[') + std::string(kMaxJsonNesting + 1, ']'));
  EXPECT_NE(why.find("nested deeper than"), std::string::npos) << why;
  // A million levels: refused as quickly, with no stack overflow.
  why = Refusal(std::string(1000000, '['));
  EXPECT_NE(why.find("nested deeper than"), std::string::npos) << why;
}

TEST(JsonTextTest, NumbersOutOfRangeAreRefusedPlainly) {
  std::string why = Refusal(R"({"fee_cents": 1e400})");
  EXPECT_EQ(why.rfind("line 7: ", 0), 0u) << why;
  EXPECT_NE(why.find("1e400"), std::string::npos) << why;
  EXPECT_EQ(why.find("json.exception"), std::string::npos) << why;
}

TEST(JsonTextTest, InvalidTextSaysWhere) {
  for (const std::string text : {"{", "{\"a\": }", "[1, 2", "nul", "{\"a\": 1} x", ""}) {
    std::string why = Refusal(text);
    EXPECT_NE(why.find("not valid JSON at byte"), std::string::npos) << text << ": " << why;
    EXPECT_EQ(why.find("json.exception"), std::string::npos) << why;
  }
}

}  // namespace
}  // namespace bangban
