#include "web/sessions.h"

#include <algorithm>

#include "crypto/password.h"

namespace bangban {

Session Sessions::Open(const std::string& name, const std::string& role, int64_t now_ms) {
  Session session{RandomToken(), RandomToken(), name, role, now_ms, now_ms};
  std::lock_guard lock(mutex_);
  while (by_token_.size() >= limits_.max_sessions) {
    auto oldest = std::min_element(by_token_.begin(), by_token_.end(), [](const auto& a, const auto& b) {
      return a.second.last_seen_ms < b.second.last_seen_ms;
    });
    by_token_.erase(oldest);
  }
  by_token_[session.token] = session;
  return session;
}

std::optional<Session> Sessions::Find(const std::string& token, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = by_token_.find(token);
  if (it == by_token_.end()) return std::nullopt;
  Session& s = it->second;
  if (now_ms - s.last_seen_ms > limits_.idle_ms || now_ms - s.created_ms > limits_.lifetime_ms) {
    by_token_.erase(it);
    return std::nullopt;
  }
  s.last_seen_ms = now_ms;
  return s;
}

void Sessions::Close(const std::string& token) {
  std::lock_guard lock(mutex_);
  by_token_.erase(token);
}

size_t Sessions::size() const {
  std::lock_guard lock(mutex_);
  return by_token_.size();
}

int64_t LoginThrottle::WaitMs(const std::string& name, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return 0;
  return std::max<int64_t>(0, it->second.blocked_until_ms - now_ms);
}

void LoginThrottle::Failed(const std::string& name, int64_t now_ms) {
  constexpr int64_t kForgetMs = 3600 * 1000;
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& e) { return now_ms - e.second.last_failure_ms > kForgetMs; });
  if (!entries_.count(name) && entries_.size() >= kMaxNames) {
    entries_.erase(std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_failure_ms < b.second.last_failure_ms;
    }));
  }
  Entry& e = entries_[name];
  ++e.failures;
  e.last_failure_ms = now_ms;
  if (e.failures >= kFreeFailures) {
    const int doublings = std::min(e.failures - kFreeFailures, 20);
    e.blocked_until_ms = now_ms + std::min<int64_t>(kMaxWaitMs, int64_t{1000} << doublings);
  }
}

void LoginThrottle::Succeeded(const std::string& name) {
  std::lock_guard lock(mutex_);
  entries_.erase(name);
}

}  // namespace bangban
