#include "web/password_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "crypto/error.h"
#include "crypto/file_descriptor.h"

namespace bangban {
namespace {

void WriteAll(int fd, const std::string& text, const std::filesystem::path& file) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) throw Error(ErrorCode::kDataDir, "cannot write " + file.string());
    done += static_cast<size_t>(n);
  }
}

}  // namespace

void CheckOperatorName(const std::string& name) {
  if (name.empty() || name.size() > kMaxOperatorNameLength) {
    throw Error(ErrorCode::kUsage, "--name must be 1 to 64 characters (an operator id such as r01)");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      throw Error(ErrorCode::kUsage, "--name may hold only letters, digits, '.', '_' and '-' (an operator id)");
    }
  }
}

PasswordFile::PasswordFile(std::filesystem::path data_dir)
    : file_(data_dir / "web_passwords"), lock_file_(data_dir / "web_passwords.lock") {}

std::map<std::string, std::string> PasswordFile::Load() const {
  std::map<std::string, std::string> hashes;
  FileDescriptor fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return hashes;
    throw Error(ErrorCode::kDataDir, "cannot read " + file_.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kDataDir, file_.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorCode::kUnsafePermissions, file_.string() + " is readable by others: chmod 600 it");
  }
  if (static_cast<size_t>(st.st_size) > kMaxPasswordFileBytes) {
    throw Error(ErrorCode::kDataDir, file_.string() + " is larger than 1 MiB");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  std::istringstream lines(text);
  std::string line;
  size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size()) {
      throw Error(ErrorCode::kDataDir, file_.string() + " line " + std::to_string(number) + ": expected NAME HASH");
    }
    hashes[line.substr(0, space)] = line.substr(space + 1);
  }
  return hashes;
}

void PasswordFile::Set(const std::string& name, const Password& password) const {
  CheckOperatorName(name);
  CheckNewPassword(password);
  const std::string hash = HashPassword(password);
  // One writer at a time: two `user passwd` at once must not lose either change.
  FileDescriptor lock(::open(lock_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.get() < 0 || ::flock(lock.get(), LOCK_EX) != 0) {
    throw Error(ErrorCode::kDataDir, "cannot lock " + lock_file_.string());
  }
  std::map<std::string, std::string> hashes = Load();
  hashes[name] = hash;
  std::string text;
  for (const auto& [n, h] : hashes) text += n + " " + h + "\n";
  const std::filesystem::path partial = file_.string() + ".partial";
  {
    FileDescriptor out(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (out.get() < 0) throw Error(ErrorCode::kDataDir, "cannot create " + partial.string());
    ::fchmod(out.get(), 0600);
    WriteAll(out.get(), text, partial);
    if (::fsync(out.get()) != 0) throw Error(ErrorCode::kDataDir, "cannot sync " + partial.string());
  }
  if (::rename(partial.c_str(), file_.c_str()) != 0)
    throw Error(ErrorCode::kDataDir, "cannot replace " + file_.string());
}

std::optional<std::string> PasswordFile::HashOf(const std::string& name) const {
  std::map<std::string, std::string> hashes = Load();
  auto it = hashes.find(name);
  if (it == hashes.end()) return std::nullopt;
  return it->second;
}

bool PasswordFile::Check(const std::string& name, const Password& password) const {
  std::optional<std::string> hash = HashOf(name);
  if (!hash) {
    SpendPasswordWork(password);
    return false;
  }
  return VerifyPassword(password, *hash);
}

}  // namespace bangban
