// WorkCalendar: TOML loading and its errors, working days on the official 2025/2026 calendars,
// and working-time arithmetic at every boundary of the day, the week and the holidays.
#include "review/calendar.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "crypto/error.h"

#include "tests/support/local_time.h"

namespace bangban {
namespace {

constexpr int64_t kMin = 60'000;

using test_support::At;
using test_support::Show;

CivilDate Date(std::string_view text) { return LocalDate(At(std::string(text) + " 12:00")); }

std::string Path(const char* relative) { return std::string(BANGBAN_SOURCE_DIR) + "/" + relative; }

// The official calendar as a county loads it: cn-2025 merged with cn-2026.
const WorkCalendar& Cn() {
  static const WorkCalendar cal = [] {
    WorkCalendar c = WorkCalendar::FromTomlFile(Path("deploy/calendars/cn-2025.toml"));
    c.Merge(WorkCalendar::FromTomlFile(Path("deploy/calendars/cn-2026.toml")));
    return c;
  }();
  return cal;
}

std::string ErrorOf(std::string_view toml) {
  try {
    WorkCalendar::FromTomlString(toml, "test.toml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "calendar");
    return e.what();
  }
  return "(no error)";
}

TEST(CalendarLocalTime, RoundTripsAtUtcPlus8) {
  EXPECT_EQ(At("1970-01-01 08:00"), 0);
  EXPECT_EQ(LocalDate(0), (CivilDate{1970, 1, 1}));
  EXPECT_EQ(LocalMinuteOfDay(0), 8 * 60);
  // 2026-03-02 09:00 +08:00 == 2026-03-02T01:00:00Z == 1772413200 s.
  EXPECT_EQ(At("2026-03-02 09:00"), int64_t{1772413200} * 1000);
  // Local midnight and the millisecond before it.
  EXPECT_EQ(LocalDate(At("2026-03-02 00:00")), (CivilDate{2026, 3, 2}));
  EXPECT_EQ(LocalDate(At("2026-03-02 00:00") - 1), (CivilDate{2026, 3, 1}));
  EXPECT_EQ(LocalMinuteOfDay(At("2026-03-02 00:00") - 1), 1439);
  // Before the epoch, division floors.
  EXPECT_EQ(LocalDate(-kChinaOffsetMs - 1), (CivilDate{1969, 12, 31}));
  EXPECT_EQ(LocalMinuteOfDay(-kChinaOffsetMs - 1), 1439);
  EXPECT_EQ(LocalDate(At("2024-02-29 23:59")), (CivilDate{2024, 2, 29}));
}

TEST(CalendarLoad, OfficialFilesCoverTheirYears) {
  EXPECT_TRUE(Cn().CoversYear(2025));
  EXPECT_TRUE(Cn().CoversYear(2026));
  EXPECT_FALSE(Cn().CoversYear(2027));
  EXPECT_FALSE(WorkCalendar::WeekdaysOnly().CoversYear(2026));
}

TEST(CalendarWorkingDay, OfficialCalendarTable) {
  const std::map<std::string, bool> table = {
      {"2025-01-01", false},  // 元旦
      {"2025-01-26", true},   // Sunday, 春节 make-up working day
      {"2025-02-04", false},  // last day of 春节 2025
      {"2025-02-08", true},   // Saturday make-up
      {"2025-12-31", true},   // Wednesday
      {"2026-01-01", false}, {"2026-01-02", false}, {"2026-01-03", false},
      {"2026-01-04", true},   // Sunday, 元旦 make-up working day
      {"2026-01-05", true},   // Monday
      {"2026-01-10", false},  // ordinary Saturday
      {"2026-02-13", true},   // Friday before the Spring Festival
      {"2026-02-14", true},   // Saturday make-up
      {"2026-02-15", false}, {"2026-02-16", false}, {"2026-02-17", false},
      {"2026-02-18", false}, {"2026-02-19", false}, {"2026-02-20", false},
      {"2026-02-21", false}, {"2026-02-22", false}, {"2026-02-23", false},
      {"2026-02-24", true},                                                // first working day after
      {"2026-02-28", true},                                                // Saturday make-up
      {"2026-03-01", false},                                               // ordinary Sunday
      {"2026-10-07", false}, {"2026-10-10", true},  {"2027-01-01", true},  // no 2027 calendar: weekday rule (a Friday)
      {"2027-01-02", false},                                               // Saturday
  };
  for (const auto& [date, working] : table) {
    EXPECT_EQ(Cn().IsWorkingDay(Date(date)), working) << date;
    EXPECT_EQ(Cn().SessionsOn(Date(date)).empty(), !working) << date;
  }
  EXPECT_EQ(Cn().SessionsOn(Date("2026-01-04")), (std::vector<WorkSession>{{510, 720}, {870, 1080}}));
}

struct DeadlineCase {
  const char* from;
  const char* deadline;
};

TEST(CalendarDeadline, EndOfFirstSessionStartingAfterTable) {
  const DeadlineCase table[] = {
      {"2026-03-02 07:00", "2026-03-02 12:00"},         // before opening: the morning session
      {"2026-03-02 08:30", "2026-03-02 12:00"},         // exactly at opening: still the morning
      {"2026-03-02 08:30:00.001", "2026-03-02 18:00"},  // just after: the afternoon
      {"2026-03-02 11:59", "2026-03-02 18:00"},
      {"2026-03-02 12:00", "2026-03-02 18:00"},  // exactly at the morning's end
      {"2026-03-02 13:00", "2026-03-02 18:00"},  // lunch break
      {"2026-03-02 14:30", "2026-03-02 18:00"},  // exactly at the afternoon's start
      {"2026-03-02 14:31", "2026-03-03 12:00"},  // afternoon: next working morning
      {"2026-03-02 18:00", "2026-03-03 12:00"},
      {"2026-03-02 21:00", "2026-03-03 12:00"},  // evening
      {"2026-03-06 15:00", "2026-03-09 12:00"},  // Friday afternoon -> Monday noon
      {"2026-03-07 10:00", "2026-03-09 12:00"},  // Saturday
      {"2026-02-13 15:00", "2026-02-14 12:00"},  // Friday -> Saturday make-up day
      {"2026-02-14 15:00", "2026-02-24 12:00"},  // make-up Saturday -> after the festival
      {"2026-02-17 10:00", "2026-02-24 12:00"},  // during the festival
      {"2026-02-27 15:00", "2026-02-28 12:00"},  // Friday -> Saturday make-up day
      {"2025-12-31 15:00", "2026-01-04 12:00"},  // New Year -> working Sunday
      {"2026-12-31 15:00", "2027-01-01 12:00"},  // into uncovered 2027: weekday rule
  };
  for (const auto& c : table) {
    EXPECT_EQ(Show(Cn().EndOfFirstSessionStartingAfter(At(c.from))), Show(At(c.deadline))) << c.from;
  }
}

struct BetweenCase {
  const char* from;
  const char* to;
  int64_t minutes;
};

TEST(CalendarWorkingTime, BetweenTable) {
  const BetweenCase table[] = {
      {"2026-03-02 07:00", "2026-03-02 08:30", 0},  // before opening
      {"2026-03-02 08:00", "2026-03-02 09:00", 30},
      {"2026-03-02 08:30", "2026-03-02 12:00", 210},   // the whole morning
      {"2026-03-02 11:00", "2026-03-02 15:00", 90},    // across lunch
      {"2026-03-02 12:00", "2026-03-02 14:30", 0},     // lunch break only
      {"2026-03-02 17:00", "2026-03-03 09:00", 90},    // overnight
      {"2026-03-02 18:00", "2026-03-03 08:30", 0},     // evening and night only
      {"2026-03-06 17:00", "2026-03-09 09:00", 90},    // Friday -> Monday
      {"2026-03-02 00:00", "2026-03-09 00:00", 2100},  // a week: 5 x 420
      {"2026-02-13 17:00", "2026-02-24 09:00", 510},   // Fri 60 + make-up Sat 420 + Tue 30
      {"2026-02-15 00:00", "2026-02-24 00:00", 0},     // the festival itself
      {"2026-02-28 00:00", "2026-03-01 00:00", 420},   // make-up Saturday
      {"2025-12-31 17:00", "2026-01-05 09:00", 510},   // Wed 60 + Sun 01-04 420 + Mon 30
      {"2026-03-02 15:00", "2026-03-02 09:00", 0},     // reversed
      {"2026-03-02 10:00", "2026-03-02 10:00", 0},     // empty
  };
  for (const auto& c : table) {
    EXPECT_EQ(Cn().WorkingMillisBetween(At(c.from), At(c.to)), c.minutes * kMin) << c.from << " .. " << c.to;
  }
  // Fractions of a minute are kept.
  EXPECT_EQ(Cn().WorkingMillisBetween(At("2026-03-02 08:29:59.500"), At("2026-03-02 08:30:00.250")), 250);
  EXPECT_EQ(Cn().WorkingMillisBetween(At("2026-03-02 11:59:59.999"), At("2026-03-02 14:30:00.001")), 2);
}

TEST(CalendarWorkingTime, WholeYears) {
  // Working days: 2025 and 2026 have 248 each on the official calendars; 2027 (no calendar
  // yet) has 261 weekdays.
  EXPECT_EQ(Cn().WorkingMillisBetween(At("2025-01-01 00:00"), At("2026-01-01 00:00")), 248 * 420 * kMin);
  EXPECT_EQ(Cn().WorkingMillisBetween(At("2026-01-01 00:00"), At("2027-01-01 00:00")), 248 * 420 * kMin);
  EXPECT_EQ(Cn().WorkingMillisBetween(At("2027-01-01 00:00"), At("2028-01-01 00:00")), 261 * 420 * kMin);
  // And back: a year of working time from the first instant of 2026 ends at 18:00 on its last
  // working day.
  EXPECT_EQ(Show(Cn().AddWorkingMillis(At("2026-01-01 00:00"), 248 * 420 * kMin)), Show(At("2026-12-31 18:00")));
}

struct AddCase {
  const char* from;
  int64_t minutes;
  const char* result;
};

TEST(CalendarWorkingTime, AddTable) {
  const AddCase table[] = {
      {"2026-03-02 09:00", 240, "2026-03-02 15:30"},  // 180 in the morning, 60 after lunch
      {"2026-03-02 08:00", 210, "2026-03-02 12:00"},  // ends exactly at a session's end
      {"2026-03-02 08:00", 211, "2026-03-02 14:31"}, {"2026-03-02 12:00", 1, "2026-03-02 14:31"},  // from lunch
      {"2026-03-02 13:00", 0, "2026-03-02 13:00"},  // zero: from itself, even off hours
      {"2026-03-02 17:00", 60, "2026-03-02 18:00"},  {"2026-03-02 17:00", 61, "2026-03-03 08:31"},
      {"2026-03-06 17:00", 240, "2026-03-09 11:30"},  // Friday -> Monday
      {"2026-02-14 16:00", 240, "2026-02-24 10:30"},  // make-up Saturday -> after the festival
      {"2026-02-13 17:00", 450, "2026-02-14 17:30"},  // Friday -> make-up Saturday
      {"2025-12-31 17:00", 120, "2026-01-04 09:30"},  // New Year -> working Sunday
      {"2026-12-31 17:00", 120, "2027-01-01 09:30"},  // into uncovered 2027
  };
  for (const auto& c : table) {
    EXPECT_EQ(Show(Cn().AddWorkingMillis(At(c.from), c.minutes * kMin)), Show(At(c.result)))
        << c.from << " + " << c.minutes;
  }
}

TEST(CalendarProvisional, YearsWithoutCalendarAreProvisional) {
  EXPECT_FALSE(Cn().IsProvisional(At("2025-06-01 09:00"), At("2026-12-31 18:00")));
  EXPECT_TRUE(Cn().IsProvisional(At("2026-12-31 15:00"), At("2027-01-01 12:00")));
  EXPECT_TRUE(Cn().IsProvisional(At("2027-03-01 09:00"), At("2027-03-01 10:00")));
  EXPECT_TRUE(Cn().IsProvisional(At("2024-12-31 09:00"), At("2025-01-02 10:00")));
  // Local dates count: 2026-12-31 23:30 +08 is still 2026 locally, 00:30 is 2027.
  EXPECT_FALSE(Cn().IsProvisional(At("2026-12-31 23:30"), At("2026-12-31 23:59")));
  EXPECT_TRUE(Cn().IsProvisional(At("2026-12-31 23:30"), At("2027-01-01 00:30")));
  EXPECT_TRUE(WorkCalendar::WeekdaysOnly().IsProvisional(At("2026-03-02 09:00"), At("2026-03-02 10:00")));
}

constexpr const char* kSummer = R"(
years = [2026]
holidays = ["2026-06-19"]  # 端午节
[[season]]
from = "06-01"
to = "09-30"
hours = ["08:30-12:00", "15:00-18:30"]
)";

TEST(CalendarSeasons, SeasonalHoursApplyWithinTheirRange) {
  const WorkCalendar cal = WorkCalendar::FromTomlString(kSummer, "summer.toml");
  const std::vector<WorkSession> normal{{510, 720}, {870, 1080}};
  const std::vector<WorkSession> summer{{510, 720}, {900, 1110}};
  EXPECT_EQ(cal.SessionsOn(Date("2026-05-29")), normal);  // Friday before the season
  EXPECT_EQ(cal.SessionsOn(Date("2026-06-01")), summer);  // first day
  EXPECT_EQ(cal.SessionsOn(Date("2026-09-30")), summer);  // last day
  EXPECT_EQ(cal.SessionsOn(Date("2026-10-01")), normal);
  EXPECT_TRUE(cal.SessionsOn(Date("2026-06-19")).empty());  // a holiday in season
  EXPECT_EQ(Show(cal.EndOfFirstSessionStartingAfter(At("2026-07-01 14:45"))), Show(At("2026-07-01 18:30")));
  EXPECT_EQ(Show(cal.EndOfFirstSessionStartingAfter(At("2026-07-01 15:01"))), Show(At("2026-07-02 12:00")));
  EXPECT_EQ(cal.WorkingMillisBetween(At("2026-07-01 11:00"), At("2026-07-01 16:00")), 120 * kMin);
  EXPECT_EQ(Show(cal.AddWorkingMillis(At("2026-07-01 09:00"), 240 * kMin)), Show(At("2026-07-01 16:00")));
  // Across the season's end: Wed 09-30 17:00 (summer, 90 min left) to Thu 10-01 09:00.
  EXPECT_EQ(cal.WorkingMillisBetween(At("2026-09-30 17:00"), At("2026-10-01 09:00")), 120 * kMin);
}

TEST(CalendarSeasons, SeasonMayWrapOverNewYear) {
  const WorkCalendar cal = WorkCalendar::FromTomlString(R"(
[[season]]
from = "11-15"
to = "02-15"
hours = ["09:00-12:00", "14:00-17:00"]
)",
                                                        "winter.toml");
  const std::vector<WorkSession> winter{{540, 720}, {840, 1020}};
  EXPECT_EQ(cal.SessionsOn(Date("2026-11-16")), winter);
  EXPECT_EQ(cal.SessionsOn(Date("2027-01-04")), winter);
  EXPECT_EQ(cal.SessionsOn(Date("2027-02-15")), winter);
  EXPECT_EQ(cal.SessionsOn(Date("2027-02-16")), (std::vector<WorkSession>{{510, 720}, {870, 1080}}));
  EXPECT_EQ(cal.SessionsOn(Date("2026-11-13")), (std::vector<WorkSession>{{510, 720}, {870, 1080}}));
}

TEST(CalendarLoad, DatesMayBeTomlDatesAndHoursMayBeSet) {
  const WorkCalendar cal = WorkCalendar::FromTomlString(R"(
hours = ["09:00-17:00"]
years = [2026]
holidays = [2026-03-02]
workdays = [2026-03-07]
)",
                                                        "native.toml");
  EXPECT_FALSE(cal.IsWorkingDay(Date("2026-03-02")));
  EXPECT_TRUE(cal.IsWorkingDay(Date("2026-03-07")));
  EXPECT_EQ(cal.SessionsOn(Date("2026-03-03")), (std::vector<WorkSession>{{540, 1020}}));
  EXPECT_EQ(cal.WorkingMillisBetween(At("2026-03-03 00:00"), At("2026-03-04 00:00")), 480 * kMin);
}

struct BadCase {
  const char* toml;
  const char* message;  // must appear in the error
};

TEST(CalendarErrors, MalformedEntriesNameTheEntry) {
  const BadCase table[] = {
      {R"(hours = ["8:30-12:00"])", R"(line 1: hours[0] "8:30-12:00" is not a session like "08:30-12:00")"},
      {R"(hours = ["08:30-12:00", "11:00-18:00"])", R"(hours[1] "11:00-18:00" overlaps or comes before)"},
      {R"(hours = ["14:30-18:00", "08:30-12:00"])", R"(hours[1] "08:30-12:00" overlaps or comes before)"},
      {R"(hours = ["12:00-08:30"])", R"(hours[0] "12:00-08:30" does not end after it starts)"},
      {R"(hours = ["08:30-24:30"])", R"(hours[0] "08:30-24:30" is not a session)"},
      {R"(hours = ["08:60-12:00"])", R"(hours[0] "08:60-12:00" is not a session)"},
      {R"(hours = [830])", R"(hours[0] 830 is not a session)"},
      {R"(hours = [])", "hours is empty"},
      {R"(hours = "08:30-12:00")", "hours must be an array"},
      {"years = [2026]\nholidays = [\"2026-02-30\"]", R"(line 2: holidays[0] "2026-02-30" is not a date)"},
      {"years = [2026]\nholidays = [\"2026/01/01\"]", R"(holidays[0] "2026/01/01" is not a date)"},
      {"years = [2026]\nholidays = [20260101]", "holidays[0] 20260101 is not a date"},
      {"years = [2026]\nholidays = [\n  \"2026-01-01\",\n  \"2027-01-01\",\n]",
       R"(line 4: holidays[1] "2027-01-01" is outside the years this file covers (years = [2026]))"},
      {R"(holidays = ["2026-01-01"])", "holidays are listed but `years` is missing"},
      {"years = [2026]\nworkdays = [\"2026-01-05\"]",
       R"(workdays[0] "2026-01-05" is a Monday; workdays lists only weekend dates)"},
      {"years = [2026]\nholidays = [\"2026-01-04\"]\nworkdays = [\"2026-01-04\"]",
       R"(workdays[0] "2026-01-04" is also listed in holidays)"},
      {"years = [2026]\nholidays = [\"2026-01-01\", \"2026-01-01\"]", R"(holidays[1] "2026-01-01" is listed twice)"},
      {R"(holiday = ["2026-01-01"])", R"(unknown key "holiday")"},
      {R"(years = ["2026"])", R"(years[0] "2026" is not a year)"},
      {R"(years = [2026, 2026])", "years[1] 2026 is listed twice"},
      {"[[season]]\nfrom = \"13-01\"\nto = \"09-30\"\nhours = [\"08:30-12:00\"]",
       R"(line 2: season[0].from "13-01" is not a month-day like "06-01")"},
      {"[[season]]\nfrom = \"06-01\"\nhours = [\"08:30-12:00\"]", "season[0] has no `to`"},
      {"[[season]]\nfrom = \"06-01\"\nto = \"09-30\"", "season[0] has no `hours`"},
      {"[[season]]\nfrom = \"06-01\"\nto = \"09-30\"\nhours = [\"15:00-14:00\"]",
       R"(season[0].hours[0] "15:00-14:00" does not end after it starts)"},
      {"[[season]]\nfrom = \"06-01\"\nto = \"09-30\"\nhours = [\"08:30-12:00\"]\nstart = 1",
       R"(season[0]: unknown key "start")"},
      {"[[season]]\nfrom = \"06-01\"\nto = \"09-30\"\nhours = [\"08:30-12:00\"]\n"
       "[[season]]\nfrom = \"09-01\"\nto = \"10-31\"\nhours = [\"08:30-12:00\"]",
       "season[1] (09-01..10-31) overlaps season[0]"},
      {"years = [2026]\nholidays = [\"2026-01-01\"", "line "},  // TOML syntax error
  };
  for (const auto& c : table) {
    const std::string message = ErrorOf(c.toml);
    EXPECT_EQ(message.rfind("test.toml: ", 0), 0u) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << "got: " << message << "\nwant: " << c.message;
  }
}

TEST(CalendarErrors, MissingFileNamesThePath) {
  try {
    WorkCalendar::FromTomlFile("/nonexistent/cal.toml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/cal.toml: cannot open the calendar file");
  }
}

TEST(CalendarMerge, ConflictsAreRefusedAndLeaveTheCalendarUnchanged) {
  WorkCalendar a = WorkCalendar::FromTomlString("years = [2026]\nholidays = [\"2026-01-04\"]", "a.toml");
  const std::string before = a.Fingerprint();
  const WorkCalendar b = WorkCalendar::FromTomlString("years = [2026]\nworkdays = [\"2026-01-04\"]", "b.toml");
  try {
    a.Merge(b);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2026-01-04"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.Fingerprint(), before);

  WorkCalendar h1 = WorkCalendar::FromTomlString(R"(hours = ["09:00-17:00"])", "h1.toml");
  const WorkCalendar h2 = WorkCalendar::FromTomlString(R"(hours = ["08:00-12:00"])", "h2.toml");
  EXPECT_THROW(h1.Merge(h2), Error);
  // A file without hours keeps the other's hours.
  h1.Merge(Cn());
  EXPECT_EQ(h1.SessionsOn(Date("2026-03-02")), (std::vector<WorkSession>{{540, 1020}}));
  EXPECT_TRUE(h1.CoversYear(2026));
  EXPECT_FALSE(h1.IsWorkingDay(Date("2026-02-16")));

  WorkCalendar s1 = WorkCalendar::FromTomlString(kSummer, "s1.toml");
  s1.Merge(WorkCalendar::FromTomlString(kSummer, "s2.toml"));  // the same season twice is fine
  const WorkCalendar other_season = WorkCalendar::FromTomlString(
      "[[season]]\nfrom = \"09-01\"\nto = \"10-31\"\nhours = [\"08:30-12:00\"]", "s3.toml");
  EXPECT_THROW(s1.Merge(other_season), Error);
}

TEST(CalendarFingerprint, DependsOnContentOnly) {
  const std::string a =
      WorkCalendar::FromTomlString("years = [2026]\nholidays = [\"2026-01-02\", \"2026-01-01\"]  # 元旦\n", "a.toml")
          .Fingerprint();
  const std::string b = WorkCalendar::FromTomlString(
                            "# another spelling\nholidays = [2026-01-01, 2026-01-02]\nyears = [2026]\n", "b.toml")
                            .Fingerprint();
  const std::string c =
      WorkCalendar::FromTomlString("years = [2026]\nholidays = [\"2026-01-01\"]\n", "c.toml").Fingerprint();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(WorkCalendar::WeekdaysOnly().Fingerprint(),
            WorkCalendar::FromTomlString(R"(hours = ["09:00-17:00"])", "h.toml").Fingerprint());

  WorkCalendar y2026_first = WorkCalendar::FromTomlFile(Path("deploy/calendars/cn-2026.toml"));
  y2026_first.Merge(WorkCalendar::FromTomlFile(Path("deploy/calendars/cn-2025.toml")));
  EXPECT_EQ(y2026_first.Fingerprint(), Cn().Fingerprint());
}

// Reference: count working minutes one minute at a time through the public day API.
int64_t ReferenceWorkingMinutes(const WorkCalendar& cal, int64_t from, int64_t to) {
  int64_t minutes = 0;
  std::map<CivilDate, std::vector<WorkSession>> days;
  for (int64_t t = from; t < to; t += kMin) {
    const CivilDate date = LocalDate(t);
    auto it = days.find(date);
    if (it == days.end()) it = days.emplace(date, cal.SessionsOn(date)).first;
    const int minute = LocalMinuteOfDay(t);
    for (const WorkSession& s : it->second) {
      if (minute >= s.start_minute && minute < s.end_minute) ++minutes;
    }
  }
  return minutes;
}

TEST(CalendarProperty, MatchesMinuteByMinuteReference) {
  std::mt19937_64 rng(20260302);
  const WorkCalendar summer = WorkCalendar::FromTomlString(kSummer, "summer.toml");
  const int64_t lo = At("2025-12-20 00:00") / kMin, hi = At("2027-01-10 00:00") / kMin;
  for (int i = 0; i < 300; ++i) {
    const WorkCalendar& cal = i % 3 == 0 ? summer : Cn();
    const int64_t from = std::uniform_int_distribution<int64_t>(lo, hi)(rng) * kMin;
    const int64_t to = from + std::uniform_int_distribution<int64_t>(0, 12 * 1440)(rng) * kMin;
    EXPECT_EQ(cal.WorkingMillisBetween(from, to), ReferenceWorkingMinutes(cal, from, to) * kMin)
        << Show(from) << " .. " << Show(to);
  }
}

TEST(CalendarProperty, AddIsTheEarliestInverseOfBetween) {
  std::mt19937_64 rng(7);
  const int64_t lo = At("2025-12-01 00:00"), hi = At("2027-01-31 00:00");
  for (int i = 0; i < 2000; ++i) {
    const int64_t from = std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    const int64_t work = std::uniform_int_distribution<int64_t>(0, 5 * 420 * kMin)(rng);
    const int64_t t = Cn().AddWorkingMillis(from, work);
    ASSERT_GE(t, from);
    ASSERT_EQ(Cn().WorkingMillisBetween(from, t), work) << Show(from) << " + " << work;
    if (work > 0) {
      ASSERT_LT(Cn().WorkingMillisBetween(from, t - 1), work) << Show(from) << " + " << work;
    }
    // Additivity over an arbitrary split point.
    const int64_t mid = std::uniform_int_distribution<int64_t>(from, t)(rng);
    ASSERT_EQ(Cn().WorkingMillisBetween(from, mid) + Cn().WorkingMillisBetween(mid, t), work);
    // The session deadline is a session end strictly after from, with working time before it.
    const int64_t deadline = Cn().EndOfFirstSessionStartingAfter(from);
    ASSERT_GT(deadline, from);
    ASSERT_GE(Cn().WorkingMillisBetween(from, deadline), 210 * kMin) << Show(from);
  }
}

}  // namespace
}  // namespace bangban
