// Tests of node/intake.h: what a helper types at an outlet becomes a record body with the
// applicant's personal data sealed to the county hub.
#include "node/intake.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "crypto/error.h"
#include "crypto/hash.h"
#include "crypto/sealed_box.h"

#include <sodium.h>
#include "protocol/codec.h"
#include "protocol/record.h"

namespace bangban {
namespace {

constexpr CivilDate kToday{2026, 3, 2};

SigningKey KeyFromByte(uint8_t b) {
  Bytes seed(32, b);
  return SigningKey::FromSeed(seed);
}

// GB 11643-1999 check character, computed from the standard's weight table.
std::string WithIdCheck(const std::string& first17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + kCheck[static_cast<size_t>(sum % 11)];
}

// 140802 盐湖区, born 1985-06-15, sequence 123.
const std::string kIdNumber = WithIdCheck("14080219850615123");
const std::string kName = "张三明";

Json SubmitInput(const std::string& id_number = kIdNumber, const std::string& name = kName) {
  return {{"type", "app.submit"},
          {"app_id", "A-20260302-0001"},
          {"kind", "establish"},
          {"entity_type", "individual"},
          {"entity_name", "运城市盐湖区老街小吃店"},
          {"applicant", {{"id_number", id_number}, {"name", name}}},
          {"realname_verified", true},
          {"channel", "outlet"},
          {"fee_cents", 0},
          {"helper", "李*"},
          {"materials", {"id_card", "lease"}}};
}

bool Contains(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

testing::AssertionResult IntakeRejects(const Json& input, std::string_view code, std::string_view needle,
                                       const std::optional<SealingTarget>& sealing_key) {
  try {
    IntakeFromJson(input, sealing_key, kToday);
  } catch (const Error& e) {
    if (e.code() != code) {
      return testing::AssertionFailure() << "code '" << e.code() << "' (" << e.what() << "), expected '" << code << "'";
    }
    if (std::string_view(e.what()).find(needle) == std::string_view::npos) {
      return testing::AssertionFailure() << "message '" << e.what() << "' does not mention '" << needle << "'";
    }
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "no Error was thrown";
}

// A county hub's sealing key of one period (custody/sealing_keys.h makes them at the hub).
struct SealingPair {
  CurveSecretKey secret;
  SealingTarget target;
  SealingPair() {
    randombytes_buf(secret.data(), secret.size());
    crypto_scalarmult_base(target.public_key.data(), secret.data());
    target.period = "2026-03";
  }
  Bytes Open(ByteView box) const { return UnsealWithCurveKey(secret, target.public_key, box); }
};

class IntakeTest : public testing::Test {
 protected:
  SigningKey county_ = KeyFromByte(61);  // the county hub's identity: never sealed to
  SealingPair sealing_;
  testing::AssertionResult Rejects(const Json& input, std::string_view code, std::string_view needle) {
    return IntakeRejects(input, code, needle, sealing_.target);
  }
};

// Finding 9: a control character or bidi override in any text field is refused at intake,
// named by field and code point, never by value.
TEST_F(IntakeTest, ControlCharactersAndBidiOverridesAreRefused) {
  EXPECT_TRUE(Rejects(SubmitInput(kIdNumber, "张\u202E三"), "invalid_body", "applicant.name: U+202E"));
  Json helper = SubmitInput();
  helper["helper"] = std::string("李\x1b[2J");
  EXPECT_TRUE(Rejects(helper, "invalid_body", "body.helper: U+001B"));
  Json entity = SubmitInput();
  entity["entity_name"] = "老街\u2067小吃店";
  EXPECT_TRUE(Rejects(entity, "invalid_body", "entity_name: U+2067"));
  // A line feed is fine in free text (a note), not in a name.
  Json note = {{"type", "app.resubmit"}, {"app_id", "A-1"}, {"materials", {"lease"}}, {"note", "补交\n租赁合同"}};
  EXPECT_NO_THROW(IntakeFromJson(note, sealing_.target, kToday));
}

TEST_F(IntakeTest, TestIdNumberIsValid) { EXPECT_EQ(CheckIdNumber(kIdNumber, kToday), ""); }

TEST_F(IntakeTest, SubmitSealsTheApplicant) {
  IntakeEntry entry = IntakeFromJson(SubmitInput(), sealing_.target, kToday);
  EXPECT_EQ(entry.type, "app.submit");
  EXPECT_TRUE(entry.warning.empty()) << entry.warning;
  EXPECT_FALSE(entry.body.contains("type"));
  const Json& applicant = entry.body["applicant"];
  ASSERT_TRUE(applicant.is_object());
  EXPECT_EQ(applicant.size(), 3u);
  EXPECT_EQ(applicant["sealing_key"], "2026-03");  // the period whose key sealed it
  EXPECT_FALSE(applicant.contains("id_number"));
  EXPECT_FALSE(applicant.contains("name"));
  EXPECT_EQ(applicant["name_masked"], "张*明");
  ASSERT_TRUE(applicant["id_sealed"].is_binary());

  // Only the county hub's sealing key of the period opens the box, and it holds exactly the clear
  // values; the hub's identity key does not open it.
  const auto& box = applicant["id_sealed"].get_binary();
  Bytes clear = sealing_.Open(ByteView(box.data(), box.size()));
  EXPECT_THROW(Unseal(county_, ByteView(box.data(), box.size())), Error);
  Json opened = Json::parse(std::string(AsChars(clear)));
  EXPECT_EQ(opened, (Json{{"id_number", kIdNumber}, {"name", kName}}));
  EXPECT_THROW(Unseal(KeyFromByte(62), ByteView(box.data(), box.size())), Error);

  // The rest of the body is as entered, and it is a valid app.submit body.
  EXPECT_EQ(entry.body["app_id"], "A-20260302-0001");
  EXPECT_EQ(entry.body["fee_cents"], 0);
  EXPECT_NO_THROW(ValidateBody("app.submit", entry.body));
}

TEST_F(IntakeTest, EncodedBodyHoldsNoClearPersonalData) {
  IntakeEntry entry = IntakeFromJson(SubmitInput(), sealing_.target, kToday);
  Bytes encoded = EncodeJson(entry.body);
  EXPECT_FALSE(Contains(encoded, AsBytes(kIdNumber)));
  EXPECT_FALSE(Contains(encoded, AsBytes(kIdNumber.substr(0, 17))));
  EXPECT_FALSE(Contains(encoded, AsBytes("19850615")));  // the birth date
  EXPECT_FALSE(Contains(encoded, AsBytes(kName)));
  // No hash of the ID number either (it would be reversible by enumeration).
  Hash32 id_hash = Blake2b256(AsBytes(kIdNumber));
  EXPECT_FALSE(Contains(encoded, id_hash));
  EXPECT_FALSE(Contains(encoded, AsBytes(ToHex(id_hash))));

  // Nor does the signed record made from it.
  SigningKey outlet = KeyFromByte(63);
  Record r = Record::Create(outlet, entry.type, 1, std::nullopt, 1772413200000, entry.body);
  EXPECT_FALSE(Contains(r.wire(), AsBytes(kIdNumber)));
  EXPECT_FALSE(Contains(r.wire(), AsBytes(kName)));
  EXPECT_EQ(r.ToJson().dump().find(kIdNumber), std::string::npos);
}

TEST_F(IntakeTest, SealingIsNotLinkable) {
  // Two submissions by the same person give different boxes: nobody but the county can tell
  // that they are the same applicant.
  IntakeEntry a = IntakeFromJson(SubmitInput(), sealing_.target, kToday);
  IntakeEntry b = IntakeFromJson(SubmitInput(), sealing_.target, kToday);
  EXPECT_NE(a.body["applicant"]["id_sealed"], b.body["applicant"]["id_sealed"]);
}

TEST_F(IntakeTest, NamesAreMasked) {
  struct Case {
    std::string name, masked;
  };
  for (const Case& c : {Case{"张明", "张*"}, Case{"欧阳小明", "欧**明"}, Case{"Li", "L*"}, Case{"张", "*"}}) {
    IntakeEntry entry = IntakeFromJson(SubmitInput(kIdNumber, c.name), sealing_.target, kToday);
    EXPECT_EQ(entry.body["applicant"]["name_masked"], c.masked) << c.name;
  }
}

TEST_F(IntakeTest, InvalidIdNumbersRefusedWithoutRepeatingThem) {
  std::string bad_check = kIdNumber;
  bad_check[17] = bad_check[17] == '0' ? '1' : '0';
  const std::string future = WithIdCheck("14080220300101123");
  const std::string tomorrow = WithIdCheck("14080220260303123");
  const std::string feb30 = WithIdCheck("14080219850230123");
  const std::string bad_province = WithIdCheck("99080219850615123");
  for (const std::string& id : {bad_check, future, tomorrow, feb30, bad_province, kIdNumber.substr(0, 17),
                                kIdNumber + "1", std::string("1408021985061512X3")}) {
    SCOPED_TRACE(id);
    try {
      IntakeFromJson(SubmitInput(id), sealing_.target, kToday);
      ADD_FAILURE() << "accepted an invalid ID number";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "invalid_id_number") << e.what();
      std::string message = e.what();
      EXPECT_NE(message.find("applicant.id_number"), std::string::npos) << message;
      EXPECT_EQ(message.find(id), std::string::npos) << message;
      EXPECT_EQ(message.find(id.substr(6, 8)), std::string::npos) << message;  // the birth date
      EXPECT_EQ(message.find(kName), std::string::npos) << message;
    }
  }
  // Born today is fine.
  EXPECT_NO_THROW(IntakeFromJson(SubmitInput(WithIdCheck("14080220260302123")), sealing_.target, kToday));
}

TEST_F(IntakeTest, LowerCaseXRefused) {
  // Find a valid ID ending in X, then write it with a lower-case x.
  std::string with_x;
  for (int seq = 100; seq < 200 && with_x.empty(); ++seq) {
    std::string id = WithIdCheck("14080219850615" + std::to_string(seq));
    if (id.back() == 'X') with_x = id;
  }
  ASSERT_FALSE(with_x.empty());
  EXPECT_NO_THROW(IntakeFromJson(SubmitInput(with_x), sealing_.target, kToday));
  std::string lower = with_x;
  lower.back() = 'x';
  EXPECT_TRUE(Rejects(SubmitInput(lower), "invalid_id_number", "applicant.id_number"));
}

TEST_F(IntakeTest, MissingApplicantFields) {
  Json input = SubmitInput();
  input["applicant"].erase("name");
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.name"));
  input = SubmitInput();
  input["applicant"]["name"] = "";
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.name"));
  input = SubmitInput();
  input["applicant"].erase("id_number");
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.id_number"));
  input = SubmitInput();
  input["applicant"]["id_number"] = 140802198506151234;
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.id_number"));
  input = SubmitInput();
  input.erase("applicant");
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant"));
  input = SubmitInput();
  input["applicant"] = "张三明";
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant"));
}

TEST_F(IntakeTest, ExtraApplicantFieldRefused) {
  Json input = SubmitInput();
  input["applicant"]["phone"] = "13800000000";
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.phone"));
  // A caller may not supply the sealed fields itself either.
  input = SubmitInput();
  input["applicant"]["id_sealed"] = "00ff";
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.id_sealed"));
  input = SubmitInput();
  input["applicant"]["name_masked"] = "张*明";
  EXPECT_TRUE(Rejects(input, "invalid_body", "applicant.name_masked"));
  // And the message never repeats the ID number given alongside.
  try {
    Json extra = SubmitInput();
    extra["applicant"]["phone"] = "13800000000";
    IntakeFromJson(extra, sealing_.target, kToday);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find(kIdNumber), std::string::npos) << e.what();
  }
}

TEST_F(IntakeTest, OtherBodyErrorsNameTheField) {
  Json input = SubmitInput();
  input["fee_cents"] = -100;
  EXPECT_TRUE(Rejects(input, "invalid_body", "fee_cents"));
  input = SubmitInput();
  input["kind"] = "merge";
  EXPECT_TRUE(Rejects(input, "invalid_body", "body.kind"));
  input = SubmitInput();
  input["surprise"] = 1;
  EXPECT_TRUE(Rejects(input, "invalid_body", "body.surprise"));
  input = SubmitInput();
  input.erase("helper");
  EXPECT_TRUE(Rejects(input, "invalid_body", "body.helper"));
}

TEST_F(IntakeTest, FeeChargedIsStoredWithAWarning) {
  Json input = SubmitInput();
  input["fee_cents"] = 500;
  IntakeEntry entry = IntakeFromJson(input, sealing_.target, kToday);
  EXPECT_EQ(entry.body["fee_cents"], 500);
  EXPECT_FALSE(entry.warning.empty());
  EXPECT_NE(entry.warning.find("fee"), std::string::npos) << entry.warning;
}

TEST_F(IntakeTest, HubRecordTypesRefused) {
  Json approve = {{"type", "review.approve"}, {"app_id", "A-1"}, {"reviewer", "王*"}};
  EXPECT_TRUE(Rejects(approve, "not_outlet_type", "review.approve"));
  for (const char* type : {"review.accept", "review.correct", "review.reject", "review.assign", "key.enroll",
                           "key.revoke", "complaint.verdict", "outlet.inspect", "county.townships", "operator.enroll",
                           "operator.disable", "pii.access"}) {
    EXPECT_TRUE(Rejects({{"type", type}}, "not_outlet_type", type)) << type;
    EXPECT_FALSE(IsOutletRecordType(type)) << type;
  }
  for (const char* type : {"app.submit", "app.resubmit", "outlet.profile", "outlet.training", "annual.remind",
                           "annual.filed", "finance.referral", "complaint.file", "feedback.rating"}) {
    EXPECT_TRUE(IsOutletRecordType(type)) << type;
  }
}

TEST_F(IntakeTest, UnknownOrMissingTypeRefused) {
  EXPECT_TRUE(Rejects({{"type", "app.delete"}, {"app_id", "A-1"}}, "unknown_type", "app.delete"));
  // A store carries a later release's types (tests/storage), but a helper cannot write one: the
  // node that writes a record must know what it means.
  EXPECT_TRUE(
      Rejects({{"type", "outlet.survey"}, {"outlet_id", "YH-001"}, {"round", 1}}, "unknown_type", "outlet.survey"));
  Json no_type = SubmitInput();
  no_type.erase("type");
  EXPECT_TRUE(Rejects(no_type, "invalid_body", "type"));
  Json numeric = SubmitInput();
  numeric["type"] = 7;
  EXPECT_TRUE(Rejects(numeric, "invalid_body", "type"));
  EXPECT_TRUE(Rejects(Json::array({1, 2}), "invalid_body", "object"));
  EXPECT_TRUE(Rejects(Json("app.submit"), "invalid_body", "object"));
}

TEST_F(IntakeTest, ComplaintTextIsSealed) {
  const std::string text = "窗口人员要求收取代办费 200 元";
  Json input = {{"type", "complaint.file"}, {"outlet_id", "O-140802-001"}, {"category", "fee_charged"}, {"text", text}};
  IntakeEntry entry = IntakeFromJson(input, sealing_.target, kToday);
  EXPECT_EQ(entry.type, "complaint.file");
  EXPECT_FALSE(entry.body.contains("text"));
  ASSERT_TRUE(entry.body["text_sealed"].is_binary());
  const auto& box = entry.body["text_sealed"].get_binary();
  EXPECT_EQ(AsChars(sealing_.Open(ByteView(box.data(), box.size()))), text);
  EXPECT_THROW(Unseal(county_, ByteView(box.data(), box.size())), Error);
  EXPECT_EQ(entry.body["sealing_key"], "2026-03");
  EXPECT_FALSE(Contains(EncodeJson(entry.body), AsBytes(text)));
  EXPECT_NO_THROW(ValidateBody("complaint.file", entry.body));

  Json missing = input;
  missing.erase("text");
  EXPECT_TRUE(Rejects(missing, "invalid_body", "text"));
  Json empty = input;
  empty["text"] = "";
  EXPECT_TRUE(Rejects(empty, "invalid_body", "text"));
  Json presealed = input;
  presealed["text_sealed"] = "00ff";
  EXPECT_TRUE(Rejects(presealed, "invalid_body", "text_sealed"));
}

TEST_F(IntakeTest, WithoutASealingKeyPersonalDataIsRefusedAndOtherRecordsPass) {
  const std::optional<SealingTarget> none;
  EXPECT_TRUE(IntakeRejects(SubmitInput(), "no_sealing_key", "sync", none));
  Json complaint = {{"type", "complaint.file"}, {"outlet_id", "O-1"}, {"category", "slow"}, {"text", "等了很久"}};
  EXPECT_TRUE(IntakeRejects(complaint, "no_sealing_key", "--sealing-key", none));
  Json rating = {{"type", "feedback.rating"}, {"app_id", "A-1"}, {"score", 5}};
  EXPECT_NO_THROW(IntakeFromJson(rating, none, kToday));
  // The node makes the key's name; one given at input is refused.
  complaint["sealing_key"] = "2026-03";
  EXPECT_TRUE(Rejects(complaint, "invalid_body", "sealing_key"));
}

TEST_F(IntakeTest, SealingKeyArgumentsAreParsedStrictly) {
  const std::string hex(64, 'a');
  std::optional<SealingTarget> good = ParseSealingTarget("2026-12:" + hex);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->period, "2026-12");
  EXPECT_EQ(good->public_key[0], 0xaa);
  for (const std::string bad : {"2026-13:" + hex, "2026-00:" + hex, "2026-1:" + hex, "202612:" + hex, "2026-12" + hex,
                                "2026-12:" + hex.substr(2), "2026-12:zz" + hex.substr(2), "20a6-12:" + hex}) {
    EXPECT_FALSE(ParseSealingTarget(bad)) << bad;
  }
}

TEST_F(IntakeTest, PlainOutletTypesPassThrough) {
  Json input = {{"type", "feedback.rating"}, {"app_id", "A-1"}, {"score", 5}};
  IntakeEntry entry = IntakeFromJson(input, sealing_.target, kToday);
  EXPECT_EQ(entry.type, "feedback.rating");
  EXPECT_EQ(entry.body, (Json{{"app_id", "A-1"}, {"score", 5}}));
  EXPECT_TRUE(entry.warning.empty());
  input["score"] = 6;
  EXPECT_TRUE(Rejects(input, "invalid_body", "body.score"));
}

}  // namespace
}  // namespace bangban
