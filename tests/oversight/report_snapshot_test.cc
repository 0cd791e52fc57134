#include "oversight/report_snapshot.h"

#include <gtest/gtest.h>

#include "crypto/error.h"
#include "protocol/schema.h"

namespace bangban {
namespace {

Json Report() {
  return {{"report", "sla"},
          {"hub", {{"name", "盐湖区"}}},
          {"simulation", true},
          {"rules", {{"profile", 2}}},
          {"at", "2026-03-02T11:00:00.000+08:00"},
          {"totals", {{"received", 2}, {"completed", 1}, {"completed_on_time", 1}, {"on_time_rate", 1.0}}},
          {"unreceived", 0},
          {"by_outlet", Json::array({{{"outlet_id", "YH-001"}, {"received", 2}}})}};
}

TEST(ReportSnapshotTest, TheDocumentKeepsTheFiguresOnly) {
  Json document = SlaSnapshotDocument(Report());
  EXPECT_FALSE(document.contains("hub"));
  EXPECT_FALSE(document.contains("simulation"));
  EXPECT_FALSE(document.contains("rules"));
  EXPECT_EQ(document["totals"]["completed_on_time"], 1);
  EXPECT_EQ(document["by_outlet"][0]["outlet_id"], "YH-001");
}

TEST(ReportSnapshotTest, BodyRoundTripsAndIsAValidRecordBody) {
  Json document = SlaSnapshotDocument(Report());
  Json body = SnapshotBody(kSlaReport, 1'772'420'400'000, document);
  EXPECT_NO_THROW(ValidateBody("report.snapshot", body));
  ReportSnapshot s = ReportSnapshot::FromBody(body);
  EXPECT_EQ(s.report, "sla");
  EXPECT_EQ(s.at_ms, 1'772'420'400'000);
  EXPECT_EQ(s.hash, SnapshotHash(document));
  ASSERT_TRUE(s.document.has_value());
  EXPECT_EQ(*s.document, document);
}

TEST(ReportSnapshotTest, ADocumentThatDoesNotHaveItsHashIsRefused) {
  Json document = SlaSnapshotDocument(Report());
  Json body = SnapshotBody(kSlaReport, 0, document);
  document["totals"]["completed_on_time"] = 2;
  body["document"] = document.dump();
  EXPECT_THROW(ReportSnapshot::FromBody(body), Error);
}

TEST(ReportSnapshotTest, OneNumberChangesTheHashAndIsNamed) {
  Json claimed = SlaSnapshotDocument(Report());
  Json recomputed = claimed;
  recomputed["totals"]["completed_on_time"] = 0;
  EXPECT_NE(SnapshotHash(claimed), SnapshotHash(recomputed));
  std::vector<std::string> differences = DocumentDifferences(claimed, recomputed);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0], "totals.completed_on_time: 1 in the snapshot, 0 recomputed");
  recomputed["by_outlet"][0]["received"] = 3;
  EXPECT_EQ(DocumentDifferences(claimed, recomputed).size(), 2u);
  EXPECT_TRUE(DocumentDifferences(claimed, claimed).empty());
}

}  // namespace
}  // namespace bangban
