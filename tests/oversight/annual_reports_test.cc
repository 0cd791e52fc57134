// When a county hub owes annual-report reminders (S8).
#include "oversight/annual_reports.h"

#include <gtest/gtest.h>

#include "protocol/clock.h"

namespace bangban {
namespace {

constexpr const char* kHub = "aa";

int64_t At(const std::string& local) { return *ParseRfc3339(local + "+08:00"); }

CountyCensus County() {
  CountyCensus c;
  c.county = "140802";
  c.entities["U2024"] = {"U2024", "YH-001", 2024, "r1"};
  c.entities["U2025"] = {"U2025", "YH-002", 2025, "r2"};
  c.entities["U2026"] = {"U2026", "YH-001", 2026, "r3"};  // due from 2027
  c.entities["UNONE"] = {"UNONE", "", 2024, "r4"};        // no outlet to remind
  return c;
}

void Sent(CountyCensus& c, const std::vector<ReminderDue>& due, const std::string& when,
          const std::string& author = kHub) {
  for (const ReminderDue& d : due) c.reminders.push_back({"id", author, At(when), 1, d.Body()});
}

std::vector<std::string> Usccs(const std::vector<ReminderDue>& due) {
  std::vector<std::string> out;
  for (const ReminderDue& d : due) out.push_back(d.uscc + "/" + std::to_string(d.year) + "/" + d.outlet_id);
  return out;
}

TEST(AnnualReportsTest, TheWindowOpensWithOneReminderPerEntityDue) {
  CountyCensus c = County();
  OversightConfig config;
  auto due = DueReminders(c, kHub, At("2026-01-01T00:00:00"), config);
  EXPECT_EQ(Usccs(due), (std::vector<std::string>{"U2024/2025/YH-001", "U2025/2025/YH-002"}));
  Sent(c, due, "2026-01-01T00:00:00");
  EXPECT_TRUE(DueReminders(c, kHub, At("2026-03-01T09:00:00"), config).empty());  // idempotent
  EXPECT_TRUE(DueReminders(c, kHub, At("2026-05-31T23:59:59"), config).empty());
}

TEST(AnnualReportsTest, TheSecondReminderGoesOnTheConfiguredDateToThoseNotFiled) {
  CountyCensus c = County();
  OversightConfig config;
  Sent(c, DueReminders(c, kHub, At("2026-01-02T09:00:00"), config), "2026-01-02T09:00:00");
  c.filings.push_back({"f", "bb", At("2026-03-01T10:00:00"), 1, {{"uscc", "U2024"}, {"year", 2025}}});
  auto due = DueReminders(c, kHub, At("2026-06-01T00:00:00"), config);
  EXPECT_EQ(Usccs(due), (std::vector<std::string>{"U2025/2025/YH-002"}));
  Sent(c, due, "2026-06-01T00:00:00");
  EXPECT_TRUE(DueReminders(c, kHub, At("2026-06-20T00:00:00"), config).empty());
  // A configured date: 15 May.
  CountyCensus d = County();
  config.second_reminder_month = 5;
  config.second_reminder_day = 15;
  Sent(d, DueReminders(d, kHub, At("2026-01-02T09:00:00"), config), "2026-01-02T09:00:00");
  EXPECT_TRUE(DueReminders(d, kHub, At("2026-05-14T23:00:00"), config).empty());
  EXPECT_EQ(DueReminders(d, kHub, At("2026-05-15T08:00:00"), config).size(), 2u);
}

TEST(AnnualReportsTest, NothingIsOwedAfterTheWindowCloses) {
  CountyCensus c = County();
  EXPECT_TRUE(DueReminders(c, kHub, At("2026-07-01T00:00:00"), OversightConfig{}).empty());
  EXPECT_TRUE(DueReminders(c, kHub, At("2026-12-31T12:00:00"), OversightConfig{}).empty());
}

TEST(AnnualReportsTest, AHubStartedLateSendsOneReminderNotTwo) {
  CountyCensus c = County();
  OversightConfig config;
  auto due = DueReminders(c, kHub, At("2026-06-05T09:00:00"), config);
  EXPECT_EQ(due.size(), 2u);
  Sent(c, due, "2026-06-05T09:00:00");
  EXPECT_TRUE(DueReminders(c, kHub, At("2026-06-06T09:00:00"), config).empty());
}

TEST(AnnualReportsTest, AnOutletsOwnReminderDoesNotStandForTheHubs) {
  CountyCensus c = County();
  OversightConfig config;
  Sent(c, DueReminders(c, kHub, At("2026-01-02T09:00:00"), config), "2026-01-02T09:00:00", "bb");
  EXPECT_EQ(DueReminders(c, kHub, At("2026-01-03T09:00:00"), config).size(), 2u);
}

}  // namespace
}  // namespace bangban
