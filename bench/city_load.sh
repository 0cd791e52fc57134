#!/usr/bin/env bash
# Whole-system run: NODES outlet nodes each file RECORDS records offline, then all sync at once
# to a county hub over ZeroMQ/CurveZMQ on loopback. Prints the submit rate at an outlet and the
# hub's durable ingest rate (records acknowledged per second, signatures verified, LMDB
# committed with fsync, transparency log and projections updated).
#   usage: bench/city_load.sh [NODES] [RECORDS]     (default 20 nodes x 5000 records)
#   BANGBAN_NO_BUILD=1: use the build dir as it is (no deploy/build.sh first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ -n "${BANGBAN_NO_BUILD:-}" ] || "$top/deploy/build.sh" >/dev/null
bin=${BANGBAN_BUILD_DIR:-$top/build}
node="$bin/node/bangban-node"; hub="$bin/hub/bangban-hub"
nodes=${1:-20}; records=${2:-5000}
work=$(mktemp -d -t bangban-load.XXXXXX)
port=$((20000 + RANDOM % 12000)); ep="tcp://127.0.0.1:$port"  # below the ephemeral ports (32768 and up)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
now() { date +%s.%N; }

hub_key=$("$hub" init --data "$work/hub" --role county --name load --county 140802)
for i in $(seq 1 "$nodes"); do
  key=$("$node" init --data "$work/n$i" --outlet "YH-$i" --county 140802 --county-key "$hub_key" --hub "$ep" 2>/dev/null)
  "$hub" enroll --data "$work/hub" --key "$key" --role outlet --name "n$i" --outlet-id "YH-$i" >/dev/null
done
# Outlet training records: the hub's cost per record does not depend on the type.
awk -v n="$records" 'BEGIN { for (i = 0; i < n; i++) printf "{\"type\":\"outlet.training\",\"outlet_id\":\"YH\",\"staff\":\"helper-%d\",\"course\":\"全程电子化登记操作培训\",\"hours\":4}\n", i }' > "$work/training.jsonl"
t0=$(now)
"$node" submit --data "$work/n1" "$work/training.jsonl" >/dev/null
t1=$(now)
for i in $(seq 2 "$nodes"); do "$node" submit --data "$work/n$i" "$work/training.jsonl" >/dev/null & done
wait
awk -v n="$records" -v a="$t0" -v b="$t1" 'BEGIN { printf "outlet submit: %d durable records in %.2f s = %.0f records/s\n", n, b - a, n / (b - a) }'

# The records the hub holds before (its own and the enrollments): the sync must add exactly ours.
records_held() { "$hub" status --data "$work/hub" --json | sed -n 's/^  "records": \([0-9]*\).*/\1/p'; }
before=$(records_held)
"$hub" run --data "$work/hub" --listen "$ep" 2>"$work/hub.log" &
sleep 0.5
t2=$(now)
for i in $(seq 1 "$nodes"); do "$node" sync --data "$work/n$i" --once >/dev/null & done
wait $(jobs -p | tail -n "$nodes")
t3=$(now)
total=$((nodes * records))
awk -v n="$total" -v a="$t2" -v b="$t3" -v k="$nodes" 'BEGIN { printf "hub ingest: %d records from %d nodes in %.2f s = %.0f records/s (acknowledged, durable)\n", n, k, b - a, n / (b - a) }'
added=$(($(records_held) - before))
echo "hub holds $added new records (expected $total)"
[ "$added" -eq "$total" ] || { echo "error: the hub does not hold every record synced" >&2; exit 1; }
