#include "sync/sync_server.h"

#include <spdlog/spdlog.h>

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <iterator>
#include <thread>

#include "protocol/clock.h"
#include "sync/verification_pool.h"
#include "sync/zap_handler.h"

namespace bangban {

namespace {

// A round: the messages read at once, whose pushes are verified together and stored in one
// write transaction. Bounded by messages, bytes and records: the records of a round are decoded
// in memory, and LMDB holds a dirty page for each page the round's transaction touches (in a
// large store close to one per record and index), which it keeps for reuse afterwards; so the
// records per round bound the hub's heap however large the store grows (docs/performance.md,
// Memory). Up to kMaxRoundsInFlight rounds are in memory at once: the pool verifies the later
// ones while the serving thread commits the first.
constexpr size_t kMaxMessagesPerRound = 256;
constexpr size_t kMaxBytesPerRound = 1024 * 1024;
constexpr size_t kMaxRecordsPerRound = 1024;
constexpr size_t kMaxRoundsInFlight = 3;
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
// After a round that read this much, unused heap is returned to the system.
constexpr size_t kTrimAfterBytes = 1024 * 1024;
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

// The pushes read at once: verified together, committed in one transaction.
struct SyncServer::Round {
  std::vector<Push> pushes;
  size_t bytes = 0;    // as read
  size_t records = 0;  // in the pushes, as read
  std::shared_ptr<Verification> verification;
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
  // The pool's threads may still be verifying records of a round that was never committed
  // (Run left by an exception): they point into it.
  for (Round& round : in_flight_) round.verification->Wait();
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
  // refuses the revoked key when the others reconnect (they do so by themselves).
  if (drop && router_) {
    router_.reset();
    Bind();
  }
}

void SyncServer::Run(const std::atomic<bool>& stop) {
  Bind();
  spdlog::info("listening on {} as {}", options_.endpoint, KeyId(options_.identity->public_key()));
  int64_t last_refresh = 0;
  while (!stop) {
    // A round verified is committed first (its acks wait for nothing else); then the next
    // round is read while the pool verifies, as long as there is room; with no room, or
    // nothing to read, the serving thread helps verifying the oldest round and commits it.
    if (!in_flight_.empty() && in_flight_.front().verification->Done()) {
      CommitOldest();
    } else {
      zmq::pollitem_t item{static_cast<void*>(*router_), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(in_flight_.empty() ? 200 : 0));
      if ((item.revents & ZMQ_POLLIN) && in_flight_.size() < kMaxRoundsInFlight) {
        ReadRound();
      } else {
        CommitOldest();
      }
    }
    const int64_t now = SteadyMs();
    if (now - last_refresh >= kRefreshMs) {
      CommitAll();  // housekeeping may write (and a revoked key's pushes must not wait for it)
      RefreshAdmission();
      if (now - stats_written_ms_ >= kStatsAloneMs) FlushStats();
      if (options_.every_second) options_.every_second();
      last_refresh = now;
    }
    if (options_.every_poll) options_.every_poll();
  }
  CommitAll();
  FlushStats();
}

void SyncServer::Reply(const zmq::message_t& routing_id, const Json& message) {
  Bytes bytes = EncodeMessage(message);
  zmq::message_t id(routing_id.data(), routing_id.size());
  router_->send(id, zmq::send_flags::sndmore);
  router_->send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
}

void SyncServer::ReadRound() {
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
  Round round{std::move(pushes), bytes, records, nullptr};
  round.verification = verifiers_->Start(Decode(round.pushes));
  in_flight_.push_back(std::move(round));
}

// The oldest round, once verified, in one transaction with the rounds read after it that are
// verified already, as long as they fit in one round's records: when pushes arrive one by one
// (steady load) the rounds are small, and they share an fsync instead of waiting for one each.
void SyncServer::CommitOldest() {
  if (in_flight_.empty()) return;
  std::vector<Push> pushes;
  size_t records = 0, bytes = 0;
  do {
    Round round = std::move(in_flight_.front());
    in_flight_.pop_front();
    Verified(round.pushes, round.verification->Wait());
    records += round.records;
    bytes += round.bytes;
    std::move(round.pushes.begin(), round.pushes.end(), std::back_inserter(pushes));
  } while (!in_flight_.empty() && in_flight_.front().verification->Done() &&
           records + in_flight_.front().records <= kMaxRecordsPerRound);
  Commit(pushes);
  pushes.clear();
  // A large round's decoded copies are freed by now, but glibc keeps freed heap for reuse (in
  // one arena per verifying thread): hand it back, so a burst from a thousand nodes does not
  // leave the hub at its peak.
  if (bytes >= kTrimAfterBytes) ::malloc_trim(0);
}

void SyncServer::CommitAll() {
  while (!in_flight_.empty()) CommitOldest();
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

void SyncServer::Commit(std::vector<Push>& pushes) {
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
  // Peer statistics go into the same commit now and then: no fsync of their own.
  std::optional<Bytes> stats;
  if (stats_dirty_ && SteadyMs() - stats_written_ms_ >= kStatsWithIngestMs) stats = EncodePeerStats(stats_);
  auto before_commit = [&](LmdbTxn& txn) {
    if (options_.before_commit) options_.before_commit(txn);
    if (stats) options_.store->PutMeta(txn, kPeerStatsMeta, *stats);
  };
  std::vector<IngestOutcome> outcomes;
  try {
    outcomes = options_.store->Ingest(batch, true, before_commit);
    if (stats) stats_written_ms_ = SteadyMs();
  } catch (const Error& e) {
    spdlog::error("ingest failed, nothing acknowledged: {}", e.what());
    for (Push& push : pushes) Reply(push.routing_id, ErrorMessage::Of(ErrorCode::kStorage, e.what()).ToJson());
    return;
  }
  for (size_t i = 0; i < outcomes.size(); ++i) pushes[owner[i]].outcomes.push_back(outcomes[i]);

  std::optional<Bytes> tree_head;
  if (options_.latest_tree_head) tree_head = options_.latest_tree_head();
  for (Push& push : pushes) {
    PeerStats& stats = stats_[push.peer];
    ++stats.pushes;
    AckMessage ack;
    ack.batch = push.message.batch;
    std::set<PublicKey> authors;
    for (const IngestOutcome& o : push.outcomes) {
      authors.insert(o.author);
      switch (o.kind) {
        case IngestOutcome::Kind::kAccepted:
          ++ack.accepted;
          break;
        case IngestOutcome::Kind::kDuplicate:
          ++ack.duplicate;
          break;
        case IngestOutcome::Kind::kBuffered:
          ++ack.buffered;
          break;
        default:
          push.rejections.push_back(RecordRejection::OfRecord(o.id, o.seq, o.code, o.message));
      }
    }
    for (const RecordRejection& r : push.rejections) ++stats.rejections[r.code];
    stats.records_accepted += ack.accepted;
    stats.records_duplicate += ack.duplicate;
    for (const PublicKey& author : authors) {
      FeedHead head = options_.store->Head(author);
      ack.heads.push_back({author, head.seq, head.id});
    }
    ack.rejections = std::move(push.rejections);
    ack.tree_head = tree_head;
    Reply(push.routing_id, ack.ToJson());
  }
  stats_dirty_ = true;
  if (options_.after_ingest && !outcomes.empty()) options_.after_ingest();
}

void SyncServer::FlushStats() {
  if (!stats_dirty_) return;
  options_.store->PutMeta(kPeerStatsMeta, EncodePeerStats(stats_));
  stats_dirty_ = false;
  stats_written_ms_ = SteadyMs();
}

}  // namespace bangban
