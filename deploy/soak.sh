#!/usr/bin/env bash
# The long runs (docs/testing.md), one command, for a quiet machine; deploy/test.sh runs a short
# version of each. Three stages, each run even if an earlier one failed:
#
#   1. sanitizers: every unit and integration test built with AddressSanitizer and
#      UndefinedBehaviorSanitizer (g++, build-asan/) and run in full by ctest;
#   2. fuzz: every fuzz target for SOAK_FUZZ_SECONDS (default 300) (deploy/fuzz.sh, build-fuzz/);
#   3. kill -9: the crash tests (ctest -R 'KillNine|(^|[.])Crash') with BANGBAN_KILL_CYCLES (default
#      100) cycles each, in the ordinary build (build/).
#
# Settings (environment): SOAK_FUZZ_SECONDS, BANGBAN_KILL_CYCLES, SOAK_TESTS (a ctest -R regex
# limiting stage 1; default every test), SOAK_STAGES (default "sanitizers fuzz kill"),
# BANGBAN_JOBS (default 2). Prints a summary; exits 1 if any stage failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${BANGBAN_JOBS:-2}
fuzz_seconds=${SOAK_FUZZ_SECONDS:-300}
kill_cycles=${BANGBAN_KILL_CYCLES:-100}
stages=${SOAK_STAGES:-sanitizers fuzz kill}
kill_regex='KillNine|(^|[.])Crash'
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, and no working directory in the hash: a fresh clone
  # anywhere (as CI makes) hits what an earlier clone compiled.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
"$top/deploy/install-deps.sh" || exit 1

sanitizers() {
  local build=$top/build-asan
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANGBAN_SANITIZE=ON \
      -DBANGBAN_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null || return 1
  fi
  nice ninja -C "$build" -j"$jobs" >/dev/null || return 1
  local filter=()
  [ -n "${SOAK_TESTS:-}" ] && filter=(-R "$SOAK_TESTS")
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$build" -j"$jobs" --output-on-failure "${filter[@]}"
}

fuzz() { BANGBAN_JOBS=$jobs "$top/deploy/fuzz.sh" "$fuzz_seconds"; }

kill_nine() {
  local build=$top/build tests
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null || return 1
  fi
  # Every test executable (the crash tests drive the real programs, which they depend on).
  mapfile -t tests < <(ninja -C "$build" -t targets all | sed -nE 's/^([a-z_]+_tests): phony$/\1/p')
  nice ninja -C "$build" -j"$jobs" "${tests[@]}" >/dev/null || return 1
  local listed
  listed=$(ctest --test-dir "$build" -N -R "$kill_regex" | grep -c 'Test *#')
  [ "$listed" -gt 0 ] || { echo "soak: no test matches -R '$kill_regex'" >&2; return 1; }
  BANGBAN_KILL_CYCLES=$kill_cycles ctest --test-dir "$build" -j1 --output-on-failure -R "$kill_regex"
}

summary=()
failed=0
run_stage() {
  local name=$1 what=$2 started status
  started=$(date +%s)
  echo "soak: === $name: $what"
  if "$3"; then status=passed; else status=FAILED; failed=1; fi
  summary+=("$(printf '%-11s %-6s %6d s  %s' "$name" "$status" $(($(date +%s) - started)) "$what")")
}
for stage in $stages; do
  case "$stage" in
    sanitizers) run_stage sanitizers "every test, ASan+UBSan (build-asan/)${SOAK_TESTS:+, -R '$SOAK_TESTS'}" sanitizers ;;
    fuzz) run_stage fuzz "every fuzz target, ${fuzz_seconds} s each (build-fuzz/)" fuzz ;;
    kill) run_stage kill "-R '$kill_regex', BANGBAN_KILL_CYCLES=$kill_cycles (build/)" kill_nine ;;
    *) echo "soak: unknown stage '$stage' (sanitizers, fuzz, kill)" >&2; exit 2 ;;
  esac
done

echo "soak: summary"
printf '  %s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "soak: FAILED" >&2
  exit 1
fi
echo "soak: every stage passed"
