// The monitoring figures of /metrics that deploy/prometheus/bangban.rules.yml alerts on, read
// through a real HTTP client from a real `bangban-hub run --http --audit-every 1` on the real
// clock: each peer's last contact, which appears with its first exchange and moves with each
// next, and the hub's own audit, whose flagged-record count moves when a record wrong for the hub
// (principle 6) arrives.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/web/web_hub.h"

namespace webtest {
namespace {

using city::WaitFor;

// The value of the sample `series` (the metric name with its labels exactly as served), or none.
std::optional<double> Sample(const std::string& body, const std::string& series) {
  for (const std::string& line : cli::Lines(body)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json Profile(const std::string& township) {
  return {
      {"type", "outlet.profile"},
      {"outlet_id", "YH-001"},
      {"name", "东郭村便民服务站"},
      {"kind", "village_station"},
      {"county", city::kCounty},
      {"township", township},
      {"village", "东郭村"},
      {"address", "东郭村委会一楼"},
      {"phone", "0359-2000001"},
      {"hours", "08:00-17:30"},
      {"services", {"establish", "change"}},
      {"six_haves",
       {{"sign", true}, {"computer", true}, {"staff", true}, {"guide", true}, {"phone", true}, {"publicity", true}}}};
}

class WebMetricsTest : public city::CityFixture {
 protected:
  // A county hub with outlet YH-001 enrolled, its daemon serving /metrics and auditing every second.
  void StartCounty() {
    const int zmq_port = city::FreePort();
    const std::string hub_key = InitCounty("H");
    node_key_ = InitNode("N", "YH-001", hub_key, city::Loopback(zmq_port));
    ASSERT_NO_FATAL_FAILURE(EnrollOutlet("H", node_key_, "YH-001"));
    http_port_ = static_cast<uint16_t>(city::FreePort());
    daemons_.push_back(std::make_unique<city::Daemon>(
        "hub-H",
        std::vector<std::string>{cli::kHubBin, "run", "--data", Path("H").string(), "--listen",
                                 city::Loopback(zmq_port), "--http", "127.0.0.1:" + std::to_string(http_port_),
                                 "--audit-every", "1"},
        tmp_.path()));
    ASSERT_TRUE(WaitFor([&] {
      try {
        return Get(http_port_, "/healthz").status == 200;
      } catch (const std::exception&) {
        return false;
      }
    })) << Logs();
  }

  std::string Metrics() {
    Response r = Get(http_port_, "/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  std::string LastContactSeries() const {
    return "bangban_peer_last_contact_timestamp_seconds{peer=\"" + node_key_.substr(0, 16) + "\",outlet_id=\"YH-001\"}";
  }

  std::string node_key_;
  uint16_t http_port_ = 0;
};

TEST_F(WebMetricsTest, APeersLastContactAppearsWithItsFirstExchangeAndMovesWithTheNext) {
  ASSERT_NO_FATAL_FAILURE(StartCounty());
  EXPECT_EQ(Metrics().find("bangban_peer_last_contact_timestamp_seconds{"), std::string::npos)
      << "no peer has connected yet";
  EXPECT_NE(Metrics().find("# TYPE bangban_peer_last_contact_timestamp_seconds gauge"), std::string::npos);

  const double before_first = NowSeconds();
  ASSERT_TRUE(SyncOnce("N").complete()) << Logs();
  const double after_first = NowSeconds();
  // Peer figures are stored with the next commit, or within 10 s when no records arrive.
  std::optional<double> first;
  ASSERT_TRUE(WaitFor([&] { return (first = Sample(Metrics(), LastContactSeries())).has_value(); })) << Metrics();
  EXPECT_GE(*first, before_first - 0.002);
  EXPECT_LE(*first, after_first + 0.002);

  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Submit("N", Profile("东郭镇").dump() + "\n");
  const double before_second = NowSeconds();
  ASSERT_TRUE(SyncOnce("N").complete()) << Logs();
  const double after_second = NowSeconds();
  std::optional<double> second;
  ASSERT_TRUE(WaitFor([&] {
    second = Sample(Metrics(), LastContactSeries());
    return second && *second > *first;
  })) << Metrics();
  EXPECT_GE(*second, before_second - 0.002);
  EXPECT_LE(*second, after_second + 0.002);
}

TEST_F(WebMetricsTest, TheHubsOwnAuditIsShownAndCountsARecordFlaggedForTheHub) {
  ASSERT_NO_FATAL_FAILURE(StartCounty());
  std::string body;
  ASSERT_TRUE(WaitFor([&] {
    body = Metrics();
    return Sample(body, "bangban_audit_runs_total").value_or(0) >= 1;
  })) << body
      << Logs();
  EXPECT_EQ(Sample(body, "bangban_audit_clean"), 1.0) << body;
  EXPECT_EQ(Sample(body, "bangban_audit_problems"), 0.0) << body;
  EXPECT_EQ(Sample(body, "bangban_audit_findings"), 0.0) << body;
  EXPECT_EQ(Sample(body, "bangban_audit_flagged_records"), 0.0) << body;
  EXPECT_EQ(Sample(body, "bangban_audit_quarantined_authors"), 0.0) << body;
  const double first_run = Sample(body, "bangban_audit_last_run_timestamp_seconds").value_or(0);
  EXPECT_GT(first_run, NowSeconds() - 60) << body;
  EXPECT_NE(body.find("# TYPE bangban_audit_runs_total counter"), std::string::npos) << body;

  // The county publishes its townships (handed to the daemon); the outlet then describes itself
  // in a township the county does not have: stored, and flagged by the next audit.
  cli::Result townships =
      Hub({"townships", "--data", "H", std::string(BANGBAN_SOURCE_DIR) + "/deploy/yuncheng/townships.csv"});
  ASSERT_EQ(townships.exit_code, 0) << townships.Describe();
  Submit("N", Profile("不存在乡").dump() + "\n");
  ASSERT_TRUE(SyncOnce("N").complete()) << Logs();
  ASSERT_TRUE(WaitFor([&] {
    body = Metrics();
    return Sample(body, "bangban_audit_flagged_records") == 1.0;
  })) << body
      << Logs();
  EXPECT_EQ(Sample(body, "bangban_audit_clean"), 1.0) << "a flag does not fail the audit\n" << body;
  EXPECT_GT(Sample(body, "bangban_audit_runs_total").value_or(0), 1.0) << body;
  EXPECT_GT(Sample(body, "bangban_audit_last_run_timestamp_seconds").value_or(0), first_run) << body;
  EXPECT_TRUE(daemons_.back()->Logged("audit clean: 0 problems, 0 findings, 1 flagged records")) << Logs();
}

}  // namespace
}  // namespace webtest
