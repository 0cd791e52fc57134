#!/usr/bin/env bash
# bench/compare.sh: one command, one run, that measures bangban against the machine it runs on
# and against NATS JetStream doing the same job, and prints how they compare.
#
#   usage: bench/compare.sh [--build DIR] [--quick] [--runs N]
#     --build DIR  where bangban-hub and bangban-node come from (default: this checkout's build
#                  dir, $BANGBAN_BUILD_DIR or build/), e.g. an older build to compare before and
#                  after. The script's own helpers (the load generator bangban-many-nodes,
#                  bangban-nats-load, bangban_bench, bangban-echo-hub) always come from this
#                  checkout's build dir, so both builds meet the same load.
#     --quick      every part at a small size, to try the script: quick figures are not measurements
#     --runs N     repeat the measured parts N times (default 1); the summary takes medians
#
# What it measures (docs/performance.md, "bench/compare.sh", says how to read it):
#   1. the machine's raw Ed25519 verify rate, one thread and two (BM_Verify), at the start, at the
#      end, and just before and after each part whose ratio it is the yardstick of (this virtual
#      machine's speed moves by a third within minutes): a part around which it moved by more than
#      a fifth gives no ratio;
#   2. backlog ingest: 1,000 outlet nodes (bangban-many-nodes) push 200 records each, 200,000 in
#      all, at once to a county hub (`bangban-hub run`), acknowledged only once durable; once with
#      outlet.training records and once with a working day's mix (per 10 records: 5 app.submit,
#      2 app.resubmit, 3 feedback.rating);
#   3. edge submit: `bangban-node submit` of 100,000 applications (sealing and fsync included) and
#      of 100,000 plain records; then catch-up: that outlet, offline until now, returns to the hub
#      with its 100,000 records (`bangban-node sync --once`);
#   3b. bursts and the hub's heap: 1,000 nodes push 50 records each (50,000) and then 1,000 each
#      (1,000,000): the hub's heap (RssAnon) at its peak and 2 s after the last ack, and the long
#      burst's rate beside the 200,000-record backlog's;
#   4. steady latency: 200 and 1,000 nodes creating 1,000 records/s together for 30 s, one record
#      a push, and 1,000 nodes creating 10,000 records/s: ack p50/p99/max; then that last load
#      against bangban-echo-hub, a hub that only answers (no verification, no store): what the
#      transport and the load generator alone take of the machine, and so what is left for storing;
#   5. NATS JetStream (Debian's nats-server, installed with apt-get if missing): an edge server
#      (leaf node) whose file-stored stream is sourced by a stream on a hub server; 200,000
#      messages of 400 bytes published at the edge, at most 256 unacknowledged, until the hub
#      holds them all (replication); then the hub stops, 100,000 more are published at the edge,
#      the hub restarts, and the time until it holds them all (catch-up).
# Every figure is printed as a `name value unit` line; everything else starts with `#`. A
# summary table of ratios ends the run. A ratio whose run was starved of CPU (other busy
# processes, or the hub and the load generator using far less CPU than the machine has while
# records wait) is refused, with the reason, instead of printed.
#
# Takes about 8 minutes at full size on two idle cores (25 with --runs 3), plus up to 2 minutes waiting for them
# to be idle. Everything listens on 127.0.0.1 on free ports; every process started is stopped
# when the script ends (also on an error or Ctrl-C), and its temporary directory is removed.
set -euo pipefail
shopt -s inherit_errexit  # a failing command inside $(...) stops the script too
top=$(cd "$(dirname "$0")/.." && pwd)

# ---- options and sizes --------------------------------------------------------------------

helper_build=${BANGBAN_BUILD_DIR:-$top/build}
bangban_build=$helper_build
quick=0
runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) bangban_build=$(cd "${2:?--build needs a directory}" && pwd); shift 2 ;;
    --quick) quick=1; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "error: --runs takes a positive number" >&2; exit 2; }

if [ "$quick" = 1 ]; then
  ingest_nodes=20; ingest_backlog=50; catchup_records=2000; submit_records=2000
  steady_small=20; steady_large=50; steady_rate=200; steady_seconds=3; steady_high_rate=1000
  burst_small=5; burst_large=100
  nats_records=5000; nats_catchup=2000; verify_min_time=0.1; idle_wait=10
else
  ingest_nodes=1000; ingest_backlog=200; catchup_records=100000; submit_records=100000
  steady_small=200; steady_large=1000; steady_rate=1000; steady_seconds=30; steady_high_rate=10000
  burst_small=50; burst_large=1000
  nats_records=200000; nats_catchup=100000; verify_min_time=2; idle_wait=120
fi
nats_size=400
nats_window=256
# A run is starved when other processes took more than this share of the CPUs, or when the hub
# and the load generator together used less than the second share while records waited.
others_limit_pct=10
busy_floor_pct=50

hub_bin=$bangban_build/hub/bangban-hub
node_bin=$bangban_build/node/bangban-node
load_bin=$helper_build/bench/bangban-many-nodes
nats_load_bin=$helper_build/bench/bangban-nats-load
bench_bin=$helper_build/bench/bangban_bench
echo_bin=$helper_build/bench/bangban-echo-hub
for b in "$hub_bin" "$node_bin"; do
  [ -x "$b" ] || { echo "error: $b is missing: build bangban there first" >&2; exit 1; }
done
for b in "$load_bin" "$nats_load_bin" "$bench_bin" "$echo_bin"; do
  [ -x "$b" ] || {
    echo "error: $b is missing: cmake --build $helper_build --target bangban-many-nodes bangban-nats-load bangban_bench bangban-echo-hub" >&2
    exit 1
  }
done
cores=$(nproc)

# ---- processes, cleanup, output -----------------------------------------------------------

work=$(mktemp -d -t bangban-compare.XXXXXX)
started=()   # every background process this script started and has not stopped yet
fg_pid=      # the measured command running now (run_fg), so that a trap can stop it too

stop() {  # PID: TERM, then KILL after 10 s; forgets it
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=() p
  for p in "${started[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  started=("${kept[@]}")
}
cleanup() {
  local status=$? p
  trap - EXIT INT TERM
  [ -n "$fg_pid" ] && stop "$fg_pid"
  for p in "${started[@]}"; do stop "$p"; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'echo "# interrupted" >&2; exit 130' INT
trap 'echo "# terminated" >&2; exit 143' TERM

die() { echo "error: $*" >&2; exit 1; }
note() { echo "# $*"; }
# Runs a command in the background and waits for it, so that Ctrl-C or a TERM reaches the trap
# at once and the trap can stop the command.
run_fg() {
  "$@" &
  fg_pid=$!
  local status=0
  wait "$fg_pid" || status=$?
  fg_pid=
  return "$status"
}
# Shows a log indented as comment lines.
show() { sed 's/^/#   /' "$1"; }

run=1
record() {  # NAME VALUE UNIT: prints the figure and keeps it for the summary
  echo "$1 $2 $3"
  echo "$run $1 $2 $3" >> "$work/figures"
}
# A phase whose CPU was starved: its figures take no part in any ratio.
starve() {  # PHASE REASON
  note "STARVED ($1): $2"
  echo "$run $1 $2" >> "$work/starved"
}

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }

# A TCP port no socket uses (checked in /proc/net/tcp*), and not handed out before.
free_port() {
  local port hex
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 30000))
    hex=$(printf '%04X' "$port")
    if ! awk -v hex=":$hex" 'substr($2, length($2) - 4) == hex { found = 1 } END { exit !found }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null && ! grep -qx "$port" "$work/ports" 2>/dev/null; then
      echo "$port" >> "$work/ports"
      echo "$port"
      return
    fi
  done
  die "no free TCP port found"
}
wait_for_port() {  # PORT WHAT: until something accepts TCP connections there (at most 30 s)
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  die "$2 did not start listening on 127.0.0.1:$1"
}

# ---- CPU accounting -----------------------------------------------------------------------

# The machine's CPU time so far (clock ticks, all cores): busy total iowait steal.
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6, $6, $9 }' /proc/stat; }
# A process's CPU time (user + system, itself and its waited-for children), 0 if it is gone.
ticks_of() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $((${12} + ${13} + ${14} + ${15}))
}
# CPU time of everything this script runs: itself, what it has waited for, and what runs now.
our_ticks() {
  local sum p
  sum=$(ticks_of $$)
  for p in "${started[@]}" $fg_pid; do sum=$((sum + $(ticks_of "$p"))); done
  echo "$sum"
}
phase_begin() { phase_machine=$(machine_ticks); phase_ours=$(our_ticks); }
# Ends a phase: prints what the CPUs did and marks the phase starved if other processes took
# more than others_limit_pct of them (or the hypervisor stole them).
phase_end() {  # PHASE
  local machine ours
  machine=$(machine_ticks)
  ours=$(our_ticks)
  read -r others_pct ours_pct iowait_pct steal_pct < <(awk -v a="$phase_machine" -v b="$machine" \
    -v o1="$phase_ours" -v o2="$ours" 'BEGIN {
      split(a, x, " "); split(b, y, " ")
      busy = y[1] - x[1]; total = y[2] - x[2]; if (total <= 0) total = 1; ours = o2 - o1
      others = busy - ours; if (others < 0) others = 0
      printf "%.0f %.0f %.0f %.0f\n", 100 * others / total, 100 * ours / total,
        100 * (y[3] - x[3]) / total, 100 * (y[4] - x[4]) / total }')
  note "CPUs during $1: this run ${ours_pct}%, other processes ${others_pct}%, iowait ${iowait_pct}%, steal ${steal_pct}% (of $cores cores)"
  if [ "$others_pct" -gt "$others_limit_pct" ]; then
    starve "$1" "other processes used ${others_pct}% of the CPUs (limit ${others_limit_pct}%)"
  elif [ "$steal_pct" -gt 5 ]; then
    starve "$1" "the hypervisor took ${steal_pct}% of the CPUs (steal)"
  fi
}

# Processes using more than 5% of a core over two seconds (not this script's own).
busy_processes() {
  local before after
  before=$( (cat /proc/[0-9]*/stat 2>/dev/null || true) | awk '{ p = 0; while ((k = index(substr($0, p + 1), ") ")) > 0) p += k
    split(substr($0, p + 2), f, " "); c = substr($0, index($0, "(") + 1, p - index($0, "(") - 1)
    gsub(/ /, "_", c); print $1, f[12] + f[13], c }')
  sleep 2
  after=$( (cat /proc/[0-9]*/stat 2>/dev/null || true) | awk '{ p = 0; while ((k = index(substr($0, p + 1), ") ")) > 0) p += k
    split(substr($0, p + 2), f, " "); c = substr($0, index($0, "(") + 1, p - index($0, "(") - 1)
    gsub(/ /, "_", c); print $1, f[12] + f[13], c }')
  awk -v hz="$(getconf CLK_TCK)" -v self=$$ 'NR == FNR { t[$1] = $2; next }
    ($1 in t) && $1 != self { pct = 100 * ($2 - t[$1]) / hz / 2; if (pct > 5) printf "%s %s %.0f%%\n", $1, $3, pct }' \
    <(echo "$before") <(echo "$after") | sort -k3 -rn
}

# Waits (at most idle_wait seconds) until the CPUs are less than others_limit_pct busy.
wait_for_idle() {
  local start before busy pct
  start=$(date +%s)
  while :; do
    before=$(machine_ticks)
    busy=$(busy_processes)  # takes two seconds
    pct=$(awk -v a="$before" -v b="$(machine_ticks)" 'BEGIN { split(a, x, " "); split(b, y, " ")
      t = y[2] - x[2]; if (t <= 0) t = 1; printf "%.0f", 100 * (y[1] - x[1]) / t }')
    note "load average $(cut -d' ' -f1-3 /proc/loadavg); CPUs ${pct}% busy"
    if [ "$pct" -le "$others_limit_pct" ]; then note "the machine is idle"; return; fi
    [ -z "$busy" ] || echo "$busy" | sed 's/^/#   busy: pid /'
    if [ $(($(date +%s) - start)) -ge "$idle_wait" ]; then
      note "the machine is still busy after ${idle_wait} s: measuring anyway; starved parts give no ratio"
      return
    fi
    sleep 3
  done
}

# ---- the machine's verify rate --------------------------------------------------------------

verify_two=  # the two-thread rate verify_rate measured last
verify_rate() {  # WHEN (start, end, or the part it stands beside)
  run_fg "$bench_bin" --benchmark_filter='^BM_Verify' --benchmark_min_time="$verify_min_time" \
    --benchmark_format=csv > "$work/verify.csv" 2>/dev/null || die "bangban_bench failed"
  # Items per CPU second for one thread (a core's rate); per wall-clock second for two.
  record "verify.$1.1thread" "$(awk -F, '$1 == "\"BM_Verify\"" { printf "%.0f", $7 }' "$work/verify.csv")" verifies/s
  verify_two=$(awk -F, '$1 ~ /threads:2/ { printf "%.0f", $7 }' "$work/verify.csv")
  record "verify.$1.2threads" "$verify_two" verifies/s
}

# The yardstick beside the part it measures. This virtual machine's speed moves by a third within
# minutes, so a part's rate is set beside the two-thread verify rate measured just before and just
# after it, not beside the run's start: its ratio is the part's rate over their mean. A part
# around which the verify rate moved by more than a fifth gives no ratio (phase PART.yardstick).
yardstick() {  # NAME: measures the verify rate now; sets verify_two
  phase_begin
  verify_rate "$1"
  phase_end "verify.$1"
}
# Marks PART.yardstick starved when the verify rate moved by more than a fifth around the part.
check_yardstick() {  # PART BEFORE AFTER
  local moved
  moved=$(calc "100 * ($3 - $2) / $2")
  if [ "$moved" -lt -20 ] || [ "$moved" -gt 20 ]; then
    starve "$1.yardstick" "the two-thread verify rate moved from $2 to $3 verifies/s around it"
  fi
}
bracketed_ratio() {  # PART BEFORE AFTER: records PART.verify_ratio from PART.rate of this run
  local rate
  rate=$(awk -v run="$run" -v name="$1.rate" '$1 == run && $2 == name { print $3 }' "$work/figures")
  record "$1.verify_ratio" "$(calc "2 * $rate / ($2 + $3)" 3)" "x"
  check_yardstick "$1" "$2" "$3"
}

# ---- bangban: a hub and its outlets ---------------------------------------------------------

hub_pid=
start_hub() {  # DATA PORT
  # As many descriptors as allowed: one per connected node.
  (ulimit -n "$(ulimit -Hn)"; exec "$hub_bin" run --data "$1" --listen "tcp://127.0.0.1:$2" 2>"$1.log") &
  hub_pid=$!
  started+=("$hub_pid")
  wait_for_port "$2" bangban-hub
}
stop_hub() {  # DATA
  stop "$hub_pid"
  hub_pid=
  local problems
  problems=$(grep -ciE 'warn|error' "$1.log" || true)
  # (grep -m: no pipe into head, whose early exit would be SIGPIPE under pipefail)
  [ "$problems" = 0 ] || { note "hub log: $problems warning/error lines, the first 5:"; grep -m 5 -iE 'warn|error' "$1.log" | sed 's/^/#   /'; }
}
# Records the hub holds in outlet feeds (not its own, such as the applicant links of --mix day).
held() {
  "$hub_bin" status --data "$1" --json |
    awk '/"role": "outlet"/ { outlet = 1; next } outlet && /"seq":/ { gsub(/[^0-9]/, ""); n += $0 } { outlet = 0 }
         END { print n + 0 }'
}

# A fresh county hub with COUNT many-nodes keys (of SEED) enrolled; prints the hub's key.
new_hub() {  # DATA COUNT SEED
  local key
  key=$("$hub_bin" init --data "$1" --role county --name compare --county 140802)
  "$load_bin" keys --count "$2" --seed "$3" > "$1.keys"
  # Four at a time: each enrollment is a write transaction, and LMDB serialises writers.
  HUB_BIN=$hub_bin DATA=$1 xargs -P 4 -n 2 sh -c \
    '"$HUB_BIN" enroll --data "$DATA" --key "$2" --role outlet --name "n$1" --outlet-id "YH-$1" >/dev/null' _ \
    < <(awk '{ print NR, $1 }' "$1.keys")
  echo "$key"
}

# Runs the load generator against a fresh hub. Sets gen_log; checks the hub holds everything.
many_nodes() {  # NAME NODES SEED ARGS...
  local name=$1 nodes=$2 seed=$3 data="$work/$1-$run" port before after expected key
  shift 3
  key=$(new_hub "$data" "$nodes" "$seed")
  before=$(held "$data")
  port=$(free_port)
  start_hub "$data" "$port"
  gen_log="$work/$name.out"
  phase_begin
  run_fg "$load_bin" run --hub "tcp://127.0.0.1:$port" --hub-key "$key" --count "$nodes" --seed "$seed" \
    --hub-pid "$hub_pid" --sealing-key "$("$hub_bin" sealing-key --data "$data")" "$@" > "$gen_log" 2>&1 || { show "$gen_log"; die "$name: the load generator failed"; }
  phase_end "$name" > "$work/$name.cpu"
  stop_hub "$data"
  show "$gen_log"
  cat "$work/$name.cpu"
  after=$(held "$data")
  expected=$(sed -n 's/^records acknowledged: [0-9]* of \([0-9]*\) .*/\1/p' "$gen_log")
  [ "$((after - before))" = "$expected" ] || die "$name: the hub holds $((after - before)) new records, expected $expected"
}
gen_field() { sed -n "$1" "$gen_log" | awk 'NR == 1'; }  # awk reads on: no SIGPIPE

ingest() {  # NAME MIX [RECORDS PER NODE]
  many_nodes "$1" "$ingest_nodes" "$1-$run" --backlog "${3:-$ingest_backlog}" --mix "$2"
  local rate hub_cpu elapsed gen_cpu busy
  rate=$(gen_field 's/^records acknowledged: .* s = \([0-9]*\) records\/s.*/\1/p')
  hub_cpu=$(gen_field 's/^hub CPU in the measured phase: \([0-9.]*\) s in .*/\1/p')
  elapsed=$(gen_field 's/^hub CPU in the measured phase: [0-9.]* s in \([0-9.]*\) s.*/\1/p')
  gen_cpu=$(gen_field 's/^load generator CPU in the measured phase: \([0-9.]*\) s.*/\1/p')
  record "$1.rate" "$rate" records/s
  record "$1.hub_cpu" "$(calc "100 * $hub_cpu / $elapsed")" "%core"
  record "$1.generator_cpu" "$(calc "100 * $gen_cpu / $elapsed")" "%core"
  record "$1.hub_max_rss" "$(gen_field 's/^hub memory: max RSS seen \([0-9.]*\) MiB.*/\1/p')" MiB
  record "$1.hub_heap_max" "$(gen_field 's/^hub memory: max RSS seen .*(anonymous max \([0-9.]*\) MiB.*/\1/p')" MiB
  record "$1.hub_heap_after" "$(gen_field 's/^hub memory 2 s after the last ack: .*(anonymous \([0-9.]*\) MiB.*/\1/p')" MiB
  # Records waited the whole time: a hub not starved keeps the CPUs busy.
  busy=$(calc "100 * ($hub_cpu + $gen_cpu) / ($elapsed * $cores)")
  if [ "$busy" -lt "$busy_floor_pct" ]; then
    starve "$1" "the hub and the load generator used only ${busy}% of the $cores cores while records waited"
  fi
}

steady() {  # NAME NODES RATE
  local name=$1
  many_nodes "$name" "$2" "$name-$run" --rate "$3" --seconds "$steady_seconds"
  steady_figures "$name"
}
steady_figures() {  # NAME: from gen_log
  local name=$1 line hub_cpu elapsed gen_cpu
  record "$name.rate" "$(gen_field 's/^records acknowledged: .* s = \([0-9]*\) records\/s.*/\1/p')" records/s
  hub_cpu=$(gen_field 's/^hub CPU in the measured phase: \([0-9.]*\) s in .*/\1/p')
  elapsed=$(gen_field 's/^hub CPU in the measured phase: [0-9.]* s in \([0-9.]*\) s.*/\1/p')
  gen_cpu=$(gen_field 's/^load generator CPU in the measured phase: \([0-9.]*\) s.*/\1/p')
  record "$name.hub_cpu" "$(calc "100 * $hub_cpu / $elapsed")" "%core"
  record "$name.generator_cpu" "$(calc "100 * $gen_cpu / $elapsed")" "%core"
  line=$(gen_field 's/^ack latency (push sent -> ack received[^)]*): \(.*\)/\1/p')
  record "$name.ack_p50" "$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$line")" ms
  record "$name.ack_p99" "$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$line")" ms
  record "$name.ack_max" "$(sed -n 's/.*max \([0-9.]*\) ms.*/\1/p' <<<"$line")" ms
}

# The same load against bangban-echo-hub, a hub that only answers (no verification, no store):
# what the transport and the load generator alone take of the machine, and the fastest an ack
# can come back (bench/echo_hub.cc).
echo_steady() {  # NAME NODES RATE
  local name=$1 port key
  port=$(free_port)
  (ulimit -n "$(ulimit -Hn)"; exec "$echo_bin" --listen "tcp://127.0.0.1:$port" --seed "$name-$run" \
    > "$work/$name.key" 2> "$work/$name.log") &
  local echo_pid=$!
  started+=("$echo_pid")
  wait_for_port "$port" bangban-echo-hub
  key=$(head -n 1 "$work/$name.key")
  gen_log="$work/$name.out"
  phase_begin
  run_fg "$load_bin" run --hub "tcp://127.0.0.1:$port" --hub-key "$key" --count "$2" --seed "$name-$run" \
    --hub-pid "$echo_pid" --rate "$3" --seconds "$steady_seconds" > "$gen_log" 2>&1 || { show "$gen_log"; die "$name: the load generator failed"; }
  phase_end "$name"
  stop "$echo_pid"
  show "$gen_log"
  steady_figures "$name"
}

# JSON lines for `submit`: applications with valid ID numbers (GB 11643 check digit), or
# plain outlet.training records.
applications() {  # COUNT
  awk -v n="$1" 'BEGIN {
    split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " "); check = "10X98765432"
    for (i = 0; i < n; i++) {
      id = sprintf("14080219850615%03d", i % 1000); sum = 0
      for (k = 1; k <= 17; k++) sum += substr(id, k, 1) * w[k]
      id = id substr(check, sum % 11 + 1, 1)
      printf "{\"type\":\"app.submit\",\"app_id\":\"A-%07d\",\"kind\":\"establish\",\"entity_type\":\"individual\",", i
      printf "\"entity_name\":\"运城市盐湖区老街小吃店%d\",\"applicant\":{\"id_number\":\"%s\",\"name\":\"张三明\"},", i, id
      printf "\"realname_verified\":true,\"channel\":\"outlet\",\"fee_cents\":0,\"helper\":\"李*\",\"materials\":[\"id_card\",\"lease\"]}\n"
    } }'
}
training() {  # COUNT
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "{\"type\":\"outlet.training\",\"outlet_id\":\"YH-1\",\"staff\":\"helper-%d\",\"course\":\"全程电子化登记操作培训\",\"hours\":4}\n", i }'
}

# `submit` of COUNT records (JSON lines in FILE) at an outlet node: one durable commit.
submit_at() {  # NAME NODE_DATA FILE COUNT
  local t0 t1
  phase_begin
  t0=$(now)
  run_fg "$node_bin" submit --data "$2" "$3" > "$work/$1.out" 2>&1 || { show "$work/$1.out"; die "$1 failed"; }
  t1=$(now)
  phase_end "$1"
  record "$1.rate" "$(calc "$4 / ($t1 - $t0)")" records/s
}

edge() {
  local data="$work/edge-hub-$run" key port node_key t0 t1 before after
  key=$("$hub_bin" init --data "$data" --role county --name compare --county 140802)
  port=$(free_port)
  for outlet in apps plain; do
    node_key=$("$node_bin" init --data "$work/$outlet-$run" --outlet "YH-$outlet" --county 140802 --county-key "$key" \
      --sealing-key "$("$hub_bin" sealing-key --data "$data")" --hub "tcp://127.0.0.1:$port" 2>/dev/null)
    "$hub_bin" enroll --data "$data" --key "$node_key" --role outlet --name "$outlet" --outlet-id "YH-$outlet" >/dev/null
  done
  applications "$submit_records" > "$work/applications.jsonl"
  training "$catchup_records" > "$work/training.jsonl"
  submit_at submit.applications "$work/apps-$run" "$work/applications.jsonl" "$submit_records"
  submit_at submit.plain "$work/plain-$run" "$work/training.jsonl" "$catchup_records"

  yardstick before.catchup
  local verify_before=$verify_two
  # The outlet with the plain records was offline while it filed them; now it returns.
  before=$(held "$data")
  start_hub "$data" "$port"
  phase_begin
  t0=$(now)
  run_fg "$node_bin" sync --data "$work/plain-$run" --once > "$work/catchup.out" 2>&1 ||
    { show "$work/catchup.out"; die "catch-up: sync failed"; }
  t1=$(now)
  phase_end catchup
  stop_hub "$data"
  after=$(held "$data")
  [ "$((after - before))" = "$catchup_records" ] || die "catch-up: the hub holds $((after - before)) new records, expected $catchup_records"
  record catchup.seconds "$(calc "$t1 - $t0" 2)" s
  record catchup.rate "$(calc "$catchup_records / ($t1 - $t0)")" records/s
  yardstick after.catchup
  bracketed_ratio catchup "$verify_before" "$verify_two"
}

# ---- NATS JetStream -------------------------------------------------------------------------

install_nats() {
  command -v nats-server >/dev/null && return
  note "installing nats-server (Debian package)"
  apt-get install -y nats-server >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y nats-server >/dev/null; } ||
    die "could not install nats-server (apt-get install nats-server)"
}

nats_pid=
start_nats() {  # DIR NAME [PORT: wait until it listens there]
  nats-server -c "$1/$2.conf" -l "$1/$2.log" &
  nats_pid=$!
  started+=("$nats_pid")
  [ -z "${3:-}" ] || wait_for_port "$3" "nats-server ($2)"
}

nats() {
  local dir="$work/nats-$run" hub_port edge_port leaf_port hub_nats edge_nats
  mkdir -p "$dir"
  hub_port=$(free_port); edge_port=$(free_port); leaf_port=$(free_port)
  cat > "$dir/hub.conf" <<EOF
listen: 127.0.0.1:$hub_port
server_name: hub
jetstream { store_dir: "$dir/hub", domain: hub }
leafnodes { listen: 127.0.0.1:$leaf_port }
EOF
  cat > "$dir/edge.conf" <<EOF
listen: 127.0.0.1:$edge_port
server_name: edge
jetstream { store_dir: "$dir/edge", domain: edge }
leafnodes { remotes: [ { url: "nats-leaf://127.0.0.1:$leaf_port" } ] }
EOF
  start_nats "$dir" hub "$hub_port"
  hub_nats=$nats_pid
  start_nats "$dir" edge "$edge_port"
  edge_nats=$nats_pid
  note "nats-server $(nats-server --version | sed 's/^nats-server: //'): edge (leaf node) and hub, JetStream file storage"
  "$nats_load_bin" setup --edge "127.0.0.1:$edge_port" --hub "127.0.0.1:$hub_port" --edge-domain edge | sed 's/^/# /'
  # One message first, so that the hub's source is connected before the measured phase.
  "$nats_load_bin" replicate --edge "127.0.0.1:$edge_port" --hub "127.0.0.1:$hub_port" --count 1 > /dev/null ||
    die "NATS: the hub never received the first message from the edge"

  phase_begin
  run_fg "$nats_load_bin" replicate --edge "127.0.0.1:$edge_port" --hub "127.0.0.1:$hub_port" --count "$nats_records" \
    --size "$nats_size" --window "$nats_window" > "$dir/replicate.out" || die "NATS replication failed"
  phase_end nats.replicate
  sed 's/^nats\.publish\./nats.replicate.publish_/' "$dir/replicate.out" > "$dir/figures"

  stop "$hub_nats"
  run_fg "$nats_load_bin" publish --edge "127.0.0.1:$edge_port" --count "$nats_catchup" --size "$nats_size" \
    --window "$nats_window" > "$dir/offline.out" || die "NATS: publishing at the edge with the hub down failed"
  sed -n 's/^nats\.publish\.rate /nats.offline_publish.rate /p' "$dir/offline.out" >> "$dir/figures"
  # Timed from the hub's restart: `wait` connects as soon as the hub listens.
  phase_begin
  start_nats "$dir" hub
  hub_nats=$nats_pid
  run_fg "$nats_load_bin" wait --hub "127.0.0.1:$hub_port" --from $((1 + nats_records)) \
    --total $((1 + nats_records + nats_catchup)) > "$dir/wait.out" || die "NATS catch-up failed"
  phase_end nats.catchup
  sed 's/^nats\.restart\./nats.catchup./' "$dir/wait.out" >> "$dir/figures"
  stop "$edge_nats"
  stop "$hub_nats"
  while read -r name value unit; do record "$name" "$value" "$unit"; done < "$dir/figures"
}

# ---- the summary ----------------------------------------------------------------------------

# The median of a figure over the runs not starved in PHASE (or in any of several phases, given
# as one space-separated word list); empty if none.
median() {  # NAME PHASE
  # (FILENAME, not NR == FNR: the list of starved runs is empty when none was)
  awk -v name="$1" -v phases="$2" 'BEGIN { split(phases, list, " "); for (i in list) phase[list[i]] = 1 }
    FILENAME == ARGV[1] { if ($2 in phase) bad[$1] = 1; next }
    $2 == name && !($1 in bad) { v[n++] = $3 + 0 }
    END { if (n == 0) exit; asort_n(v, n); print (n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2) }
    function asort_n(a, n,   i, j, t) { for (i = 1; i < n; i++) for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }' \
    "$work/starved" "$work/figures"
}
why_starved() {  # PHASE...: the first reason given for any of them
  awk -v phases="$*" 'BEGIN { split(phases, list, " "); for (i in list) phase[list[i]] = 1 }
    $2 in phase { p = $2; $1 = ""; $2 = ""; sub(/^  /, ""); print p ": " $0; exit }' "$work/starved"
}

ratio_row() {  # LABEL NUM_NAME NUM_PHASE DEN_NAME DEN_PHASE TARGET: the target is a least ratio
  local num den value
  num=$(median "$2" "$3")
  den=$(median "$4" "$5")
  if [ -z "$num" ] || [ -z "$den" ] || [ "$den" = 0 ]; then
    local why
    why=$( [ -n "$num" ] || why_starved "$3"; [ -n "$den" ] || why_starved "$5")
    echo "| $1 | — | — | refused, starved: ${why//$'\n'/; } | ≥ $6 | |"
    return
  fi
  value=$(calc "$num / $den" 2)
  echo "| $1 | $num | $den | $value | ≥ $6 | $(verdict "$value >= $6") |"
}
verdict() { awk "BEGIN { print ($1) ? \"met\" : \"not met\" }"; }
# A ratio to the verify rate measured around the part (bracketed_ratio): the median of the runs'
# own ratios, over the runs neither starved nor with a moving yardstick.
bracketed_row() {  # LABEL PART TARGET
  local value rate verify
  value=$(median "$2.verify_ratio" "$2 $2.yardstick")
  if [ -z "$value" ]; then
    echo "| $1 | — | — | refused, starved: $(why_starved "$2" "$2.yardstick") | ≥ $3 | |"
    return
  fi
  rate=$(median "$2.rate" "$2 $2.yardstick")
  verify=$(awk -v r="$rate" -v v="$value" 'BEGIN { printf "%.0f", r / v }')
  echo "| $1 | $rate | ≈ $verify | $(calc "$value" 3) | ≥ $3 | $(verdict "$value >= $3") |"
}
# Two parts' rates, each over the verify rate measured around it (bracketed_ratio), so that the
# machine's speed moving between the two parts does not count: the median of the runs' own
# ratios, over the runs in which neither part was starved nor had a moving yardstick.
normalized_row() {  # LABEL PART_A PART_B TARGET
  local value
  value=$(awk -v a="$2" -v b="$3" 'FILENAME == ARGV[1] { if ($2 == a || $2 == a ".yardstick" || $2 == b || $2 == b ".yardstick") bad[$1] = 1; next }
    $2 == a ".verify_ratio" { x[$1] = $3 } $2 == b ".verify_ratio" { y[$1] = $3 }
    END { for (r in x) if ((r in y) && !(r in bad) && y[r] > 0) v[n++] = x[r] / y[r]; if (n == 0) exit
      for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
      printf "%.3f", (n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2) }' "$work/starved" "$work/figures")
  if [ -z "$value" ]; then
    echo "| $1 | — | — | refused, starved: $(why_starved "$2" "$2.yardstick" "$3" "$3.yardstick") | ≥ $4 | |"
    return
  fi
  echo "| $1 | $(median "$2.rate" "$2") | $(median "$3.rate" "$3") | $value | ≥ $4 | $(verdict "$value >= $4") |"
}

# ---- the run --------------------------------------------------------------------------------

touch "$work/figures" "$work/starved"
note "bench/compare.sh: bangban from $bangban_build (hub built $(date -u -r "$hub_bin" '+%Y-%m-%d %H:%M UTC')), helpers from $helper_build"
note "machine: $cores cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
if [ "$quick" = 1 ]; then
  note "--quick: every part at a small size to try the script; these figures are NOT measurements"
fi
install_nats
note "waiting (at most ${idle_wait} s) for an idle machine"
wait_for_idle

note "the machine's raw verify rate, at the start"
phase_begin
verify_rate start
phase_end verify.start

for run in $(seq 1 "$runs"); do
  [ "$runs" = 1 ] || note "---- run $run of $runs"
  if [ "$run" != 1 ]; then note "the verify rate before this run's ingest"; yardstick "before.$run"; fi
  before=$verify_two
  note "backlog ingest: $ingest_nodes nodes x $ingest_backlog outlet.training records at once, acknowledged when durable"
  ingest ingest.backlog training
  yardstick after.ingest.backlog
  bracketed_ratio ingest.backlog "$before" "$verify_two"
  before=$verify_two
  note "backlog ingest, a working day's mix: $ingest_nodes nodes x $ingest_backlog records (per 10: 5 app.submit, 2 app.resubmit, 3 feedback.rating)"
  ingest ingest.day day
  yardstick after.ingest.day
  bracketed_ratio ingest.day "$before" "$verify_two"
  note "edge submit ($submit_records applications, $catchup_records plain records) and catch-up of $catchup_records records"
  edge
  note "bursts: $ingest_nodes nodes x $burst_small and x $burst_large outlet.training records at once: the hub's heap"
  ingest burst.small training "$burst_small"
  yardstick before.burst.large
  before=$verify_two
  ingest burst.large training "$burst_large"
  yardstick after.burst.large
  bracketed_ratio burst.large "$before" "$verify_two"
  for nodes in "$steady_small" "$steady_large"; do
    note "steady: $nodes nodes, $steady_rate records/s together for $steady_seconds s, one record a push"
    steady "steady.$nodes" "$nodes" "$steady_rate"
  done
  yardstick before.steady_high
  before=$verify_two
  note "steady, ten times the load: $steady_large nodes, $steady_high_rate records/s together for $steady_seconds s"
  steady "steady_high.$steady_large" "$steady_large" "$steady_high_rate"
  note "the same against bangban-echo-hub, which only answers: the machine's ceiling for that load"
  echo_steady "steady_echo.$steady_large" "$steady_large" "$steady_high_rate"
  yardstick after.steady_echo
  # The verify rate of these two parts (their budget in the summary): the mean of the two around them.
  record "steady_echo.$steady_large.verify_rate" "$(calc "($before + $verify_two) / 2")" verifies/s
  check_yardstick "steady_echo.$steady_large" "$before" "$verify_two"
  note "NATS JetStream: $nats_records messages of $nats_size bytes, window $nats_window, edge stream sourced by the hub; then catch-up of $nats_catchup"
  nats
done

note "the machine's raw verify rate, at the end"
phase_begin
run=0  # not a run's figure
verify_rate end
phase_end verify.end

# The ratios to the verify rate use the rates measured around each part (yardstick); the start
# and the end say how far the machine's speed moved over the whole run.
v0=$(awk '$2 == "verify.start.2threads" { print $3 }' "$work/figures")
v1=$(awk '$2 == "verify.end.2threads" { print $3 }' "$work/figures")
note "the two-thread verify rate was $v0/s at the start and $v1/s at the end ($(calc "($v1 - $v0) * 100 / $v0")%)"

echo
echo "## Summary"
echo
[ "$quick" = 0 ] || { echo "*--quick: small sizes, not measurements.*"; echo; }
echo "| ratio | numerator | denominator | value | target | |"
echo "|---|---|---|---|---|---|"
bracketed_row "backlog ingest / two-thread verify rate (measured just before and after it)" ingest.backlog 0.75
bracketed_row "working-day ingest / two-thread verify rate (measured just before and after it)" ingest.day 0.75
normalized_row "catch-up / backlog ingest (each over the verify rate around it)" catchup ingest.backlog 0.8
normalized_row "long burst ($((ingest_nodes * burst_large)) records) / backlog ingest (each over the verify rate around it)" \
  burst.large ingest.backlog 0.9
ratio_row "bangban backlog ingest / NATS replication" ingest.backlog.rate ingest.backlog nats.replicate.rate nats.replicate 1.6
ratio_row "bangban catch-up / NATS catch-up (from the hub's restart)" catchup.rate catchup nats.catchup.rate nats.catchup 3
ratio_row "bangban catch-up / NATS catch-up transfer (from its first message)" catchup.rate catchup \
  nats.catchup.transfer_rate nats.catchup 3
echo
echo "| steady | ack p50 | ack p99 | ack max | target |"
echo "|---|---|---|---|---|"
for row in "steady.$steady_small $steady_small $steady_rate" "steady.$steady_large $steady_large $steady_rate" \
  "steady_high.$steady_large $steady_large $steady_high_rate"; do
  read -r name nodes rate <<<"$row"
  # Latency is shown even from a starved run (there is no ratio to refuse), marked as such.
  why=$(why_starved "$name")
  p99=$(median "$name.ack_p99" x)
  target=
  [ "$name" != "steady_high.$steady_large" ] || target="p99 ≤ 5 ms: $(verdict "${p99:-1e9} <= 5")"
  echo "| $nodes nodes, $rate records/s${why:+ (starved: $why)} | $(median "$name.ack_p50" x) ms |" \
    "$p99 ms | $(median "$name.ack_max" x) ms | $target |"
done
echo
# What the steady load of ten times leaves for storing, from the same run's figures: the load
# generator and the transport (the echo hub's CPU), and the verification at the rate measured
# around those parts.
high="steady_high.$steady_large"; echo_name="steady_echo.$steady_large"
gen=$(median "$echo_name.generator_cpu" "$echo_name"); transport=$(median "$echo_name.hub_cpu" "$echo_name")
verify2=$(median "$echo_name.verify_rate" "$echo_name.yardstick")
echo "| $steady_large nodes, $steady_high_rate records/s, one record a push | share of one core |"
echo "|---|---|"
if [ -n "$gen" ] && [ -n "$transport" ] && [ -n "$verify2" ]; then
  verifying=$(calc "100 * $steady_high_rate * $cores / $verify2")
  echo "| load generator (against the echo hub) | ${gen}% |"
  echo "| transport: bangban-echo-hub's CPU (ZeroMQ, CurveZMQ both ways, messages; ack p99 $(median "$echo_name.ack_p99" x) ms) | ${transport}% |"
  echo "| verifying $steady_high_rate signatures/s at the two-thread rate measured around these parts ($verify2/s on $cores cores) | ${verifying}% |"
  echo "| left of the machine's $((100 * cores))% for storing and acknowledging | $((100 * cores - gen - transport - verifying))% |"
  echo "| bangban-hub at that load: CPU, records acknowledged | $(median "$high.hub_cpu" x)%, $(median "$high.rate" x) records/s |"
else
  echo "| refused, starved: $(why_starved "$echo_name" "$echo_name.yardstick") | |"
fi
echo
# The heap does not depend on the CPU the hub got: shown from every run.
small_peak=$(median burst.small.hub_heap_max x)
large_peak=$(median burst.large.hub_heap_max x)
echo "| hub heap (RssAnon) | $((ingest_nodes * burst_small)) records | $((ingest_nodes * burst_large)) records | target |"
echo "|---|---|---|---|"
echo "| peak | $small_peak MiB | $large_peak MiB | < 160 MiB: $(verdict "$large_peak < 160") |"
echo "| ratio of the peaks | | $(calc "$large_peak / $small_peak" 2) | ≤ 1.5: $(verdict "$large_peak <= 1.5 * $small_peak") |"
echo "| 2 s after the last ack | $(median burst.small.hub_heap_after x) MiB | $(median burst.large.hub_heap_after x) MiB | |"
