// Operator passwords for the web pages: Argon2id hashes (libsodium crypto_pwhash_str), so that a
// stolen password file costs an attacker real work per guess. The clear password lives only in
// a Password, which wipes its bytes (sodium_memzero) when it goes.
#pragma once

#include <string>
#include <string_view>

namespace bangban {

// A password typed by an operator; never copied, wiped when destroyed.
class Password {
 public:
  explicit Password(std::string text) : text_(std::move(text)) {}
  ~Password();
  Password(const Password&) = delete;
  Password& operator=(const Password&) = delete;

  std::string_view view() const { return text_; }

 private:
  std::string text_;
};

// The bounds a new password must keep: Error(ErrorCode::kInput) naming which one it breaks.
inline constexpr size_t kMinPasswordLength = 10;  // bytes
inline constexpr size_t kMaxPasswordLength = 1024;
void CheckNewPassword(const Password& password);

// "$argon2id$v=19$m=...,t=...,p=1$salt$hash" (libsodium's interactive limits: about 64 MiB and a
// fraction of a second per hash). Error(ErrorCode::kInternal) if memory cannot be had.
std::string HashPassword(const Password& password);

// Whether `password` matches `hash` (a string HashPassword made). False for a malformed hash.
bool VerifyPassword(const Password& password, const std::string& hash);

// The same work as one VerifyPassword, spent when there is no hash to check against (an unknown
// operator name), so that a wrong name and a wrong password take the same time.
void SpendPasswordWork(const Password& password);

// 32 random bytes in hex: a session or CSRF token nobody can guess.
std::string RandomToken();

}  // namespace bangban
