// How a daemon learns it should stop: SIGTERM or SIGINT, noticed between two operations.
#pragma once

#include <atomic>

namespace bangban {

// Blocks SIGTERM and SIGINT in every thread and returns a flag that a watcher thread sets when
// one arrives, so daemons shut down cleanly between two operations. Call before starting threads.
const std::atomic<bool>& StopOnSignals();

}  // namespace bangban
