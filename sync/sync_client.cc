#include "sync/sync_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <set>

#include "crypto/coding.h"
#include "protocol/codec.h"
#include "sync/zap_handler.h"

namespace bangban {

namespace {

std::string FeedName(const PublicKey& author, uint64_t seq) {
  return "feed " + KeyId(author) + " seq " + std::to_string(seq);
}

void SaveAcked(FeedStore& store, const std::map<PublicKey, uint64_t>& acked) {
  Json j = Json::object();
  for (const auto& [author, seq] : acked) j[ToHex(author)] = seq;
  store.PutMeta(kAckedMeta, EncodeJson(j));
}

// What upstream lets us have in flight: its grant (the protocol's largest if it sent none),
// within the protocol's bounds and our own window.
PushGrant GrantOf(const WelcomeMessage& welcome, size_t own_window) {
  PushGrant grant;
  grant.window = std::clamp<size_t>(welcome.grant.window, 1, kMaxWindow);
  grant.push_bytes = std::clamp<size_t>(welcome.grant.push_bytes, 1, kMaxPushBytes);
  grant.window = std::min(grant.window, std::max<size_t>(1, own_window));
  return grant;
}

// Upstream's head of `author` in a welcome, 0 if it named none.
uint64_t UpstreamHead(const WelcomeMessage& welcome, const PublicKey& author) {
  for (const FeedPosition& p : welcome.heads) {
    if (p.author == author) return p.seq;
  }
  return 0;
}

}  // namespace

std::map<PublicKey, uint64_t> LoadAcked(const FeedStore& store) {
  std::map<PublicKey, uint64_t> acked;
  auto bytes = store.GetMeta(kAckedMeta);
  if (!bytes) return acked;
  auto handle = UnpackExactly(*bytes, "acked", kMaxMessageBytes * 8);
  Json saved = ObjectToJson(handle.get(), "acked");
  for (const auto& [hex, seq] : saved.items()) {
    if (auto key = FromHexFixed<32>(hex)) acked[*key] = seq.get<uint64_t>();
  }
  return acked;
}

SyncClient::SyncClient(Options options) : options_(std::move(options)), context_(1) {}

SyncClient::~SyncClient() {
  monitor_.reset();
  socket_.reset();
}

void SyncClient::Connect() {
  monitor_.reset();
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  // Watch the handshake, so that a refused key is reported as such rather than as a timeout.
  static std::atomic<int> monitors{0};
  std::string address = "inproc://bangban-sync-monitor-" + std::to_string(++monitors);
  if (zmq_socket_monitor(static_cast<void*>(*socket_), address.c_str(), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) == 0) {
    monitor_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(address);
  }
  socket_->set(zmq::sockopt::linger, 0);
  socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  socket_->set(zmq::sockopt::heartbeat_ivl, 2000);
  socket_->set(zmq::sockopt::heartbeat_timeout, 6000);
  socket_->set(zmq::sockopt::heartbeat_ttl, 6000);
  socket_->set(zmq::sockopt::immediate, true);  // queue nothing on a connection not yet made
  SetCurveClient(*socket_, *options_.identity, options_.upstream);
  socket_->connect(options_.endpoint);
}

void SyncClient::CheckRefused() {
  if (!monitor_) return;
  zmq::message_t event;
  if (!monitor_->recv(event, zmq::recv_flags::dontwait)) return;
  socket_.reset();
  monitor_.reset();
  throw Error(ErrorCode::kRefused, options_.endpoint + " refused this party's key " +
                                       KeyId(options_.identity->public_key()) +
                                       ": it is not enrolled there (or was revoked); ask the county to enroll it");
}

void SyncClient::Send(const Json& message) {
  Bytes bytes = EncodeMessage(message);
  // With `immediate`, a send before the handshake completes would block: wait for it within
  // the timeout, like a receive.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  while (!socket_->send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait)) {
    CheckRefused();
    if (std::chrono::steady_clock::now() > deadline) {
      socket_.reset();
      throw Error(ErrorCode::kUnreachable,
                  "no connection to " + options_.endpoint + " within " + std::to_string(options_.timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Json SyncClient::Receive() {
  zmq::pollitem_t items[2] = {{static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0},
                              {monitor_ ? static_cast<void*>(*monitor_) : nullptr, 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, monitor_ ? 2 : 1, std::chrono::milliseconds(options_.timeout_ms));
  if (items[1].revents & ZMQ_POLLIN) CheckRefused();
  if ((items[0].revents & ZMQ_POLLIN) == 0) {
    socket_.reset();  // a late reply must never be taken for the next request's
    throw Error(ErrorCode::kUnreachable,
                options_.endpoint + " did not answer within " + std::to_string(options_.timeout_ms) + " ms");
  }
  zmq::message_t payload;
  (void)socket_->recv(payload, zmq::recv_flags::none);
  Json message = DecodeMessage(ByteView(static_cast<const uint8_t*>(payload.data()), payload.size()));
  return message;
}

Json SyncClient::Request(const Json& message) {
  Send(message);
  Json reply = Receive();
  if (MessageType(reply) == ErrorMessage::kType) {
    ErrorMessage error = ErrorMessage::FromJson(reply);
    throw Error::Relayed(error.code, "upstream refused: " + error.message);
  }
  return reply;
}

WelcomeMessage SyncClient::Hello() {
  std::vector<FeedPosition> heads;
  bool own_listed = false;
  for (const auto& [author, head] : options_.store->Heads()) {
    heads.push_back({author, head.seq, head.id});
    own_listed = own_listed || author == options_.identity->public_key();
  }
  // Always ask about our own feed: upstream may hold more of it than we do (a restored backup).
  if (!own_listed) heads.push_back({options_.identity->public_key(), 0, {}});
  // In pages, so that a party holding many feeds (a county hub) never exceeds a message; the
  // welcomes are joined into one: every page's heads, the last page's grant and offers.
  WelcomeMessage welcome;
  std::vector<FeedPosition> upstream_heads;
  const size_t page_size = std::clamp<size_t>(options_.heads_per_hello, 1, kMaxHeadsPerHello);
  for (size_t first = 0; first < heads.size(); first += page_size) {
    HelloMessage hello;
    hello.heads.assign(heads.begin() + first, heads.begin() + std::min(heads.size(), first + page_size));
    welcome = WelcomeMessage::FromJson(Request(hello.ToJson()));
    upstream_heads.insert(upstream_heads.end(), welcome.heads.begin(), welcome.heads.end());
  }
  welcome.heads = std::move(upstream_heads);
  return welcome;
}

std::vector<Bytes> SyncClient::NextPush(std::vector<Range>& ranges, size_t push_bytes) {
  std::vector<Bytes> records;
  size_t bytes = 0;
  while (!ranges.empty()) {
    Range& range = ranges.front();
    bool full = false;
    options_.store->ScanFeedWire(range.author, range.next, range.last, [&](uint64_t seq, ByteView wire) {
      if (bytes + wire.size() > push_bytes && !records.empty()) {
        full = true;
        return false;
      }
      bytes += wire.size();
      records.emplace_back(wire.begin(), wire.end());
      range.next = seq + 1;
      return true;
    });
    if (full) break;
    ranges.erase(ranges.begin());
  }
  return records;
}

void SyncClient::HandleAck(const Json& answer, Result& result, std::map<PublicKey, uint64_t>& acked) {
  if (MessageType(answer) == ErrorMessage::kType) {  // a refusal of that push
    ErrorMessage error = ErrorMessage::FromJson(answer);
    result.refusals.push_back("upstream: " + error.code + ": " + error.message);
    return;
  }
  AckMessage ack = AckMessage::FromJson(answer);
  result.accepted += ack.accepted;
  result.duplicate += ack.duplicate;
  for (const FeedPosition& p : ack.heads) acked[p.author] = std::max(acked[p.author], p.seq);
  for (const RecordRejection& r : ack.rejections) {
    result.refusals.push_back("seq " + std::to_string(r.seq) + ": " + r.code + ": " + r.message);
  }
  if (ack.tree_head) options_.store->PutMeta(kTreeHeadMeta, *ack.tree_head);
}

void SyncClient::PushForkEvidence(Result& result, size_t push_bytes) {
  // Fork evidence travels upward too, so the city sees every fork a county saw. Upstream
  // answers each conflicting record with a fork outcome: that is the point, not a refusal.
  std::vector<Record> evidence = options_.store->ForkEvidence();
  auto sent = options_.store->GetMeta(kEvidenceSentMeta);
  size_t next = 0;
  if (sent) {
    ByteView in(*sent);
    next = GetBigEndian64(in).value_or(0);
  }
  // Only what was not sent yet, in pushes of bounded size like any other.
  while (next < evidence.size()) {
    PushMessage push;
    push.batch = 0;
    push.evidence = true;
    size_t bytes = 0;
    for (; next < evidence.size() && (push.records.empty() || bytes + evidence[next].wire().size() <= push_bytes);
         ++next) {
      bytes += evidence[next].wire().size();
      push.records.push_back(evidence[next].wire());
    }
    AckMessage ack = AckMessage::FromJson(Request(push.ToJson()));
    for (const RecordRejection& r : ack.rejections) {
      if (r.code != ErrorCode::kForked.name()) result.refusals.push_back("fork evidence: " + r.code + ": " + r.message);
    }
    Bytes count;
    PutBigEndian64(count, next);
    options_.store->PutMeta(kEvidenceSentMeta, count);
  }
}

void SyncClient::Pull(const WelcomeMessage& welcome, Result& result) {
  std::vector<FeedPosition> wanted;
  auto want = [&](const PublicKey& author) {
    FeedHead head = options_.store->Head(author);
    wanted.push_back({author, head.seq, head.id});
  };
  // Of what upstream offers, only the feeds of our own trust roots (the county hub for an
  // outlet, the city for a county hub): those are the enrollments and decisions that concern us.
  for (const FeedPosition& offered : welcome.offered) {
    bool ours = options_.store->IsRoot(offered.author) && offered.author != options_.identity->public_key();
    if (ours && offered.seq > options_.store->Head(offered.author).seq) want(offered.author);
  }
  // Our own feed, if upstream holds more of it than we do (restored from an old backup).
  const PublicKey& own = options_.identity->public_key();
  for (const FeedPosition& p : welcome.heads) {
    if (p.author == own && p.seq > options_.store->Head(own).seq) {
      options_.store->PutMeta(kBehindFlag, AsBytes("1"));
      want(own);
      result.recovered = true;
    }
  }
  while (!wanted.empty()) {
    RecordsMessage answer = RecordsMessage::FromJson(Request(PullMessage{wanted}.ToJson()));
    std::vector<Record> records;
    for (const Bytes& wire : answer.records) records.push_back(Record::Decode(wire));
    for (const IngestOutcome& o : options_.store->Ingest(records)) {
      if (o.kind == IngestOutcome::Kind::kAccepted) ++result.pulled;
      if (o.kind == IngestOutcome::Kind::kRejected || o.kind == IngestOutcome::Kind::kFork) {
        result.refusals.push_back("pulled " + FeedName(o.author, o.seq) + ": " + o.code + ": " + o.message);
      }
    }
    if (!answer.more || records.empty()) break;
    // Asking again for what was refused would get the same records forever (a node whose own
    // feed forked once spun here at full CPU, deaf to SIGTERM): go on only while a head moves.
    bool progressed = false;
    for (FeedPosition& p : wanted) {
      const uint64_t now = options_.store->Head(p.author).seq;
      progressed = progressed || now > p.seq;
      p.seq = now;
    }
    if (!progressed) {
      result.refusals.push_back(
          "pull: upstream offers more, but every record it sent was refused (see above), so the pull stops here");
      break;
    }
  }
  if (result.recovered && options_.store->Head(own).seq >= UpstreamHead(welcome, own)) {
    options_.store->DeleteMeta(kBehindFlag);
  }
}

SyncClient::Result SyncClient::SyncOnce() {
  if (!socket_) Connect();
  Result result;
  WelcomeMessage welcome = Hello();
  const PushGrant grant = GrantOf(welcome, options_.window);
  // Plan: every feed we hold beyond what upstream holds, in seq order.
  std::map<PublicKey, uint64_t> upstream;
  for (const FeedPosition& p : welcome.heads) {
    upstream[p.author] = p.seq;
    // Same length, different record: two copies of one identity wrote on (a cloned PC). Send
    // ours from that seq, so upstream sees the fork, keeps both as evidence and says so.
    if (p.seq > 0) {
      auto ours = options_.store->IdAt(p.author, p.seq);
      if (ours && *ours != p.id) upstream[p.author] = p.seq - 1;
    }
  }
  std::vector<Range> ranges;
  std::map<PublicKey, uint64_t> target;
  for (const auto& [author, head] : options_.store->Heads()) {
    if (author == options_.upstream) continue;  // upstream's own feed: it has it
    uint64_t have = upstream.count(author) ? upstream[author] : 0;
    if (head.seq > have) {
      ranges.push_back({author, have + 1, head.seq});
      target[author] = head.seq;
    }
  }
  // Feeds that enroll others first (our own, then other enrollers), so upstream knows every
  // enrollment before the records that depend on it.
  std::set<PublicKey> enrollers;
  for (const Enrollment& e : options_.store->Enrollments()) enrollers.insert(e.enrolled_by);
  auto rank = [&](const Range& r) {
    return r.author == options_.identity->public_key() ? 0 : enrollers.count(r.author) ? 1 : 2;
  };
  std::stable_sort(ranges.begin(), ranges.end(), [&](const Range& a, const Range& b) { return rank(a) < rank(b); });
  std::map<PublicKey, uint64_t> acked = LoadAcked(*options_.store);
  for (const auto& [author, seq] : upstream) acked[author] = std::max(acked[author], seq);
  for (const auto& [author, seq] : target) acked[author] = std::min(acked[author], upstream[author]);

  size_t in_flight = 0;
  uint64_t batch = 0;
  for (;;) {
    while (in_flight < grant.window && !ranges.empty()) {
      PushMessage push;
      push.records = NextPush(ranges, grant.push_bytes);
      if (push.records.empty()) break;
      push.batch = ++batch;
      result.pushed += push.records.size();
      Send(push.ToJson());
      ++in_flight;
    }
    if (in_flight == 0) break;
    HandleAck(Receive(), result, acked);
    --in_flight;
  }
  SaveAcked(*options_.store, acked);
  PushForkEvidence(result, grant.push_bytes);
  Pull(welcome, result);

  result.complete = result.refusals.empty();
  for (const auto& [author, seq] : target) result.complete = result.complete && acked[author] >= seq;
  return result;
}

Receipt SyncClient::RequestReceipt(const RecordId& id) {
  if (!socket_) Connect();
  return ReceiptMessage::FromJson(Request(ProveMessage{id}.ToJson())).receipt;
}

Json SyncClient::Result::ToJson() const {
  return {{"complete", complete}, {"pushed", pushed},       {"accepted", accepted}, {"duplicate", duplicate},
          {"pulled", pulled},     {"recovered", recovered}, {"refusals", refusals}};
}

void SyncClient::Wake() {
  std::lock_guard lock(wake_mutex_);
  woken_ = true;
  wake_.notify_one();
}

void SyncClient::Cancel() {
  cancelled_ = true;
  Wake();
}

void SyncClient::RunForever(const std::atomic<bool>& stop) {
  std::mt19937 jitter(std::random_device{}());
  int failures = 0;
  while (!stop && !cancelled_) {
    int pause_ms = options_.idle_ms;
    try {
      Result r = SyncOnce();
      if (r.pushed > 0 || r.pulled > 0) {
        spdlog::info("sync with {}: pushed {}, accepted {}, duplicate {}, pulled {}, refused {}", options_.endpoint,
                     r.pushed, r.accepted, r.duplicate, r.pulled, r.refusals.size());
      }
      for (const std::string& refusal : r.refusals) spdlog::warn("refused upstream: {}", refusal);
      failures = 0;
      if (r.pushed > 0 && r.refusals.empty()) pause_ms = 0;  // more may be waiting
    } catch (const Error& e) {
      ++failures;
      pause_ms = std::min(60'000, 500 << std::min(failures, 7));
      pause_ms += static_cast<int>(jitter() % 500);
      spdlog::warn("sync with {} failed ({}); retrying in {} ms", options_.endpoint, e.what(), pause_ms);
    }
    std::unique_lock lock(wake_mutex_);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pause_ms);
    while (!stop && !cancelled_ && !woken_ && std::chrono::steady_clock::now() < until) {
      wake_.wait_until(lock, std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(200)));
    }
    woken_ = false;
  }
}

void BackgroundSync::Start(SyncClient::Options options, const std::atomic<bool>& stop) {
  Stop();
  std::lock_guard lock(mutex_);
  client_ = std::make_unique<SyncClient>(std::move(options));
  thread_ = std::thread([client = client_.get(), &stop] { client->RunForever(stop); });
}

void BackgroundSync::Join() { End(/*cancel=*/false); }

void BackgroundSync::Stop() { End(/*cancel=*/true); }

// Start, Join, Stop and End are called by the daemon's own thread only; Wake by any thread.
// The client lives until after the join, so Wake never reaches a destroyed one, and the lock is
// not held while joining, so Wake never waits for the daemon to end.
void BackgroundSync::End(bool cancel) {
  if (!thread_.joinable()) return;
  if (cancel) client_->Cancel();
  thread_.join();
  std::lock_guard lock(mutex_);
  client_.reset();
}

void BackgroundSync::Wake() {
  std::lock_guard lock(mutex_);
  if (client_) client_->Wake();
}

}  // namespace bangban
