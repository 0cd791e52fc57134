// Tests of sim/city_plan.h: the plan is a pure function of its seed, and its workload has the
// shape the issue asks for (kinds in the season's proportions, every kind of outlet, one fee
// violation, complaints, villages that sync now and then and one that only carries bundles).
#include "sim/city_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "crypto/error.h"
#include "protocol/clock.h"
#include "protocol/identifiers.h"

namespace bangban {
namespace {

using Json = nlohmann::json;

std::vector<County> Map() { return ReadYuncheng(std::filesystem::path(BANGBAN_SOURCE_DIR) / "deploy/yuncheng"); }

PlanOptions Options(uint64_t seed) {
  PlanOptions o;
  o.seed = seed;
  o.counties = 3;
  o.outlets = 5;
  o.days = 2;
  return o;
}

TEST(CityPlanTest, TheSameSeedGivesTheSamePlanByteForByte) {
  const std::vector<County> map = Map();
  EXPECT_EQ(MakePlan(Options(7), map).ToJson().dump(), MakePlan(Options(7), map).ToJson().dump());
}

TEST(CityPlanTest, AnotherSeedGivesAnotherPlan) {
  const std::vector<County> map = Map();
  const CityPlan a = MakePlan(Options(7), map), b = MakePlan(Options(8), map);
  EXPECT_NE(a.ToJson()["events"].dump(), b.ToJson()["events"].dump());
  // Same shape of city: the outlets' ids and kinds do not depend on the seed.
  ASSERT_EQ(a.outlets.size(), b.outlets.size());
  for (size_t i = 0; i < a.outlets.size(); ++i) {
    EXPECT_EQ(a.outlets[i].id, b.outlets[i].id);
    EXPECT_EQ(a.outlets[i].kind, b.outlets[i].kind);
  }
}

// With the 2026 calendar the outlets are closed for Qingming (Saturday 4 April to Monday 6 April)
// and open Tuesday 7 April: a plan of two working days from Friday 3 April files on the 3rd and
// the 7th, never on the holiday; without a calendar Monday the 6th is a working day.
TEST(CityPlanTest, OutletsOpenOnTheCalendarsWorkingDaysOnly) {
  const std::vector<County> map = Map();
  PlanOptions o = Options(3);
  o.start = CivilDate{2026, 4, 3};
  o.calendar = WorkCalendar::FromTomlFile(std::filesystem::path(BANGBAN_SOURCE_DIR) / "deploy/calendars/cn-2026.toml");
  std::set<std::string> days, weekday_days;
  for (const PlannedEvent& e : MakePlan(o, map).events) days.insert(FormatCivilDate(CivilFromDays(LocalDays(e.at_ms))));
  o.calendar = WorkCalendar::WeekdaysOnly();
  for (const PlannedEvent& e : MakePlan(o, map).events) {
    weekday_days.insert(FormatCivilDate(CivilFromDays(LocalDays(e.at_ms))));
  }
  EXPECT_TRUE(days.count("2026-04-03")) << ::testing::PrintToString(days);
  EXPECT_TRUE(days.count("2026-04-07")) << ::testing::PrintToString(days);
  for (const char* holiday : {"2026-04-04", "2026-04-05", "2026-04-06"}) {
    EXPECT_FALSE(days.count(holiday)) << holiday << " " << ::testing::PrintToString(days);
  }
  EXPECT_TRUE(weekday_days.count("2026-04-06")) << ::testing::PrintToString(weekday_days);
}

TEST(CityPlanTest, ReadsYunchengsThirteenCountiesAndTheirTownships) {
  const std::vector<County> map = Map();
  ASSERT_EQ(map.size(), 13u);
  EXPECT_EQ(map[0].code, "140802");
  EXPECT_EQ(map[0].name, "盐湖区");
  for (const County& c : map) EXPECT_FALSE(c.townships.empty()) << c.code;
}

TEST(CityPlanTest, EveryKindOfOutletAcrossTheCountiesAndTheirTownships) {
  const std::vector<County> map = Map();
  const CityPlan plan = MakePlan(Options(1), map);
  ASSERT_EQ(plan.counties.size(), 3u);
  ASSERT_EQ(plan.outlets.size(), 15u);
  std::set<std::string> kinds, counties;
  int relays = 0, bundle_only = 0, offline = 0;
  for (const PlannedOutlet& o : plan.outlets) {
    kinds.insert(o.kind);
    counties.insert(o.county);
    EXPECT_TRUE(IsValidOutletId(o.id)) << o.id;
    EXPECT_EQ(o.township_code.substr(0, 6), o.county) << o.id;  // a township of its own county
    relays += o.relays;
    bundle_only += o.bundle_only;
    offline += !o.daemon;
    if (o.kind == "village_station" && !o.bundle_only) {
      EXPECT_FALSE(o.relay.empty()) << o.id;
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"township_centre", "bank_branch", "village_station", "market_supervision"}));
  EXPECT_EQ(counties.size(), 3u);
  EXPECT_EQ(relays, 3);       // one township centre per county relays for its villages
  EXPECT_EQ(bundle_only, 1);  // one village station only ever carries a USB stick
  EXPECT_EQ(offline, 6);      // two village stations per county of five outlets
  EXPECT_EQ(plan.Totals()["outlets"], 15);
  EXPECT_EQ(plan.Totals()["outlets_by_kind"]["village_station"], 6);
}

// Counts the plan's app.submit records by kind, and checks each one as the node would.
std::map<std::string, int> KindsFiled(const CityPlan& plan, int* fees = nullptr) {
  std::map<std::string, int> kinds;
  for (const PlannedEvent& e : plan.events) {
    if (e.what != "submit" || e.args["record"]["type"] != "app.submit") continue;
    const Json& r = e.args["record"];
    ++kinds[r["kind"].get<std::string>()];
    if (fees && r["fee_cents"].get<int>() > 0) ++*fees;
    EXPECT_EQ(CheckIdNumber(r["applicant"]["id_number"].get<std::string>(), {2026, 12, 31}), "") << r.dump();
    if (r.contains("uscc")) {
      EXPECT_EQ(CheckUscc(r["uscc"].get<std::string>()), "") << r.dump();
    }
    const int minute = LocalMinuteOfDay(e.at_ms);  // in opening hours
    EXPECT_TRUE((minute >= 510 && minute < 720) || (minute >= 870 && minute < 1080)) << FormatRfc3339(e.at_ms);
  }
  return kinds;
}

TEST(CityPlanTest, KindsComeInTheSeasonsProportions) {
  const std::vector<County> map = Map();
  PlanOptions spring = Options(3);
  spring.counties = 13;
  spring.outlets = 10;
  spring.days = 5;
  spring.start = {2026, 3, 2};  // annual-report season (January to June)
  int fees = 0;
  const CityPlan plan = MakePlan(spring, map);
  std::map<std::string, int> kinds = KindsFiled(plan, &fees);
  const double total = kinds["establish"] + kinds["change"] + kinds["deregister"] + kinds["annual_report"];
  ASSERT_GT(total, 1000);
  EXPECT_NEAR(kinds["establish"] / total, 0.40, 0.05);
  EXPECT_NEAR(kinds["change"] / total, 0.25, 0.05);
  EXPECT_NEAR(kinds["deregister"] / total, 0.10, 0.04);
  EXPECT_NEAR(kinds["annual_report"] / total, 0.25, 0.05);
  EXPECT_EQ(fees, 1);
  EXPECT_EQ(plan.Totals()["applications"], total);
  EXPECT_EQ(plan.Totals()["fee_violations"], 1);

  PlanOptions autumn = spring;
  autumn.start = {2026, 9, 7};  // out of season: no annual reports
  kinds = KindsFiled(MakePlan(autumn, map));
  EXPECT_EQ(kinds.count("annual_report"), 0u);
  EXPECT_GT(kinds["establish"], kinds["change"]);
}

TEST(CityPlanTest, TotalsCountWhatTheEventsDo) {
  const CityPlan plan = MakePlan(Options(11), Map());
  std::map<std::string, int> by_type;
  std::map<std::string, int> actions;
  int syncs = 0, bundles = 0, verdicts = 0;
  for (const PlannedEvent& e : plan.events) {
    if (e.what == "submit") ++by_type[e.args["record"]["type"].get<std::string>()];
    if (e.what == "review") ++actions[e.args["action"].get<std::string>()];
    syncs += e.what == "sync";
    bundles += e.what == "bundle";
    verdicts += e.what == "verdict";
    EXPECT_LE(e.at_ms, plan.end_ms);
  }
  const Json totals = plan.Totals();
  EXPECT_EQ(totals["applications"], by_type["app.submit"]);
  EXPECT_EQ(totals["complaints"], by_type["complaint.file"]);
  EXPECT_GE(by_type["complaint.file"], 1);
  EXPECT_EQ(totals["ratings"], by_type["feedback.rating"]);
  EXPECT_EQ(totals["corrections"], actions["correct"]);
  EXPECT_LE(by_type["app.resubmit"], actions["correct"]);  // a resubmit after the last day is not planned
  EXPECT_EQ(totals["approvals"], actions["approve"]);
  EXPECT_EQ(totals["rejections"], actions["reject"]);
  EXPECT_EQ(by_type["outlet.profile"], 15);
  EXPECT_GT(syncs, 0);
  EXPECT_EQ(bundles, 2);  // the bundle-only station, once a day
  EXPECT_GE(verdicts, 1);
  int sum = 0;
  for (const auto& [kind, n] : totals["by_kind"].items()) sum += n.get<int>();
  EXPECT_EQ(sum, totals["applications"]);
  // Events come in order of their instants.
  for (size_t i = 1; i < plan.events.size(); ++i) EXPECT_LE(plan.events[i - 1].at_ms, plan.events[i].at_ms);
}

TEST(CityPlanTest, RefusesOptionsOutOfBoundsNamingTheOption) {
  const std::vector<County> map = Map();
  for (auto [field, value, named] :
       {std::tuple{0, 14, "--counties"}, std::tuple{1, 0, "--outlets"}, std::tuple{1, 41, "--outlets"},
        std::tuple{2, 0, "--days"}, std::tuple{2, 21, "--days"}}) {
    PlanOptions o = Options(1);
    (field == 0 ? o.counties : field == 1 ? o.outlets : o.days) = value;
    try {
      MakePlan(o, map);
      ADD_FAILURE() << named << " " << value << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "usage");
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
  }
}

TEST(CityPlanTest, ChecksumsFollowTheStandards) {
  // GB 11643's example number and a code checked by protocol/identifiers.
  EXPECT_EQ(IdNumberWithCheck("11010519491231002"), "11010519491231002X");
  EXPECT_EQ(UsccWithCheck("91350100M000100Y4"), "91350100M000100Y43");
}

}  // namespace
}  // namespace bangban
