// bangban-many-nodes: hundreds of outlet nodes in one process, against one real hub.
//
// Each simulated node has its own identity (derived from --seed, so `keys` and `run` agree
// without key files), its own DEALER socket with CurveZMQ, and its own feed of signed records
// (outlet.training, or with --mix day a working day's applications, resubmissions and ratings). One thread drives every
// socket with zmq::poll: a thread per node would measure the load generator's scheduler, not the hub.
//
//   bangban-many-nodes keys --count N --seed TEXT      the nodes' public keys, to enroll at the hub
//   bangban-many-nodes run --hub EP --hub-key HEX --count N --seed TEXT
//                          (--rate R --seconds S | --backlog B) [--mix training|day] [--hub-pid PID]
//                          [--sealing-key PERIOD:HEX]   (with --mix day: the hub's key, `bangban-hub sealing-key`)
//
// Steady mode: the nodes together create R records/s, each pushed alone as soon as it is
// created, and the time from push to ack is recorded (docs/performance.md has the targets). Backlog
// mode: every node pushes B records as fast as its window allows (the hub's durable ingest
// rate with N peers at once). With --hub-pid the hub's memory is sampled every second.
// bench/many_nodes.sh sets up a hub, enrolls the nodes and runs this.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "crypto/hash.h"
#include "daemon/command_line.h"
#include "node/intake.h"
#include "protocol/clock.h"
#include "protocol/record.h"
#include "sync/messages.h"
#include "sync/zap_handler.h"

using namespace bangban;
using Clock = std::chrono::steady_clock;

namespace {

// The protocol's window and push size (docs/protocol.md, "push"): what a hub whose welcome
// grants nothing expects, and the most a grant can allow.
constexpr size_t kDefaultWindow = 4;
constexpr size_t kDefaultPushBytes = kMaxPushBytes;
constexpr auto kWelcomeTimeout = std::chrono::seconds(60);
// Like the reference client's request timeout: this long without any progress means the hub
// stopped answering, and waiting longer would only hide it.
// How long nothing may move before the run counts as stalled; longer with --stall-seconds for a
// hub under a profiler (valgrind runs it tens of times slower).
auto stall_timeout = std::chrono::seconds(10);
// Refusal messages shown in full; the rest are only counted.
constexpr size_t kShownRefusals = 10;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double MiB(size_t kib) { return static_cast<double>(kib) / 1024.0; }

// Node i's identity (i from 1). The index comes last, after a separator, so two (seed, i)
// pairs can never give the same text.
SigningKey NodeKey(const std::string& seed, size_t i) {
  std::string index = std::to_string(i);
  Hash32 node_seed = Blake2b256({AsBytes("bangban-many-nodes/"), AsBytes(seed), AsBytes("/"), AsBytes(index)});
  return SigningKey::FromSeed(node_seed);
}

// What the nodes' feeds hold. `training`: outlet.training records only, the line of
// bench/city_load.sh. `day`: a working day at an outlet, repeating every 10 records: 5
// applications (app.submit, the applicant sealed to the county hub's key), 2 resubmissions
// answering a reviewer's correction request (app.resubmit, the outlet's part of a review; the
// review decisions themselves are the county hub's own records, never pushed by an outlet) and
// 3 applicants' ratings (feedback.rating). Applications and resubmissions also update the
// hub's case projection, so a day costs the hub more per record than training does.
enum class Mix { kTraining, kDay };
constexpr size_t kDayCycle = 10;
constexpr size_t kDayApplications = 5;
constexpr size_t kDayResubmissions = 2;

std::string AppId(size_t number, size_t application) {
  return "YH-" + std::to_string(number) + "-" + std::to_string(application);
}

// The body of an application, sealed once per node through the outlet's own intake to the hub's
// published sealing key (as a real outlet does, so the hub's linker opens and links each box):
// the hub stores the box as it came, so one seal per node costs it the same as one per
// application, and keeps the load generator's setup short.
Json ApplicationBody(size_t number, const SealingTarget& sealing_key) {
  // A valid GB 11643 number: 140802 (Yanhu district), born 1985-06-15, check digit computed.
  std::string id = "14080219850615" + std::to_string(100 + number % 900);
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
  id += "10X98765432"[sum % 11];
  Json input = {{"type", "app.submit"},
                {"app_id", AppId(number, 0)},
                {"kind", "establish"},
                {"entity_type", "individual"},
                {"entity_name", "运城市盐湖区老街小吃店"},
                {"applicant", {{"id_number", id}, {"name", "张三明"}}},
                {"realname_verified", true},
                {"channel", "outlet"},
                {"fee_cents", 0},
                {"helper", "李*"},
                {"materials", {"id_card", "lease"}}};
  return IntakeFromJson(input, sealing_key, CivilDate{2026, 1, 5}).body;
}

// Record `seq` of node `number`'s feed: its type and body.
std::pair<std::string, Json> FeedEntry(Mix mix, size_t number, uint64_t seq, const Json& application) {
  if (mix == Mix::kTraining) {
    return {"outlet.training",
            {{"outlet_id", "YH-" + std::to_string(number)},
             {"staff", "helper-" + std::to_string(seq)},
             {"course", "全程电子化登记操作培训"},
             {"hours", uint64_t{4}}}};
  }
  // Position in the cycle; resubmissions and ratings name applications of the same cycle.
  size_t cycle = (seq - 1) / kDayCycle, slot = (seq - 1) % kDayCycle;
  size_t first = cycle * kDayApplications + 1;
  if (slot < kDayApplications) {
    Json body = application;
    body["app_id"] = AppId(number, first + slot);
    return {"app.submit", std::move(body)};
  }
  if (slot < kDayApplications + kDayResubmissions) {
    return {"app.resubmit",
            {{"app_id", AppId(number, first + slot - kDayApplications)},
             {"materials", {"id_card", "lease", "lease_corrected"}},
             {"note", "补正：租赁合同已补盖出租方印章"}}};
  }
  return {"feedback.rating",
          {{"app_id", AppId(number, first + slot - kDayApplications - kDayResubmissions)}, {"score", uint64_t{5}}}};
}

// `count` records of node `number`'s feed, signed and chained up front so that signing does
// not compete with the hub for the CPU during the measured phase.
std::vector<Bytes> MakeFeed(const SigningKey& key, size_t number, size_t count, Mix mix,
                            const SealingTarget& sealing_key) {
  Json application = mix == Mix::kDay ? ApplicationBody(number, sealing_key) : Json();
  std::vector<Bytes> feed;
  feed.reserve(count);
  std::optional<RecordId> prev;
  for (uint64_t seq = 1; seq <= count; ++seq) {
    auto [type, body] = FeedEntry(mix, number, seq, application);
    Record record = Record::Create(key, type, seq, prev, NowMs(), std::move(body));
    prev = record.id();
    feed.push_back(record.wire());
  }
  return feed;
}

// One push waiting for its ack.
struct Push {
  uint64_t batch = 0;
  size_t records = 0;
  Clock::time_point sent;
};

// One simulated outlet node. Its feed is pushed in order: records [0, sent) are pushed,
// [sent, ready) are created and waiting for room in the window.
struct Node {
  size_t number = 0;  // 1-based, as enrolled by many_nodes.sh: name n<number>, outlet YH-<number>
  SigningKey key;
  std::vector<Bytes> feed;  // wire form; feed[k] has seq k + 1
  zmq::socket_t socket;
  size_t window = kDefaultWindow;
  size_t push_bytes = kDefaultPushBytes;
  bool hello_sent = false;
  bool welcomed = false;
  size_t ready = 0;
  size_t sent = 0;
  uint64_t acked = 0;  // the hub's acknowledged head of this node's feed
  uint64_t batch = 0;
  std::deque<Push> in_flight;
};

// What came back from the hub, over all nodes.
struct Tally {
  uint64_t pushes = 0;
  uint64_t accepted = 0;
  uint64_t duplicate = 0;
  uint64_t buffered = 0;
  uint64_t unexpected_replies = 0;          // a reply with no push in flight
  uint64_t held_by_window = 0;              // steady: records created while the window was full
  std::map<std::string, uint64_t> refused;  // records refused (or pushes failed), by code
  std::vector<std::string> refusal_messages;
  std::vector<double> ack_ms;  // per push: sent -> ack received
  std::vector<double> lag_ms;  // steady: per record, how late it was pushed against its schedule

  void Refuse(const std::string& code, uint64_t records, const std::string& message) {
    refused[code] += records;
    if (refusal_messages.size() < kShownRefusals) refusal_messages.push_back(code + ": " + message);
  }
};

// The hub's memory, open files and CPU, read from /proc/PID, at most once a second. VmRSS is
// what it holds now and VmHWM the kernel's record of its peak; both count the pages of the
// LMDB map it has touched (RssFile: page cache, shared and reclaimable), so RssAnon, its heap
// and stacks, is reported too.
class HubWatch {
 public:
  explicit HubWatch(int pid) : pid_(pid) {}

  bool enabled() const { return pid_ > 0; }
  size_t rss_kib() const { return rss_kib_; }
  size_t max_rss_kib() const { return max_rss_kib_; }
  size_t anon_kib() const { return anon_kib_; }
  size_t max_anon_kib() const { return max_anon_kib_; }
  size_t hwm_kib() const { return hwm_kib_; }
  size_t max_open_files() const { return max_open_files_; }

  void Sample() {
    if (!enabled() || Clock::now() - last_ < std::chrono::seconds(1)) return;
    SampleNow();
  }

  void SampleNow() {
    if (!enabled()) return;
    last_ = Clock::now();
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) rss_kib_ = std::stoul(line.substr(6));
      if (line.rfind("VmHWM:", 0) == 0) hwm_kib_ = std::stoul(line.substr(6));
      if (line.rfind("RssAnon:", 0) == 0) anon_kib_ = std::stoul(line.substr(8));
    }
    max_rss_kib_ = std::max(max_rss_kib_, rss_kib_);
    max_anon_kib_ = std::max(max_anon_kib_, anon_kib_);
    // A hub whose descriptor limit is too low for its peers fails their connections.
    std::error_code error;
    size_t open = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid_) + "/fd", error), end;
         !error && it != end; it.increment(error)) {
      ++open;
    }
    max_open_files_ = std::max(max_open_files_, open);
  }

  // User + system CPU time the hub has used so far.
  double CpuSeconds() const {
    if (!enabled()) return 0;
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces): state is the 3rd field of the
    // line, utime the 14th and stime the 15th.
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
    if (fields.size() < 13) return 0;
    return static_cast<double>(std::stoull(fields[11]) + std::stoull(fields[12])) / sysconf(_SC_CLK_TCK);
  }

 private:
  int pid_;
  Clock::time_point last_{};
  size_t rss_kib_ = 0;
  size_t max_rss_kib_ = 0;
  size_t anon_kib_ = 0;
  size_t max_anon_kib_ = 0;
  size_t hwm_kib_ = 0;
  size_t max_open_files_ = 0;
};

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Every node holds a socket (an eventfd) and a TCP connection: ~2 descriptors per node.
void RaiseFileLimit(size_t nodes) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 2 * nodes + 64) {
    std::cerr << "warning: only " << limit.rlim_cur << " file descriptors allowed for " << nodes
              << " nodes; some connections will fail (raise `ulimit -n`)\n";
  }
}

zmq::socket_t ConnectNode(zmq::context_t& context, const SigningKey& key, const PublicKey& hub,
                          const std::string& endpoint) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  // The reference client's options (sync/sync_client.cc), so that the hub sees real nodes.
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  socket.set(zmq::sockopt::heartbeat_ivl, 2000);
  socket.set(zmq::sockopt::heartbeat_timeout, 6000);
  socket.set(zmq::sockopt::heartbeat_ttl, 6000);
  // With `immediate`, the socket becomes writable only once the CurveZMQ handshake and the
  // hub's ZAP admission are done: POLLOUT tells us when to say hello.
  socket.set(zmq::sockopt::immediate, true);
  SetCurveClient(socket, key, hub);
  socket.connect(endpoint);
  return socket;
}

// False if the message cannot be queued now (no connection: ZeroMQ reconnects by itself).
bool Send(zmq::socket_t& socket, const Json& message) {
  Bytes bytes = EncodeMessage(message);
  return socket.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait).has_value();
}

std::optional<Json> Receive(zmq::socket_t& socket) {
  zmq::message_t payload;
  if (!socket.recv(payload, zmq::recv_flags::dontwait)) return std::nullopt;
  return DecodeMessage(ByteView(static_cast<const uint8_t*>(payload.data()), payload.size()));
}

Json Hello(const Node& node) {
  // A node that has never synced names its own feed as [own key, 0, zeros].
  return HelloMessage{kSyncVersion, {{node.key.public_key(), 0, {}}}}.ToJson();
}

void TakeWelcome(Node& node, const Json& reply) {
  std::string type = reply.value("type", "");
  if (type != "welcome") {
    throw Error(ErrorCode::kMalformed, "node n" + std::to_string(node.number) + ": the hub answered hello with " +
                                           type + " " + reply.value("code", "") + " " + reply.value("message", ""));
  }
  // A hub may grant each peer less than the protocol's window and push size (admission
  // control); one that says nothing expects the protocol's. Like sync/sync_client.cc.
  if (reply.contains("window") && reply["window"].is_number_unsigned()) {
    node.window = std::clamp<size_t>(reply["window"].get<size_t>(), 1, kDefaultWindow);
  }
  if (reply.contains("push_bytes") && reply["push_bytes"].is_number_unsigned()) {
    node.push_bytes = std::clamp<size_t>(reply["push_bytes"].get<size_t>(), 1, kDefaultPushBytes);
  }
  for (const FeedPosition& p : WelcomeMessage::FromJson(reply).heads) {
    if (p.author == node.key.public_key() && p.seq > 0) {
      // Our records are signed afresh each run: pushing them after an earlier run's would fork
      // the feed and get the key quarantined.
      throw Error(ErrorCode::kUsage,
                  "the hub already holds seq " + std::to_string(p.seq) + " of node n" + std::to_string(node.number) +
                      "'s feed (an earlier run with this --seed): use a fresh hub or another --seed");
    }
  }
  node.welcomed = true;
}

// Connects every node and exchanges hello/welcome, all at once as after a county-wide outage.
// Returns each node's time from connect to welcome (ms), in the order welcomes came.
std::vector<double> Handshake(std::vector<Node>& nodes, zmq::context_t& context, const PublicKey& hub_key,
                              const std::string& endpoint, HubWatch& hub) {
  Clock::time_point start = Clock::now();
  for (Node& node : nodes) node.socket = ConnectNode(context, node.key, hub_key, endpoint);
  std::vector<double> welcome_ms;
  std::vector<zmq::pollitem_t> items;
  std::vector<Node*> owners;
  while (welcome_ms.size() < nodes.size() && Clock::now() - start < kWelcomeTimeout) {
    items.clear();
    owners.clear();
    for (Node& node : nodes) {
      if (node.welcomed) continue;
      items.push_back({node.socket.handle(), 0, static_cast<short>(node.hello_sent ? ZMQ_POLLIN : ZMQ_POLLOUT), 0});
      owners.push_back(&node);
    }
    zmq::poll(items, std::chrono::milliseconds(100));
    for (size_t i = 0; i < items.size(); ++i) {
      Node& node = *owners[i];
      if (items[i].revents & ZMQ_POLLOUT) node.hello_sent = Send(node.socket, Hello(node));
      if (items[i].revents & ZMQ_POLLIN) {
        if (std::optional<Json> reply = Receive(node.socket)) {
          TakeWelcome(node, *reply);
          welcome_ms.push_back(Ms(Clock::now() - start));
        }
      }
    }
    hub.Sample();
  }
  return welcome_ms;
}

// Pushes the node's created records that were not pushed yet, as far as its window allows.
// `per_push` caps the records in one push (steady mode: 1, one application at a time).
void SendPushes(Node& node, size_t per_push, Tally& tally) {
  while (node.sent < node.ready && node.in_flight.size() < node.window) {
    Json records = Json::array();
    size_t bytes = 0;
    size_t end = node.sent;
    // Up to push_bytes of records, but always at least one (protocol.md: one record always fits).
    while (end < node.ready && records.size() < per_push &&
           (records.empty() || bytes + node.feed[end].size() <= node.push_bytes)) {
      bytes += node.feed[end].size();
      records.push_back(Json::binary(node.feed[end]));
      ++end;
    }
    Json push = {{"type", "push"}, {"batch", node.batch + 1}, {"records", std::move(records)}};
    if (!Send(node.socket, push)) return;  // disconnected for now; retried on the next turn
    node.in_flight.push_back({++node.batch, end - node.sent, Clock::now()});
    node.sent = end;
    ++tally.pushes;
  }
}

void TakeReply(Node& node, const Json& reply, Tally& tally) {
  if (node.in_flight.empty()) {
    ++tally.unexpected_replies;
    return;
  }
  // The hub answers one peer's pushes in the order they came (protocol.md, "Order of replies").
  Push push = node.in_flight.front();
  node.in_flight.pop_front();
  tally.ack_ms.push_back(Ms(Clock::now() - push.sent));
  std::string who = "node n" + std::to_string(node.number) + " batch " + std::to_string(push.batch);
  std::string type = reply.value("type", "");
  if (type != "ack") {
    // An `error` (e.g. storage) instead of an ack: nothing of that push was stored.
    tally.Refuse(type == "error" ? reply.value("code", "error") : "unexpected:" + type, push.records,
                 who + ": " + reply.value("message", ""));
    return;
  }
  if (reply.value("batch", uint64_t{0}) != push.batch) {
    tally.Refuse("batch_mismatch", push.records, who + ": the ack names batch " + reply.value("batch", Json()).dump());
  }
  tally.accepted += reply.value("accepted", uint64_t{0});
  tally.duplicate += reply.value("duplicate", uint64_t{0});
  tally.buffered += reply.value("buffered", uint64_t{0});
  for (const Json& r : reply.value("rejections", Json::array())) {
    tally.Refuse(r.value("code", ""), 1,
                 who + " seq " + std::to_string(r.value("seq", uint64_t{0})) + ": " + r.value("message", ""));
  }
  for (const FeedPosition& p : AckMessage::FromJson(reply).heads) {
    if (p.author == node.key.public_key()) node.acked = std::max(node.acked, p.seq);
  }
}

// Steady mode's clock: record k of the run (k from 0) is created at start + k / rate by node
// k mod N. So the nodes together create `rate` records/s, each node rate/N per second, and
// their phases are spread evenly instead of all firing at once.
class Schedule {
 public:
  Schedule(double rate, size_t total) : rate_(rate), total_(total) {}

  void Start() { start_ = Clock::now(); }
  bool done() const { return next_ == total_; }
  Clock::time_point Due(size_t k) const {
    return start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / rate_));
  }
  Clock::time_point next_due() const { return Due(next_); }

  // Creates every record that is due: it becomes ready to push on its node.
  void Release(std::vector<Node>& nodes, Tally& tally) {
    Clock::time_point now = Clock::now();
    for (; next_ < total_ && Due(next_) <= now; ++next_) {
      Node& node = nodes[next_ % nodes.size()];
      ++node.ready;
      tally.lag_ms.push_back(Ms(now - Due(next_)));
      SendPushes(node, 1, tally);
      if (node.sent < node.ready) ++tally.held_by_window;
    }
  }

 private:
  double rate_;
  size_t total_;
  size_t next_ = 0;
  Clock::time_point start_{};
};

// Runs until every created record is acknowledged, or nothing moved for stall_timeout.
// Returns false on a stall.
bool Drive(std::vector<Node>& nodes, size_t per_push, Schedule* schedule, Tally& tally, HubWatch& hub) {
  std::vector<zmq::pollitem_t> items;
  std::vector<Node*> owners;
  Clock::time_point last_progress = Clock::now();
  for (;;) {
    uint64_t pushes_before = tally.pushes;
    if (schedule) schedule->Release(nodes, tally);
    items.clear();
    owners.clear();
    bool waiting = false;  // records created but not pushed (window full, or not connected)
    for (Node& node : nodes) {
      if (node.sent < node.ready) SendPushes(node, per_push, tally);
      waiting = waiting || node.sent < node.ready;
      // Only a socket with a push in flight can have a reply waiting; polling the idle ones
      // too would cost ZeroMQ bookkeeping for every node on every wake-up.
      if (!node.in_flight.empty()) {
        items.push_back({node.socket.handle(), 0, ZMQ_POLLIN, 0});
        owners.push_back(&node);
      }
    }
    if (tally.pushes != pushes_before) last_progress = Clock::now();
    bool scheduled = schedule && !schedule->done();
    if (items.empty() && !waiting && !scheduled) return true;
    if ((!items.empty() || waiting) && Clock::now() - last_progress > stall_timeout) return false;

    auto timeout = std::chrono::milliseconds(100);
    if (scheduled) {
      auto until = std::chrono::ceil<std::chrono::milliseconds>(schedule->next_due() - Clock::now());
      timeout = std::clamp(until, std::chrono::milliseconds(0), timeout);
    }
    if (items.empty()) {
      std::this_thread::sleep_for(timeout);
    } else {
      zmq::poll(items, timeout);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if ((items[i].revents & ZMQ_POLLIN) == 0) continue;
      while (std::optional<Json> reply = Receive(owners[i]->socket)) TakeReply(*owners[i], *reply, tally);
      last_progress = Clock::now();
    }
    hub.Sample();
  }
}

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string Distribution(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << "p50 " << Percentile(values, 0.50) << " ms, p90 "
      << Percentile(values, 0.90) << " ms, p99 " << Percentile(values, 0.99) << " ms, max "
      << (values.empty() ? 0.0 : values.back()) << " ms";
  return out.str();
}

struct RunOptions {
  std::string endpoint;
  std::string hub_key_hex;
  size_t count = 0;
  std::string seed;
  double rate = 0;
  double seconds = 0;
  size_t backlog = 0;
  Mix mix = Mix::kTraining;
  std::string sealing_key_text;  // PERIOD:HEX
  SealingTarget sealing_key;     // parsed from it
  int hub_pid = 0;
  int stall_seconds = 10;
};

size_t RecordsPerNode(const RunOptions& o) {
  if (o.backlog > 0) return o.backlog;
  return static_cast<size_t>(std::ceil(o.rate * o.seconds / static_cast<double>(o.count)));
}

std::vector<Node> MakeNodes(const RunOptions& o) {
  size_t per_node = RecordsPerNode(o);
  Clock::time_point start = Clock::now();
  std::vector<Node> nodes;
  nodes.reserve(o.count);
  for (size_t i = 1; i <= o.count; ++i) {
    SigningKey key = NodeKey(o.seed, i);
    std::vector<Bytes> feed = MakeFeed(key, i, per_node, o.mix, o.sealing_key);
    nodes.push_back(Node{.number = i, .key = std::move(key), .feed = std::move(feed)});
  }
  std::cout << std::fixed << std::setprecision(2) << "signed " << o.count * per_node << " records (" << per_node
            << " per node) in " << Seconds(Clock::now() - start) << " s, before the measured phase\n";
  return nodes;
}

// The windows and push sizes the hub granted, e.g. "window 4, push_bytes 262144" or ranges.
std::string Grants(const std::vector<Node>& nodes) {
  auto [window_min, window_max] =
      std::minmax_element(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) { return a.window < b.window; });
  auto [bytes_min, bytes_max] = std::minmax_element(
      nodes.begin(), nodes.end(), [](const Node& a, const Node& b) { return a.push_bytes < b.push_bytes; });
  auto range = [](size_t low, size_t high) {
    return low == high ? std::to_string(low) : std::to_string(low) + ".." + std::to_string(high);
  };
  return "window " + range(window_min->window, window_max->window) + ", push_bytes " +
         range(bytes_min->push_bytes, bytes_max->push_bytes);
}

void PrintMemory(const std::string& when, const HubWatch& hub) {
  if (!hub.enabled()) return;
  std::cout << std::fixed << std::setprecision(1) << "hub memory " << when << ": RSS " << MiB(hub.rss_kib())
            << " MiB (anonymous " << MiB(hub.anon_kib()) << " MiB)\n";
}

void PrintHub(const HubWatch& hub, double cpu_used, double elapsed) {
  if (!hub.enabled()) return;
  std::cout << std::fixed << std::setprecision(1) << "hub memory: max RSS seen " << MiB(hub.max_rss_kib())
            << " MiB (anonymous max " << MiB(hub.max_anon_kib()) << " MiB, the rest LMDB pages), final RSS "
            << MiB(hub.rss_kib()) << " MiB, VmHWM (peak) " << MiB(hub.hwm_kib()) << " MiB; open files max "
            << hub.max_open_files() << "\n";
  std::cout << "hub CPU in the measured phase: " << cpu_used << " s in " << elapsed << " s (" << std::setprecision(0)
            << 100 * cpu_used / elapsed << "% of one core)\n";
}

// Prints the results; returns the exit code (1 if anything was refused or left unacknowledged).
int Report(const RunOptions& o, const std::vector<Node>& nodes, const Tally& tally, double elapsed, bool stalled) {
  uint64_t created = 0, acked = 0;
  for (const Node& node : nodes) {
    created += node.ready;
    acked += node.acked;
  }
  std::cout << std::fixed << std::setprecision(0) << "records acknowledged: " << acked << " of " << created << " in "
            << std::setprecision(2) << elapsed << " s = " << std::setprecision(0)
            << static_cast<double>(acked) / elapsed << " records/s (" << tally.pushes << " pushes; accepted "
            << tally.accepted << ", duplicate " << tally.duplicate << ", buffered " << tally.buffered << ")\n";
  if (tally.refused.empty()) {
    std::cout << "rejections: none\n";
  } else {
    std::cout << "rejections:";
    for (const auto& [code, n] : tally.refused) std::cout << " " << code << " " << n;
    std::cout << "\n";
    for (const std::string& m : tally.refusal_messages) std::cout << "  " << m << "\n";
  }
  // In backlog mode every push queues behind everyone else's: this is mostly time in the queue.
  std::cout << "ack latency (push sent -> ack received, " << tally.ack_ms.size() << " pushes"
            << (o.backlog > 0 ? ", queued behind the whole backlog" : "") << "): " << Distribution(tally.ack_ms)
            << "\n";
  if (o.backlog == 0) {
    std::cout << "push lag behind schedule (load generator): " << Distribution(tally.lag_ms)
              << "; records held back by a full window: " << tally.held_by_window << "\n";
  }
  if (tally.unexpected_replies > 0) std::cout << "replies with no push in flight: " << tally.unexpected_replies << "\n";

  int code = kExitOk;
  if (stalled) {
    std::cerr << "error: the hub stopped answering: nothing moved for " << Seconds(stall_timeout) << " s\n";
    code = kExitError;
  }
  if (!tally.refused.empty()) {
    std::cerr << "error: the hub refused records (see rejections above)\n";
    code = kExitError;
  }
  if (acked < created) {
    std::cerr << "error: " << created - acked << " records were never acknowledged\n";
    code = kExitError;
  }
  return code;
}

int Run(RunOptions& o) {
  if (o.stall_seconds < 1) throw Error(ErrorCode::kUsage, "--stall-seconds must be at least 1");
  stall_timeout = std::chrono::seconds(o.stall_seconds);
  auto hub_key = FromHexFixed<32>(o.hub_key_hex);
  if (!hub_key) throw Error(ErrorCode::kUsage, "--hub-key must be 64 hex characters");
  if (o.mix == Mix::kDay) {
    std::optional<SealingTarget> target = ParseSealingTarget(o.sealing_key_text);
    if (!target) {
      throw Error(ErrorCode::kUsage,
                  "--mix day needs --sealing-key PERIOD:HEX, the hub's published key (`bangban-hub sealing-key`)");
    }
    o.sealing_key = *target;
  }
  bool steady = o.backlog == 0;
  if (steady && (o.rate <= 0 || o.seconds <= 0))
    throw Error(ErrorCode::kUsage, "give --rate and --seconds, or --backlog");
  if (!steady && o.rate > 0) throw Error(ErrorCode::kUsage, "--backlog and --rate exclude each other");
  RaiseFileLimit(o.count);

  HubWatch hub(o.hub_pid);
  // One I/O thread per core for encryption; sockets for every node plus ZeroMQ's own. Declared
  // before the nodes so that their sockets close first: a context waits for its sockets.
  zmq::context_t context(2, static_cast<int>(o.count + 64));
  std::vector<Node> nodes = MakeNodes(o);
  hub.SampleNow();
  PrintMemory("before the nodes connect", hub);

  std::vector<double> welcome_ms = Handshake(nodes, context, *hub_key, o.endpoint, hub);
  if (welcome_ms.size() < nodes.size()) {
    std::cerr << "error: " << nodes.size() - welcome_ms.size() << " of " << nodes.size()
              << " nodes got no welcome within " << Seconds(kWelcomeTimeout)
              << " s: not enrolled at the hub (enroll the keys of `keys`), the hub is unreachable, or it has "
                 "run out of file descriptors (one per node: raise its `ulimit -n`)\n";
    return kExitError;
  }
  std::cout << std::fixed << std::setprecision(2) << "nodes: " << nodes.size()
            << " connected (CurveZMQ + ZAP) and welcomed in " << welcome_ms.back() / 1000 << " s; half of them within "
            << Percentile(welcome_ms, 0.5) / 1000 << " s\n"
            << "granted: " << Grants(nodes) << "\n";
  hub.SampleNow();
  PrintMemory("with every node connected", hub);

  Tally tally;
  std::optional<Schedule> schedule;
  if (steady) {
    std::cout << std::defaultfloat << std::setprecision(6) << "steady: " << o.rate << " records/s for " << o.seconds
              << " s, " << o.rate / o.count << " records/s per node, one record per push\n";
    schedule.emplace(o.rate, nodes.size() * RecordsPerNode(o));
    schedule->Start();
  } else {
    std::cout << "backlog: every node pushes " << o.backlog << " records at once, as its grant allows\n";
    for (Node& node : nodes) node.ready = node.feed.size();
  }
  double hub_cpu = hub.CpuSeconds(), own_cpu = OwnCpuSeconds();
  Clock::time_point start = Clock::now();
  bool finished = Drive(nodes, steady ? 1 : SIZE_MAX, schedule ? &*schedule : nullptr, tally, hub);
  double elapsed = Seconds(Clock::now() - start);
  hub.SampleNow();

  int code = Report(o, nodes, tally, elapsed, !finished);
  PrintHub(hub, hub.CpuSeconds() - hub_cpu, elapsed);
  std::cout << std::fixed << std::setprecision(1)
            << "load generator CPU in the measured phase: " << OwnCpuSeconds() - own_cpu << " s\n";
  // Whether the heap returns towards its idle size once the burst is over.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  hub.SampleNow();
  PrintMemory("2 s after the last ack", hub);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::cout << std::unitbuf;  // progress shows as it happens, also through a pipe
  CLI::App app{"bangban-many-nodes: many outlet nodes in one process against one hub (load test)"};
  app.require_subcommand(1);
  int exit_code = kExitOk;
  RunOptions o;

  auto* keys = app.add_subcommand("keys", "Print the nodes' public keys (hex), one a line, to enroll at the hub");
  keys->add_option("--count", o.count, "Number of nodes")->required();
  keys->add_option("--seed", o.seed, "Text the node keys are derived from")->required();
  keys->callback([&] {
    for (size_t i = 1; i <= o.count; ++i) std::cout << ToHex(NodeKey(o.seed, i).public_key()) << "\n";
  });

  auto* run = app.add_subcommand("run", "Connect the nodes to the hub, push records, and report ack latency and rates");
  run->add_option("--hub", o.endpoint, "The hub's endpoint, e.g. tcp://127.0.0.1:7100")->required();
  run->add_option("--hub-key", o.hub_key_hex, "The hub's public key (hex)")->required();
  run->add_option("--count", o.count, "Number of nodes (the keys of `keys`, enrolled)")->required();
  run->add_option("--seed", o.seed, "Text the node keys are derived from (as for `keys`)")->required();
  run->add_option("--rate", o.rate, "Steady mode: records per second, all nodes together");
  run->add_option("--seconds", o.seconds, "Steady mode: how long");
  run->add_option("--backlog", o.backlog, "Backlog mode: records each node pushes at once");
  run->add_option("--mix", o.mix,
                  "What the feeds hold: training (outlet.training only) or day (per 10 records: "
                  "5 app.submit, 2 app.resubmit, 3 feedback.rating)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Mix>{{"training", Mix::kTraining}, {"day", Mix::kDay}}))
      ->default_str("training");
  run->add_option("--sealing-key", o.sealing_key_text,
                  "With --mix day: the hub's sealing key the applications are sealed to, PERIOD:HEX as "
                  "`bangban-hub sealing-key` prints it");
  run->add_option("--stall-seconds", o.stall_seconds,
                  "Give up when nothing moved for this long (default 10; more for a hub under a profiler)");
  run->add_option("--hub-pid", o.hub_pid, "The hub's process id: sample its memory and CPU from /proc");
  run->callback([&] { exit_code = Run(o); });

  return RunCommandLine(app, argc, argv, exit_code);
}
