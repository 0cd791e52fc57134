// A county hub with its web pages, for the API and browser tests: `bangban-hub init
// --simulation` with operators (`user add`, also on the on-duty roster) r01 and r02, one outlet (YH-001,
// 东郭村便民服务站) that filed applications A-1 (change), B-1 (change) and C-1 (establish) and published its
// outlet.profile, carried to the hub by bundle; r01 has a web password; then `bangban-hub run --http` on loopback ports
// the test picked. Everything runs at the fixed instant kNow (a simulation party), so figures do not move while a test
// looks at them.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "storage/bundle.h"
#include "tests/cli/city_fixture.h"
#include "tests/web/http_client.h"

namespace webtest {

using nlohmann::json;

inline constexpr const char* kNow = "2026-03-02T09:30:00+08:00";
inline constexpr const char* kPassword = "correct horse battery";
inline constexpr const char* kIdNumber = "11010519491231002X";
inline constexpr const char* kApplicantName = "张三明";

class WebHub {
 public:
  WebHub() = default;

  // Builds the county and starts the daemon; ASSERT-style: check HasFatalFailure after. With
  // `city_key`, the county answers to that city root (`init --city-key`).
  void Start(const std::string& city_key = "") {
    const std::string calendar = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml";
    std::vector<std::string> init_args = {
        "init",   "--data",       "H",          "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
        "140802", "--simulation", "--calendar", calendar};
    if (!city_key.empty()) init_args.insert(init_args.end(), {"--city-key", city_key});
    cli::Result init = Hub(init_args);
    ASSERT_EQ(init.exit_code, 0) << init.Describe();
    hub_key_ = init.out.substr(0, 64);
    SetRoster({"r01", "r02"});
    for (const char* name : {"r01", "r02"}) {
      Ok(Hub({"user", "add", "--data", "H", "--name", name, "--role", "reviewer"}));
    }
    cli::Result node = Node({"init", "--data", "N1", "--outlet-id", "YH-001", "--county", "140802", "--county-key",
                             hub_key_, "--simulation", "--sealing-key", cli::SealingKeyFromInit(init.err)});
    ASSERT_EQ(node.exit_code, 0) << node.Describe();
    Ok(Hub({"enroll", "--data", "H", "--key", node.out.substr(0, 64), "--role", "outlet", "--name", "东郭村便民服务站",
            "--outlet-id", "YH-001"}));
    std::string lines;
    for (const auto& [app, kind] :
         {std::pair{"A-1", "change"}, std::pair{"B-1", "change"}, std::pair{"C-1", "establish"}}) {
      json submit = city::AppSubmit(app, std::string("盐湖区小店") + app);
      submit["kind"] = kind;
      lines += submit.dump() + "\n";
    }
    lines += json({{"type", "outlet.profile"},
                   {"outlet_id", "YH-001"},
                   {"name", "东郭村便民服务站"},
                   {"kind", "village_station"},
                   {"county", "140802"},
                   {"township", "东郭镇"},
                   {"village", "东郭村"},
                   {"address", "东郭村委会一楼"},
                   {"phone", "0359-2000001"},
                   {"hours", "08:00-17:30"},
                   {"services", {"establish", "change"}},
                   {"six_haves",
                    {{"sign", true},
                     {"computer", true},
                     {"staff", true},
                     {"guide", true},
                     {"phone", true},
                     {"publicity", true}}}})
                 .dump() +
             "\n";
    Ok(Node({"submit", "--data", "N1", "-"}, lines));
    Ok(Node({"export", "--data", "N1", "--out", "n1.bundle"}));
    Ok(Hub({"import", "--data", "H", "n1.bundle"}));
    Ok(Hub({"user", "passwd", "--data", "H", "--name", "r01"}, std::string(kPassword) + "\n"));
    StartDaemon();
  }

  // A county hub with reviewer r01 (and its password) and outlet node N1 (YH-001) enrolled, set up
  // with the clock at `setup_now` (records of the hub's feed received then); then the daemon runs
  // at kNow. For cases that arrive later through a handed-off import carrying an earlier clock.
  void StartBare(const std::string& setup_now) {
    const std::string calendar = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml";
    cli::Result init =
        HubAt(setup_now, {"init", "--data", "H", "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
                          "140802", "--simulation", "--calendar", calendar});
    ASSERT_EQ(init.exit_code, 0) << init.Describe();
    hub_key_ = init.out.substr(0, 64);
    Ok(HubAt(setup_now, {"user", "add", "--data", "H", "--name", "r01", "--role", "reviewer"}));
    cli::Result node =
        NodeAt(setup_now, {"init", "--data", "N1", "--outlet-id", "YH-001", "--county", "140802", "--county-key",
                           hub_key_, "--simulation", "--sealing-key", cli::SealingKeyFromInit(init.err)});
    ASSERT_EQ(node.exit_code, 0) << node.Describe();
    Ok(HubAt(setup_now, {"enroll", "--data", "H", "--key", node.out.substr(0, 64), "--role", "outlet", "--name",
                         "东郭村便民服务站", "--outlet-id", "YH-001"}));
    Ok(HubAt(setup_now, {"user", "passwd", "--data", "H", "--name", "r01"}, std::string(kPassword) + "\n"));
    // The sealing-key pass at setup publishes every key due by then (a week ahead), so that the
    // daemon's own pass at kNow writes nothing: a record the hub receives at kNow would hold every
    // later receipt at kNow or after, since receipt times never go backwards.
    Ok(HubAt(setup_now, {"key", "shred-due", "--data", "H"}));
    StartDaemon();
  }

  // A city hub (1408) with its city auditor a01 (`user add`), and a01's password.
  void StartCity() {
    const std::string calendar = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml";
    Ok(Hub({"init", "--data", "H", "--role", "city", "--name", "运城市行政审批服务管理局", "--city", "1408",
            "--simulation", "--calendar", calendar}));
    Ok(Hub({"user", "add", "--data", "H", "--name", "a01", "--role", "city_auditor"}));
    Ok(Hub({"user", "passwd", "--data", "H", "--name", "a01"}, std::string(kPassword) + "\n"));
    StartDaemon();
  }

  void StartDaemon() {
    http_port_ = static_cast<uint16_t>(city::FreePort());
    daemon_.emplace(
        "hub",
        std::vector<std::string>{cli::kHubBin, "run", "--data", (tmp_ / "H").string(), "--listen",
                                 city::Loopback(city::FreePort()), "--http", "127.0.0.1:" + std::to_string(http_port_)},
        tmp_.path(), cli::Env{std::string("BANGBAN_NOW=") + kNow});
    const bool up = city::WaitFor([&] {
      try {
        return Get(http_port_, "/healthz").status == 200;
      } catch (const std::exception&) {
        return false;
      }
    });
    ASSERT_TRUE(up) << daemon_->Log();
  }

  // Rewrites hub.toml's [review] roster.
  void SetRoster(const std::vector<std::string>& names) {
    std::string toml = cli::ReadFile(tmp_ / "H/hub.toml");
    const size_t at = toml.find("roster = [");
    ASSERT_NE(at, std::string::npos) << toml;
    const size_t end = toml.find(']', at);
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "\"" : ", \"") + n + "\"";
    toml.replace(at, end + 1 - at, "roster = [" + list + "]");
    cli::WriteFile(tmp_ / "H/hub.toml", toml);
  }

  cli::Result Hub(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kHubBin);
    return cli::Run(args, stdin_text, {std::string("BANGBAN_NOW=") + kNow}, tmp_.path());
  }
  // As Hub and Node, with the clock at `now` (RFC 3339).
  cli::Result HubAt(const std::string& now, std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kHubBin);
    return cli::Run(args, stdin_text, {"BANGBAN_NOW=" + now}, tmp_.path());
  }
  cli::Result NodeAt(const std::string& now, std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kNodeBin);
    return cli::Run(args, stdin_text, {"BANGBAN_NOW=" + now}, tmp_.path());
  }
  cli::Result Node(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kNodeBin);
    return cli::Run(args, stdin_text, {std::string("BANGBAN_NOW=") + kNow}, tmp_.path());
  }
  static void Ok(const cli::Result& r) { ASSERT_EQ(r.exit_code, 0) << r.Describe(); }

  // Signs in; returns the session cookie ("bb_session=...") or "" when refused.
  std::string Login(const std::string& name, const std::string& password, Response* answer = nullptr) {
    Response r = Request(http_port_, "POST", "/login", "name=" + name + "&password=" + password,
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    if (answer) *answer = r;
    const std::string cookie = r.Header("set-cookie");
    return cookie.empty() ? "" : cookie.substr(0, cookie.find(';'));
  }
  json Session(const std::string& cookie) {
    return json::parse(Get(http_port_, "/api/session", {{"Cookie", cookie}}).body);
  }

  // Every record the hub holds (`export`, read back).
  std::vector<bangban::Record> Records() {
    static int files = 0;
    const std::string file = "records-" + std::to_string(++files) + ".bundle";
    cli::Result r = Hub({"export", "--data", "H", "--out", file});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    if (r.exit_code != 0) return {};
    bangban::BundleContents contents = bangban::ReadBundle(tmp_ / file);
    std::filesystem::remove(tmp_ / file);
    return std::move(contents.records);
  }
  std::vector<bangban::Record> RecordsOfType(const std::string& type) {
    std::vector<bangban::Record> out;
    for (bangban::Record& r : Records()) {
      if (r.type() == type) out.push_back(std::move(r));
    }
    return out;
  }

  uint16_t port() const { return http_port_; }
  const std::string& hub_key() const { return hub_key_; }
  const std::filesystem::path& dir() const { return tmp_.path(); }
  city::Daemon& daemon() { return *daemon_; }

 private:
  cli::TempDir tmp_;
  std::string hub_key_;
  uint16_t http_port_ = 0;
  std::optional<city::Daemon> daemon_;
};

}  // namespace webtest
