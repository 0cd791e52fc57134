#!/usr/bin/env bash
# Regenerates the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/, from inputs the
# code itself makes (tests/fuzz/make_corpus.cc: signed records, sync messages, a bundle, control
# requests, node.toml and hub.toml as `init` writes them, the shipped calendars, submit lines).
# Run it after a change of a format; review and commit the result. Inputs libFuzzer found are not
# kept here: an input that crashed goes in tests/fuzz/crashes/<target>/ (docs/testing.md).
#
#   tests/fuzz/make-corpus.sh [BUILD_DIR]     (default: build, an ordinary g++ build)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
ninja -C "$build" -j2 bangban-fuzz-corpus >/dev/null
"$build/tests/fuzz/bangban-fuzz-corpus" "$top/tests/fuzz/corpus" "$top"
du -sh "$top/tests/fuzz/corpus"
