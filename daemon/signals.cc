#include "daemon/signals.h"

#include <pthread.h>

#include <csignal>
#include <thread>

namespace bangban {

const std::atomic<bool>& StopOnSignals() {
  static std::atomic<bool> stop{false};
  static sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([] {
    int received = 0;
    sigwait(&signals, &received);
    stop = true;
  }).detach();
  return stop;
}

}  // namespace bangban
