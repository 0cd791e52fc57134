#include "sim/program_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "crypto/error.h"

namespace bangban {

namespace {

constexpr size_t kMaxOutputBytes = 1024 * 1024;
// A command of the simulated city takes a second or two; one that hangs is killed after this.
constexpr auto kMaxRunTime = std::chrono::minutes(2);

// A pipe whose two ends close on destruction.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) throw Error(ErrorCode::kInternal, std::string("pipe: ") + std::strerror(errno));
  }
  ~Pipe() {
    Close(0);
    Close(1);
  }
  void Close(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

}  // namespace

ProgramResult RunProgram(const std::vector<std::string>& argv, const std::string& input) {
  if (argv.empty()) throw Error(ErrorCode::kInternal, "RunProgram: no program");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Pipe in, out, err;
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(ErrorCode::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // The child starts with default signals, whatever this process blocks (daemon/signals.h).
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(in.fd[0], 0) < 0 || ::dup2(out.fd[1], 1) < 0 || ::dup2(err.fd[1], 2) < 0) ::_exit(127);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  in.Close(0);
  out.Close(1);
  err.Close(1);
  ProgramResult result;
  size_t written = 0;
  if (input.empty()) in.Close(1);
  std::string* sinks[2] = {&result.out, &result.err};
  int fds[2] = {out.fd[0], err.fd[0]};
  const auto deadline = std::chrono::steady_clock::now() + kMaxRunTime;
  bool killed = false;
  while (fds[0] >= 0 || fds[1] >= 0) {
    if (!killed && std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);  // its pipes close with it, which ends this loop
      killed = true;
      result.err += "bangban-sim: killed after " + std::to_string(kMaxRunTime.count()) + " minutes\n";
    }
    pollfd items[3];
    int n = 0;
    for (int i = 0; i < 2; ++i) items[n++] = {fds[i], POLLIN, 0};
    if (in.fd[1] >= 0) items[n++] = {in.fd[1], POLLOUT, 0};
    if (::poll(items, static_cast<nfds_t>(n), 1000) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || items[i].revents == 0) continue;
      char buffer[16 * 1024];
      const ssize_t got = ::read(fds[i], buffer, sizeof buffer);
      if (got <= 0) {
        fds[i] = -1;
        continue;
      }
      if (sinks[i]->size() < kMaxOutputBytes) sinks[i]->append(buffer, static_cast<size_t>(got));
    }
    if (in.fd[1] >= 0 && n == 3 && (items[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t put = ::write(in.fd[1], input.data() + written, input.size() - written);
      if (put > 0) written += static_cast<size_t>(put);
      if (put <= 0 || written == input.size()) in.Close(1);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace bangban
