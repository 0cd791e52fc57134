#include "oversight/county_rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/error.h"

namespace bangban {
namespace {

std::string ReadSource(const std::string& name) {
  std::ifstream in(std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SlaProfile Profile() {
  SlaProfile p;
  p.id = 2;
  p.effective_from_ms = 1'772'413'200'000;
  p.settings.policy = SlaPolicy::kMinutes;
  p.settings.target_minutes = 120;
  p.settings.warn_ratio = 0.8125;
  p.settings.late_return_ratio = 1;
  p.calendars = {{"calendars/cn-2026.toml", ReadSource("cn-2026.toml")}};
  p.calendar = CalendarFromSources(p.calendars);
  p.fingerprint = p.calendar.Fingerprint();
  return p;
}

TEST(CountyRulesTest, RoundTripsExactly) {
  const SlaProfile p = Profile();
  CountyRules r = CountyRules::FromBody(RulesBody(p));
  EXPECT_EQ(r.profile, 2u);
  EXPECT_EQ(r.effective_from_ms, p.effective_from_ms);
  EXPECT_EQ(r.settings.policy, SlaPolicy::kMinutes);
  EXPECT_EQ(r.settings.target_minutes, 120);
  EXPECT_EQ(r.settings.warn_ratio, 0.8125);
  EXPECT_EQ(r.settings.late_return_ratio, 1.0);
  ASSERT_EQ(r.calendars.size(), 1u);
  EXPECT_EQ(r.calendars[0].text, p.calendars[0].text);
  EXPECT_TRUE(p.SameRules(r.settings, CalendarFromSources(r.calendars).Fingerprint()));
}

TEST(CountyRulesTest, AFingerprintThatIsNotTheCalendarsIsRefused) {
  Json body = RulesBody(Profile());
  body["fingerprint"] = std::string(64, 'a');
  EXPECT_THROW(CountyRules::FromBody(body), Error);
}

TEST(CountyRulesTest, BadRatiosAndSettingsAreRefused) {
  Json body = RulesBody(Profile());
  body["warn_ratio"] = "0.7.5";
  EXPECT_THROW(CountyRules::FromBody(body), Error);
  body = RulesBody(Profile());
  body["warn_ratio"] = "1.5";  // a number, but not a share
  EXPECT_THROW(CountyRules::FromBody(body), Error);
}

TEST(CountyRulesTest, ACutCalendarIsRefused) {
  Json body = RulesBody(Profile());
  Json::binary_t cut = body["calendars"].get_binary();
  cut.resize(cut.size() - 10);
  body["calendars"] = Json::binary(cut);
  EXPECT_THROW(CountyRules::FromBody(body), Error);
}

TEST(CountyRulesTest, TheTomlSectionReadsBackAsTheSettings) {
  std::string toml = SlaTomlSection(Profile().settings, {"calendars/0.toml"});
  EXPECT_NE(toml.find("late_return_ratio = 1.0\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("warn_ratio = 0.8125\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("calendars = [\"calendars/0.toml\"]"), std::string::npos) << toml;
}

}  // namespace
}  // namespace bangban
