// SLA clock: deadlines under both policies, pauses for correction, late returns, first pass,
// statutory limit, colours, and properties over random event sequences (fixed seeds).
#include "review/sla_clock.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/local_time.h"

namespace bangban {
namespace {

constexpr int64_t kMin = 60'000;
using K = SlaEventKind;

using test_support::At;
using test_support::Show;

const WorkCalendar& Cn() {
  static const WorkCalendar cal = [] {
    const std::string dir = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/";
    WorkCalendar c = WorkCalendar::FromTomlFile(dir + "cn-2025.toml");
    c.Merge(WorkCalendar::FromTomlFile(dir + "cn-2026.toml"));
    return c;
  }();
  return cal;
}

SlaEvent Ev(K kind, std::string_view at) { return {kind, At(at), At(at)}; }

SlaSettings Session() { return {}; }
SlaSettings Minutes(int target = 240) {
  SlaSettings s;
  s.policy = SlaPolicy::kMinutes;
  s.target_minutes = target;
  return s;
}

SlaResult Sla(const SlaSettings& s, const std::vector<SlaEvent>& events, std::string_view now) {
  return ComputeSla(s, Cn(), events, At(now));
}

// ---- session policy ----

TEST(SlaSession, MorningSubmitIsDueAtTheEndOfTheAfternoon) {
  const std::vector<SlaEvent> events{Ev(K::kSubmit, "2026-03-02 09:00")};
  SlaResult r = Sla(Session(), events, "2026-03-02 10:00");
  EXPECT_EQ(r.state, SlaCaseState::kOpen);
  ASSERT_EQ(r.cycles.size(), 1u);
  EXPECT_EQ(Show(r.cycles[0].deadline_ms), Show(At("2026-03-02 18:00")));
  EXPECT_EQ(r.cycles[0].allowed_working_ms, (180 + 210) * kMin);
  EXPECT_EQ(r.elapsed_working_ms, 60 * kMin);
  EXPECT_EQ(r.ElapsedWorkingMinutes(), 60);
  EXPECT_EQ(r.colour, SlaColour::kGreen);
  EXPECT_FALSE(r.completed);
  EXPECT_FALSE(r.breached);
  EXPECT_FALSE(r.provisional);

  std::vector<SlaEvent> done = events;
  done.push_back(Ev(K::kApprove, "2026-03-02 17:00"));
  r = Sla(Session(), done, "2026-03-09 09:00");
  EXPECT_EQ(r.state, SlaCaseState::kApproved);
  EXPECT_TRUE(r.completed);
  EXPECT_TRUE(r.met);
  EXPECT_FALSE(r.breached);
  EXPECT_TRUE(r.first_pass);
  EXPECT_EQ(r.colour, SlaColour::kDone);
  EXPECT_EQ(r.elapsed_working_ms, (180 + 150) * kMin);
  EXPECT_EQ(*r.cycles[0].end_ms, At("2026-03-02 17:00"));
  EXPECT_EQ(*r.cycles[0].ended_by, K::kApprove);
}

struct DeadlineCase {
  const char* submit;
  const char* deadline;
};

TEST(SlaSession, DeadlineTable) {
  const DeadlineCase table[] = {
      {"2026-03-02 07:45", "2026-03-02 12:00"},  // before opening: the morning session
      {"2026-03-02 08:30", "2026-03-02 12:00"},  // at opening
      {"2026-03-02 11:00", "2026-03-02 18:00"},  // morning -> afternoon
      {"2026-03-02 12:30", "2026-03-02 18:00"},  // lunch -> afternoon
      {"2026-03-02 15:00", "2026-03-03 12:00"},  // afternoon -> next working morning
      {"2026-03-02 19:00", "2026-03-03 12:00"},  // evening -> next working morning
      {"2026-03-06 15:00", "2026-03-09 12:00"},  // Friday afternoon -> Monday noon
      {"2026-02-17 10:00", "2026-02-24 12:00"},  // on a holiday -> first session after
      {"2026-02-13 16:00", "2026-02-14 12:00"},  // Friday -> make-up Saturday
      {"2025-12-31 15:00", "2026-01-04 12:00"},  // New Year -> working Sunday
  };
  for (const auto& c : table) {
    const SlaResult r = Sla(Session(), {Ev(K::kSubmit, c.submit)}, c.submit);
    ASSERT_EQ(r.cycles.size(), 1u);
    EXPECT_EQ(Show(r.cycles[0].deadline_ms), Show(At(c.deadline))) << c.submit;
  }
}

TEST(SlaSession, HolidaySubmitCountsNothingUntilTheFirstSession) {
  const std::vector<SlaEvent> events{Ev(K::kSubmit, "2026-02-17 10:00")};
  SlaResult r = Sla(Session(), events, "2026-02-23 17:00");
  EXPECT_EQ(r.elapsed_working_ms, 0);
  EXPECT_EQ(r.colour, SlaColour::kGreen);
  EXPECT_EQ(r.cycles[0].allowed_working_ms, 210 * kMin);
  r = Sla(Session(), events, "2026-02-24 10:00");
  EXPECT_EQ(r.elapsed_working_ms, 90 * kMin);
}

TEST(SlaSession, ApprovedAfterTheDeadlineIsBreached) {
  const std::vector<SlaEvent> events{Ev(K::kSubmit, "2026-03-02 15:00"), Ev(K::kApprove, "2026-03-03 12:00:01")};
  const SlaResult r = Sla(Session(), events, "2026-03-04 09:00");
  EXPECT_TRUE(r.completed);
  EXPECT_FALSE(r.met);
  EXPECT_TRUE(r.breached);
  EXPECT_EQ(r.colour, SlaColour::kDone);
  EXPECT_TRUE(r.first_pass);  // first pass is about returns, not about time
}

// ---- minutes policy ----

TEST(SlaMinutes, DeadlineIsTargetWorkingMinutesAfterReceipt) {
  const DeadlineCase table[] = {
      {"2026-03-02 09:00", "2026-03-02 15:30"},  // 180 + 60
      {"2026-03-02 07:00", "2026-03-02 15:00"},  // 210 + 30
      {"2026-03-02 13:00", "2026-03-03 09:00"},  // 210 + 30
      {"2026-03-06 17:00", "2026-03-09 11:30"},  // Friday -> Monday: 60 + 180
      {"2026-02-14 16:00", "2026-02-24 10:30"},  // make-up Saturday -> after the festival
  };
  for (const auto& c : table) {
    const SlaResult r = Sla(Minutes(), {Ev(K::kSubmit, c.submit)}, c.submit);
    EXPECT_EQ(Show(r.cycles[0].deadline_ms), Show(At(c.deadline))) << c.submit;
    EXPECT_EQ(r.cycles[0].allowed_working_ms, 240 * kMin) << c.submit;
  }
  const SlaResult r = Sla(Minutes(60), {Ev(K::kSubmit, "2026-03-02 11:30")}, "2026-03-02 11:30");
  EXPECT_EQ(Show(r.cycles[0].deadline_ms), Show(At("2026-03-02 15:00")));
}

TEST(SlaMinutes, CompletingExactlyAtTheDeadlineMeetsIt) {
  SlaResult r =
      Sla(Minutes(), {Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kReject, "2026-03-02 15:30")}, "2026-03-03 09:00");
  EXPECT_EQ(r.state, SlaCaseState::kRejected);
  EXPECT_TRUE(r.met);
  EXPECT_FALSE(r.breached);
  EXPECT_TRUE(r.first_pass);  // a rejection also completes the case (办结)
  r = Sla(Minutes(), {Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kApprove, "2026-03-02 15:30:00.001")},
          "2026-03-03 09:00");
  EXPECT_FALSE(r.met);
  EXPECT_TRUE(r.breached);
}

// ---- correction (补正) ----

TEST(SlaCorrection, PauseBetweenCorrectionAndResubmissionIsNotCounted) {
  const std::vector<SlaEvent> events{
      Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kCorrect, "2026-03-02 10:00"),  // 60
      Ev(K::kResubmit, "2026-03-04 09:00"),                                     // 2 working days later
      Ev(K::kApprove, "2026-03-04 10:30"),                                      // 90
  };
  SlaResult r = Sla(Session(), events, "2026-03-03 11:00");  // during the pause
  EXPECT_EQ(r.state, SlaCaseState::kCorrectionRequested);
  EXPECT_EQ(r.colour, SlaColour::kPaused);
  EXPECT_EQ(r.elapsed_working_ms, 60 * kMin);
  EXPECT_FALSE(r.breached);

  r = Sla(Session(), events, "2026-03-05 09:00");
  EXPECT_EQ(r.state, SlaCaseState::kApproved);
  EXPECT_EQ(r.elapsed_working_ms, 150 * kMin);
  ASSERT_EQ(r.cycles.size(), 2u);
  EXPECT_EQ(*r.cycles[0].ended_by, K::kCorrect);
  EXPECT_EQ(Show(r.cycles[1].start_ms), Show(At("2026-03-04 09:00")));
  EXPECT_EQ(Show(r.cycles[1].deadline_ms), Show(At("2026-03-04 18:00")));
  EXPECT_EQ(r.returns, 1);
  EXPECT_EQ(r.late_returns, 0);
  EXPECT_FALSE(r.first_pass);
  EXPECT_TRUE(r.met);
}

TEST(SlaCorrection, OnlyTheFinalCycleDecidesTheCase) {
  // The first cycle is returned after its deadline (a late return); the resubmission is then
  // completed in time, so the case meets the SLA but the dodge is visible.
  const std::vector<SlaEvent> events{
      Ev(K::kSubmit, "2026-03-02 09:00"),
      Ev(K::kCorrect, "2026-03-03 09:00"),
      Ev(K::kResubmit, "2026-03-03 15:00"),
      Ev(K::kApprove, "2026-03-04 11:00"),
  };
  const SlaResult r = Sla(Session(), events, "2026-03-05 09:00");
  ASSERT_EQ(r.cycles.size(), 2u);
  EXPECT_FALSE(r.cycles[0].met);
  EXPECT_TRUE(r.cycles[0].late_return);
  EXPECT_TRUE(r.cycles[1].met);
  EXPECT_TRUE(r.met);
  EXPECT_FALSE(r.breached);
  EXPECT_EQ(r.late_returns, 1);
}

struct LateCase {
  const char* correct_at;
  bool late;
};

TEST(SlaLateReturn, CorrectionInTheLastQuarterIsLate) {
  // Submitted Monday 15:00 under `session`: due Tuesday 12:00, allowed 180 + 210 = 390 working
  // minutes; the last quarter starts at 292.5 minutes = Tuesday 10:22:30.
  const LateCase table[] = {
      {"2026-03-02 16:00", false},   {"2026-03-03 10:00", false}, {"2026-03-03 10:22:29.999", false},
      {"2026-03-03 10:22:30", true}, {"2026-03-03 11:59", true},  {"2026-03-03 15:00", true},  // after the deadline
  };
  for (const auto& c : table) {
    const SlaResult r =
        Sla(Session(), {Ev(K::kSubmit, "2026-03-02 15:00"), Ev(K::kCorrect, c.correct_at)}, "2026-03-10 09:00");
    ASSERT_EQ(r.returns, 1) << c.correct_at;
    EXPECT_EQ(r.late_returns, c.late ? 1 : 0) << c.correct_at;
    EXPECT_EQ(r.cycles[0].late_return, c.late) << c.correct_at;
  }
}

TEST(SlaFirstPass, OnlyCompletedCasesWithoutReturns) {
  EXPECT_TRUE(
      Sla(Session(), {Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kApprove, "2026-03-02 10:00")}, "2026-03-02 11:00")
          .first_pass);
  EXPECT_FALSE(Sla(Session(), {Ev(K::kSubmit, "2026-03-02 09:00")}, "2026-03-02 11:00").first_pass);
  EXPECT_FALSE(Sla(Session(),
                   {Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kCorrect, "2026-03-02 10:00"),
                    Ev(K::kResubmit, "2026-03-02 11:00"), Ev(K::kApprove, "2026-03-02 11:30")},
                   "2026-03-02 12:00")
                   .first_pass);
}

// ---- statutory limit ----

TEST(SlaStatutory, BreachedWhenCountedWorkingTimeExceedsThreeWorkingDays) {
  // Limit: 3 x 420 = 1260 working minutes. From Monday 09:00: Mon 390, Tue 420, Wed 420 = 1230
  // by Wednesday 18:00; 1260 at Thursday 09:00.
  const std::vector<SlaEvent> open{Ev(K::kSubmit, "2026-03-02 09:00")};
  EXPECT_FALSE(Sla(Minutes(), open, "2026-03-04 18:00").statutory_breach);
  EXPECT_FALSE(Sla(Minutes(), open, "2026-03-05 09:00").statutory_breach);  // exactly the limit
  EXPECT_TRUE(Sla(Minutes(), open, "2026-03-05 09:00:00.001").statutory_breach);

  // Pauses do not count: 1230 minutes, a two-week pause, then 20 or 40 more minutes.
  std::vector<SlaEvent> paused{Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kCorrect, "2026-03-04 18:00"),
                               Ev(K::kResubmit, "2026-03-18 09:00")};
  paused.push_back(Ev(K::kApprove, "2026-03-18 09:20"));
  SlaResult r = Sla(Minutes(), paused, "2026-03-19 09:00");
  EXPECT_EQ(r.ElapsedWorkingMinutes(), 1250);
  EXPECT_FALSE(r.statutory_breach);
  paused.back() = Ev(K::kApprove, "2026-03-18 09:40");
  r = Sla(Minutes(), paused, "2026-03-19 09:00");
  EXPECT_EQ(r.ElapsedWorkingMinutes(), 1270);
  EXPECT_TRUE(r.statutory_breach);

  SlaSettings five = Minutes();
  five.statutory_working_days = 5;
  EXPECT_FALSE(ComputeSla(five, Cn(), paused, At("2026-03-19 09:00")).statutory_breach);
}

// ---- colours ----

struct ColourCase {
  const char* now;
  SlaColour colour;
};

TEST(SlaColours, SessionPolicyYellowAndRed) {
  // Monday 09:00, due 18:00, allowed 390 minutes; warn at 0.75 x 390 = 292.5 minutes =
  // 180 (morning) + 112.5 -> 16:22:30.
  const ColourCase table[] = {
      {"2026-03-02 09:00", SlaColour::kGreen},
      {"2026-03-02 16:22:29.999", SlaColour::kGreen},
      {"2026-03-02 16:22:30", SlaColour::kYellow},
      {"2026-03-02 18:00", SlaColour::kYellow},  // at the deadline: not yet past it
      {"2026-03-02 18:00:00.001", SlaColour::kRed},
      {"2026-03-03 09:00", SlaColour::kRed},
  };
  for (const auto& c : table) {
    const SlaResult r = Sla(Session(), {Ev(K::kSubmit, "2026-03-02 09:00")}, c.now);
    EXPECT_EQ(ToString(r.colour), ToString(c.colour)) << c.now;
    EXPECT_EQ(r.breached, c.colour == SlaColour::kRed) << c.now;
  }
}

TEST(SlaColours, MinutesPolicyYellowAndRed) {
  // Monday 09:00 + 240 -> 15:30; warn at 180 minutes -> 12:00, and it stays yellow over lunch.
  const ColourCase table[] = {
      {"2026-03-02 11:59:59.999", SlaColour::kGreen}, {"2026-03-02 12:00", SlaColour::kYellow},
      {"2026-03-02 13:00", SlaColour::kYellow},       {"2026-03-02 15:30", SlaColour::kYellow},
      {"2026-03-02 15:30:00.001", SlaColour::kRed},
  };
  for (const auto& c : table) {
    const SlaResult r = Sla(Minutes(), {Ev(K::kSubmit, "2026-03-02 09:00")}, c.now);
    EXPECT_EQ(ToString(r.colour), ToString(c.colour)) << c.now;
  }
  SlaSettings half = Minutes();
  half.warn_ratio = 0.5;  // 120 minutes -> 11:00
  EXPECT_EQ(ComputeSla(half, Cn(), std::vector{Ev(K::kSubmit, "2026-03-02 09:00")}, At("2026-03-02 11:00")).colour,
            SlaColour::kYellow);
}

TEST(SlaColours, NoneBeforeSubmitPausedDuringCorrectionDoneAfter) {
  EXPECT_EQ(Sla(Session(), {}, "2026-03-02 09:00").colour, SlaColour::kNone);
  EXPECT_EQ(Sla(Session(), {}, "2026-03-02 09:00").state, SlaCaseState::kNotSubmitted);
  const std::vector<SlaEvent> events{Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kCorrect, "2026-03-02 09:30"),
                                     Ev(K::kResubmit, "2026-03-05 09:00"), Ev(K::kApprove, "2026-03-05 10:00")};
  EXPECT_EQ(Sla(Session(), events, "2026-03-04 09:00").colour, SlaColour::kPaused);  // would be red if counted
  EXPECT_EQ(Sla(Session(), events, "2026-03-05 09:30").colour, SlaColour::kGreen);
  EXPECT_EQ(Sla(Session(), events, "2026-03-06 09:30").colour, SlaColour::kDone);
  EXPECT_EQ(ToString(SlaColour::kPaused), "paused");
  EXPECT_EQ(ToString(SlaCaseState::kCorrectionRequested), "correction_requested");
}

// ---- events ----

TEST(SlaEvents, ImpossibleEventsAreIgnoredAndCounted) {
  const std::vector<SlaEvent> clean{Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kCorrect, "2026-03-02 10:00"),
                                    Ev(K::kResubmit, "2026-03-03 09:00"), Ev(K::kApprove, "2026-03-03 10:00")};
  const std::vector<SlaEvent> noisy{
      Ev(K::kApprove, "2026-03-02 08:00"),   // before any submit
      Ev(K::kResubmit, "2026-03-02 08:10"),  // before any submit
      Ev(K::kSubmit, "2026-03-02 09:00"),
      Ev(K::kSubmit, "2026-03-02 09:10"),    // a second submit
      Ev(K::kResubmit, "2026-03-02 09:20"),  // resubmit while open
      Ev(K::kCorrect, "2026-03-02 10:00"),
      Ev(K::kApprove, "2026-03-02 11:00"),  // approve while waiting for the applicant
      Ev(K::kCorrect, "2026-03-02 11:10"),  // correct while waiting
      Ev(K::kResubmit, "2026-03-03 09:00"),
      Ev(K::kApprove, "2026-03-03 10:00"),
      Ev(K::kReject, "2026-03-03 10:10"),   // after completion
      Ev(K::kApprove, "2026-03-03 10:20"),  // after completion
  };
  const SlaResult a = Sla(Session(), clean, "2026-03-04 09:00");
  const SlaResult b = Sla(Session(), noisy, "2026-03-04 09:00");
  EXPECT_EQ(a.ignored_events, 0);
  EXPECT_EQ(b.ignored_events, 8);
  EXPECT_EQ(b.state, SlaCaseState::kApproved);
  EXPECT_EQ(b.elapsed_working_ms, a.elapsed_working_ms);
  EXPECT_EQ(b.elapsed_working_ms, 120 * kMin);
  EXPECT_EQ(b.returns, 1);
  EXPECT_EQ(b.cycles.size(), 2u);
  EXPECT_EQ(*b.transit_delay_ms, 0);
}

TEST(SlaEvents, EventsAfterNowAreNotYetKnown) {
  const std::vector<SlaEvent> events{Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kApprove, "2026-03-02 11:00")};
  SlaResult r = Sla(Session(), events, "2026-03-02 10:00");
  EXPECT_EQ(r.state, SlaCaseState::kOpen);
  EXPECT_EQ(r.elapsed_working_ms, 60 * kMin);
  r = Sla(Session(), events, "2026-03-02 08:00");
  EXPECT_EQ(r.state, SlaCaseState::kNotSubmitted);
  EXPECT_FALSE(r.transit_delay_ms.has_value());
  EXPECT_EQ(r.ignored_events, 0);
}

TEST(SlaEvents, ReceiptTimeRunningBackwardsIsHeldAtThePreviousEvent) {
  const std::vector<SlaEvent> events{Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kApprove, "2026-03-02 08:00")};
  const SlaResult r = Sla(Session(), events, "2026-03-02 10:00");
  EXPECT_EQ(r.state, SlaCaseState::kApproved);
  EXPECT_EQ(*r.cycles[0].end_ms, At("2026-03-02 09:00"));
  EXPECT_EQ(r.elapsed_working_ms, 0);
  EXPECT_TRUE(r.met);
}

TEST(SlaTransit, DelayIsHubReceiptMinusRecordTs) {
  SlaEvent submit = Ev(K::kSubmit, "2026-03-02 09:00");
  submit.record_ts_ms = At("2026-02-27 16:55");  // written offline on Friday, carried Monday
  SlaResult r = Sla(Session(), {submit}, "2026-03-02 09:30");
  EXPECT_EQ(*r.transit_delay_ms, At("2026-03-02 09:00") - At("2026-02-27 16:55"));
  // The SLA clock itself starts at the hub's receipt, not at the outlet's ts.
  EXPECT_EQ(r.cycles[0].start_ms, At("2026-03-02 09:00"));
  EXPECT_EQ(r.elapsed_working_ms, 30 * kMin);
  submit.record_ts_ms = At("2026-03-02 09:02");  // the outlet's clock runs ahead
  r = Sla(Session(), {submit}, "2026-03-02 09:30");
  EXPECT_EQ(*r.transit_delay_ms, -2 * kMin);
}

TEST(SlaProvisional, FlaggedWhenAFigureTouchesAnUncoveredYear) {
  SlaResult r = Sla(Session(), {Ev(K::kSubmit, "2026-12-31 15:00")}, "2026-12-31 16:00");
  EXPECT_EQ(Show(r.cycles[0].deadline_ms), Show(At("2027-01-01 12:00")));
  EXPECT_TRUE(r.provisional);
  r = Sla(Session(), {Ev(K::kSubmit, "2026-03-02 09:00")}, "2026-03-02 10:00");
  EXPECT_FALSE(r.provisional);
  // A 2026 case completed in 2026 and reported in 2027 is final.
  r = Sla(Session(), {Ev(K::kSubmit, "2026-03-02 09:00"), Ev(K::kApprove, "2026-03-02 10:00")}, "2027-03-01 09:00");
  EXPECT_FALSE(r.provisional);
  // A case still open in 2027 is not.
  r = Sla(Session(), {Ev(K::kSubmit, "2026-03-02 09:00")}, "2027-03-01 09:00");
  EXPECT_TRUE(r.provisional);
}

TEST(SlaSettingsTest, CheckAndParse) {
  EXPECT_EQ(CheckSlaSettings({}), "");
  EXPECT_EQ(CheckSlaSettings(Minutes(1)), "");
  SlaSettings bad;
  bad.target_minutes = 0;
  EXPECT_NE(CheckSlaSettings(bad).find("target_minutes"), std::string::npos);
  bad = {};
  bad.warn_ratio = 1.5;
  EXPECT_NE(CheckSlaSettings(bad).find("warn_ratio"), std::string::npos);
  bad = {};
  bad.statutory_working_days = 0;
  EXPECT_NE(CheckSlaSettings(bad).find("statutory_working_days"), std::string::npos);
  EXPECT_EQ(ParseSlaPolicy("session"), SlaPolicy::kSession);
  EXPECT_EQ(ParseSlaPolicy("minutes"), SlaPolicy::kMinutes);
  EXPECT_FALSE(ParseSlaPolicy("hours").has_value());
  EXPECT_EQ(ToString(SlaPolicy::kMinutes), "minutes");
}

// ---- properties over random cases ----

// A random, workflow-valid case: submit, then cycles ended by correct (returned) or by
// approve/reject, with gaps from seconds to ten days (nights, weekends, the Spring Festival).
std::vector<SlaEvent> RandomCase(std::mt19937_64& rng) {
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto gap = [&] { return uniform(0, 3) == 0 ? uniform(0, 10 * 1440 * kMin) : uniform(0, 600 * kMin); };
  int64_t t = uniform(At("2025-12-15 00:00"), At("2026-11-30 00:00"));
  std::vector<SlaEvent> events{{K::kSubmit, t, t - uniform(0, 3 * 1440 * kMin)}};
  const int cycles = static_cast<int>(uniform(1, 5));
  for (int i = 0; i < cycles; ++i) {
    t += gap();
    const bool last = i + 1 == cycles;
    if (last && uniform(0, 3) == 0) break;  // leave the last cycle open
    const K end = !last ? K::kCorrect : (uniform(0, 1) == 0 ? K::kApprove : K::kReject);
    events.push_back({end, t, t});
    if (last) break;
    t += gap();
    if (uniform(0, 5) == 0) break;  // the applicant never comes back
    events.push_back({K::kResubmit, t, t});
  }
  return events;
}

TEST(SlaProperty, ElapsedNeverDecreasesAsNowAdvances) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    const SlaSettings settings = i % 2 == 0 ? Session() : Minutes();
    const std::vector<SlaEvent> events = RandomCase(rng);
    const int64_t from = events.front().hub_receipt_ms - 1440 * kMin;
    const int64_t to = events.back().hub_receipt_ms + 5 * 1440 * kMin;
    std::vector<int64_t> nows;
    for (const SlaEvent& e : events) nows.insert(nows.end(), {e.hub_receipt_ms - 1, e.hub_receipt_ms});
    for (int j = 0; j < 40; ++j) nows.push_back(std::uniform_int_distribution<int64_t>(from, to)(rng));
    std::sort(nows.begin(), nows.end());
    int64_t previous = 0;
    int previous_returns = 0;
    for (int64_t now : nows) {
      const SlaResult r = ComputeSla(settings, Cn(), events, now);
      ASSERT_GE(r.elapsed_working_ms, previous) << "case " << i << " at " << Show(now);
      ASSERT_GE(r.returns, previous_returns);
      ASSERT_EQ(r.ignored_events, 0);
      previous = r.elapsed_working_ms;
      previous_returns = r.returns;
    }
  }
}

// The counted time is exactly the working time from the first receipt to the end (or now),
// minus the working time inside every correct -> resubmit pause.
TEST(SlaProperty, ElapsedIsWorkingTimeMinusPauses) {
  std::mt19937_64 rng(43);
  for (int i = 0; i < 500; ++i) {
    const std::vector<SlaEvent> events = RandomCase(rng);
    const int64_t now = events.back().hub_receipt_ms + std::uniform_int_distribution<int64_t>(0, 3 * 1440 * kMin)(rng);
    const SlaResult r = ComputeSla(Session(), Cn(), events, now);
    const K last = events.back().kind;
    const int64_t end = (last == K::kSubmit || last == K::kResubmit) ? now : events.back().hub_receipt_ms;
    int64_t expected = Cn().WorkingMillisBetween(events.front().hub_receipt_ms, end);
    for (size_t j = 0; j + 1 < events.size(); ++j) {
      if (events[j].kind == K::kCorrect && events[j + 1].kind == K::kResubmit) {
        expected -= Cn().WorkingMillisBetween(events[j].hub_receipt_ms, events[j + 1].hub_receipt_ms);
      }
    }
    ASSERT_EQ(r.elapsed_working_ms, expected) << "case " << i;
  }
}

// Move each resubmission to a random later instant, keeping the working time of every cycle
// the same (its end is placed that much working time after its new start). A clock that
// counted any of the pause would change; the real one must not.
TEST(SlaProperty, LengthOfThePauseNeverCounts) {
  std::mt19937_64 rng(44);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int i = 0; i < 300; ++i) {
    const int cycles = static_cast<int>(uniform(2, 5));
    std::vector<int64_t> work;  // working time of each cycle
    for (int j = 0; j < cycles; ++j) work.push_back(uniform(0, 900 * kMin));
    const bool open = uniform(0, 2) == 0;
    const int64_t submit = uniform(At("2025-12-15 00:00"), At("2026-11-30 00:00"));
    auto build = [&](std::mt19937_64& pauses) {
      std::vector<SlaEvent> events;
      int64_t start = submit;
      int64_t now = 0;
      for (int j = 0; j < cycles; ++j) {
        events.push_back({j == 0 ? K::kSubmit : K::kResubmit, start, start});
        const int64_t end = Cn().AddWorkingMillis(start, work[j]);
        if (j + 1 < cycles) {
          events.push_back({K::kCorrect, end, end});
          // Anything from a minute to three weeks: nights, weekends, whole holidays.
          start = end + std::uniform_int_distribution<int64_t>(kMin, 21 * 1440 * kMin)(pauses);
        } else if (open) {
          now = end;
        } else {
          events.push_back({K::kApprove, end, end});
          now = end + 1440 * kMin;
        }
      }
      return std::make_pair(events, now);
    };
    std::mt19937_64 pauses_a(uniform(0, 1 << 30)), pauses_b(uniform(0, 1 << 30));
    const auto [events_a, now_a] = build(pauses_a);
    const auto [events_b, now_b] = build(pauses_b);
    int64_t total = 0;
    for (int64_t w : work) total += w;
    for (const SlaSettings& settings : {Session(), Minutes()}) {
      const SlaResult a = ComputeSla(settings, Cn(), events_a, now_a);
      const SlaResult b = ComputeSla(settings, Cn(), events_b, now_b);
      ASSERT_EQ(a.elapsed_working_ms, total) << "case " << i;
      ASSERT_EQ(b.elapsed_working_ms, total) << "case " << i;
      ASSERT_EQ(a.returns, cycles - 1);
      ASSERT_EQ(a.statutory_breach, b.statutory_breach);
      if (settings.policy == SlaPolicy::kMinutes) {
        // Allowed time is the target in every cycle, so lateness depends on working time only.
        ASSERT_EQ(a.late_returns, b.late_returns) << "case " << i;
        ASSERT_EQ(a.met, b.met) << "case " << i;
      }
    }
  }
}

// Inserting impossible events anywhere changes nothing but ignored_events.
TEST(SlaProperty, ImpossibleEventsChangeNothing) {
  std::mt19937_64 rng(45);
  for (int i = 0; i < 300; ++i) {
    const std::vector<SlaEvent> events = RandomCase(rng);
    const int64_t now = events.back().hub_receipt_ms + 1440 * kMin;
    // Replay the workflow state to know what is impossible at each point.
    std::vector<SlaEvent> noisy;
    int inserted = 0;
    SlaCaseState state = SlaCaseState::kNotSubmitted;
    auto insert_impossible = [&](int64_t at) {
      std::vector<K> impossible;
      if (state != SlaCaseState::kNotSubmitted) impossible.push_back(K::kSubmit);
      if (state != SlaCaseState::kCorrectionRequested) impossible.push_back(K::kResubmit);
      if (state != SlaCaseState::kOpen) {
        for (K k : {K::kCorrect, K::kApprove, K::kReject}) impossible.push_back(k);
      }
      const K kind = impossible[std::uniform_int_distribution<size_t>(0, impossible.size() - 1)(rng)];
      noisy.push_back({kind, at, at});
      ++inserted;
    };
    for (const SlaEvent& e : events) {
      if (rng() % 2 == 0) insert_impossible(e.hub_receipt_ms);
      noisy.push_back(e);
      switch (e.kind) {
        case K::kSubmit:
        case K::kResubmit:
          state = SlaCaseState::kOpen;
          break;
        case K::kCorrect:
          state = SlaCaseState::kCorrectionRequested;
          break;
        case K::kApprove:
          state = SlaCaseState::kApproved;
          break;
        case K::kReject:
          state = SlaCaseState::kRejected;
          break;
      }
    }
    insert_impossible(events.back().hub_receipt_ms);
    const SlaResult a = ComputeSla(Session(), Cn(), events, now);
    const SlaResult b = ComputeSla(Session(), Cn(), noisy, now);
    ASSERT_EQ(b.ignored_events, inserted);
    ASSERT_EQ(a.elapsed_working_ms, b.elapsed_working_ms);
    ASSERT_EQ(a.state, b.state);
    ASSERT_EQ(a.cycles.size(), b.cycles.size());
    ASSERT_EQ(a.colour, b.colour);
    ASSERT_EQ(a.met, b.met);
    ASSERT_EQ(a.returns, b.returns);
    ASSERT_EQ(a.late_returns, b.late_returns);
    ASSERT_EQ(a.transit_delay_ms, b.transit_delay_ms);
  }
}

}  // namespace
}  // namespace bangban
