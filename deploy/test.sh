#!/usr/bin/env bash
# The test command CI runs: installs what is missing, builds with Ninja, runs every test, then
# fuzzes each target of tests/fuzz briefly with clang and the sanitizers (deploy/fuzz.sh,
# BANGBAN_FUZZ_SECONDS each, default 15; 0 replays the kept inputs only). The long runs are
# deploy/soak.sh. What each runs and how long it takes: docs/testing.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/deploy/build.sh"
build=${BANGBAN_BUILD_DIR:-$top/build}
(cd "$build" && ctest --output-on-failure -j"$(nproc)" "$@")
started=$(date +%s)
BANGBAN_JOBS=$(nproc) "$top/deploy/fuzz.sh" "${BANGBAN_FUZZ_SECONDS:-15}"
echo "test: the fuzz step took $(($(date +%s) - started)) s"
