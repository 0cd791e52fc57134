// DaemonLock: at most one daemon (`run`) per data dir, and a way for commands to see whether
// one runs (docs/architecture.md, principle 5: one writer of record per data dir).
//
// The daemon holds an exclusive flock(2) on DIR/daemon.lock (mode 0600) for as long as it runs,
// and writes its pid into the file for messages. The kernel drops the lock when the process
// ends, however it ends (kill -9 and power loss included), so a lock never outlives its daemon
// and a file left behind means nothing: it is never removed or cleaned by hand.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

namespace bangban {

class DaemonLock {
 public:
  // Takes the lock on `data_dir` (creating the lock file). Errors: Error(ErrorCode::kDaemonRunning,
  // "another bangban daemon already runs on DIR (pid N)") while another process holds it;
  // Error(ErrorCode::kDataDir, ...) if the lock file cannot be created or locked.
  explicit DaemonLock(const std::filesystem::path& data_dir);
  ~DaemonLock();  // releases the lock (closing the file is enough)
  DaemonLock(const DaemonLock&) = delete;
  DaemonLock& operator=(const DaemonLock&) = delete;

 private:
  int fd_ = -1;
};

// The pid of the daemon holding `data_dir` right now, or nullopt if none does (no lock file, or
// nobody holds its lock). 0 if the holder has not written its pid yet. Probing takes a shared
// lock for an instant, which is why DaemonLock retries for a moment before it gives up.
std::optional<pid_t> RunningDaemon(const std::filesystem::path& data_dir);

}  // namespace bangban
