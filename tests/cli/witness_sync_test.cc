// The county's log, rules and report snapshot travel to the city by the ordinary sync protocol:
// a running county hub publishes them when `checkpoint` is handed to it, replicates them
// upstream like any record of its feed, and the running city recomputes the county's figures
// with the county's receipt times and finds its snapshot equal (docs/audit.md).
#include <gtest/gtest.h>

#include "protocol/clock.h"
#include "tests/cli/city_fixture.h"

namespace {

using namespace city;
using std::chrono::seconds;

class WitnessSyncTest : public CityFixture {};

json Figures(json report) {
  for (const char* key : {"hub", "simulation", "rules", "recomputed"}) report.erase(key);
  return report;
}

TEST_F(WitnessSyncTest, TheCountysLogRulesAndSnapshotReachTheCityBySyncAndCheckOut) {
  const std::string city_key = InitCity("C");
  const std::string county_key = InitCounty("Y", city_key, "C");
  const int city_port = FreePort(), county_port = FreePort();
  const std::string node_key = InitNode("N", "YH-001", county_key, Loopback(county_port));
  EnrollOutlet("Y", node_key, "YH-001");
  StartHub("C", city_port);
  StartHub("Y", county_port, city_port, city_key);
  ASSERT_EQ(Submit("N", AppLines("W", 1, 3)).size(), 3u);
  ASSERT_TRUE(WaitFor([&] { return SyncOnce("N").complete(); }, seconds(60))) << Logs();
  AddOperator("Y", "r01");  // handed to the running daemon
  cli::Result accept = Hub({"review", "--data", "Y", "accept", "W-000001", "--reviewer", "r01"});
  ASSERT_EQ(accept.exit_code, 0) << accept.Describe();

  cli::Result published = Hub({"checkpoint", "--data", "Y", "--json"});  // handed to the daemon
  ASSERT_EQ(published.exit_code, 0) << published.Describe() << Logs();
  json p = json::parse(published.out, nullptr, false);
  ASSERT_TRUE(p.is_object()) << published.Describe();
  EXPECT_EQ(p["rules"], 1) << published.Describe();
  EXPECT_EQ(p["checkpoints"], 1) << published.Describe();
  EXPECT_EQ(p["snapshots"], 1) << published.Describe();
  const uint64_t head = Head("Y", county_key);
  ASSERT_TRUE(WaitForHead("C", county_key, head)) << "the county's witness records never reached the city\n" << Logs();

  const std::string at = bangban::FormatRfc3339(p["tree_head"]["timestamp_ms"].get<int64_t>());
  cli::Result county = Hub({"report", "sla", "--data", "Y", "--json", "--apps", "--at", at});
  cli::Result recomputed =
      Hub({"report", "county-sla", "--data", "C", "--county", kCounty, "--json", "--apps", "--at", at});
  ASSERT_EQ(county.exit_code, 0) << county.Describe();
  ASSERT_EQ(recomputed.exit_code, 0) << recomputed.Describe();
  json c = json::parse(county.out), r = json::parse(recomputed.out);
  EXPECT_EQ(r["recomputed"]["missing"], 0) << recomputed.Describe();
  EXPECT_EQ(c["totals"]["received"], 3) << county.Describe();
  EXPECT_EQ(Figures(c), Figures(r)) << "county:\n" << c.dump(1) << "\ncity:\n" << r.dump(1);

  cli::Result audit = Hub({"audit", "--data", "C", "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
  json a = json::parse(audit.out, nullptr, false);
  ASSERT_TRUE(a.is_object()) << audit.Describe();
  ASSERT_EQ(a["counties"].size(), 1u) << audit.Describe();
  EXPECT_EQ(a["counties"][0]["snapshots_compared"], 1) << audit.Describe();
  EXPECT_EQ(a["counties"][0]["tree_heads"], 1) << audit.Describe();
}

}  // namespace
