#include "node/outlet_node.h"

#include <fstream>
#include <map>

#include <thread>

#include "protocol/civil_time.h"
#include "protocol/clock.h"
#include "protocol/json_text.h"
#include "sync/sync_server.h"

namespace bangban {

namespace {

CivilDate TodayInChina() { return LocalDate(NowMs()); }

// Something that happened to an application, for the node's status.
struct ApplicationEvent {
  int64_t ts;
  std::string state;
  const Json* body;  // for a decision's reason and issued USCC
};

FeedStore::Options StoreOptions(const NodeConfig& config) {
  FeedStore::Options options;
  // The county hub is the node's trust root: its enrollments and revocations are honoured.
  options.roots.push_back({config.county_key, "county", config.county});
  // A node carries records it cannot judge (it may not know every enrollment); the hub judges.
  options.require_enrollment = false;
  return options;
}

// node.toml, after checking that this node may run on the clock in force.
NodeConfig LoadConfig(const DataDir& dir) {
  NodeConfig config = NodeConfig::Load(dir.config_file());
  RequireRealClockUnlessSimulation(config.simulation, dir.config_file());
  return config;
}

// DIR/own_feed: "SEQ ID_HEX", the own feed's head as of the last append, kept beside the
// identity and outside the store. A store deleted, emptied or put back from an older backup
// holds less than it says, and writing then would start the feed again at a seq the hub already
// has: a fork. Written after each commit (so it never runs ahead of the store), replaced by rename.
std::filesystem::path OwnFeedMarkFile(const DataDir& dir) { return dir.root() / "own_feed"; }

std::optional<uint64_t> ReadOwnFeedMark(const DataDir& dir) {
  std::ifstream in(OwnFeedMarkFile(dir));
  uint64_t seq = 0;
  if (!(in >> seq)) return std::nullopt;  // none yet (an older data dir), or unreadable
  return seq;
}

void WriteOwnFeedMark(const DataDir& dir, const FeedHead& head) {
  const std::filesystem::path file = OwnFeedMarkFile(dir), partial = file.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << head.seq << " " << (head.seq > 0 ? ToHex(head.id) : std::string("-")) << "\n";
    if (!out) return;  // the mark is a guard, not the record: the store holds the truth
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
}

}  // namespace

PublicKey OutletNode::Init(const std::filesystem::path& path, const NodeConfig& config,
                           const std::optional<std::filesystem::path>& key_file, bool replacing) {
  ToCurvePublicKey(config.county_key);  // refuses a key that is not an Ed25519 point
  DataDir dir = DataDir::Create(path, "node");
  SigningKey key = key_file ? SigningKey::Load(*key_file) : SigningKey::Generate();
  key.Save(dir.key_file());
  FeedStore store(dir.store_dir(), StoreOptions(config));
  // A replaced machine's identity already has a feed at the hub: writing before fetching it
  // would fork it.
  if (replacing) store.PutMeta(kBehindFlag, AsBytes("identity replaced"));
  config.Save(dir.config_file());  // last: a dir with a config is a complete node
  return key.public_key();
}

OutletNode::OutletNode(const std::filesystem::path& path)
    : dir_(DataDir::Open(path, "node")),
      config_(LoadConfig(dir_)),
      key_(SigningKey::Load(dir_.key_file())),
      store_(std::make_unique<FeedStore>(dir_.store_dir(), StoreOptions(config_))) {}

void OutletNode::CheckClock() const { RequireRealClockUnlessSimulation(config_.simulation, dir_.config_file()); }

void OutletNode::RequireOwnOutlet(const IntakeEntry& entry) const {
  // A referral is the outlet's own work (the city counts it for that outlet): one naming another
  // outlet would credit it with this outlet's referral.
  if (entry.type != "finance.referral") return;
  const std::string& named = entry.body["outlet_id"].get_ref<const std::string&>();
  if (named != config_.outlet_id) {
    FailBody(entry.type, "outlet_id",
             "'" + named + "' is another outlet; this node records referrals of its own outlet, " + config_.outlet_id);
  }
}

std::vector<LineProblem> OutletNode::ReadSubmissions(std::istream& in, std::vector<IntakeEntry>& entries) const {
  struct Line {
    size_t number;
    std::string text;
    std::optional<IntakeEntry> entry;
    std::optional<LineProblem> problem;
  };
  std::vector<Line> lines;
  std::string text;
  for (size_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") != std::string::npos)
      lines.push_back({number, std::move(text), {}, std::nullopt});
  }
  // Sealing an ID number costs a key exchange (~0.1 ms): use every core, keep the line order.
  CivilDate today = TodayInChina();
  const std::optional<SealingTarget> sealing_key = SealingKey();
  auto intake = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      Line& line = lines[i];
      try {
        line.entry = IntakeFromJson(ParseJsonText(line.text, ""), sealing_key, today);
        RequireOwnOutlet(*line.entry);
        if (!line.entry->warning.empty()) {
          line.entry->warning = "line " + std::to_string(line.number) + ": " + line.entry->warning;
        }
      } catch (const Error& e) {
        line.problem = LineProblem{line.number, e.code(), e.what()};
      }
    }
  };
  unsigned threads = lines.size() < 256 ? 1 : std::max(1u, std::thread::hardware_concurrency());
  size_t chunk = (lines.size() + threads - 1) / threads;
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) {
      pool.emplace_back(intake, std::min(lines.size(), t * chunk), std::min(lines.size(), (t + 1) * chunk));
    }
    intake(0, std::min(lines.size(), chunk));
  }
  // An application is filed once: its (outlet, app_id) is its identity at the county, so a
  // second app.submit of an app_id this outlet already filed (or twice in this input) is refused.
  std::map<std::string, std::string> filed;  // app_id -> where it was filed
  bool any_submit = false;
  for (const Line& line : lines) any_submit = any_submit || (line.entry && line.entry->type == "app.submit");
  if (any_submit) {
    store_->ScanFeed(key_.public_key(), 1, store_->Head(key_.public_key()).seq, [&](const Record& r) {
      if (r.type() == "app.submit") filed.emplace(r.body()["app_id"], "in seq " + std::to_string(r.seq()));
      return true;
    });
  }
  for (Line& line : lines) {
    if (!line.entry || line.entry->type != "app.submit") continue;
    const std::string& app_id = line.entry->body["app_id"].get_ref<const std::string&>();
    auto [it, fresh] = filed.emplace(app_id, "on line " + std::to_string(line.number));
    if (!fresh) {
      line.problem = LineProblem{line.number, std::string(ErrorCode::kDuplicateApp.name()),
                                 "app_id " + app_id + " was already submitted by this outlet (" + it->second +
                                     "); an application is filed once: answer a correction with app.resubmit, or "
                                     "give a new application a new app_id"};
      line.entry.reset();
    }
  }
  std::vector<LineProblem> problems;
  for (Line& line : lines) {
    if (line.problem) {
      problems.push_back(std::move(*line.problem));
    } else {
      entries.push_back(std::move(*line.entry));
    }
  }
  return problems;
}

void OutletNode::RequireStoreNotBehindOwnFeedMark() const {
  const std::optional<uint64_t> marked = ReadOwnFeedMark(dir_);
  const uint64_t held = store_->Head(key_.public_key()).seq;
  if (marked && *marked > held) {
    throw Error(ErrorCode::kBehind, "this node wrote its feed up to seq " + std::to_string(*marked) + " (" +
                                        OwnFeedMarkFile(dir_).string() + "), but its store holds only " +
                                        std::to_string(held) +
                                        " (deleted, emptied or restored from an older backup); nothing was stored: "
                                        "run `bangban-node recover --data DIR` first");
  }
}

std::vector<Record> OutletNode::Append(std::span<const IntakeEntry> entries) {
  if (store_->GetMeta(kBehindFlag)) {
    throw Error(ErrorCode::kBehind,
                "this node's feed is behind what the hub holds (restored or replaced); "
                "nothing was stored: run `bangban-node recover --data DIR` first");
  }
  RequireStoreNotBehindOwnFeedMark();
  std::vector<std::pair<std::string, Json>> bodies;
  bodies.reserve(entries.size());
  for (const IntakeEntry& e : entries) bodies.emplace_back(e.type, e.body);
  std::vector<Record> stored = store_->AppendOwn(key_, bodies);
  if (!stored.empty()) WriteOwnFeedMark(dir_, {stored.back().seq(), stored.back().id()});
  return stored;
}

std::optional<SealingTarget> OutletNode::SealingKey() const {
  std::vector<SealingTarget> known;
  if (config_.sealing_key) known.push_back(*config_.sealing_key);
  // Only the county hub's own feed: a key.sealing by anyone else names no key of the hub.
  store_->ScanFeed(
      config_.county_key, 1, store_->Head(config_.county_key).seq,
      [&](const Record& r) {
        if (r.type() != "key.sealing") return true;
        const Json& body = r.body();
        if (!body.is_object() || !body.contains("period") || !body["period"].is_string() ||
            !body.contains("public_key") || !body["public_key"].is_binary()) {
          return true;
        }
        auto target =
            ParseSealingTarget(body["period"].get<std::string>() + ":" + ToHex(body["public_key"].get_binary()));
        if (target) known.push_back(*target);
        return true;
      },
      [](const FeedStore::DamagedRecord&) {});  // damage is `audit`'s to name
  if (known.empty()) return std::nullopt;
  std::sort(known.begin(), known.end(),
            [](const SealingTarget& a, const SealingTarget& b) { return a.period < b.period; });
  const CivilDate today = TodayInChina();
  const std::string now =
      std::to_string(today.year) + "-" + (today.month < 10 ? "0" : "") + std::to_string(today.month);
  std::optional<SealingTarget> chosen;
  for (const SealingTarget& k : known) {
    if (k.period <= now) chosen = k;
  }
  return chosen ? chosen : known.front();
}

std::vector<std::string> OutletNode::SealingNotices() const {
  const std::optional<Enrollment> enrollment = store_->FindEnrollment(key_.public_key());
  const std::string& own_outlet =
      enrollment && !enrollment->outlet_id.empty() ? enrollment->outlet_id : config_.outlet_id;
  std::vector<std::string> notices;
  store_->ScanFeed(
      config_.county_key, 1, store_->Head(config_.county_key).seq,
      [&](const Record& r) {
        if (r.type() != "key.sealing_stale" || r.body().value("outlet_id", "") != own_outlet) return true;
        notices.push_back("the county hub cannot open record " + ToHex(r.body()["record"].get_binary()).substr(0, 16) +
                          " (sealed to key " + r.body().value("used", "?") + "): seal to key " +
                          r.body().value("latest", "?") + " (sync; check the node's clock and software)");
        return notices.size() < 100;
      },
      [](const FeedStore::DamagedRecord&) {});
  return notices;
}

NodeStatus OutletNode::Status() const {
  FeedHead own = store_->Head(key_.public_key());
  // Applications filed here and what happened to each since: our submissions and resubmissions,
  // and the county hub's decisions pulled from its feed, in time order.
  std::map<std::string, ApplicationStatus> apps;
  std::map<std::string, std::vector<ApplicationEvent>> events;
  std::vector<Record> held;
  store_->ScanFeed(key_.public_key(), 1, own.seq, [&](const Record& r) {
    if (r.type() == "app.submit") {
      const std::string& app_id = r.body()["app_id"];
      apps[app_id] = {app_id,      r.body()["kind"].get<std::string>(), "submitted", r.envelope().ts, std::nullopt,
                      std::nullopt};
    }
    if (r.type() == "app.resubmit") held.push_back(r);
    return true;
  });
  store_->ScanFeed(config_.county_key, 1, store_->Head(config_.county_key).seq, [&](const Record& r) {
    if (r.type().starts_with("review.")) held.push_back(r);
    return true;
  });
  static const std::map<std::string, std::string> kStates = {{"app.resubmit", "resubmitted"},
                                                             {"review.accept", "accepted"},
                                                             {"review.correct", "correction_requested"},
                                                             {"review.approve", "approved"},
                                                             {"review.reject", "rejected"}};
  // A decision names the outlet whose application it is; one without (older records) means the
  // first outlet that filed the app_id, which the node cannot tell: it is taken as ours.
  const std::optional<Enrollment> enrollment = store_->FindEnrollment(key_.public_key());
  const std::string& own_outlet =
      enrollment && !enrollment->outlet_id.empty() ? enrollment->outlet_id : config_.outlet_id;
  for (const Record& r : held) {
    auto state = kStates.find(r.type());
    if (r.type().starts_with("review.") && r.body().value("outlet_id", own_outlet) != own_outlet) continue;
    if (state != kStates.end() && apps.count(r.body()["app_id"])) {
      events[r.body()["app_id"]].push_back({r.envelope().ts, state->second, &r.body()});
    }
  }
  for (auto& [app_id, list] : events) {
    std::stable_sort(list.begin(), list.end(),
                     [](const ApplicationEvent& a, const ApplicationEvent& b) { return a.ts < b.ts; });
    ApplicationStatus& app = apps[app_id];
    app.state = list.back().state;
    const Json& last = *list.back().body;
    if (last.contains("reason")) app.reason = last["reason"].get<std::string>();
    if (last.contains("uscc")) app.uscc = last["uscc"].get<std::string>();
  }
  NodeStatus status;
  status.outlet_id = config_.outlet_id;
  status.county = config_.county;
  status.key = key_.public_key();
  status.simulation = config_.simulation;
  status.feed_seq = own.seq;
  if (own.seq) status.feed_head = own.id;
  status.records_held = store_->RecordCount();
  status.feeds_held = store_->Heads().size();
  status.buffered = store_->BufferedCount();
  status.quarantined = store_->Quarantined().size();
  for (auto& [id, app] : apps) status.applications.push_back(std::move(app));
  if (std::optional<SealingTarget> sealing = SealingKey()) status.sealing_key = sealing->period;
  status.sealing_notices = SealingNotices();
  return status;
}

SyncClient::Options OutletNode::ClientOptions() {
  if (config_.hub_endpoint.empty()) {
    throw Error(ErrorCode::kConfig, "no upstream: set hub_endpoint in node.toml (or init --hub ENDPOINT)");
  }
  SyncClient::Options options;
  options.endpoint = config_.hub_endpoint;
  options.upstream = config_.hub_key;
  options.identity = &key_;
  options.store = store_.get();
  return options;
}

SyncClient::Result OutletNode::SyncOnce() {
  SyncClient client(ClientOptions());
  return client.SyncOnce();
}

SyncClient::Result OutletNode::Recover() {
  SyncClient client(ClientOptions());
  SyncClient::Result result = client.SyncOnce();
  store_->DeleteMeta(kBehindFlag);  // upstream answered: our feed now holds all it had of it
  // What upstream never received is gone with the old store; the feed goes on from what it held.
  WriteOwnFeedMark(dir_, store_->Head(key_.public_key()));
  return result;
}

Receipt OutletNode::ReceiptFor(const RecordId& id) {
  if (!store_->Get(id)) throw Error(ErrorCode::kNotFound, "this node holds no record " + ToHex(id));
  const std::string meta = ReceiptMetaName(id);
  Receipt receipt;
  try {
    SyncClient client(ClientOptions());
    receipt = client.RequestReceipt(id);
  } catch (const Error& e) {
    auto kept = store_->GetMeta(meta);
    if (!kept) throw;
    receipt = Receipt::FromJson(Json::parse(AsChars(*kept)));
  }
  if (receipt.id != id || !receipt.Verify(config_.county_key)) {
    throw Error(ErrorCode::kBadReceipt,
                "the receipt for " + ToHex(id).substr(0, 16) + " does not verify against the county hub's key");
  }
  store_->PutMeta(meta, AsBytes(receipt.ToJson().dump()));
  return receipt;
}

void OutletNode::Run(const std::string& listen, const std::atomic<bool>& stop) {
  if (!config_.hub_endpoint.empty()) replication_.Start(ClientOptions(), stop);
  if (listen.empty()) {
    replication_.Join();  // ends with `stop`
    return;
  }
  SyncServer::Options options;
  options.endpoint = listen;
  options.identity = &key_;
  options.store = store_.get();
  options.check_authors = true;
  if (replication_.running()) {
    options.after_ingest = [this] { replication_.Wake(); };
    // Receipts come from the hub: a relay asks it on behalf of the outlets behind it.
    options.receipt = [this](const RecordId& id) {
      try {
        SyncClient upstream(ClientOptions());
        return upstream.RequestReceipt(id);
      } catch (const Error& e) {
        throw Error::Reworded(e, std::string("relay could not ask the hub: ") + e.what());
      }
    };
  }
  SyncServer server(std::move(options));
  server.Run(stop);
  replication_.Stop();
}

void OutletNode::WakeReplication() { replication_.Wake(); }

size_t OutletNode::Export(const std::filesystem::path& file) const { return ExportStore(*store_, file); }

ImportReport OutletNode::Import(const std::filesystem::path& file, const std::atomic<bool>* stop) {
  return ImportBundle(*store_, file, stop);
}

}  // namespace bangban
