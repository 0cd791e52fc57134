#include "review/sla_clock.h"

#include <algorithm>
#include <limits>

namespace bangban {
namespace {

constexpr int64_t kMinuteMs = 60'000;

// share x whole, compared in double: both are well below 2^53 ms.
bool AtLeastShare(int64_t part, double share, int64_t whole) {
  return static_cast<double>(part) >= share * static_cast<double>(whole);
}

SlaCycle StartCycle(const SlaSettings& settings, const WorkCalendar& calendar, int64_t at) {
  SlaCycle cycle;
  cycle.start_ms = at;
  cycle.deadline_ms = settings.policy == SlaPolicy::kSession
                          ? calendar.EndOfFirstSessionStartingAfter(at)
                          : calendar.AddWorkingMillis(at, int64_t{settings.target_minutes} * kMinuteMs);
  // Under `session` this depends on when the cycle starts (a submit at 07:00 gets the whole
  // morning, one at 11:00 the rest of it plus the afternoon); under `minutes` it is the target.
  cycle.allowed_working_ms = calendar.WorkingMillisBetween(cycle.start_ms, cycle.deadline_ms);
  return cycle;
}

void EndCycle(const SlaSettings& settings, const WorkCalendar& calendar, SlaCycle& cycle, int64_t at,
              SlaEventKind kind) {
  cycle.end_ms = at;
  cycle.ended_by = kind;
  cycle.elapsed_working_ms = calendar.WorkingMillisBetween(cycle.start_ms, at);
  cycle.met = at <= cycle.deadline_ms;
  cycle.late_return = kind == SlaEventKind::kCorrect &&
                      AtLeastShare(cycle.elapsed_working_ms, settings.late_return_ratio, cycle.allowed_working_ms);
}

}  // namespace

std::string CheckSlaSettings(const SlaSettings& s) {
  if (s.target_minutes < 1 || s.target_minutes > 525'600) {
    return "target_minutes must be between 1 and 525600, not " + std::to_string(s.target_minutes);
  }
  if (!(s.warn_ratio > 0 && s.warn_ratio <= 1))
    return "warn_ratio must be in (0, 1], not " + std::to_string(s.warn_ratio);
  if (!(s.late_return_ratio > 0 && s.late_return_ratio <= 1)) {
    return "late_return_ratio must be in (0, 1], not " + std::to_string(s.late_return_ratio);
  }
  if (s.statutory_working_days < 1 || s.statutory_working_days > 3660) {
    return "statutory_working_days must be between 1 and 3660, not " + std::to_string(s.statutory_working_days);
  }
  if (s.working_day_minutes < 1 || s.working_day_minutes > 1440) {
    return "working_day_minutes must be between 1 and 1440, not " + std::to_string(s.working_day_minutes);
  }
  return "";
}

std::optional<SlaPolicy> ParseSlaPolicy(std::string_view name) {
  if (name == "session") return SlaPolicy::kSession;
  if (name == "minutes") return SlaPolicy::kMinutes;
  return std::nullopt;
}

std::string_view ToString(SlaPolicy policy) { return policy == SlaPolicy::kSession ? "session" : "minutes"; }

std::string_view ToString(SlaCaseState state) {
  switch (state) {
    case SlaCaseState::kNotSubmitted:
      return "not_submitted";
    case SlaCaseState::kOpen:
      return "open";
    case SlaCaseState::kCorrectionRequested:
      return "correction_requested";
    case SlaCaseState::kApproved:
      return "approved";
    case SlaCaseState::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::string_view ToString(SlaColour colour) {
  switch (colour) {
    case SlaColour::kNone:
      return "none";
    case SlaColour::kGreen:
      return "green";
    case SlaColour::kYellow:
      return "yellow";
    case SlaColour::kRed:
      return "red";
    case SlaColour::kPaused:
      return "paused";
    case SlaColour::kDone:
      return "done";
  }
  return "unknown";
}

SlaResult ComputeSla(const SlaSettings& settings, const WorkCalendar& calendar, std::span<const SlaEvent> events,
                     int64_t now_ms) {
  SlaResult r;
  int64_t last_at = std::numeric_limits<int64_t>::min();  // time of the last applied event

  for (const SlaEvent& e : events) {
    // Hub order is the truth; a receipt time that runs backwards is held at the previous one,
    // so no cycle can end before it starts.
    const int64_t at = std::max(e.hub_receipt_ms, last_at);
    // Not yet received at now_ms: this event and every later one (in hub order) are unknown.
    if (at > now_ms) break;

    bool applied = false;
    switch (e.kind) {
      case SlaEventKind::kSubmit:
      case SlaEventKind::kResubmit: {
        const bool ok = e.kind == SlaEventKind::kSubmit ? r.state == SlaCaseState::kNotSubmitted
                                                        : r.state == SlaCaseState::kCorrectionRequested;
        if (!ok) break;
        if (e.kind == SlaEventKind::kSubmit) r.transit_delay_ms = e.hub_receipt_ms - e.record_ts_ms;
        r.cycles.push_back(StartCycle(settings, calendar, at));
        r.state = SlaCaseState::kOpen;
        applied = true;
        break;
      }
      case SlaEventKind::kCorrect:
      case SlaEventKind::kApprove:
      case SlaEventKind::kReject: {
        if (r.state != SlaCaseState::kOpen) break;
        SlaCycle& cycle = r.cycles.back();
        EndCycle(settings, calendar, cycle, at, e.kind);
        if (e.kind == SlaEventKind::kCorrect) {
          r.state = SlaCaseState::kCorrectionRequested;
          ++r.returns;
          if (cycle.late_return) ++r.late_returns;
        } else {
          r.state = e.kind == SlaEventKind::kApprove ? SlaCaseState::kApproved : SlaCaseState::kRejected;
        }
        applied = true;
        break;
      }
    }
    if (applied) {
      last_at = at;
    } else {
      ++r.ignored_events;  // impossible in the workflow; changes nothing else
    }
  }

  if (r.cycles.empty()) return r;  // not submitted (yet): no clock, colour none
  SlaCycle& current = r.cycles.back();
  r.completed = r.state == SlaCaseState::kApproved || r.state == SlaCaseState::kRejected;

  switch (r.state) {
    case SlaCaseState::kOpen:
      current.elapsed_working_ms = calendar.WorkingMillisBetween(current.start_ms, now_ms);
      current.met = now_ms <= current.deadline_ms;
      r.breached = !current.met;
      if (!current.met) {
        r.colour = SlaColour::kRed;
      } else if (AtLeastShare(current.elapsed_working_ms, settings.warn_ratio, current.allowed_working_ms)) {
        r.colour = SlaColour::kYellow;
      } else {
        r.colour = SlaColour::kGreen;
      }
      break;
    case SlaCaseState::kCorrectionRequested:
      r.colour = SlaColour::kPaused;  // the applicant holds the case; no clock runs
      break;
    default:  // approved or rejected
      r.colour = SlaColour::kDone;
      r.met = current.met;  // only the final cycle decides; earlier ones ended in a return
      r.breached = !current.met;
      break;
  }

  // The last instant any figure looked at: deadlines, ends, and now only while a cycle runs
  // (a 2026 case reported in 2027 is not provisional).
  int64_t latest = r.state == SlaCaseState::kOpen ? now_ms : current.end_ms.value_or(now_ms);
  for (const SlaCycle& cycle : r.cycles) {
    r.elapsed_working_ms += cycle.elapsed_working_ms;
    latest = std::max(latest, cycle.deadline_ms);
  }
  r.first_pass = r.completed && r.returns == 0;
  r.statutory_breach =
      r.elapsed_working_ms > int64_t{settings.statutory_working_days} * settings.working_day_minutes * kMinuteMs;
  r.provisional = calendar.IsProvisional(r.cycles.front().start_ms, latest);
  return r;
}

}  // namespace bangban
