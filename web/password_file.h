// The web operators' password hashes: DIR/web_passwords in the hub's data dir, mode 0600, one
// line "NAME HASH" each (Argon2id, crypto/password.h). Kept out of LMDB and out of every record:
// a hash is a secret of this hub, never replicated. `bangban-hub user passwd` writes it (beside a
// running daemon too: the file is replaced whole by a rename under a lock, and the server reads
// it afresh at each sign-in).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "crypto/password.h"

namespace bangban {

inline constexpr size_t kMaxOperatorNameLength = 64;
inline constexpr size_t kMaxPasswordFileBytes = 1 << 20;

// Error(ErrorCode::kUsage) unless `name` is 1..64 bytes of letters, digits, '.', '_' or '-'
// (an operator id such as r01).
void CheckOperatorName(const std::string& name);

class PasswordFile {
 public:
  explicit PasswordFile(std::filesystem::path data_dir);

  // Sets (or replaces) NAME's password: checked (CheckNewPassword), hashed, written. Error
  // kUsage for a bad name, kInput for a bad password, kDataDir if the file cannot be written.
  void Set(const std::string& name, const Password& password) const;
  // The stored hash of `name`, if any. Error(ErrorCode::kUnsafePermissions) if the file is
  // readable by others, kDataDir if it is larger than kMaxPasswordFileBytes or malformed.
  std::optional<std::string> HashOf(const std::string& name) const;
  // Whether `password` is NAME's; spends the same work when NAME has no password.
  bool Check(const std::string& name, const Password& password) const;

  const std::filesystem::path& path() const { return file_; }

 private:
  std::map<std::string, std::string> Load() const;

  std::filesystem::path file_;
  std::filesystem::path lock_file_;
};

}  // namespace bangban
