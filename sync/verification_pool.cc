#include "sync/verification_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace bangban {

namespace {
// Records a thread takes at once: small enough that the last chunks of a round spread over
// every thread, large enough that taking one costs nothing beside 16 verifications (~1 ms).
constexpr size_t kChunk = 16;
// The pool's threads yield the cores to the threads that read, commit and acknowledge: every
// record they verify must pass through those, which are serial, so a verifier that takes the
// core from them makes the hub slower, not faster (docs/performance.md). Niceness of a thread
// on Linux; raising it needs no privilege.
constexpr int kNicer = 5;
}  // namespace

Verification::Verification(std::vector<const Record*> records)
    : records_(std::move(records)), ok_(records_.size(), 0) {}

bool Verification::Work() {
  bool worked = false;
  for (;;) {
    const size_t from = next_.fetch_add(kChunk, std::memory_order_relaxed);
    if (from >= records_.size()) return worked;
    const size_t to = std::min(records_.size(), from + kChunk);
    for (size_t i = from; i < to; ++i) ok_[i] = records_[i]->VerifySignature();
    worked = true;
    if (finished_.fetch_add(to - from, std::memory_order_acq_rel) + (to - from) == records_.size()) {
      std::lock_guard lock(mutex_);  // so that a waiter between its check and its sleep hears it
      done_.notify_all();
    }
  }
}

const std::vector<char>& Verification::Wait() {
  Work();
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return Done(); });
  return ok_;
}

VerificationPool::VerificationPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < threads; ++t) {
    threads_.emplace_back([this](const std::stop_token& stop) { Serve(stop); });
  }
}

VerificationPool::~VerificationPool() {
  for (std::jthread& t : threads_) t.request_stop();
  work_.notify_all();
  threads_.clear();  // joins
}

std::shared_ptr<Verification> VerificationPool::Start(std::vector<const Record*> records) {
  auto verification = std::make_shared<Verification>(std::move(records));
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(verification);
  }
  work_.notify_all();
  return verification;
}

void VerificationPool::Serve(const std::stop_token& stop) {
  ::pthread_setname_np(::pthread_self(), "bangban-verify");  // for top -H and perf
  const id_t thread = static_cast<id_t>(::gettid());
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, thread);
  if (errno == 0) (void)::setpriority(PRIO_PROCESS, thread, nice + kNicer);
  for (;;) {
    std::shared_ptr<Verification> next;
    {
      std::unique_lock lock(mutex_);
      // Rounds whose every chunk is taken leave the queue; the thread that waits for one
      // finishes it if need be.
      auto wanted = [this] {
        while (!queue_.empty() && queue_.front()->AllTaken()) queue_.pop_front();
        return !queue_.empty();
      };
      if (!work_.wait(lock, stop, wanted)) return;  // stop requested
      next = queue_.front();
    }
    next->Work();
  }
}

}  // namespace bangban
