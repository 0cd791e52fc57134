#!/usr/bin/env bash
# bangban in a few minutes: builds everything, then plays a living slice of Yuncheng on this
# machine, on a simulated clock that runs fast (BANGBAN_CLOCK_SPEED; docs/operations.md "Clock"):
#   - the city hub (运城市) and county hubs run as daemons, each county replicating to the city
#     over ZeroMQ/CurveZMQ; the city serves the dashboard, the first county its review desk;
#   - each county has outlets of every kind: a township centre that also relays for the village
#     stations, a bank branch, a market-supervision office, village stations that are offline
#     most of the day and catch up when their link comes up, and one station that only ever
#     carries a USB bundle to the county;
#   - bangban-sim plays a working day (or more): helpers file applications by kind in opening
#     hours (the applicant's ID is sealed at the outlet), reviewers accept, approve, return for
#     correction and reject with realistic delays, a few cases run late and turn yellow and red,
#     one helper charges a fee, applicants complain and rate. The workload is fixed by --seed;
#   - at the end: every county's SLA report, the city's oversight report, the plan's totals next
#     to the city's figures, audit at every hub, a receipt checked offline, and a search of every
#     byte of every data dir for the applicants' clear ID numbers and names.
# Then the dashboard stays up (URL and login printed) until Ctrl-C; --once exits instead.
# Everything happens in a temporary directory (kept, and printed).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<'EOF'
usage: deploy/quickstart.sh [--counties N] [--outlets N] [--days N] [--seed S] [--full] [--once]
                            [--speed N] [--start YYYY-MM-DD] [--no-build]
  --counties N   county hubs, the first N of Yuncheng's 13 (盐湖区 first; default 3)
  --outlets N    outlets per county (default 4: township centre, bank branch, village station, market)
  --days N       working days to play (default 1)
  --seed S       the workload's seed (default 1): the same seed files and decides the same things
  --full         all 13 county hubs (the development zone is served by 盐湖区)
  --once         exit after the report instead of leaving the dashboard running
  --speed N      simulated seconds per real second (default 240: a working day in under 3 minutes,
                 and a real second of replication is 4 simulated minutes, small against the half-day SLA)
  --start DATE   the first simulated day (default 2026-03-02, a Monday in annual-report season)
  --no-build     use the programs already built (in $BANGBAN_BUILD_DIR or build/)
EOF
}

counties=3 outlets=4 days=1 seed=1 once=0 speed=240 start=2026-03-02 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --counties | --outlets | --days | --seed | --speed | --start)
      [ $# -ge 2 ] || { echo "error: usage: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --counties) counties=$2 ;; --outlets) outlets=$2 ;; --days) days=$2 ;;
        --seed) seed=$2 ;; --speed) speed=$2 ;; --start) start=$2 ;;
      esac
      shift 2 ;;
    --full) counties=13; shift ;;
    --once) once=1; shift ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: usage: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$counties" "$outlets" "$days" "$seed"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "error: usage: '$n' is not a whole number" >&2; exit 2; }
done
[[ "$speed" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "error: usage: --speed '$speed' is not a number such as 240" >&2; exit 2; }

[ "$build" -eq 1 ] && "$top/deploy/build.sh" >/dev/null
bin=${BANGBAN_BUILD_DIR:-$top/build}
node="$bin/node/bangban-node"
hub="$bin/hub/bangban-hub"
sim="$bin/sim/bangban-sim"
for program in "$node" "$hub" "$sim"; do
  [ -x "$program" ] || { echo "error: input: $program is not built (run without --no-build)" >&2; exit 1; }
done
work=$(mktemp -d -t bangban-quickstart.XXXXXX)
mkdir -p "$work/logs" "$work/counties" "$work/outlets"
# Below Linux's ephemeral range (32768 and up): a port picked there may already be the local end
# of some connection (this run's own included), and the daemon could not listen on it.
base_port=${BANGBAN_PORT:-$((20000 + RANDOM % 12000))}
city_ep="tcp://127.0.0.1:$base_port"
http_city=$((base_port + 40))
http_county=$((base_port + 41))
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
calendars=(--calendar "$top/deploy/calendars/cn-2025.toml" --calendar "$top/deploy/calendars/cn-2026.toml")

say "The plan: $counties county hub(s), $outlets outlets each, $days working day(s) from $start, seed $seed"
"$sim" plan --map "$top/deploy/yuncheng" --out "$work/plan" --seed "$seed" --counties "$counties" \
  --outlets "$outlets" --days "$days" --start "$start" \
  --calendar "$top/deploy/calendars/cn-2025.toml" --calendar "$top/deploy/calendars/cn-2026.toml" >/dev/null
jq -r '"\(.applications) applications (" + ([.by_kind | to_entries[] | "\(.key) \(.value)"] | join(", ")) +
  "), \(.complaints) complaint(s), \(.fee_violations) fee violation(s), \(.late_cases) late case(s)"' \
  "$work/plan/totals.json"

# Keys and configuration are made with the clock fixed at 08:00 of the first day; the parties
# then run on the running clock from 08:20 (every one a simulation party: init --simulation).
export BANGBAN_NOW="${start}T08:00:00+08:00"
unset BANGBAN_CLOCK_EPOCH BANGBAN_CLOCK_SPEED

say "Keys and configuration: the city hub, the county hubs, the outlets"
city_key=$("$hub" init --data "$work/city" --role city --name 运城市行政审批服务局 --city 1408 --simulation \
  "${calendars[@]}" 2>"$work/logs/city.init")
password=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$hub" user add --data "$work/city" --name a01 --role city_auditor >/dev/null
printf '%s\n' "$password" | "$hub" user passwd --data "$work/city" --name a01 >/dev/null
echo "city 1408   ${city_key:0:16}…"
declare -A county_key county_ep sealing outlet_key relay_ep
county_index=0 relay_index=0
while IFS=$'\t' read -r what id f1 f2 f3 f4 f5 f6 f7 f8; do
  if [ "$what" = county ]; then
    dir="$work/counties/$id"
    county_key[$id]=$("$hub" init --data "$dir" --role county --name "${f1}行政审批服务管理局" --county "$id" \
      --city-key "$city_key" --simulation "${calendars[@]}" 2>"$work/logs/county-$id.init")
    "$hub" enroll --data "$work/city" --key "${county_key[$id]}" --role county --name "${f1}行政审批服务管理局" \
      --county "$id" >/dev/null
    sealing[$id]=$("$hub" sealing-key --data "$dir")
    "$hub" townships --data "$dir" "$top/deploy/yuncheng/townships.csv" >/dev/null
    for r in r01 r02; do "$hub" user add --data "$dir" --name "$r" --role reviewer >/dev/null; done
    county_ep[$id]="tcp://127.0.0.1:$((base_port + 1 + county_index))"
    county_index=$((county_index + 1))
    echo "county $id ${f1}  ${county_key[$id]:0:16}…  reviewers r01 r02"
  else
    # outlet ID COUNTY KIND RELAY RELAYS BUNDLE_ONLY DAEMON TOWNSHIP_CODE NAME
    county=$f1 relay=$f3 relays=$f4 bundle_only=$f5 name=$f8
    args=(--data "$work/outlets/$id" --outlet-id "$id" --county "$county" --county-key "${county_key[$county]}"
      --sealing-key "${sealing[$county]}" --simulation)
    if [ "$bundle_only" = 1 ]; then
      :  # no link at all: its records travel by USB bundle
    elif [ "$relay" != - ]; then
      args+=(--upstream "${relay_ep[$relay]}" --upstream-key "${outlet_key[$relay]}")
    else
      args+=(--upstream "${county_ep[$county]}")
    fi
    outlet_key[$id]=$("$node" init "${args[@]}" 2>/dev/null)
    "$hub" enroll --data "$work/counties/$county" --key "${outlet_key[$id]}" --role outlet --name "$name" \
      --outlet-id "$id" >/dev/null
    if [ "$relays" = 1 ]; then
      relay_ep[$id]="tcp://127.0.0.1:$((base_port + 20 + relay_index))"
      relay_index=$((relay_index + 1))
    fi
    link="online"
    [ "$relay" != - ] && link="offline most of the day, syncs through $relay"
    [ "$bundle_only" = 1 ] && link="no link: USB bundle"
    [ "$relays" = 1 ] && link="online, relays for its villages"
    printf '  %-10s %-20s %s (%s)\n' "$id" "$f2" "$name" "$link"
  fi
done <"$work/plan/parties.tsv"
first_county=$(awk -F'\t' '$1 == "county" { print $2; exit }' "$work/plan/parties.tsv")
printf '%s\n' "$password" | "$hub" user passwd --data "$work/counties/$first_county" --name r01 >/dev/null

# The running clock: every process below gets the same three values, so all agree.
export BANGBAN_NOW="${start}T08:20:00+08:00"
export BANGBAN_CLOCK_EPOCH=$(($(date +%s%N) / 1000000))
export BANGBAN_CLOCK_SPEED=$speed

say "Starting every party on loopback (the clock runs $speed times as fast as real time)"
"$hub" run --data "$work/city" --listen "$city_ep" --http "127.0.0.1:$http_city" 2>"$work/logs/city.log" & pids+=($!)
for id in "${!county_key[@]}"; do
  extra=()
  [ "$id" = "$first_county" ] && extra=(--http "127.0.0.1:$http_county")
  "$hub" run --data "$work/counties/$id" --listen "${county_ep[$id]}" --upstream "$city_ep" \
    --upstream-key "$city_key" "${extra[@]}" 2>"$work/logs/county-$id.log" & pids+=($!)
done
while IFS=$'\t' read -r what id _ _ _ relays _ daemon _ _; do
  [ "$what" = outlet ] && [ "$daemon" = 1 ] || continue
  listen=()
  [ "$relays" = 1 ] && listen=(--listen "${relay_ep[$id]}")
  "$node" run --data "$work/outlets/$id" "${listen[@]}" 2>"$work/logs/outlet-$id.log" & pids+=($!)
done <"$work/plan/parties.tsv"
# Bounded: every daemon's control socket within 30 s.
for _ in $(seq 1 150); do
  up=$(find "$work" -name control.sock | wc -l)
  [ "$up" -ge "${#pids[@]}" ] && break
  sleep 0.2
done
echo "${#pids[@]} daemons running; logs in $work/logs"

say "The day: outlets file, villages catch up, reviewers decide (simulated time, what has happened so far)"
"$sim" play --plan "$work/plan/plan.json" --work "$work" --node "$node" --hub "$hub" | sed -u 's/^/  /'

# What the city's oversight report counts, as the plan's totals name it.
city_figures() {
  "$hub" report oversight --data "$work/city" --json | jq -S -c '(.total // .counties[0]) as $t | {
    applications: ($t.services.applications // 0),
    by_kind: ($t.services.by_kind // {}),
    fee_violations: (($t.fee_violations // []) | length),
    complaints: ($t.complaints.filed // 0)}'
}
plan_figures() { jq -S -c '{applications, by_kind, fee_violations, complaints}' "$work/plan/totals.json"; }

say "Replication: every county's records reach the city"
for _ in $(seq 1 300); do
  [ "$(city_figures)" = "$(plan_figures)" ] && break
  sleep 0.2
done

for id in $(awk -F'\t' '$1 == "county" { print $2 }' "$work/plan/parties.tsv"); do
  say "SLA report of county $id"
  "$hub" report sla --data "$work/counties/$id"
done

say "The city's oversight report"
"$hub" report oversight --data "$work/city"

say "The plan and the city's figures"
city=$(city_figures)
plan=$(plan_figures)
printf '  %-24s %6s %6s\n' figure plan city
row() { printf '  %-24s %6s %6s\n' "$1" "$(jq -r "$2 // 0" <<<"$plan")" "$(jq -r "$2 // 0" <<<"$city")"; }
row applications .applications
for kind in establish change deregister annual_report; do row "applications.$kind" ".by_kind.$kind"; done
row fee_violations .fee_violations
row complaints .complaints
if [ "$city" != "$plan" ]; then
  echo "the city's figures differ from the plan's" >&2
  exit 1
fi

say "Audit: every hub re-verifies every signature, chain, enrollment and its transparency log"
echo "  the city hub:"
"$hub" audit --data "$work/city" | sed 's/^/    /'
for id in $(awk -F'\t' '$1 == "county" { print $2 }' "$work/plan/parties.tsv"); do
  echo "  county hub $id:"
  "$hub" audit --data "$work/counties/$id" | sed 's/^/    /'
done

say "A receipt: the county's signed proof that it holds a record of an outlet, checked offline"
bank=$(awk -F'\t' '$1 == "outlet" && $4 == "bank_branch" { print $2; exit }' "$work/plan/parties.tsv")
bank_county=$(awk -F'\t' -v id="$bank" '$1 == "outlet" && $2 == id { print $3 }' "$work/plan/parties.tsv")
head_id=$("$node" status --data "$work/outlets/$bank" --json | jq -r .feed.head)
"$node" receipt --data "$work/outlets/$bank" "$head_id" >"$work/receipt.json"
printf '  %s, record %s…: ' "$bank" "${head_id:0:16}"
"$node" verify-receipt --hub-key "${county_key[$bank_county]}" "$work/receipt.json"

say "Personal data: no clear ID number or name in any file of any party"
if grep -r -l -a -F -f "$work/plan/clear-values.txt" "$work/city" "$work/counties" "$work/outlets"; then
  echo "FOUND clear personal data" >&2
  exit 1
fi
echo "none of the $(wc -l <"$work/plan/clear-values.txt") clear values found (searched every byte of every data dir)"

say "Data dirs: $work (city/, counties/CODE/, outlets/ID/; daemon logs in logs/)"
if [ "$once" -eq 1 ]; then exit 0; fi
say "The dashboard: http://127.0.0.1:$http_city/  (login a01, password $password)"
echo "   the review desk of county $first_county: http://127.0.0.1:$http_county/  (login r01, same password)"
echo "   the clock keeps running; Ctrl-C stops every party"
wait
