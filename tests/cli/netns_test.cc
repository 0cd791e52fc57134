// Replication across hosts: the city hub, the county hub and two outlet nodes each in its own
// network namespace (`ip netns add`), joined by point-to-point links with addresses in
// 10.213.0.0/16 that exist only between the namespaces this test creates. Every daemon runs
// under `ip netns exec NS ...`. Whatever the network does, every record must arrive exactly
// once (each hub's record count is what the nodes submitted plus the enrollments) and `audit`
// must stay clean.
//
// LinksCutAndRestored joins the namespaces by veth pairs and cuts and restores them
// (`ip link set ... down/up`). ThirtyPercentPacketLoss makes B's link and the county-city link
// lose 30% of their IP packets each way: with `tc qdisc ... netem loss 30%` on veth pairs where
// the kernel has sch_netem, else by bangban-lossy-link (tests/tools/lossy_link.cc) in place of
// those two veth pairs: a process holding a TUN device in each of the two namespaces that copies
// packets between them and drops each with probability 0.3 (seeded). It counts what it
// forwarded and dropped, and the test checks that about 30% really was dropped. A's link stays a
// clean veth pair either way; the test prints which mechanism it used.
//
// Needs root. Without it, or if the kernel refuses namespaces (or offers neither netem nor
// /dev/net/tun for the loss), the tests say so and skip. Every namespace is deleted at the end,
// also on failure (Namespaces below): after the daemons in them were stopped and the lossy links
// between them ended (which takes their TUN devices with them).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tests/cli/city_fixture.h"

namespace {

using namespace city;
using std::chrono::seconds;

constexpr const char* kPort = "7100";
const char* const kLossyLinkBin = BANGBAN_LOSSY_LINK_BIN;
constexpr double kLoss = 0.30;

std::string FindTool(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    std::string path = std::string(dir) + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// One bangban-lossy-link process: a TUN device in each of two namespaces, every IP packet
// between them lost with probability `loss`. Stop() SIGTERMs it and reads the counters it
// writes on the way out (its devices go with it); the destructor stops it if nobody did.
class LossyLink {
 public:
  struct Direction {
    std::string name;  // "Y->B"
    uint64_t forwarded = 0, dropped = 0, write_errors = 0;
    uint64_t packets() const { return forwarded + dropped + write_errors; }
  };

  // `name` is "A-B": the link between what the test calls A and B. Its files go to `dir`.
  LossyLink(std::string name, const fs::path& dir)
      : name_(std::move(name)),
        out_(dir / ("lossy-" + name_ + ".out")),
        err_(dir / ("lossy-" + name_ + ".log")),
        stats_(dir / ("lossy-" + name_ + ".json")) {}
  LossyLink(const LossyLink&) = delete;
  LossyLink& operator=(const LossyLink&) = delete;
  ~LossyLink() { Stop(); }

  // Starts it between device `a_dev` in namespace `a` and `b_dev` in `b` and waits until both
  // devices exist ("ready"). Empty on success, else why not.
  std::string Start(const std::string& a, const std::string& a_dev, const std::string& b, const std::string& b_dev,
                    double loss, uint64_t seed) {
    process_ = cli::Spawn({kLossyLinkBin, "--ns-a", a, "--dev-a", a_dev, "--ns-b", b, "--dev-b", b_dev, "--loss",
                           std::to_string(loss), "--seed", std::to_string(seed), "--stats", stats_.string()},
                          out_, err_);
    bool ready = WaitFor([&] { return Read(out_).find("ready\n") != std::string::npos || process_.TryWait(); },
                         seconds(30), std::chrono::milliseconds(20));
    if (auto code = process_.TryWait()) return "bangban-lossy-link exited " + std::to_string(*code) + ": " + Read(err_);
    return ready ? "" : "bangban-lossy-link did not get ready in 30 s: " + Read(err_);
  }

  // SIGTERM, then its exit code (128 + signal if it had to be killed; -1 if it never ran).
  // Afterwards directions() holds its counters, if it left them.
  int Stop() {
    if (process_.pid() <= 0) return -1;
    if (!process_.TryWait()) {
      process_.Kill(SIGTERM);
      if (!WaitFor([&] { return process_.TryWait().has_value(); }, seconds(10), std::chrono::milliseconds(20))) {
        process_.Kill(SIGKILL);
      }
    }
    int code = process_.Wait();
    json stats = json::parse(Read(stats_), nullptr, /*allow_exceptions=*/false);
    directions_.clear();
    const std::string a = name_.substr(0, name_.find('-')), b = name_.substr(name_.find('-') + 1);
    for (const auto& [key, name] : {std::pair{"a_to_b", a + "->" + b}, std::pair{"b_to_a", b + "->" + a}}) {
      if (!stats.is_object() || !stats.contains(key)) continue;
      const json& d = stats[key];
      directions_.push_back({name, d.value("forwarded", uint64_t{0}), d.value("dropped", uint64_t{0}),
                             d.value("write_errors", uint64_t{0})});
    }
    return code;
  }

  const std::string& name() const { return name_; }
  // Empty until Stop(), and if it left no counters.
  const std::vector<Direction>& directions() const { return directions_; }
  std::string Log() const { return Read(err_); }

 private:
  static std::string Read(const fs::path& file) {
    std::error_code ec;
    return fs::exists(file, ec) ? cli::ReadFile(file) : "";
  }

  std::string name_;
  fs::path out_, err_, stats_;
  cli::Process process_;
  std::vector<Direction> directions_;
};

// Creates network namespaces and deletes them (and with them their veth ends) when it goes,
// after ending the lossy links between them.
class Namespaces {
 public:
  explicit Namespaces(std::string ip) : ip_(std::move(ip)) {}
  Namespaces(const Namespaces&) = delete;
  Namespaces& operator=(const Namespaces&) = delete;
  ~Namespaces() {
    links_.clear();  // a TUN device's open file keeps its namespace alive
    for (auto it = names_.rbegin(); it != names_.rend(); ++it) {
      cli::Result r = cli::Run({ip_, "netns", "del", *it}, "", {}, {}, seconds(30));
      if (r.exit_code != 0) std::fprintf(stderr, "could not delete netns %s: %s\n", it->c_str(), r.err.c_str());
    }
  }

  // Empty on success, else what `ip` said.
  std::string Add(const std::string& name) {
    cli::Result r = Ip({"netns", "add", name});
    if (r.exit_code != 0) return "ip netns add " + name + ": " + r.err;
    names_.push_back(name);
    r = Ip({"-n", name, "link", "set", "lo", "up"});
    return r.exit_code == 0 ? "" : "ip -n " + name + " link set lo up: " + r.err;
  }

  // A veth pair: `a_dev` with `a_addr` in namespace `a`, `b_dev` with `b_addr` in `b` (/24).
  std::string Link(const std::string& a, const std::string& a_dev, const std::string& a_addr, const std::string& b,
                   const std::string& b_dev, const std::string& b_addr) {
    cli::Result r = Ip({"link", "add", a_dev, "netns", a, "type", "veth", "peer", "name", b_dev, "netns", b});
    if (r.exit_code != 0) return "ip link add " + a_dev + " (veth): " + r.err;
    for (const auto& [ns, dev, addr] : {std::tuple{a, a_dev, a_addr}, std::tuple{b, b_dev, b_addr}}) {
      r = Ip({"-n", ns, "addr", "add", addr + "/24", "dev", dev});
      if (r.exit_code != 0) return "ip addr add " + addr + ": " + r.err;
      r = Ip({"-n", ns, "link", "set", dev, "up"});
      if (r.exit_code != 0) return "ip link set " + dev + " up: " + r.err;
    }
    return "";
  }

  // Like Link, but by a bangban-lossy-link process called `name` ("A-B") that loses `loss` of
  // the packets each way: TUN devices `a_dev` and `b_dev`, point to point (`a_addr` peer
  // `b_addr`). Its files go to `dir`. Empty on success, else why not.
  std::string AddLossyLink(const std::string& name, const std::string& a, const std::string& a_dev,
                           const std::string& a_addr, const std::string& b, const std::string& b_dev,
                           const std::string& b_addr, double loss, uint64_t seed, const fs::path& dir) {
    links_.push_back(std::make_unique<LossyLink>(name, dir));
    std::string why = links_.back()->Start(a, a_dev, b, b_dev, loss, seed);
    if (!why.empty()) return why;
    for (const auto& [ns, dev, addr, peer] :
         {std::tuple{a, a_dev, a_addr, b_addr}, std::tuple{b, b_dev, b_addr, a_addr}}) {
      cli::Result r = Ip({"-n", ns, "addr", "add", addr, "peer", peer, "dev", dev});
      if (r.exit_code != 0) return "ip addr add " + addr + " peer " + peer + ": " + r.err;
      r = Ip({"-n", ns, "link", "set", dev, "up"});
      if (r.exit_code != 0) return "ip link set " + dev + " up: " + r.err;
    }
    return "";
  }

  // Ends every lossy link (each exit code is expected 0); their counters stay readable.
  const std::vector<std::unique_ptr<LossyLink>>& StopLossyLinks() {
    for (const auto& link : links_) EXPECT_EQ(link->Stop(), 0) << link->name() << "\n" << link->Log();
    return links_;
  }

  cli::Result Ip(std::vector<std::string> args) const {
    args.insert(args.begin(), ip_);
    return cli::Run(args, "", {}, {}, seconds(30));
  }
  // `ip -n NS link set DEV up|down`, expected to work.
  void SetLink(const std::string& ns, const std::string& dev, bool up) const {
    cli::Result r = Ip({"-n", ns, "link", "set", dev, up ? "up" : "down"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
  }
  const std::string& ip() const { return ip_; }

 private:
  std::string ip_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<LossyLink>> links_;
};

// How the ThirtyPercentPacketLoss test loses packets.
enum class Loss { kNone, kNetem, kLossyLink };

class NetnsTest : public CityFixture {
 protected:
  // Namespaces C (city), Y (county), A and B (outlets): Y-C on 10.213.1.0/24, Y-A on
  // 10.213.2.0/24, Y-B on 10.213.3.0/24, veth pairs; with `lossy`, Y-B and Y-C lose 30% of
  // their packets each way (netem on the veth pairs, or bangban-lossy-link instead of them; see
  // the top of this file). Skips (with the reason) when that is impossible.
  // Then data dirs: city "C", county "Y" enrolled at the city, outlets "A" and "B" enrolled
  // at the county and pointing at the county's address on their link.
  void SetUpTopology(bool lossy = false) {
    if (::geteuid() != 0) GTEST_SKIP() << "network namespaces need root; this runs as uid " << ::geteuid();
    std::string ip = FindTool("ip");
    if (ip.empty()) GTEST_SKIP() << "iproute2's `ip` is not installed (Debian package iproute2)";
    ns_ = std::make_unique<Namespaces>(ip);
    std::string prefix = "bb" + std::to_string(::getpid());
    c_ = prefix + "c";
    y_ = prefix + "y";
    a_ = prefix + "a";
    b_ = prefix + "b";
    for (const std::string& name : {c_, y_, a_, b_}) {
      std::string why = ns_->Add(name);
      if (!why.empty()) GTEST_SKIP() << "cannot create network namespaces here: " << why;
    }
    std::string netem_refused;
    if (lossy) {
      netem_refused = NetemRefusal();
      loss_ = netem_refused.empty() ? Loss::kNetem : Loss::kLossyLink;
      if (loss_ == Loss::kLossyLink && ::access("/dev/net/tun", R_OK | W_OK) != 0) {
        GTEST_SKIP() << "packet loss cannot be emulated here: netem is not available (" << netem_refused
                     << ") and neither is /dev/net/tun (for bangban-lossy-link)";
      }
    }
    std::string why = ns_->Link(y_, "vya", "10.213.2.1", a_, "vay", "10.213.2.2");
    if (!why.empty()) GTEST_SKIP() << "cannot link the namespaces (veth): " << why;
    if (loss_ == Loss::kLossyLink) {
      // Each link's drops are reproducible (its own seed).
      why = ns_->AddLossyLink("Y-C", y_, "tyc", "10.213.1.2", c_, "tcy", "10.213.1.1", kLoss, 1, tmp_.path());
      if (why.empty()) {
        why = ns_->AddLossyLink("Y-B", y_, "tyb", "10.213.3.1", b_, "tby", "10.213.3.2", kLoss, 2, tmp_.path());
      }
      ASSERT_EQ(why, "") << "cannot start bangban-lossy-link";
      std::printf(
          "[ info     ] 30%% loss by bangban-lossy-link (userspace, a TUN device in each namespace) on the "
          "Y-B and Y-C links; netem is not available: %s\n",
          netem_refused.c_str());
    } else {
      why = ns_->Link(y_, "vyc", "10.213.1.2", c_, "vcy", "10.213.1.1");
      if (why.empty()) why = ns_->Link(y_, "vyb", "10.213.3.1", b_, "vby", "10.213.3.2");
      if (!why.empty()) GTEST_SKIP() << "cannot link the namespaces (veth): " << why;
    }
    if (loss_ == Loss::kNetem) {
      for (const auto& [ns, dev] :
           {std::pair{y_, "vyb"}, std::pair{b_, "vby"}, std::pair{y_, "vyc"}, std::pair{c_, "vcy"}}) {
        cli::Result r = Tc(ns, {"qdisc", "add", "dev", dev, "root", "netem", "loss", "30%"});
        ASSERT_EQ(r.exit_code, 0) << "netem on " << dev << "\n" << r.Describe();
      }
      std::printf(
          "[ info     ] 30%% loss by netem (`tc qdisc add dev ... root netem loss 30%%`) on both ends of the "
          "Y-B and Y-C veth pairs\n");
    }

    city_key_ = InitCity("C");
    county_key_ = InitCounty("Y", city_key_, "C");
    WithoutDaemonLinking("Y");  // the test counts the hubs' records exactly
    key_a_ = InitNode("A", "YH-A01", county_key_, std::string("tcp://10.213.2.1:") + kPort);
    key_b_ = InitNode("B", "YH-B01", county_key_, std::string("tcp://10.213.3.1:") + kPort);
    EnrollOutlet("Y", key_a_, "YH-A01");
    EnrollOutlet("Y", key_b_, "YH-B01");
    ready_ = true;
  }

  // Empty if `tc qdisc ... netem` works here (tried on the loopback device of the city's
  // namespace, and taken away again), else why not.
  std::string NetemRefusal() {
    if (FindTool("tc").empty()) return "`tc` is not installed (Debian package iproute2)";
    cli::Result r = Tc(c_, {"qdisc", "add", "dev", "lo", "root", "netem", "loss", "0%"});
    if (r.exit_code != 0) return "`tc qdisc add ... netem` failed: " + FirstLine(r.err);
    r = Tc(c_, {"qdisc", "del", "dev", "lo", "root"});
    return r.exit_code == 0 ? "" : "`tc qdisc del dev lo root` failed: " + FirstLine(r.err);
  }

  cli::Result Tc(const std::string& ns, std::vector<std::string> args) {
    args.insert(args.begin(), {ns_->ip(), "netns", "exec", ns, FindTool("tc")});
    return cli::Run(args, "", {}, {}, seconds(30));
  }

  void StartDaemons() {
    auto in = [&](const std::string& ns, std::vector<std::string> args) {
      args.insert(args.begin(), {ns_->ip(), "netns", "exec", ns});
      return args;
    };
    const std::string port = kPort;
    city_ = Spawn("hub-C",
                  in(c_, {cli::kHubBin, "run", "--data", Path("C").string(), "--listen", "tcp://10.213.1.1:" + port}));
    county_ =
        Spawn("hub-Y", in(y_, {cli::kHubBin, "run", "--data", Path("Y").string(), "--listen", "tcp://0.0.0.0:" + port,
                               "--upstream", "tcp://10.213.1.1:" + port, "--upstream-key", city_key_}));
    node_a_ = Spawn("node-A", in(a_, {cli::kNodeBin, "run", "--data", Path("A").string()}));
    node_b_ = Spawn("node-B", in(b_, {cli::kNodeBin, "run", "--data", Path("B").string()}));
  }

  Daemon* Spawn(const std::string& name, const std::vector<std::string>& args) {
    daemons_.push_back(std::make_unique<Daemon>(name, args, tmp_.path()));
    return daemons_.back().get();
  }

  // Stops every daemon (each must exit cleanly on SIGTERM), then checks both hubs hold
  // exactly `ids_a` and `ids_b` plus the three enrollments, and audit clean.
  void StopAndCheckExactlyOnce(const std::vector<std::string>& ids_a, const std::vector<std::string>& ids_b) {
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
      EXPECT_EQ((*it)->Stop(), 0) << (*it)->name() << " did not stop cleanly\n" << (*it)->Log();
    }
    for (const std::string hub : {"Y", "C"}) {
      std::vector<bangban::Record> held = HubRecordsExported(hub);
      EXPECT_EQ(FeedIds(held, key_a_), ids_a) << hub;
      EXPECT_EQ(FeedIds(held, key_b_), ids_b) << hub;
      // + 3 enrollments + the county's sealing key, published at init.
      EXPECT_EQ(HubRecords(hub), static_cast<long>(ids_a.size() + ids_b.size() + 3 + kCountyInitRecords)) << hub;
      ExpectAuditClean(hub);
    }
  }

  // After the run (daemons stopped): ends the lossy links and checks each dropped about 30% of
  // at least 200 packets, overall and in each direction that carried that many.
  void ExpectLossyLinksDroppedAboutThirtyPercent() {
    for (const auto& link : ns_->StopLossyLinks()) {
      ASSERT_EQ(link->directions().size(), 2u) << link->name() << " left no counters\n" << link->Log();
      uint64_t packets = 0, dropped = 0;
      for (const LossyLink::Direction& d : link->directions()) {
        packets += d.packets();
        dropped += d.dropped;
        double fraction = d.packets() == 0 ? 0 : static_cast<double>(d.dropped) / static_cast<double>(d.packets());
        std::printf("[ info     ] lossy link %s: %llu of %llu packets dropped (%.1f%%); %llu could not be passed on\n",
                    d.name.c_str(), static_cast<unsigned long long>(d.dropped),
                    static_cast<unsigned long long>(d.packets()), 100 * fraction,
                    static_cast<unsigned long long>(d.write_errors));
        if (d.packets() >= 200) {
          EXPECT_GE(fraction, 0.2) << d.name;
          EXPECT_LE(fraction, 0.4) << d.name;
        }
      }
      ASSERT_GE(packets, 200u) << "too little crossed " << link->name() << " to measure its loss";
      double fraction = static_cast<double>(dropped) / static_cast<double>(packets);
      EXPECT_GE(fraction, 0.2) << link->name() << ": " << dropped << " of " << packets << " packets dropped";
      EXPECT_LE(fraction, 0.4) << link->name() << ": " << dropped << " of " << packets << " packets dropped";
    }
  }

  ~NetnsTest() override {
    // The daemons go first, then (with ns_) the lossy links, then the namespaces.
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) (*it)->Stop(seconds(15));
    daemons_.clear();
    ns_.reset();
  }

  std::unique_ptr<Namespaces> ns_;
  std::string c_, y_, a_, b_;
  std::string city_key_, county_key_, key_a_, key_b_;
  Daemon *city_ = nullptr, *county_ = nullptr, *node_a_ = nullptr, *node_b_ = nullptr;
  Loss loss_ = Loss::kNone;
  bool ready_ = false;
};

TEST_F(NetnsTest, LinksCutAndRestoredEverythingArrivesExactlyOnce) {
  auto started = Clock::now();
  SetUpTopology();
  if (!ready_) return;  // skipped, with the reason
  StartDaemons();

  // Everything flows while the links are up.
  std::vector<std::string> ids_a = Submit("A", AppLines("A", 1, 300));
  std::vector<std::string> ids_b = Submit("B", AppLines("B", 1, 300));
  ASSERT_EQ(ids_a.size(), 300u);
  ASSERT_EQ(ids_b.size(), 300u);
  ASSERT_TRUE(WaitForHead("C", key_a_, 300) && WaitForHead("C", key_b_, 300)) << Logs();

  // Outlet A records a lot; the A-county and county-city links go down in the middle of it.
  std::vector<std::string> more = Submit("A", AppLines("A", 301, 3000));
  ASSERT_EQ(more.size(), 3000u);
  ids_a.insert(ids_a.end(), more.begin(), more.end());
  ASSERT_TRUE(WaitFor([&] { return Head("Y", key_a_) > 300; }, seconds(60), std::chrono::milliseconds(5))) << Logs();
  ns_->SetLink(y_, "vya", false);
  ns_->SetLink(y_, "vyc", false);
  const uint64_t a_at_cut = Head("Y", key_a_);
  std::printf("[ info     ] links cut with %llu of %zu of A's records at the county\n",
              static_cast<unsigned long long>(a_at_cut), ids_a.size());

  // B, still linked to the county, goes on; its new records stop at the county.
  more = Submit("B", AppLines("B", 301, 300));
  ASSERT_EQ(more.size(), 300u);
  ids_b.insert(ids_b.end(), more.begin(), more.end());
  ASSERT_TRUE(WaitForHead("Y", key_b_, ids_b.size())) << Logs();
  // Both sides of each cut link notice (a request that is never answered).
  EXPECT_TRUE(WaitFor([&] { return node_a_->Logged("sync with tcp://10.213.2.1:7100 failed"); }, seconds(60)))
      << Logs();
  EXPECT_TRUE(WaitFor([&] { return county_->Logged("sync with tcp://10.213.1.1:7100 failed"); }, seconds(60)))
      << Logs();
  EXPECT_EQ(Head("C", key_b_), 300u) << "records crossed a link that was down";
  EXPECT_LE(Head("C", key_a_), a_at_cut);

  ns_->SetLink(y_, "vya", true);
  ns_->SetLink(y_, "vyc", true);
  ASSERT_TRUE(WaitForHead("C", key_a_, ids_a.size(), seconds(120))) << Logs();
  ASSERT_TRUE(WaitForHead("C", key_b_, ids_b.size(), seconds(120))) << Logs();
  StopAndCheckExactlyOnce(ids_a, ids_b);
  std::printf("[ wall     ] netns link cut: %.1f s\n", Seconds(started));
}

TEST_F(NetnsTest, ThirtyPercentPacketLossEverythingArrivesExactlyOnce) {
  auto started = Clock::now();
  SetUpTopology(/*lossy=*/true);
  if (!ready_) return;  // skipped, or failed, with the reason
  StartDaemons();

  std::vector<std::string> ids_a = Submit("A", AppLines("A", 1, 200));
  std::vector<std::string> ids_b = Submit("B", AppLines("B", 1, 200));
  ASSERT_EQ(ids_a.size(), 200u);
  ASSERT_EQ(ids_b.size(), 200u);
  ASSERT_TRUE(WaitForHead("Y", key_b_, 100, seconds(120))) << Logs();
  // More while the first ones are still crossing the lossy links.
  std::vector<std::string> more = Submit("B", AppLines("B", 201, 200));
  ids_b.insert(ids_b.end(), more.begin(), more.end());
  ASSERT_TRUE(WaitForHead("C", key_a_, ids_a.size(), seconds(150))) << Logs();
  ASSERT_TRUE(WaitForHead("C", key_b_, ids_b.size(), seconds(150))) << Logs();
  StopAndCheckExactlyOnce(ids_a, ids_b);
  if (loss_ == Loss::kLossyLink) ExpectLossyLinksDroppedAboutThirtyPercent();
  std::printf("[ wall     ] netns 30%% loss: %.1f s\n", Seconds(started));
}

}  // namespace
