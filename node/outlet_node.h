// OutletNode: the edge node at an outlet. It holds the outlet's identity and store, signs what
// the helper enters, carries other outlets' records, and moves records by bundle (and, with
// replication, over the network). It has no HTTP server and no hub logic.
#pragma once

#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/intake.h"
#include "node/node_config.h"
#include "node/node_status.h"
#include "storage/bundle.h"
#include "storage/data_dir.h"
#include "storage/feed_store.h"
#include "storage/transparency_log.h"
#include "sync/sync_client.h"

namespace bangban {

class OutletNode {
 public:
  // Creates a data dir: identity (generated, or taken from `key_file`), config, empty store.
  // `config` holds what the command line checked (outlet id, county code, keys).
  // `replacing`: the identity wrote records elsewhere before (a replaced PC); the node refuses
  // to write until Recover has fetched that feed, so it cannot fork it.
  static PublicKey Init(const std::filesystem::path& dir, const NodeConfig& config,
                        const std::optional<std::filesystem::path>& key_file, bool replacing = false);

  // Error(ErrorCode::kFixedClockRefused) if the clock is fixed (BANGBAN_NOW) and node.toml does not say
  // this is a simulation party.
  explicit OutletNode(const std::filesystem::path& dir);
  // The same check for a command the running daemon runs under its sender's clock.
  void CheckClock() const;

  // Reads JSON lines and turns each into a record body. All lines are read before anything is
  // stored: if any line is wrong, returns one problem per bad line (malformed: not JSON) and
  // `entries` must not be stored.
  std::vector<LineProblem> ReadSubmissions(std::istream& in, std::vector<IntakeEntry>& entries) const;
  // Signs and stores entries in one durable transaction.
  std::vector<Record> Append(std::span<const IntakeEntry> entries);

  // The sealing key new personal data is sealed to: of those the node knows (node.toml's, and
  // the county hub's key.sealing records it holds), the newest whose period has begun by the
  // node's clock (else the oldest known). nullopt: none known (sync, or init --sealing-key).
  std::optional<SealingTarget> SealingKey() const;
  // The county hub's key.sealing_stale notices addressed to this outlet: it sealed to a key the
  // hub cannot open. One line each, for `status` and the sync log.
  std::vector<std::string> SealingNotices() const;

  // Identity, feed head, records held, applications and their state (node/node_status.h).
  NodeStatus Status() const;

  // Replication (docs/protocol.md). One exchange with the upstream hub or relay.
  SyncClient::Result SyncOnce();
  // Fetches this node's own feed from upstream before any new record may be written (after a
  // restore from backup or a replacement). Error if upstream cannot be reached.
  SyncClient::Result Recover();
  // The receipt of one of the records this node holds: fetched from the hub (and kept), or the
  // kept one when the hub cannot be reached. Verified against the county hub's key either way.
  Receipt ReceiptFor(const RecordId& id);

  // Runs until `stop`: replicates continuously; with `listen`, also serves nearby outlets as a
  // relay (their records are verified against the enrollments pulled from the hub).
  void Run(const std::string& listen, const std::atomic<bool>& stop);
  // While Run replicates: starts the next exchange with upstream now (e.g. the daemon just
  // stored records a command handed to it). Otherwise nothing. Any thread may call it.
  void WakeReplication();

  size_t Export(const std::filesystem::path& file) const;
  // Streams the file (ImportBundle); with `stop` (the daemon's), ends early once it is set.
  ImportReport Import(const std::filesystem::path& file, const std::atomic<bool>* stop = nullptr);

  const NodeConfig& config() const { return config_; }
  const PublicKey& public_key() const { return key_.public_key(); }
  FeedStore& store() { return *store_; }

 private:
  // Error(ErrorCode::kInvalidBody) if `entry` is a finance.referral naming another outlet than
  // this node's.
  void RequireOwnOutlet(const IntakeEntry& entry) const;
  DataDir dir_;
  NodeConfig config_;
  SigningKey key_;
  std::unique_ptr<FeedStore> store_;
  BackgroundSync replication_;  // Run's replication to upstream, while it runs

  SyncClient::Options ClientOptions();
  // Error("behind") when the store holds less of the own feed than DIR/own_feed says it wrote.
  void RequireStoreNotBehindOwnFeedMark() const;
};

}  // namespace bangban
