// Tests of protocol/civil_time.h: days to and from civil dates (known days, every day of two
// centuries against a naive calendar, round trips far from the epoch), leap years, local China
// time of an instant, and the date text form.
#include "protocol/civil_time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace bangban {
namespace {

constexpr int64_t kHourMs = 3'600'000;

TEST(CivilTimeTest, KnownDays) {
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({1970, 1, 2}), 1);
  EXPECT_EQ(DaysFromCivil({1969, 12, 31}), -1);
  EXPECT_EQ(DaysFromCivil({1900, 3, 1}), -25508);
  EXPECT_EQ(DaysFromCivil({2000, 2, 29}), 11016);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11017);
  EXPECT_EQ(DaysFromCivil({2026, 12, 31}), 20818);
  EXPECT_EQ(DaysFromCivil({2026, 1, 1}), 20454);
  EXPECT_EQ(DaysFromCivil({1, 1, 1}), -719162);  // the first day of the common era
  EXPECT_EQ(DaysFromCivil({0, 3, 1}), -719468);  // the algorithm's own origin
  EXPECT_EQ(DaysFromCivil({9999, 12, 31}), 2932896);
  EXPECT_EQ(CivilFromDays(-25508), (CivilDate{1900, 3, 1}));
  EXPECT_EQ(CivilFromDays(11016), (CivilDate{2000, 2, 29}));
  EXPECT_EQ(CivilFromDays(20818), (CivilDate{2026, 12, 31}));
  EXPECT_EQ(CivilFromDays(-719162), (CivilDate{1, 1, 1}));
  EXPECT_EQ(CivilFromDays(2932896), (CivilDate{9999, 12, 31}));
}

// Walks every day from 1900-01-01 to 2100-12-31 with a naive calendar and checks both
// directions against it.
TEST(CivilTimeTest, RoundTripOverTwoCenturies) {
  auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  auto month_days = [&](int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return kDays[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  };
  int year = 1900, month = 1, day = 1;
  int64_t expected = DaysFromCivil({1900, 1, 1});
  EXPECT_EQ(expected, -25567);
  int mismatches = 0;
  bool saw_1900_03_01 = false, saw_2000_02_29 = false, saw_2026_12_31 = false;
  while (year <= 2100) {
    const int64_t days = DaysFromCivil({year, month, day});
    const CivilDate back = CivilFromDays(days);
    if (days != expected || back != CivilDate{year, month, day}) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << year << "-" << month << "-" << day << ": days " << days << " expected " << expected
                      << ", back " << back.year << "-" << back.month << "-" << back.day;
      }
    }
    saw_1900_03_01 |= (year == 1900 && month == 3 && day == 1);
    saw_2000_02_29 |= (year == 2000 && month == 2 && day == 29);
    saw_2026_12_31 |= (year == 2026 && month == 12 && day == 31);
    ++expected;
    if (++day > month_days(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        ++year;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(saw_1900_03_01 && saw_2000_02_29 && saw_2026_12_31);
}

// Far from the epoch, before year 0 included: days -> date -> days is the identity, every
// date is a real one, and consecutive days are consecutive dates.
TEST(CivilTimeTest, RoundTripOverAWideRangeOfDays) {
  int mismatches = 0;
  CivilDate previous = CivilFromDays(-5'000'000 - 1);
  for (int64_t days = -5'000'000; days <= 5'000'000; ++days) {
    const CivilDate date = CivilFromDays(days);
    const bool next_day =
        (date.year == previous.year && date.month == previous.month && date.day == previous.day + 1) ||
        (date.day == 1 && ((date.year == previous.year && date.month == previous.month + 1) ||
                           (date.year == previous.year + 1 && date.month == 1 && previous.month == 12)));
    if (DaysFromCivil(date) != days || !IsValidDate(date) || !next_day) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "day " << days << ": " << date.year << "-" << date.month << "-" << date.day;
      }
    }
    previous = date;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(CivilFromDays(-5'000'000).year, -11720);
  EXPECT_EQ(CivilFromDays(5'000'000).year, 15659);
}

TEST(CivilTimeTest, LeapYears) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(2000));   // divisible by 400
  EXPECT_FALSE(IsLeapYear(1900));  // by 100 but not by 400
  EXPECT_FALSE(IsLeapYear(2026));
  EXPECT_TRUE(IsLeapYear(0));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2026, 4), 30);
  EXPECT_EQ(DaysInMonth(2026, 12), 31);
  EXPECT_TRUE(IsValidDate({2024, 2, 29}));
  EXPECT_FALSE(IsValidDate({2026, 2, 29}));
  EXPECT_FALSE(IsValidDate({2100, 2, 29}));
  EXPECT_FALSE(IsValidDate({2026, 13, 1}));
  EXPECT_FALSE(IsValidDate({2026, 0, 1}));
  EXPECT_FALSE(IsValidDate({2026, 4, 31}));
  EXPECT_FALSE(IsValidDate({2026, 4, 0}));
  // A leap year has 366 days from January 1st to the next.
  EXPECT_EQ(DaysFromCivil({2025, 1, 1}) - DaysFromCivil({2024, 1, 1}), 366);
  EXPECT_EQ(DaysFromCivil({1901, 1, 1}) - DaysFromCivil({1900, 1, 1}), 365);
  EXPECT_EQ(DaysFromCivil({2001, 1, 1}) - DaysFromCivil({2000, 1, 1}), 366);
}

TEST(CivilTimeTest, Weekdays) {
  EXPECT_EQ(WeekdayOfDays(0), 4);                             // 1970-01-01, a Thursday
  EXPECT_EQ(WeekdayOfDays(-1), 3);                            // 1969-12-31, a Wednesday
  EXPECT_EQ(WeekdayOfDays(DaysFromCivil({2026, 3, 2})), 1);   // a Monday
  EXPECT_EQ(WeekdayOfDays(DaysFromCivil({2026, 2, 14})), 6);  // a Saturday
  EXPECT_EQ(WeekdayOfDays(DaysFromCivil({1900, 1, 1})), 1);   // a Monday
}

TEST(CivilTimeTest, LocalTimeIsUtcPlusEight) {
  EXPECT_EQ(kChinaOffsetMs, 8 * kHourMs);
  EXPECT_EQ(LocalDate(0), (CivilDate{1970, 1, 1}));
  EXPECT_EQ(LocalMinuteOfDay(0), 8 * 60);
  EXPECT_EQ(LocalMillisOfDay(0), 8 * kHourMs);
  // 2026-03-02T01:00:00Z is 09:00 in China.
  const int64_t nine = int64_t{1772413200} * 1000;
  EXPECT_EQ(LocalToEpochMs({2026, 3, 2}, 9 * 60), nine);
  EXPECT_EQ(LocalDate(nine), (CivilDate{2026, 3, 2}));
  EXPECT_EQ(LocalMillisOfDay(nine + 1234), 9 * kHourMs + 1234);
  // 16:00 UTC is already the next day in China.
  const int64_t new_year = LocalToEpochMs({2027, 1, 1}, 0);
  EXPECT_EQ(LocalDate(new_year), (CivilDate{2027, 1, 1}));
  EXPECT_EQ(LocalDate(new_year - 1), (CivilDate{2026, 12, 31}));
  EXPECT_EQ(LocalMinuteOfDay(new_year - 1), 1439);
  EXPECT_EQ(LocalMillisOfDay(new_year - 1), 86'399'999);
  // Before the epoch, division floors.
  EXPECT_EQ(LocalDate(-8 * kHourMs - 1), (CivilDate{1969, 12, 31}));
  EXPECT_EQ(LocalMillisOfDay(-8 * kHourMs - 1), 86'399'999);
  EXPECT_EQ(LocalToEpochMs({1960, 6, 1}, 0), -302'486'400'000 - 8 * kHourMs);
}

TEST(CivilTimeTest, DateText) {
  EXPECT_EQ(ParseCivilDate("2026-03-02"), (CivilDate{2026, 3, 2}));
  EXPECT_EQ(ParseCivilDate("2024-02-29"), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(ParseCivilDate("0001-01-01"), (CivilDate{1, 1, 1}));
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-3-02", "2026/03/02",
                          "2026-03-02T", "20260302", "", "2O26-03-02", "2026-03-+2", "2026-03-0 "}) {
    EXPECT_EQ(ParseCivilDate(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(FormatCivilDate({2026, 3, 2}), "2026-03-02");
  EXPECT_EQ(FormatCivilDate({800, 1, 9}), "0800-01-09");
  for (int64_t days = DaysFromCivil({1899, 12, 1}); days < DaysFromCivil({2101, 1, 31}); ++days) {
    const CivilDate date = CivilFromDays(days);
    ASSERT_EQ(ParseCivilDate(FormatCivilDate(date)), date) << days;
  }
}

}  // namespace
}  // namespace bangban
