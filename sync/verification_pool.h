// VerificationPool: checks the signatures of received records on every core, off the thread that
// serves the network. Most of a hub's CPU per record is the Ed25519 verification; the rest (reading
// pushes, committing, acknowledging) is serial on the serving thread. The pool's threads stay up
// for the server's life and take rounds in the order they were started, so the serving thread can
// read the next round and commit the previous one while they verify (docs/performance.md).
//
//   VerificationPool pool;
//   std::shared_ptr<Verification> v = pool.Start({&record_a, &record_b});
//   ... commit the previous round ...
//   const std::vector<char>& ok = v->Wait();   // helps with what is left, then waits
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "protocol/record.h"

namespace bangban {

// One round's signatures. Records are verified in small chunks that any thread may take, so the
// thread that waits for the result works on it instead of sleeping. The records must outlive it.
class Verification {
 public:
  explicit Verification(std::vector<const Record*> records);
  Verification(const Verification&) = delete;
  Verification& operator=(const Verification&) = delete;

  // Verifies chunks until none is left to take. False if there was none to take.
  bool Work();
  // Every record checked (ok() may be read).
  bool Done() const { return finished_.load(std::memory_order_acquire) == records_.size(); }
  // Works on what is left, then waits for chunks other threads hold; then ok()[i] says whether
  // record i's signature holds.
  const std::vector<char>& Wait();
  // Every chunk taken by some thread (perhaps not yet verified).
  bool AllTaken() const { return next_.load(std::memory_order_relaxed) >= records_.size(); }

 private:
  std::vector<const Record*> records_;
  std::vector<char> ok_;
  std::atomic<size_t> next_{0};      // first record no thread has taken yet
  std::atomic<size_t> finished_{0};  // records verified
  std::mutex mutex_;
  std::condition_variable done_;
};

class VerificationPool {
 public:
  // One thread per core by default: the serving thread, which also helps when it waits, mostly
  // reads and commits meanwhile.
  explicit VerificationPool(unsigned threads = 0);
  ~VerificationPool();  // stops and joins the threads; verifications not finished are finished by Wait
  VerificationPool(const VerificationPool&) = delete;
  VerificationPool& operator=(const VerificationPool&) = delete;

  // Queues the records' verification behind those started earlier.
  std::shared_ptr<Verification> Start(std::vector<const Record*> records);

 private:
  void Serve(const std::stop_token& stop);
  std::mutex mutex_;
  std::condition_variable_any work_;
  std::deque<std::shared_ptr<Verification>> queue_;
  std::vector<std::jthread> threads_;
};

}  // namespace bangban
