#include "daemon/control_socket.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <chrono>
#include <cstdlib>
#include <iterator>

#include "daemon/daemon_lock.h"
#include "protocol/clock.h"
#include "protocol/codec.h"
#include "protocol/schema.h"

namespace bangban {

namespace {

constexpr int kVersion = 1;
// The command that runs on a lane of its own (control_socket.h).
constexpr std::string_view kImportLane = "import";
// How often a waiting command checks that the daemon still lives.
constexpr auto kLivenessCheck = std::chrono::milliseconds(500);

Json Binary(const std::string& text) { return Json::binary(Bytes(text.begin(), text.end())); }

// True for a message of this version: a map whose "v" is kVersion (a "v" of another type is
// another program's message, not a library exception).
bool IsThisVersion(const Json& message) {
  if (!message.is_object()) return false;
  const auto v = message.find("v");
  return v != message.end() && v->is_number_integer() && *v == kVersion;
}

std::string Text(const Json& binary) {
  const auto& bytes = binary.get_binary();
  return std::string(bytes.begin(), bytes.end());
}

// Checks the bytes' shape with bangban's bounded decoder before nlohmann's (recursive) one sees
// them: a request of a million nested arrays must be a clean refusal, not a stack overflow.
void RequireShallow(const zmq::message_t& message, std::string_view what) {
  const auto* data = static_cast<const uint8_t*>(message.data());
  UnpackExactly(ByteView(data, message.size()), what, message.size());
}

Bytes EncodeReply(const ControlReply& r) {
  Json message = {{"v", kVersion}, {"exit", r.exit_code}, {"out", Binary(r.out)}, {"err", Binary(r.err)}};
  return Json::to_msgpack(message);
}

ControlReply DecodeReply(const zmq::message_t& message) {
  RequireShallow(message, "the daemon's answer");
  const auto* data = static_cast<const uint8_t*>(message.data());
  Json j = Json::from_msgpack(data, data + message.size(), true, false);
  if (!IsThisVersion(j) || !j.value("exit", Json()).is_number_integer() || !j.value("out", Json()).is_binary() ||
      !j.value("err", Json()).is_binary()) {
    throw Error(ErrorCode::kControlSocket,
                "the daemon's answer could not be read (another version of bangban?): "
                "restart the daemon after an upgrade");
  }
  return {j["exit"].get<int>(), Text(j["out"]), Text(j["err"])};
}

std::string Join(const std::set<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
}

ControlReply ErrorReply(const Error& e) {
  std::ostringstream out, err;
  PrintError(out, err, false, e.code(), e.what());
  return {e.Is(ErrorCode::kUsage) ? kExitUsage : kExitError, out.str(), err.str()};
}

}  // namespace

Bytes EncodeControlRequest(const ControlRequest& r) {
  Json message = {{"v", kVersion},
                  {"argv", r.argv},
                  {"cwd", r.cwd},
                  {"input", r.input ? Binary(*r.input) : Json(nullptr)},
                  {"now", r.now ? Json(*r.now) : Json(nullptr)}};
  // Only when set, so a request without a running clock reads as before.
  if (r.clock_epoch) message["clock_epoch"] = *r.clock_epoch;
  if (r.clock_speed) message["clock_speed"] = *r.clock_speed;
  return Json::to_msgpack(message);
}

ControlRequest DecodeControlRequest(ByteView bytes) {
  UnpackExactly(bytes, "control request", bytes.size());
  Json j = Json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (!IsThisVersion(j)) {
    throw Error(ErrorCode::kControlSocket,
                "the command is another version of bangban than the running daemon: "
                "restart the daemon after an upgrade");
  }
  ControlRequest r;
  try {
    r.argv = j.at("argv").get<std::vector<std::string>>();
    r.cwd = j.at("cwd").get<std::string>();
    if (j.at("input").is_binary()) r.input = Text(j["input"]);
    if (j.at("now").is_string()) r.now = j["now"].get<std::string>();
    if (j.contains("clock_epoch")) r.clock_epoch = j["clock_epoch"].get<std::string>();
    if (j.contains("clock_speed")) r.clock_speed = j["clock_speed"].get<std::string>();
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::kControlSocket, std::string("unreadable request: ") + e.what());
  }
  return r;
}

std::string ControlEndpoint(const std::filesystem::path& data_dir) {
  const std::string file = (std::filesystem::absolute(data_dir) / "control.sock").string();
  if (file.size() >= sizeof(sockaddr_un::sun_path)) {
    throw Error(ErrorCode::kControlSocket, "the control socket " + file + " would be " + std::to_string(file.size()) +
                                               " bytes long, more than a Unix socket allows (" +
                                               std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                               "): use a data dir with a shorter path");
  }
  return "ipc://" + file;
}

// ---- the daemon's side ---------------------------------------------------------------------

ControlServer::ControlServer(const std::filesystem::path& data_dir, std::set<std::string> commands, Handler handler,
                             const std::atomic<bool>& stop)
    : file_(std::filesystem::absolute(data_dir) / "control.sock"),
      commands_(std::move(commands)),
      handler_(std::move(handler)),
      stop_(stop),
      context_(1),
      socket_(context_, zmq::socket_type::router) {
  const std::string endpoint = ControlEndpoint(data_dir);
  // We hold the daemon lock, so a socket file here is a killed daemon's.
  std::error_code ec;
  std::filesystem::remove(file_, ec);
  socket_.set(zmq::sockopt::linger, 1000);  // let the last answer leave when we stop
  socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxControlRequestBytes));
  // Owner-only from the start: the umask covers the moment between bind and chmod. (It is
  // process-wide, but nothing else of ours creates files while the daemon starts.)
  const mode_t old_umask = ::umask(0077);
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    ::umask(old_umask);
    throw Error(ErrorCode::kControlSocket, "cannot serve " + endpoint + ": " + e.what());
  }
  ::umask(old_umask);
  if (::chmod(file_.c_str(), 0600) != 0) throw Error(ErrorCode::kControlSocket, "cannot chmod 0600 " + file_.string());
  for (const std::string& name : {std::string(kImportLane), std::string()}) {
    Lane& lane = lanes_[name];
    lane.thread = std::thread([this, &lane] { Work(lane); });
  }
  thread_ = std::thread([this] { Serve(); });
}

ControlServer::~ControlServer() {
  closing_ = true;
  if (thread_.joinable()) thread_.join();
  StopLanes();  // when Serve ended by an exception of its own
  socket_.close();
  std::error_code ec;
  std::filesystem::remove(file_, ec);  // we still hold the lock: the file is ours
}

void ControlServer::Serve() {
  size_t in_hand = 0;
  while (!stop_ && !closing_) {
    try {
      zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
      // While a lane works, look often for its answer; otherwise only for stop.
      const auto wait = in_hand > 0 ? std::chrono::milliseconds(5) : std::chrono::milliseconds(200);
      if (zmq::poll(&item, 1, wait) > 0) Receive();
      in_hand = SendFinished();
    } catch (const std::exception& e) {
      spdlog::error("control socket: {}", e.what());
    }
  }
  StopLanes();
  try {
    SendFinished();
  } catch (const std::exception& e) {
    spdlog::error("control socket: {}", e.what());
  }
}

void ControlServer::Receive() {
  // A REQ peer's request arrives as [routing id][empty][request]; anything else is dropped.
  std::vector<zmq::message_t> frames;
  do {
    zmq::message_t frame;
    if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return;
    const bool more = frame.more();
    if (frames.size() < 3) frames.push_back(std::move(frame));  // more frames than a request has: not kept
    if (!more) break;
  } while (true);
  if (frames.size() != 3 || frames[1].size() != 0) return;
  const std::string peer = frames[0].to_string();
  ControlRequest request;
  try {
    request = DecodeControlRequest(ByteView(static_cast<const uint8_t*>(frames[2].data()), frames[2].size()));
  } catch (const Error& e) {
    return Send(peer, ErrorReply(e));
  } catch (const std::exception& e) {
    return Send(peer, ErrorReply(Error(ErrorCode::kControlSocket, std::string("unreadable request: ") + e.what())));
  }
  const std::string command = CommandOf(request);
  if (!commands_.count(command)) {
    spdlog::warn("control socket: refused a request for a command the daemon does not run");
    return Send(peer, ErrorReply(Error(ErrorCode::kUsage,
                                       "the daemon runs only these commands for others: " + Join(commands_))));
  }
  std::lock_guard lock(mutex_);
  Lane& lane = lanes_.at(command == kImportLane ? std::string(kImportLane) : std::string());
  if (lane.waiting.size() >= kMaxWaitingPerLane) {
    spdlog::warn("control socket: refused `{}`: {} requests wait already", command, lane.waiting.size());
    return Send(peer, ErrorReply(Error(ErrorCode::kControlSocket,
                                       "the daemon has " + std::to_string(lane.waiting.size()) + " `" + command +
                                           "`-lane commands waiting already; nothing was done: try again later")));
  }
  lane.waiting.push_back({peer, std::move(request)});
  ++in_hand_;
  wake_.notify_all();
}

void ControlServer::Work(Lane& lane) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return lanes_closing_ || !lane.waiting.empty(); });
      if (lanes_closing_) return;  // what still waits is answered by StopLanes
      job = std::move(lane.waiting.front());
      lane.waiting.pop_front();
    }
    ControlReply reply = Run(job.request);
    std::lock_guard lock(mutex_);
    finished_.emplace_back(std::move(job.peer), std::move(reply));
  }
}

std::string ControlServer::CommandOf(const ControlRequest& request) const {
  std::string command = request.argv.size() > 1 ? request.argv[1] : "";
  // A nested subcommand is declared by its full name ("complaint verdict").
  if (!commands_.count(command) && request.argv.size() > 2 && commands_.count(command + " " + request.argv[2])) {
    command += " " + request.argv[2];
  }
  return command;
}

ControlReply ControlServer::Run(const ControlRequest& request) {
  const std::string command = CommandOf(request);
  ControlReply reply;
  try {
    // The sender's clock, on this lane's thread only; every clock read of a handed-off command
    // happens here (node intake's worker threads get the date from this thread; FeedStore stamps
    // records on the calling thread).
    const std::optional<ClockSetting> setting =
        ParseClockSetting(request.now, request.clock_epoch, request.clock_speed);
    ScopedNow clock = setting ? ScopedNow(*setting) : ScopedNow(std::nullopt);
    reply = handler_(request);
  } catch (const Error& e) {
    reply = ErrorReply(e);
  } catch (const std::exception& e) {
    reply = ErrorReply(Error(ErrorCode::kInternal, e.what()));
  }
  spdlog::info("control socket: ran `{}`, exit {}", command, reply.exit_code);
  return reply;
}

void ControlServer::Send(const std::string& peer, const ControlReply& reply) {
  const Bytes bytes = EncodeReply(reply);
  socket_.send(zmq::buffer(peer), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t(), zmq::send_flags::sndmore);
  socket_.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
}

size_t ControlServer::SendFinished() {
  std::deque<std::pair<std::string, ControlReply>> ready;
  size_t still;
  {
    std::lock_guard lock(mutex_);
    ready.swap(finished_);
    in_hand_ -= ready.size();
    still = in_hand_;
  }
  for (const auto& [peer, reply] : ready) Send(peer, reply);
  return still;
}

void ControlServer::StopLanes() {
  {
    std::lock_guard lock(mutex_);
    if (lanes_closing_) return;
    lanes_closing_ = true;
  }
  wake_.notify_all();
  for (auto& [name, lane] : lanes_) {
    if (lane.thread.joinable()) lane.thread.join();
  }
  // The lanes are done; what still waits never ran.
  std::lock_guard lock(mutex_);
  for (auto& [name, lane] : lanes_) {
    for (Job& job : lane.waiting) {
      finished_.emplace_back(std::move(job.peer),
                             ErrorReply(Error(ErrorCode::kDaemonStopped,
                                              "the daemon stopped before it ran this command; nothing was done")));
    }
    lane.waiting.clear();
  }
}

// ---- the command's side --------------------------------------------------------------------

ControlReply HandToDaemon(const std::filesystem::path& data_dir, const ControlRequest& request) {
  std::optional<pid_t> daemon = RunningDaemon(data_dir);
  if (!daemon) {  // it ended since the caller looked; standard input may be read already
    throw Error(ErrorCode::kDaemonStopped,
                "the daemon on " + data_dir.string() +
                    " stopped as this command started; nothing was done: run the command again");
  }
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  // Connecting needs no listener yet: a daemon that is still starting gets the request once it
  // binds.
  socket.connect(ControlEndpoint(data_dir));
  Bytes bytes = EncodeControlRequest(request);
  if (bytes.size() > kMaxControlRequestBytes) {
    throw Error(ErrorCode::kTooLarge, "the command is larger than a running daemon takes (" +
                                          std::to_string(kMaxControlRequestBytes / (1024 * 1024)) +
                                          " MiB); nothing was done");
  }
  socket.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
  // No fixed timeout: a handed-off submit of 100,000 lines takes a while. Wait as long as the
  // daemon that took the request lives: the lock held by another one (a restart) will not
  // answer it either.
  while (zmq::poll(&item, 1, kLivenessCheck) == 0) {
    std::optional<pid_t> now = RunningDaemon(data_dir);
    if (now && *daemon == 0) daemon = now;  // it had not written its pid yet
    if (now && (*now == *daemon || *now == 0)) continue;
    if (zmq::poll(&item, 1, std::chrono::milliseconds(0)) > 0) break;  // it answered as it ended
    throw Error(ErrorCode::kDaemonStopped,
                "the daemon on " + data_dir.string() + (*daemon > 0 ? " (pid " + std::to_string(*daemon) + ")" : "") +
                    " stopped before it answered, so what this command did is unknown; whatever it stored is "
                    "kept. Check with `status` before running the command again: a repeated submit would file "
                    "the same records twice");
  }
  zmq::message_t reply;
  if (!socket.recv(reply, zmq::recv_flags::none)) throw Error(ErrorCode::kControlSocket, "no answer from the daemon");
  return DecodeReply(reply);
}

// A command's input (submit's FILE or standard input) as the daemon will get it: read whole, but
// no more than a request may carry, so a runaway pipe or /dev/zero ends in a clear refusal.
std::string ReadInputForDaemon(std::istream& input) {
  constexpr size_t kRoom = kMaxControlRequestBytes - 64 * 1024;  // the rest of the request fits
  std::string text;
  char chunk[64 * 1024];
  while (input.read(chunk, sizeof chunk) || input.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(input.gcount()));
    if (text.size() > kRoom) {
      throw Error(ErrorCode::kTooLarge, "the input is larger than a running daemon takes in one command (" +
                                            std::to_string(kRoom / (1024 * 1024)) +
                                            " MiB): split it into several files");
    }
  }
  return text;
}

ControlRequest RequestFromProcess(int argc, char** argv, std::istream* input) {
  ControlRequest r;
  r.argv.assign(argv, argv + argc);
  r.cwd = std::filesystem::current_path().string();
  if (input != nullptr) r.input = ReadInputForDaemon(*input);
  const char* now = std::getenv("BANGBAN_NOW");
  if (now != nullptr && *now != '\0') r.now = now;
  const char* epoch = std::getenv("BANGBAN_CLOCK_EPOCH");
  if (epoch != nullptr && *epoch != '\0') r.clock_epoch = epoch;
  const char* speed = std::getenv("BANGBAN_CLOCK_SPEED");
  if (speed != nullptr && *speed != '\0') r.clock_speed = speed;
  return r;
}

void RequireSameDataDir(const std::filesystem::path& asked, const std::filesystem::path& running) {
  std::error_code ec;
  if (!std::filesystem::equivalent(asked, running, ec)) {
    throw Error(ErrorCode::kDataDir, "this daemon runs " + running.string() + ", not " + asked.string());
  }
}

}  // namespace bangban
