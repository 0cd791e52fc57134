#include "sync/sync_server.h"

#include <spdlog/spdlog.h>

#include <malloc.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <iterator>
#include <thread>

#include "protocol/clock.h"
#include "sync/verification_pool.h"
#include "sync/zap_handler.h"

namespace bangban {

namespace {

// A round: the messages read at once, whose pushes are verified together. Bounded by messages,
// bytes and records: the records of a round are decoded in memory. A commit stores the oldest
// round with the verified ones after it up to kMaxRecordsPerCommit records: LMDB holds a dirty
// page for each page a transaction touches (in a large store close to one per record and
// index), which it keeps for reuse afterwards, so the records per commit bound the hub's heap
// however large the store grows (docs/performance.md, Memory). Up to kMaxRoundsInFlight rounds
// are in memory at once: the pool verifies the later ones while the committer stores the first.
constexpr size_t kMaxMessagesPerRound = 256;
constexpr size_t kMaxBytesPerRound = 1024 * 1024;
constexpr size_t kMaxRecordsPerRound = 1024;
constexpr size_t kMaxRecordsPerCommit = 1024;
constexpr size_t kMaxRoundsInFlight = 4;
constexpr int64_t kRefreshMs = 1000;
// Every interval of the network is real time on the steady clock, never NowMs(): a
// simulation's clock (protocol/clock.h) may run many times faster than the network.
int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
// Peer statistics ride along with an ingest commit at most once a second; on their own (a
// commit and an fsync of their own, which stalls the serving thread) at most every 10 s.
constexpr int64_t kStatsWithIngestMs = 1000;
constexpr int64_t kStatsAloneMs = 10'000;
// Messages ZeroMQ queues per peer before it stops reading that peer's socket: a full window of
// pushes plus a few requests. With kMaxMessageBytes this bounds what a misbehaving peer can park.
constexpr int kReceiveHighWaterMark = static_cast<int>(kMaxWindow) + 4;
// After a commit of rounds that read this much, unused heap is returned to the system.
constexpr size_t kTrimAfterBytes = 1024 * 1024;
// How often the light periodic hook (every_poll) runs.
constexpr auto kPollHookEvery = std::chrono::milliseconds(100);
// A peer heard from within this long still holds the push grant of its last welcome.
constexpr int64_t kGrantLifetimeMs = 60'000;

// A hub serves a thousand peers, each a socket: lift the soft open-file limit to the hard one.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) spdlog::warn("could not raise the open-file limit");
}

bool SameIdentity(const PublicKey& a, const PublicKey& b_without_sign_bit) {
  PublicKey masked = a;
  masked[31] &= 0x7f;
  return masked == b_without_sign_bit;
}

}  // namespace

struct SyncServer::Push {
  zmq::message_t routing_id;
  PublicKey peer;
  PushMessage message;
  std::vector<Record> records;              // decoded
  std::vector<RecordRejection> rejections;  // decode and author failures, then the rest
  std::vector<IngestOutcome> outcomes;      // for `records`, in order
};

// The pushes read at once: verified together, committed in one transaction (perhaps with the
// rounds after it).
struct SyncServer::Round {
  std::vector<Push> pushes;
  size_t bytes = 0;    // as read
  size_t records = 0;  // in the pushes, as read
  std::shared_ptr<Verification> verification;
  std::optional<Bytes> stats;  // peer statistics to write with it (StatsForCommit)
};

// An answer to a push, made by the committer once the push's records are durable; the serving
// thread sends it and counts it in the peer's statistics (which only it touches).
struct SyncServer::Ack {
  zmq::message_t routing_id;
  PublicKey peer{};
  Bytes message;       // encoded: an ack, or an error if nothing could be stored
  bool stored = true;  // an ack (counted in the statistics), not an error
  uint64_t accepted = 0;
  uint64_t duplicate = 0;
  std::vector<std::string> rejection_codes;
};

// The committer thread and what it shares with the serving thread: the rounds handed over
// (oldest first) and the acks made for them. The serving thread's poll wakes on an eventfd when
// acks wait.
class SyncServer::Committer {
 public:
  explicit Committer(SyncServer& server) : server_(server), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_fd_ < 0) throw Error(ErrorCode::kInternal, "cannot make an eventfd for the committer");
    thread_ = std::jthread([this] { Body(); });
  }
  ~Committer() {
    Finish();
    ::close(wake_fd_);
  }
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void HandOver(Round round) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(round));
      ++in_flight_;
    }
    work_.notify_one();
  }
  // Rounds handed over and not yet committed.
  size_t InFlight() {
    std::lock_guard lock(mutex_);
    return in_flight_;
  }
  int wake_fd() const { return wake_fd_; }
  std::vector<Ack> TakeAcks() {
    uint64_t ignored = 0;
    (void)!::read(wake_fd_, &ignored, sizeof ignored);  // EAGAIN when nothing was posted: fine
    std::lock_guard lock(mutex_);
    return std::exchange(acks_, {});
  }
  // Until every round handed over is committed (or the committer failed).
  void WaitIdle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return in_flight_ == 0 || failed_; });
  }
  // Commits every round handed over, then ends the thread. The acks stay for TakeAcks.
  void Finish() {
    {
      std::lock_guard lock(mutex_);
      finishing_ = true;
    }
    work_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Body() {
    ::pthread_setname_np(::pthread_self(), "bangban-commit");  // for top -H and perf
    try {
      const auto commit = [this] { Loop(); };
      if (server_.options_.committer_scope) {
        server_.options_.committer_scope(commit);
      } else {
        commit();
      }
    } catch (...) {
      server_.NoteFailure(std::current_exception());
      std::lock_guard lock(mutex_);
      failed_ = true;
      idle_.notify_all();
    }
  }

  void Loop() {
    for (;;) {
      std::vector<Round> rounds = Next();
      if (rounds.empty()) return;
      std::vector<Push> pushes;
      std::optional<Bytes> stats;
      size_t bytes = 0;
      for (Round& round : rounds) {
        Verified(round.pushes, round.verification->Wait());
        bytes += round.bytes;
        if (round.stats) stats = std::move(round.stats);
        std::move(round.pushes.begin(), round.pushes.end(), std::back_inserter(pushes));
      }
      std::vector<Ack> acks = server_.Commit(pushes, stats);
      pushes.clear();
      Post(std::move(acks), rounds.size());
      rounds.clear();
      // The decoded copies are freed by now, but glibc keeps freed heap for reuse (in one arena
      // per thread): hand it back, so a burst from a thousand nodes does not leave the hub at
      // its peak.
      if (bytes >= kTrimAfterBytes) ::malloc_trim(0);
    }
  }

  // The oldest round once verified (helping the pool), with the rounds after it that are
  // verified already, as long as they fit in one commit: when pushes arrive one by one (steady
  // load) the rounds are small, and they share an fsync instead of waiting for one each.
  // Empty once finishing with nothing left.
  std::vector<Round> Next() {
    std::unique_lock lock(mutex_);
    work_.wait(lock, [this] { return !queue_.empty() || finishing_; });
    if (queue_.empty()) return {};
    std::vector<Round> rounds;
    rounds.push_back(std::move(queue_.front()));
    queue_.pop_front();
    lock.unlock();
    rounds.front().verification->Wait();
    lock.lock();
    size_t records = rounds.front().records;
    while (!queue_.empty() && queue_.front().verification->Done() &&
           records + queue_.front().records <= kMaxRecordsPerCommit) {
      records += queue_.front().records;
      rounds.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return rounds;
  }

  void Post(std::vector<Ack> acks, size_t rounds) {
    {
      std::lock_guard lock(mutex_);
      std::move(acks.begin(), acks.end(), std::back_inserter(acks_));
      in_flight_ -= rounds;
    }
    idle_.notify_all();
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }

  SyncServer& server_;
  const int wake_fd_;
  std::mutex mutex_;
  std::condition_variable work_;  // a round handed over, or finishing
  std::condition_variable idle_;  // rounds committed
  std::deque<Round> queue_;
  size_t in_flight_ = 0;  // handed over, not committed
  std::vector<Ack> acks_;
  bool finishing_ = false;
  bool failed_ = false;
  std::jthread thread_;  // last: started when the rest is ready, joined first
};

SyncServer::SyncServer(Options options)
    : options_(std::move(options)),
      context_(1),
      verifiers_(std::make_unique<VerificationPool>()),
      stats_(LoadPeerStats(*options_.store)) {  // earlier runs' peers
  RaiseOpenFileLimit();
  RefreshAdmission();
  zap_ = std::make_unique<ZapHandler>(context_, [this](const CurvePublicKey& key) { return Admit(key); });
}

SyncServer::~SyncServer() {
  committer_.reset();  // Run finished it; before the pool, whose threads may point into its rounds
  router_.reset();
  zap_.reset();
}

void SyncServer::Bind() {
  for (int attempt = 0;; ++attempt) {
    auto socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    socket->set(zmq::sockopt::linger, 0);
    socket->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
    socket->set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
    socket->set(zmq::sockopt::router_mandatory, false);
    SetCurveServer(*socket, *options_.identity);
    try {
      socket->bind(options_.endpoint);
      router_ = std::move(socket);
      connected_.clear();
      return;
    } catch (const zmq::error_t& e) {
      // A just-closed socket may hold the port for a moment after a rebind.
      if (attempt >= 40) throw Error(ErrorCode::kBind, "cannot listen on " + options_.endpoint + ": " + e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

ZapHandler::Decision SyncServer::Admit(const CurvePublicKey& key) {
  {
    std::lock_guard lock(admitted_mutex_);
    if (auto it = admitted_.find(key); it != admitted_.end()) return {it->second, ""};
  }
  // A key enrolled a moment ago (by another process) is not in our list yet: read the
  // enrollments again, at most a few times a second so unknown keys cannot make us spin.
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(admitted_mutex_);
  if (now - last_zap_reload_ >= std::chrono::milliseconds(200)) {
    last_zap_reload_ = now;
    Admission admission = ReadAdmission();
    admitted_ = std::move(admission.admitted);
    revoked_ = std::move(admission.revoked);
    if (auto it = admitted_.find(key); it != admitted_.end()) return {it->second, ""};
  }
  return {std::nullopt, WhyRefused(key)};
}

std::string SyncServer::WhyRefused(const CurvePublicKey& key) const {
  PublicKey identity;
  try {
    identity = IdentityOfCurveKey(key);
  } catch (const Error&) {
    return "is not an identity key";
  }
  for (const Enrollment& e : revoked_) {
    if (SameIdentity(e.key, identity)) {
      return "was revoked after seq " + std::to_string(*e.revoked_after_seq) + " (" + e.revoke_reason + ")";
    }
  }
  return "is not enrolled here (or not yet known to this " +
         std::string(options_.check_authors ? "relay: it learns enrollments from its hub)" : "hub)");
}

// Converting a key to X25519 costs a field inversion (~0.1 ms): with a thousand enrolled keys,
// converting them all every second stalled the serving thread for ~90 ms a second (the ack
// tail in docs/performance.md). Each key is converted once.
std::optional<CurvePublicKey> SyncServer::CurveKeyOf(const PublicKey& key) const {
  std::lock_guard lock(curve_keys_mutex_);
  auto [it, inserted] = curve_keys_.try_emplace(key);
  if (inserted) {
    try {
      it->second = ToCurvePublicKey(key);
    } catch (const Error&) {
      // not a curve point: can never connect
    }
  }
  return it->second;
}

// One read of the enrollments: who may connect, and who was revoked (to say why it may not).
SyncServer::Admission SyncServer::ReadAdmission() const {
  Admission admission;
  auto admit = [&](const PublicKey& key) {
    if (auto curve = CurveKeyOf(key)) admission.admitted[*curve] = key;
  };
  for (const TrustRoot& root : options_.store->roots()) admit(root.key);
  for (Enrollment& e : options_.store->Enrollments()) {
    if (e.revoked_after_seq) {
      admission.revoked.push_back(std::move(e));
    } else {
      admit(e.key);
    }
  }
  return admission;
}

// Once a second, on the serving thread: cheap unless something was enrolled or revoked (reading
// a thousand enrollments took ~15 ms, and pushes waited meanwhile).
void SyncServer::RefreshAdmission() {
  const uint64_t changes = options_.store->EnrollmentsChanged();
  if (admission_read_at_ && *admission_read_at_ == changes) return;
  admission_read_at_ = changes;
  Admission admission = ReadAdmission();
  std::set<PublicKey> identities;
  for (const auto& [curve, key] : admission.admitted) identities.insert(key);
  bool drop = false;
  for (const PublicKey& peer : connected_) {
    if (!identities.contains(peer)) {
      spdlog::warn("key {} was revoked: dropping its connections", KeyId(peer));
      drop = true;
    }
  }
  {
    std::lock_guard lock(admitted_mutex_);
    admitted_ = std::move(admission.admitted);
    revoked_ = std::move(admission.revoked);
  }
  // ZeroMQ cannot close one peer of a ROUTER; rebinding drops them all, and the ZAP handler
  // refuses the revoked key when the others reconnect (they do so by themselves). What was read
  // is acknowledged first.
  if (drop && router_) {
    committer_->WaitIdle();
    SendAcks();
    router_.reset();
    Bind();
  }
}

void SyncServer::Run(const std::atomic<bool>& stop) {
  Bind();
  spdlog::info("listening on {} as {}", options_.endpoint, KeyId(options_.identity->public_key()));
  committer_ = std::make_unique<Committer>(*this);
  std::jthread housekeeping;
  if (options_.every_second || options_.every_poll) {
    housekeeping = std::jthread([this](const std::stop_token& stop_housekeeping) { Housekeep(stop_housekeeping); });
  }
  // However Run ends: no hook runs after it, and what was read is committed and acknowledged.
  const auto wind_down = [&] {
    housekeeping = {};  // requests the stop and joins
    committer_->Finish();
    SendAcks();
    committer_.reset();
    FlushStats();
  };
  try {
    int64_t last_refresh = SteadyMs();
    while (!stop) {
      RethrowFailure();
      // The socket is read only while a round fits in flight; the committer's acks wake the
      // poll either way.
      const bool room = committer_->InFlight() < kMaxRoundsInFlight;
      zmq::pollitem_t items[] = {{nullptr, committer_->wake_fd(), ZMQ_POLLIN, 0},
                                 {static_cast<void*>(*router_), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, room ? 2 : 1, std::chrono::milliseconds(200));
      if (items[0].revents & ZMQ_POLLIN) SendAcks();
      if (room && (items[1].revents & ZMQ_POLLIN)) ReadRound();
      const int64_t now = SteadyMs();
      if (now - last_refresh >= kRefreshMs) {
        RefreshAdmission();
        if (now - stats_written_ms_ >= kStatsAloneMs) FlushStats();
        TrimWhenQuiet(now);
        last_refresh = now;
      }
    }
  } catch (...) {
    wind_down();
    throw;
  }
  wind_down();
  RethrowFailure();
}

// A burst leaves freed heap behind in every thread's arena (ZeroMQ's I/O thread frees the
// pushes' buffers after the last commit's trim): once the hub has read nothing for a second,
// it is handed back, so the heap returns near its idle size. Never while pushes flow (a trim
// of a large heap takes milliseconds).
void SyncServer::TrimWhenQuiet(int64_t now) {
  if (trimmed_since_read_ || now - last_read_ms_ < kRefreshMs || committer_->InFlight() > 0) return;
  ::malloc_trim(0);
  trimmed_since_read_ = true;
}

void SyncServer::Housekeep(const std::stop_token& stop) {
  ::pthread_setname_np(::pthread_self(), "bangban-hooks");
  std::mutex mutex;
  std::condition_variable_any tick;
  auto last_second = std::chrono::steady_clock::time_point{};
  while (!stop.stop_requested()) {
    try {
      if (options_.every_second &&
          std::chrono::steady_clock::now() - last_second >= std::chrono::milliseconds(kRefreshMs)) {
        last_second = std::chrono::steady_clock::now();
        options_.every_second();
      }
      if (options_.every_poll) options_.every_poll();
    } catch (...) {
      NoteFailure(std::current_exception());
      return;
    }
    std::unique_lock lock(mutex);
    tick.wait_for(lock, stop, kPollHookEvery, [] { return false; });
  }
}

void SyncServer::NoteFailure(std::exception_ptr failure) {
  std::lock_guard lock(failure_mutex_);
  if (!failure_) failure_ = std::move(failure);
}

void SyncServer::RethrowFailure() {
  std::lock_guard lock(failure_mutex_);
  if (failure_) std::rethrow_exception(failure_);
}

void SyncServer::Reply(const zmq::message_t& routing_id, const Json& message) {
  Send(routing_id, EncodeMessage(message));
}

void SyncServer::Send(const zmq::message_t& routing_id, ByteView bytes) {
  zmq::message_t id(routing_id.data(), routing_id.size());
  router_->send(id, zmq::send_flags::sndmore);
  router_->send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
}

void SyncServer::SendAcks() {
  for (Ack& ack : committer_->TakeAcks()) {
    if (ack.stored) {
      PeerStats& stats = stats_[ack.peer];
      ++stats.pushes;
      stats.records_accepted += ack.accepted;
      stats.records_duplicate += ack.duplicate;
      for (const std::string& code : ack.rejection_codes) ++stats.rejections[code];
      stats_dirty_ = true;
    }
    Send(ack.routing_id, ack.message);
  }
}

void SyncServer::ReadRound() {
  last_read_ms_ = SteadyMs();
  trimmed_since_read_ = false;
  std::vector<Push> pushes;
  std::map<PublicKey, size_t> pushes_per_peer;  // this round
  size_t bytes = 0, records = 0;
  for (size_t n = 0; n < kMaxMessagesPerRound && bytes < kMaxBytesPerRound && records < kMaxRecordsPerRound; ++n) {
    zmq::message_t routing_id, payload;
    if (!router_->recv(routing_id, zmq::recv_flags::dontwait)) break;
    if (!routing_id.more() || !router_->recv(payload, zmq::recv_flags::none)) continue;
    while (payload.more()) {  // a well-behaved peer sends one frame; drop the rest
      zmq::message_t extra;
      (void)router_->recv(extra, zmq::recv_flags::none);
      if (!extra.more()) break;
    }
    bytes += payload.size();
    const char* user = payload.gets("User-Id");
    auto peer = FromHexFixed<32>(user ? user : "");
    if (!peer) continue;  // cannot happen with ZAP on; never serve an anonymous peer
    connected_.insert(*peer);
    PeerStats& stats = stats_[*peer];
    stats.last_contact_ms = NowMs();  // a date shown to operators: the party's clock
    heard_ms_[*peer] = SteadyMs();    // bounded like stats_: one entry per admitted peer
    stats_dirty_ = true;
    try {
      Json message = DecodeMessage(ByteView(static_cast<const uint8_t*>(payload.data()), payload.size()));
      const std::string& type = MessageType(message);
      if (type == HelloMessage::kType) {
        Reply(routing_id, Welcome(*peer, HelloMessage::FromJson(message)).ToJson());
      } else if (type == PullMessage::kType) {
        Reply(routing_id, Pull(*peer, PullMessage::FromJson(message)).ToJson());
      } else if (type == ProveMessage::kType) {
        if (!options_.receipt) {
          Reply(routing_id,
                ErrorMessage::Of(ErrorCode::kNotAHub, "receipts come from a hub; ask the county hub").ToJson());
        } else {
          Reply(routing_id, ReceiptMessage{options_.receipt(ProveMessage::FromJson(message).id)}.ToJson());
        }
      } else if (type == PushMessage::kType) {
        PushMessage push = PushMessage::FromJson(message);
        if (auto refusal = RefusePush(*peer, push, ++pushes_per_peer[*peer])) {
          ++stats.rejections[refusal->code];
          Reply(routing_id, refusal->ToJson());
        } else {
          records += push.records.size();
          pushes.push_back(Push{std::move(routing_id), *peer, std::move(push), {}, {}, {}});
        }
      } else {
        Reply(routing_id,
              ErrorMessage::Of(ErrorCode::kUnknownMessage, "unknown message type \"" + type + "\"").ToJson());
      }
    } catch (const Error& e) {
      Reply(routing_id, ErrorMessage{e.code(), e.what()}.ToJson());
    }
  }
  if (pushes.empty()) return;
  Round round{std::move(pushes), bytes, records, nullptr, StatsForCommit()};
  round.verification = verifiers_->Start(Decode(round.pushes));
  committer_->HandOver(std::move(round));
}

// Peer statistics ride along with an ingest commit now and then: no fsync of their own.
std::optional<Bytes> SyncServer::StatsForCommit() {
  const int64_t now = SteadyMs();
  if (!stats_dirty_ || now - stats_written_ms_ < kStatsWithIngestMs) return std::nullopt;
  stats_dirty_ = false;
  stats_written_ms_ = now;
  return EncodePeerStats(stats_);
}

// (HelloMessage::FromJson refused a hello naming more than kMaxHeadsPerHello feeds.)
WelcomeMessage SyncServer::Welcome(const PublicKey& peer, const HelloMessage& hello) {
  PeerStats& stats = stats_[peer];
  WelcomeMessage welcome;
  for (const FeedPosition& p : hello.heads) {
    FeedHead head = options_.store->Head(p.author);
    // Kept only for feeds this party knows (holds, or has enrolled): what a peer may make it
    // remember is bounded by its own store, however many made-up heads the peer sends.
    if (head.seq > 0 || options_.store->FindEnrollment(p.author)) {
      stats.claimed_heads[p.author] = p.seq;
    } else {
      stats.claimed_heads.erase(p.author);
    }
    welcome.heads.push_back({p.author, head.seq, head.id});
  }
  // The feeds a peer may pull from us, so it knows what it is missing.
  auto offer = [&](const PublicKey& key) {
    FeedHead head = options_.store->Head(key);
    welcome.offered.push_back({key, head.seq, head.id});
  };
  offer(options_.identity->public_key());
  for (const TrustRoot& root : options_.store->roots()) {
    if (root.key != options_.identity->public_key()) offer(root.key);
  }
  stats.grant = Grant(peer);
  welcome.grant = *stats.grant;
  if (options_.latest_tree_head) welcome.tree_head = options_.latest_tree_head();
  return welcome;
}

// Shares the push budget among the peers heard from lately (docs/protocol.md, memory bounds).
PushGrant SyncServer::Grant(const PublicKey& peer) {
  const int64_t now = SteadyMs();
  size_t active = 1, granted_to_others = 0;
  for (const auto& [key, s] : stats_) {
    const auto heard = heard_ms_.find(key);
    if (key == peer || !s.grant || heard == heard_ms_.end() || now - heard->second > kGrantLifetimeMs) continue;
    ++active;
    granted_to_others += s.grant->bytes();
  }
  return GrantPushes(active, options_.push_budget, granted_to_others);
}

// A push beyond the peer's grant is refused whole, before anything is decoded: the window
// (pushes answered in one round are all the ones in flight) or the bytes per push.
std::optional<ErrorMessage> SyncServer::RefusePush(const PublicKey& peer, const PushMessage& push,
                                                   size_t pushes_this_round) {
  // A peer that pushes without a hello on this run (nothing requires one) is held to the
  // largest grant, and its pushes do not count in the budget: ZeroMQ's queue bounds them.
  const PushGrant grant = stats_[peer].grant.value_or(kFullGrant);
  if (pushes_this_round > grant.window) {
    return ErrorMessage::Of(ErrorCode::kOverWindow, "more than " + std::to_string(grant.window) +
                                                        " pushes unacknowledged: wait for an ack before the next push");
  }
  size_t bytes = push.RecordBytes();
  if (bytes > grant.push_bytes && push.records.size() > 1) {
    return ErrorMessage::Of(ErrorCode::kTooLarge, "push of " + std::to_string(bytes) + " bytes of records; at most " +
                                                      std::to_string(grant.push_bytes) +
                                                      " were granted (one record always fits)");
  }
  return std::nullopt;
}

RecordsMessage SyncServer::Pull(const PublicKey& peer, const PullMessage& request) {
  RecordsMessage answer;
  size_t bytes = 0;
  for (const FeedPosition& want : request.feeds) {
    // Our own feed, our roots' feeds, and the peer's own feed (recovery) may be pulled.
    bool allowed =
        want.author == options_.identity->public_key() || want.author == peer || options_.store->IsRoot(want.author);
    if (!allowed) {
      throw Error(ErrorCode::kNotAllowed, "feed " + KeyId(want.author) + " cannot be pulled from here");
    }
    FeedHead head = options_.store->Head(want.author);
    if (want.seq >= head.seq) continue;
    options_.store->ScanFeedWire(want.author, want.seq + 1, head.seq, [&](uint64_t, ByteView wire) {
      if (bytes + wire.size() > kMaxPushBytes && !answer.records.empty()) {
        answer.more = true;
        return false;
      }
      bytes += wire.size();
      answer.records.emplace_back(wire.begin(), wire.end());
      return true;
    });
    if (answer.more) break;
  }
  return answer;
}

std::vector<const Record*> SyncServer::Decode(std::vector<Push>& pushes) {
  // Decode every record of every push; refuse what cannot be a record before any crypto.
  for (Push& push : pushes) {
    // Entries that are not bin were refused when the push was decoded: keep index order.
    auto unreadable = push.message.unreadable.begin();
    for (size_t i = 0; i < push.message.records.size(); ++i) {
      if (unreadable != push.message.unreadable.end() && unreadable->index == i) {
        push.rejections.push_back(*unreadable++);
        continue;
      }
      try {
        Record r = Record::Decode(push.message.records[i]);
        if (options_.check_authors && !options_.store->IsRoot(r.author())) {
          auto e = options_.store->FindEnrollment(r.author());
          if (!e)
            throw Error(ErrorCode::kUnknownAuthor,
                        "key " + KeyId(r.author()) + " is not enrolled (as far as this relay knows)");
          if (e->revoked_after_seq && r.seq() > *e->revoked_after_seq) {
            throw Error(ErrorCode::kRevoked,
                        "key " + KeyId(r.author()) + " was revoked after seq " + std::to_string(*e->revoked_after_seq));
          }
        }
        push.records.push_back(std::move(r));
      } catch (const Error& e) {
        push.rejections.push_back(RecordRejection::AtIndex(i, e.code(), e.what()));
      }
    }
    push.rejections.insert(push.rejections.end(), unreadable, push.message.unreadable.end());
    push.message.records.clear();  // decoded now: free the copies before the commit
    push.message.records.shrink_to_fit();
  }
  std::vector<const Record*> all;
  for (Push& push : pushes) {
    for (const Record& r : push.records) all.push_back(&r);
  }
  return all;
}

void SyncServer::Verified(std::vector<Push>& pushes, const std::vector<char>& signature_ok) {
  size_t k = 0;
  for (Push& push : pushes) {
    std::vector<Record> good;
    good.reserve(push.records.size());
    for (Record& r : push.records) {
      if (signature_ok[k++]) {
        good.push_back(std::move(r));
        continue;
      }
      push.rejections.push_back(
          RecordRejection::OfRecord(r.id(), r.seq(), std::string(ErrorCode::kBadSignature.name()),
                                    "the signature does not match the record's bytes and author " + KeyId(r.author())));
    }
    push.records = std::move(good);
  }
}

// On the committer thread: touches no member the serving thread changes.
std::vector<SyncServer::Ack> SyncServer::Commit(std::vector<Push>& pushes, const std::optional<Bytes>& stats) {
  // One transaction for all of them: one fsync, one tree head. The records are moved into the
  // batch, not copied.
  size_t total = 0;
  for (const Push& push : pushes) total += push.records.size();
  std::vector<Record> batch;
  std::vector<size_t> owner;  // push index of each record in `batch`
  batch.reserve(total);
  owner.reserve(total);
  for (size_t p = 0; p < pushes.size(); ++p) {
    for (Record& r : pushes[p].records) {
      batch.push_back(std::move(r));
      owner.push_back(p);
    }
    pushes[p].records.clear();
  }
  auto before_commit = [&](LmdbTxn& txn) {
    if (options_.before_commit) options_.before_commit(txn);
    if (stats) options_.store->PutMeta(txn, kPeerStatsMeta, *stats);
  };
  std::vector<Ack> acks;
  acks.reserve(pushes.size());
  std::vector<IngestOutcome> outcomes;
  try {
    outcomes = options_.store->Ingest(batch, true, before_commit);
  } catch (const Error& e) {
    spdlog::error("ingest failed, nothing acknowledged: {}", e.what());
    for (Push& push : pushes) {
      acks.push_back({std::move(push.routing_id), push.peer,
                      EncodeMessage(ErrorMessage::Of(ErrorCode::kStorage, e.what()).ToJson()), false});
    }
    return acks;
  }
  for (size_t i = 0; i < outcomes.size(); ++i) pushes[owner[i]].outcomes.push_back(outcomes[i]);

  std::optional<Bytes> tree_head;
  if (options_.latest_tree_head) tree_head = options_.latest_tree_head();
  for (Push& push : pushes) {
    AckMessage message;
    message.batch = push.message.batch;
    std::set<PublicKey> authors;
    for (const IngestOutcome& o : push.outcomes) {
      authors.insert(o.author);
      switch (o.kind) {
        case IngestOutcome::Kind::kAccepted:
          ++message.accepted;
          break;
        case IngestOutcome::Kind::kDuplicate:
          ++message.duplicate;
          break;
        case IngestOutcome::Kind::kBuffered:
          ++message.buffered;
          break;
        default:
          push.rejections.push_back(RecordRejection::OfRecord(o.id, o.seq, o.code, o.message));
      }
    }
    const std::vector<PublicKey> pushed(authors.begin(), authors.end());
    const std::vector<FeedHead> heads = options_.store->HeadsOf(pushed);
    for (size_t i = 0; i < pushed.size(); ++i) message.heads.push_back({pushed[i], heads[i].seq, heads[i].id});
    Ack ack{std::move(push.routing_id), push.peer, {}, true, message.accepted, message.duplicate, {}};
    for (const RecordRejection& r : push.rejections) ack.rejection_codes.push_back(r.code);
    message.rejections = std::move(push.rejections);
    message.tree_head = tree_head;
    ack.message = EncodeMessage(message.ToJson());
    acks.push_back(std::move(ack));
  }
  if (options_.after_ingest && !outcomes.empty()) options_.after_ingest();
  return acks;
}

void SyncServer::FlushStats() {
  if (!stats_dirty_) return;
  options_.store->PutMeta(kPeerStatsMeta, EncodePeerStats(stats_));
  stats_dirty_ = false;
  stats_written_ms_ = SteadyMs();
}

}  // namespace bangban
