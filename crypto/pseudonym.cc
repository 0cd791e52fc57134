#include "crypto/pseudonym.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "crypto/error.h"
#include "crypto/identity.h"

namespace bangban {
namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string SystemSays() { return std::strerror(errno); }

}  // namespace

PseudonymKey PseudonymKey::Generate() {
  EnsureSodium();
  PseudonymKey key;
  randombytes_buf(key.key_.data(), key.key_.size());
  return key;
}

PseudonymKey PseudonymKey::FromBytes(ByteView bytes) {
  EnsureSodium();
  if (bytes.size() != 32) throw Error(ErrorCode::kBadKey, "a pseudonym key must be 32 bytes");
  PseudonymKey key;
  std::memcpy(key.key_.data(), bytes.data(), 32);
  return key;
}

PseudonymKey PseudonymKey::Load(const std::filesystem::path& path) {
  EnsureSodium();
  const std::string name = path.string();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) throw Error(ErrorCode::kKeyFileMissing, "pseudonym key file " + name + " does not exist");
    throw Error(ErrorCode::kKeyFileUnreadable, "cannot read pseudonym key file " + name + ": " + SystemSays() +
                                                   " (run the command as the data dir's owner)");
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kKeyFileFormat, "pseudonym key file " + name + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorCode::kKeyFileMode,
                "pseudonym key file " + name + " is readable by group or others; run: chmod 600 " + name);
  }
  // One byte more than a key, so that a longer file is seen as such without reading it all.
  PseudonymKey key;
  Secret<33> buffer;
  size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(ErrorCode::kKeyFileUnreadable, "cannot read pseudonym key file " + name + ": " + SystemSays());
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got != key.key_.size()) {
    throw Error(ErrorCode::kKeyFileFormat, "pseudonym key file " + name + " must hold exactly 32 bytes");
  }
  std::memcpy(key.key_.data(), buffer.data(), key.key_.size());
  return key;
}

void PseudonymKey::Save(const std::filesystem::path& path) const {
  const std::string name = path.string();
  const std::filesystem::path temporary = path.string() + ".tmp";
  ::unlink(temporary.c_str());  // a leftover of a crash while saving: it was never the key
  {
    Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) {
      throw Error(ErrorCode::kKeyFileWrite, "cannot create pseudonym key file " + name + ": " + SystemSays());
    }
    size_t put = 0;
    while (put < key_.size()) {
      const ssize_t n = ::write(fd.get(), key_.data() + put, key_.size() - put);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::unlink(temporary.c_str());
        throw Error(ErrorCode::kKeyFileWrite, "cannot write pseudonym key file " + name + ": " + SystemSays());
      }
      put += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      ::unlink(temporary.c_str());
      throw Error(ErrorCode::kKeyFileWrite, "cannot write pseudonym key file " + name + ": " + SystemSays());
    }
  }
  // link() fails if the name exists: an existing key is never replaced, since every pseudonym
  // made with it would stop matching.
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int saved_errno = errno;
  ::unlink(temporary.c_str());
  if (linked != 0) {
    errno = saved_errno;
    throw Error(ErrorCode::kKeyFileWrite, "cannot create pseudonym key file " + name + ": " + SystemSays() +
                                              " (an existing key is never overwritten)");
  }
  Fd dir(::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());  // the new name, durable
}

Hash32 PseudonymKey::Pseudonym(ByteView personal_data) const {
  Hash32 out;
  crypto_generichash(out.data(), out.size(), personal_data.data(), personal_data.size(), key_.data(), key_.size());
  return out;
}

Hash32 PseudonymKey::PseudonymOfIdNumber(std::string_view id_number) const {
  std::string normal(id_number);
  for (char& c : normal) {
    if (c == 'x') c = 'X';
  }
  Hash32 out = Pseudonym(AsBytes(normal));
  sodium_memzero(normal.data(), normal.size());
  return out;
}

}  // namespace bangban
