// The control socket: how a command hands its work to the daemon that holds its data dir
// (docs/architecture.md, principle 5: one writer of record per data dir).
//
// While `run` holds DIR's DaemonLock (daemon/daemon_lock.h) it serves a ZeroMQ REP socket at
// ipc://DIR/control.sock: a Unix socket file, mode 0600 in the owner-only data dir, so only
// the daemon's own user (and root) can reach it, and never over the network. A command declared
// as writing (daemon/command_line.h Writes: `submit`, `enroll`, `review`, ...) checks the lock
// first: if a daemon runs, it sends its command line and prints exactly what the daemon answers
// (or, for the few that cannot run inside a daemon, is refused); if none runs, it opens the store
// itself. The daemon runs the request with the same CLI code as a command run from the
// shell (daemon/command_line.h CommandContext), against its own open node or hub, so the
// result is the same either way.
//
// A request carries the argument vector; the sender's working directory (the daemon resolves
// relative paths against it); the command's input when it reads one (`submit`: the sender
// opens FILE, or takes standard input for `-`, and sends the text, so the daemon never needs to
// see the sender's files: under systemd it has its own /tmp and no /home); and the sender's
// BANGBAN_NOW, with BANGBAN_CLOCK_EPOCH and BANGBAN_CLOCK_SPEED when its clock runs (the command
// runs under a ScopedNow of that setting, or of the system clock when the sender had none: protocol/clock.h; a party
// that is not a simulation party refuses a fixed one when the command opens it, Error(ErrorCode::kFixedClockRefused)).
// Bundles for `import` are opened by the daemon, by path.
//
// Lanes: `import` runs on a thread of its own, every other command on one shared thread, each
// lane one request at a time in arrival order. An import reads a file of any size the operator
// names (streamed, and stopped by SIGTERM, but it may still take minutes), so `enroll`, `review`
// and `submit` never wait behind one; an import ingests as the serving thread does, which the
// daemon already runs beside the commands. At most kMaxWaitingPerLane requests wait per lane;
// one more is refused at once (Error(ErrorCode::kControlSocket)), so nothing the socket
// receives grows without bound. Requests still waiting when the daemon stops are answered with
// Error(ErrorCode::kDaemonStopped): they did nothing.
//
// Wire form (msgpack maps): request {v: 1, argv: [str], cwd: str, input: bin | nil,
// now: str | nil}; reply {v: 1, exit: int, out: bin, err: bin}.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <iostream>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <zmq.hpp>

#include "crypto/bytes.h"
#include "daemon/command_line.h"
#include "daemon/daemon_lock.h"

namespace bangban {

// The largest request the daemon reads (ZeroMQ drops a larger one): room for a submit of
// several hundred thousand JSON lines, and a bound on what one request can make it allocate.
inline constexpr size_t kMaxControlRequestBytes = 256 * 1024 * 1024;
// How many requests may wait, per lane, behind the one the lane runs.
inline constexpr size_t kMaxWaitingPerLane = 8;

struct ControlRequest {
  std::vector<std::string> argv;  // argv[0] is the program, argv[1] the subcommand
  std::string cwd;
  std::optional<std::string> input;        // what the command reads, read by the sender
  std::optional<std::string> now;          // the sender's BANGBAN_NOW
  std::optional<std::string> clock_epoch;  // the sender's BANGBAN_CLOCK_EPOCH (a running clock)
  std::optional<std::string> clock_speed;  // the sender's BANGBAN_CLOCK_SPEED
};

struct ControlReply {
  int exit_code = kExitError;
  std::string out;
  std::string err;
};

// The request's wire form (above). Decoding never trusts the bytes: Error(ErrorCode::kMalformed)
// unless they are one msgpack value within the decoder's nesting bound, Error(ErrorCode::kControlSocket)
// unless it is a request of this version with the fields of the right types.
Bytes EncodeControlRequest(const ControlRequest& request);
ControlRequest DecodeControlRequest(ByteView bytes);

// ipc://DIR/control.sock for `data_dir` (made absolute). Error(ErrorCode::kControlSocket) if the path is
// too long for a Unix socket (107 bytes).
std::string ControlEndpoint(const std::filesystem::path& data_dir);

// The daemon's side. Construct it while holding the data dir's DaemonLock, after StopOnSignals
// (its threads must not take the signals).
class ControlServer {
 public:
  using Handler = std::function<ControlReply(const ControlRequest&)>;

  // Removes a socket file left by a daemon that was killed (the caller holds the lock, so it is
  // stale), binds (file mode 0600) and starts serving on its own thread: only the subcommands in
  // `commands` (CommandsForDaemon: those declared Writes::ViaDaemon) are run, by `handler` on
  // their lane's thread (above), each under a ScopedNow of the sender's clock and logged with its
  // name and exit code only (never its arguments or input: they may hold personal data). `handler`
  // may be called from two threads at once, never twice at once for one lane. Serving stops
  // when `stop` is set or the server is destroyed, after the requests in hand.
  // Error(ErrorCode::kControlSocket) if the socket cannot be bound.
  ControlServer(const std::filesystem::path& data_dir, std::set<std::string> commands, Handler handler,
                const std::atomic<bool>& stop);
  // Finishes the requests in hand, closes the socket and removes its file.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  // A request waiting for its lane, with the ZeroMQ routing id to answer it by.
  struct Job {
    std::string peer;
    ControlRequest request;
  };
  // One lane: its thread and its waiting requests (guarded by mutex_).
  struct Lane {
    std::deque<Job> waiting;
    std::thread thread;
  };

  void Serve();
  // Reads one request off the socket and queues it on its lane (or answers a refusal at once).
  void Receive();
  void Work(Lane& lane);
  // The subcommand `request` names, by its declared name ("user add" for a nested one).
  std::string CommandOf(const ControlRequest& request) const;
  ControlReply Run(const ControlRequest& request);
  void Send(const std::string& peer, const ControlReply& reply);
  // Sends the answers the lanes finished; returns how many requests are still in hand.
  size_t SendFinished();
  void StopLanes();

  std::filesystem::path file_;
  std::set<std::string> commands_;
  Handler handler_;
  const std::atomic<bool>& stop_;
  std::atomic<bool> closing_{false};
  zmq::context_t context_;
  zmq::socket_t socket_;  // ROUTER: several requests may be in hand at once
  std::mutex mutex_;
  std::condition_variable wake_;
  bool lanes_closing_ = false;                                 // guarded by mutex_
  size_t in_hand_ = 0;                                         // queued or running; guarded by mutex_
  std::deque<std::pair<std::string, ControlReply>> finished_;  // guarded by mutex_
  std::map<std::string, Lane> lanes_;                          // "import" and "" (every other command)
  std::thread thread_;
};

// The command's side: sends `request` to the daemon holding `data_dir` (call it once
// RunningDaemon said one does) and returns its reply. Waits as long as the daemon lives: a long
// submit takes a while. Error(ErrorCode::kDaemonStopped) if the daemon ends before answering (or ended
// just before the request).
ControlReply HandToDaemon(const std::filesystem::path& data_dir, const ControlRequest& request);

// The request for this process's command line; with `input`, reads all of it as the input.
ControlRequest RequestFromProcess(int argc, char** argv, std::istream* input);

// Error(ErrorCode::kDataDir) unless `asked` and `running` name the same directory: a daemon runs
// commands for its own data dir only.
void RequireSameDataDir(const std::filesystem::path& asked, const std::filesystem::path& running);

// For a command run from the shell: what a command declared as writing does when a daemon holds
// its data dir (CommandContext::beside_daemon). Writes::ViaDaemon: hands the command to the
// daemon and prints its answer; Writes::NotBesideDaemon (and `run`): refused, Error
// kDaemonRunning "a daemon (pid N) holds DIR: ...", before anything is written.
template <typename Party>
void HandOffWhenDaemonRuns(CommandContext<Party>& cmd, int argc, char** argv) {
  cmd.beside_daemon = [&cmd, argc, argv](const std::filesystem::path& data, const Writes& writes, std::istream* input) {
    std::optional<pid_t> daemon = RunningDaemon(data);
    if (!daemon) return false;  // before reading the input: a local run needs it
    if (writes.kind != Writes::Kind::kViaDaemon) {
      const std::string pid = *daemon > 0 ? " (pid " + std::to_string(*daemon) + ")" : "";
      const std::string advice = writes.why_not.empty() ? "stop it first" : writes.why_not;
      throw Error(ErrorCode::kDaemonRunning, "a daemon" + pid + " holds " + data.string() + ": " + advice);
    }
    ControlReply reply = HandToDaemon(data, RequestFromProcess(argc, argv, input));
    cmd.out << reply.out << std::flush;
    cmd.err << reply.err << std::flush;
    cmd.exit_code = reply.exit_code;
    return true;
  };
}

// A command run from the shell: opens the node or hub (`Party`) when a callback asks for it,
// hands the commands declared as writing to a running daemon (or refuses them), and maps errors
// to exit codes.
template <typename Party>
int RunFromShell(int argc, char** argv, const std::function<std::unique_ptr<CLI::App>(CommandContext<Party>&)>& build) {
  // Everything a party creates (its store, configuration, exported bundles) is its owner's
  // alone, whatever umask the shell had: data dirs that others can write are refused on open.
  ::umask(0077);
  std::unique_ptr<Party> opened;
  CommandContext<Party> cmd{std::cin, std::cout, std::cerr};
  cmd.open = [&opened](const std::filesystem::path& data) -> Party& {
    opened = std::make_unique<Party>(data);
    return *opened;
  };
  HandOffWhenDaemonRuns(cmd, argc, argv);
  std::unique_ptr<CLI::App> app = build(cmd);
  return RunCommandLine(*app, argc, argv, cmd.exit_code, std::cout, std::cerr);
}

// For the daemon: runs one handed-off command with the same app a shell run builds (`build`),
// with the request's input, working directory and captured output, against the daemon's open
// `running` party (its data dir `running_dir`); a long command checks `stop`, the daemon's.
template <typename Party>
ControlReply RunHandedOff(const ControlRequest& request, Party& running, const std::filesystem::path& running_dir,
                          const std::function<std::unique_ptr<CLI::App>(CommandContext<Party>&)>& build,
                          const std::atomic<bool>& stop) {
  std::istringstream in(request.input.value_or(""));
  std::ostringstream out, err;
  CommandContext<Party> cmd{in, out, err};
  cmd.cwd = request.cwd;
  cmd.input_sent = request.input.has_value();
  cmd.stop = &stop;
  cmd.open = [&running, &running_dir](const std::filesystem::path& data) -> Party& {
    RequireSameDataDir(data, running_dir);
    running.CheckClock();  // the sender's clock: a fixed one only at a simulation party
    return running;
  };
  std::unique_ptr<CLI::App> app = build(cmd);
  std::vector<const char*> argv;
  for (const std::string& arg : request.argv) argv.push_back(arg.c_str());
  int code = RunCommandLine(*app, static_cast<int>(argv.size()), argv.data(), cmd.exit_code, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace bangban
