// Helpers for the command-line tests: run the real bangban executables as child processes
// (fork/exec), feed them stdin, capture stdout/stderr and the exit code, or start them in the
// background and kill them. Header-only; used by every tests/cli/*_test.cc.
//
// Every child gets the parent's environment plus BANGBAN_NOW fixed (determinism), plus any
// overrides the caller passes. Each test works in its own fresh temporary directory (TempDir),
// which is also the child's working directory.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cli {

inline const char* const kNodeBin = BANGBAN_NODE_BIN;
inline const char* const kHubBin = BANGBAN_HUB_BIN;
inline constexpr const char* kNow = "2026-03-02T09:00:00+08:00";

struct Result {
  int exit_code = -1;  // the exit status, or 128 + signal number if the child was killed
  std::string out;
  std::string err;
  bool signaled = false;
  // For assertion messages.
  std::string Describe() const {
    return "exit " + std::to_string(exit_code) + "\n--- stdout ---\n" + out.substr(0, 4000) + "\n--- stderr ---\n" +
           err.substr(0, 4000);
  }
};

// "KEY=VALUE" overrides, applied over the parent's environment and BANGBAN_NOW.
using Env = std::vector<std::string>;

namespace detail {

// Builds the child's environment: parent's, then BANGBAN_NOW, then the overrides.
inline std::vector<std::string> BuildEnv(const Env& overrides) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  vars["BANGBAN_NOW"] = kNow;
  for (const std::string& entry : overrides) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      vars.erase(entry);  // "NAME" alone removes NAME
    } else {
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

inline std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> ptrs;
  for (std::string& s : strings) ptrs.push_back(s.data());
  ptrs.push_back(nullptr);
  return ptrs;
}

inline int DecodeStatus(int status, bool* signaled) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    if (signaled != nullptr) *signaled = true;
    return 128 + WTERMSIG(status);
  }
  return -1;
}

// In the child after fork(): only async-signal-safe calls until exec.
[[noreturn]] inline void ExecChild(int in_fd, int out_fd, int err_fd, const char* cwd, char** argv, char** envp) {
  if (in_fd >= 0 && ::dup2(in_fd, STDIN_FILENO) < 0) ::_exit(127);
  if (out_fd >= 0 && ::dup2(out_fd, STDOUT_FILENO) < 0) ::_exit(127);
  if (err_fd >= 0 && ::dup2(err_fd, STDERR_FILENO) < 0) ::_exit(127);
  if (cwd != nullptr && cwd[0] != '\0' && ::chdir(cwd) != 0) ::_exit(127);
  // Start the child in its own process group so a kill never reaches the test runner.
  ::setpgid(0, 0);
  ::execve(argv[0], argv, envp);
  ::_exit(127);
}

}  // namespace detail

// The sealing key `bangban-hub init --role county` prints on stderr ("sealing key PERIOD:HEX
// ..."), as `bangban-node init --sealing-key` takes it; empty if there is none.
inline std::string SealingKeyFromInit(const std::string& err) {
  const std::string marker = "sealing key ";
  const size_t at = err.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return err.substr(start, err.find_first_of(" \n", start) - start);
}

// Runs `args` (args[0] is the executable path) to completion. `stdin_text` is written to the
// child's stdin, which is then closed. `cwd` empty: the current directory. A child still running
// after `timeout` is killed (a safety net so a hung binary fails the test instead of hanging
// it; never a timing assertion).
inline Result Run(const std::vector<std::string>& args, const std::string& stdin_text = "", const Env& env = {},
                  const std::filesystem::path& cwd = {}, std::chrono::seconds timeout = std::chrono::seconds(900)) {
  if (args.empty()) throw std::invalid_argument("Run: no arguments");
  std::vector<std::string> argv_strings = args;
  std::vector<std::string> env_strings = detail::BuildEnv(env);
  std::vector<char*> argv = detail::Pointers(argv_strings);
  std::vector<char*> envp = detail::Pointers(env_strings);
  std::string cwd_string = cwd.string();

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    detail::ExecChild(in_pipe[0], out_pipe[1], err_pipe[1], cwd_string.c_str(), argv.data(), envp.data());
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  // Write stdin and read both outputs together, so that no pipe fills up and deadlocks.
  int in_fd = in_pipe[1];
  size_t in_written = 0;
  if (stdin_text.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, ::fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  }
  Result result;
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buffer[65536];
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out_fd >= 0) {
      out_i = n;
      fds[n++] = {out_fd, POLLIN, 0};
    }
    if (err_fd >= 0) {
      err_i = n;
      fds[n++] = {err_fd, POLLIN, 0};
    }
    if (in_fd >= 0) {
      in_i = n;
      fds[n++] = {in_fd, POLLOUT, 0};
    }
    int ready = ::poll(fds, n, 200);
    if (ready < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (ready <= 0) continue;
    auto drain = [&](int i, int& fd, std::string& sink) {
      if (i < 0 || fds[i].revents == 0) return;
      ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got > 0) {
        sink.append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fd);
        fd = -1;
      }
    };
    drain(out_i, out_fd, result.out);
    drain(err_i, err_fd, result.err);
    if (in_i >= 0 && fds[in_i].revents != 0) {
      if (fds[in_i].revents & (POLLERR | POLLHUP)) {
        ::close(in_fd);
        in_fd = -1;
      } else {
        ssize_t put = ::write(in_fd, stdin_text.data() + in_written, stdin_text.size() - in_written);
        if (put > 0) in_written += static_cast<size_t>(put);
        if ((put < 0 && errno != EAGAIN && errno != EINTR) || in_written == stdin_text.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
      }
    }
  }
  for (int fd : {out_fd, err_fd, in_fd}) {
    if (fd >= 0) ::close(fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = detail::DecodeStatus(status, &result.signaled);
  if (timed_out) result.err += "\n[cli_process: killed after the safety timeout]\n";
  return result;
}

// A child running in the background, its stdout and stderr going to files. Killed (SIGKILL) and
// reaped on destruction if it is still running.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&& other) noexcept { *this = std::move(other); }
  Process& operator=(Process&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(status_, other.status_);
    return *this;
  }
  ~Process() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }

  pid_t pid() const { return pid_; }

  // Sends `signal` to the child (by its pid only). False if it has already been reaped.
  bool Kill(int signal = SIGKILL) {
    if (pid_ <= 0 || status_) return false;
    return ::kill(pid_, signal) == 0;
  }

  // Non-blocking: the exit code if the child has ended (and reaps it), else nullopt.
  std::optional<int> TryWait() {
    if (status_) return status_;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) status_ = detail::DecodeStatus(status, &signaled_);
    return status_;
  }

  // Blocks until the child ends; returns its exit code (128 + signal if killed).
  int Wait() {
    if (status_) return *status_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = detail::DecodeStatus(status, &signaled_);
    return *status_;
  }

  bool signaled() const { return signaled_; }

 private:
  friend Process Spawn(const std::vector<std::string>&, const std::filesystem::path&, const std::filesystem::path&,
                       const std::filesystem::path&, const Env&, const std::filesystem::path&);
  pid_t pid_ = -1;
  std::optional<int> status_;
  bool signaled_ = false;
};

// Starts `args` in the background with stdout to `out_file` and stderr to `err_file` (created
// or truncated) and stdin from `in_file` (empty: /dev/null).
inline Process Spawn(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                     const std::filesystem::path& err_file, const std::filesystem::path& in_file = {},
                     const Env& env = {}, const std::filesystem::path& cwd = {}) {
  if (args.empty()) throw std::invalid_argument("Spawn: no arguments");
  std::vector<std::string> argv_strings = args;
  std::vector<std::string> env_strings = detail::BuildEnv(env);
  std::vector<char*> argv = detail::Pointers(argv_strings);
  std::vector<char*> envp = detail::Pointers(env_strings);
  std::string cwd_string = cwd.string();
  int out_fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int in_fd = ::open(in_file.empty() ? "/dev/null" : in_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || in_fd < 0) {
    throw std::runtime_error(std::string("Spawn: cannot open redirections: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) detail::ExecChild(in_fd, out_fd, err_fd, cwd_string.c_str(), argv.data(), envp.data());
  ::close(out_fd);
  ::close(err_fd);
  ::close(in_fd);
  Process p;
  p.pid_ = pid;
  return p;
}

// ---- files ------------------------------------------------------------------------------

// A fresh temporary directory, removed with everything in it on destruction (kept if the
// environment variable BANGBAN_KEEP_TEST_DIRS is set, for debugging).
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/bangban-cli-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
      throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = buffer.data();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (std::getenv("BANGBAN_KEEP_TEST_DIRS") != nullptr) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteFile(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << data;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

// Splits text into lines (without the newline); a last line without a newline is dropped when
// `complete_only` is set (a process killed mid-write leaves such a partial line).
inline std::vector<std::string> Lines(const std::string& text, bool complete_only = false) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      if (!complete_only) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline bool IsHex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace cli
