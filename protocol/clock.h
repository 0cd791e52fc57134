// The one clock. Every part of bangban reads the time through NowMs(), so that setting
// BANGBAN_NOW (RFC 3339, e.g. 2026-03-02T09:00:00+08:00) fixes it for tests and simulations.
// With BANGBAN_CLOCK_EPOCH (Unix milliseconds, real time) and optionally BANGBAN_CLOCK_SPEED
// (a positive number, default 1) as well, the clock runs: simulated time = NOW + (real time -
// EPOCH) x SPEED, so every process given the same three values agrees, and a restarted one goes
// on forward. Timeouts and intervals of the network never read NowMs(): they stay on real time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bangban {

// A clock that is not the system clock: fixed at `start_ms`, or, with `epoch_ms`, running from
// `start_ms` at the real instant `epoch_ms`, `speed` times as fast as real time.
struct ClockSetting {
  int64_t start_ms = 0;
  std::optional<int64_t> epoch_ms;  // nullopt: a fixed clock
  double speed = 1;

  // The simulated time at the real instant `system_ms`.
  int64_t At(int64_t system_ms) const;
};

// The largest BANGBAN_CLOCK_SPEED: beyond it a millisecond of real time skips whole seconds.
inline constexpr double kMaxClockSpeed = 10000;

// The setting of the three variables (above): nullopt when `now` is absent or empty.
// Error(ErrorCode::kBadNow) naming the variable if NOW is not RFC 3339, EPOCH not a whole number
// of milliseconds, SPEED not a number in (0, kMaxClockSpeed], or EPOCH or SPEED given without
// NOW, or SPEED without EPOCH.
std::optional<ClockSetting> ParseClockSetting(std::optional<std::string_view> now,
                                              std::optional<std::string_view> epoch,
                                              std::optional<std::string_view> speed);
// The process environment's setting (BANGBAN_NOW, BANGBAN_CLOCK_EPOCH, BANGBAN_CLOCK_SPEED).
std::optional<ClockSetting> ClockSettingFromEnvironment();

// Milliseconds since the Unix epoch: the calling thread's ScopedNow if one is in force, else
// the environment's clock setting (above) if BANGBAN_NOW is set, else the system clock. Throws
// Error(ErrorCode::kBadNow) if the setting is malformed.
int64_t NowMs();

// True when NowMs() on the calling thread is not the system clock: a ScopedNow with a fixed
// or running clock is in force, or (with no scope) BANGBAN_NOW is set. A hub or node refuses to run on a
// fixed clock unless its configuration says it is a simulation party (docs/operations.md).
bool ClockIsFixed();

// Parses a BANGBAN_NOW value as NowMs does; Error(ErrorCode::kBadNow) (the message NowMs gives) if it is
// not RFC 3339.
int64_t ParseNowSetting(std::string_view text);

// Fixes what NowMs() returns on the calling thread, and only there, until destroyed:
// `fixed_ms`, or with nullopt the system clock even if BANGBAN_NOW is set. The process
// environment is not touched, so other threads keep their clock, and so do threads started
// while the scope lives. A daemon runs each command handed to it over its control socket under
// one, so the command sees the clock of the process that sent it (daemon/control_socket.h).
// Scopes nest (the inner one wins until it ends); keep them on the stack.
class ScopedNow {
 public:
  explicit ScopedNow(std::optional<int64_t> fixed_ms);
  // The clock `setting` (fixed or running) on the calling thread.
  explicit ScopedNow(const ClockSetting& setting);
  ~ScopedNow();
  ScopedNow(const ScopedNow&) = delete;
  ScopedNow& operator=(const ScopedNow&) = delete;

 private:
  bool previous_active_;  // the scope this one hides, restored on destruction
  std::optional<ClockSetting> previous_setting_;
};

// RFC 3339 date-time with an explicit offset (Z or +hh:mm); fractional seconds allowed.
std::optional<int64_t> ParseRfc3339(std::string_view text);
// Formats in China Standard Time (protocol/civil_time.h), e.g. 2026-03-02T09:00:00.000+08:00.
std::string FormatRfc3339(int64_t epoch_ms);

}  // namespace bangban
