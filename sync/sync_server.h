// SyncServer: the listening side of replication (docs/protocol.md). A county or city hub runs
// one; so may an outlet node that relays for nearby outlets. ZeroMQ ROUTER with CurveZMQ; an
// in-process ZAP handler admits only enrolled, unrevoked keys.
//
// Three kinds of thread share the work: the serving thread reads the socket, answers what is not
// a push and sends the acks; a pool verifies the pushes' signatures on every core; one
// committer stores the verified rounds, several in one transaction (group commit), and hands
// the acks back, each only after its transaction is durable. So the serving thread never waits
// on an fsync while records wait to be read or verified. A fourth thread runs the periodic
// hooks (every_second, every_poll), so no push waits behind them either.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include <zmq.hpp>

#include "storage/feed_store.h"
#include "storage/transparency_log.h"
#include "sync/messages.h"
#include "sync/peer_stats.h"
#include "sync/zap_handler.h"

namespace bangban {

class VerificationPool;

class SyncServer {
 public:
  struct Options {
    std::string endpoint;  // e.g. tcp://0.0.0.0:7100
    const SigningKey* identity = nullptr;
    FeedStore* store = nullptr;
    // A relay's store carries anything; the relay itself refuses records of keys it does not
    // know to be enrolled. A hub's store enforces enrollment itself.
    bool check_authors = false;
    // Hub hooks; a relay leaves them empty.
    std::function<void(LmdbTxn&)> before_commit;             // sign the tree head covering the batch
    std::function<std::optional<Bytes>()> latest_tree_head;  // binary form, none if not signed yet
    // The receipt answering a prove; throws Error(code, why) for the error answer (not_found...).
    std::function<Receipt(const RecordId&)> receipt;
    std::function<void()> after_ingest;  // e.g. wake upstream replication (on the committer)
    // Periodic work, on a thread of its own beside the serving thread: once a second, and light
    // work five times a second (e.g. what must follow a simulation's clock at speed,
    // protocol/clock.h, closely). The two never run at the same time.
    std::function<void()> every_second;
    std::function<void()> every_poll;
    // Runs the committer thread's whole body, `commit`, e.g. inside a thread-local scope: the
    // store's observers see every record from the peers on that thread. Runs `commit` if empty.
    std::function<void(const std::function<void()>& commit)> committer_scope;
    // Bytes of pushes all peers together may have in flight (docs/protocol.md, memory bounds).
    size_t push_budget = kDefaultPushBudget;
  };

  explicit SyncServer(Options options);
  ~SyncServer();

  // Binds and serves until `stop` is set; then commits and acknowledges what it read. Error(
  // ErrorCode::kBind) if the endpoint cannot be bound; what a hook threw on another thread is
  // thrown here.
  void Run(const std::atomic<bool>& stop);

 private:
  struct Push;
  struct Round;
  struct Ack;
  class Committer;
  void Bind();
  void RefreshAdmission();
  struct Admission {
    std::map<CurvePublicKey, PublicKey> admitted;  // enrolled, unrevoked (and the roots)
    std::vector<Enrollment> revoked;
  };
  Admission ReadAdmission() const;
  std::optional<CurvePublicKey> CurveKeyOf(const PublicKey& key) const;  // memoised
  ZapHandler::Decision Admit(const CurvePublicKey& key);                 // on the ZAP thread
  std::string WhyRefused(const CurvePublicKey& key) const;               // holding admitted_mutex_
  void ReadRound();  // answers what is not a push; starts verifying the pushes, hands them over
  void Reply(const zmq::message_t& routing_id, const Json& message);
  void Send(const zmq::message_t& routing_id, ByteView bytes);
  void SendAcks();  // the committer's acks, on the serving thread
  void Housekeep(const std::stop_token& stop);
  void TrimWhenQuiet(int64_t now_ms);
  WelcomeMessage Welcome(const PublicKey& peer, const HelloMessage& hello);
  PushGrant Grant(const PublicKey& peer);
  std::optional<ErrorMessage> RefusePush(const PublicKey& peer, const PushMessage& push, size_t pushes_this_round);
  // Error(ErrorCode::kNotAllowed) for a feed that may not be pulled from here.
  RecordsMessage Pull(const PublicKey& peer, const PullMessage& request);
  // A round's pushes: Decode decodes their records and returns them for the verification pool
  // (which verifies them while the serving thread goes on); on the committer, Verified turns
  // the bad signatures into rejections and Commit stores what is left in one transaction and
  // returns the acks.
  std::vector<const Record*> Decode(std::vector<Push>& pushes);
  static void Verified(std::vector<Push>& pushes, const std::vector<char>& signature_ok);
  std::vector<Ack> Commit(std::vector<Push>& pushes, const std::optional<Bytes>& stats);
  void FlushStats();
  std::optional<Bytes> StatsForCommit();         // the peer statistics, when they are due to be written
  void NoteFailure(std::exception_ptr failure);  // from another thread: Run throws it
  void RethrowFailure();

  Options options_;
  zmq::context_t context_;
  std::unique_ptr<VerificationPool> verifiers_;
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<zmq::socket_t> router_;
  std::mutex admitted_mutex_;
  std::map<CurvePublicKey, PublicKey> admitted_;  // curve key -> identity
  std::vector<Enrollment> revoked_;               // for naming why a key is refused
  mutable std::mutex curve_keys_mutex_;           // the serving and ZAP threads both convert
  mutable std::map<PublicKey, std::optional<CurvePublicKey>> curve_keys_;
  std::chrono::steady_clock::time_point last_zap_reload_{};
  std::optional<uint64_t> admission_read_at_;  // FeedStore::EnrollmentsChanged() when last read
  std::set<PublicKey> connected_;              // identities heard from since the last bind
  PeerStatsMap stats_;
  bool stats_dirty_ = false;  // changed since they were last written
  // Real (steady) time, never NowMs(): a simulation's clock runs faster than the network.
  int64_t stats_written_ms_ = 0;
  std::map<PublicKey, int64_t> heard_ms_;  // when each peer was last heard from, for grants
  int64_t last_read_ms_ = 0;               // steady time of the last read of the socket
  bool trimmed_since_read_ = true;         // TrimWhenQuiet
  std::mutex failure_mutex_;
  std::exception_ptr failure_;            // what a hook threw on another thread
  std::unique_ptr<Committer> committer_;  // while Run runs
};

}  // namespace bangban
