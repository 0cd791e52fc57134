// The sync protocol's bounds, end to end over real ZeroMQ/CurveZMQ sockets on loopback and real
// LMDB stores: a SyncServer on its own thread, a SyncClient or a bare DEALER speaking to it.
// (The whole daemons are tested as processes in tests/cli/replication_test.cc.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "sync/messages.h"
#include "sync/sync_client.h"
#include "sync/sync_server.h"
#include "sync/zap_handler.h"
#include "tests/support/foreign_record.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

using test_support::TempDir;

constexpr const char* kCounty = "140802";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Json Training(int i) {
  return {{"outlet_id", "YH-001"},
          {"staff", "helper-" + std::to_string(i)},
          {"course", "全程电子化登记操作"},
          {"hours", 4}};
}

// A county hub's store with `outlets` enrolled, serving on loopback until destroyed. `adjust`
// may set the server's hooks.
class CountyServer {
 public:
  CountyServer(const std::filesystem::path& dir, const std::vector<SigningKey>& outlets, size_t push_budget,
               const std::function<void(SyncServer::Options&)>& adjust = {})
      : county_(SigningKey::FromSeed(Bytes(32, 7))),
        store_(dir, FeedStore::Options{.roots = {{county_.public_key(), "county", kCounty}}}),
        endpoint_("tcp://127.0.0.1:" + std::to_string(FreePort())) {
    for (size_t i = 0; i < outlets.size(); ++i) {
      const PublicKey& key = outlets[i].public_key();
      store_.AppendOwn(county_, {{"key.enroll",
                                  {{"key", Json::binary(Bytes(key.begin(), key.end()))},
                                   {"role", "outlet"},
                                   {"name", "outlet " + std::to_string(i)},
                                   {"county", kCounty},
                                   {"outlet_id", "YH-" + std::to_string(i)}}}});
    }
    SyncServer::Options options;
    options.endpoint = endpoint_;
    options.identity = &county_;
    options.store = &store_;
    options.push_budget = push_budget;
    if (adjust) adjust(options);
    server_ = std::make_unique<SyncServer>(std::move(options));
    thread_ = std::thread([this] { server_->Run(stop_); });
  }
  ~CountyServer() {
    stop_ = true;
    thread_.join();
  }

  const SigningKey& key() const { return county_; }
  FeedStore& store() { return store_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  SigningKey county_;
  FeedStore store_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<SyncServer> server_;
  std::thread thread_;
};

// An outlet's own feed of `count` training records, in the outlet's own store.
std::vector<Record> WriteFeed(FeedStore& store, const SigningKey& outlet, int count) {
  std::vector<std::pair<std::string, Json>> entries;
  for (int i = 0; i < count; ++i) entries.emplace_back("outlet.training", Training(i));
  return store.AppendOwn(outlet, entries);
}

// A bare client: exactly the messages a test chooses, answers read one by one.
class BareClient {
 public:
  BareClient(const SigningKey& identity, const CountyServer& server) : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    SetCurveClient(socket_, identity, server.key().public_key());
    socket_.connect(server.endpoint());
  }
  void Send(const Json& message) {
    Bytes bytes = EncodeMessage(message);
    socket_.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  }
  std::optional<Json> Receive() {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(20)) == 0) return std::nullopt;
    zmq::message_t payload;
    (void)socket_.recv(payload, zmq::recv_flags::none);
    return DecodeMessage(ByteView(static_cast<const uint8_t*>(payload.data()), payload.size()));
  }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

Json PushOf(const std::vector<Record>& records, size_t from, size_t count, uint64_t batch) {
  PushMessage push;
  push.batch = batch;
  for (size_t i = from; i < from + count && i < records.size(); ++i) push.records.push_back(records[i].wire());
  return push.ToJson();
}

TEST(SyncProtocolTest, ManyFeedsAreNamedInSeveralHellos) {
  TempDir tmp;
  std::vector<SigningKey> outlets;
  for (int i = 0; i < 5; ++i) outlets.push_back(SigningKey::Generate());
  CountyServer county(tmp.path() / "county", outlets, kDefaultPushBudget);

  // Outlet 0 carries the other four outlets' feeds besides its own (a relay's store).
  FeedStore carrier(
      tmp.path() / "carrier",
      FeedStore::Options{.roots = {{county.key().public_key(), "county", kCounty}}, .require_enrollment = false});
  WriteFeed(carrier, outlets[0], 3);
  for (int i = 1; i < 5; ++i) {
    FeedStore own(tmp.path() / ("outlet" + std::to_string(i)), FeedStore::Options{.require_enrollment = false});
    std::vector<Record> feed = WriteFeed(own, outlets[i], 2 + i);
    for (const IngestOutcome& o : carrier.Ingest(feed)) ASSERT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << o.message;
  }
  // The county's own feed (five enrollments) is pulled too: six feeds, hellos of two.
  SyncClient::Options options;
  options.endpoint = county.endpoint();
  options.upstream = county.key().public_key();
  options.identity = &outlets[0];
  options.store = &carrier;
  options.heads_per_hello = 2;
  SyncClient client(std::move(options));
  SyncClient::Result result = client.SyncOnce();
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.accepted, 3u + 3 + 4 + 5 + 6);
  EXPECT_EQ(result.pulled, 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(county.store().Head(outlets[i].public_key()).seq, i == 0 ? 3u : 2u + i);

  // A second exchange finds nothing to do: every page's welcome was understood.
  result = client.SyncOnce();
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.pushed, 0u);
  EXPECT_EQ(result.pulled, 0u);
}

// A later release's record type replicates through parties that do not know it: the relay
// carries it, the county hub stores it, bytes unchanged, and both audit clean.
TEST(SyncProtocolTest, RecordsOfAnUnknownTypeReplicate) {
  TempDir tmp;
  std::vector<SigningKey> outlets;
  for (int i = 0; i < 2; ++i) outlets.push_back(SigningKey::Generate());
  CountyServer county(tmp.path() / "county", outlets, kDefaultPushBudget);
  FeedStore relay(tmp.path() / "relay", FeedStore::Options{.roots = {{county.key().public_key(), "county", kCounty}},
                                                           .require_enrollment = false});
  std::vector<Record> own = WriteFeed(relay, outlets[0], 2);
  // Outlet 1 runs the later release: a known record, then two of a type this build lacks.
  FeedStore upgraded(tmp.path() / "upgraded", FeedStore::Options{.require_enrollment = false});
  std::vector<Record> feed = WriteFeed(upgraded, outlets[1], 1);
  const int64_t ts = feed.back().envelope().ts;
  for (Record& r : test_support::ForeignChain(outlets[1], 2, feed.back().id(), ts, 2)) feed.push_back(std::move(r));
  for (const IngestOutcome& o : relay.Ingest(feed)) ASSERT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << o.message;

  SyncClient::Options options;
  options.endpoint = county.endpoint();
  options.upstream = county.key().public_key();
  options.identity = &outlets[0];
  options.store = &relay;
  SyncClient client(std::move(options));
  SyncClient::Result result = client.SyncOnce();
  EXPECT_TRUE(result.complete) << (result.refusals.empty() ? "" : result.refusals.front());
  EXPECT_TRUE(result.refusals.empty()) << result.refusals.front();
  EXPECT_EQ(county.store().Head(outlets[1].public_key()).seq, 3u);
  for (const Record& r : feed) {
    std::optional<Record> stored = county.store().Get(r.id());
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->wire(), r.wire());
  }
  EXPECT_EQ(county.store().Get(feed.back().id())->type(), "outlet.survey");
  EXPECT_TRUE(county.store().Audit().empty()) << county.store().Audit().front();
  EXPECT_TRUE(relay.Audit().empty()) << relay.Audit().front();
}

// The serving thread never waits for the periodic hooks: a push is read, stored and acknowledged
// while every_second is still busy (it waits here until the test has its ack).
TEST(SyncServerThreadsTest, APushIsAcknowledgedWhileTheHourlyWorkIsStillBusy) {
  TempDir tmp;
  std::vector<SigningKey> outlets;
  outlets.push_back(SigningKey::Generate());
  std::atomic<bool> hook_busy{false}, released{false};
  std::mutex mutex;
  std::condition_variable release;
  CountyServer county(tmp.path() / "county", outlets, kDefaultPushBudget, [&](SyncServer::Options& options) {
    options.every_second = [&] {
      hook_busy = true;
      std::unique_lock lock(mutex);
      release.wait_for(lock, std::chrono::seconds(30), [&] { return released.load(); });
    };
  });
  for (int i = 0; i < 200 && !hook_busy; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(hook_busy);

  FeedStore node(tmp.path() / "node", FeedStore::Options{.require_enrollment = false});
  std::vector<Record> feed = WriteFeed(node, outlets[0], 3);
  BareClient client(outlets[0], county);
  client.Send(PushOf(feed, 0, 3, 1));
  std::optional<Json> reply = client.Receive();
  ASSERT_TRUE(reply.has_value()) << "no answer while the hook was busy";
  EXPECT_EQ(AckMessage::FromJson(*reply).accepted, 3u) << reply->dump();
  EXPECT_FALSE(released) << "the ack came only after the hook returned";
  EXPECT_EQ(county.store().Head(outlets[0].public_key()).seq, 3u);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  release.notify_all();
}

// The store's observers see the records from peers inside `committer_scope` (the hub installs a
// thread-local collision log there).
TEST(SyncServerThreadsTest, ObserversRunInsideTheCommitterScope) {
  TempDir tmp;
  std::vector<SigningKey> outlets;
  outlets.push_back(SigningKey::Generate());
  static thread_local bool in_scope = false;
  std::atomic<int> seen_in_scope{0}, seen_outside{0};
  CountyServer county(tmp.path() / "county", outlets, kDefaultPushBudget, [&](SyncServer::Options& options) {
    options.store->AddObserver([&](LmdbTxn&, const Record& record, int64_t) {
      if (record.author() == outlets[0].public_key()) ++(in_scope ? seen_in_scope : seen_outside);
    });
    options.committer_scope = [](const std::function<void()>& commit) {
      in_scope = true;
      commit();
      in_scope = false;
    };
  });
  FeedStore node(tmp.path() / "node", FeedStore::Options{.require_enrollment = false});
  std::vector<Record> feed = WriteFeed(node, outlets[0], 2);
  BareClient client(outlets[0], county);
  client.Send(PushOf(feed, 0, 2, 1));
  std::optional<Json> reply = client.Receive();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(AckMessage::FromJson(*reply).accepted, 2u) << reply->dump();
  EXPECT_EQ(seen_in_scope, 2);
  EXPECT_EQ(seen_outside, 0);
}

// What a hook throws on its own thread ends Run with that error, as it would on the serving
// thread: a daemon stops with a reason instead of going on without its housekeeping.
TEST(SyncServerThreadsTest, AHookThatThrowsEndsRunWithItsError) {
  TempDir tmp;
  SigningKey county = SigningKey::FromSeed(Bytes(32, 7));
  FeedStore store(tmp.path() / "county", FeedStore::Options{.roots = {{county.public_key(), "county", kCounty}}});
  SyncServer::Options options;
  options.endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
  options.identity = &county;
  options.store = &store;
  options.every_second = [] { throw Error(ErrorCode::kStorage, "the disk is full (from the hook)"); };
  SyncServer server(std::move(options));
  std::atomic<bool> stop{false};
  try {
    server.Run(stop);
    ADD_FAILURE() << "Run returned without the hook's error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kStorage);
    EXPECT_NE(std::string(e.what()).find("from the hook"), std::string::npos) << e.what();
  }
}

TEST(SyncProtocolTest, PushesFollowTheServersGrant) {
  TempDir tmp;
  std::vector<SigningKey> outlets;
  outlets.push_back(SigningKey::Generate());
  // A budget of 64 KiB: one push of at most 64 KiB in flight.
  CountyServer county(tmp.path() / "county", outlets, 64 * 1024);
  FeedStore node(tmp.path() / "node", FeedStore::Options{.roots = {{county.key().public_key(), "county", kCounty}},
                                                         .require_enrollment = false});
  WriteFeed(node, outlets[0], 2000);  // about 500 KiB

  SyncClient::Options options;
  options.endpoint = county.endpoint();
  options.upstream = county.key().public_key();
  options.identity = &outlets[0];
  options.store = &node;
  SyncClient client(std::move(options));
  SyncClient::Result result = client.SyncOnce();
  EXPECT_TRUE(result.complete) << (result.refusals.empty() ? "" : result.refusals.front());
  EXPECT_EQ(result.accepted, 2000u);
  EXPECT_EQ(county.store().Head(outlets[0].public_key()).seq, 2000u);
}

TEST(SyncProtocolTest, ServerRefusesWhatExceedsTheGrant) {
  TempDir tmp;
  std::vector<SigningKey> outlets;
  outlets.push_back(SigningKey::Generate());
  CountyServer county(tmp.path() / "county", outlets, 64 * 1024);
  FeedStore node(tmp.path() / "node", FeedStore::Options{.require_enrollment = false});
  std::vector<Record> feed = WriteFeed(node, outlets[0], 600);

  BareClient bare(outlets[0], county);
  bare.Send(HelloMessage{1, {{outlets[0].public_key(), 0, {}}}}.ToJson());
  std::optional<Json> welcome = bare.Receive();
  ASSERT_TRUE(welcome);
  ASSERT_EQ((*welcome)["type"], "welcome") << welcome->dump();
  EXPECT_EQ((*welcome)["window"], 1);
  EXPECT_EQ((*welcome)["push_bytes"], 64 * 1024);

  // More record bytes in one push than granted: refused whole, nothing stored.
  size_t too_many = 64 * 1024 / feed[0].wire().size() + 10;
  bare.Send(PushOf(feed, 0, too_many, 1));
  std::optional<Json> answer = bare.Receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["type"], "error");
  EXPECT_EQ((*answer)["code"], "too_large") << answer->dump();
  EXPECT_EQ(county.store().Head(outlets[0].public_key()).seq, 0u);

  // Forty pushes at once with a window of one: those that find others of this peer waiting in
  // the same round are refused; every push gets exactly one answer.
  constexpr int kPushes = 40;
  for (int b = 0; b < kPushes; ++b) bare.Send(PushOf(feed, static_cast<size_t>(b) * 10, 10, b + 2));
  int acks = 0, over_window = 0;
  for (int b = 0; b < kPushes; ++b) {
    std::optional<Json> reply = bare.Receive();
    ASSERT_TRUE(reply) << "push answer " << b << " missing";
    if ((*reply)["type"] == "ack") ++acks;
    if ((*reply)["type"] == "error" && (*reply)["code"] == "over_window") ++over_window;
  }
  EXPECT_EQ(acks + over_window, kPushes);
  EXPECT_GT(over_window, 0);
  EXPECT_GT(acks, 0);

  // A hello naming more feeds than one hello may.
  std::vector<FeedPosition> heads(kMaxHeadsPerHello + 1);
  for (size_t i = 0; i < heads.size(); ++i) {
    heads[i].author[0] = static_cast<uint8_t>(i);
    heads[i].author[1] = static_cast<uint8_t>(i >> 8);
  }
  bare.Send(HelloMessage{1, heads}.ToJson());
  answer = bare.Receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["code"], "too_large") << answer->dump();
}

}  // namespace
}  // namespace bangban
