// bangban-nats-load: the NATS JetStream side of bench/compare.sh, with no NATS client library.
//
// Debian packages nats-server but no C or C++ client, so this speaks the NATS text protocol
// itself over one TCP socket per server: INFO/CONNECT/PING/PONG, SUB to an inbox, PUB with a
// reply subject, MSG. JetStream is plain request/reply on top of it: a publish to a stream's
// subject with a reply subject is answered with {"stream":…,"seq":N} once the stream stored it,
// and `$JS.API.STREAM.CREATE.<name>` / `$JS.API.STREAM.INFO.<name>` take and return JSON.
//
// The topology is the one bangban has: an edge server (a leaf node, like an outlet) whose
// stream EDGE takes the messages, and a hub whose stream HUB sources EDGE over the leaf
// connection (like a county hub receiving an outlet's feed).
//
//   bangban-nats-load setup --edge HOST:PORT --hub HOST:PORT --edge-domain NAME
//       creates EDGE (subject edge.>, file storage) on the edge and HUB (file storage, sourcing
//       EDGE through $JS.<edge-domain>.API) on the hub
//   bangban-nats-load replicate --edge HOST:PORT --hub HOST:PORT --count N [--size B] [--window W]
//       publishes N messages of B bytes to the edge, at most W unacknowledged, and polls the
//       hub's stream until it holds them all: the publish rate and the replication rate
//   bangban-nats-load publish --edge HOST:PORT --count N [--size B] [--window W]
//       publishes only (e.g. while the hub is down)
//   bangban-nats-load wait --hub HOST:PORT --from M --total N [--timeout S]
//       from its start, connects (retrying while the hub starts) and polls until the hub's
//       stream holds N messages (M before the restart): the catch-up time after a hub restart
//
// Every figure is printed as `name value unit`, one a line, for bench/compare.sh to collect.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kEdgeStream = "EDGE";
constexpr const char* kHubStream = "HUB";
constexpr const char* kSubject = "edge.records";
// How often the hub's message count is asked for while waiting for it.
constexpr auto kInfoInterval = std::chrono::milliseconds(20);
// This long without any progress (acks or a growing count) means something is stuck.
constexpr auto kStallTimeout = std::chrono::seconds(30);

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One message delivered to us (MSG); headers are never asked for, so HMSG does not come.
struct Message {
  std::string subject;
  std::string payload;
};

// One client connection to a NATS server. Writes are buffered and sent by Flush (or when the
// buffer grows large); reads answer the server's PINGs by themselves.
class NatsConnection {
 public:
  // Connects to HOST:PORT and completes the handshake (INFO, CONNECT, PING/PONG). Throws
  // Failure if the server is not there or does not answer.
  explicit NatsConnection(const std::string& address) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos) throw Failure("address '" + address + "' is not HOST:PORT");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr) != 1) {
      throw Failure("address '" + address + "': not an IPv4 address");
    }
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw Failure("socket: " + std::string(strerror(errno)));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      std::string why = strerror(errno);
      close(fd_);
      throw Failure("connect to " + address + ": " + why);
    }
    std::string info = ReadLine(Clock::now() + std::chrono::seconds(5));
    if (info.rfind("INFO ", 0) != 0) throw Failure(address + " greeted with '" + info + "', not INFO");
    Write(
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,\"lang\":\"c++\",\"version\":\"0\"}\r\nPING\r\n");
    Flush();
    for (;;) {
      std::string line = ReadLine(Clock::now() + std::chrono::seconds(5));
      if (line == "PONG") break;
      if (line.rfind("-ERR", 0) == 0) throw Failure(address + ": " + line);
    }
  }
  ~NatsConnection() { close(fd_); }
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  int fd() const { return fd_; }
  // Whether a line was read but not taken yet: poll() on fd() cannot tell.
  bool buffered() const { return in_.find("\r\n", in_pos_) != std::string::npos; }

  void Subscribe(const std::string& subject, int sid) { Write("SUB " + subject + " " + std::to_string(sid) + "\r\n"); }

  void Publish(const std::string& subject, const std::string& reply, std::string_view payload) {
    Write("PUB " + subject + " " + reply + " " + std::to_string(payload.size()) + "\r\n");
    Write(payload);
    Write("\r\n");
  }

  void Flush() {
    size_t done = 0;
    while (done < out_.size()) {
      ssize_t n = send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Failure("send: " + std::string(n < 0 ? strerror(errno) : "connection closed"));
      done += static_cast<size_t>(n);
    }
    out_.clear();
  }

  // The next message delivered to us, if one arrives before `deadline`.
  std::optional<Message> Next(Clock::time_point deadline) {
    for (;;) {
      std::optional<std::string> line = TryLine();
      if (!line) {
        if (!Fill(deadline)) return std::nullopt;
        continue;
      }
      if (*line == "PING") {
        Write("PONG\r\n");
        Flush();
        continue;
      }
      if (*line == "PONG" || *line == "+OK" || line->rfind("INFO ", 0) == 0) continue;
      if (line->rfind("-ERR", 0) == 0) throw Failure("server: " + *line);
      if (line->rfind("MSG ", 0) != 0) throw Failure("unexpected from the server: '" + *line + "'");
      // MSG <subject> <sid> [reply-to] <#bytes>
      std::string_view rest(*line);
      rest.remove_prefix(4);
      Message message;
      message.subject = std::string(rest.substr(0, rest.find(' ')));
      size_t size = std::stoul(std::string(rest.substr(rest.rfind(' ') + 1)));
      while (in_.size() - in_pos_ < size + 2) {
        if (!Fill(Clock::now() + std::chrono::seconds(5))) throw Failure("a message's payload did not arrive");
      }
      message.payload = in_.substr(in_pos_, size);
      in_pos_ += size + 2;
      return message;
    }
  }

  // Sends a request and waits for its answer on `inbox` (subscribed by the caller).
  std::string Request(const std::string& subject, const std::string& inbox, std::string_view payload) {
    Publish(subject, inbox, payload);
    Flush();
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
    while (std::optional<Message> m = Next(deadline)) {
      if (m->subject == inbox) return m->payload;
    }
    throw Failure("no answer to " + subject + " within 10 s");
  }

 private:
  void Write(std::string_view bytes) {
    out_.append(bytes);
    if (out_.size() > (1 << 16)) Flush();
  }

  // A complete line (without CRLF) from what was read, if there is one.
  std::optional<std::string> TryLine() {
    size_t end = in_.find("\r\n", in_pos_);
    if (end == std::string::npos) return std::nullopt;
    std::string line = in_.substr(in_pos_, end - in_pos_);
    in_pos_ = end + 2;
    return line;
  }

  std::string ReadLine(Clock::time_point deadline) {
    for (;;) {
      if (std::optional<std::string> line = TryLine()) return *line;
      if (!Fill(deadline)) throw Failure("the server did not answer");
    }
  }

  // Reads what the socket has, waiting until `deadline`; false if nothing came in time.
  bool Fill(Clock::time_point deadline) {
    if (in_pos_ > 0 && in_pos_ == in_.size()) {
      in_.clear();
      in_pos_ = 0;
    } else if (in_pos_ > (1 << 20)) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd item{fd_, POLLIN, 0};
    int ready = poll(&item, 1, static_cast<int>(std::max<int64_t>(0, wait.count())));
    if (ready < 0 && errno == EINTR) return true;
    if (ready <= 0) return false;
    char buffer[1 << 16];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) throw Failure("recv: " + std::string(n < 0 ? strerror(errno) : "connection closed by the server"));
    in_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string out_;
  std::string in_;
  size_t in_pos_ = 0;
};

// The unsigned number after `"key":` in a JSON text, after `from` (the API's answers are flat
// enough that this needs no JSON parser). nullopt if absent.
std::optional<uint64_t> NumberAfter(const std::string& json, const std::string& key, size_t from = 0) {
  size_t at = json.find("\"" + key + "\":", from);
  if (at == std::string::npos) return std::nullopt;
  at += key.size() + 3;
  size_t end = at;
  while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
  if (end == at) return std::nullopt;
  return std::stoull(json.substr(at, end - at));
}

void ThrowIfApiError(const std::string& what, const std::string& answer) {
  if (answer.find("\"error\"") != std::string::npos) throw Failure(what + ": " + answer);
}

// The number of messages a stream holds, from $JS.API.STREAM.INFO.
uint64_t StreamMessages(NatsConnection& server, const std::string& inbox, const std::string& stream) {
  std::string answer = server.Request("$JS.API.STREAM.INFO." + stream, inbox, "");
  ThrowIfApiError("stream info " + stream, answer);
  std::optional<uint64_t> messages = NumberAfter(answer, "messages", answer.find("\"state\""));
  if (!messages) throw Failure("stream info " + stream + " has no state.messages: " + answer);
  return *messages;
}

void Figure(const std::string& name, double value, const std::string& unit, int precision = 0) {
  std::cout << name << " " << std::fixed << std::setprecision(precision) << value << " " << unit << "\n";
}

void Setup(const std::string& edge_address, const std::string& hub_address, const std::string& edge_domain) {
  NatsConnection edge(edge_address);
  edge.Subscribe("_INBOX.setup.>", 1);
  std::string edge_config = std::string("{\"name\":\"") + kEdgeStream +
                            "\",\"subjects\":[\"edge.>\"],\"storage\":\"file\",\"retention\":\"limits\","
                            "\"discard\":\"old\",\"num_replicas\":1}";
  ThrowIfApiError("create " + std::string(kEdgeStream),
                  edge.Request(std::string("$JS.API.STREAM.CREATE.") + kEdgeStream, "_INBOX.setup.edge", edge_config));

  NatsConnection hub(hub_address);
  hub.Subscribe("_INBOX.setup.>", 1);
  std::string hub_config = std::string("{\"name\":\"") + kHubStream +
                           "\",\"storage\":\"file\",\"retention\":\"limits\",\"discard\":\"old\",\"num_replicas\":1,"
                           "\"sources\":[{\"name\":\"" +
                           kEdgeStream + "\",\"external\":{\"api\":\"$JS." + edge_domain +
                           ".API\",\"deliver\":\"\"}}]}";
  ThrowIfApiError("create " + std::string(kHubStream),
                  hub.Request(std::string("$JS.API.STREAM.CREATE.") + kHubStream, "_INBOX.setup.hub", hub_config));
  std::cout << "streams: " << kEdgeStream << " on the edge, " << kHubStream << " on the hub sourcing it\n";
}

struct PublishOptions {
  std::string edge;
  std::string hub;
  uint64_t count = 0;
  size_t size = 400;
  size_t window = 256;
  double timeout = 600;
  uint64_t total = 0;
  uint64_t from = 0;
};

// Publishes `o.count` messages to the edge with at most `o.window` unacknowledged; with a hub,
// also polls its stream until it holds what it held before plus `o.count`.
void Publish(const PublishOptions& o, bool replicate) {
  NatsConnection edge(o.edge);
  edge.Subscribe("_INBOX.load.>", 1);
  edge.Flush();
  std::optional<NatsConnection> hub;
  uint64_t hub_target = 0;
  if (replicate) {
    hub.emplace(o.hub);
    hub->Subscribe("_INBOX.info", 1);
    hub_target = StreamMessages(*hub, "_INBOX.info", kHubStream) + o.count;
  }
  std::string payload(o.size, 'r');
  uint64_t sent = 0, acked = 0;
  uint64_t held = 0;
  bool info_pending = false;
  Clock::time_point start = Clock::now(), last_progress = start, next_info = start;
  std::optional<Clock::time_point> all_acked, all_held;
  while (!all_acked || (replicate && !all_held)) {
    while (sent < o.count && sent - acked < o.window) {
      edge.Publish(kSubject, "_INBOX.load.ack", payload);
      ++sent;
    }
    edge.Flush();
    if (replicate && !info_pending && !all_held && Clock::now() >= next_info) {
      hub->Publish(std::string("$JS.API.STREAM.INFO.") + kHubStream, "_INBOX.info", "");
      hub->Flush();
      info_pending = true;
      next_info = Clock::now() + kInfoInterval;
    }
    pollfd items[2] = {{edge.fd(), POLLIN, 0}, {replicate ? hub->fd() : -1, POLLIN, 0}};
    bool buffered = edge.buffered() || (replicate && hub->buffered());
    poll(items, replicate ? 2 : 1, buffered ? 0 : 5);
    Clock::time_point soon = Clock::now() + std::chrono::milliseconds(1);
    if (items[0].revents || edge.buffered()) {
      while (std::optional<Message> m = edge.Next(soon)) {
        if (m->payload.find("\"error\"") != std::string::npos) throw Failure("publish refused: " + m->payload);
        ++acked;
        last_progress = Clock::now();
        if (acked == o.count) {
          all_acked = last_progress;
          break;
        }
        if (sent - acked < o.window / 2) break;  // refill the window
      }
    }
    if (replicate && (items[1].revents || hub->buffered())) {
      while (std::optional<Message> m = hub->Next(soon)) {
        ThrowIfApiError("stream info", m->payload);
        info_pending = false;
        uint64_t now_held = NumberAfter(m->payload, "messages", m->payload.find("\"state\"")).value_or(0);
        if (now_held > held) last_progress = Clock::now();
        held = now_held;
        if (held >= hub_target) all_held = Clock::now();
        break;
      }
    }
    if (Clock::now() - last_progress > kStallTimeout) {
      throw Failure("stalled: " + std::to_string(acked) + " of " + std::to_string(o.count) +
                    " acknowledged, hub holds " + std::to_string(held));
    }
    if (Seconds(Clock::now() - start) > o.timeout) throw Failure("timed out");
  }
  double publish_s = Seconds(*all_acked - start);
  Figure("nats.publish.seconds", publish_s, "s", 2);
  Figure("nats.publish.rate", static_cast<double>(o.count) / publish_s, "msgs/s");
  if (replicate) {
    double held_s = Seconds(*all_held - start);
    Figure("nats.replicate.seconds", held_s, "s", 2);
    Figure("nats.replicate.rate", static_cast<double>(o.count) / held_s, "msgs/s");
  }
}

// Waits, from now, until the hub's stream holds `o.total` messages; the hub may still be
// starting, so connecting is retried.
void Wait(const PublishOptions& o) {
  Clock::time_point start = Clock::now();
  std::optional<NatsConnection> hub;
  while (!hub) {
    try {
      hub.emplace(o.hub);
    } catch (const Failure&) {
      if (Seconds(Clock::now() - start) > o.timeout) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  Clock::time_point connected = Clock::now();
  hub->Subscribe("_INBOX.wait", 1);
  uint64_t held = 0;
  Clock::time_point last_progress = Clock::now();
  std::optional<Clock::time_point> first_new;  // when the count first exceeded --from
  for (;;) {
    std::string answer = hub->Request(std::string("$JS.API.STREAM.INFO.") + kHubStream, "_INBOX.wait", "");
    // While JetStream recovers its streams after the restart, the API may answer with an error.
    if (answer.find("\"error\"") == std::string::npos) {
      uint64_t now_held = NumberAfter(answer, "messages", answer.find("\"state\"")).value_or(0);
      if (now_held > held) last_progress = Clock::now();
      held = now_held;
      if (held > o.from && !first_new) first_new = Clock::now();
      if (held >= o.total) break;
    }
    if (Clock::now() - last_progress > kStallTimeout) {
      throw Failure("stalled: the hub holds " + std::to_string(held) + " of " + std::to_string(o.total));
    }
    if (Seconds(Clock::now() - start) > o.timeout) throw Failure("timed out");
    std::this_thread::sleep_for(kInfoInterval);
  }
  Figure("nats.restart.connect_seconds", Seconds(connected - start), "s", 2);
  Clock::time_point done = Clock::now();
  if (!first_new) first_new = done;  // nothing was missing
  Figure("nats.restart.first_seconds", Seconds(*first_new - start), "s", 2);
  Figure("nats.restart.held_seconds", Seconds(done - start), "s", 2);
  Figure("nats.restart.rate", static_cast<double>(o.total - o.from) / Seconds(done - start), "msgs/s");
  // The transfer alone, without the time the hub took to start sourcing again.
  if (done > *first_new) {
    Figure("nats.restart.transfer_rate", static_cast<double>(o.total - o.from) / Seconds(done - *first_new), "msgs/s");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::cout << std::unitbuf;
  CLI::App app{"bangban-nats-load: NATS JetStream edge-to-hub replication load (bench/compare.sh)"};
  app.require_subcommand(1);
  PublishOptions o;
  std::string edge_domain;

  auto* setup = app.add_subcommand("setup", "Create the edge stream and the hub stream that sources it");
  setup->add_option("--edge", o.edge, "The edge server, HOST:PORT")->required();
  setup->add_option("--hub", o.hub, "The hub server, HOST:PORT")->required();
  setup->add_option("--edge-domain", edge_domain, "The edge's JetStream domain")->required();
  setup->callback([&] { Setup(o.edge, o.hub, edge_domain); });

  auto add_publish = [&](CLI::App* command) {
    command->add_option("--edge", o.edge, "The edge server, HOST:PORT")->required();
    command->add_option("--count", o.count, "Messages to publish")->required();
    command->add_option("--size", o.size, "Bytes per message")->capture_default_str();
    command->add_option("--window", o.window, "Most messages unacknowledged at once")->capture_default_str();
  };
  auto* replicate = app.add_subcommand("replicate", "Publish at the edge and wait until the hub holds everything");
  add_publish(replicate);
  replicate->add_option("--hub", o.hub, "The hub server, HOST:PORT")->required();
  replicate->callback([&] { Publish(o, true); });
  auto* publish = app.add_subcommand("publish", "Publish at the edge only");
  add_publish(publish);
  publish->callback([&] { Publish(o, false); });

  auto* wait = app.add_subcommand("wait", "Wait (from now) until the hub's stream holds --total messages");
  wait->add_option("--hub", o.hub, "The hub server, HOST:PORT")->required();
  wait->add_option("--total", o.total, "Messages the hub's stream must hold")->required();
  wait->add_option("--from", o.from, "Messages it held before the restart")->required();
  wait->add_option("--timeout", o.timeout, "Give up after this many seconds")->capture_default_str();
  wait->callback([&] { Wait(o); });

  try {
    CLI11_PARSE(app, argc, argv);
  } catch (const Failure& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
