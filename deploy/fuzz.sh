#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz/, or BANGBAN_FUZZ_BUILD_DIR) and fuzzes each one for
# SECONDS (default 15) from its seed corpus and its kept crashing inputs, with a fixed seed;
# SECONDS 0 runs each kept input once, under the sanitizers, and fuzzes nothing.
# deploy/test.sh runs it briefly, deploy/soak.sh for minutes; docs/testing.md.
#
#   deploy/fuzz.sh [SECONDS [TARGET...]]      (default: every target of tests/fuzz/CMakeLists.txt)
#
# A crash, a sanitizer report, a leak, a timeout (10 s on one input) or a broken promise of a
# target fails the run: the input is printed (hex) and copied into tests/fuzz/crashes/<target>/,
# where the ordinary test suite (ctest fuzz_corpus_<target>) replays it from then on. Inputs
# libFuzzer finds along the way stay in the build dir (found/<target>/), never in the source tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-15}
shift || true
build=${BANGBAN_FUZZ_BUILD_DIR:-$top/build-fuzz}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: deploy/fuzz.sh [SECONDS [TARGET...]]" >&2; exit 2; }

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(sed -nE 's/^ *"([a-z_]+):[a-z_+]+(:[a-z_/.+]+)?" *$/\1/p' "$top/tests/fuzz/CMakeLists.txt")
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets found in tests/fuzz/CMakeLists.txt" >&2; exit 1; }

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, and no working directory in the hash: a fresh clone
  # anywhere (as CI makes) hits what an earlier clone compiled.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
if [ ! -f "$build/build.ninja" ]; then
  # -O1 with assertions: fast enough to fuzz, and every assert() of the code is checked.
  CXX=${BANGBAN_FUZZ_CXX:-clang++} cmake -S "$top" -B "$build" -G Ninja -DBANGBAN_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" "${launcher[@]}" >/dev/null
fi
started=$(date +%s)
nice ninja -C "$build" -j"${BANGBAN_JOBS:-2}" "${targets[@]/#/fuzz_}" >/dev/null
echo "fuzz: built ${#targets[@]} targets in $(($(date +%s) - started)) s"

failed=()
for target in "${targets[@]}"; do
  found="$build/found/$target"
  artifacts="$build/artifacts/$target/"
  crashes="$top/tests/fuzz/crashes/$target"
  mkdir -p "$found" "$artifacts"
  rm -f "$artifacts"*
  seeds=("$top/tests/fuzz/corpus/$target")
  [ -d "$crashes" ] && seeds+=("$crashes")
  log="$build/fuzz-$target.log"
  length=(-max_total_time="$seconds")
  [ "$seconds" -eq 0 ] && length=(-runs=0)
  # The first folder receives what libFuzzer finds; the source folders are only read.
  if "$build/tests/fuzz/fuzz_$target" -seed=1 "${length[@]}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$found" "${seeds[@]}" >"$log" 2>&1; then
    echo "fuzz: $target: $(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$') runs in ${seconds} s, no crash"
    continue
  fi
  failed+=("$target")
  echo "fuzz: $target FAILED; the end of $log:" >&2
  tail -n 40 "$log" >&2
  mkdir -p "$crashes"
  for input in "$artifacts"*; do
    [ -f "$input" ] || continue
    cp "$input" "$crashes/"
    echo "fuzz: $target: input kept as tests/fuzz/crashes/$target/$(basename "$input") ($(stat -c %s "$input") bytes):" >&2
    od -A d -t x1 -v "$input" | head -n 32 >&2
  done
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash"
