// Signed-in operators of the web pages, and the back-off after failed sign-ins. Both live in
// memory only (a restart signs everyone out) and are bounded, so no client can grow them
// without limit. Times are the caller's monotonic milliseconds (steady clock): session expiry
// and back-off measure real elapsed time, which a simulation party's fixed record clock
// (protocol/clock) must not stop.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace bangban {

struct Session {
  std::string token;  // the cookie's value: 32 random bytes in hex
  std::string csrf;   // sent back in X-CSRF-Token with every POST
  std::string name;   // the operator
  std::string role;   // reviewer | county_admin | city_auditor
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
};

class Sessions {
 public:
  struct Limits {
    size_t max_sessions = 1000;              // the oldest is closed to make room
    int64_t idle_ms = 2 * 3600 * 1000;       // closed after this long unused
    int64_t lifetime_ms = 12 * 3600 * 1000;  // a working day, then sign in again
  };
  Sessions() : Sessions(Limits{}) {}
  explicit Sessions(Limits limits) : limits_(limits) {}

  Session Open(const std::string& name, const std::string& role, int64_t now_ms);
  // The live session of `token`, marked as used now; nullopt for an unknown or expired one.
  std::optional<Session> Find(const std::string& token, int64_t now_ms);
  void Close(const std::string& token);
  size_t size() const;

 private:
  Limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> by_token_;
};

// After kFreeFailures failed sign-ins for a name, each further try must wait: 1 s, doubling
// with every failure up to kMaxWaitMs. A success clears the name. Names seen are bounded
// (kMaxNames; the stalest entry goes first) and forgotten an hour after their last failure.
class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr int64_t kMaxWaitMs = 15 * 60 * 1000;
  static constexpr size_t kMaxNames = 10000;

  // How long `name` must still wait before a sign-in is tried; 0 when it may try now.
  int64_t WaitMs(const std::string& name, int64_t now_ms);
  void Failed(const std::string& name, int64_t now_ms);
  void Succeeded(const std::string& name);

 private:
  struct Entry {
    int failures = 0;
    int64_t last_failure_ms = 0;
    int64_t blocked_until_ms = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace bangban
