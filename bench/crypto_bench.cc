// Signatures and sealing: the work every record costs.
#include <benchmark/benchmark.h>

#include "crypto/identity.h"
#include "crypto/sealed_box.h"

namespace bangban {
namespace {

Bytes Message(size_t size) { return Bytes(size, 0x5a); }

void BM_Sign(benchmark::State& state) {
  SigningKey key = SigningKey::Generate();
  Bytes message = Message(400);
  for (auto _ : state) benchmark::DoNotOptimize(key.Sign(kRecordDomain, message));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sign);

void BM_Verify(benchmark::State& state) {
  SigningKey key = SigningKey::Generate();
  Bytes message = Message(400);
  Signature signature = key.Sign(kRecordDomain, message);
  for (auto _ : state) benchmark::DoNotOptimize(Verify(key.public_key(), kRecordDomain, message, signature));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Verify);
// Two threads: the machine's two-core raw verify rate, the yardstick for hub ingest.
BENCHMARK(BM_Verify)->Threads(2)->UseRealTime();

void BM_SealIdNumber(benchmark::State& state) {
  SigningKey county = SigningKey::Generate();
  Bytes plaintext = Message(48);
  for (auto _ : state) benchmark::DoNotOptimize(Seal(county.public_key(), plaintext));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealIdNumber);

}  // namespace
}  // namespace bangban
