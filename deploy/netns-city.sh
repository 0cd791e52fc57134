#!/usr/bin/env bash
# A small city with every hub and node on a "machine" of its own: each party runs in its own
# Linux network namespace with its own address, joined by veth pairs to a bridge (ip netns +
# veth + a bridge, like hosts on one switch), and talks to the others over TCP exactly as on
# separate machines. Needs root. Nothing touches the host's own network: the bridge lives in a
# namespace of its own too.
#
#   10.14.8.1   运城市 city hub                       listens :7100
#   10.14.8.11  盐湖区 county hub (140802)             listens :7100 (/metrics :8080), upstream the city
#   10.14.8.12  临猗县 county hub (140821)             listens :7100 (/metrics :8080), upstream the city
#   10.14.8.21  YH-BANK-01 bank branch (盐湖区)        upstream 盐湖区
#   10.14.8.22  YH-TOWN-03 township centre, a relay   listens :7200, upstream 盐湖区
#   10.14.8.23  YH-VIL-07 village station             upstream the relay only
#   10.14.8.31  LY-BANK-01 bank branch (临猗县)        upstream 临猗县
#
# It creates the keys, enrolls the counties at the city and the outlets at their county, starts
# every daemon bound to its own address, files applications at each outlet, waits until the city
# holds everything the counties hold, prints each hub's status and the city's SLA report, reads
# each county hub's /metrics from the city's machine (as a monitoring host would scrape it), and
# requires `audit` to be clean at every hub. Everything is torn down on exit (trap): daemons
# stopped, namespaces deleted, also on failure or Ctrl-C. The data dirs are removed after a
# clean run (kept with --keep, and always after a failure; the path is printed).
#
# Usage: sudo deploy/netns-city.sh [--keep]
# Uses the built programs in $BANGBAN_BUILD_DIR (default build/; deploy/build.sh builds them).
# Exit 0: the city holds everything and every audit is clean; 1 otherwise, saying why.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
  esac
done
fail() { echo "netns-city: FAILED: $*" >&2; exit 1; }

bin=${BANGBAN_BUILD_DIR:-$top/build}
hub="$bin/hub/bangban-hub"
node="$bin/node/bangban-node"
[ -x "$hub" ] && [ -x "$node" ] || fail "no bangban-hub or bangban-node in $bin: build first (deploy/build.sh)"
[ "$(id -u)" -eq 0 ] || fail "must run as root: it creates network namespaces (sudo $0)"
command -v ip >/dev/null || fail "the ip command is missing (package iproute2)"

started=$(date +%s)
prefix="bbc$$"          # namespaces of this run only: bbc<pid>-city, bbc<pid>-switch, ...
net=10.14.8
work=$(mktemp -d -t bangban-netns.XXXXXX)
namespaces=()
pids=()
names=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  local i
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null; done
  for i in "${!pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "netns-city: ${names[$i]} did not stop in 10 s: killed" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null
    fi
    wait "${pids[$i]}" 2>/dev/null
  done
  for ((i = ${#namespaces[@]} - 1; i >= 0; i--)); do
    ip netns del "${namespaces[$i]}" 2>/dev/null || echo "netns-city: could not delete namespace ${namespaces[$i]}" >&2
  done
  if [ "$status" -eq 0 ] && [ "$keep" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "netns-city: data dirs and daemon logs kept in $work" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'echo "netns-city: interrupted" >&2; exit 130' INT
trap 'echo "netns-city: terminated" >&2; exit 143' TERM

say() { printf '\n== %s\n' "$*"; }

# ---- the network: one namespace per party, each with eth0 on the bridge of the "switch" ------

ns() { echo "$prefix-$1"; }
add_namespace() {
  ip netns add "$(ns "$1")" || fail "ip netns add $(ns "$1") failed: this kernel or container does not allow network namespaces"
  namespaces+=("$(ns "$1")")
  ip -n "$(ns "$1")" link set lo up
}
# A party: its namespace, and a veth pair from its eth0 (with `address`) to the switch's bridge.
add_host() {  # party address
  add_namespace "$1"
  ip link add eth0 netns "$(ns "$1")" type veth peer name "p-$1" netns "$(ns switch)" ||
    fail "ip link add (veth) for $1 failed"
  ip -n "$(ns switch)" link set "p-$1" master br0 up
  ip -n "$(ns "$1")" addr add "$2/24" dev eth0
  ip -n "$(ns "$1")" link set eth0 up
}
# Runs a command on a party's "machine".
on() {
  local party=$1
  shift
  ip netns exec "$(ns "$party")" "$@"
}
# Starts a daemon on a party's machine, its log in $work/NAME.log.
start() {  # name party command...
  local name=$1 party=$2
  shift 2
  ip netns exec "$(ns "$party")" "$@" 2>"$work/$name.log" &
  pids+=($!)
  names+=("$name")
}

say "Network: a namespace per party on bridge br0 ($net.0/24)"
add_namespace switch
ip -n "$(ns switch)" link add br0 type bridge || fail "ip link add br0 type bridge failed"
ip -n "$(ns switch)" link set br0 up
add_host city "$net.1"
add_host yanhu "$net.11"
add_host linyi "$net.12"
add_host bank "$net.21"
add_host town "$net.22"
add_host village "$net.23"
add_host lybank "$net.31"
for ns_name in "${namespaces[@]}"; do echo "  $ns_name"; done

# ---- keys and enrollments -------------------------------------------------------------------

say "Hubs: keys, and the counties enrolled at the city"
calendars=(--calendar "$top/deploy/calendars/cn-2025.toml" --calendar "$top/deploy/calendars/cn-2026.toml")
city_key=$(on city "$hub" init --data "$work/city" --role city --name 运城市行政审批服务局 --city 1408)
county_hub() {  # party code name
  local key
  key=$(on "$1" "$hub" init --data "$work/$1" --role county --name "$3" --county "$2" --city-key "$city_key" \
    "${calendars[@]}" 2>/dev/null)
  on city "$hub" enroll --data "$work/city" --key "$key" --role county --name "$3" --county "$2" >/dev/null
  echo "$key"
}
yanhu_key=$(county_hub yanhu 140802 盐湖区行政审批服务管理局)
linyi_key=$(county_hub linyi 140821 临猗县行政审批服务管理局)
echo "city   $city_key"
echo "盐湖区 $yanhu_key"
echo "临猗县 $linyi_key"

start city-hub city "$hub" run --data "$work/city" --listen "tcp://$net.1:7100"
start yanhu-hub yanhu "$hub" run --data "$work/yanhu" --listen "tcp://$net.11:7100" --upstream "tcp://$net.1:7100" \
  --http "$net.11:8080"
start linyi-hub linyi "$hub" run --data "$work/linyi" --listen "tcp://$net.12:7100" --upstream "tcp://$net.1:7100" \
  --http "$net.12:8080"

say "Outlets: keys made on each outlet's machine, enrolled by its county hub (handed to its daemon)"
outlet() {  # party outlet-id county-party county-code county-key name upstream [upstream-key]
  local sealing key
  sealing=$(on "$3" "$hub" sealing-key --data "$work/$3")
  key=$(on "$1" "$node" init --data "$work/$1" --outlet-id "$2" --county "$4" --county-key "$5" \
    --sealing-key "$sealing" --upstream "$7" ${8:+--upstream-key "$8"} 2>/dev/null)
  on "$3" "$hub" enroll --data "$work/$3" --key "$key" --role outlet --name "$6" --outlet-id "$2" >/dev/null
  echo "$key"
}
bank_key=$(outlet bank YH-BANK-01 yanhu 140802 "$yanhu_key" 农商银行中城支行 "tcp://$net.11:7100")
town_key=$(outlet town YH-TOWN-03 yanhu 140802 "$yanhu_key" 东郭镇便民服务中心 "tcp://$net.11:7100")
village_key=$(outlet village YH-VIL-07 yanhu 140802 "$yanhu_key" 东郭村便民服务站 "tcp://$net.22:7200" "$town_key")
lybank_key=$(outlet lybank LY-BANK-01 linyi 140821 "$linyi_key" 临猗农商银行城关支行 "tcp://$net.12:7100")
echo "YH-BANK-01 ${bank_key:0:16}  YH-TOWN-03 ${town_key:0:16} (relay)  YH-VIL-07 ${village_key:0:16}  LY-BANK-01 ${lybank_key:0:16}"

start bank-node bank "$node" run --data "$work/bank"
start town-node town "$node" run --data "$work/town" --listen "tcp://$net.22:7200"
start lybank-node lybank "$node" run --data "$work/lybank"
# The relay admits the village station once it has learned the enrollment from the county's
# feed: one exchange (handed to the relay's daemon) before the station starts dialling.
on town "$node" sync --data "$work/town" >/dev/null || fail "the relay's first exchange with 盐湖区 did not complete"
start village-node village "$node" run --data "$work/village"

# ---- applications ---------------------------------------------------------------------------

say "Helpers file applications at each outlet (handed to the outlet's daemon, which sends them at once)"
app() {  # app_id kind entity_name
  printf '{"type":"app.submit","app_id":"%s","kind":"%s","entity_type":"individual","entity_name":"%s","applicant":{"id_number":"11010519491231002X","name":"张三明"},"realname_verified":true,"channel":"outlet","fee_cents":0,"helper":"赵敏","materials":["id_card"]}\n' "$1" "$2" "$3"
}
{ app YH-BANK-01-0001 establish 盐湖区福源商行; app YH-BANK-01-0002 change 盐湖区老字号面馆; } |
  on bank "$node" submit --data "$work/bank" - | sed 's/^/  YH-BANK-01 /'
app YH-TOWN-03-0001 establish 东郭镇农资店 | on town "$node" submit --data "$work/town" - | sed 's/^/  YH-TOWN-03 /'
app YH-VIL-07-0001 establish 东郭村果蔬店 | on village "$node" submit --data "$work/village" - | sed 's/^/  YH-VIL-07  /'
app LY-BANK-01-0001 establish 临猗县城关小吃店 | on lybank "$node" submit --data "$work/lybank" - | sed 's/^/  LY-BANK-01 /'

# ---- replication ----------------------------------------------------------------------------

# "AUTHOR SEQ" for every feed a hub holds (its status --json "heads").
heads() {
  on "$1" "$hub" status --data "$work/$1" --json |
    awk '/^  "heads": \[/ {h = 1; next} h && /^  \]/ {h = 0} h && /"author":/ {gsub(/[",]/, "", $2); a = $2}
         h && /"seq":/ {gsub(/,/, "", $2); print a, $2}'
}
# The seq of a node's own feed.
feed_seq() { on "$1" "$node" status --data "$work/$1" --json | awk '/"feed": \{/ {f = 1} f && /"seq":/ {gsub(/,/, "", $2); print $2; exit}'; }
# True when hub $1 holds every feed of hub $2 at least as far.
holds_all_of() {
  awk 'NR == FNR {have[$1] = $2; next} !($1 in have) || have[$1] + 0 < $2 + 0 {missing++} END {exit missing > 0}' \
    <(heads "$1") <(heads "$2")
}
# True when hub $1 holds node $2's feed up to the node's own seq.
holds_feed_of() {  # hub node key
  local want
  want=$(feed_seq "$2")
  heads "$1" | awk -v k="$3" -v want="$want" '$1 == k && $2 + 0 >= want + 0 {found = 1} END {exit !found}'
}
wait_until() {  # what command...
  local what=$1
  shift
  for _ in $(seq 1 150); do
    "$@" && return 0
    sleep 0.2
  done
  fail "timed out (30 s) waiting until $what"
}

say "Replication: outlets -> (relay) -> counties -> city, each over its own network link"
wait_until "盐湖区 holds YH-BANK-01's records" holds_feed_of yanhu bank "$bank_key"
wait_until "盐湖区 holds YH-TOWN-03's records" holds_feed_of yanhu town "$town_key"
wait_until "盐湖区 holds YH-VIL-07's records (through the relay)" holds_feed_of yanhu village "$village_key"
wait_until "临猗县 holds LY-BANK-01's records" holds_feed_of linyi lybank "$lybank_key"
wait_until "the city holds everything 盐湖区 holds" holds_all_of city yanhu
wait_until "the city holds everything 临猗县 holds" holds_all_of city linyi
echo "every outlet's records are at its county, and every county's at the city"

say "Status of each hub"
for party in city yanhu linyi; do on "$party" "$hub" status --data "$work/$party"; echo; done

say "The city's SLA report"
on city "$hub" report sla --data "$work/city"

say "Monitoring: each county hub's /metrics, fetched over the network from the city's machine"
# One HTTP/1.0 GET with bash's /dev/tcp, bounded by timeout: no HTTP client needed.
metrics() {  # party-to-ask-from address
  on "$1" timeout 10 bash -c 'exec 3<>"/dev/tcp/$0/8080" && printf "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3 && cat <&3' "$2"
}
for county in yanhu:$net.11 linyi:$net.12; do
  party=${county%%:*}
  # Records only grow: what /metrics says after status must be at least what status said.
  held=$(on "$party" "$hub" status --data "$work/$party" --json | sed -n 's/^  "records": \([0-9]*\).*/\1/p')
  page=$(metrics city "${county#*:}") || fail "could not read /metrics of $party from the city's machine"
  stored=$(echo "$page" | sed -n 's/^bangban_records_stored \([0-9]*\).*/\1/p')
  [ -n "$stored" ] && [ "$stored" -ge "$held" ] ||
    fail "/metrics of $party says ${stored:-nothing} records stored, its status said $held"
  echo "$party: bangban_records_stored $stored, $(echo "$page" | grep -c '^bangban_') samples"
done

say "Audit: every hub re-verifies every signature, chain, enrollment and its transparency log"
for party in city yanhu linyi; do
  printf '%-6s ' "$party"
  out=$(on "$party" "$hub" audit --data "$work/$party") || { echo "$out"; fail "the audit of $party is not clean"; }
  echo "$out" | tail -1
done

say "Done in $(($(date +%s) - started)) s: the city holds everything and every audit is clean"
