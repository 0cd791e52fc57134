#include "hub/hub.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "sync/sync_client.h"
#include "sync/sync_server.h"
#include "protocol/clock.h"
#include "sync/sync_message.h"

namespace bangban {

namespace {

FeedStore::Options StoreOptions(const HubConfig& config, const PublicKey& own_key) {
  FeedStore::Options options;
  options.roots.push_back({own_key, config.role, config.county});
  if (config.city_key && *config.city_key != own_key) options.roots.push_back({*config.city_key, "city", ""});
  options.require_enrolment = true;
  return options;
}

}  // namespace

PublicKey Hub::Init(const std::filesystem::path& path, const HubConfig& config,
                    const std::optional<std::filesystem::path>& key_file) {
  DataDir dir = DataDir::Create(path, "hub");
  SigningKey key = key_file ? SigningKey::Load(*key_file) : SigningKey::Generate();
  key.Save(dir.key_file());
  FeedStore store(dir.store_dir(), StoreOptions(config, key.public_key()));
  config.Save(dir.config_file());
  return key.public_key();
}

Hub::Hub(const std::filesystem::path& path)
    : dir_(DataDir::Open(path, "hub")),
      config_(HubConfig::Load(dir_.config_file())),
      key_(SigningKey::Load(dir_.key_file())),
      store_(std::make_unique<FeedStore>(dir_.store_dir(), StoreOptions(config_, key_.public_key()))),
      cases_(std::make_unique<CaseBook>(*store_, CaseBook::Options{dir_.root(), {config_.role, config_.name, config_.county, config_.city_key, key_.public_key()}})) {
  store_->AddObserver(cases_->Observer());
  log_ = std::make_unique<TransparencyLog>(store_->env());
  clock_skew_ = store_->env().OpenDb("clock_skew");
  store_->AddObserver([this](LmdbTxn& txn, const Record& record, int64_t received_ms) {
    log_->Append(txn, record.id(), received_ms);
    NoteClockSkew(txn, record, received_ms);
  });
}

void Hub::NoteClockSkew(LmdbTxn& txn, const Record& record, int64_t received_ms) {
  // Accepted (the record is genuine) but flagged: a record stamped in the hub's future says
  // the outlet's clock is wrong, so its own timestamps (and transit delays) cannot be trusted.
  constexpr int64_t kMaxAheadMs = 5 * 60 * 1000;
  int64_t ahead = record.envelope().ts - received_ms;
  if (ahead <= kMaxAheadMs) return;
  uint8_t value[8];
  PutBigEndian64(value, static_cast<uint64_t>(ahead));
  txn.Put(clock_skew_, record.id(), ByteView(value, 8));
  spdlog::warn("record {} seq {} from {}: its clock is {} s ahead of the hub's", ToHex(record.id()).substr(0, 16),
               record.seq(), KeyId(record.author()), ahead / 1000);
}

Json Hub::LatestTreeHead() const {
  Json head;
  store_->env().Read([&](LmdbTxn& txn) {
    if (auto latest = log_->LatestHead(txn)) head = Json::binary(latest->Encode());
  });
  return head;
}

std::optional<Receipt> Hub::ReceiptFor(const RecordId& id) {
  std::optional<Receipt> receipt;
  bool logged = false;
  store_->env().Read([&](LmdbTxn& txn) {
    receipt = log_->Prove(txn, id);
    logged = log_->Find(txn, id).has_value();
  });
  if (receipt || !logged) return receipt;
  store_->env().Write([&](LmdbTxn& txn) {
    TreeHead head = log_->SignHead(txn, key_, NowMs());
    receipt = log_->Prove(txn, id, head);
  });
  return receipt;
}

Json Hub::ReceiptMessage(const RecordId& id) {
  std::optional<Receipt> receipt = ReceiptFor(id);
  if (!receipt) return ErrorMessage(ErrorCode::kNotFound, "record " + ToHex(id).substr(0, 16) + " is not held by this hub");
  return {{"type", "receipt"}, {"receipt", receipt->ToJson()}};
}

Record Hub::Enrol(const EnrolRequest& r) {
  Json body = {{"key", Json::binary(Bytes(r.key.begin(), r.key.end()))},
               {"role", r.role},
               {"name", r.name},
               {"county", r.county}};
  if (!r.outlet_id.empty()) body["outlet_id"] = r.outlet_id;
  if (r.role == "outlet" && r.outlet_id.empty()) {
    throw Error(ErrorCode::kUsage, "--outlet-id is required to enrol an outlet");
  }
  return store_->AppendOwn(key_, {{"key.enroll", body}}).front();
}

Record Hub::Revoke(const PublicKey& key, uint64_t after_seq, const std::string& reason) {
  Json body = {{"key", Json::binary(Bytes(key.begin(), key.end()))},
               {"after_seq", after_seq},
               {"reason", reason}};
  return store_->AppendOwn(key_, {{"key.revoke", body}}).front();
}

ImportReport Hub::Import(const std::filesystem::path& file) { return ImportBundle(*store_, file); }

size_t Hub::Export(const std::filesystem::path& file) const {
  std::vector<Record> records = AllRecordsForExport(*store_);
  WriteBundle(file, records);
  return records.size();
}

void Hub::Run(const RunOptions& run, const std::atomic<bool>& stop) {
  if (!run.upstream.empty()) {
    SyncClient::Options options;
    options.endpoint = run.upstream;
    options.upstream = run.upstream_key;
    options.identity = &key_;
    options.store = store_.get();
    upstream_.Start(std::move(options), stop);
  }
  SyncServer::Options options;
  options.endpoint = run.listen;
  options.identity = &key_;
  options.store = store_.get();
  options.before_commit = [this](LmdbTxn& txn) { log_->SignHead(txn, key_, NowMs()); };
  options.latest_tree_head = [this] { return LatestTreeHead(); };
  options.receipt = [this](const RecordId& id) { return ReceiptMessage(id); };
  if (upstream_.running()) options.after_ingest = [this] { upstream_.Wake(); };
  // Live SLA warnings: open cases turn yellow and red as working time passes, not only when a
  // record arrives; every change is logged for the review desk.
  bool first_watch = true;
  int tick = 0;
  options.every_second = [&] {
    if (config_.role != "county" || tick++ % 10 != 0) return;  // colours move by the minute
    std::vector<ColourChange> changes = cases_->AdvanceClock(NowMs());
    if (first_watch) {
      spdlog::info("watching {} open cases for SLA deadlines", changes.size());
      first_watch = false;
      return;
    }
    for (const ColourChange& c : changes) {
      spdlog::log(NeedsTheDesk(c) ? spdlog::level::warn : spdlog::level::info,
                  "case {}: {} -> {} (deadline {}, reviewer {})", c.app_id, ToString(c.from), ToString(c.to),
                  FormatRfc3339(c.deadline_ms), c.reviewer.empty() ? "unassigned" : c.reviewer);
    }
  };
  SyncServer server(std::move(options));
  server.Run(stop);
  upstream_.Stop();
}

void Hub::WakeUpstream() { upstream_.Wake(); }

SyncClient::Result Hub::Recover(const std::string& upstream, const PublicKey& upstream_key) {
  SyncClient::Options options;
  options.endpoint = upstream;
  options.upstream = upstream_key;
  options.identity = &key_;
  options.store = store_.get();
  return SyncClient(std::move(options)).SyncOnce();
}

std::vector<std::string> Hub::Audit() const {
  std::vector<std::string> problems = store_->Audit();
  store_->env().Read([&](LmdbTxn& txn) {
    for (std::string& p : log_->Audit(txn, key_.public_key())) problems.push_back("transparency log: " + p);
  });
  // Every stored record is in the log with the receipt time the store recorded.
  store_->ScanAll([&](const Record& r) {
    std::optional<LogEntry> entry;
    store_->env().Read([&](LmdbTxn& txn) { entry = log_->Find(txn, r.id()); });
    auto received = store_->ReceivedAt(r.id());
    if (!entry) {
      problems.push_back("record " + ToHex(r.id()).substr(0, 16) + " (feed " + KeyId(r.author()) + " seq " +
                         std::to_string(r.seq()) + ") is missing from the transparency log");
    } else if (received && entry->received_ms != *received) {
      problems.push_back("record " + ToHex(r.id()).substr(0, 16) + ": the log's receipt time differs from the store's");
    }
    return problems.size() < 200;
  });
  return problems;
}

Json Hub::Status() const {
  Json status;
  status["role"] = config_.role;
  status["name"] = config_.name;
  status["county"] = config_.county;
  status["key"] = ToHex(key_.public_key());
  status["records"] = store_->RecordCount();
  status["feeds"] = store_->Heads().size();
  status["enrolled"] = store_->Enrolments().size();
  status["buffered"] = store_->BufferedCount();
  Json quarantined = Json::array();
  for (const auto& [author, reason] : store_->Quarantined()) {
    quarantined.push_back({{"author", ToHex(author)}, {"reason", reason}});
  }
  status["quarantined"] = quarantined;
  store_->env().Read([&](LmdbTxn& txn) {
    MDB_stat stat;
    mdb_stat(txn.raw(), clock_skew_, &stat);
    status["clock_skewed_records"] = stat.ms_entries;
    if (auto head = log_->LatestHead(txn)) status["tree_head"] = head->ToJson();
  });
  status["peers"] = PeerReport();
  // Every feed's head: what `revoke --after-seq` and a restored node's recovery refer to.
  Json feeds = Json::array();
  for (const auto& [author, head] : store_->Heads()) {
    auto e = store_->FindEnrolment(author);
    feeds.push_back({{"author", ToHex(author)}, {"seq", head.seq}, {"head", ToHex(head.id)},
                     {"outlet_id", e ? e->outlet_id : ""}, {"role", e ? e->role : (author == key_.public_key() ? config_.role : "")}});
  }
  status["heads"] = feeds;
  return status;
}

Json Hub::PeerReport() const {
  // Per peer: what it told us it holds against what we hold. A backlog that does not shrink is
  // replication that silently stalls.
  Json peers = Json::array();
  Json stats = LoadPeerStats(*store_);
  for (const auto& [hex, s] : stats.items()) {
    auto key = FromHexFixed<32>(hex);
    if (!key) continue;
    uint64_t backlog = 0;
    Json claimed = s.value("claimed_heads", Json::object());
    for (const auto& [author_hex, seq] : claimed.items()) {
      auto author = FromHexFixed<32>(author_hex);
      uint64_t ours = author ? store_->Head(*author).seq : 0;
      if (seq.get<uint64_t>() > ours) backlog += seq.get<uint64_t>() - ours;
    }
    auto enrolment = store_->FindEnrolment(*key);
    Json peer = {{"key", hex},
                 {"name", enrolment ? enrolment->name : ""},
                 {"outlet_id", enrolment ? enrolment->outlet_id : ""},
                 {"last_contact", FormatRfc3339(s.value("last_contact_ms", int64_t{0}))},
                 {"pushes", s.value("pushes", uint64_t{0})},
                 {"records_received", s.value("records_accepted", uint64_t{0})},
                 {"duplicates", s.value("records_duplicate", uint64_t{0})},
                 {"backlog", backlog},
                 {"rejections", s.value("rejections", Json::object())}};
    peers.push_back(peer);
  }
  return peers;
}

}  // namespace bangban
