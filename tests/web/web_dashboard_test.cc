// The dashboard's oversight columns against the command line, on one real hub: the figures of
// GET /api/dashboard are those of `bangban-hub report oversight --json` and `report assessment
// --json` for the same hub at the same instant (read from the commands' output, not written
// here), and each deduction's evidence opens as a verified record.
#include <gtest/gtest.h>

#include "tests/web/web_hub.h"

namespace webtest {
namespace {

class WebDashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(hub_.Start());
    cookie_ = hub_.Login("r01", "correct+horse+battery");
    ASSERT_FALSE(cookie_.empty());
  }

  json Dashboard() {
    Response r = Get(hub_.port(), "/api/dashboard", {{"Cookie", cookie_}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }
  json Cli(const std::vector<std::string>& args) {
    cli::Result r = hub_.Hub(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, false);
  }

  WebHub hub_;
  std::string cookie_;
};

TEST_F(WebDashboardTest, TheColumnsAreTheOversightReportAndTheAssessment) {
  // Without a rules file the score is pending and says why; the other columns are there.
  json before = Dashboard();
  EXPECT_TRUE(before["counties"][0]["score"].is_null());
  EXPECT_EQ(before["pending"], json({"score", "deductions"}));
  EXPECT_NE(before["score_problem"].get<std::string>().find("assessment"), std::string::npos) << before.dump();
  EXPECT_FALSE(before["uncovered_townships"].is_null());

  // The county's rules, and an application that charged a fee (a deduction with a record).
  cli::WriteFile(hub_.dir() / "H/assessment.toml",
                 cli::ReadFile(std::filesystem::path(BANGBAN_SOURCE_DIR) / "deploy/assessment.toml"));
  json fee = city::AppSubmit("F-1", "盐湖区收费小店");
  fee["kind"] = "change";
  fee["fee_cents"] = 500;
  WebHub::Ok(hub_.Node({"submit", "--data", "N1", "-"}, fee.dump() + "\n"));
  WebHub::Ok(hub_.Node({"export", "--data", "N1", "--out", "n1-fee.bundle"}));
  WebHub::Ok(hub_.Hub({"import", "--data", "H", "n1-fee.bundle"}));

  const json dashboard = Dashboard();
  const json oversight = Cli({"report", "oversight", "--data", "H", "--json"});
  const json assessment = Cli({"report", "assessment", "--data", "H", "--json"});
  ASSERT_EQ(oversight["counties"].size(), 1u) << oversight.dump();
  ASSERT_EQ(assessment["counties"].size(), 1u) << assessment.dump();
  const json& f = oversight["counties"][0];
  const json& a = assessment["counties"][0];
  ASSERT_EQ(dashboard["counties"].size(), 1u) << dashboard.dump();
  const json& row = dashboard["counties"][0];
  EXPECT_EQ(dashboard["at"], oversight["at"]);
  EXPECT_EQ(row["county"], f["county"]);
  EXPECT_EQ(row["coverage"], f["coverage"]["rate"]);
  EXPECT_EQ(row["townships"], f["coverage"]["townships"]);
  EXPECT_EQ(row["townships_covered"], f["coverage"]["covered"]);
  EXPECT_EQ(row["six_haves"], f["six_haves"]["all_six"]["inspected_rate"]);
  EXPECT_EQ(row["six_haves_claimed"], f["six_haves"]["all_six"]["claimed_rate"]);
  EXPECT_EQ(row["complaints"], f["complaints"]["filed"]);
  EXPECT_EQ(row["on_time_rate"], f["sla"]["on_time_rate"]);
  EXPECT_EQ(row["received"], f["sla"]["received"]);
  std::string latest;
  for (const auto& [year, figures] : f["annual_reports"]["by_year"].items()) latest = std::max(latest, year);
  EXPECT_EQ(row["filing_rate"], latest.empty() ? json(nullptr) : f["annual_reports"]["by_year"][latest]["filing_rate"]);
  EXPECT_EQ(row["score"], a["score"]);
  EXPECT_TRUE(dashboard["pending"].empty()) << dashboard.dump();
  EXPECT_EQ(dashboard["rules"], assessment["rules"]);

  // The lists, and every deduction that counts, with its evidence.
  ASSERT_EQ(dashboard["uncovered_townships"].size(), f["coverage"]["uncovered"].size());
  for (size_t i = 0; i < f["coverage"]["uncovered"].size(); ++i) {
    EXPECT_EQ(dashboard["uncovered_townships"][i]["code"], f["coverage"]["uncovered"][i]["code"]);
  }
  ASSERT_EQ(dashboard["inactive_outlets"].size(), f["outlets"]["inactive_outlets"].size());
  json counted = json::array();
  for (const json& d : a["deductions"]) {
    if (d["count"].get<int64_t>() > 0) counted.push_back(d);
  }
  ASSERT_EQ(dashboard["deductions"].size(), counted.size()) << dashboard["deductions"].dump();
  const json* fee_deduction = nullptr;
  for (size_t i = 0; i < counted.size(); ++i) {
    json shown = dashboard["deductions"][i];
    EXPECT_EQ(shown["county"], "140802");
    shown.erase("county");
    EXPECT_EQ(shown, counted[i]);
    if (counted[i]["rule"] == "fee_violation") fee_deduction = &dashboard["deductions"][i];
  }
  ASSERT_NE(fee_deduction, nullptr) << counted.dump();
  EXPECT_EQ((*fee_deduction)["count"], 1);
  EXPECT_EQ((*fee_deduction)["evidence"][0]["app_id"], "F-1");

  // The evidence record opens, re-verified: the app.submit that charged the fee.
  const std::string record = (*fee_deduction)["evidence"][0]["record"];
  Response shown = Get(hub_.port(), "/api/records/" + record, {{"Cookie", cookie_}});
  ASSERT_EQ(shown.status, 200) << shown.body;
  const json r = json::parse(shown.body);
  EXPECT_EQ(r["id"], record);
  EXPECT_EQ(r["type"], "app.submit");
  EXPECT_EQ(r["body"]["fee_cents"], 500);
  EXPECT_TRUE(r["verified"].get<bool>()) << shown.body;
  EXPECT_EQ(shown.body.find(kIdNumber), std::string::npos);
  EXPECT_EQ(shown.body.find(kApplicantName), std::string::npos);
  EXPECT_EQ(Get(hub_.port(), "/api/records/" + std::string(64, '0'), {{"Cookie", cookie_}}).status, 404);
  EXPECT_EQ(Get(hub_.port(), "/api/records/xyz", {{"Cookie", cookie_}}).status, 400);
  EXPECT_EQ(Get(hub_.port(), "/api/records/" + record).status, 401);
  EXPECT_EQ(Get(hub_.port(), "/records/" + record, {{"Cookie", cookie_}}).status, 200);
}

}  // namespace
}  // namespace webtest
