// The county review queue and SLA report through the real command line: outlets submit with
// bangban-node, bundles are carried to the hub, reviewers act with `bangban-hub review`, and
// BANGBAN_NOW moves between the steps as a working week would. The report is then checked
// figure by figure against docs/sla.md, a rebuild (`reindex`) must reproduce it exactly, and the
// 2026 Spring Festival make-up Saturday must be a working day.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/cli_process.h"
#include "tests/cli/simulated_parties.h"

namespace {

using nlohmann::json;

constexpr const char* kCounty = "140802";
constexpr const char* kIdNumber = "11010519491231002X";
constexpr const char* kUscc = "91350100M000100Y43";

std::string Calendar(const std::string& name) { return std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/" + name; }

json Submit(const std::string& app_id, const std::string& kind, const std::string& channel) {
  return {{"type", "app.submit"},
          {"app_id", app_id},
          {"kind", kind},
          {"entity_type", "individual"},
          {"entity_name", "盐湖区小店" + app_id},
          {"applicant", {{"id_number", kIdNumber}, {"name", "张三明"}}},
          {"realname_verified", true},
          {"channel", channel},
          {"fee_cents", 0},
          {"helper", "王芳"},
          {"materials", {"id_card"}}};
}

class SlaCliTest : public cli::SimulatedPartiesTest {
 protected:
  SlaCliTest() { At("2026-03-02T09:00:00"); }  // the clock before a test moves it

  // hub "H" with the national calendars, reviewers and roster r01, r02; outlets YH-001 ("N1"), YH-002 ("N2").
  void SetUpCounty(const std::vector<std::string>& calendars) {
    std::vector<std::string> init = {
        "init",     "--data", "H",           "--role", "county", "--name", "盐湖区行政审批服务管理局",
        "--county", kCounty,  "--simulation"};
    for (const std::string& c : calendars) {
      init.push_back("--calendar");
      init.push_back(Calendar(c));
    }
    cli::Result r = Hub(init);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    const std::string hub_key = FirstLine(r);
    const std::string toml = cli::ReadFile(tmp_ / "H/hub.toml");
    ASSERT_NE(toml.find("[sla]"), std::string::npos) << toml;
    ASSERT_NO_FATAL_FAILURE(SetToml("roster = []", "roster = [\"r01\", \"r02\"]"));
    for (const char* reviewer : {"r01", "r02"}) {  // the county's named operators (user add)
      ASSERT_NO_FATAL_FAILURE(Ok(Hub({"user", "add", "--data", "H", "--name", reviewer, "--role", "reviewer"})));
    }
    for (const auto& [dir, outlet] : {std::pair{"N1", "YH-001"}, std::pair{"N2", "YH-002"}}) {
      cli::Result n = Node({"init", "--data", dir, "--outlet", outlet, "--county", kCounty, "--county-key", hub_key,
                            "--simulation", "--sealing-key", cli::SealingKeyFromInit(r.err)});
      ASSERT_EQ(n.exit_code, 0) << n.Describe();
      ASSERT_NO_FATAL_FAILURE(Ok(Hub({"enroll", "--data", "H", "--key", FirstLine(n), "--role", "outlet", "--name",
                                      std::string("网点") + outlet, "--outlet-id", outlet})));
    }
  }

  cli::Result Review(std::vector<std::string> args) {
    args.insert(args.begin(), {"review", "--data", "H"});
    return Hub(args);
  }

  // Unlike the shared Json(), also expects `r` to have succeeded.
  json Json(const cli::Result& r) {
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  static const json& Group(const json& report, const std::string& by, const std::string& field, const json& value) {
    for (const json& g : report[by]) {
      if (g[field] == value) return g;
    }
    static const json missing = json::object();
    ADD_FAILURE() << by << " has no " << field << " = " << value.dump();
    return missing;
  }
  static const json& App(const json& report, const std::string& app_id) {
    return Group(report, "apps", "app_id", app_id);
  }
};

// A working week of county 140802 (times are China time; 2026-02-28 is a make-up Saturday):
//
//   F-1  YH-002 change        received Thu 02-26 09:00, accepted; still open on Tue   red, statutory
//   A-1  YH-001 establish     received Mon 09:00, approved 11:00 (120 min)            on time
//   B-1  YH-001 change        received Mon 09:00, returned 17:30 (360 of 390: late),
//                             resubmitted Tue 09:00, approved 10:00 (360 + 60 min)     on time, 1 late return
//   C-1  YH-002 establish     received Mon 09:00, approved Tue 10:00 (390 + 90 min)   late
//   D-1  YH-002 deregister    received Mon 09:00 at the hall window, never accepted   red
//   E-1  YH-001 annual_report received Mon 15:00 online, due Tue 12:00               yellow at Tue 10:30
//   A-1  YH-002 change        received Mon 15:00 with YH-001's app_id: a second application (its
//                             own case, never merged into YH-001's), due Tue 12:00   yellow at Tue 10:30
TEST_F(SlaCliTest, WorkingWeekReportIsExactFigureByFigureAndSurvivesReindex) {
  At("2026-02-26T08:00:00");
  ASSERT_NO_FATAL_FAILURE(SetUpCounty({"cn-2025.toml", "cn-2026.toml"}));

  At("2026-02-26T08:50:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit("N2", {Submit("F-1", "change", "outlet")}));
  At("2026-02-26T09:00:00");
  ASSERT_NO_FATAL_FAILURE(Carry("N2"));
  At("2026-02-26T09:10:00");
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"accept", "F-1", "--reviewer", "r01"})));

  At("2026-03-02T08:00:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit("N1", {Submit("A-1", "establish", "outlet"), Submit("B-1", "change", "outlet")}));
  At("2026-03-02T08:30:00");
  ASSERT_NO_FATAL_FAILURE(
      NodeSubmit("N2", {Submit("C-1", "establish", "outlet"), Submit("D-1", "deregister", "hall_window")}));
  At("2026-03-02T09:00:00");
  ASSERT_NO_FATAL_FAILURE(Carry("N1"));
  ASSERT_NO_FATAL_FAILURE(Carry("N2"));

  At("2026-03-02T09:30:00");
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"accept", "A-1", "--reviewer", "r01"})));
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"accept", "B-1", "--reviewer", "r02"})));
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"accept", "C-1", "--reviewer", "r01"})));
  cli::Result assign = Review({"assign", "D-1", "--reviewer", "r02"});
  ASSERT_EQ(assign.exit_code, 0) << assign.Describe();
  EXPECT_TRUE(cli::IsHex64(FirstLine(assign))) << assign.Describe();
  // Refusals: approve before accept; unknown app; exit 1, nothing written.
  cli::Result early = Review({"approve", "D-1", "--reviewer", "r02"});
  EXPECT_EQ(early.exit_code, 1) << early.Describe();
  EXPECT_NE(early.err.find("accept it first"), std::string::npos) << early.Describe();
  cli::Result unknown = Review({"accept", "Z-9", "--reviewer", "r02"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.Describe();
  EXPECT_NE(unknown.err.find("Z-9"), std::string::npos) << unknown.Describe();

  At("2026-03-02T11:00:00");
  cli::Result no_code = Review({"approve", "A-1", "--reviewer", "r01"});
  EXPECT_EQ(no_code.exit_code, 1) << no_code.Describe();
  EXPECT_NE(no_code.err.find("--uscc"), std::string::npos) << no_code.Describe();
  cli::Result bad_code = Review({"approve", "A-1", "--reviewer", "r01", "--uscc", "91350100M000100Y4X"});
  EXPECT_EQ(bad_code.exit_code, 1) << bad_code.Describe();
  EXPECT_NE(bad_code.err.find("uscc"), std::string::npos) << bad_code.Describe();
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"approve", "A-1", "--reviewer", "r01", "--uscc", kUscc})));
  cli::Result again = Review({"accept", "A-1", "--reviewer", "r01"});
  EXPECT_EQ(again.exit_code, 1) << again.Describe();
  EXPECT_NE(again.err.find("completed"), std::string::npos) << again.Describe();

  At("2026-03-02T14:40:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit("N1", {Submit("E-1", "annual_report", "online_self")}));
  ASSERT_NO_FATAL_FAILURE(NodeSubmit("N2", {Submit("A-1", "change", "outlet")}));  // the collision
  At("2026-03-02T15:00:00");
  ASSERT_NO_FATAL_FAILURE(Carry("N1"));
  ASSERT_NO_FATAL_FAILURE(Carry("N2"));
  At("2026-03-02T15:05:00");
  // Open assigned cases: r01 none, r02 one (D-1): the least loaded is r01.
  cli::Result auto_assign = Review({"assign", "E-1", "--auto", "--json"});
  EXPECT_EQ(Json(auto_assign)["reviewer"], "r01") << auto_assign.Describe();

  At("2026-03-02T17:30:00");
  cli::Result no_reason = Review({"correct", "B-1", "--reviewer", "r02"});
  EXPECT_EQ(no_reason.exit_code, 2) << no_reason.Describe();  // bad usage
  EXPECT_NE(no_reason.err.find("--reason"), std::string::npos) << no_reason.Describe();
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"correct", "B-1", "--reviewer", "r02", "--reason", "缺少股东会决议"})));

  At("2026-03-03T08:00:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit(
      "N1", {{{"type", "app.resubmit"}, {"app_id", "B-1"}, {"materials", {"resolution"}}, {"note", "补交决议"}}}));
  At("2026-03-03T09:00:00");
  ASSERT_NO_FATAL_FAILURE(Carry("N1"));
  At("2026-03-03T10:00:00");
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"approve", "B-1", "--reviewer", "r02"})));
  ASSERT_NO_FATAL_FAILURE(Ok(Review({"approve", "C-1", "--reviewer", "r01", "--uscc", kUscc})));

  At("2026-03-03T10:30:00");
  cli::Result report_run = Hub({"report", "sla", "--data", "H", "--json", "--apps"});
  const json report = Json(report_run);
  ASSERT_TRUE(report.is_object()) << report_run.Describe();
  EXPECT_EQ(report["at"], "2026-03-03T10:30:00.000+08:00");

  // ---- totals (every figure) ----
  const json& t = report["totals"];
  EXPECT_EQ(t["received"], 7) << t.dump(2);
  EXPECT_EQ(t["completed"], 3);
  EXPECT_EQ(t["completed_on_time"], 2);  // A-1, B-1
  EXPECT_EQ(t["breached"], 3);           // C-1 late; D-1 and F-1 open past their deadlines
  EXPECT_EQ(t["open"], 4);
  EXPECT_EQ(t["open_green"], 0);
  EXPECT_EQ(t["open_yellow"], 2);  // E-1 and YH-002's A-1: 300 of 390 minutes
  EXPECT_EQ(t["open_red"], 2);     // D-1, F-1
  EXPECT_EQ(t["paused"], 0);
  EXPECT_NEAR(t["on_time_rate"].get<double>(), 0.6667, 1e-9);
  EXPECT_EQ(t["median_working_minutes"], 420.0);  // of 120, 420, 480 (nearest rank)
  EXPECT_EQ(t["p90_working_minutes"], 480.0);
  EXPECT_EQ(t["first_pass"], 2);  // A-1, C-1 (late but never returned)
  EXPECT_NEAR(t["first_pass_rate"].get<double>(), 0.6667, 1e-9);
  EXPECT_EQ(t["returns"], 1);
  EXPECT_EQ(t["late_returns"], 1);                     // B-1 returned at 360 of 390 minutes
  EXPECT_EQ(t["statutory_breaches"], 1);               // F-1: 1770 working minutes > 3 x 420
  EXPECT_EQ(t["median_transit_delay_ms"], 1'800'000);  // of 10, 20, 20, 30, 30, 60, 60 minutes
  EXPECT_EQ(t["conflicts"], 2);                        // each A-1 counts the other outlet's
  EXPECT_EQ(t["fee_violations"], 0);
  EXPECT_EQ(t["provisional"], 0);

  // ---- per county, outlet, reviewer, kind, channel ----
  ASSERT_EQ(report["by_county"].size(), 1u);
  EXPECT_EQ(report["by_county"][0]["county"], kCounty);
  EXPECT_EQ(report["by_county"][0]["received"], 7);

  const json& yh1 = Group(report, "by_outlet", "outlet_id", "YH-001");
  EXPECT_EQ(yh1["received"], 3);
  EXPECT_EQ(yh1["completed"], 2);
  EXPECT_EQ(yh1["completed_on_time"], 2);
  EXPECT_EQ(yh1["breached"], 0);
  EXPECT_EQ(yh1["open_yellow"], 1);
  EXPECT_EQ(yh1["open_red"], 0);
  EXPECT_EQ(yh1["on_time_rate"], 1.0);
  EXPECT_EQ(yh1["median_working_minutes"], 120.0);
  EXPECT_EQ(yh1["p90_working_minutes"], 420.0);
  EXPECT_EQ(yh1["first_pass_rate"], 0.5);
  EXPECT_EQ(yh1["returns"], 1);
  EXPECT_EQ(yh1["late_returns"], 1);
  EXPECT_EQ(yh1["statutory_breaches"], 0);
  EXPECT_EQ(yh1["median_transit_delay_ms"], 3'600'000);
  const json& yh2 = Group(report, "by_outlet", "outlet_id", "YH-002");
  EXPECT_EQ(yh2["received"], 4);
  EXPECT_EQ(yh2["completed"], 1);
  EXPECT_EQ(yh2["completed_on_time"], 0);
  EXPECT_EQ(yh2["breached"], 3);
  EXPECT_EQ(yh2["open_red"], 2);
  EXPECT_EQ(yh2["on_time_rate"], 0.0);
  EXPECT_EQ(yh2["median_working_minutes"], 480.0);
  EXPECT_EQ(yh2["first_pass_rate"], 1.0);
  EXPECT_EQ(yh2["statutory_breaches"], 1);
  EXPECT_EQ(yh2["median_transit_delay_ms"], 1'200'000);  // of 10, 20, 30, 30 minutes

  const json& r01 = Group(report, "by_reviewer", "reviewer", "r01");  // A-1, C-1 done; E-1 assigned; F-1 accepted
  EXPECT_EQ(r01["received"], 4);
  EXPECT_EQ(r01["completed"], 2);
  EXPECT_EQ(r01["completed_on_time"], 1);
  EXPECT_EQ(r01["breached"], 2);
  EXPECT_EQ(r01["open_yellow"], 1);
  EXPECT_EQ(r01["open_red"], 1);
  const json& r02 = Group(report, "by_reviewer", "reviewer", "r02");  // B-1 done; D-1 assigned
  EXPECT_EQ(r02["received"], 2);
  EXPECT_EQ(r02["completed_on_time"], 1);
  EXPECT_EQ(r02["open_red"], 1);
  EXPECT_EQ(r02["late_returns"], 1);

  EXPECT_EQ(Group(report, "by_kind", "kind", "establish")["breached"], 1);
  EXPECT_EQ(Group(report, "by_kind", "kind", "change")["statutory_breaches"], 1);
  EXPECT_EQ(Group(report, "by_kind", "kind", "deregister")["open_red"], 1);
  EXPECT_EQ(Group(report, "by_kind", "kind", "annual_report")["open_yellow"], 1);
  EXPECT_EQ(Group(report, "by_channel", "channel", "outlet")["received"], 5);
  EXPECT_EQ(Group(report, "by_channel", "channel", "hall_window")["open_red"], 1);
  EXPECT_EQ(Group(report, "by_channel", "channel", "online_self")["open_yellow"], 1);

  // ---- per application ----
  ASSERT_EQ(report["apps"].size(), 7u);
  const json& a1 = App(report, "A-1");  // the first listed: YH-001's (apps sort by outlet too)
  EXPECT_EQ(a1["state"], "approved");
  EXPECT_EQ(a1["colour"], "done");
  EXPECT_EQ(a1["uscc"], kUscc);
  EXPECT_EQ(a1["elapsed_working_minutes"], 120.0);
  EXPECT_EQ(a1["conflicts"], 1);
  EXPECT_EQ(a1["outlet_id"], "YH-001");
  EXPECT_EQ(a1["also_filed_by"], json::array({"YH-002"}));
  const json* a1_yh2 = nullptr;
  for (const json& app : report["apps"]) {
    if (app["app_id"] == "A-1" && app["outlet_id"] == "YH-002") a1_yh2 = &app;
  }
  ASSERT_NE(a1_yh2, nullptr) << report["apps"].dump(2);
  EXPECT_EQ((*a1_yh2)["kind"], "change");
  EXPECT_EQ((*a1_yh2)["state"], "received");
  EXPECT_EQ((*a1_yh2)["colour"], "yellow");
  EXPECT_EQ((*a1_yh2)["conflicts"], 1);
  EXPECT_EQ((*a1_yh2)["also_filed_by"], json::array({"YH-001"}));
  const json& b1 = App(report, "B-1");
  EXPECT_EQ(b1["deadline"], "2026-03-03T18:00:00.000+08:00");  // the second cycle's
  EXPECT_EQ(b1["elapsed_working_minutes"], 420.0);
  EXPECT_EQ(b1["late_returns"], 1);
  EXPECT_EQ(b1["reviewer"], "r02");
  const json& d1 = App(report, "D-1");
  EXPECT_EQ(d1["state"], "received");
  EXPECT_EQ(d1["colour"], "red");
  EXPECT_EQ(d1["elapsed_working_minutes"], 510.0);
  EXPECT_EQ(d1["assigned_reviewer"], "r02");
  const json& e1 = App(report, "E-1");
  EXPECT_EQ(e1["colour"], "yellow");
  EXPECT_EQ(e1["deadline"], "2026-03-03T12:00:00.000+08:00");
  EXPECT_EQ(e1["elapsed_working_minutes"], 300.0);
  EXPECT_EQ(e1["transit_delay_ms"], 1'200'000);
  const json& f1 = App(report, "F-1");
  EXPECT_EQ(f1["deadline"], "2026-02-26T18:00:00.000+08:00");
  EXPECT_EQ(f1["elapsed_working_minutes"], 1770.0);  // Thu 390 + Fri 420 + Sat 02-28 (worked) 420 + Mon 420 + 120
  EXPECT_EQ(f1["statutory_breach"], true);

  // ---- the queue: open cases by deadline, with colours ----
  const json queue = Json(Hub({"queue", "--data", "H", "--json"}));
  ASSERT_EQ(queue["open"].size(), 4u) << queue.dump(2);
  EXPECT_EQ(queue["open"][0]["app_id"], "F-1");
  EXPECT_EQ(queue["open"][0]["colour"], "red");
  EXPECT_EQ(queue["open"][1]["app_id"], "D-1");
  EXPECT_EQ(queue["open"][1]["colour"], "red");
  EXPECT_EQ(queue["open"][2]["app_id"], "A-1");  // same deadline as E-1: by app_id
  EXPECT_EQ(queue["open"][2]["outlet_id"], "YH-002");
  EXPECT_EQ(queue["open"][2]["also_filed_by"], json::array({"YH-001"}));
  EXPECT_EQ(queue["open"][3]["app_id"], "E-1");
  EXPECT_EQ(queue["open"][3]["colour"], "yellow");
  cli::Result text = Hub({"report", "sla", "--data", "H"});
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  const size_t f = text.out.find("F-1"), d = text.out.find("D-1"), e = text.out.find("E-1");
  ASSERT_NE(f, std::string::npos) << text.out;
  EXPECT_LT(f, d) << text.out;
  EXPECT_LT(d, e) << text.out;
  EXPECT_NE(text.out.find("4 open"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("note: app_id A-1 of outlet YH-002 is also filed by YH-001"), std::string::npos) << text.out;

  // ---- a rebuild reproduces the report exactly; --at reproduces it later ----
  cli::Result reindex = Hub({"reindex", "--data", "H"});
  ASSERT_EQ(reindex.exit_code, 0) << reindex.Describe();
  EXPECT_NE(reindex.out.find("7 applications"), std::string::npos) << reindex.Describe();
  cli::Result rebuilt = Hub({"report", "sla", "--data", "H", "--json", "--apps"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
  EXPECT_EQ(rebuilt.out, report_run.out);
  At("2026-03-09T09:00:00");
  cli::Result later = Hub({"report", "sla", "--data", "H", "--json", "--apps", "--at", "2026-03-03T10:30:00+08:00"});
  ASSERT_EQ(later.exit_code, 0) << later.Describe();
  EXPECT_EQ(later.out, report_run.out);
  // A week later, the open cases have all breached and D-1 too is past the statutory limit.
  const json week = Json(Hub({"report", "sla", "--data", "H", "--json"}));
  EXPECT_EQ(week["totals"]["open_red"], 4);
  EXPECT_EQ(week["totals"]["statutory_breaches"], 4);
  // Only Monday's receipts.
  const json monday =
      Json(Hub({"report", "sla", "--data", "H", "--json", "--from", "2026-03-02", "--to", "2026-03-02"}));
  EXPECT_EQ(monday["totals"]["received"], 6);
  EXPECT_EQ(Hub({"report", "sla", "--data", "H", "--from", "2026-02-30"}).exit_code, 2);
  EXPECT_EQ(Hub({"report", "sla", "--data", "H", "--at", "yesterday"}).exit_code, 2);
}

TEST_F(SlaCliTest, SpringFestivalFridayAfternoonIsDueOnTheMakeUpSaturday) {
  At("2026-02-13T14:00:00");
  ASSERT_NO_FATAL_FAILURE(SetUpCounty({"cn-2026.toml"}));
  At("2026-02-13T14:50:00");
  ASSERT_NO_FATAL_FAILURE(NodeSubmit("N1", {Submit("SF-1", "establish", "outlet")}));
  At("2026-02-13T15:00:00");  // Friday afternoon; 春节 holidays run 02-15 .. 02-23
  ASSERT_NO_FATAL_FAILURE(Carry("N1"));

  const json report = Json(Hub({"report", "sla", "--data", "H", "--json", "--apps"}));
  ASSERT_EQ(report["apps"].size(), 1u) << report.dump(2);
  EXPECT_EQ(report["apps"][0]["deadline"], "2026-02-14T12:00:00.000+08:00");  // Saturday, worked (调休)
  EXPECT_EQ(report["apps"][0]["colour"], "green");
  EXPECT_EQ(report["apps"][0]["provisional"], false);
  // Saturday 11:00: 180 + 150 of 390 minutes used: yellow; after 12:00: red.
  const json saturday = Json(Hub({"queue", "--data", "H", "--json", "--at", "2026-02-14T11:00:00+08:00"}));
  EXPECT_EQ(saturday["open"][0]["colour"], "yellow");
  EXPECT_EQ(saturday["open"][0]["elapsed_working_minutes"], 330.0);
  const json late = Json(Hub({"queue", "--data", "H", "--json", "--at", "2026-02-14T12:00:01+08:00"}));
  EXPECT_EQ(late["open"][0]["colour"], "red");
}

TEST_F(SlaCliTest, ReviewCommandsExplainThemselves) {
  for (std::vector<std::string> args : {std::vector<std::string>{"review", "--help"},
                                        {"report", "sla", "--help"},
                                        {"queue", "--help"},
                                        {"reindex", "--help"}}) {
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("--data"), std::string::npos) << r.Describe();
  }
  // A bad calendar is refused before anything is created.
  cli::WriteFile(tmp_ / "bad.toml", "years = [2026]\nholidays = [\"2026-02-30\"]\n");
  cli::Result bad = Hub({"init", "--data", "H", "--role", "county", "--name", "x", "--county", kCounty, "--calendar",
                         (tmp_ / "bad.toml").string()});
  EXPECT_EQ(bad.exit_code, 1) << bad.Describe();
  EXPECT_NE(bad.err.find("2026-02-30"), std::string::npos) << bad.Describe();
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "H")) << "init created the data dir despite a bad calendar";
}

}  // namespace
