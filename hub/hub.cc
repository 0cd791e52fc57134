#include "hub/hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "crypto/coding.h"
#include "hub/oversight_commands.h"
#include "hub/witness_publisher.h"
#include "oversight/record_census.h"
#include "protocol/civil_time.h"
#include "protocol/clock.h"
#include "protocol/identifiers.h"
#include "protocol/text_safety.h"
#include "storage/record_flags.h"
#include "sync/sync_client.h"
#include "sync/sync_server.h"

namespace bangban {

namespace {

// How often the running hub moves SLA colours (Hub::Run): in real time, and in the clock's time.
constexpr auto kColourStepReal = std::chrono::seconds(10);
constexpr int64_t kColourStepSimulatedMs = 60'000;

FeedStore::Options StoreOptions(const HubConfig& config, const PublicKey& own_key) {
  FeedStore::Options options;
  options.roots.push_back({own_key, config.role, config.county});
  if (config.city_key && *config.city_key != own_key) options.roots.push_back({*config.city_key, "city", ""});
  options.require_enrollment = true;
  return options;
}

// hub.toml, after checking that this hub may run on the clock in force (before anything reads it).
HubConfig LoadConfig(const DataDir& dir) {
  HubConfig config = HubConfig::Load(dir.config_file());
  RequireRealClockUnlessSimulation(config.simulation, dir.config_file());
  return config;
}

}  // namespace

PublicKey Hub::Init(const std::filesystem::path& path, const HubConfig& config,
                    const std::optional<std::filesystem::path>& key_file, std::optional<SealingKeyInfo>* sealing) {
  DataDir dir = DataDir::Create(path, "hub");
  SigningKey key = key_file ? SigningKey::Load(*key_file) : SigningKey::Generate();
  key.Save(dir.key_file());
  // Only a county hub makes pseudonyms; the city never holds a pseudonym key.
  if (config.role == "county") PseudonymKey::Generate().Save(dir.pseudonym_key_file());
  FeedStore store(dir.store_dir(), StoreOptions(config, key.public_key()));
  if (config.role == "county" && !key_file) {
    // The first period's sealing key, so that outlets initialised now can seal at once. In the
    // transparency log as every stored record; no other projection folds it. Not for an
    // identity used before (--key): its feed may go on elsewhere, and a record here would fork
    // it; its daemon publishes the key once the hub runs.
    RequireRealClockUnlessSimulation(config.simulation, dir.config_file());
    ReceiptLogIndex log_index(store);
    TransparencyLog log(store.env(), &log_index);
    store.AddObserver(
        [&log](LmdbTxn& txn, const Record& record, int64_t received_ms) { log.Append(txn, record.id(), received_ms); });
    SealingKeyInfo made = SealingKeys(dir.root(), store, key).Publish(SealingPeriodAt(NowMs()));
    if (sealing != nullptr) *sealing = made;
  }
  config.Save(dir.config_file());
  return key.public_key();
}

Hub::Hub(const std::filesystem::path& path)
    : dir_(DataDir::Open(path, "hub")),
      config_(LoadConfig(dir_)),
      key_(SigningKey::Load(dir_.key_file())),
      store_(std::make_unique<FeedStore>(dir_.store_dir(), StoreOptions(config_, key_.public_key()))),
      operators_(std::make_unique<OperatorRoster>(*store_, key_.public_key())),
      cases_(std::make_unique<CaseBook>(
          *store_, CaseBook::Options{dir_.root(),
                                     {config_.role, config_.name, config_.county, config_.city_key, key_.public_key(),
                                      config_.simulation},
                                     operators_.get()})) {
  store_->AddObserver(operators_->Observer());
  store_->AddObserver(cases_->Observer());
  sealing_keys_ = std::make_unique<SealingKeys>(dir_.root(), *store_, key_);
  custody_ = std::make_unique<ApplicantCustody>(*store_, key_, *cases_, *operators_, *sealing_keys_);
  log_index_ = std::make_unique<ReceiptLogIndex>(*store_);
  log_ = std::make_unique<TransparencyLog>(store_->env(), log_index_.get());
  clock_skew_ = store_->env().OpenDb("clock_skew");
  store_->AddObserver([this](LmdbTxn& txn, const Record& record, int64_t received_ms) {
    log_->Append(txn, record.id(), received_ms);
    NoteClockSkew(txn, record, received_ms);
  });
  store_->AddObserver(WitnessBookkeeping(key_.public_key(), *store_, *log_));
  links_ = std::make_unique<ApplicantLinks>(*store_, key_.public_key(), config_.role, config_.county);
  store_->AddObserver(links_->Observer());
  if (config_.role == "county") {
    LoadPseudonymKey();
    linker_ = std::make_unique<ApplicantLinker>(*store_, *log_, key_, *sealing_keys_, *pseudonym_key_, *links_,
                                                config_.county);
  }
}

void Hub::LoadPseudonymKey() {
  const std::filesystem::path file = dir_.pseudonym_key_file();
  if (!std::filesystem::exists(file)) {
    // A county data dir made before pseudonyms existed gets its key on its first start.
    try {
      PseudonymKey::Generate().Save(file);
      spdlog::info("created the pseudonym key {}: back it up with the identity key (docs/operations.md)",
                   file.string());
    } catch (const Error&) {
      if (!std::filesystem::exists(file)) throw;  // another process made it at the same instant: use that one
    }
  }
  pseudonym_key_.emplace(PseudonymKey::Load(file));
}

LinkPass Hub::LinkApplicants(const std::atomic<bool>* stop) {
  if (!linker_) {
    throw Error(ErrorCode::kNotCustodian,
                "this is the city hub, which holds no pseudonym key: applications are linked at their county hub, "
                "whose applicant.link records reach the city; nothing was written");
  }
  return linker_->RunToEnd(stop);
}

std::vector<UnreadableBox> Hub::UnreadableBoxes(size_t limit) const {
  return linker_ ? linker_->UnreadableBoxes(limit) : std::vector<UnreadableBox>{};
}

void Hub::LinkBatchNow() {
  try {
    LinkPass pass = linker_->RunBatch(1000);
    if (pass.linked > 0) {
      spdlog::info("applicant links: {} application(s) linked (log leaf {})", pass.linked, pass.cursor);
      upstream_.Wake();
    }
  } catch (const Error& e) {
    spdlog::error("applicant links: not written: {}: {}", e.code(), e.what());
  }
}

Json Hub::OtherApplications(const std::string& app_id, const std::string& outlet_id) const {
  Json out = Json::array();
  std::optional<CaseFile> file = cases_->Find(app_id, config_.county, outlet_id);
  if (!file) return out;
  for (const CaseEvent& e : file->events) {
    if (e.action != CaseAction::kSubmit || e.fate != EventFate::kApplied) continue;
    std::optional<RecordId> submit = store_->IdAt(e.author, e.seq);
    if (!submit) continue;
    for (const ApplicantLink& link : links_->OtherApplications(*submit)) {
      out.push_back({{"app_id", link.app_id}, {"outlet_id", link.outlet_id}, {"submit", ToHex(link.submit)}});
    }
  }
  return out;
}

Json Hub::ApplicantFigures(const std::string& county) const {
  uint64_t linked = 0, distinct = 0;
  for (const auto& [code, counts] : links_->CountsByCounty()) {
    if (!county.empty() && code != county) continue;
    linked += counts.links;
    distinct += counts.distinct;  // pseudonyms are per county: one person in two counties counts twice
  }
  // The county hubs whose links are in scope: this one at a county, the enrolled ones at the city.
  std::vector<PublicKey> hubs;
  if (config_.role == "county") {
    if (county.empty() || county == config_.county) hubs.push_back(key_.public_key());
  } else {
    for (const Enrollment& e : store_->Enrollments()) {
      if (e.role == "county" && (county.empty() || e.county == county)) hubs.push_back(e.key);
    }
  }
  std::vector<LikelyDuplicate> found;
  for (const PublicKey& hub : hubs) {
    for (LikelyDuplicate& d : links_->LikelyDuplicates(hub, config_.duplicate_window_days))
      found.push_back(std::move(d));
  }
  Json duplicates = Json::array();
  for (const LikelyDuplicate& d : found) {
    Json apps = Json::array();
    for (const LikelyDuplicate::Application& a : {d.first, d.second}) {
      apps.push_back({{"app_id", a.app_id},
                      {"outlet_id", a.outlet_id},
                      {"submit", ToHex(a.submit)},
                      {"submitted", FormatRfc3339(a.submitted_ms)}});
    }
    duplicates.push_back({{"entity_name", d.entity_name}, {"applications", apps}});
  }
  return {{"linked", linked},
          {"distinct", distinct},
          {"duplicate_window_days", config_.duplicate_window_days},
          {"likely_duplicates", duplicates}};
}

void Hub::CheckClock() const { RequireRealClockUnlessSimulation(config_.simulation, dir_.config_file()); }

void Hub::NoteClockSkew(LmdbTxn& txn, const Record& record, int64_t received_ms) {
  // Accepted (the record is genuine) but flagged: a record stamped in the hub's future says
  // the outlet's clock is wrong, so its own timestamps (and transit delays) cannot be trusted.
  constexpr int64_t kMaxAheadMs = 5 * 60 * 1000;
  int64_t ahead = record.envelope().ts - received_ms;
  if (ahead <= kMaxAheadMs) return;
  Bytes value;
  PutBigEndian64(value, static_cast<uint64_t>(ahead));
  txn.Put(clock_skew_, record.id(), value);
  spdlog::warn("record {} seq {} from {}: its clock is {} s ahead of the hub's", ToHex(record.id()).substr(0, 16),
               record.seq(), KeyId(record.author()), ahead / 1000);
}

std::optional<Bytes> Hub::LatestTreeHead() const {
  std::optional<Bytes> head;
  store_->env().Read([&](LmdbTxn& txn) {
    if (auto latest = log_->LatestHead(txn)) head = latest->Encode();
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

Receipt Hub::ProveReceipt(const RecordId& id) {
  std::optional<Receipt> receipt = ReceiptFor(id);
  if (!receipt) throw Error(ErrorCode::kNotFound, "record " + ToHex(id).substr(0, 16) + " is not held by this hub");
  return *receipt;
}

Record Hub::Enroll(const EnrollRequest& r) {
  Json body = {{"key", Json::binary(Bytes(r.key.begin(), r.key.end()))},
               {"role", r.role},
               {"name", r.name},
               {"county", r.county}};
  if (!r.outlet_id.empty()) body["outlet_id"] = r.outlet_id;
  if (r.role == "outlet" && r.outlet_id.empty()) {
    throw Error(ErrorCode::kUsage, "--outlet-id is required to enroll an outlet");
  }
  if (!r.outlet_id.empty() && !IsValidOutletId(r.outlet_id)) {
    throw Error(ErrorCode::kUsage,
                "--outlet-id '" + r.outlet_id + "': use 1-64 of A-Z a-z 0-9 . _ -; nothing was written");
  }
  if (const std::string why = UnsafeTextInBody(body); !why.empty()) {
    throw Error(ErrorCode::kInvalidBody, "key.enroll: body." + why + ": not allowed in a name; nothing was written");
  }
  // A hub's own key, or a root it trusts, enrolled as something else would give that key two
  // roles (and an outlet's records the hub's authority): never.
  if (r.key == key_.public_key()) {
    throw Error(ErrorCode::kNotAuthorized, "key " + KeyId(r.key) + " is this hub's own key; it cannot be enrolled");
  }
  if (config_.city_key && r.key == *config_.city_key) {
    throw Error(ErrorCode::kNotAuthorized, "key " + KeyId(r.key) + " is the city's key; it cannot be enrolled");
  }
  return store_->AppendOwn(key_, {{"key.enroll", body}}).front();
}

Record Hub::Revoke(const PublicKey& key, uint64_t after_seq, const std::string& reason) {
  // The earliest limit stays in force (docs/operations.md), so a later one would be a record that
  // changes nothing while the operator believes it did.
  if (auto enrolled = store_->FindEnrollment(key);
      enrolled && enrolled->revoked_after_seq && after_seq >= *enrolled->revoked_after_seq) {
    throw Error(ErrorCode::kAlreadyRevoked,
                "key " + KeyId(key) + " is already revoked after seq " + std::to_string(*enrolled->revoked_after_seq) +
                    ", which stays in force; a later limit would change nothing, so nothing was "
                    "written (an earlier --after-seq tightens it)");
  }
  Json body = {{"key", Json::binary(Bytes(key.begin(), key.end()))}, {"after_seq", after_seq}, {"reason", reason}};
  return store_->AppendOwn(key_, {{"key.revoke", body}}).front();
}

Record Hub::AddOperator(const std::string& name, const std::string& role, const std::string& by) {
  if (std::string problem = OperatorRoleProblem(config_.role, role); !problem.empty()) {
    throw Error(ErrorCode::kUsage, "--role " + role + ": " + problem);
  }
  if (!by.empty()) operators_->RequireActive(by, "county_admin", "manage operators");
  if (std::optional<Operator> op = operators_->Find(name); op && op->active) {
    throw Error(ErrorCode::kOperatorExists, "'" + name + "' is already an active " + op->role +
                                                " of this hub; nothing was written (to change the role, disable "
                                                "it first)");
  }
  Json body = {{"name", name}, {"role", role}, {"county", config_.county}};
  if (!by.empty()) body["by"] = by;
  return store_->AppendOwn(key_, {{"operator.enroll", body}}).front();
}

Record Hub::DisableOperator(const std::string& name, const std::string& reason, const std::string& by) {
  if (!by.empty()) operators_->RequireActive(by, "county_admin", "manage operators");
  std::optional<Operator> op = operators_->Find(name);
  if (!op || !op->active) {
    throw Error(ErrorCode::kNotOperator, "'" + name + "' is not an active operator of this hub; nothing was written");
  }
  Json body = {{"name", name}, {"reason", reason}};
  if (!by.empty()) body["by"] = by;
  return store_->AppendOwn(key_, {{"operator.disable", body}}).front();
}

ReindexStats Hub::Reindex(bool leave_out_damaged) {
  ReindexStats stats = cases_->Reindex(leave_out_damaged);  // refuses damage before it changes anything
  operators_->Rebuild();
  links_->Rebuild();
  return stats;
}

ImportReport Hub::Import(const std::filesystem::path& file, const std::atomic<bool>* stop) {
  std::vector<std::string> collisions;
  CaseBook::CollisionWatch watch([&](const std::string& note) {
    // Bounded like the report's problems: a huge bundle must not grow this without end.
    if (collisions.size() < kMaxListedProblems &&
        std::find(collisions.begin(), collisions.end(), note) == collisions.end()) {
      collisions.push_back(note);
    }
  });
  ImportReport report = ImportBundle(*store_, file, stop);
  report.warnings.insert(report.warnings.end(), collisions.begin(), collisions.end());
  return report;
}

ReviewOutcome Hub::Review(const ReviewRequest& request) {
  const int64_t now = NowMs();
  std::optional<TreeHead> head;
  store_->env().Read([&](LmdbTxn& txn) { head = log_->LatestHead(txn); });
  if (head && now < head->timestamp_ms) {
    throw Error(ErrorCode::kBackdated,
                "this review would be dated " + FormatRfc3339(now) +
                    ", before the tree head this hub "
                    "signed at " +
                    FormatRfc3339(head->timestamp_ms) +
                    ": a decision is never dated before what the hub already attested; nothing was written "
                    "(check the clock)");
  }
  return cases_->Review(key_, request);
}

size_t Hub::Export(const std::filesystem::path& file) const { return ExportStore(*store_, file); }

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
  options.receipt = [this](const RecordId& id) { return ProveReceipt(id); };
  if (upstream_.running()) options.after_ingest = [this] { upstream_.Wake(); };
  // Live SLA warnings: open cases turn yellow and red as working time passes, not only when a
  // record arrives; every change is logged for the review desk. Colours move by the minute: a
  // step every 10 s of real time, or sooner once a simulated minute has passed (a simulation's
  // clock at speed, protocol/clock.h), so no change is late by more than about a minute.
  bool first_watch = true;
  int witness_tick = 0, sealing_tick = 0;
  int64_t witness_at = NowMs();  // the party's clock at the last publication (or at the start)
  int64_t reminded_day = -1;
  std::chrono::steady_clock::time_point colours_real{};
  int64_t colours_at = 0;
  options.every_second = [&] {
    // Annual-report reminders are owed by the date: look once a day (and at start).
    if (config_.role == "county" && LocalDays(NowMs()) != reminded_day) {
      reminded_day = LocalDays(NowMs());
      try {
        std::vector<Record> sent = SendAnnualReminders(*this);
        if (!sent.empty()) spdlog::info("annual reports: {} reminder(s) written for outlets", sent.size());
      } catch (const Error& e) {
        spdlog::error("annual reports: reminders not written: {}: {}", e.code(), e.what());
      }
    }
    if (config_.role != "county") return;
    if (config_.link_in_daemon) LinkBatchNow();  // off the ingest path: a bounded batch per second
    // Sealing keys: at start (a restored backup's shredded keys go at once), then every minute.
    if (sealing_tick++ % 60 == 0) {
      try {
        if (!RunSealingKeyPass().empty()) upstream_.Wake();
      } catch (const Error& e) {
        spdlog::error("sealing keys: {}: {}", e.code(), e.what());
      }
    }
    // Every ten minutes: of real time, or of the party's clock when a simulation runs it at
    // speed (so the city sees the county's log during a simulated day). The first publication
    // comes one period after the start, not at it: a hub restarted often would otherwise
    // publish at every start.
    const int64_t now_ms = NowMs();
    if (++witness_tick >= kWitnessEverySeconds || now_ms - witness_at >= kWitnessEverySeconds * 1000LL) {
      witness_tick = 0;
      witness_at = now_ms;
      PublishWitnessNow();
    }
  };
  options.every_poll = [&] {
    if (config_.role != "county") return;
    const auto real = std::chrono::steady_clock::now();
    const int64_t now = NowMs();
    if (!first_watch && real - colours_real < kColourStepReal && now - colours_at < kColourStepSimulatedMs) return;
    colours_real = real;
    colours_at = now;
    std::vector<ColourChange> changes = cases_->AdvanceClock(now);
    if (first_watch) {
      spdlog::info("watching {} open cases for SLA deadlines", changes.size());
      first_watch = false;
      return;
    }
    if (run.colour_changes && !changes.empty()) run.colour_changes(changes);
    for (const ColourChange& c : changes) {
      spdlog::log(NeedsTheDesk(c) ? spdlog::level::warn : spdlog::level::info,
                  "case {} of outlet {}: {} -> {} (deadline {}, reviewer {})", c.app_id, c.outlet_id, ToString(c.from),
                  ToString(c.to), FormatRfc3339(c.deadline_ms), c.reviewer.empty() ? "unassigned" : c.reviewer);
    }
  };
  // Records from nodes are stored on the server's committer thread: log there every app_id
  // filed by one more outlet.
  options.committer_scope = [](const std::function<void()>& commit) {
    CaseBook::CollisionWatch watch([](const std::string& note) { spdlog::warn("collision: {}", note); });
    commit();
  };
  SyncServer server(std::move(options));
  server.Run(stop);
  upstream_.Stop();
}

void Hub::WakeUpstream() { upstream_.Wake(); }

std::vector<ShredDone> Hub::RunSealingKeyPass() {
  if (config_.role != "county") return {};
  const int64_t now = NowMs();
  for (const SealingKeyInfo& k : sealing_keys_->PublishDue(now)) {
    spdlog::info("sealing key {} published: {}", k.period, ToHex(k.public_key));
  }
  std::vector<ShredDone> shredded = sealing_keys_->ShredDue(now, config_.retention_months);
  for (const ShredDone& s : shredded) {
    if (s.redone) {
      spdlog::warn(
          "sealing key {} was shredded before, but its file was back (a backup restored from before the "
          "shred?): shredded again; destroy that backup",
          s.period);
    } else {
      spdlog::info("sealing key {} shredded ({} months after its period): its boxes can no longer be opened", s.period,
                   config_.retention_months);
    }
  }
  for (const Record& r : sealing_keys_->NotifyStaleOutlets(UnreadableBoxes(100000), now)) {
    spdlog::warn("outlet {} sealed to key {}, which this hub cannot open: told to seal to {} (record {})",
                 r.body()["outlet_id"].get<std::string>(), r.body()["used"].get<std::string>(),
                 r.body()["latest"].get<std::string>(), ToHex(r.id()).substr(0, 16));
  }
  for (const SealingKeyInfo& k : sealing_keys_->List(now)) {
    if (k.state == SealingKeyState::kMissing) {
      spdlog::error(
          "sealing key {}: its file {} is missing and it was never shredded: restore the sealing/ folder "
          "from the backup (a key is never made again)",
          k.period, sealing_keys_->FileOf(k.period).string());
    }
  }
  return shredded;
}

void Hub::PublishWitnessNow() {
  try {
    WitnessPublication p = PublishWitness(*this);
    if (p.checkpoints + p.rules > 0) {
      spdlog::info("published the log to leaf {} ({} checkpoint, {} rules, {} snapshot records)", p.log_size,
                   p.checkpoints, p.rules, p.snapshots + p.oversight_snapshots);
      upstream_.Wake();
    }
  } catch (const Error& e) {
    spdlog::warn("could not publish the log, rules and snapshot: {}: {}", e.code(), e.what());
  }
}

SyncClient::Result Hub::Recover(const std::string& upstream, const PublicKey& upstream_key) {
  SyncClient::Options options;
  options.endpoint = upstream;
  options.upstream = upstream_key;
  options.identity = &key_;
  options.store = store_.get();
  return SyncClient(std::move(options)).SyncOnce();
}

std::vector<std::string> Hub::Audit(std::vector<std::string>* flags) const {
  std::vector<std::string> problems = store_->Audit();
  if (flags != nullptr) *flags = FlagStoredRecords(*store_, config_.role == "county" ? config_.county : "");
  store_->env().Read([&](LmdbTxn& txn) {
    for (std::string& p : log_->Audit(txn, key_.public_key())) problems.push_back("transparency log: " + p);
  });
  // Every stored record is in the log with the receipt time the store recorded.
  store_->ScanAll(
      [&](const Record& r) {
        std::optional<LogEntry> entry;
        store_->env().Read([&](LmdbTxn& txn) { entry = log_->Find(txn, r.id()); });
        auto received = store_->ReceivedAt(r.id());
        if (!entry) {
          problems.push_back("record " + ToHex(r.id()).substr(0, 16) + " (feed " + KeyId(r.author()) + " seq " +
                             std::to_string(r.seq()) + ") is missing from the transparency log");
        } else if (received && entry->received_ms != *received) {
          problems.push_back("record " + ToHex(r.id()).substr(0, 16) +
                             ": the log's receipt time differs from the store's");
        }
        return problems.size() < 200;
      },
      [](const FeedStore::DamagedRecord&) {});  // FeedStore::Audit names each damaged record
  // Likely duplicate applications (the same applicant, the same entity name, two outlets):
  // flagged for the county to look at, not failed.
  if (flags != nullptr && config_.role == "county") {
    for (const LikelyDuplicate& d : links_->LikelyDuplicates(key_.public_key(), config_.duplicate_window_days)) {
      flags->push_back("applicants: likely duplicate: '" + d.entity_name + "' filed by the same applicant as app " +
                       d.first.app_id + " at outlet " + d.first.outlet_id + " (" + FormatRfc3339(d.first.submitted_ms) +
                       ") and as app " + d.second.app_id + " at outlet " + d.second.outlet_id + " (" +
                       FormatRfc3339(d.second.submitted_ms) + "), within " +
                       std::to_string(config_.duplicate_window_days) + " days");
    }
  }
  // Boxes sealed to a key this hub cannot open: kept and counted, not failed (principle 6).
  if (flags != nullptr && config_.role == "county") {
    for (const UnreadableBox& box : UnreadableBoxes(1000)) {
      flags->push_back("sealing: " + box.type + " record " + ToHex(box.record).substr(0, 16) + " of outlet " +
                       box.outlet_id + " is unreadable: " + box.why);
    }
  }
  // Records stored but left out of the oversight figures, since they do not fit: flagged, not
  // failed (principle 6).
  if (flags != nullptr) {
    const Census census = TakeCensus(*store_, {config_.role, config_.county, key_.public_key()}, INT64_MAX);
    for (const Flag& f : census.flags) {
      flags->push_back("oversight: " + f.type + " record " + f.record.substr(0, 16) + " of county " + f.county + ": " +
                       f.problem);
    }
  }
  return problems;
}

HubStatus Hub::Status() const {
  HubStatus status;
  status.role = config_.role;
  status.name = config_.name;
  status.county = config_.county;
  status.key = key_.public_key();
  status.simulation = config_.simulation;
  status.records = store_->RecordCount();
  status.feeds = store_->Heads().size();
  status.enrolled = store_->Enrollments().size();
  status.buffered = store_->BufferedCount();
  for (const auto& [author, reason] : store_->Quarantined()) status.quarantined.push_back({author, reason});
  store_->env().Read([&](LmdbTxn& txn) {
    MDB_stat stat;
    mdb_stat(txn.raw(), clock_skew_, &stat);
    status.clock_skewed_records = stat.ms_entries;
    status.tree_head = log_->LatestHead(txn);
  });
  status.peers = PeerReports();
  // Every feed's head: what `revoke --after-seq` and a restored node's recovery refer to.
  for (const auto& [author, head] : store_->Heads()) {
    auto e = store_->FindEnrollment(author);
    status.heads.push_back({author, head.seq, head.id, e ? e->outlet_id : "",
                            e ? e->role : (author == key_.public_key() ? config_.role : "")});
  }
  return status;
}

std::vector<PeerReport> Hub::PeerReports() const {
  // Per peer: what it told us it holds against what we hold. A backlog that does not shrink is
  // replication that silently stalls.
  std::vector<PeerReport> peers;
  for (const auto& [key, s] : LoadPeerStats(*store_)) {
    PeerReport peer;
    peer.key = key;
    for (const auto& [author, seq] : s.claimed_heads) {
      uint64_t ours = store_->Head(author).seq;
      if (seq > ours) peer.backlog += seq - ours;
    }
    if (auto enrollment = store_->FindEnrollment(key)) {
      peer.name = enrollment->name;
      peer.outlet_id = enrollment->outlet_id;
    }
    peer.last_contact_ms = s.last_contact_ms;
    peer.pushes = s.pushes;
    peer.records_received = s.records_accepted;
    peer.duplicates = s.records_duplicate;
    peer.rejections = s.rejections;
    peers.push_back(std::move(peer));
  }
  return peers;
}

}  // namespace bangban
