// City oversight through the real command line (docs/oversight.md): two counties with outlets of
// several kinds, carried by bundles to their county hubs and on to the city at the same instants
// (so receipt times, and with them the SLA figures, are the same everywhere). Every figure of
// the oversight report and the assessment is checked against answers worked out by hand below,
// at the county hubs and at the city, which must agree county by county.
//
//   盐湖区 140802 (21 ordinary units + the development zone, special)
//     YH-001 hall            中城街道 (by name)   claims all six, inspected all six
//     YH-002 village_station 140802100 解州镇    claims all but publicity, inspected sign computer staff
//     YH-003 bank_branch     140802101 龙居镇    claims all six; no record since 2025-11-03: inactive
//     YH-004 mall            不存在乡 (unknown: flagged)  claims all but sign
//     A-1 (YH-001, establish) approved at once: code U1; B-1 (YH-002, establish, fee 5.00 yuan)
//     approved at once: code U2; C-1 (YH-002, change) accepted Monday, approved Friday: late.
//     U1 filed for 2025 on 2 March 2026 (on time), U2 on 6 July 2026 (late).
//     Complaints: c1 about YH-002 upheld (deduction 3), c2 about YH-001 not upheld.
//   临猗县 140821 (14 ordinary units)
//     LY-001 township_centre 猗氏镇 (by name)   claims all six, never inspected
//     L-1 approved at once: code U3, never filed.
//
// The report is taken at 2026-07-10 12:00 China time with the default 30-day activity window.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_process.h"
#include "tests/cli/simulated_parties.h"

namespace {

using nlohmann::json;

constexpr const char* kU1 = "92140802MA00000014";
constexpr const char* kU2 = "92140802MA00000027";
constexpr const char* kU3 = "92140821MA0000003T";
constexpr const char* kReportAt = "2026-07-10T12:00:00+08:00";

std::string SourceFile(const std::string& name) { return std::string(BANGBAN_SOURCE_DIR) + "/" + name; }

json Six(bool sign, bool publicity) {
  return {{"sign", sign},  {"computer", true}, {"staff", true},
          {"guide", true}, {"phone", true},    {"publicity", publicity}};
}

json Profile(const std::string& outlet, const std::string& county, const std::string& kind, const std::string& township,
             const json& six, const json& services) {
  return {{"type", "outlet.profile"},
          {"outlet_id", outlet},
          {"name", "网点" + outlet},
          {"kind", kind},
          {"county", county},
          {"township", township},
          {"address", "运城市" + outlet + "号"},
          {"phone", "0359-1234567"},
          {"hours", "08:30-12:00,14:30-18:00"},
          {"services", services},
          {"six_haves", six}};
}

json App(const std::string& app_id, const std::string& kind, int fee_cents) {
  return {{"type", "app.submit"},
          {"app_id", app_id},
          {"kind", kind},
          {"entity_type", "individual"},
          {"entity_name", "运城小店" + app_id},
          {"applicant", {{"id_number", "11010519491231002X"}, {"name", "张三明"}}},
          {"realname_verified", true},
          {"channel", "outlet"},
          {"fee_cents", fee_cents},
          {"helper", "王芳"},
          {"materials", {"id_card"}}};
}

json Training(const std::string& outlet, const std::string& staff, int hours) {
  return {
      {"type", "outlet.training"}, {"outlet_id", outlet}, {"staff", staff}, {"course", "商事登记"}, {"hours", hours}};
}
json Referral(const std::string& outlet, const std::string& kind) {
  return {{"type", "finance.referral"}, {"outlet_id", outlet}, {"kind", kind}, {"bank", "运城农商行"}};
}
json Filed(const std::string& uscc) { return {{"type", "annual.filed"}, {"uscc", uscc}, {"year", 2025}}; }
json Rating(const std::string& app_id, int score) {
  return {{"type", "feedback.rating"}, {"app_id", app_id}, {"score", score}};
}
json Complaint(const std::string& outlet, const std::string& category) {
  return {{"type", "complaint.file"},
          {"outlet_id", outlet},
          {"category", category},
          {"text", "窗口收取了费用，态度也不好"}};
}

class OversightCliTest : public cli::SimulatedPartiesTest {
 protected:
  std::string InitHub(const std::string& dir, const std::vector<std::string>& role_args, const std::string& name) {
    std::vector<std::string> args = {"init",       "--data",
                                     dir,          "--name",
                                     name,         "--simulation",
                                     "--calendar", SourceFile("deploy/calendars/cn-2025.toml"),
                                     "--calendar", SourceFile("deploy/calendars/cn-2026.toml")};
    args.insert(args.end(), role_args.begin(), role_args.end());
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    sealing_keys_[FirstLine(r)] = cli::SealingKeyFromInit(r.err);  // a county's, for its outlets
    return FirstLine(r);
  }

  void InitCounty(const std::string& dir, const std::string& county, const std::string& name) {
    std::string key = InitHub(dir, {"--role", "county", "--county", county, "--city-key", city_key_}, name);
    ASSERT_NO_FATAL_FAILURE(
        Ok(Hub({"enroll", "--data", "C", "--key", key, "--role", "county", "--name", name, "--county", county})));
    hub_keys_[dir] = key;
  }

  void InitOutlet(const std::string& dir, const std::string& hub, const std::string& county,
                  const std::string& outlet) {
    cli::Result n = Node({"init", "--data", dir, "--outlet", outlet, "--county", county, "--county-key", hub_keys_[hub],
                          "--simulation", "--sealing-key", sealing_keys_[hub_keys_[hub]]});
    ASSERT_EQ(n.exit_code, 0) << n.Describe();
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"enroll", "--data", hub, "--key", FirstLine(n), "--role", "outlet", "--name",
                                    "网点" + outlet, "--outlet-id", outlet})));
  }

  std::vector<std::string> Submit(const std::string& dir, const std::vector<json>& lines) {
    std::string text;
    for (const json& j : lines) text += j.dump() + "\n";
    cli::Result r = Node({"submit", "--data", dir, "-"}, text);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::vector<std::string> ids;
    for (const std::string& line : cli::Lines(r.out)) {
      if (cli::IsHex64(line)) ids.push_back(line);
    }
    return ids;
  }

  // Every node to its county hub, then both county hubs to the city, all at the same instant.
  void CarryAll() {
    for (const char* node : {"YH1", "YH2", "YH3", "YH4"}) ASSERT_NO_FATAL_FAILURE(Carry(node, "H1"));
    ASSERT_NO_FATAL_FAILURE(Carry("LY1", "H2"));
    ASSERT_NO_FATAL_FAILURE(Upstream("H1", "C"));
    ASSERT_NO_FATAL_FAILURE(Upstream("H2", "C"));
  }

  void Review(const std::string& hub, const std::string& action, const std::string& app_id, const std::string& reviewer,
              const std::string& uscc = "") {
    // A review is taken only from an active reviewer of the hub: enroll each on first use.
    if (operators_.insert(hub + "/" + reviewer).second) {
      ASSERT_NO_FATAL_FAILURE(Ok(Hub({"user", "add", "--data", hub, "--name", reviewer, "--role", "reviewer"})));
    }
    std::vector<std::string> args = {"review", "--data", hub, action, app_id, "--reviewer", reviewer};
    if (!uscc.empty()) args.insert(args.end(), {"--uscc", uscc});
    ASSERT_NO_FATAL_FAILURE(Ok(Hub(args)));
  }
  std::set<std::string> operators_;  // "hub/name" of the reviewers enrolled so far

  json Report(const std::string& hub, const std::string& which, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"report", which, "--data", hub, "--json", "--at", kReportAt};
    args.insert(args.end(), extra.begin(), extra.end());
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  static const json& County(const json& report, const std::string& county) {
    for (const json& c : report["counties"]) {
      if (c["county"] == county) return c;
    }
    static const json none = json::object();
    ADD_FAILURE() << "no county " << county << " in " << report.dump().substr(0, 400);
    return none;
  }

  static const json& Deduction(const json& county, const std::string& rule) {
    for (const json& d : county["deductions"]) {
      if (d["rule"] == rule) return d;
    }
    static const json none = json::object();
    ADD_FAILURE() << "no deduction " << rule;
    return none;
  }

  // The whole scenario of the header comment; c1 and c2 are the complaints' record ids.
  void BuildCity() {
    At("2025-11-03T08:00:00");
    city_key_ = InitHub("C", {"--role", "city", "--city", "1408"}, "运城市行政审批服务管理局");
    ASSERT_NO_FATAL_FAILURE(InitCounty("H1", "140802", "盐湖区行政审批服务管理局"));
    ASSERT_NO_FATAL_FAILURE(InitCounty("H2", "140821", "临猗县行政审批服务管理局"));
    for (const auto& [dir, outlet] : std::vector<std::pair<std::string, std::string>>{
             {"YH1", "YH-001"}, {"YH2", "YH-002"}, {"YH3", "YH-003"}, {"YH4", "YH-004"}}) {
      ASSERT_NO_FATAL_FAILURE(InitOutlet(dir, "H1", "140802", outlet));
    }
    ASSERT_NO_FATAL_FAILURE(InitOutlet("LY1", "H2", "140821", "LY-001"));
    for (const char* hub : {"H1", "H2"}) {
      ASSERT_NO_FATAL_FAILURE(Ok(Hub({"townships", "--data", hub, SourceFile("deploy/yuncheng/townships.csv")})));
    }
    // Publishing the same list again writes nothing.
    cli::Result again = Hub({"townships", "--data", "H1", SourceFile("deploy/yuncheng/townships.csv")});
    ASSERT_NO_FATAL_FAILURE(Ok(again));
    EXPECT_NE(again.out.find("unchanged"), std::string::npos) << again.out;
    EXPECT_EQ(Hub({"townships", "--data", "C", SourceFile("deploy/yuncheng/townships.csv")}).exit_code, 1);

    At("2025-11-03T09:00:00");
    Submit("YH1", {Profile("YH-001", "140802", "hall", "中城街道", Six(true, true), {"establish", "change"}),
                   App("A-1", "establish", 0), Training("YH-001", "王芳", 4), Referral("YH-001", "loan")});
    Submit("YH2", {Profile("YH-002", "140802", "village_station", "140802100", Six(true, false), {"establish"}),
                   App("B-1", "establish", 500), App("C-1", "change", 0), Training("YH-002", "李四", 3),
                   Referral("YH-002", "account_opening")});
    Submit("YH3", {Profile("YH-003", "140802", "bank_branch", "140802101", Six(true, true), {"establish"})});
    Submit("YH4", {Profile("YH-004", "140802", "mall", "不存在乡", Six(false, true), {"change"})});
    Submit("LY1", {Profile("LY-001", "140821", "township_centre", "猗氏镇", Six(true, true), {"establish"}),
                   App("L-1", "establish", 0)});
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2025-11-03T10:00:00");
    ASSERT_NO_FATAL_FAILURE(Review("H1", "accept", "A-1", "r01"));
    ASSERT_NO_FATAL_FAILURE(Review("H1", "approve", "A-1", "r01", kU1));
    ASSERT_NO_FATAL_FAILURE(Review("H1", "accept", "B-1", "r02"));
    ASSERT_NO_FATAL_FAILURE(Review("H1", "approve", "B-1", "r02", kU2));
    ASSERT_NO_FATAL_FAILURE(Review("H1", "accept", "C-1", "r01"));
    ASSERT_NO_FATAL_FAILURE(Review("H2", "accept", "L-1", "r11"));
    ASSERT_NO_FATAL_FAILURE(Review("H2", "approve", "L-1", "r11", kU3));
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2025-11-04T09:00:00");
    ASSERT_NO_FATAL_FAILURE(
        Ok(Hub({"inspect", "--data",     "H1",      "--outlet", "YH-001",  "--inspector", "赵科长",
                "--date",  "2025-11-04", "--found", "sign",     "--found", "computer",    "--found",
                "staff",   "--found",    "guide",   "--found",  "phone",   "--found",     "publicity"})));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"inspect", "--data", "H1", "--outlet", "YH-002", "--inspector", "赵科长", "--date",
                                    "2025-11-04", "--found", "sign", "--found", "computer", "--found", "staff"})));
    cli::Result unknown = Hub({"inspect", "--data", "H1", "--outlet", "LY-001", "--inspector", "赵科长", "--date",
                               "2025-11-04", "--found", "sign"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("error: unknown_outlet:"), std::string::npos) << unknown.Describe();

    At("2025-11-07T16:00:00");
    ASSERT_NO_FATAL_FAILURE(Review("H1", "approve", "C-1", "r01"));
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2026-01-05T09:00:00");
    cli::Result remind = Hub({"annual", "remind", "--data", "H1", "--json"});
    ASSERT_NO_FATAL_FAILURE(Ok(remind));
    EXPECT_EQ(json::parse(remind.out)["reminders"].size(), 2u) << remind.out;
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"annual", "remind", "--data", "H2"})));
    remind = Hub({"annual", "remind", "--data", "H1", "--json"});  // owed once: nothing more
    EXPECT_EQ(json::parse(remind.out)["reminders"].size(), 0u) << remind.out;
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2026-03-02T09:00:00");
    std::vector<std::string> ids = Submit("YH1", {Filed(kU1), Complaint("YH-002", "fee_charged")});
    ASSERT_EQ(ids.size(), 2u);
    c1_ = ids[1];
    ids = Submit("YH2", {Complaint("YH-001", "attitude")});
    ASSERT_EQ(ids.size(), 1u);
    c2_ = ids[0];
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2026-03-03T09:00:00");
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"complaint", "verdict", "--data", "H1", c1_, "--upheld", "--reason",
                                    "收费属实，已退还", "--deduction", "3"})));
    ASSERT_NO_FATAL_FAILURE(
        Ok(Hub({"complaint", "verdict", "--data", "H1", c2_, "--not-upheld", "--reason", "经核实态度无问题"})));
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2026-06-01T09:00:00");
    remind = Hub({"annual", "remind", "--data", "H1", "--json"});
    ASSERT_NO_FATAL_FAILURE(Ok(remind));
    json second = json::parse(remind.out)["reminders"];
    ASSERT_EQ(second.size(), 1u) << remind.out;  // U1 has filed
    EXPECT_EQ(second[0]["body"]["uscc"], kU2);
    EXPECT_EQ(second[0]["body"]["outlet_id"], "YH-002");
    EXPECT_EQ(second[0]["body"]["year"], 2025);
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"annual", "remind", "--data", "H2"})));
    ASSERT_NO_FATAL_FAILURE(CarryAll());

    At("2026-07-06T09:00:00");
    Submit("YH1", {Rating("A-1", 5), Training("YH-001", "王芳", 2)});
    Submit("YH2", {Filed(kU2), Rating("B-1", 3)});
    Submit("YH4", {Referral("YH-004", "loan")});
    Submit("LY1", {Training("LY-001", "赵六", 1)});
    ASSERT_NO_FATAL_FAILURE(CarryAll());
    now_ = kReportAt;
  }

  std::string city_key_, c1_, c2_;
  std::map<std::string, std::string> hub_keys_;
  std::map<std::string, std::string> sealing_keys_;  // county hub key -> its sealing key at init
};

void ExpectYanhu(const json& f, const std::string& c1, const std::string& c2) {
  EXPECT_EQ(f["outlets"]["total"], 4);
  EXPECT_EQ(f["outlets"]["active"], 3);
  EXPECT_EQ(f["outlets"]["inactive"], 1);
  EXPECT_EQ(f["outlets"]["revoked"], 0);
  EXPECT_EQ(f["outlets"]["by_kind"], (json{{"hall", 1}, {"village_station", 1}, {"bank_branch", 1}, {"mall", 1}}));
  ASSERT_EQ(f["outlets"]["inactive_outlets"].size(), 1u);
  EXPECT_EQ(f["outlets"]["inactive_outlets"][0]["outlet_id"], "YH-003");
  EXPECT_EQ(f["outlets"]["inactive_outlets"][0]["last_activity"], "2025-11-03T09:00:00.000+08:00");

  EXPECT_EQ(f["coverage"]["townships"], 21);  // the development zone is special
  EXPECT_EQ(f["coverage"]["covered"], 2);     // 中城街道 and 解州镇; 龙居镇's outlet is inactive
  EXPECT_EQ(f["coverage"]["uncovered"].size(), 19u);
  EXPECT_NE(f["coverage"]["uncovered"].dump().find("140802101"), std::string::npos);
  EXPECT_EQ(f["coverage"]["uncovered"].dump().find("140802404"), std::string::npos);
  EXPECT_EQ(f["coverage"]["uncovered"].dump().find("140802001"), std::string::npos);

  const json& six = f["six_haves"];
  EXPECT_EQ(six["outlets_with_profile"], 4);
  EXPECT_EQ(six["outlets_inspected"], 2);
  const std::map<std::string, std::pair<int, int>> items = {{"sign", {3, 2}},  {"computer", {4, 2}},
                                                            {"staff", {4, 2}}, {"guide", {4, 1}},
                                                            {"phone", {4, 1}}, {"publicity", {3, 1}}};
  for (const auto& [item, counts] : items) {
    EXPECT_EQ(six["items"][item]["claimed"], counts.first) << item;
    EXPECT_EQ(six["items"][item]["inspected"], counts.second) << item;
  }
  EXPECT_EQ(six["all_six"]["claimed"], 2);
  EXPECT_EQ(six["all_six"]["inspected"], 1);

  EXPECT_EQ(f["services"]["offered_by_outlets"], (json{{"establish", 3}, {"change", 2}}));
  EXPECT_EQ(f["services"]["applications"], 3);
  EXPECT_EQ(f["services"]["by_kind"], (json{{"establish", 2}, {"change", 1}}));
  EXPECT_EQ(f["services"]["by_channel"], (json{{"outlet", 3}}));

  ASSERT_EQ(f["fee_violations"].size(), 1u);
  EXPECT_EQ(f["fee_violations"][0]["app_id"], "B-1");
  EXPECT_EQ(f["fee_violations"][0]["outlet_id"], "YH-002");
  EXPECT_EQ(f["fee_violations"][0]["fee_cents"], 500);
  EXPECT_TRUE(cli::IsHex64(f["fee_violations"][0]["record"].get<std::string>()));

  EXPECT_EQ(f["sla"]["completed"], 3);
  EXPECT_EQ(f["sla"]["completed_on_time"], 2);
  EXPECT_EQ(f["sla"]["breached_applications"], (json{{{"outlet_id", "YH-002"}, {"app_id", "C-1"}}}));

  EXPECT_EQ(f["annual_reports"]["entities"], 2);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"]["due"], 2);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"]["filed"], 2);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"]["on_time"], 1);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"]["late"], 1);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"]["filing_rate"], 1.0);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"]["on_time_rate"], 0.5);
  EXPECT_EQ(f["annual_reports"]["reminders"]["total"], 3);

  EXPECT_EQ(f["referrals"]["total"], 3);
  EXPECT_EQ(f["referrals"]["by_kind"], (json{{"loan", 2}, {"account_opening", 1}}));
  EXPECT_EQ(f["training"], (json{{"sessions", 3}, {"staff_trained", 2}, {"hours", 9}}));

  const json& k = f["complaints"];
  EXPECT_EQ(k["filed"], 2);
  EXPECT_EQ(k["verified"], 2);
  EXPECT_EQ(k["upheld"], 1);
  EXPECT_EQ(k["not_upheld"], 1);
  EXPECT_EQ(k["pending"], 0);
  EXPECT_EQ(k["deduction_points"], 3);
  EXPECT_EQ(k["by_category"], (json{{"fee_charged", 1}, {"attitude", 1}}));
  for (const json& row : k["complaints"]) {
    if (row["complaint"] == c1) {
      EXPECT_EQ(row["outlet_id"], "YH-002");
      EXPECT_EQ(row["verdict"]["upheld"], true);
    }
    if (row["complaint"] == c2) {
      EXPECT_EQ(row["outlet_id"], "YH-001");
      EXPECT_EQ(row["verdict"]["upheld"], false);
    }
  }

  EXPECT_EQ(f["satisfaction"]["ratings"], 2);
  EXPECT_EQ(f["satisfaction"]["average"], 4.0);
  EXPECT_EQ(f["satisfaction"]["distribution"], (json{{"1", 0}, {"2", 0}, {"3", 1}, {"4", 0}, {"5", 1}}));

  EXPECT_EQ(f["workload"]["reviewers"],
            (json{{"r01", {{"actions", 4}, {"decisions", 2}}}, {"r02", {{"actions", 2}, {"decisions", 1}}}}));
  EXPECT_EQ(f["workload"]["outlets_by_week"],
            (json{{{"week_of", "2025-11-03"}, {"outlet_id", "YH-001"}, {"applications", 1}},
                  {{"week_of", "2025-11-03"}, {"outlet_id", "YH-002"}, {"applications", 2}}}));
}

void ExpectLinyi(const json& f) {
  EXPECT_EQ(f["outlets"]["total"], 1);
  EXPECT_EQ(f["outlets"]["active"], 1);
  EXPECT_EQ(f["outlets"]["by_kind"], (json{{"township_centre", 1}}));
  EXPECT_EQ(f["coverage"]["townships"], 14);
  EXPECT_EQ(f["coverage"]["covered"], 1);
  EXPECT_EQ(f["six_haves"]["all_six"]["claimed"], 1);
  EXPECT_EQ(f["six_haves"]["all_six"]["inspected"], 0);
  EXPECT_EQ(f["fee_violations"].size(), 0u);
  EXPECT_EQ(f["annual_reports"]["by_year"]["2025"],
            (json{{"due", 1}, {"filed", 0}, {"on_time", 0}, {"late", 0}, {"filing_rate", 0.0}, {"on_time_rate", 0.0}}));
  EXPECT_EQ(f["annual_reports"]["reminders"]["total"], 2);
  EXPECT_EQ(f["training"], (json{{"sessions", 1}, {"staff_trained", 1}, {"hours", 1}}));
  EXPECT_EQ(f["complaints"]["filed"], 0);
  EXPECT_TRUE(f["satisfaction"]["average"].is_null());
  EXPECT_EQ(f["sla"]["completed"], 1);
  EXPECT_EQ(f["sla"]["completed_on_time"], 1);
}

TEST_F(OversightCliTest, EveryFigureIsKnownAndTheCityAgreesWithEachCounty) {
  ASSERT_NO_FATAL_FAILURE(BuildCity());
  json h1 = Report("H1", "oversight");
  json h2 = Report("H2", "oversight");
  json city = Report("C", "oversight");
  ASSERT_EQ(h1["counties"].size(), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectYanhu(County(h1, "140802"), c1_, c2_));
  ASSERT_NO_FATAL_FAILURE(ExpectLinyi(County(h2, "140821")));
  EXPECT_FALSE(h1.contains("total"));
  EXPECT_TRUE(h1["simulation"].get<bool>());

  // The city: the same figures, county by county, and the total.
  ASSERT_EQ(city["counties"].size(), 2u);
  EXPECT_EQ(County(city, "140802"), County(h1, "140802"));
  EXPECT_EQ(County(city, "140821"), County(h2, "140821"));
  const json& total = city["total"];
  EXPECT_EQ(total["outlets"]["total"], 5);
  EXPECT_EQ(total["outlets"]["active"], 4);
  EXPECT_EQ(total["coverage"]["townships"], 35);
  EXPECT_EQ(total["coverage"]["covered"], 3);
  EXPECT_EQ(total["fee_violations"].size(), 1u);
  EXPECT_EQ(total["complaints"]["upheld"], 1);
  EXPECT_EQ(total["annual_reports"]["by_year"]["2025"]["due"], 3);
  EXPECT_EQ(total["annual_reports"]["by_year"]["2025"]["filed"], 2);
  EXPECT_EQ(total["training"]["hours"], 10);
  EXPECT_EQ(total["sla"]["completed"], 4);

  // The profile naming an unknown township is stored and flagged, at the county and the city.
  for (const json* report : {&h1, &city}) {
    ASSERT_EQ((*report)["flags"].size(), 1u) << (*report)["flags"].dump();
    EXPECT_EQ((*report)["flags"][0]["type"], "outlet.profile");
    EXPECT_NE((*report)["flags"][0]["problem"].get<std::string>().find("不存在乡"), std::string::npos);
  }
  EXPECT_EQ(h2["flags"].size(), 0u);

  // audit names the flagged record too, as a flag: stored but wrong for the hub is not damage
  // (principle 6), so the audit stays clean.
  for (const char* hub : {"H1", "C"}) {
    cli::Result audit = Hub({"audit", "--data", hub});
    EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
    EXPECT_NE(audit.out.find("flag: oversight: outlet.profile record"), std::string::npos) << audit.Describe();
    EXPECT_NE(audit.out.find("不存在乡"), std::string::npos) << audit.Describe();
  }
  EXPECT_EQ(Hub({"audit", "--data", "H2"}).exit_code, 0);
}

TEST_F(OversightCliTest, TheAssessmentDeductsWhatTheRulesSayAndCitesTheRecords) {
  ASSERT_NO_FATAL_FAILURE(BuildCity());
  const std::string rules = SourceFile("deploy/assessment.toml");
  json h1 = Report("H1", "assessment", {"--rules", rules});
  json city = Report("C", "assessment", {"--rules", rules});
  EXPECT_EQ(h1["rules"]["version"], "2026.1");
  EXPECT_EQ(h1["rules"]["hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(city["rules"], h1["rules"]);

  const json& yanhu = County(h1, "140802");
  EXPECT_EQ(Deduction(yanhu, "upheld_complaint")["count"], 1);
  EXPECT_EQ(Deduction(yanhu, "upheld_complaint")["evidence"][0]["complaint"], c1_);
  EXPECT_EQ(Deduction(yanhu, "verdict_points")["count"], 3);
  EXPECT_EQ(Deduction(yanhu, "fee_violation")["count"], 1);
  EXPECT_EQ(Deduction(yanhu, "on_time_point")["count"], 29);  // 2 of 3 on time: 28.3 points below 95
  EXPECT_EQ(Deduction(yanhu, "on_time_point")["evidence"][0]["breached_applications"][0]["app_id"], "C-1");
  EXPECT_EQ(Deduction(yanhu, "uncovered_township")["count"], 19);
  const json& six = Deduction(yanhu, "missing_six_haves");
  ASSERT_EQ(six["count"], 2);  // YH-002 as inspected, YH-004 as claimed
  EXPECT_EQ(six["evidence"][0]["outlet_id"], "YH-002");
  EXPECT_EQ(six["evidence"][0]["as"], "inspected");
  EXPECT_EQ(six["evidence"][1]["outlet_id"], "YH-004");
  EXPECT_EQ(six["evidence"][1]["as"], "claimed");
  EXPECT_EQ(Deduction(yanhu, "inactive_outlet")["evidence"][0]["outlet_id"], "YH-003");
  EXPECT_EQ(yanhu["score"], 100 - 2 - 3 - 5 - 29 - 19 - 1.0 - 1);

  const json& linyi = County(city, "140821");
  EXPECT_EQ(Deduction(linyi, "uncovered_township")["count"], 13);
  EXPECT_EQ(linyi["score"], 87.0);
  EXPECT_EQ(County(city, "140802"), yanhu);

  // Without the rules in the data dir and without --rules: a config error naming the way out.
  cli::Result missing = Hub({"report", "assessment", "--data", "H1", "--json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("error: config:"), std::string::npos) << missing.Describe();
}

TEST_F(OversightCliTest, VerdictsAreRefusedForUnknownComplaintsSecondVerdictsAndTheCity) {
  ASSERT_NO_FATAL_FAILURE(BuildCity());
  cli::Result second = Hub({"complaint", "verdict", "--data", "H1", c1_, "--not-upheld", "--reason", "再议"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("error: already_decided:"), std::string::npos) << second.Describe();
  cli::Result unknown =
      Hub({"complaint", "verdict", "--data", "H1", std::string(64, 'a'), "--upheld", "--reason", "x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("error: unknown_complaint:"), std::string::npos) << unknown.Describe();
  cli::Result other = Hub({"complaint", "verdict", "--data", "H2", c1_, "--upheld", "--reason", "x"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("error: unknown_complaint:"), std::string::npos) << other.Describe();
  cli::Result city = Hub({"complaint", "verdict", "--data", "C", c1_, "--upheld", "--reason", "x"});
  EXPECT_EQ(city.exit_code, 1);
  EXPECT_NE(city.err.find("error: not_county:"), std::string::npos) << city.Describe();
  EXPECT_EQ(Hub({"complaint", "verdict", "--data", "H1", c2_, "--upheld"}).exit_code, 2);  // no reason
  EXPECT_EQ(Hub({"complaint", "verdict", "--data", "H1", c2_, "--reason", "x"}).exit_code, 2);
  EXPECT_EQ(Hub({"complaint", "verdict", "--data", "H1", c2_, "--upheld", "--not-upheld", "--reason", "x"}).exit_code,
            2);
  EXPECT_EQ(
      Hub({"complaint", "verdict", "--data", "H1", c2_, "--upheld", "--reason", "x", "--deduction", "101"}).exit_code,
      2);
  // Nothing was written: the report still has exactly the two verdicts.
  json report = Report("H1", "oversight");
  EXPECT_EQ(County(report, "140802")["complaints"]["verified"], 2);
  EXPECT_EQ(County(report, "140802")["complaints"]["upheld"], 1);
}

TEST_F(OversightCliTest, ThePublicDirectoryListsActiveOutletsAndNoPersonalData) {
  ASSERT_NO_FATAL_FAILURE(BuildCity());
  json city = Report("C", "outlets", {"--public"});
  std::vector<std::string> ids;
  for (const json& o : city["outlets"]) {
    ids.push_back(o["outlet_id"]);
    std::vector<std::string> keys;
    for (const auto& item : o.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"address", "county", "hours", "kind", "name", "outlet_id", "phone",
                                              "services", "township", "township_code", "village"}));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"YH-001", "YH-002", "YH-004", "LY-001"}));
  EXPECT_EQ(city["outlets"][0]["township"], "中城街道");
  EXPECT_EQ(city["outlets"][0]["township_code"], "140802001");
  const std::string text = city.dump();
  for (const char* personal : {"张三明", "11010519491231002X", "王芳", "李四", "赵六", "窗口收取了费用"}) {
    EXPECT_EQ(text.find(personal), std::string::npos) << personal;
  }
  json county = Report("H1", "outlets", {"--public"});
  EXPECT_EQ(county["outlets"].size(), 3u);
  json registry = Report("H1", "outlets");
  EXPECT_EQ(registry["outlets"].size(), 4u);
  EXPECT_EQ(registry["flags"].size(), 1u);
}

}  // namespace

namespace {

// The county hub's daemon writes the annual reminders owed when its clock passes the window's
// opening, without being asked.
TEST(OversightDaemonTest, ARunningCountyHubRemindsOutletsWhenTheWindowOpens) {
  cli::TempDir tmp;
  auto run = [&](const char* bin, std::vector<std::string> args, const std::string& now, const std::string& in = "") {
    args.insert(args.begin(), bin);
    return cli::Run(args, in, {"BANGBAN_NOW=" + now + "+08:00"}, tmp.path());
  };
  const std::string day1 = "2025-11-03T09:00:00";
  cli::Result h = run(cli::kHubBin,
                      {"init", "--data", "H", "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
                       "140802", "--simulation", "--calendar", SourceFile("deploy/calendars/cn-2025.toml"),
                       "--calendar", SourceFile("deploy/calendars/cn-2026.toml")},
                      day1);
  ASSERT_EQ(h.exit_code, 0) << h.Describe();
  const std::string hub_key = h.out.substr(0, 64);
  cli::Result n = run(cli::kNodeBin,
                      {"init", "--data", "N", "--outlet", "YH-001", "--county", "140802", "--county-key", hub_key,
                       "--simulation", "--sealing-key", cli::SealingKeyFromInit(h.err)},
                      day1);
  ASSERT_EQ(n.exit_code, 0) << n.Describe();
  ASSERT_EQ(run(cli::kHubBin,
                {"enroll", "--data", "H", "--key", n.out.substr(0, 64), "--role", "outlet", "--name", "网点",
                 "--outlet-id", "YH-001"},
                day1)
                .exit_code,
            0);
  ASSERT_EQ(
      run(cli::kNodeBin, {"submit", "--data", "N", "-"}, day1, App("A-1", "establish", 0).dump() + "\n").exit_code, 0);
  ASSERT_EQ(run(cli::kNodeBin, {"export", "--data", "N", "--out", "n.bundle"}, day1).exit_code, 0);
  ASSERT_EQ(run(cli::kHubBin, {"import", "--data", "H", "n.bundle"}, day1).exit_code, 0);
  ASSERT_EQ(run(cli::kHubBin, {"user", "add", "--data", "H", "--name", "r01", "--role", "reviewer"}, day1).exit_code,
            0);
  ASSERT_EQ(run(cli::kHubBin, {"review", "--data", "H", "accept", "A-1", "--reviewer", "r01"}, day1).exit_code, 0);
  ASSERT_EQ(run(cli::kHubBin, {"review", "--data", "H", "approve", "A-1", "--reviewer", "r01", "--uscc", kU1}, day1)
                .exit_code,
            0);

  // Before the window opens nothing is owed; the daemon starts on 5 January 2026.
  cli::Result none = run(cli::kHubBin, {"annual", "remind", "--data", "H", "--json"}, "2025-12-31T09:00:00");
  ASSERT_EQ(none.exit_code, 0) << none.Describe();
  EXPECT_EQ(json::parse(none.out)["reminders"].size(), 0u);
  const std::string log = (tmp.path() / "hub.log").string();
  cli::Process daemon =
      cli::Spawn({cli::kHubBin, "run", "--data", "H", "--listen", "tcp://127.0.0.1:*"}, tmp.path() / "hub.out", log, {},
                 {"BANGBAN_NOW=2026-01-05T09:00:00+08:00"}, tmp.path());
  bool reminded = false;
  for (int i = 0; i < 300 && !reminded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reminded = cli::ReadFile(log).find("annual reports: 1 reminder(s) written") != std::string::npos;
  }
  EXPECT_TRUE(reminded) << cli::ReadFile(log);
  daemon.Kill(SIGTERM);
  EXPECT_EQ(daemon.Wait(), 0) << cli::ReadFile(log);

  cli::Result report = run(cli::kHubBin, {"report", "oversight", "--data", "H", "--json"}, "2026-01-05T10:00:00");
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  EXPECT_EQ(json::parse(report.out)["counties"][0]["annual_reports"]["reminders"]["total"], 1);
}

}  // namespace
