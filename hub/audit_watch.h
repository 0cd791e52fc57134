// AuditWatch: the running hub audits itself now and then, so that monitoring (/metrics, the log)
// learns of damage, findings and flagged records without waiting for an operator's `audit`.
//
// Each audit is the very command an operator runs, `bangban-hub audit --json` on the daemon's
// data dir, in a child process of its own: a long audit of a big store never holds up serving
// or shares the daemon's in-memory state, and when the daemon stops a running audit is simply
// killed (it only reads). The counts of the last audit that answered are kept.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace bangban {

// What one audit found, as `bangban-hub audit --json` reported it.
struct AuditTally {
  bool clean = false;
  uint64_t problems = 0;     // damage, broken chains, log mismatches: the audit failed
  uint64_t findings = 0;     // the city's findings about a county's published log (fork evidence apart)
  uint64_t flagged = 0;      // records kept but wrong for this hub (principle 6): not a failure
  uint64_t quarantined = 0;  // forked authors
  int64_t finished_ms = 0;   // when it answered (NowMs)
  uint64_t runs = 0;         // audits that answered since the daemon started
};

class AuditWatch {
 public:
  // Audits `data_dir` with the program `program` (the daemon's own executable) a few seconds
  // after start (at most `every` after) and then every `every`, until `stop` is set or the watch
  // is destroyed. `every` must be positive.
  AuditWatch(std::filesystem::path program, std::filesystem::path data_dir, std::chrono::seconds every,
             const std::atomic<bool>& stop);
  ~AuditWatch();  // ends the thread; a running audit is killed
  AuditWatch(const AuditWatch&) = delete;
  AuditWatch& operator=(const AuditWatch&) = delete;

  // The last audit that answered; none before the first.
  std::optional<AuditTally> Latest() const;

  // The running program's own executable (/proc/self/exe: the daemon's release, even once an
  // upgrade replaced the file).
  static std::filesystem::path OwnProgram();

 private:
  void Loop();
  // Waits `wait`, or less if told to stop; true when it must stop.
  bool Sleep(std::chrono::milliseconds wait);
  bool Stopping() const { return stop_.load() || done_.load(); }
  // Runs one audit; logs and returns nothing if it could not be run or read.
  std::optional<AuditTally> RunOnce();
  // The child's standard output, at most kMaxOutput bytes; kills it if told to stop.
  std::optional<std::string> ReadChild(int fd, int pid, std::string* why);

  static constexpr size_t kMaxOutput = 16 << 20;  // flags are capped at 1,000 lines: far below

  std::filesystem::path program_, data_dir_;
  std::chrono::seconds every_;
  const std::atomic<bool>& stop_;
  std::atomic<bool> done_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  mutable std::mutex mutex_;
  std::optional<AuditTally> latest_;
  uint64_t runs_ = 0;
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace bangban
