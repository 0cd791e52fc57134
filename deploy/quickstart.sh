#!/usr/bin/env bash
# bangban in five minutes: builds everything, then plays a slice of Yuncheng on this machine.
#   - the city hub (运城市) and the county hub of 盐湖区 run as daemons, the county replicating
#     to the city over ZeroMQ/CurveZMQ;
#   - three outlets are enrolled: a bank branch, a township centre that also relays, and a
#     village station whose only link is the township centre;
#   - helpers file applications (the applicant's ID is sealed at the outlet), records flow
#     outlet -> (relay) -> county -> city; a USB bundle still works for a station that is offline;
#   - every party audits itself; receipts prove what the county received and when.
# Everything happens in a temporary directory (kept, and printed at the end).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/deploy/build.sh" >/dev/null
bin=${BANGBAN_BUILD_DIR:-$top/build}
node="$bin/node/bangban-node"
hub="$bin/hub/bangban-hub"
work=$(mktemp -d -t bangban-quickstart.XXXXXX)
base_port=${BANGBAN_PORT:-$((20000 + RANDOM % 20000))}
city_ep="tcp://127.0.0.1:$base_port"
county_ep="tcp://127.0.0.1:$((base_port + 1))"
relay_ep="tcp://127.0.0.1:$((base_port + 2))"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
# Waits until `command` prints a number >= want (bounded: 30 s).
wait_for() {
  local want=$1; shift
  for _ in $(seq 1 150); do
    [ "$("$@")" -ge "$want" ] && return 0
    sleep 0.2
  done
  echo "timed out waiting for $want from: $*" >&2; return 1
}
records() { "$hub" status --data "$1" --json | sed -n 's/^  "records": \([0-9]*\).*/\1/p'; }

say "The city hub (运城市 1408) and the county hub of 盐湖区 (140802)"
city_key=$("$hub" init --data "$work/city" --role city --name 运城市行政审批服务局 --county 1408)
county_key=$("$hub" init --data "$work/county" --role county --name 盐湖区行政审批服务管理局 --county 140802 \
  --city-key "$city_key" --calendar "$top/deploy/calendars/cn-2025.toml" --calendar "$top/deploy/calendars/cn-2026.toml")
"$hub" enroll --data "$work/city" --key "$county_key" --role county --name 盐湖区行政审批服务管理局 --county 140802 >/dev/null
# The county's sealing key of this month: outlets seal applicant data to it (never to the county
# key), and learn the next months' keys when they sync.
sealing_key=$("$hub" sealing-key --data "$work/county")
echo "city key   $city_key"
echo "county key $county_key"
echo "sealing key $sealing_key"
"$hub" run --data "$work/city" --listen "$city_ep" 2>"$work/city.log" & pids+=($!)
"$hub" run --data "$work/county" --listen "$county_ep" --upstream "$city_ep" --upstream-key "$city_key" \
  2>"$work/county.log" & pids+=($!)

say "Three outlets, enrolled by the county"
init_outlet() {  # dir outlet-id name [upstream-endpoint upstream-key]
  local key
  key=$("$node" init --data "$work/$1" --outlet "$2" --county 140802 --county-key "$county_key" \
    --sealing-key "$sealing_key" --hub "${4:-$county_ep}" ${5:+--hub-key "$5"} 2>/dev/null)
  "$hub" enroll --data "$work/county" --key "$key" --role outlet --name "$3" --outlet-id "$2" >/dev/null
  echo "$key"
}
bank_key=$(init_outlet bank YH-BANK-01 农商银行中城支行)
town_key=$(init_outlet town YH-TOWN-03 东郭镇便民服务中心)
village_key=$(init_outlet village YH-VIL-07 东郭村便民服务站 "$relay_ep" "$town_key")
echo "YH-BANK-01 ${bank_key:0:16}…  YH-TOWN-03 ${town_key:0:16}… (relay)  YH-VIL-07 ${village_key:0:16}… (behind the relay)"
"$node" run --data "$work/town" --listen "$relay_ep" 2>"$work/town.log" & pids+=($!)

say "Helpers file applications (the node checks the ID number, seals it to the county, keeps 张*明)"
cat > "$work/bank.jsonl" <<'JSON'
{"type":"outlet.profile","outlet_id":"YH-BANK-01","name":"农商银行中城支行帮办网点","kind":"bank_branch","county":"140802","township":"中城街道","address":"中城街道解放路1号","phone":"0359-0000001","hours":"08:30-12:00,14:30-18:00","services":["establish","change","annual_report","account_opening"],"six_haves":{"sign":true,"computer":true,"staff":true,"guide":true,"phone":true,"publicity":true}}
{"type":"app.submit","app_id":"YH-BANK-01-0001","kind":"establish","entity_type":"company","entity_name":"运城市盐湖区福源商贸有限公司","applicant":{"id_number":"11010519491231002X","name":"张三明"},"realname_verified":true,"channel":"outlet","fee_cents":0,"helper":"赵敏","materials":["id_card","articles","lease"]}
{"type":"finance.referral","outlet_id":"YH-BANK-01","kind":"account_opening","entity":"运城市盐湖区福源商贸有限公司","bank":"农商银行"}
{"type":"app.submit","app_id":"YH-BANK-01-0002","kind":"change","entity_type":"individual","entity_name":"盐湖区老字号面馆","applicant":{"id_number":"11010519491231002X","name":"张老三"},"realname_verified":true,"channel":"outlet","fee_cents":2000,"helper":"赵敏","materials":["id_card"]}
JSON
cat > "$work/village.jsonl" <<'JSON'
{"type":"outlet.profile","outlet_id":"YH-VIL-07","name":"东郭村便民服务站","kind":"village_station","county":"140802","township":"东郭镇","village":"东郭村","address":"东郭村委会一楼","phone":"0359-0000007","hours":"08:30-12:00,14:30-18:00","services":["establish","annual_report"],"six_haves":{"sign":true,"computer":true,"staff":true,"guide":true,"phone":true,"publicity":false}}
{"type":"app.submit","app_id":"YH-VIL-07-0001","kind":"establish","entity_type":"individual","entity_name":"东郭村果蔬店","applicant":{"id_number":"11010519491231002X","name":"李建国"},"realname_verified":true,"channel":"outlet","fee_cents":0,"helper":"王芳","materials":["id_card","premises_proof"]}
{"type":"annual.remind","uscc":"91350100M000100Y43","outlet_id":"YH-VIL-07","year":2025,"channel":"phone"}
JSON
"$node" submit --data "$work/bank" "$work/bank.jsonl" 2>&1 | sed 's/^/  bank: /'
"$node" submit --data "$work/village" "$work/village.jsonl" | tee "$work/village.ids" | sed 's/^/  village: /'

say "Replication: bank -> county; village -> township relay -> county; county -> city"
"$node" sync --data "$work/bank" --once
"$node" sync --data "$work/village" --once
wait_for 9 records "$work/county"
wait_for 9 records "$work/city"
echo "county holds $(records "$work/county") records; the city holds $(records "$work/city")"

say "A village station offline for days: its records travel by USB stick"
"$node" init --data "$work/far" --outlet YH-VIL-12 --county 140802 --county-key "$county_key" \
  --sealing-key "$sealing_key" >/dev/null 2>&1
far_key=$("$node" status --data "$work/far" --json | sed -n 's/^  "key": "\(.*\)",/\1/p')
"$hub" enroll --data "$work/county" --key "$far_key" --role outlet --name 西王村便民服务站 --outlet-id YH-VIL-12 >/dev/null
sed 's/YH-VIL-07/YH-VIL-12/g; s/东郭村果蔬店/西王村农资店/; s/李建国/王秀英/' "$work/village.jsonl" > "$work/far.jsonl"
"$node" submit --data "$work/far" "$work/far.jsonl" >/dev/null
"$node" export --data "$work/far" --out "$work/usb.bundle"
"$hub" import --data "$work/county" "$work/usb.bundle"

say "A receipt: the county's signed proof that it holds a record (the applicant's rating), and since when"
rating_id=$("$node" submit --data "$work/bank" - <<'JSON'
{"type":"feedback.rating","app_id":"YH-BANK-01-0001","score":5}
JSON
)
"$node" sync --data "$work/bank" --once >/dev/null
"$node" receipt --data "$work/bank" "$rating_id" > "$work/receipt.json"
"$node" verify-receipt --hub-key "$county_key" "$work/receipt.json"
echo "and for the village station, asked through its township relay:"
"$node" receipt --data "$work/village" "$(head -1 "$work/village.ids")" > "$work/village-receipt.json"
"$node" verify-receipt --hub-key "$county_key" "$work/village-receipt.json"

say "Outlet status (bank branch) and county hub status"
"$node" status --data "$work/bank"
"$hub" status --data "$work/county"

say "The county names its reviewers (user add), who then review: accept and approve one (issuing its USCC), return one for correction (补正)"
"$hub" user add --data "$work/county" --name r01 --role reviewer >/dev/null
"$hub" user add --data "$work/county" --name r02 --role reviewer >/dev/null
"$hub" review --data "$work/county" accept YH-BANK-01-0001 --reviewer r01 >/dev/null
"$hub" review --data "$work/county" approve YH-BANK-01-0001 --reviewer r01 --uscc 91350100M000100Y43 >/dev/null
"$hub" review --data "$work/county" accept YH-VIL-07-0001 --reviewer r02 >/dev/null
"$hub" review --data "$work/county" correct YH-VIL-07-0001 --reviewer r02 --reason "请补交经营场所证明" >/dev/null
"$hub" report sla --data "$work/county"

say "Decisions flow back: the bank branch syncs and sees its application approved"
"$node" sync --data "$work/bank" --once >/dev/null
"$node" status --data "$work/bank" | tail -2

say "Audit: every party re-verifies every signature, chain, enrollment and its transparency log"
wait_for "$(records "$work/county")" records "$work/city"
for party in city county; do printf '%-7s' "$party"; "$hub" audit --data "$work/$party"; done

say "Personal data: no clear ID number or name in any file of any party"
if grep -r -l -a -E "11010519491231002X|李建国|张三明|张老三|王秀英" "$work/city" "$work/county" "$work/bank" \
    "$work/town" "$work/village" "$work/far"; then
  echo "FOUND clear personal data" >&2; exit 1
fi
echo "none found (searched every byte of every data dir)"

say "Done. Everything is in $work (daemon logs: *.log)"
