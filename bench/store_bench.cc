// The durable paths: an outlet appending its own records, a hub ingesting others' (with its
// transparency log and projections), both with real LMDB files and real fsyncs.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "hub/hub.h"
#include "storage/feed_store.h"
#include "sync/messages.h"

namespace bangban {
namespace {

std::filesystem::path FreshDir(const std::string& name) {
  std::random_device random;
  auto dir = std::filesystem::temp_directory_path() / ("bangban-bench-" + name + "-" + std::to_string(random()));
  std::filesystem::remove_all(dir);
  return dir;
}

Json Training(int i) {
  return {{"outlet_id", "YH-001"},
          {"staff", "helper-" + std::to_string(i % 50)},
          {"course", "全程电子化登记操作"},
          {"hours", 4}};
}

// An outlet's submit: records per durable batch = range(0).
void BM_AppendOwn(benchmark::State& state) {
  auto dir = FreshDir("append");
  SigningKey outlet = SigningKey::Generate();
  {
    FeedStore store(dir, FeedStore::Options{.require_enrollment = false});
    std::vector<std::pair<std::string, Json>> batch;
    for (int i = 0; i < state.range(0); ++i) batch.emplace_back("outlet.training", Training(i));
    for (auto _ : state) store.AppendOwn(outlet, batch);
    state.SetItemsProcessed(state.iterations() * state.range(0));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendOwn)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

// A county hub's ingest of pre-verified records from many outlets, in batches of range(0):
// chain checks, enrollment checks, transparency log, projections, one fsync per batch.
void BM_HubIngest(benchmark::State& state) {
  auto dir = FreshDir("hub");
  HubConfig config{"county", "bench county", "140802", std::nullopt};
  Hub::Init(dir, config, std::nullopt);
  {
    Hub hub(dir);
    constexpr int kOutlets = 200;
    std::vector<SigningKey> outlets;
    for (int i = 0; i < kOutlets; ++i) {
      outlets.push_back(SigningKey::Generate());
      hub.Enroll({outlets.back().public_key(), "outlet", "outlet", "140802", "YH-" + std::to_string(i)});
    }
    // Pre-build records outside the timed loop: seq advances per outlet.
    std::vector<FeedHead> heads(kOutlets);
    const size_t batch_size = static_cast<size_t>(state.range(0));
    int next_outlet = 0;
    for (auto _ : state) {
      state.PauseTiming();
      std::vector<Record> batch;
      for (size_t i = 0; i < batch_size; ++i) {
        int o = next_outlet++ % kOutlets;
        std::optional<RecordId> prev;
        if (heads[o].seq > 0) prev = heads[o].id;
        Record r =
            Record::Create(outlets[o], "outlet.training", heads[o].seq + 1, prev, 1'772'000'000'000, Training(i));
        heads[o] = {r.seq(), r.id()};
        batch.push_back(std::move(r));
      }
      state.ResumeTiming();
      auto outcomes = hub.store().Ingest(batch, /*signatures_checked=*/true,
                                         [&](LmdbTxn& txn) { hub.log().SignHead(txn, hub.key(), 1'772'000'000'000); });
      benchmark::DoNotOptimize(outcomes);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_HubIngest)->Arg(100)->Arg(1000)->Arg(4000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace bangban

namespace bangban {
namespace {

// What a hub does with a push before any signature check: decode the message and each record
// in it (envelope, body validation, record id). One push of 256 KiB of training records.
void BM_DecodePush(benchmark::State& state) {
  SigningKey outlet = SigningKey::Generate();
  PushMessage push;
  push.batch = 1;
  size_t bytes = 0;
  std::optional<RecordId> prev;
  for (uint64_t seq = 1; bytes < kMaxPushBytes; ++seq) {
    Record r = Record::Create(outlet, "outlet.training", seq, prev, 1'772'000'000'000, Training(static_cast<int>(seq)));
    prev = r.id();
    bytes += r.wire().size();
    push.records.push_back(r.wire());
  }
  const size_t count = push.records.size();
  Bytes message = EncodeMessage(push.ToJson());
  for (auto _ : state) {
    PushMessage received = PushMessage::FromJson(DecodeMessage(message));
    for (const Bytes& wire : received.records) benchmark::DoNotOptimize(Record::Decode(wire));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
}
BENCHMARK(BM_DecodePush)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace bangban

BENCHMARK_MAIN();
