// The one clock. Every part of bangban reads the time through NowMs(), so that setting
// BANGBAN_NOW (RFC 3339, e.g. 2026-03-02T09:00:00+08:00) fixes it for tests and simulations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bangban {

// Milliseconds since the Unix epoch: the calling thread's ScopedNow if one is in force, else
// BANGBAN_NOW if set, else the system clock. Throws Error(ErrorCode::kBadNow) if BANGBAN_NOW is set but
// is not RFC 3339.
int64_t NowMs();

// True when NowMs() on the calling thread is not the system clock: a ScopedNow with a fixed
// time is in force, or (with no scope) BANGBAN_NOW is set. A hub or node refuses to run on a
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
  ~ScopedNow();
  ScopedNow(const ScopedNow&) = delete;
  ScopedNow& operator=(const ScopedNow&) = delete;

 private:
  bool previous_active_;  // the scope this one hides, restored on destruction
  std::optional<int64_t> previous_fixed_ms_;
};

// RFC 3339 date-time with an explicit offset (Z or +hh:mm); fractional seconds allowed.
std::optional<int64_t> ParseRfc3339(std::string_view text);
// Formats in China Standard Time (protocol/civil_time.h), e.g. 2026-03-02T09:00:00.000+08:00.
std::string FormatRfc3339(int64_t epoch_ms);

}  // namespace bangban
