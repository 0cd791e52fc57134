// SLA clock of one application: a pure, deterministic function of the case's events, the
// county's settings and calendar, and "now". The hub's SLA projection calls it per case; the
// city recomputes it from the same records and must get the same figures.
//
// Every figure is defined in docs/sla.md "SLA clock"; in short:
//
// * A cycle starts when the county hub receives app.submit or app.resubmit (the hub's receipt
//   time, never the outlet's clock) and ends at review.correct (补正, a return to the
//   applicant), review.approve or review.reject (办结). Time between a correction request and
//   the resubmission belongs to no cycle and is never counted.
// * Deadline of a cycle: policy `session` (上午受理下午办结, 下午受理次日上午办结) — the end of
//   the first working session starting at or after the cycle start; policy `minutes` — the
//   instant `target_minutes` working minutes after the cycle start.
// * Allowed working time of a cycle = working time from its start to its deadline.
// * A case meets the SLA when its final cycle (the one ended by approve/reject) ends at or
//   before its deadline.
// * Colour of an open cycle at now: red once now > deadline; else yellow once the cycle's
//   elapsed working time >= warn_ratio x allowed; else green.
// * A late return is a correction request made when the cycle's elapsed working time was
//   >= late_return_ratio x allowed (the last quarter by default) — returning a case just
//   before its deadline restarts the clock, so such returns are counted separately.
// * Statutory limit: the case's counted working time (sum over its cycles, to the end or to
//   now; pauses excluded) exceeds statutory_working_days x working_day_minutes. It is a count
//   of working time, not of calendar days, so a short 补正 pause does not eat into it.
// * Transit delay: hub receipt minus the record's own ts, for the app.submit (negative when
//   the outlet's clock runs ahead).
//
// Only events received at or before now_ms are taken into account, so the result is the case
// as it stood at now_ms. Events must be in hub order; a receipt time earlier than the previous
// event's is treated as equal to it (time never runs backwards within a case).
//
// Events impossible in the workflow (approve on a completed case, resubmit while open, a
// second submit, anything before the submit, ...) are refused by the workflow layer before a
// record is accepted. If one reaches this function anyway it is skipped and counted in
// `ignored_events`, so a report never crashes on it and an audit can flag it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "review/calendar.h"

namespace bangban {

enum class SlaPolicy { kSession, kMinutes };

struct SlaSettings {
  SlaPolicy policy = SlaPolicy::kSession;
  int target_minutes = 240;         // `minutes` policy: working minutes per cycle
  double warn_ratio = 0.75;         // yellow from this share of the allowed working time
  double late_return_ratio = 0.75;  // a return from this share on is a late return
  int statutory_working_days = 3;   // statutory limit, in standard working days
  int working_day_minutes = 420;    // a standard working day (08:30-12:00 + 14:30-18:00)
};

// "" when the settings are usable, otherwise a sentence naming the bad one.
std::string CheckSlaSettings(const SlaSettings& settings);
std::optional<SlaPolicy> ParseSlaPolicy(std::string_view name);  // "session" | "minutes"
std::string_view ToString(SlaPolicy policy);

enum class SlaEventKind { kSubmit, kResubmit, kCorrect, kApprove, kReject };

struct SlaEvent {
  SlaEventKind kind;
  int64_t hub_receipt_ms;  // when the hub received the record (or made it, for review.*)
  int64_t record_ts_ms;    // the record's own ts (the outlet's or reviewer's clock)
};

enum class SlaCaseState { kNotSubmitted, kOpen, kCorrectionRequested, kApproved, kRejected };
// kNone: not submitted yet; kPaused: waiting for the applicant's resubmission; kDone: 办结.
enum class SlaColour { kNone, kGreen, kYellow, kRed, kPaused, kDone };

std::string_view ToString(SlaCaseState state);  // "not_submitted", "open", "correction_requested", ...
std::string_view ToString(SlaColour colour);    // "none", "green", "yellow", "red", "paused", "done"

struct SlaCycle {
  int64_t start_ms = 0;  // hub receipt of the submit/resubmit
  int64_t deadline_ms = 0;
  int64_t allowed_working_ms = 0;        // working time from start to deadline
  std::optional<int64_t> end_ms;         // nullopt while the cycle is open
  std::optional<SlaEventKind> ended_by;  // kCorrect, kApprove or kReject
  int64_t elapsed_working_ms = 0;        // working time from start to end (or to now if open)
  bool met = false;                      // end (or now, if open) <= deadline
  bool late_return = false;              // ended by kCorrect with elapsed >= late share
};

struct SlaResult {
  SlaCaseState state = SlaCaseState::kNotSubmitted;
  std::vector<SlaCycle> cycles;
  bool completed = false;  // approved or rejected (办结)
  bool met = false;        // completed and the final cycle met its deadline
  bool breached = false;   // completed late, or open and now is past the open cycle's deadline
  SlaColour colour = SlaColour::kNone;
  int64_t elapsed_working_ms = 0;  // sum of the cycles' elapsed working time
  bool first_pass = false;         // completed with no correction request
  int returns = 0;                 // correction requests (补正)
  int late_returns = 0;
  bool statutory_breach = false;
  std::optional<int64_t> transit_delay_ms;  // of the app.submit; nullopt before it
  bool provisional = false;                 // some instant used lies in a year the calendar does not cover
  int ignored_events = 0;                   // impossible events skipped (see above)

  int64_t ElapsedWorkingMinutes() const { return elapsed_working_ms / 60'000; }
};

SlaResult ComputeSla(const SlaSettings& settings, const WorkCalendar& calendar, std::span<const SlaEvent> events,
                     int64_t now_ms);

}  // namespace bangban
