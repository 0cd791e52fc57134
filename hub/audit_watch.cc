#include "hub/audit_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "crypto/file_descriptor.h"
#include "protocol/clock.h"

extern char** environ;

namespace bangban {

namespace {

constexpr std::chrono::milliseconds kPollSlice(200);  // how soon a stop is noticed
constexpr std::chrono::seconds kFirstAuditAfter(10);  // let the daemon settle first

// posix_spawn's attributes and file actions, destroyed whatever happens.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawnattr_t* attr() { return &attr_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

int WaitChild(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

AuditWatch::AuditWatch(std::filesystem::path program, std::filesystem::path data_dir, std::chrono::seconds every,
                       const std::atomic<bool>& stop)
    : program_(std::move(program)),
      data_dir_(std::filesystem::absolute(data_dir)),
      every_(every),
      stop_(stop),
      thread_([this] { Loop(); }) {}

AuditWatch::~AuditWatch() {
  {
    std::lock_guard lock(wake_mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::optional<AuditTally> AuditWatch::Latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

// The running executable itself, even after an upgrade replaced the file on disk: the audit is
// always the daemon's own release.
std::filesystem::path AuditWatch::OwnProgram() { return "/proc/self/exe"; }

void AuditWatch::Loop() {
  if (Sleep(std::min<std::chrono::milliseconds>(every_, kFirstAuditAfter))) return;
  for (;;) {
    std::optional<AuditTally> tally = RunOnce();
    if (tally) {
      std::lock_guard lock(mutex_);
      tally->runs = ++runs_;
      latest_ = *tally;
    }
    if (Sleep(every_)) return;
  }
}

bool AuditWatch::Sleep(std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(wake_mutex_);
  while (!Stopping()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return false;
    // The signal flag wakes nobody: look at it every slice.
    wake_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(until - now, kPollSlice));
  }
  return true;
}

std::optional<AuditTally> AuditWatch::RunOnce() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    spdlog::error("audit: could not start one: pipe: {}", std::strerror(errno));
    return std::nullopt;
  }
  FileDescriptor read_end(ends[0]), write_end(ends[1]);
  SpawnSetup setup;
  // The daemon blocks SIGTERM and SIGINT in every thread (daemon/signals.h); the child must not.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigmask(setup.attr(), &none);
  ::posix_spawnattr_setsigdefault(setup.attr(), &defaults);
  ::posix_spawnattr_setflags(setup.attr(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawn_file_actions_addopen(setup.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(setup.actions(), write_end.get(), STDOUT_FILENO);
  // With --json every error is a document on stdout; stderr would only repeat it.
  ::posix_spawn_file_actions_addopen(setup.actions(), STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {"bangban-hub", "audit", "--data", data_dir_.string(), "--json"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (int e = ::posix_spawn(&pid, program_.c_str(), setup.actions(), setup.attr(), argv.data(), environ); e != 0) {
    spdlog::error("audit: could not start {}: {}", program_.string(), std::strerror(e));
    return std::nullopt;
  }
  write_end = FileDescriptor(-1);  // the child holds the only write end now: its exit ends the reading
  std::string why;
  std::optional<std::string> out = ReadChild(read_end.get(), pid, &why);
  const int status = WaitChild(pid);
  if (!out) {
    if (!Stopping()) spdlog::error("audit: {}", why);
    return std::nullopt;
  }
  const nlohmann::json doc = nlohmann::json::parse(*out, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    spdlog::error("audit: could not audit: {}: {}", doc["error"].value("code", "?"), doc["error"].value("message", ""));
    return std::nullopt;
  }
  if (!doc.is_object() || !doc.contains("clean") || !doc["clean"].is_boolean()) {
    spdlog::error("audit: the audit ended ({}) without its report", WIFEXITED(status)
                                                                        ? "exit " + std::to_string(WEXITSTATUS(status))
                                                                        : "signal " + std::to_string(WTERMSIG(status)));
    return std::nullopt;
  }
  auto count = [&](const char* field) -> uint64_t { return doc.contains(field) ? doc[field].size() : 0; };
  AuditTally tally;
  tally.clean = doc["clean"].get<bool>();
  tally.problems = count("problems");
  tally.findings = count("findings");
  tally.flagged = count("flags");
  tally.quarantined = count("quarantined");
  tally.finished_ms = NowMs();
  if (tally.clean) {
    spdlog::info("audit clean: {} problems, {} findings, {} flagged records, {} quarantined authors", tally.problems,
                 tally.findings, tally.flagged, tally.quarantined);
  } else {
    spdlog::warn("audit FAILED: {} problems, {} findings: run `bangban-hub audit --data {}` to see each",
                 tally.problems, tally.findings, data_dir_.string());
  }
  return tally;
}

std::optional<std::string> AuditWatch::ReadChild(int fd, int pid, std::string* why) {
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    if (Stopping()) {
      ::kill(pid, SIGKILL);  // it only reads: nothing is lost
      *why = "stopped";
      return std::nullopt;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(kPollSlice.count()));
    if (ready < 0 && errno != EINTR) {
      ::kill(pid, SIGKILL);
      *why = std::string("reading its report: ") + std::strerror(errno);
      return std::nullopt;
    }
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::kill(pid, SIGKILL);
      *why = std::string("reading its report: ") + std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > kMaxOutput) {
      ::kill(pid, SIGKILL);
      *why = "its report is larger than " + std::to_string(kMaxOutput >> 20) + " MiB: left unread";
      return std::nullopt;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace bangban
