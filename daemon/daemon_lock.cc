#include "daemon/daemon_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "crypto/error.h"
#include "crypto/file_descriptor.h"

namespace bangban {

namespace {

std::filesystem::path LockFile(const std::filesystem::path& data_dir) { return data_dir / "daemon.lock"; }

pid_t ReadPid(int fd) {
  char text[32] = {};
  ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  return got > 0 ? static_cast<pid_t>(std::strtol(text, nullptr, 10)) : 0;
}

// Tries `operation` (LOCK_EX or LOCK_SH, non-blocking): true if taken, false if someone else
// holds a conflicting lock.
bool TryLock(int fd, int operation, const std::filesystem::path& file) {
  while (::flock(fd, operation | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw Error(ErrorCode::kDataDir, "cannot lock " + file.string() + ": " + std::strerror(errno));
  }
  return true;
}

}  // namespace

DaemonLock::DaemonLock(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = LockFile(data_dir);
  FileDescriptor fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw Error(ErrorCode::kDataDir, "cannot open " + file.string() + ": " + std::strerror(errno));
  ::fchmod(fd.get(), 0600);  // also a file left by an older version or copied with other modes
  // A command probing for a daemon (RunningDaemon) holds a shared lock for an instant: retry a
  // little before deciding that a daemon runs.
  bool locked = false;
  for (int attempt = 0; attempt < 50 && !locked; ++attempt) {
    locked = TryLock(fd.get(), LOCK_EX, file);
    if (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!locked) {
    throw Error(ErrorCode::kDaemonRunning, "another bangban daemon already runs on " + data_dir.string() + " (pid " +
                                               std::to_string(ReadPid(fd.get())) + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    throw Error(ErrorCode::kDataDir, "cannot write " + file.string() + ": " + std::strerror(errno));
  }
  fd_ = fd.release();
}

DaemonLock::~DaemonLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<pid_t> RunningDaemon(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = LockFile(data_dir);
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Error(ErrorCode::kDataDir, "cannot open " + file.string() + ": " + std::strerror(errno));
  }
  if (TryLock(fd.get(), LOCK_SH, file)) return std::nullopt;  // released when fd closes
  return ReadPid(fd.get());
}

}  // namespace bangban
