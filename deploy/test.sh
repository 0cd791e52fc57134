#!/usr/bin/env bash
# The test command: installs what is missing, builds with Ninja, and runs every test.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/deploy/build.sh"
build=${BANGBAN_BUILD_DIR:-$top/build}
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
