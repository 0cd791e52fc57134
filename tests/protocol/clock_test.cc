// Tests of protocol/clock.h: RFC 3339 parsing and formatting and the BANGBAN_NOW override.
// (The civil-date arithmetic is tested in civil_time_test.cc.)
#include "protocol/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "crypto/error.h"
#include "protocol/civil_time.h"

namespace bangban {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// 2026-03-02T01:00:00Z, computed by hand: 20454 days from 1970-01-01 to 2026-01-01, plus 31
// (January) and 28 (February) and one more day to reach March 2nd.
constexpr int64_t kMarch2nd0100Z = (20454 + 31 + 28 + 1) * kMsPerDay + 3600 * 1000;

// Sets BANGBAN_NOW for the lifetime of the object, restoring the previous value afterwards.
class ScopedNow {
 public:
  explicit ScopedNow(const char* value) {
    if (const char* old = std::getenv("BANGBAN_NOW")) old_ = old;
    if (value) {
      setenv("BANGBAN_NOW", value, 1);
    } else {
      unsetenv("BANGBAN_NOW");
    }
  }
  ~ScopedNow() {
    if (old_) {
      setenv("BANGBAN_NOW", old_->c_str(), 1);
    } else {
      unsetenv("BANGBAN_NOW");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST(ClockTest, ParsesUtcAndOffsets) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00z"), 0);
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00Z"), kMarch2nd0100Z);
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00+08:00"), kMarch2nd0100Z);
  EXPECT_EQ(ParseRfc3339("2026-03-01T19:30:00-05:30"), kMarch2nd0100Z);
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00+00:00"), kMarch2nd0100Z);
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00-00:00"), kMarch2nd0100Z);
  // Before the epoch.
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(ParseRfc3339("1970-01-01T07:59:59+08:00"), -1000);
}

TEST(ClockTest, ParsesFractionalSeconds) {
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00.5Z"), kMarch2nd0100Z + 500);
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00.25Z"), kMarch2nd0100Z + 250);
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00.123+08:00"), kMarch2nd0100Z + 123);
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00.000Z"), kMarch2nd0100Z);
  // More than millisecond precision is truncated to milliseconds.
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00.123999Z"), kMarch2nd0100Z + 123);
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00.999999999Z"), kMarch2nd0100Z + 999);
  // A dot with no digits is not RFC 3339.
  EXPECT_EQ(ParseRfc3339("2026-03-02T01:00:00.Z"), std::nullopt);
}

TEST(ClockTest, RejectsMalformedTimes) {
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00"), std::nullopt);        // missing offset
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00.5"), std::nullopt);      // missing offset
  EXPECT_EQ(ParseRfc3339("2026-13-02T09:00:00Z"), std::nullopt);       // month 13
  EXPECT_EQ(ParseRfc3339("2026-00-02T09:00:00Z"), std::nullopt);       // month 0
  EXPECT_EQ(ParseRfc3339("2026-02-30T09:00:00Z"), std::nullopt);       // Feb 30
  EXPECT_EQ(ParseRfc3339("2026-02-29T09:00:00Z"), std::nullopt);       // not a leap year
  EXPECT_EQ(ParseRfc3339("2100-02-29T09:00:00Z"), std::nullopt);       // century, not leap
  EXPECT_EQ(ParseRfc3339("2026-04-31T09:00:00Z"), std::nullopt);       // April has 30 days
  EXPECT_EQ(ParseRfc3339("2026-03-00T09:00:00Z"), std::nullopt);       // day 0
  EXPECT_EQ(ParseRfc3339("2026-03-02T24:00:00Z"), std::nullopt);       // hour 24
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:60:00Z"), std::nullopt);       // minute 60
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00+8:00"), std::nullopt);   // short offset
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00+0800"), std::nullopt);   // no colon
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00+24:00"), std::nullopt);  // offset hour 24
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00Zjunk"), std::nullopt);   // trailing text
  EXPECT_EQ(ParseRfc3339("2026-03-02T09:00:00+08:00 "), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-3-2T09:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-03-02"), std::nullopt);
  EXPECT_EQ(ParseRfc3339(""), std::nullopt);
  EXPECT_EQ(ParseRfc3339("garbage"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("next tuesday, around nine"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2O26-03-02T09:00:00Z"), std::nullopt);  // letter O
  EXPECT_EQ(ParseRfc3339("2026-03-02X09:00:00Z"), std::nullopt);
}

TEST(ClockTest, LeapDaysAccepted) {
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"), DaysFromCivil({2024, 2, 29}) * kMsPerDay);
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z"), DaysFromCivil({2000, 2, 29}) * kMsPerDay);
}

TEST(ClockTest, FormatsInChinaStandardTime) {
  EXPECT_EQ(FormatRfc3339(kMarch2nd0100Z), "2026-03-02T09:00:00.000+08:00");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T08:00:00.000+08:00");
  EXPECT_EQ(FormatRfc3339(kMarch2nd0100Z + 7), "2026-03-02T09:00:00.007+08:00");
  // Midnight in China is 16:00 the day before in UTC.
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-12-31T16:00:00Z")), "2027-01-01T00:00:00.000+08:00");
  EXPECT_EQ(FormatRfc3339(-1), "1970-01-01T07:59:59.999+08:00");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("1960-06-01T00:00:00+08:00")), "1960-06-01T00:00:00.000+08:00");
}

TEST(ClockTest, FormatParseRoundTrip) {
  // A spread of instants, including negative ones and odd milliseconds.
  for (int64_t ms = -3 * 365 * kMsPerDay; ms < 80LL * 365 * kMsPerDay; ms += 9'876'543'217LL) {
    std::string text = FormatRfc3339(ms);
    EXPECT_EQ(ParseRfc3339(text), ms) << text;
  }
  for (int64_t ms :
       {int64_t{0}, int64_t{-1}, int64_t{1}, kMarch2nd0100Z, kMarch2nd0100Z + 86'399'999, int64_t{4102444799999}}) {
    std::string text = FormatRfc3339(ms);
    EXPECT_EQ(ParseRfc3339(text), ms) << text;
  }
  // Parse then format gives the China-time form of the same instant.
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-03-01T19:30:00.250-05:30")), "2026-03-02T09:00:00.250+08:00");
}

TEST(ClockTest, NowHonoursBangbanNow) {
  {
    ScopedNow now("2026-03-02T09:00:00+08:00");
    EXPECT_EQ(NowMs(), kMarch2nd0100Z);
    EXPECT_EQ(NowMs(), kMarch2nd0100Z);  // fixed, not advancing
  }
  {
    ScopedNow now("2026-03-01T19:30:00.125-05:30");
    EXPECT_EQ(NowMs(), kMarch2nd0100Z + 125);
  }
}

TEST(ClockTest, ClockIsFixedSaysWhetherNowIsTheSystemClock) {
  {
    ScopedNow now(nullptr);
    EXPECT_FALSE(ClockIsFixed());
    bangban::ScopedNow fixed(int64_t{1});
    EXPECT_TRUE(ClockIsFixed());  // a thread scope of a fixed time (a handed-off command's)
  }
  ScopedNow now("2026-03-02T09:00:00+08:00");
  EXPECT_TRUE(ClockIsFixed());
  bangban::ScopedNow real(std::nullopt);  // the sender had none: the system clock, whatever the env says
  EXPECT_FALSE(ClockIsFixed());
}

TEST(ClockTest, BadNowThrows) {
  for (const char* bad : {"tomorrow", "2026-03-02T09:00:00", "2026-02-30T09:00:00Z", "1"}) {
    ScopedNow now(bad);
    try {
      NowMs();
      ADD_FAILURE() << "NowMs accepted BANGBAN_NOW=" << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bad_now");
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

// Sets (or with nullptr unsets) one environment variable for the lifetime of the object.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedVariable() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(ClockTest, RunningClockArithmetic) {
  ClockSetting setting{.start_ms = kMarch2nd0100Z, .epoch_ms = 1'000'000, .speed = 60};
  EXPECT_EQ(setting.At(1'000'000), kMarch2nd0100Z);              // at the epoch: the start
  EXPECT_EQ(setting.At(1'001'000), kMarch2nd0100Z + 60'000);     // a real second: a simulated minute
  EXPECT_EQ(setting.At(1'060'000), kMarch2nd0100Z + 3'600'000);  // a real minute: an hour
  EXPECT_EQ(setting.At(999'000), kMarch2nd0100Z - 60'000);       // before the epoch: before the start
  setting.speed = 0.5;
  EXPECT_EQ(setting.At(1'010'000), kMarch2nd0100Z + 5'000);  // slower than real time
  setting.epoch_ms.reset();
  EXPECT_EQ(setting.At(5'000'000), kMarch2nd0100Z);  // no epoch: fixed
}

TEST(ClockTest, ParsesTheClockSetting) {
  EXPECT_FALSE(ParseClockSetting(std::nullopt, std::nullopt, std::nullopt));
  EXPECT_FALSE(ParseClockSetting("", "", ""));
  auto fixed = ParseClockSetting("2026-03-02T09:00:00+08:00", std::nullopt, std::nullopt);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->start_ms, kMarch2nd0100Z);
  EXPECT_FALSE(fixed->epoch_ms);
  auto running = ParseClockSetting("2026-03-02T09:00:00+08:00", "1767225600000", "180");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->epoch_ms, 1767225600000);
  EXPECT_EQ(running->speed, 180);
  auto real_speed = ParseClockSetting("2026-03-02T09:00:00+08:00", "1767225600000", std::nullopt);
  ASSERT_TRUE(real_speed);
  EXPECT_EQ(real_speed->speed, 1);
}

TEST(ClockTest, RefusesABadClockSettingNamingTheVariable) {
  const std::optional<std::string_view> none;
  struct Case {
    std::optional<std::string_view> now, epoch, speed;
    const char* named;
  };
  for (const Case& c : {Case{"2026-03-02T09:00:00+08:00", "soon", none, "BANGBAN_CLOCK_EPOCH"},
                        Case{"2026-03-02T09:00:00+08:00", "-5", none, "BANGBAN_CLOCK_EPOCH"},
                        Case{"2026-03-02T09:00:00+08:00", "12x", none, "BANGBAN_CLOCK_EPOCH"},
                        Case{"2026-03-02T09:00:00+08:00", "1000", "0", "BANGBAN_CLOCK_SPEED"},
                        Case{"2026-03-02T09:00:00+08:00", "1000", "-2", "BANGBAN_CLOCK_SPEED"},
                        Case{"2026-03-02T09:00:00+08:00", "1000", "fast", "BANGBAN_CLOCK_SPEED"},
                        Case{"2026-03-02T09:00:00+08:00", "1000", "100000", "BANGBAN_CLOCK_SPEED"},
                        Case{"2026-03-02T09:00:00+08:00", "1000", "nan", "BANGBAN_CLOCK_SPEED"},
                        Case{"2026-03-02T09:00:00+08:00", none, "60", "BANGBAN_CLOCK_SPEED"},
                        Case{none, "1000", none, "BANGBAN_CLOCK_EPOCH"}, Case{none, none, "60", "BANGBAN_CLOCK_SPEED"},
                        Case{"monday", "1000", "60", "BANGBAN_NOW"}}) {
    try {
      ParseClockSetting(c.now, c.epoch, c.speed);
      ADD_FAILURE() << "accepted " << c.named;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bad_now");
      EXPECT_NE(std::string(e.what()).find(c.named), std::string::npos) << e.what();
    }
  }
}

TEST(ClockTest, NowRunsWithTheEnvironmentsEpochAndSpeed) {
  ScopedNow now("2026-03-02T09:00:00+08:00");
  // The epoch is a real instant one real minute ago: at speed 60 the clock is an hour on.
  using namespace std::chrono;
  const int64_t system_now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::string epoch = std::to_string(system_now - 60'000);
  ScopedVariable e("BANGBAN_CLOCK_EPOCH", epoch.c_str());
  ScopedVariable s("BANGBAN_CLOCK_SPEED", "60");
  EXPECT_TRUE(ClockIsFixed());
  const int64_t first = NowMs();
  EXPECT_GE(first, kMarch2nd0100Z + 3'600'000);
  EXPECT_LT(first, kMarch2nd0100Z + 3'600'000 + 60'000);  // within a real second of it
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_GE(NowMs() - first, 50 * 60);  // it runs, 60 times as fast
  {
    bangban::ScopedNow scope(ClockSetting{.start_ms = 0, .epoch_ms = system_now, .speed = 2});
    EXPECT_TRUE(ClockIsFixed());
    EXPECT_LT(NowMs(), 600'000);  // the scope's clock, not the environment's
  }
  ScopedVariable bad("BANGBAN_CLOCK_SPEED", "0");
  EXPECT_THROW(NowMs(), Error);
}

TEST(ClockTest, WithoutOverrideUsesTheSystemClock) {
  ScopedNow now(nullptr);
  // Any real clock reading is after this program was written.
  EXPECT_GT(NowMs(), *ParseRfc3339("2024-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace bangban
