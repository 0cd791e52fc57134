#!/usr/bin/env bash
# Whole-system run with many nodes: NODES outlet nodes, simulated in one process
# (bangban-many-nodes), connect at once to one county hub (`bangban-hub run`) over
# ZeroMQ/CurveZMQ on loopback, then push records. Prints the handshake time, ack latency
# p50/p90/p99/max, the acknowledged rate and the hub's memory (VmRSS, VmHWM), and checks that
# the hub holds every record afterwards.
#   usage: bench/many_nodes.sh [NODES] [RATE] [SECONDS] [BACKLOG]      (default 1000 1000 30 0)
#   steady (BACKLOG 0): the nodes together create RATE records/s for SECONDS, one record a push
#   backlog (BACKLOG > 0): every node pushes BACKLOG records at once; RATE and SECONDS unused
#   BANGBAN_MIX=day: a working day's records (applications sealed to the hub's published key)
#   instead of outlet.training only
#   BANGBAN_HUB_WRAP="heaptrack -o FILE": run the hub under a profiler (heaptrack, valgrind ...)
#   BANGBAN_NO_BUILD=1: use build/ as it is (no deploy/build.sh first)
#   BANGBAN_STALL_SECONDS=S: the load generator gives up after S s without progress (default 10)
#   BANGBAN_ECHO_HUB=1: against bangban-echo-hub instead, a hub that only answers (no
#   verification, no store): the machine's ceiling for the same load (training records only)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${BANGBAN_NO_BUILD:-}" ] && ! build_log=$("$top/deploy/build.sh" 2>&1); then
  echo "$build_log" | tail -n 20 >&2; echo "error: the build failed" >&2; exit 1
fi
bin=${BANGBAN_BUILD_DIR:-$top/build}
hub="$bin/hub/bangban-hub"; load="$bin/bench/bangban-many-nodes"
nodes=${1:-1000}; rate=${2:-1000}; seconds=${3:-30}; backlog=${4:-0}
work=$(mktemp -d -t bangban-many.XXXXXX)
port=$((20000 + RANDOM % 12000)); ep="tcp://127.0.0.1:$port"  # below the ephemeral ports (32768 and up)
seed=bench  # node keys are derived from it; every run starts a fresh hub, so one seed does
hub_pid=; wrap_pid=; sealing_key=
cleanup() {
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  if [ -n "$wrap_pid" ]; then wait "$wrap_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
# Records the hub holds in outlet feeds (its own records, such as the applicant links its
# linker writes for the applications of --mix day, are not counted).
held() {
  "$hub" status --data "$work/hub" --json |
    awk '/"role": "outlet"/ { outlet = 1; next } outlet && /"seq":/ { gsub(/[^0-9]/, ""); n += $0 } { outlet = 0 }
         END { print n + 0 }'
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
echo_hub=${BANGBAN_ECHO_HUB:+1}
if [ -n "$echo_hub" ]; then
  [ -z "${BANGBAN_MIX:-}" ] || { echo "error: BANGBAN_ECHO_HUB takes training records only" >&2; exit 2; }
  hub="$bin/bench/bangban-echo-hub"
else
  hub_key=$("$hub" init --data "$work/hub" --role county --name load --county 140802)
  # The key of the period init published: applications (--mix day) are sealed to it, as at an outlet.
  sealing_key=$("$hub" sealing-key --data "$work/hub")
  "$load" keys --count "$nodes" --seed "$seed" > "$work/keys"

  # Enroll every node. Four at a time: each enrollment appends to the hub's feed inside its own LMDB
  # write transaction, and LMDB serialises writers across processes.
  t0=$(now)
  enroll() { "$hub" enroll --data "$work/hub" --key "$2" --role outlet --name "n$1" --outlet-id "YH-$1" >/dev/null; }
  export -f enroll; export hub work
  awk '{ print NR, $1 }' "$work/keys" | xargs -P 4 -n 2 bash -c 'enroll "$@"' _
  t1=$(now)
  awk -v n="$nodes" -v a="$t0" -v b="$t1" 'BEGIN { printf "enrolled %d nodes in %.1f s\n", n, b - a }'
  before=$(held)
fi

# The hub gets as many descriptors as the hard limit allows: one per connected node, and the
# default soft limit (often 1024) is too low for a thousand nodes.
read -r -a wrap <<< "${BANGBAN_HUB_WRAP:-}"
if [ -n "$echo_hub" ]; then
  (ulimit -n "$(ulimit -Hn)"; exec "${wrap[@]}" "$hub" --listen "$ep" --seed "$seed" >"$work/echo.key" 2>"$work/hub.log") &
  hub_pid=$!
  for _ in $(seq 50); do [ -s "$work/echo.key" ] && break; sleep 0.1; done
  hub_key=$(head -n 1 "$work/echo.key")
else
  (ulimit -n "$(ulimit -Hn)"; exec "${wrap[@]}" "$hub" run --data "$work/hub" --listen "$ep" 2>"$work/hub.log") &
  hub_pid=$!
fi
sleep 0.5
if [ "${#wrap[@]}" -gt 0 ]; then
  # heaptrack runs the hub as its child: signal and sample the hub itself. valgrind runs it in
  # its own process: no child appears, and the wrapper's pid is the hub's.
  wrap_pid=$hub_pid; hub_pid=
  for _ in $(seq 25); do
    child=$(pgrep -P "$wrap_pid" -f -- "$(basename "$hub")" || true)
    if [ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$(readlink -f "$hub")" ]; then hub_pid=$child; break; fi
    sleep 0.2
  done
  if [ -z "$hub_pid" ]; then hub_pid=$wrap_pid; wrap_pid=; fi
  sleep 3  # a profiler starts slowly
fi
echo "hub pid $hub_pid, open files limit $(awk '/^Max open files/ { print $4 }' "/proc/$hub_pid/limits") (soft)"

if [ "$backlog" -gt 0 ]; then
  mode=(--backlog "$backlog"); expected=$((nodes * backlog))
else
  mode=(--rate "$rate" --seconds "$seconds"); expected=$(( (rate * seconds + nodes - 1) / nodes * nodes ))
fi
status=0
"$load" run --hub "$ep" --hub-key "$hub_key" --count "$nodes" --seed "$seed" "${mode[@]}" --hub-pid "$hub_pid" \
  ${sealing_key:+--sealing-key "$sealing_key"} ${BANGBAN_MIX:+--mix "$BANGBAN_MIX"} ${BANGBAN_STALL_SECONDS:+--stall-seconds "$BANGBAN_STALL_SECONDS"} ||
  status=$?

kill -TERM "$hub_pid"
if [ -n "$wrap_pid" ]; then
  while kill -0 "$hub_pid" 2>/dev/null; do sleep 0.2; done; wait "$wrap_pid" || true; wrap_pid=
else
  wait "$hub_pid" || true
fi
hub_pid=
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -qiE 'warn|error' "$work/hub.log"; then
  echo "hub log, warnings and errors ($(grep -ciE 'warn|error' "$work/hub.log") lines; the first 10):"
  grep -iE 'warn|error' "$work/hub.log" | head -n 10 | sed 's/^/  /'
fi
[ -z "$echo_hub" ] || exit "$status"  # the echo hub stores nothing to check
after=$(held)
echo "hub holds $((after - before)) new records (expected $expected)"
if [ "$((after - before))" -ne "$expected" ]; then
  echo "error: the hub does not hold every record pushed" >&2
  status=1
fi
exit "$status"
