// The assessment rules file and the score it gives, deduction by deduction.
#include "oversight/assessment.h"

#include <gtest/gtest.h>

#include "crypto/bytes.h"
#include "crypto/error.h"
#include "crypto/hash.h"

namespace bangban {
namespace {

const std::string kRules = R"(version = "test.1"
base = 100.0
[deductions]
upheld_complaint = 2.0
verdict_points = 1.0
fee_violation = 5.0
on_time_target = 95.0
on_time_point = 1.0
uncovered_township = 1.0
missing_six_haves = 0.5
inactive_outlet = 1.0
)";

std::string ConfigError(const std::string& text) {
  try {
    AssessmentRules::Parse(text, "rules.toml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "config");
    return e.what();
  }
  return "";
}

Json Six(bool all) {
  return {{"sign", true}, {"computer", true}, {"staff", true}, {"guide", true}, {"phone", true}, {"publicity", all}};
}

// A county's figures as CountyFigures makes them, reduced to what the assessment reads.
Json Figures() {
  return {{"county", "140802"},
          {"complaints",
           {{"complaints",
             {{{"complaint", "c1"}, {"verdict", {{"record", "v1"}, {"upheld", true}, {"deduction", 3}}}},
              {{"complaint", "c2"}, {"verdict", {{"record", "v2"}, {"upheld", false}, {"deduction", 0}}}},
              {{"complaint", "c3"}, {"verdict", nullptr}}}}}},
          {"fee_violations", {{{"record", "a1"}, {"app_id", "B-1"}}}},
          {"sla", {{"on_time_rate", 2.0 / 3.0}, {"completed", 3}, {"completed_on_time", 2}}},
          {"coverage", {{"uncovered", {{{"code", "140802101"}, {"name", "龙居镇"}}}}, {"townships_record", "t1"}}},
          {"six_haves",
           {{"by_outlet",
             {{{"outlet_id", "A"},
               {"claimed", Six(true)},
               {"inspected", Six(false)},
               {"inspection", "i1"},
               {"profile", "p1"}},
              {{"outlet_id", "B"}, {"claimed", Six(false)}, {"inspected", nullptr}, {"profile", "p2"}},
              {{"outlet_id", "C"},
               {"claimed", Six(false)},
               {"inspected", Six(true)},
               {"inspection", "i3"},
               {"profile", "p3"}}}}}},
          {"outlets", {{"inactive_outlets", {{{"outlet_id", "D"}, {"last_record", "r9"}}}}}}};
}

const Json& Deduction(const Json& county, const std::string& rule) {
  for (const Json& d : county["deductions"]) {
    if (d["rule"] == rule) return d;
  }
  static const Json none;
  ADD_FAILURE() << "no deduction " << rule;
  return none;
}

TEST(AssessmentTest, TheShippedRulesParseAndTheirHashIsTheFilesBytes) {
  const std::string file = std::string(BANGBAN_SOURCE_DIR) + "/deploy/assessment.toml";
  AssessmentRules rules = AssessmentRules::Load(file);
  EXPECT_FALSE(rules.version.empty());
  EXPECT_EQ(rules.base, 100);
  EXPECT_EQ(rules.fee_violation, 5);
  EXPECT_EQ(rules.missing_six_haves, 0.5);
  EXPECT_EQ(rules.hash.size(), 64u);
  AssessmentRules same = AssessmentRules::Parse(kRules, "a");
  EXPECT_EQ(same.hash, ToHex(Blake2b256(AsBytes(kRules))));
  EXPECT_NE(AssessmentRules::Parse(kRules + "\n", "a").hash, same.hash);  // any byte changes it
}

TEST(AssessmentTest, EveryDeductionCountsAndCitesItsEvidence) {
  Json county = AssessCounty(Figures(), AssessmentRules::Parse(kRules, "rules.toml"));
  EXPECT_EQ(Deduction(county, "upheld_complaint")["count"], 1);
  EXPECT_EQ(Deduction(county, "upheld_complaint")["evidence"][0]["verdict"], "v1");
  EXPECT_EQ(Deduction(county, "verdict_points")["points"], 3.0);
  EXPECT_EQ(Deduction(county, "fee_violation")["points"], 5.0);
  EXPECT_EQ(Deduction(county, "fee_violation")["evidence"][0]["record"], "a1");
  // 66.67% on time: 28.33 points below 95, a part of a point counts as one.
  EXPECT_EQ(Deduction(county, "on_time_point")["count"], 29);
  EXPECT_EQ(Deduction(county, "uncovered_township")["evidence"][0]["township"], "140802101");
  EXPECT_EQ(Deduction(county, "uncovered_township")["evidence"][0]["list"], "t1");
  // A: inspected without publicity (claimed all); B: claims none of publicity, never inspected;
  // C: claims less than was found, and the inspection counts.
  const Json& six = Deduction(county, "missing_six_haves");
  ASSERT_EQ(six["count"], 2);
  EXPECT_EQ(six["evidence"][0]["record"], "i1");
  EXPECT_EQ(six["evidence"][0]["as"], "inspected");
  EXPECT_EQ(six["evidence"][1]["record"], "p2");
  EXPECT_EQ(six["evidence"][1]["as"], "claimed");
  EXPECT_EQ(six["points"], 1.0);
  EXPECT_EQ(Deduction(county, "inactive_outlet")["evidence"][0]["last_record"], "r9");
  EXPECT_DOUBLE_EQ(county["score"].get<double>(), 100 - 2 - 3 - 5 - 29 - 1 - 1 - 1);
}

TEST(AssessmentTest, NoSlaFiguresDeductNothingForTime) {
  Json f = Figures();
  f.erase("sla");
  Json county = AssessCounty(f, AssessmentRules::Parse(kRules, "r"));
  EXPECT_EQ(Deduction(county, "on_time_point")["count"], 0);
}

TEST(AssessmentTest, ABadRulesFileIsRefusedNamingTheRule) {
  EXPECT_NE(ConfigError("base = 100.0\n[deductions]\n").find("version"), std::string::npos);
  std::string missing = kRules;
  missing.erase(missing.find("fee_violation"), std::string("fee_violation = 5.0\n").size());
  EXPECT_NE(ConfigError(missing).find("deductions.fee_violation: missing"), std::string::npos);
  EXPECT_NE(ConfigError(kRules + "fee_violations = 1.0\n").find("fee_violations: not a rule"), std::string::npos);
  std::string negative = kRules;
  negative.replace(negative.find("fee_violation = 5.0"), 19, "fee_violation = -5.0");
  EXPECT_NE(ConfigError(negative).find("fee_violation"), std::string::npos);
  std::string target = kRules;
  target.replace(target.find("on_time_target = 95.0"), 21, "on_time_target = 195.0");
  EXPECT_NE(ConfigError(target).find("on_time_target"), std::string::npos);
  EXPECT_NE(ConfigError("colour = 1\n" + kRules).find("colour"), std::string::npos);
  EXPECT_NE(ConfigError("version = [").find("rules.toml"), std::string::npos);
  EXPECT_THROW(AssessmentRules::Load("/dev/null/none.toml"), Error);
}

}  // namespace
}  // namespace bangban
