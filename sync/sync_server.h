// SyncServer: the listening side of replication (docs/protocol.md). A county or city hub runs
// one; so may an outlet node that relays for nearby outlets. ZeroMQ ROUTER with CurveZMQ; an
// in-process ZAP handler admits only enrolled, unrevoked keys.
//
// Pushes that arrive together are verified in parallel and stored in one transaction (group
// commit); every ack is sent only after that transaction is durable.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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
    std::function<void()> after_ingest;  // e.g. wake upstream replication
    std::function<void()> every_second;  // periodic work on the serving thread
    // Light periodic work after every poll (at least five times a second), e.g. what must follow
    // a simulation's clock at speed (protocol/clock.h) closely.
    std::function<void()> every_poll;
    // Bytes of pushes all peers together may have in flight (docs/protocol.md, memory bounds).
    size_t push_budget = kDefaultPushBudget;
  };

  explicit SyncServer(Options options);
  ~SyncServer();

  // Binds and serves until `stop` is set. Error(ErrorCode::kBind) if the endpoint cannot be bound.
  void Run(const std::atomic<bool>& stop);

 private:
  struct Push;
  struct Round;
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
  void ReadRound();  // answers what is not a push; starts verifying the pushes
  void Reply(const zmq::message_t& routing_id, const Json& message);
  WelcomeMessage Welcome(const PublicKey& peer, const HelloMessage& hello);
  PushGrant Grant(const PublicKey& peer);
  std::optional<ErrorMessage> RefusePush(const PublicKey& peer, const PushMessage& push, size_t pushes_this_round);
  // Error(ErrorCode::kNotAllowed) for a feed that may not be pulled from here.
  RecordsMessage Pull(const PublicKey& peer, const PullMessage& request);
  // A round's pushes: Decode decodes their records and returns them for the verification pool
  // (which verifies them while the serving thread goes on); Verified turns the bad signatures
  // into rejections; Commit stores what is left in one transaction and sends the acks.
  std::vector<const Record*> Decode(std::vector<Push>& pushes);
  void Verified(std::vector<Push>& pushes, const std::vector<char>& signature_ok);
  void Commit(std::vector<Push>& pushes);
  void CommitOldest();  // the oldest round in flight once verified (helping), with verified ones after it
  void CommitAll();
  void FlushStats();

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
  std::deque<Round> in_flight_;            // read, oldest first: verifying or verified, not committed
};

}  // namespace bangban
