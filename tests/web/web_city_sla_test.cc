// The city hub's web queue, case and SLA figures use the county's receipt instants
// (docs/api.md, docs/sla.md "At the city"): a city that receives Monday's records on Wednesday
// shows the county's elapsed working time, not the time since it received them, and says where
// it falls back on its own receipt. The county and the city are real hubs built through the
// command line with a simulation clock (as tests/cli/witness_test.cc builds them); the city's
// daemon serves the pages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/cli/city_fixture.h"
#include "tests/cli/simulated_parties.h"
#include "tests/web/http_client.h"
#include "tests/web/web_hub.h"

namespace webtest {
namespace {

constexpr const char* kCounty = "140802";
constexpr const char* kServeAt = "2026-03-04T10:45:00+08:00";  // Wednesday: the city's daemon runs at this instant

class WebCitySlaTest : public cli::SimulatedPartiesTest {
 protected:
  // City C (auditor a01 with a password); county hub H (the 120 working-minute rule, the 2026
  // calendar) with reviewer r01 and outlet YH-001 (N1). Monday 2026-03-02: received
  // 09:10, A-1 accepted 09:30 and approved 10:00, A-2 accepted 09:40 and left open; the county
  // publishes its log at 11:00. The city receives everything on Wednesday at 10:00.
  void Monday() {
    const std::string calendar = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml";
    At("2026-03-02T08:00:00");
    cli::Result c = Hub({"init", "--data", "C", "--role", "city", "--name", "运城市行政审批服务管理局", "--city",
                         "1408", "--simulation", "--calendar", calendar});
    ASSERT_NO_FATAL_FAILURE(Ok(c));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"user", "add", "--data", "C", "--name", "a01", "--role", "city_auditor"})));
    ASSERT_NO_FATAL_FAILURE(
        Ok(Run(cli::kHubBin, {"user", "passwd", "--data", "C", "--name", "a01"}, std::string(kPassword) + "\n")));
    cli::Result h = Hub({"init", "--data", "H", "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
                         kCounty, "--city-key", FirstLine(c), "--calendar", calendar, "--simulation"});
    ASSERT_NO_FATAL_FAILURE(Ok(h));
    ASSERT_NO_FATAL_FAILURE(SetToml("policy = \"session\"", "policy = \"minutes\""));
    ASSERT_NO_FATAL_FAILURE(SetToml("target_minutes = 240", "target_minutes = 120"));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"enroll", "--data", "C", "--key", FirstLine(h), "--role", "county", "--name",
                                    "盐湖区", "--county", kCounty})));
    cli::Result n = Node({"init", "--data", "N1", "--outlet", "YH-001", "--county", kCounty, "--county-key",
                          FirstLine(h), "--simulation", "--sealing-key", cli::SealingKeyFromInit(h.err)});
    ASSERT_NO_FATAL_FAILURE(Ok(n));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"enroll", "--data", "H", "--key", FirstLine(n), "--role", "outlet", "--name",
                                    "网点YH-001", "--outlet-id", "YH-001"})));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"user", "add", "--data", "H", "--name", "r01", "--role", "reviewer"})));
    At("2026-03-02T08:50:00");
    ASSERT_NO_FATAL_FAILURE(Submit({"A-1", "A-2"}));
    At("2026-03-02T09:10:00");
    ASSERT_NO_FATAL_FAILURE(Carry());
    for (const auto& [at, args] :
         std::vector<std::pair<std::string, std::vector<std::string>>>{{"2026-03-02T09:30:00", {"accept", "A-1"}},
                                                                       {"2026-03-02T09:40:00", {"accept", "A-2"}},
                                                                       {"2026-03-02T10:00:00", {"approve", "A-1"}}}) {
      At(at);
      std::vector<std::string> review = {"review", "--data", "H", "--reviewer", "r01"};
      review.insert(review.end(), args.begin(), args.end());
      ASSERT_NO_FATAL_FAILURE(Ok(Hub(review)));
    }
    At("2026-03-02T11:00:00");
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"checkpoint", "--data", "H"})));
    At("2026-03-04T10:00:00");
    ASSERT_NO_FATAL_FAILURE(Upstream());
  }

  void Submit(const std::vector<std::string>& app_ids) {
    std::vector<json> lines;
    for (const std::string& app : app_ids) {
      json submit = city::AppSubmit(app, "盐湖区小店" + app);
      submit["kind"] = "change";
      lines.push_back(submit);
    }
    ASSERT_NO_FATAL_FAILURE(NodeSubmit(lines));
  }
  // The city's daemon with its web pages, at kServeAt; signs a01 in.
  void ServeCity() {
    port_ = static_cast<uint16_t>(city::FreePort());
    city_.emplace(
        "city",
        std::vector<std::string>{cli::kHubBin, "run", "--data", (tmp_ / "C").string(), "--listen",
                                 city::Loopback(city::FreePort()), "--http", "127.0.0.1:" + std::to_string(port_)},
        tmp_.path(), cli::Env{std::string("BANGBAN_NOW=") + kServeAt});
    ASSERT_TRUE(city::WaitFor([&] {
      try {
        return Get(port_, "/healthz").status == 200;
      } catch (const std::exception&) {
        return false;
      }
    })) << city_->Log();
    Response r = Request(port_, "POST", "/login", "name=a01&password=correct+horse+battery",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    const std::string cookie = r.Header("set-cookie");
    ASSERT_FALSE(cookie.empty()) << r.status << " " << r.body;
    cookie_ = cookie.substr(0, cookie.find(';'));
  }
  json CityGet(const std::string& target) {
    Response r = Get(port_, target, {{"Cookie", cookie_}});
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // The county's own queue at the instant the city serves at (`bangban-hub queue --json`, what
  // the county's web queue answers).
  json CountyQueue() {
    now_ = kServeAt;
    cli::Result r = Hub({"queue", "--data", "H", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, false);
  }
  static json Entry(const json& queue, const std::string& app_id) {
    for (const char* list : {"open", "paused"}) {
      for (const json& e : queue[list]) {
        if (e["app_id"] == app_id) return e;
      }
    }
    return json();
  }

  uint16_t port_ = 0;
  std::optional<city::Daemon> city_;
  std::string cookie_;
};

TEST_F(WebCitySlaTest, TheCitysQueueShowsTheCountysElapsedWorkingTimeAndSaysWhereItFallsBack) {
  ASSERT_NO_FATAL_FAILURE(Monday());
  // Wednesday 10:20 the county receives A-3; it has not reached the city, nor has its leaf.
  At("2026-03-04T10:15:00");
  ASSERT_NO_FATAL_FAILURE(Submit({"A-3"}));
  At("2026-03-04T10:20:00");
  ASSERT_NO_FATAL_FAILURE(Carry());
  ASSERT_NO_FATAL_FAILURE(ServeCity());

  // A-2, open since Monday 09:10 at the county: the city's queue shows the county's figures, to
  // the minute, not the quarter of an hour since the city received it on Wednesday at 10:00.
  const json county = CountyQueue();
  const json county_a2 = Entry(county, "A-2");
  ASSERT_TRUE(county_a2.is_object()) << county.dump(1);
  EXPECT_EQ(county_a2["received"], "2026-03-02T09:10:00.000+08:00") << county.dump(1);
  ASSERT_GT(county_a2["elapsed_working_minutes"].get<int64_t>(), 60) << county.dump(1);
  json city = CityGet("/api/queue");
  json city_a2 = Entry(city, "A-2");
  ASSERT_TRUE(city_a2.is_object()) << city.dump(1);
  for (const char* field : {"received", "deadline", "elapsed_working_minutes", "colour", "state", "reviewer"}) {
    EXPECT_EQ(city_a2[field], county_a2[field]) << field << "\ncounty:\n"
                                                << county.dump(1) << "\ncity:\n"
                                                << city.dump(1);
  }
  EXPECT_EQ(city_a2["county"], kCounty);
  EXPECT_TRUE(Entry(city, "A-3").is_null()) << "not at the city yet\n" << city.dump(1);
  ASSERT_TRUE(city["county_receipts"].is_object()) << city.dump(1);
  ASSERT_EQ(city["county_receipts"]["counties"].size(), 1u) << city.dump(1);
  EXPECT_EQ(city["county_receipts"]["counties"][0]["receipts"], "county") << city.dump(1);
  EXPECT_EQ(city["county_receipts"]["fallback_records"], 0) << city.dump(1);
  // The queue's filters still apply, the county among them.
  EXPECT_EQ(CityGet("/api/queue?county=140802")["open"].size(), city["open"].size());
  EXPECT_EQ(CityGet("/api/queue?county=140821")["open"].size(), 0u);

  // The case page: the same figures, saying whose receipts; its timeline stays the city's own
  // signed records with the city's receipts.
  const json case_a2 = CityGet("/api/cases/A-2?county=140802");
  EXPECT_EQ(case_a2["elapsed_working_minutes"], county_a2["elapsed_working_minutes"]) << case_a2.dump(1);
  EXPECT_EQ(case_a2["received"], county_a2["received"]) << case_a2.dump(1);
  EXPECT_EQ(case_a2["deadline"], county_a2["deadline"]) << case_a2.dump(1);
  EXPECT_EQ(case_a2["receipts"], "county") << case_a2.dump(1);
  ASSERT_EQ(case_a2["timeline"].size(), 2u) << case_a2.dump(1);
  EXPECT_EQ(case_a2["timeline"][0]["received"], "2026-03-04T10:00:00.000+08:00") << case_a2.dump(1);
  const json case_a1 = CityGet("/api/cases/A-1?county=140802");
  EXPECT_EQ(case_a1["completed_at"], "2026-03-02T10:00:00.000+08:00") << case_a1.dump(1);
  EXPECT_EQ(case_a1["receipts"], "county") << case_a1.dump(1);

  // The SLA report is the city's `report sla`, figure for figure.
  const json sla = CityGet("/api/sla");
  now_ = kServeAt;
  cli::Result report = Hub({"report", "sla", "--data", "C", "--json"});  // handed to the city's daemon
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  const json cli_sla = json::parse(report.out);
  EXPECT_EQ(sla["totals"], cli_sla["totals"]) << sla.dump(1);
  EXPECT_EQ(sla["by_county"], cli_sla["by_county"]) << sla.dump(1);
  EXPECT_EQ(sla["county_receipts"], cli_sla["county_receipts"]) << sla.dump(1);
  EXPECT_EQ(sla["totals"]["received"], 2) << sla.dump(1);

  // The dashboard's SLA columns and colours are the county's figures too (A-2 red at the county
  // since Monday; only 45 minutes old by the city's own receipt). The county holds A-3 as well,
  // green still.
  now_ = "2026-03-04T10:45:00+08:00";
  cli::Result county_report = Hub({"report", "sla", "--data", "H", "--json"});
  ASSERT_EQ(county_report.exit_code, 0) << county_report.Describe();
  const json county_sla = json::parse(county_report.out);
  ASSERT_EQ(county_sla["by_county"].size(), 1u) << county_sla.dump(1);
  const json& county_row = county_sla["by_county"][0];
  ASSERT_EQ(county_row["open_red"], 1) << county_sla.dump(1);
  const json dashboard = CityGet("/api/dashboard");
  json row;
  for (const json& r : dashboard["counties"]) {
    if (r["county"] == kCounty) row = r;
  }
  ASSERT_TRUE(row.is_object()) << dashboard.dump(1);
  for (const char* field : {"completed", "on_time_rate", "open_yellow", "open_red"}) {
    EXPECT_EQ(row[field], county_row[field]) << field << "\n" << dashboard.dump(1);
  }
  EXPECT_EQ(row["received"], 2) << "A-3 has not reached the city\n" << dashboard.dump(1);
  EXPECT_EQ(dashboard["colours"]["red"], county_sla["totals"]["open_red"]) << dashboard.dump(1);
  // And the on-time chart: Monday's applications were received (and A-1 completed) on Monday by
  // the county's receipts, on Wednesday by the city's own.
  json monday;
  for (const json& day : dashboard["on_time_by_day"]) {
    if (day["date"] == "2026-03-02") monday = day;
  }
  ASSERT_TRUE(monday.is_object()) << dashboard.dump(1);
  EXPECT_GE(monday["completed"].get<int64_t>(), 1) << dashboard.dump(1);
  EXPECT_EQ(monday["completed"], county_row["completed"]) << dashboard.dump(1);

  // A-3 reaches the city before the leaf that logs it: the city measures it from its own receipt
  // and says so, in the queue and on the case page.
  now_ = kServeAt;
  ASSERT_NO_FATAL_FAILURE(Upstream());
  city = CityGet("/api/queue");
  const json city_a3 = Entry(city, "A-3");
  ASSERT_TRUE(city_a3.is_object()) << city.dump(1);
  EXPECT_EQ(city_a3["received"], "2026-03-04T10:45:00.000+08:00") << city.dump(1);
  const json& receipts = city["county_receipts"];
  EXPECT_GE(receipts["fallback_records"].get<int64_t>(), 1) << receipts.dump(1);
  bool listed = false;
  for (const json& c : receipts["fallback_cases"]) listed = listed || c["app_id"] == "A-3";
  EXPECT_TRUE(listed) << receipts.dump(1);
  EXPECT_EQ(CityGet("/api/cases/A-3?county=140802")["receipts"], "county_and_city");
  // A-2 still carries the county's figures.
  city_a2 = Entry(city, "A-2");
  EXPECT_EQ(city_a2["elapsed_working_minutes"], county_a2["elapsed_working_minutes"]) << city.dump(1);
  EXPECT_EQ(city_->Stop(), 0) << city_->Log();
}

}  // namespace
}  // namespace webtest
