#!/usr/bin/env bash
# Installs the Debian 12 packages bangban builds and tests with. Idempotent: does nothing when
# everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  ccache  # deploy/build.sh and fuzz.sh compile through it: a rebuild recompiles only what changed
  libzmq3-dev cppzmq-dev liblmdb-dev lmdb-utils libsodium-dev libmsgpack-cxx-dev
  libboost-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libspdlog-dev
  libgtest-dev libbenchmark-dev
  clang-format
  clang libclang-rt-14-dev  # the fuzz targets (deploy/fuzz.sh): clang and its libFuzzer and sanitizer runtimes
  iproute2 procps
  jq  # deploy/quickstart.sh reads the plan's totals and the reports' JSON
  # The web pages: Chart.js is embedded into bangban-hub at build time (web/CMakeLists.txt);
  # headless Chromium runs the browser tests (about 80 MB to download with its libraries), and a
  # small CJK font (1.6 MB) lets it draw the Chinese pages in their screenshots.
  libjs-chart.js chromium fonts-wqy-microhei
  # Clock jumps in the fault-injection tests (libfaketime), never the machine clock.
  faketime
  # promtool checks deploy/prometheus/ (ctest prometheus_rules). Debian ships it only with the
  # Prometheus server, which starts on port 9090 where systemd runs: `systemctl disable --now
  # prometheus` on a machine that should not run one.
  prometheus
  # bench/compare.sh measures NATS JetStream beside bangban (ctest bench_compare_quick runs it).
  nats-server
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: run as root or install sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
