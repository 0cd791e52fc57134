#include "crypto/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "crypto/error.h"
#include "crypto/file_descriptor.h"

namespace bangban {
namespace {

std::string SystemSays() { return std::strerror(errno); }

std::string Named(const std::filesystem::path& file, std::string_view what) {
  return std::string(what) + " " + file.string();
}

[[noreturn]] void FailWrite(const std::filesystem::path& file, std::string_view what, const std::string& doing) {
  throw Error(ErrorCode::kKeyFileWrite, "cannot " + doing + " " + Named(file, what) + ": " + SystemSays());
}

// Writes all of `data`, retrying after signals; false (errno set) on failure.
bool WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The folder's entries made durable: a new or removed name survives a power cut.
bool SyncFolderOf(const std::filesystem::path& file) {
  const std::filesystem::path folder = file.parent_path().empty() ? "." : file.parent_path();
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.valid() && ::fsync(fd.get()) == 0;
}

}  // namespace

size_t ReadKeyFile(const std::filesystem::path& file, std::string_view what, std::span<uint8_t> out) {
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) throw Error(ErrorCode::kKeyFileMissing, Named(file, what) + " does not exist");
    if (errno == ELOOP) throw Error(ErrorCode::kKeyFileFormat, Named(file, what) + " is a symbolic link");
    throw Error(ErrorCode::kKeyFileUnreadable, "cannot read " + Named(file, what) + ": " + SystemSays() +
                                                   " (run the command as the data dir's owner)");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kKeyFileFormat, Named(file, what) + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorCode::kKeyFileMode,
                Named(file, what) + " is readable by group or others; run: chmod 600 " + file.string());
  }
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(ErrorCode::kKeyFileUnreadable, "cannot read " + Named(file, what) + ": " + SystemSays());
    if (n == 0) return got;
    got += static_cast<size_t>(n);
  }
  // Full: one byte more tells a longer file without reading the rest of it.
  uint8_t more = 0;
  ssize_t n;
  do {
    n = ::read(fd.get(), &more, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 0) {
    sodium_memzero(out.data(), out.size());
    throw Error(ErrorCode::kKeyFileFormat,
                Named(file, what) + " is longer than a key file (" + std::to_string(out.size()) + " bytes at most)");
  }
  return got;
}

void CreateKeyFile(const std::filesystem::path& file, std::string_view what, ByteView contents) {
  const std::filesystem::path partial = file.string() + ".partial";
  ::unlink(partial.c_str());  // a crash's leftover: it never became the key
  {
    FileDescriptor fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) FailWrite(file, what, "create");
    if (!WriteAll(fd.get(), contents.data(), contents.size()) || ::fsync(fd.get()) != 0) {
      const int saved_errno = errno;
      ::unlink(partial.c_str());
      errno = saved_errno;
      FailWrite(file, what, "write");
    }
  }
  // link() fails if the name exists, where rename() would replace it.
  const int linked = ::link(partial.c_str(), file.c_str());
  const int saved_errno = errno;
  ::unlink(partial.c_str());
  if (linked != 0) {
    errno = saved_errno;
    throw Error(ErrorCode::kKeyFileWrite,
                "cannot create " + Named(file, what) + ": " + SystemSays() + " (an existing key is never overwritten)");
  }
  if (!SyncFolderOf(file)) FailWrite(file, what, "sync the folder of");
}

void ShredKeyFile(const std::filesystem::path& file, std::string_view what) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    FileDescriptor fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) FailWrite(file, what, "open to overwrite");
    // Key files are tiny; the bound only keeps a mistaken target from costing much.
    Bytes zeros(static_cast<size_t>(std::min<off_t>(st.st_size, 1 << 20)), 0);
    if (!WriteAll(fd.get(), zeros.data(), zeros.size()) || ::fsync(fd.get()) != 0) FailWrite(file, what, "overwrite");
  }
  if (::unlink(file.c_str()) != 0) FailWrite(file, what, "remove");
  if (!SyncFolderOf(file)) FailWrite(file, what, "sync the folder of");
}

}  // namespace bangban
