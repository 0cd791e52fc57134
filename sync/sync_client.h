// SyncClient: the connecting side of replication (docs/protocol.md). An outlet node uses it to
// reach its county hub (or a relay); a county hub uses it to replicate to the city.
//
// One exchange: hello -> welcome (what upstream holds); push every record upstream lacks, in
// feed order, several pushes in flight (a window), each acknowledged only once durable there;
// then pull what upstream offers (its own feed and its roots' feeds: enrollments, decisions,
// reminders) and, after a restore from an old backup, this party's own feed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "storage/feed_store.h"
#include "storage/transparency_log.h"
#include "sync/messages.h"

namespace bangban {

class SyncClient {
 public:
  struct Options {
    std::string endpoint;  // e.g. tcp://127.0.0.1:7100
    PublicKey upstream{};  // the server's identity: its CurveZMQ key is pinned to it
    const SigningKey* identity = nullptr;
    FeedStore* store = nullptr;
    size_t window = 4;                           // pushes in flight at most (upstream's grant may allow fewer)
    size_t heads_per_hello = kMaxHeadsPerHello;  // feeds named per hello (several hellos if more)
    int timeout_ms = 10'000;                     // no answer for this long: the exchange fails, reconnect
    int idle_ms = 1'000;                         // RunForever: pause between exchanges when nothing is new
  };

  struct Result {
    bool complete = false;  // everything held at hello is acknowledged upstream, none refused
    uint64_t pushed = 0, accepted = 0, duplicate = 0, pulled = 0;
    std::vector<std::string> refusals;  // "<feed> seq N: code: message"
    bool recovered = false;             // this party's own feed was fetched from upstream

    // What `bangban-node sync --json` prints: {"complete", "pushed", "accepted", "duplicate",
    // "pulled", "recovered", "refusals"}.
    Json ToJson() const;
  };

  explicit SyncClient(Options options);
  ~SyncClient();

  // One full exchange. Error(ErrorCode::kUnreachable) if upstream does not answer within the timeout,
  // Error(<code>) if it answers with an error.
  Result SyncOnce();
  // Exchanges until `stop`, pausing idle_ms between exchanges (or until Wake), backing off
  // exponentially (to 60 s) while upstream is unreachable.
  void RunForever(const std::atomic<bool>& stop);
  // Starts the next exchange now (e.g. new records arrived).
  void Wake();
  // Makes RunForever return after the exchange in hand, whatever `stop` says.
  void Cancel();

  // Asks upstream (a hub) for the receipt of a record, as the hub sent it (not verified here).
  // Error(ErrorCode::kNotAHub) from a relay, Error(ErrorCode::kNotFound) if the hub does not hold the record.
  Receipt RequestReceipt(const RecordId& id);

 private:
  struct Range {
    PublicKey author;
    uint64_t next;
    uint64_t last;
  };
  void Connect();
  void Send(const Json& message);
  Json Receive();          // next message, or Error(ErrorCode::kUnreachable) after the timeout
  WelcomeMessage Hello();  // one or more hello -> welcome, joined into one welcome
  // Sends `message` and returns the answer; an error answer is thrown as Error(its code).
  Json Request(const Json& message);
  std::vector<Bytes> NextPush(std::vector<Range>& ranges, size_t push_bytes);
  void HandleAck(const Json& answer, Result& result, std::map<PublicKey, uint64_t>& acked);
  void PushForkEvidence(Result& result, size_t push_bytes);
  void Pull(const WelcomeMessage& welcome, Result& result);

  Options options_;
  // Error(ErrorCode::kRefused) if the server turned our key away during the CurveZMQ handshake.
  void CheckRefused();

  zmq::context_t context_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<zmq::socket_t> monitor_;  // handshake events of socket_
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> cancelled_{false};
};

// A SyncClient exchanging continuously on its own thread, for a daemon's Run. Start launches
// RunForever; Join waits for it to end by `stop`; Stop (and the destructor, also while an
// exception leaves Run) cancels and joins it, so the thread never outlives what it uses. Wake
// may be called from any thread at any time: it does nothing while no replication runs.
class BackgroundSync {
 public:
  BackgroundSync() = default;
  ~BackgroundSync() { Stop(); }
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  void Start(SyncClient::Options options, const std::atomic<bool>& stop);
  void Join();
  void Stop();
  void Wake();
  bool running() const { return thread_.joinable(); }

 private:
  void End(bool cancel);

  std::mutex mutex_;  // guards client_ between Wake and the end of the thread
  std::unique_ptr<SyncClient> client_;
  std::thread thread_;
};

// What upstream acknowledged, per feed (meta entry "acked"): author -> seq.
std::map<PublicKey, uint64_t> LoadAcked(const FeedStore& store);

}  // namespace bangban
