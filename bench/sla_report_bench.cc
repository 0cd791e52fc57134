// SLA report over a large county (docs/performance.md, targets: a report over 1,000,000 applications in at
// most 2 s). The case rows are synthesised straight into proj_cases, as the projection would
// hold them (DeriveCase + EncodeCase), because the report reads the projection only; signing and
// ingesting a million records is what the ingest benchmarks measure.
//
//   bangban_bench --benchmark_filter=SlaReport      BANGBAN_BENCH_CASES=1000000 (default)
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include "hub/hub.h"
#include "protocol/clock.h"
#include "review/case_file.h"
#include "review/sla_report.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

// BANGBAN_NOW for one scope, given back at its end: the benchmarks that run after this one open
// hubs that are not simulation parties, and those refuse a fixed clock.
class FixedClockInScope {
 public:
  explicit FixedClockInScope(const char* when) {
    if (const char* before = std::getenv("BANGBAN_NOW")) before_ = before;
    ::setenv("BANGBAN_NOW", when, 1);
  }
  ~FixedClockInScope() {
    if (before_) {
      ::setenv("BANGBAN_NOW", before_->c_str(), 1);
    } else {
      ::unsetenv("BANGBAN_NOW");
    }
  }
  FixedClockInScope(const FixedClockInScope&) = delete;
  FixedClockInScope& operator=(const FixedClockInScope&) = delete;

 private:
  std::optional<std::string> before_;
};

struct County {
  fs::path dir;
  std::unique_ptr<Hub> hub;
  int64_t report_at = 0;

  explicit County(size_t cases) {
    std::string pattern = (fs::temp_directory_path() / "bangban-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir = pattern;
    const FixedClockInScope clock("2026-01-01T08:00:00+08:00");
    HubConfig config;
    config.role = "county";
    config.name = "bench";
    config.county = "140802";
    config.simulation = true;  // the bench fixes the clock (BANGBAN_NOW)
    Hub::Init(dir / "hub", config, std::nullopt);
    // No calendar file: the weekday rule. The report's cost does not depend on the calendar.
    hub = std::make_unique<Hub>(dir / "hub");
    Fill(cases);
  }
  ~County() {
    hub.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  void Fill(size_t cases) {
    LmdbEnv& env = hub->store().env();
    const MDB_dbi rows = env.OpenDb("proj_cases");
    std::shared_ptr<const SlaProfile> profile = hub->cases().CurrentProfile();
    const ProfileAt at = [&](int64_t) { return profile; };
    std::mt19937_64 rng(42);
    const int64_t year_start = *ParseRfc3339("2026-01-05T08:30:00+08:00");
    const int64_t span = int64_t{300} * 86'400'000;
    report_at = year_start + span + 86'400'000;
    SigningKey hub_key = SigningKey::Generate();
    std::vector<SigningKey> outlets;
    for (int i = 0; i < 200; ++i) outlets.push_back(SigningKey::Generate());
    const char* kinds[] = {"establish", "change", "deregister", "annual_report"};
    const char* channels[] = {"hall_window", "outlet", "online_self"};
    const size_t batch = 50'000;
    for (size_t start = 0; start < cases; start += batch) {
      env.Write([&](LmdbTxn& txn) {
        for (size_t i = start; i < std::min(cases, start + batch); ++i) {
          CaseFile file;
          file.county = "140802";
          file.app_id = "APP-" + std::to_string(i);
          const int64_t t0 = year_start + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
          const size_t o = rng() % outlets.size();
          CaseEvent submit;
          submit.action = CaseAction::kSubmit;
          submit.author = outlets[o].public_key();
          submit.seq = i + 1;
          submit.received_ms = t0;
          submit.ts_ms = t0 - static_cast<int64_t>(rng() % 3'600'000);
          submit.outlet_id = "YH-" + std::to_string(o);
          submit.app_kind = kinds[rng() % 4];
          submit.entity_type = "individual";
          submit.channel = channels[rng() % 3];
          file.events.push_back(submit);
          auto review = [&](CaseAction action, uint64_t seq, int64_t when) {
            CaseEvent e;
            e.action = action;
            e.author = hub_key.public_key();
            e.seq = seq;
            e.received_ms = when;
            e.ts_ms = when;
            e.reviewer = "r" + std::to_string(rng() % 12);
            file.events.push_back(e);
          };
          const uint64_t seq = 3 * i + 1;
          review(CaseAction::kAccept, seq, t0 + 600'000);
          if (rng() % 100 < 97) {  // 3% still open
            review(CaseAction::kApprove, seq + 1, t0 + static_cast<int64_t>(rng() % 86'400'000));
            if (submit.app_kind == std::string("establish")) file.events.back().uscc = "91350100M000100Y43";
          }
          DeriveCase(file, at);
          txn.Put(rows, CaseKey(file.app_id, file.county, file.outlet_id), EncodeCase(file));
        }
      });
    }
  }
};

County& Shared() {
  static County county([] {
    const char* n = std::getenv("BANGBAN_BENCH_CASES");
    return n != nullptr ? static_cast<size_t>(std::stoull(n)) : size_t{1'000'000};
  }());
  return county;
}

void BM_SlaReport(benchmark::State& state) {
  County& county = Shared();
  SlaReportOptions options;
  options.at_ms = county.report_at;
  for (auto _ : state) {
    Json report = BuildSlaReport(county.hub->cases(), options);
    benchmark::DoNotOptimize(report);
    state.counters["applications"] = report["totals"]["received"].get<double>();
  }
}
BENCHMARK(BM_SlaReport)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace bangban
