// Replication with real processes on loopback and real LMDB files: outlet nodes (`bangban-node
// run` / `sync --once`) -> county hub (`bangban-hub run`) -> city hub, over ZeroMQ/CurveZMQ.
//
// What must hold (docs/architecture.md, docs/protocol.md): every record arrives
// exactly once, in order, and `audit` stays clean; a hub that is restarted or killed with -9
// loses nothing it acknowledged; unknown and revoked keys are refused (a revoked key's live
// connection is dropped); a forged or altered record is refused and the node is told why;
// records travel through a relay node and decisions come back the same way; a fork is
// quarantined at the county and its evidence reaches the city; a node restored from an old
// backup recovers its feed before writing; every acknowledged record has a receipt that checks.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "protocol/record.h"
#include "storage/meta_keys.h"
#include "sync/peer_stats.h"
#include "tests/cli/city_fixture.h"
#include "tests/cli/raw_sync_client.h"

namespace {

using namespace city;
using std::chrono::seconds;

class ReplicationTest : public CityFixture {
 protected:
  // City hub "C" and county hub "Y" (enrolled at C); the county replicates to the city. With
  // `with_city` false, only a county hub (no upstream).
  void StartHubs(bool with_city = true) {
    if (with_city) {
      city_key_ = InitCity("C");
      county_key_ = InitCounty("Y", city_key_, "C");
      WithoutDaemonLinking("Y");  // these tests count the hubs' records exactly
      city_port_ = FreePort();
      city_ = &StartHub("C", city_port_);
    } else {
      county_key_ = InitCounty("Y");
      WithoutDaemonLinking("Y");
    }
    county_port_ = FreePort();
    county_ = &StartHub("Y", county_port_, city_port_, city_key_);
  }

  // A node "dir" for outlet `outlet`, enrolled at the county, with the county hub as upstream.
  std::string AddOutlet(const std::string& dir, const std::string& outlet) {
    std::string key = InitNode(dir, outlet, county_key_, Loopback(county_port_));
    EnrollOutlet("Y", key, outlet);
    return key;
  }

  static json Peer(const json& status, const std::string& key) {
    for (const json& p : status.value("peers", json::array())) {
      if (p.value("key", "") == key) return p;
    }
    return json();
  }

  static bool Quarantines(const json& status, const std::string& key) {
    for (const json& q : status.value("quarantined", json::array())) {
      if (q.value("author", "") == key) return true;
    }
    return false;
  }

  std::string city_key_, county_key_;
  int city_port_ = 0, county_port_ = 0;
  Daemon* city_ = nullptr;
  Daemon* county_ = nullptr;
};

// ---- three outlets -> county -> city ---------------------------------------------------------

TEST_F(ReplicationTest, ThreeOutletsReachTheCityAndAuditIsClean) {
  auto started = Clock::now();
  StartHubs();
  const size_t kFirst = 300, kLater = 100;
  std::vector<std::string> dirs = {"N1", "N2", "N3"}, keys;
  std::vector<std::vector<std::string>> ids(3);
  for (size_t i = 0; i < 3; ++i) {
    keys.push_back(AddOutlet(dirs[i], "YH-00" + std::to_string(i + 1)));
    ids[i] = Submit(dirs[i], AppLines(dirs[i], 1, kFirst));  // written before any daemon runs
    ASSERT_EQ(ids[i].size(), kFirst);
  }
  for (const std::string& d : dirs) StartNode(d);
  for (size_t i = 0; i < 3; ++i) {
    // And more while they run.
    std::vector<std::string> more = Submit(dirs[i], AppLines(dirs[i], kFirst + 1, kLater));
    ASSERT_EQ(more.size(), kLater);
    ids[i].insert(ids[i].end(), more.begin(), more.end());
  }
  const uint64_t total = kFirst + kLater;
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(WaitForHead("Y", keys[i], total)) << dirs[i] << " never reached the county\n" << Logs();
    ASSERT_TRUE(WaitForHead("C", keys[i], total)) << dirs[i] << " never reached the city\n" << Logs();
  }
  // Once everything arrived, a node's own exchange finds nothing left to do.
  Sync s = SyncOnce("N1");
  EXPECT_TRUE(s.complete()) << s.result.Describe();
  EXPECT_EQ(s.doc.value("pushed", -1), 0) << s.result.Describe();

  for (auto& d : daemons_) {
    if (d->name().starts_with("node-")) {
      EXPECT_EQ(d->Stop(), 0) << d->name() << " did not stop cleanly\n" << d->Log();
    }
  }
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  EXPECT_EQ(city_->Stop(), 0) << city_->Log();

  // Every record of every outlet, exactly once and in order, at both hubs.
  for (const std::string hub : {"Y", "C"}) {
    std::vector<bangban::Record> held = HubRecordsExported(hub);
    std::set<std::string> distinct;
    for (const bangban::Record& r : held) distinct.insert(bangban::ToHex(r.id()));
    EXPECT_EQ(distinct.size(), held.size()) << hub << " exported a record twice";
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(FeedIds(held, keys[i]), ids[i]) << dirs[i] << " at " << hub;
    // The outlets' records, the county's three enrollments and its sealing key (made at init), and
    // the city's enrollment of the county.
    EXPECT_EQ(held.size(), 3 * total + 3 + kCountyInitRecords + 1) << hub;
    EXPECT_EQ(HubRecords(hub), static_cast<long>(3 * total + 4 + kCountyInitRecords)) << hub;
    ExpectAuditClean(hub);
  }
  // What the county says about its peers: each outlet delivered everything, nothing refused.
  json county = HubStatus("Y");
  for (size_t i = 0; i < 3; ++i) {
    json p = Peer(county, keys[i]);
    ASSERT_TRUE(p.is_object()) << "no peer entry for " << dirs[i] << "\n" << county.dump(2);
    EXPECT_EQ(p.value("outlet_id", ""), "YH-00" + std::to_string(i + 1)) << p.dump();
    EXPECT_EQ(p.value("records_received", 0), total) << p.dump();
    EXPECT_EQ(p.value("backlog", 1), 0) << p.dump();
    EXPECT_TRUE(p.value("rejections", json::object()).empty()) << p.dump();
  }
  json city = HubStatus("C");
  json p = Peer(city, county_key_);
  ASSERT_TRUE(p.is_object()) << city.dump(2);
  EXPECT_EQ(p.value("records_received", 0), 3 * total + 3 + kCountyInitRecords) << p.dump();
  EXPECT_EQ(p.value("backlog", 1), 0) << p.dump();
  // Enrollments flow down: each node holds the county's feed.
  for (const std::string& d : dirs) EXPECT_EQ(Head(d, county_key_), 3u + kCountyInitRecords) << d;
  std::printf("[ wall     ] three outlets: %.1f s\n", Seconds(started));
}

// ---- a hub restarted mid-stream ----------------------------------------------------------------

TEST_F(ReplicationTest, HubRestartedMidStreamLosesAndDuplicatesNothing) {
  auto started = Clock::now();
  StartHubs(/*with_city=*/false);
  const size_t kEach = 4000;
  std::string a = AddOutlet("A", "YH-101"), b = AddOutlet("B", "YH-102");
  std::vector<std::string> ids_a = Submit("A", AppLines("A", 1, kEach));
  std::vector<std::string> ids_b = Submit("B", AppLines("B", 1, kEach));
  ASSERT_EQ(ids_a.size(), kEach);
  ASSERT_EQ(ids_b.size(), kEach);
  StartNode("A");
  StartNode("B");

  // First restart: as soon as the first batches are in (SIGTERM: a clean stop).
  ASSERT_TRUE(WaitFor([&] { return Head("Y", a) + Head("Y", b) > 0; }, seconds(30), std::chrono::milliseconds(20)))
      << Logs();
  EXPECT_EQ(county_->Stop(), 0) << "SIGTERM must stop the hub cleanly\n" << county_->Log();
  uint64_t at_stop = Head("Y", a) + Head("Y", b);
  std::printf("[ info     ] first restart with %llu of %zu records in\n", static_cast<unsigned long long>(at_stop),
              2 * kEach);
  county_->Start();

  // Second restart: right after more records were written at both outlets.
  std::vector<std::string> more_a = Submit("A", AppLines("A", kEach + 1, 500));
  std::vector<std::string> more_b = Submit("B", AppLines("B", kEach + 1, 500));
  ids_a.insert(ids_a.end(), more_a.begin(), more_a.end());
  ids_b.insert(ids_b.end(), more_b.begin(), more_b.end());
  ASSERT_TRUE(
      WaitFor([&] { return Head("Y", a) + Head("Y", b) > at_stop; }, seconds(60), std::chrono::milliseconds(20)))
      << Logs();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  std::printf("[ info     ] second restart with %llu of %zu records in\n",
              static_cast<unsigned long long>(Head("Y", a) + Head("Y", b)), ids_a.size() + ids_b.size());
  county_->Start();

  ASSERT_TRUE(WaitForHead("Y", a, ids_a.size(), seconds(90))) << Logs();
  ASSERT_TRUE(WaitForHead("Y", b, ids_b.size(), seconds(90))) << Logs();
  for (auto& d : daemons_) EXPECT_EQ(d->Stop(), 0) << d->name() << "\n" << d->Log();

  std::vector<bangban::Record> held = HubRecordsExported("Y");
  EXPECT_EQ(FeedIds(held, a), ids_a);
  EXPECT_EQ(FeedIds(held, b), ids_b);
  EXPECT_EQ(HubRecords("Y"), static_cast<long>(ids_a.size() + ids_b.size() + 2 + kCountyInitRecords));
  ExpectAuditClean("Y");
  std::printf("[ wall     ] hub restarts: %.1f s\n", Seconds(started));
}

// ---- a hub killed with -9 during heavy pushing ---------------------------------------------------

TEST_F(ReplicationTest, HubKilledDuringHeavyPushKeepsEveryAcknowledgedRecord) {
  auto started = Clock::now();
  StartHubs(/*with_city=*/false);
  const size_t kRecords = 20000;
  std::string a = AddOutlet("A", "YH-201");
  const long before = HubRecords("Y");  // the hub's own records: leaves 0..before-1 of its log
  ASSERT_GT(before, 0);
  std::vector<std::string> ids = Submit("A", AppLines("A", 1, kRecords));
  ASSERT_EQ(ids.size(), kRecords);
  Daemon& node = StartNode("A");

  // Kill well into the stream: once the node holds an acknowledgement for a quarter of its
  // records, with more pushes in flight.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto head = StoreMeta(Store("A"), "tree_head");
        return head && bangban::TreeHead::Decode(*head).size >= static_cast<uint64_t>(before) + kRecords / 4;
      },
      seconds(60), std::chrono::milliseconds(2)))
      << Logs();
  county_->Kill9();
  const uint64_t at_kill = Head("Y", a);
  std::printf("[ info     ] hub killed with %llu of %zu records stored\n", static_cast<unsigned long long>(at_kill),
              kRecords);
  EXPECT_LT(at_kill, kRecords) << "the push finished before the kill: nothing was tested mid-stream";

  // What the node holds as acknowledged: every ack carries the hub's signed tree head covering
  // the batch, and the node keeps the latest one (sync/sync_client.cc HandleAck, meta
  // "tree_head"). The log has one leaf per stored record; this hub stored only its own records
  // and then A's feed in order, so that head acknowledges A's seq 1..size-before.
  std::optional<bangban::Bytes> head_bytes;
  ASSERT_TRUE(WaitFor([&] { return (head_bytes = StoreMeta(Store("A"), "tree_head")).has_value(); }, seconds(10)))
      << "the node kept no acknowledgement at all\n"
      << Logs();
  bangban::TreeHead acked = bangban::TreeHead::Decode(*head_bytes);
  ASSERT_TRUE(acked.Verify(Key(county_key_))) << "the kept tree head is not the county's";
  ASSERT_GT(acked.size, static_cast<uint64_t>(before));
  const uint64_t acked_seq = acked.size - static_cast<uint64_t>(before);
  std::printf("[ info     ] node holds an acknowledgement for seq 1..%llu\n",
              static_cast<unsigned long long>(acked_seq));

  // Before anything restarts: the killed hub's files hold every acknowledged record and the
  // very head it signed for them.
  EXPECT_GE(Head("Y", a), acked_seq) << "the hub acknowledged records it did not keep";
  {
    bangban::LmdbEnv env(Store("Y"));
    bangban::TransparencyLog log(env);
    env.Read([&](bangban::LmdbTxn& txn) {
      std::optional<bangban::TreeHead> kept = log.HeadAt(txn, acked.size);
      ASSERT_TRUE(kept.has_value()) << "the hub lost the tree head of size " << acked.size << " it had signed";
      EXPECT_EQ(*kept, acked);
      EXPECT_GE(log.Size(txn), acked.size);
    });
  }

  county_->Start();
  ASSERT_TRUE(WaitForHead("Y", a, kRecords, seconds(90))) << Logs();
  // A receipt for the last acknowledged record, from the restarted hub, checks offline.
  cli::Result receipt = Node({"receipt", "--data", "A", ids[acked_seq - 1]});
  ASSERT_EQ(receipt.exit_code, 0) << receipt.Describe();
  cli::WriteFile(Path("receipt.json"), receipt.out);
  cli::Result verified = Node({"verify-receipt", "--hub-key", county_key_, "receipt.json"});
  EXPECT_EQ(verified.exit_code, 0) << verified.Describe();

  EXPECT_EQ(node.Stop(), 0) << node.Log();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  std::vector<bangban::Record> held = HubRecordsExported("Y");
  EXPECT_EQ(FeedIds(held, a), ids) << "records lost or duplicated across the kill";
  EXPECT_EQ(HubRecords("Y"), before + static_cast<long>(kRecords));
  ExpectAuditClean("Y");
  std::printf("[ wall     ] kill -9: %.1f s\n", Seconds(started));
}

// ---- an outlet offline for 10,000 applications ------------------------------------------------

TEST_F(ReplicationTest, OutletOfflineForTenThousandApplicationsCatchesUp) {
  auto started = Clock::now();
  StartHubs();
  const size_t kRecords = 10000;
  std::string o = AddOutlet("O", "YH-301");
  // Offline: nothing of the node runs while it records.
  std::vector<std::string> ids = Submit("O", AppLines("O", 1, kRecords));
  ASSERT_EQ(ids.size(), kRecords);
  json status = NodeStatus("O");
  EXPECT_EQ(status["feed"]["seq"], kRecords) << status.dump(2);
  EXPECT_EQ(Head("Y", o), 0u);
  std::printf("[ info     ] 10,000 recorded offline after %.1f s\n", Seconds(started));

  Daemon& node = StartNode("O");
  ASSERT_TRUE(WaitForHead("Y", o, kRecords, seconds(120))) << Logs();
  ASSERT_TRUE(WaitForHead("C", o, kRecords, seconds(120))) << Logs();
  std::printf("[ info     ] caught up at the city after %.1f s\n", Seconds(started));
  EXPECT_EQ(node.Stop(), 0) << node.Log();

  Sync s = SyncOnce("O");
  EXPECT_TRUE(s.complete()) << s.result.Describe();
  EXPECT_EQ(s.doc.value("pushed", -1), 0) << s.result.Describe();
  EXPECT_EQ(county_->Stop(), 0) << county_->Log();
  EXPECT_EQ(city_->Stop(), 0) << city_->Log();

  for (const std::string hub : {"Y", "C"}) {
    std::vector<bangban::Record> held = HubRecordsExported(hub);
    EXPECT_EQ(FeedIds(held, o), ids) << hub;
    // + both enrollments and the county's sealing key
    EXPECT_EQ(HubRecords(hub), static_cast<long>(kRecords + 2 + kCountyInitRecords)) << hub;
    ExpectAuditClean(hub);
  }
  std::printf("[ wall     ] offline 10,000: %.1f s\n", Seconds(started));
}

// ---- keys the hub must not serve ---------------------------------------------------------------

// Every new unenrolled key once earned its own log line: a flood for whoever mints keys. At most
// 20 refusal lines a minute are written (the rest are counted in one line a minute later), and
// the enrolled keep syncing meanwhile.
TEST_F(ReplicationTest, ConnectionsFromManyUnknownKeysDoNotFloodTheLog) {
  StartHubs(/*with_city=*/false);
  std::string w = AddOutlet("W", "YH-403");
  for (int i = 0; i < 30; ++i) {
    RawSyncClient stranger;
    std::string why = stranger.Open(Loopback(county_port_), bangban::SigningKey::Generate(), Key(county_key_));
    ASSERT_TRUE(why.empty()) << why;
    EXPECT_FALSE(
        stranger.Request({{"type", "hello"}, {"v", 1}, {"heads", json::array()}}, std::chrono::milliseconds(300))
            .has_value());
  }
  ASSERT_EQ(Submit("W", AppLines("W", 1, 1)).size(), 1u);
  EXPECT_TRUE(SyncOnce("W").complete()) << Logs();
  const std::string log = county_->Log();
  size_t lines = 0;
  for (size_t at = log.find("refused connection from"); at != std::string::npos;
       at = log.find("refused connection from", at + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 1u) << log;
  EXPECT_LE(lines, 20u) << log;
  EXPECT_EQ(county_->Stop(), 0);
}

TEST_F(ReplicationTest, UnknownKeyIsRefused) {
  StartHubs(/*with_city=*/false);
  std::string u = InitNode("U", "YH-401", county_key_, Loopback(county_port_));  // never enrolled
  ASSERT_EQ(Submit("U", AppLines("U", 1, 3)).size(), 3u);
  long before = HubRecords("Y");

  Sync s = SyncOnce("U");
  EXPECT_EQ(s.result.exit_code, 1) << s.result.Describe();
  EXPECT_NE(s.result.err.find("refused"), std::string::npos) << s.result.Describe();
  EXPECT_NE(s.result.err.find("not enrolled"), std::string::npos) << s.result.Describe();
  // The hub's log names the refused key by the key id its operator knows (not its X25519 form).
  EXPECT_TRUE(WaitFor([&] { return county_->Logged("key " + u.substr(0, 16) + " is not enrolled here"); }, seconds(10)))
      << county_->Log();
  EXPECT_EQ(Head("Y", u), 0u);

  // Carried by an enrolled outlet, its records are refused one by one, with the reason.
  std::string m = AddOutlet("M", "YH-402");
  ASSERT_EQ(Node({"export", "--data", "U", "--out", "u.bundle"}).exit_code, 0);
  cli::Result carry = Node({"import", "--data", "M", "u.bundle"});
  ASSERT_EQ(carry.exit_code, 0) << carry.Describe();
  // The running hub admits a key enrolled a moment ago once it has re-read its enrollments
  // (at most a second: sync/sync_server.cc); until then the handshake is refused.
  Sync carried;
  // (A refused handshake prints an error document: wait for an exchange's report.)
  ASSERT_TRUE(WaitFor([&] { return (carried = SyncOnce("M")).doc.is_object() && !carried.doc.contains("error"); },
                      seconds(30), std::chrono::milliseconds(300)))
      << carried.result.Describe();
  EXPECT_FALSE(carried.complete()) << carried.result.Describe();
  EXPECT_NE(carried.Refusals().find("unknown_author"), std::string::npos) << carried.result.Describe();
  EXPECT_EQ(Head("Y", u), 0u);
  EXPECT_EQ(HubRecords("Y"), before + 1);  // M's enrollment only
  EXPECT_EQ(county_->Stop(), 0);
  ExpectAuditClean("Y");
}

TEST_F(ReplicationTest, RevokedKeyIsCutOffAndItsLaterRecordsRefused) {
  auto started = Clock::now();
  StartHubs(/*with_city=*/false);
  std::string r = AddOutlet("R", "YH-501");
  std::string m = AddOutlet("M", "YH-502");
  ASSERT_EQ(Submit("R", AppLines("R", 1, 5)).size(), 5u);
  Daemon& node = StartNode("R");
  ASSERT_TRUE(WaitForHead("Y", r, 5)) << Logs();

  cli::Result revoke = Hub({"revoke", "--data", "Y", "--key", r, "--after-seq", "5", "--reason", "设备被盗"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.Describe();
  // The running hub notices within seconds, drops the connection and refuses the key when the
  // node dials again; the node is told so.
  EXPECT_TRUE(WaitFor([&] { return county_->Logged("was revoked: dropping its connections"); })) << Logs();
  EXPECT_TRUE(WaitFor([&] {
    return county_->Logged("key " + r.substr(0, 16) + " was revoked after seq 5 (设备被盗)");
  })) << Logs();
  EXPECT_TRUE(WaitFor([&] { return node.Logged("refused this party's key"); })) << Logs();
  std::printf("[ info     ] revoked key cut off after %.1f s\n", Seconds(started));

  // Its later records go nowhere: not directly...
  ASSERT_EQ(Submit("R", AppLines("R", 6, 3)).size(), 3u);
  Sync direct = SyncOnce("R");
  EXPECT_EQ(direct.result.exit_code, 1) << direct.result.Describe();
  EXPECT_NE(direct.result.err.find("refused"), std::string::npos) << direct.result.Describe();
  // ...nor carried by another outlet: each is refused as revoked.
  ASSERT_EQ(Node({"export", "--data", "R", "--out", "r.bundle"}).exit_code, 0);
  ASSERT_EQ(Node({"import", "--data", "M", "r.bundle"}).exit_code, 0);
  Sync carried = SyncOnce("M");
  EXPECT_FALSE(carried.complete()) << carried.result.Describe();
  ASSERT_TRUE(carried.doc.is_object()) << carried.result.Describe();
  size_t revoked = 0;
  for (const json& refusal : carried.doc["refusals"])
    revoked += refusal.get<std::string>().find("revoked") != std::string::npos;
  EXPECT_EQ(revoked, 3u) << carried.result.Describe();
  EXPECT_EQ(Head("Y", r), 5u);

  EXPECT_TRUE(node.running()) << "a refused node must keep running (and keep recording)\n" << node.Log();
  EXPECT_EQ(node.Stop(), 0) << node.Log();
  EXPECT_TRUE(WaitFor([&] {
    json p = Peer(HubStatus("Y"), m);
    return p.is_object() && p["rejections"].value("revoked", 0) == 3;
  })) << HubStatus("Y").dump(2);
  EXPECT_EQ(county_->Stop(), 0);
  ExpectAuditClean("Y");
}

// ---- hostile peers ----------------------------------------------------------------------------

// An enrolled key once stopped a hub for good: each hello's heads were remembered per peer
// (claimed_heads) whatever their authors, and saved with the peer statistics; about 40 hellos
// of 4,096 made-up heads pushed them past the size the daemon reads back at start, and from then
// on `run`, `status` and `audit` failed. A hub remembers claims only for feeds it holds or has
// enrolled, and statistics it cannot read are dropped, never fatal.
TEST_F(ReplicationTest, HellosOfMadeUpFeedsNeitherGrowTheHubsStateNorStopItsRestart) {
  StartHubs(/*with_city=*/false);
  std::string w = AddOutlet("W", "YH-602");
  ASSERT_EQ(Submit("W", AppLines("W", 1, 2)).size(), 2u);
  bangban::SigningKey identity = bangban::SigningKey::Load(Path("W") / "identity.key");
  RawSyncClient client;
  std::string why = client.Open(Loopback(county_port_), identity, Key(county_key_));
  ASSERT_TRUE(why.empty()) << why;
  bangban::Bytes seed(32);
  for (int hello = 0; hello < 40; ++hello) {
    json heads = json::array();
    for (int i = 0; i < 4095; ++i) {  // and the outlet's own: the 4,096 a hello may name
      seed[0] = static_cast<uint8_t>(hello);
      seed[1] = static_cast<uint8_t>(i & 0xff);
      seed[2] = static_cast<uint8_t>(i >> 8);
      bangban::Hash32 author = bangban::Blake2b256(seed);
      heads.push_back(json::array(
          {json::binary(bangban::Bytes(author.begin(), author.end())), 7, json::binary(bangban::Bytes(32, 1))}));
    }
    // The outlet's own feed is known to the hub: that claim is kept.
    const bangban::PublicKey own = Key(w);
    heads.push_back(
        json::array({json::binary(bangban::Bytes(own.begin(), own.end())), 2, json::binary(bangban::Bytes(32, 2))}));
    std::optional<json> welcome = client.Request({{"type", "hello"}, {"v", 1}, {"heads", heads}});
    ASSERT_TRUE(welcome.has_value()) << "no answer to hello " << hello << "\n" << Logs();
    ASSERT_EQ(welcome->value("type", ""), "welcome") << welcome->dump();
  }
  // The statistics are written with the next commit or at stop; the hub restarts and answers.
  EXPECT_EQ(county_->Stop(), 0);
  const size_t stored = bangban::LoadPeerStats(bangban::FeedStore(Store("Y"), bangban::FeedStore::Options{}))
                            .at(Key(w))
                            .claimed_heads.size();
  EXPECT_EQ(stored, 1u) << "made-up feeds were remembered";
  cli::Result status = Hub({"status", "--data", "Y", "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.Describe();
  json peer = Peer(json::parse(status.out), w);
  ASSERT_TRUE(peer.is_object()) << status.out;
  // Only the claim about a feed the hub knows counts: the outlet's 2 records it has not pushed.
  EXPECT_EQ(peer.value("backlog", -1), 2) << status.out;
  county_ = &StartHub("Y", county_port_);
  EXPECT_TRUE(WaitFor([&] { return SyncOnce("W").complete(); })) << Logs();
  EXPECT_EQ(county_->Stop(), 0);
}

// Statistics that an older release let grow past what the daemon reads back are dropped with a
// warning: the hub starts and `status` answers.
TEST_F(ReplicationTest, UnreadablePeerStatisticsAreDroppedNotFatal) {
  county_key_ = InitCounty("Y");
  county_port_ = FreePort();
  {
    bangban::FeedStore store(Store("Y"), bangban::FeedStore::Options{});
    store.PutMeta(bangban::kPeerStatsMeta, bangban::Bytes(9 * 1024 * 1024, 0x90));  // too large, not msgpack
  }
  cli::Result status = Hub({"status", "--data", "Y", "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.Describe();
  county_ = &StartHub("Y", county_port_);
  std::string w = AddOutlet("W", "YH-603");
  ASSERT_EQ(Submit("W", AppLines("W", 1, 1)).size(), 1u);
  EXPECT_TRUE(WaitFor([&] { return SyncOnce("W").complete(); })) << Logs();
  EXPECT_NE(county_->Log().find("peer statistics unreadable"), std::string::npos) << county_->Log();
  EXPECT_EQ(county_->Stop(), 0);
}

// ---- altered records -------------------------------------------------------------------------

// Bytes chosen by the test on the wire: a raw CurveZMQ client with an enrolled outlet's identity
// pushes three records, the second altered after signing.
TEST_F(ReplicationTest, RecordTamperedOnTheWireIsRefusedWithItsReason) {
  StartHubs(/*with_city=*/false);
  std::string w = AddOutlet("W", "YH-601");
  ASSERT_EQ(Submit("W", AppLines("W", 1, 3)).size(), 3u);
  ASSERT_EQ(Node({"export", "--data", "W", "--out", "w.bundle"}).exit_code, 0);
  std::vector<bangban::Record> records = bangban::ReadBundle(Path("w.bundle")).records;
  ASSERT_EQ(records.size(), 3u);

  bangban::Bytes altered = records[1].wire();
  const std::string name = "运城商户W-000002";
  const bangban::Bytes needle(name.begin(), name.end());
  auto at = std::search(altered.begin(), altered.end(), needle.begin(), needle.end());
  ASSERT_NE(at, altered.end());
  *(at + static_cast<long>(needle.size()) - 1) = '9';  // 运城商户W-000009: still a valid body
  bangban::Record tampered = bangban::Record::Decode(altered);
  ASSERT_NE(tampered.id(), records[1].id());
  ASSERT_FALSE(tampered.VerifySignature());

  bangban::SigningKey identity = bangban::SigningKey::Load(Path("W") / "identity.key");
  RawSyncClient client;
  std::string why = client.Open(Loopback(county_port_), identity, Key(county_key_));
  if (!why.empty()) GTEST_SKIP() << "no raw ZeroMQ client: " << why;
  auto push = [&](uint64_t batch, std::vector<bangban::Bytes> wires) {
    json list = json::array();
    for (auto& bytes : wires) list.push_back(json::binary(std::move(bytes)));
    return client.Request({{"type", "push"}, {"batch", batch}, {"records", list}});
  };
  std::optional<json> ack = push(1, {records[0].wire(), altered, records[2].wire()});
  ASSERT_TRUE(ack.has_value()) << "no answer from the hub\n" << Logs();
  ASSERT_EQ(ack->value("type", ""), "ack") << ack->dump();
  EXPECT_EQ(ack->value("accepted", 0), 1) << ack->dump();
  EXPECT_EQ(ack->value("buffered", 0), 1) << ack->dump();  // seq 3 waits for seq 2
  ASSERT_EQ((*ack)["rejections"].size(), 1u) << ack->dump();
  const json& rejection = (*ack)["rejections"][0];
  EXPECT_EQ(rejection.value("code", ""), "bad_signature") << ack->dump();
  EXPECT_EQ(rejection.value("seq", 0), 2) << ack->dump();
  EXPECT_NE(rejection.value("message", "").find("signature"), std::string::npos) << ack->dump();
  EXPECT_EQ(Head("Y", w), 1u);

  // The genuine record closes the gap; the one waiting behind it follows.
  ack = push(2, {records[1].wire()});
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->value("accepted", 0), 1) << ack->dump();
  EXPECT_TRUE((*ack)["rejections"].empty()) << ack->dump();
  EXPECT_EQ(Head("Y", w), 3u);
  EXPECT_TRUE(WaitFor([&] {
    json p = Peer(HubStatus("Y"), w);
    return p.is_object() && p["rejections"].value("bad_signature", 0) == 1;
  })) << HubStatus("Y").dump(2);
  EXPECT_EQ(county_->Stop(), 0);
  ExpectAuditClean("Y");
}

// The same through the real node: a record altered in the node's store (disk damage, or a
// carrier that changed it) goes out as it is; the hub refuses it and the node reports why.
TEST_F(ReplicationTest, AlteredRecordFromANodeIsRefusedAndTheNodeToldWhy) {
  StartHubs(/*with_city=*/false);
  std::string t = AddOutlet("T", "YH-602");
  ASSERT_EQ(Submit("T", AppLines("T", 1, 10)).size(), 10u);
  // No process holds the node's store now. Alter seq 5's entity name wherever it lies.
  fs::path mdb = Store("T") / "data.mdb";
  std::string bytes = cli::ReadFile(mdb);
  const std::string name = "运城商户T-000005";
  size_t changed = 0;
  for (size_t pos = bytes.find(name); pos != std::string::npos; pos = bytes.find(name, pos + 1)) {
    bytes[pos + name.size() - 1] = '9';
    ++changed;
  }
  ASSERT_GT(changed, 0u);
  cli::WriteFile(mdb, bytes);

  Sync s = SyncOnce("T");
  EXPECT_EQ(s.result.exit_code, 1) << s.result.Describe();
  ASSERT_TRUE(s.doc.is_object()) << s.result.Describe();
  EXPECT_FALSE(s.doc.value("complete", true));
  EXPECT_NE(s.Refusals().find("seq 5: bad_signature"), std::string::npos) << s.result.Describe();
  EXPECT_EQ(Head("Y", t), 4u);
  EXPECT_EQ(HubStatus("Y").value("buffered", -1), 5) << "seq 6..10 wait for a genuine seq 5";
  EXPECT_EQ(county_->Stop(), 0);
  ExpectAuditClean("Y");
}

// ---- relay through a peer --------------------------------------------------------------------

TEST_F(ReplicationTest, VillageRecordsTravelThroughATownshipRelayAndDecisionsComeBack) {
  auto started = Clock::now();
  StartHubs(/*with_city=*/false);
  std::string town = AddOutlet("T", "YH-701");  // township centre: relays for the village
  int relay_port = FreePort();
  Daemon& relay = StartNode("T", relay_port);
  std::string village = InitNode("V", "YH-702", county_key_, Loopback(relay_port), town);
  EnrollOutlet("Y", village, "YH-702");
  // The relay learns the village's enrollment from the county's feed before it admits it.
  ASSERT_TRUE(WaitForHead("T", county_key_, 2)) << Logs();

  std::vector<std::string> ids = Submit("V", AppLines("V", 1, 20));
  ASSERT_EQ(ids.size(), 20u);
  Sync s;
  ASSERT_TRUE(WaitFor([&] { return (s = SyncOnce("V")).complete(); }, seconds(60), std::chrono::milliseconds(500)))
      << s.result.Describe() << Logs();
  EXPECT_EQ(s.doc.value("accepted", 0), 20) << s.result.Describe();
  ASSERT_TRUE(WaitForHead("Y", village, 20)) << "the relay did not forward the village's records\n" << Logs();

  // A decision by the county (its reviewer enrolled as an operator first) flows back down the same path.
  ASSERT_NO_FATAL_FAILURE(AddOperator("Y", "王五"));
  cli::Result accept = Hub({"review", "--data", "Y", "accept", "V-000001", "--reviewer", "王五"});
  ASSERT_EQ(accept.exit_code, 0) << accept.Describe();
  ASSERT_TRUE(WaitForHead("T", county_key_, 4)) << Logs();
  ASSERT_TRUE(WaitFor(
      [&] {
        s = SyncOnce("V");
        json v = NodeStatus("V");
        for (const json& app : v.value("applications", json::array())) {
          if (app.value("app_id", "") == "V-000001") return app.value("state", "").starts_with("accept");
        }
        return false;
      },
      seconds(60), std::chrono::milliseconds(500)))
      << NodeStatus("V").dump(2) << s.result.Describe();
  EXPECT_GE(Head("V", county_key_), 4u) << "the village did not receive the county's enrollments and decision";

  EXPECT_EQ(relay.Stop(), 0) << relay.Log();
  EXPECT_EQ(county_->Stop(), 0);
  std::vector<bangban::Record> held = HubRecordsExported("Y");
  EXPECT_EQ(FeedIds(held, village), ids);
  ExpectAuditClean("Y");
  std::printf("[ wall     ] relay: %.1f s\n", Seconds(started));
}

// ---- a fork from two machines with one key ---------------------------------------------------

// A data dir copied to a second PC: both sign records with one key. The copy writes one record
// more than the original, so its push continues a chain the hub has never seen.
TEST_F(ReplicationTest, ForkFromACopiedDataDirIsQuarantinedAtTheCountyAndReachesTheCity) {
  auto started = Clock::now();
  StartHubs();
  std::string key = AddOutlet("NA", "YH-801");
  fs::copy(Path("NA"), Path("NB"), fs::copy_options::recursive);  // a cloned PC: same identity
  ASSERT_EQ(NodeStatus("NB")["key"], key);
  ASSERT_EQ(Submit("NA", AppLines("FA", 1, 3)).size(), 3u);
  ASSERT_EQ(Submit("NB", AppLines("FB", 1, 4)).size(), 4u);

  Sync first = SyncOnce("NA");
  ASSERT_TRUE(first.complete()) << first.result.Describe();
  ASSERT_TRUE(WaitForHead("C", key, 3)) << Logs();

  Sync second = SyncOnce("NB");
  EXPECT_FALSE(second.complete()) << second.result.Describe();
  EXPECT_NE(second.Refusals().find("forked"), std::string::npos) << second.result.Describe();
  EXPECT_TRUE(Quarantines(HubStatus("Y"), key)) << HubStatus("Y").dump(2);
  EXPECT_TRUE(WaitFor([&] { return Quarantines(HubStatus("C"), key); }, seconds(60)))
      << "the fork evidence never reached the city\n"
      << HubStatus("C").dump(2) << Logs();

  // Whatever the key signs next is refused.
  ASSERT_EQ(Submit("NA", AppLines("FA", 4, 1)).size(), 1u);
  Sync later = SyncOnce("NA");
  EXPECT_FALSE(later.complete()) << later.result.Describe();
  EXPECT_NE(later.Refusals().find("forked"), std::string::npos) << later.result.Describe();
  EXPECT_EQ(Head("Y", key), 3u);

  EXPECT_EQ(county_->Stop(), 0);
  EXPECT_EQ(city_->Stop(), 0);
  for (const std::string hub : {"Y", "C"}) {
    cli::Result audit = Hub({"audit", "--data", hub});
    EXPECT_NE(audit.out.find("notice: author " + key.substr(0, 16) + " is quarantined"), std::string::npos)
        << hub << "\n"
        << audit.Describe();
    EXPECT_EQ(audit.exit_code, 0) << "the stores themselves are sound\n" << audit.Describe();
  }
  std::printf("[ wall     ] fork: %.1f s\n", Seconds(started));
}

// Regression: a copy that signed as many records as the original (3 and 3 here) once pushed
// nothing, because the client compared only the seq of the hub's heads, never their ids. Now the
// diverging head is detected: the client sends its own record at that seq, the hub quarantines
// the key, and the sync is incomplete with "forked".
TEST_F(ReplicationTest, ForkOfEqualLengthIsDetected) {
  StartHubs(/*with_city=*/false);
  std::string key = AddOutlet("NA", "YH-802");
  fs::copy(Path("NA"), Path("NB"), fs::copy_options::recursive);
  ASSERT_EQ(Submit("NA", AppLines("FA", 1, 3)).size(), 3u);
  std::vector<std::string> nb_ids = Submit("NB", AppLines("FB", 1, 3));
  ASSERT_EQ(nb_ids.size(), 3u);
  ASSERT_TRUE(SyncOnce("NA").complete());

  Sync second = SyncOnce("NB");
  EXPECT_FALSE(second.complete()) << "NB's records are not at the hub, yet its sync says complete\n"
                                  << second.result.Describe();
  EXPECT_NE(second.Refusals().find("forked"), std::string::npos) << second.result.Describe();
  EXPECT_TRUE(Quarantines(HubStatus("Y"), key)) << HubStatus("Y").dump(2);
  EXPECT_EQ(county_->Stop(), 0);
}

// ---- recovery after restoring an old backup ------------------------------------------------------

// A node whose store was deleted (or emptied, or put back from an older backup) once started its
// feed again at seq 1 without a word, forking it at the hub. It keeps its feed's head beside its
// identity (DIR/own_feed) and refuses to write until `recover` has fetched the feed.
TEST_F(ReplicationTest, NodeWhoseStoreWasDeletedRefusesToWriteUntilRecover) {
  StartHubs(/*with_city=*/false);
  std::string n = AddOutlet("N", "YH-902");
  ASSERT_EQ(Submit("N", AppLines("N", 1, 3)).size(), 3u);
  ASSERT_TRUE(SyncOnce("N").complete());
  fs::remove_all(Path("N") / "store");

  cli::WriteFile(Path("more.jsonl"), AppLines("N", 4, 1));
  cli::Result refused = Node({"submit", "--data", "N", "more.jsonl"});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("behind"), std::string::npos) << refused.Describe();
  EXPECT_NE(refused.err.find("recover"), std::string::npos) << refused.Describe();
  EXPECT_EQ(NodeStatus("N")["feed"]["seq"], 0) << "the refused submit stored something";

  cli::Result recover = Node({"recover", "--data", "N", "--json"});
  ASSERT_EQ(recover.exit_code, 0) << recover.Describe();
  EXPECT_EQ(NodeStatus("N")["feed"]["seq"], 3);
  ASSERT_EQ(Submit("N", AppLines("N", 4, 1)).size(), 1u);
  EXPECT_TRUE(SyncOnce("N").complete());
  EXPECT_EQ(Head("Y", n), 4u);
  EXPECT_TRUE(HubStatus("Y")["quarantined"].empty()) << HubStatus("Y").dump(2);
  EXPECT_EQ(county_->Stop(), 0);
}

// A node that forked its own feed anyway (store and own_feed both gone, as on a cloned PC) pulls
// its feed from the hub and refuses it as a fork. That pull once asked again forever (`more`
// true, no head moving) at full CPU; it stops, says why, and `sync` ends.
TEST_F(ReplicationTest, APullThatMakesNoProgressStopsAndSaysWhy) {
  StartHubs(/*with_city=*/false);
  std::string n = AddOutlet("N", "YH-903");
  // More than one pull answer holds (each is bounded in bytes), so upstream says `more`.
  ASSERT_EQ(Submit("N", AppLines("N", 1, 1500)).size(), 1500u);
  ASSERT_TRUE(SyncOnce("N").complete());
  fs::remove_all(Path("N") / "store");
  fs::remove(Path("N") / "own_feed");
  ASSERT_EQ(Submit("N", AppLines("N", 11, 2)).size(), 2u);  // seq 1 and 2 again: a fork

  const auto started = std::chrono::steady_clock::now();
  Sync s = SyncOnce("N");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  EXPECT_FALSE(s.complete()) << s.result.Describe();
  EXPECT_NE(s.Refusals().find("pull stops here"), std::string::npos) << s.result.Describe();
  EXPECT_EQ(county_->Stop(), 0);
}

TEST_F(ReplicationTest, NodeRestoredFromAnOldBackupRecoversBeforeWriting) {
  StartHubs(/*with_city=*/false);
  std::string n = AddOutlet("N", "YH-901");
  std::vector<std::string> ids = Submit("N", AppLines("N", 1, 5));
  ASSERT_EQ(ids.size(), 5u);
  ASSERT_TRUE(SyncOnce("N").complete());
  fs::copy(Path("N"), Path("backup"), fs::copy_options::recursive);
  std::vector<std::string> more = Submit("N", AppLines("N", 6, 5));
  ASSERT_EQ(more.size(), 5u);
  ids.insert(ids.end(), more.begin(), more.end());
  Sync s = SyncOnce("N");
  ASSERT_TRUE(s.complete()) << s.result.Describe();
  ASSERT_EQ(Head("Y", n), 10u);

  fs::remove_all(Path("N"));
  fs::copy(Path("backup"), Path("N"), fs::copy_options::recursive);
  ASSERT_EQ(NodeStatus("N")["feed"]["seq"], 5);

  cli::Result recover = Node({"recover", "--data", "N", "--json"});
  ASSERT_EQ(recover.exit_code, 0) << recover.Describe();
  json doc = json::parse(recover.out, nullptr, false);
  EXPECT_TRUE(doc.value("recovered", false)) << recover.Describe();
  EXPECT_EQ(doc.value("pulled", 0), 5) << recover.Describe();
  json status = NodeStatus("N");
  EXPECT_EQ(status["feed"]["seq"], 10) << status.dump(2);
  EXPECT_EQ(status["feed"]["head"], ids.back()) << status.dump(2);

  std::vector<std::string> next = Submit("N", AppLines("N", 11, 1));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(NodeStatus("N")["feed"]["seq"], 11);
  s = SyncOnce("N");
  EXPECT_TRUE(s.complete()) << s.result.Describe();
  EXPECT_EQ(s.doc.value("accepted", 0), 1) << s.result.Describe();
  EXPECT_EQ(Head("Y", n), 11u);
  json hub = HubStatus("Y");
  EXPECT_TRUE(hub["quarantined"].empty()) << "the restored node forked its feed\n" << hub.dump(2);
  EXPECT_EQ(county_->Stop(), 0);
  ids.push_back(next[0]);
  EXPECT_EQ(FeedIds(HubRecordsExported("Y"), n), ids);
  ExpectAuditClean("Y");
}

TEST_F(ReplicationTest, CountyHubRestoredFromAnOldBackupRecoversItsFeedFromTheCity) {
  StartHubs();
  AddOutlet("A", "YH-911");
  const uint64_t at_backup = Head("Y", county_key_);
  ASSERT_TRUE(WaitForHead("C", county_key_, at_backup)) << Logs();
  ASSERT_EQ(county_->Stop(), 0);
  fs::copy(Path("Y"), Path("backup"), fs::copy_options::recursive);

  // The county goes on (another enrollment reaches the city), then its disk is lost.
  county_ = &StartHub("Y", county_port_, city_port_, city_key_);
  AddOutlet("B", "YH-912");
  const uint64_t at_loss = Head("Y", county_key_);
  ASSERT_GT(at_loss, at_backup);
  ASSERT_TRUE(WaitForHead("C", county_key_, at_loss)) << Logs();
  ASSERT_EQ(county_->Stop(), 0);
  fs::remove_all(Path("Y"));
  fs::copy(Path("backup"), Path("Y"), fs::copy_options::recursive);
  ASSERT_EQ(Head("Y", county_key_), at_backup);

  // `recover` fetches the county's own feed from the city before anything is written.
  cli::Result recover = Hub({"recover", "--data", "Y", "--upstream", Loopback(city_port_)});
  ASSERT_EQ(recover.exit_code, 0) << recover.Describe();
  EXPECT_NE(recover.out.find("own feed was fetched"), std::string::npos) << recover.Describe();
  EXPECT_EQ(Head("Y", county_key_), at_loss);

  // Writing goes on from the real head: the city sees one chain, no fork.
  AddOutlet("M", "YH-913");
  EXPECT_EQ(Head("Y", county_key_), at_loss + 1);
  county_ = &StartHub("Y", county_port_, city_port_, city_key_);
  ASSERT_TRUE(WaitForHead("C", county_key_, at_loss + 1)) << Logs();
  EXPECT_TRUE(HubStatus("C")["quarantined"].empty()) << "the restored county forked its feed\n"
                                                     << HubStatus("C").dump(2);
  EXPECT_EQ(county_->Stop(), 0);
  EXPECT_EQ(city_->Stop(), 0);
  ExpectAuditClean("C");
  ExpectAuditClean("Y");
}

// ---- receipts --------------------------------------------------------------------------------

TEST_F(ReplicationTest, EveryAcknowledgedRecordHasAReceiptAndAlteredReceiptsAreRefused) {
  auto started = Clock::now();
  StartHubs(/*with_city=*/false);
  std::string n = AddOutlet("N", "YH-902");
  std::vector<std::string> ids = Submit("N", AppLines("N", 1, 20));
  ASSERT_EQ(ids.size(), 20u);
  Sync s = SyncOnce("N");
  ASSERT_TRUE(s.complete()) << s.result.Describe();

  std::string last;
  for (size_t i = 0; i < ids.size(); ++i) {
    cli::Result r = Node({"receipt", "--data", "N", ids[i]});
    ASSERT_EQ(r.exit_code, 0) << "no receipt for seq " << i + 1 << "\n" << r.Describe();
    json receipt = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(receipt.is_object()) << r.Describe();
    EXPECT_EQ(receipt.value("id", ""), ids[i]);
    std::string file = "receipt-" + std::to_string(i + 1) + ".json";
    cli::WriteFile(Path(file), r.out);
    cli::Result v = Node({"verify-receipt", "--hub-key", county_key_, file});
    EXPECT_EQ(v.exit_code, 0) << "seq " << i + 1 << "\n" << v.Describe();
    last = r.out;
  }
  // Against another key: refused.
  cli::Result wrong = Node({"verify-receipt", "--hub-key", n, "receipt-20.json"});
  EXPECT_NE(wrong.exit_code, 0) << wrong.Describe();

  // Every single-byte change of a receipt file (one bit flipped) is refused.
  std::vector<size_t> accepted;
  for (size_t pos = 0; pos < last.size(); ++pos) {
    std::string altered = last;
    altered[pos] = static_cast<char>(altered[pos] ^ 0x01);
    cli::WriteFile(Path("altered.json"), altered);
    cli::Result v = Node({"verify-receipt", "--hub-key", county_key_, "altered.json"});
    if (v.exit_code == 0) accepted.push_back(pos);
  }
  std::string where;
  for (size_t pos : accepted) where += " " + std::to_string(pos) + " ('" + last.substr(pos, 1) + "')";
  EXPECT_TRUE(accepted.empty()) << accepted.size() << " of " << last.size()
                                << " altered receipts were accepted, at bytes" << where << "\n"
                                << last;
  EXPECT_EQ(county_->Stop(), 0);
  std::printf("[ wall     ] receipts (%zu altered files): %.1f s\n", last.size(), Seconds(started));
}

}  // namespace
