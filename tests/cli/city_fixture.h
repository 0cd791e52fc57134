// Helpers for the replication tests (tests/cli/replication_test.cc, tests/cli/netns_test.cc):
// a city of real `bangban-hub run` and `bangban-node run` processes replicating over ZeroMQ
// with CurveZMQ, on loopback or across network namespaces, each with its own LMDB data dir.
//
// Daemons run on the real clock (BANGBAN_NOW unset), and so do the commands, so that records'
// ts and hubs' receipt times agree. Every wait is a bounded poll for a condition (never a
// timing assertion); every daemon is stopped or killed, by its own pid, when its owner goes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/coding.h"
#include "storage/bundle.h"
#include "storage/lmdb.h"
#include "storage/transparency_log.h"
#include "tests/cli/cli_process.h"

namespace city {

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline constexpr const char* kCityCode = "1408";
inline constexpr const char* kCounty = "140802";
inline constexpr const char* kCityName = "运城市";
inline constexpr const char* kCountyName = "盐湖区";

// Everything on the real clock: "BANGBAN_NOW" alone removes the variable (cli::BuildEnv).
inline const cli::Env kRealClock = {"BANGBAN_NOW"};
// Records a county hub writes at init: its sealing key of the month (key.sealing).
inline constexpr long kCountyInitRecords = 1;

// A loopback port nobody listens on right now (bind to port 0, read it back, close). Another
// process could take it before the daemon binds; the kernel hands out ephemeral ports in
// sequence, so that is unlikely, and the daemon's bind failure would then say so plainly.
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind() failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

inline std::string Loopback(int port) { return "tcp://127.0.0.1:" + std::to_string(port); }

// One app.submit input line (the node seals the ID number and name).
inline json AppSubmit(const std::string& app_id, const std::string& entity_name) {
  return {{"type", "app.submit"},
          {"app_id", app_id},
          {"kind", "establish"},
          {"entity_type", "individual"},
          {"entity_name", entity_name},
          {"applicant", {{"id_number", "11010519491231002X"}, {"name", "张三明"}}},
          {"realname_verified", true},
          {"channel", "outlet"},
          {"fee_cents", 0},
          {"helper", "李四"},
          {"materials", {"id_card"}}};
}

// `count` app.submit lines, app ids PREFIX-000001.., entity names 运城商户PREFIX-n.
inline std::string AppLines(const std::string& prefix, size_t first, size_t count) {
  std::string out;
  out.reserve(count * 400);
  for (size_t i = first; i < first + count; ++i) {
    char app_id[40];
    std::snprintf(app_id, sizeof app_id, "%s-%06zu", prefix.c_str(), i);
    out += AppSubmit(app_id, "运城商户" + std::string(app_id)).dump();
    out += '\n';
  }
  return out;
}

// Polls `condition` every `interval` until it holds or `limit` passes. Never a timing
// assertion: the limit only keeps a broken build from hanging the suite.
inline bool WaitFor(const std::function<bool()>& condition, std::chrono::seconds limit = std::chrono::seconds(30),
                    std::chrono::milliseconds interval = std::chrono::milliseconds(200)) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

inline double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// ---- daemons ---------------------------------------------------------------------------------

// A background `run` process, stderr (its log) and stdout to files. Stop() sends SIGTERM and
// waits for a clean exit; the destructor SIGKILLs (by pid) whatever still runs.
class Daemon {
 public:
  Daemon(std::string name, std::vector<std::string> args, const fs::path& log_dir, cli::Env env = kRealClock)
      : name_(std::move(name)), args_(std::move(args)), log_dir_(log_dir), env_(std::move(env)) {
    Start();
  }

  // Starts (again) with the same arguments; each run logs to its own file, Log() joins them.
  void Start() {
    if (running()) return;
    ++starts_;
    fs::path base = log_dir_ / (name_ + "." + std::to_string(starts_));
    logs_.push_back(base.string() + ".log");
    process_ = cli::Spawn(args_, base.string() + ".out", logs_.back(), {}, env_);
  }

  bool running() { return process_.pid() > 0 && !process_.TryWait(); }
  pid_t pid() const { return process_.pid(); }

  // SIGTERM, then wait up to `limit` for the exit; SIGKILL after that. Returns the exit code
  // (128 + signal if it had to be killed).
  int Stop(std::chrono::seconds limit = std::chrono::seconds(30)) {
    if (process_.pid() <= 0) return -1;
    if (auto code = process_.TryWait()) return *code;
    process_.Kill(SIGTERM);
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (auto code = process_.TryWait()) return *code;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    process_.Kill(SIGKILL);
    return process_.Wait();
  }

  // kill -9: no chance to flush or finish anything.
  int Kill9() {
    process_.Kill(SIGKILL);
    return process_.Wait();
  }

  // Everything the daemon logged, over all its runs.
  std::string Log() const {
    std::string text;
    for (const std::string& file : logs_) {
      std::error_code ec;
      if (fs::exists(file, ec)) text += cli::ReadFile(file);
    }
    return text;
  }
  bool Logged(const std::string& needle) const { return Log().find(needle) != std::string::npos; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<std::string> args_;
  fs::path log_dir_;
  cli::Env env_;
  cli::Process process_;
  std::vector<std::string> logs_;
  int starts_ = 0;
};

// ---- reading stores directly (the LMDB files another process is writing) -----------------------

// The head seq of `author`'s feed in the store at `store_dir` (0 if it has none), read
// straight from LMDB ("heads": author -> seq BE || id), so it can be polled cheaply while a
// daemon writes the store, and read after a kill -9 without starting anything.
inline uint64_t StoreHeadSeq(const fs::path& store_dir, const bangban::PublicKey& author) {
  if (!fs::exists(store_dir / "data.mdb")) return 0;
  bangban::LmdbEnv env(store_dir);
  MDB_dbi heads = env.OpenDb("heads");
  uint64_t seq = 0;
  env.Read([&](bangban::LmdbTxn& txn) {
    if (auto value = txn.Get(heads, author); value && value->size() >= 8)
      seq = bangban::DecodeBigEndian64(value->data());
  });
  return seq;
}

// A value of the owner's meta table ("meta": name -> bytes).
inline std::optional<bangban::Bytes> StoreMeta(const fs::path& store_dir, const std::string& name) {
  bangban::LmdbEnv env(store_dir);
  MDB_dbi meta = env.OpenDb("meta");
  std::optional<bangban::Bytes> out;
  env.Read([&](bangban::LmdbTxn& txn) {
    if (auto value = txn.Get(meta, bangban::AsBytes(name))) out = bangban::Bytes(value->begin(), value->end());
  });
  return out;
}

inline bangban::PublicKey Key(const std::string& hex) {
  auto key = bangban::FromHexFixed<32>(hex);
  if (!key) throw std::runtime_error("not a key: " + hex);
  return *key;
}

// ---- the fixture ---------------------------------------------------------------------------

class CityFixture : public ::testing::Test {
 protected:
  ~CityFixture() override {
    // Stop every daemon before the temporary directory goes (reverse start order).
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) (*it)->Stop(std::chrono::seconds(15));
  }

  fs::path Path(const std::string& name) const { return tmp_.path() / name; }
  fs::path Store(const std::string& dir) const { return Path(dir) / "store"; }

  cli::Result Node(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kNodeBin);
    return cli::Run(args, stdin_text, kRealClock, tmp_.path(), std::chrono::seconds(180));
  }
  cli::Result Hub(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kHubBin);
    return cli::Run(args, stdin_text, kRealClock, tmp_.path(), std::chrono::seconds(180));
  }

  static std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

  std::string InitCity(const std::string& dir) {
    cli::Result r = Hub({"init", "--data", dir, "--role", "city", "--name", kCityName, "--county", kCityCode});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string key = FirstLine(r.out);
    EXPECT_TRUE(cli::IsHex64(key)) << r.Describe();
    return key;
  }

  // A county hub; with a city key, also enrolled at the city hub in `city_dir`; with
  // `simulation`, a simulation party (it may run on a fixed clock).
  std::string InitCounty(const std::string& dir, const std::string& city_key = "", const std::string& city_dir = "",
                         bool simulation = false) {
    std::vector<std::string> args = {"init",   "--data",    dir,        "--role", "county",
                                     "--name", kCountyName, "--county", kCounty};
    if (simulation) args.push_back("--simulation");
    if (!city_key.empty()) {
      args.push_back("--city-key");
      args.push_back(city_key);
    }
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string key = FirstLine(r.out);
    EXPECT_TRUE(cli::IsHex64(key)) << r.Describe();
    sealing_keys_[key] = cli::SealingKeyFromInit(r.err);  // for the nodes of this county
    EXPECT_FALSE(sealing_keys_[key].empty()) << r.Describe();
    if (!city_dir.empty()) {
      cli::Result e = Hub(
          {"enroll", "--data", city_dir, "--key", key, "--role", "county", "--name", kCountyName, "--county", kCounty});
      EXPECT_EQ(e.exit_code, 0) << e.Describe();
    }
    return key;
  }

  std::string InitNode(const std::string& dir, const std::string& outlet, const std::string& county_key,
                       const std::string& hub_endpoint, const std::string& hub_key = "") {
    std::vector<std::string> args = {"init",  "--data",       dir,        "--outlet", outlet,      "--county",
                                     kCounty, "--county-key", county_key, "--hub",    hub_endpoint};
    if (!hub_key.empty()) {
      args.push_back("--hub-key");
      args.push_back(hub_key);
    }
    if (auto sealing = sealing_keys_.find(county_key); sealing != sealing_keys_.end()) {
      args.insert(args.end(), {"--sealing-key", sealing->second});
    }
    cli::Result r = Node(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string key = FirstLine(r.out);
    EXPECT_TRUE(cli::IsHex64(key)) << r.Describe();
    return key;
  }

  // The sealing key (PERIOD:HEX) the county hub of `county_key` printed at InitCounty, for a
  // node that a test initialises by hand.
  std::string SealingKeyOf(const std::string& county_key) const {
    auto sealing = sealing_keys_.find(county_key);
    return sealing == sealing_keys_.end() ? "" : sealing->second;
  }

  void EnrollOutlet(const std::string& hub_dir, const std::string& node_key, const std::string& outlet) {
    cli::Result r = Hub({"enroll", "--data", hub_dir, "--key", node_key, "--role", "outlet", "--name", "网点" + outlet,
                         "--outlet-id", outlet});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // Turns off a county hub daemon's own linking of applications to pseudonyms ([applicants]
  // link_in_daemon = false), for a test that counts the hub's records exactly while its daemon
  // runs: the applicant.link records would come in between. `bangban-hub link` still links.
  void WithoutDaemonLinking(const std::string& hub_dir) {
    const fs::path file = Path(hub_dir) / "hub.toml";
    std::string toml = cli::ReadFile(file);
    const std::string on = "link_in_daemon = true";
    ASSERT_NE(toml.find(on), std::string::npos) << toml;
    toml.replace(toml.find(on), on.size(), "link_in_daemon = false");
    cli::WriteFile(file, toml);
  }

  // Makes `name` an active operator of the hub in `hub_dir` (`user add`), a reviewer by default.
  void AddOperator(const std::string& hub_dir, const std::string& name, const std::string& role = "reviewer") {
    cli::Result r = Hub({"user", "add", "--data", hub_dir, "--name", name, "--role", role});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // Submits JSON lines; expects success; returns the printed ids.
  std::vector<std::string> Submit(const std::string& dir, const std::string& lines) {
    static int files = 0;
    std::string file = "submit-" + std::to_string(++files) + ".jsonl";
    cli::WriteFile(Path(file), lines);
    cli::Result r = Node({"submit", "--data", dir, file});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::vector<std::string> ids;
    for (const std::string& line : cli::Lines(r.out)) {
      if (cli::IsHex64(line)) ids.push_back(line);
    }
    return ids;
  }

  json HubStatus(const std::string& dir) {
    cli::Result r = Hub({"status", "--data", dir, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }
  json NodeStatus(const std::string& dir) {
    cli::Result r = Node({"status", "--data", dir, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }
  long HubRecords(const std::string& dir) {
    json s = HubStatus(dir);
    return s.is_object() && s.contains("records") ? s["records"].get<long>() : -1;
  }

  // `bangban-node sync --once --json`: the exit code and the document (null if none).
  struct Sync {
    cli::Result result;
    json doc;
    bool complete() const { return result.exit_code == 0 && doc.is_object() && doc.value("complete", false); }
    std::string Refusals() const { return doc.is_object() && doc.contains("refusals") ? doc["refusals"].dump() : ""; }
  };
  Sync SyncOnce(const std::string& dir) {
    Sync s;
    s.result = Node({"sync", "--data", dir, "--once", "--json"});
    s.doc = json::parse(s.result.out, nullptr, /*allow_exceptions=*/false);
    return s;
  }

  Daemon& StartHub(const std::string& dir, int port, int upstream_port = 0, const std::string& upstream_key = "") {
    std::vector<std::string> args = {cli::kHubBin, "run", "--data", Path(dir).string(), "--listen", Loopback(port)};
    if (upstream_port != 0) {
      args.insert(args.end(), {"--upstream", Loopback(upstream_port), "--upstream-key", upstream_key});
    }
    daemons_.push_back(std::make_unique<Daemon>("hub-" + dir, args, tmp_.path()));
    return *daemons_.back();
  }
  Daemon& StartNode(const std::string& dir, int listen_port = 0) {
    std::vector<std::string> args = {cli::kNodeBin, "run", "--data", Path(dir).string()};
    if (listen_port != 0) args.insert(args.end(), {"--listen", Loopback(listen_port)});
    daemons_.push_back(std::make_unique<Daemon>("node-" + dir, args, tmp_.path()));
    return *daemons_.back();
  }

  // Every record a hub holds (`bangban-hub export`, read back with storage/bundle.h).
  std::vector<bangban::Record> HubRecordsExported(const std::string& dir) {
    static int files = 0;
    std::string file = "export-" + dir + "-" + std::to_string(++files) + ".bundle";
    cli::Result r = Hub({"export", "--data", dir, "--out", file});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    if (r.exit_code != 0) return {};
    bangban::BundleContents contents = bangban::ReadBundle(Path(file));
    EXPECT_TRUE(contents.problems.empty()) << contents.problems.front().ToString();
    fs::remove(Path(file));
    return std::move(contents.records);
  }

  // The ids of every record in `records` authored by `author`, and checks there is exactly one
  // record per seq 1..N with no id twice.
  static std::vector<std::string> FeedIds(const std::vector<bangban::Record>& records, const std::string& author) {
    std::map<uint64_t, std::string> by_seq;
    bangban::PublicKey key = Key(author);
    for (const bangban::Record& r : records) {
      if (r.author() != key) continue;
      EXPECT_TRUE(by_seq.emplace(r.seq(), bangban::ToHex(r.id())).second)
          << "feed " << author.substr(0, 16) << " seq " << r.seq() << " appears twice";
    }
    std::vector<std::string> ids;
    uint64_t expect = 1;
    for (const auto& [seq, id] : by_seq) {
      EXPECT_EQ(seq, expect) << "feed " << author.substr(0, 16) << " has a hole before seq " << seq;
      expect = seq + 1;
      ids.push_back(id);
    }
    return ids;
  }

  // `bangban-hub audit`, expected clean.
  void ExpectAuditClean(const std::string& dir) {
    cli::Result a = Hub({"audit", "--data", dir});
    EXPECT_EQ(a.exit_code, 0) << "audit of " << dir << " is not clean\n" << a.Describe();
  }

  uint64_t Head(const std::string& dir, const std::string& author) { return StoreHeadSeq(Store(dir), Key(author)); }

  // Waits until the store in `dir` holds `author`'s feed up to `seq`.
  bool WaitForHead(const std::string& dir, const std::string& author, uint64_t seq,
                   std::chrono::seconds limit = std::chrono::seconds(60)) {
    return WaitFor([&] { return Head(dir, author) >= seq; }, limit, std::chrono::milliseconds(100));
  }

  // For failure messages: the tail of every daemon's log.
  std::string Logs() const {
    std::string out;
    for (const auto& d : daemons_) {
      std::string log = d->Log();
      if (log.size() > 3000) log = "..." + log.substr(log.size() - 3000);
      out += "--- " + d->name() + " ---\n" + log + "\n";
    }
    return out;
  }

  cli::TempDir tmp_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
  std::map<std::string, std::string> sealing_keys_;  // county hub key -> its sealing key at init, PERIOD:HEX
};

}  // namespace city
