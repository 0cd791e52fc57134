#include "node/outlet_node.h"

#include <map>

#include <thread>

#include "sync/sync_server.h"
#include "protocol/clock.h"
#include "sync/sync_message.h"

namespace bangban {

namespace {

CivilDate TodayInChina() {
  int64_t days = (NowMs() + 8 * 3600 * 1000) / 86400000;
  CivilDate d{};
  CivilFromDays(days, d.year, d.month, d.day);
  return d;
}

// Something that happened to an application, for the node's status.
struct ApplicationEvent {
  int64_t ts;
  std::string state;
  const Json* body;  // for a decision's reason and issued USCC
};

FeedStore::Options StoreOptions(const NodeConfig& config) {
  FeedStore::Options options;
  // The county hub is the node's trust root: its enrolments and revocations are honoured.
  options.roots.push_back({config.county_key, "county", config.county});
  // A node carries records it cannot judge (it may not know every enrolment); the hub judges.
  options.require_enrolment = false;
  return options;
}

}  // namespace

PublicKey OutletNode::Init(const std::filesystem::path& path, const NodeConfig& config,
                           const std::optional<std::filesystem::path>& key_file, bool replacing) {
  ToCurvePublicKey(config.county_key);  // refuses a key that cannot seal
  DataDir dir = DataDir::Create(path, "node");
  SigningKey key = key_file ? SigningKey::Load(*key_file) : SigningKey::Generate();
  key.Save(dir.key_file());
  FeedStore store(dir.store_dir(), StoreOptions(config));
  // A replaced machine's identity already has a feed at the hub: writing before fetching it
  // would fork it.
  if (replacing) store.PutMeta("behind", AsBytes("identity replaced"));
  config.Save(dir.config_file());  // last: a dir with a config is a complete node
  return key.public_key();
}

OutletNode::OutletNode(const std::filesystem::path& path)
    : dir_(DataDir::Open(path, "node")),
      config_(NodeConfig::Load(dir_.config_file())),
      key_(SigningKey::Load(dir_.key_file())),
      store_(std::make_unique<FeedStore>(dir_.store_dir(), StoreOptions(config_))) {}

std::vector<LineProblem> OutletNode::ReadSubmissions(std::istream& in,
                                                     std::vector<IntakeEntry>& entries) const {
  struct Line {
    size_t number;
    std::string text;
    std::optional<IntakeEntry> entry;
    std::optional<LineProblem> problem;
  };
  std::vector<Line> lines;
  std::string text;
  for (size_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") != std::string::npos) lines.push_back({number, std::move(text), {}, std::nullopt});
  }
  // Sealing an ID number costs a key exchange (~0.1 ms): use every core, keep the line order.
  CivilDate today = TodayInChina();
  auto intake = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      Line& line = lines[i];
      try {
        line.entry = IntakeFromJson(Json::parse(line.text), config_.county_key, today);
        if (!line.entry->warning.empty()) {
          line.entry->warning = "line " + std::to_string(line.number) + ": " + line.entry->warning;
        }
      } catch (const Json::parse_error& e) {
        line.problem = LineProblem{line.number, std::string(ErrorCode::kMalformed.name()),
                                   std::string("not valid JSON (") + e.what() + ")"};
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

std::vector<Record> OutletNode::Append(std::span<const IntakeEntry> entries) {
  if (store_->GetMeta("behind")) {
    throw Error(ErrorCode::kBehind, "this node's feed is behind what the hub holds (restored or replaced); "
                          "nothing was stored: run `bangban-node recover --data DIR` first");
  }
  std::vector<std::pair<std::string, Json>> bodies;
  bodies.reserve(entries.size());
  for (const IntakeEntry& e : entries) bodies.emplace_back(e.type, e.body);
  return store_->AppendOwn(key_, bodies);
}

Json OutletNode::Status() const {
  FeedHead own = store_->Head(key_.public_key());
  // Applications filed here and what happened to each since: our submissions and resubmissions,
  // and the county hub's decisions pulled from its feed, in time order.
  std::map<std::string, Json> apps;
  std::map<std::string, std::vector<ApplicationEvent>> events;
  std::vector<Record> held;
  store_->ScanFeed(key_.public_key(), 1, own.seq, [&](const Record& r) {
    if (r.type() == "app.submit") {
      const std::string& app_id = r.body()["app_id"];
      apps[app_id] = {{"app_id", app_id}, {"kind", r.body()["kind"]}, {"state", "submitted"},
                      {"submitted", FormatRfc3339(r.envelope().ts)}};
    }
    if (r.type() == "app.resubmit") held.push_back(r);
    return true;
  });
  store_->ScanFeed(config_.county_key, 1, store_->Head(config_.county_key).seq, [&](const Record& r) {
    if (r.type().starts_with("review.")) held.push_back(r);
    return true;
  });
  static const std::map<std::string, std::string> kStates = {
      {"app.resubmit", "resubmitted"},         {"review.accept", "accepted"},
      {"review.correct", "correction_requested"}, {"review.approve", "approved"},
      {"review.reject", "rejected"}};
  for (const Record& r : held) {
    auto state = kStates.find(r.type());
    if (state != kStates.end() && apps.count(r.body()["app_id"])) {
      events[r.body()["app_id"]].push_back({r.envelope().ts, state->second, &r.body()});
    }
  }
  for (auto& [app_id, list] : events) {
    std::stable_sort(list.begin(), list.end(), [](const ApplicationEvent& a, const ApplicationEvent& b) { return a.ts < b.ts; });
    Json& app = apps[app_id];
    app["state"] = list.back().state;
    const Json& last = *list.back().body;
    if (last.contains("reason")) app["reason"] = last["reason"];
    if (last.contains("uscc")) app["uscc"] = last["uscc"];
  }
  Json status;
  status["outlet_id"] = config_.outlet_id;
  status["county"] = config_.county;
  status["key"] = ToHex(key_.public_key());
  status["feed"] = {{"seq", own.seq}, {"head", own.seq ? Json(ToHex(own.id)) : Json(nullptr)}};
  status["records_held"] = store_->RecordCount();
  status["feeds_held"] = store_->Heads().size();
  status["buffered"] = store_->BufferedCount();
  status["quarantined"] = store_->Quarantined().size();
  status["applications"] = Json::array();
  for (auto& [id, app] : apps) status["applications"].push_back(app);
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
  store_->DeleteMeta("behind");  // upstream answered: our feed now holds all it had of it
  return result;
}

Receipt OutletNode::ReceiptFor(const RecordId& id) {
  if (!store_->Get(id)) throw Error(ErrorCode::kNotFound, "this node holds no record " + ToHex(id));
  const std::string meta = "receipt/" + ToHex(id);
  Json json;
  try {
    SyncClient client(ClientOptions());
    json = client.RequestReceipt(id);
  } catch (const Error& e) {
    auto kept = store_->GetMeta(meta);
    if (!kept) throw;
    json = Json::parse(AsChars(*kept));
  }
  Receipt receipt = Receipt::FromJson(json);
  if (receipt.id != id || !receipt.Verify(config_.county_key)) {
    throw Error(ErrorCode::kBadReceipt, "the receipt for " + ToHex(id).substr(0, 16) +
                                   " does not verify against the county hub's key");
  }
  store_->PutMeta(meta, AsBytes(json.dump()));
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
    options.receipt = [this](const RecordId& id) -> Json {
      try {
        SyncClient upstream(ClientOptions());
        return {{"type", "receipt"}, {"receipt", upstream.RequestReceipt(id)}};
      } catch (const Error& e) {
        return ErrorMessage(e.code(), std::string("relay could not ask the hub: ") + e.what());
      }
    };
  }
  SyncServer server(std::move(options));
  server.Run(stop);
  replication_.Stop();
}

void OutletNode::WakeReplication() { replication_.Wake(); }

size_t OutletNode::Export(const std::filesystem::path& file) const {
  std::vector<Record> records = AllRecordsForExport(*store_);
  WriteBundle(file, records);
  return records.size();
}

ImportReport OutletNode::Import(const std::filesystem::path& file) { return ImportBundle(*store_, file); }

}  // namespace bangban
