#!/usr/bin/env bash
# bangban in five minutes: builds everything, then plays one county on this machine.
#   - the county hub of 盐湖区 (Yanhu district) is created;
#   - two outlets are set up and enrolled: a bank branch and a village station;
#   - the village station, offline, files applications; its helper carries them by USB bundle
#     to the bank branch, which files its own and carries everything to the county hub;
#   - the hub verifies and stores every record, then audits itself.
# Everything happens in a temporary directory (kept, and printed at the end).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/deploy/build.sh" >/dev/null
bin=${BANGBAN_BUILD_DIR:-$top/build}
node="$bin/node/bangban-node"
hub="$bin/hub/bangban-hub"
work=$(mktemp -d -t bangban-quickstart.XXXXXX)
export BANGBAN_NOW=${BANGBAN_NOW:-2026-03-02T09:00:00+08:00}
say() { printf '\n== %s\n' "$*"; }

say "County hub of 盐湖区 (140802)"
hub_key=$("$hub" init --data "$work/hub" --role county --name 盐湖区行政审批服务管理局 --county 140802)
echo "hub key $hub_key"

say "Two outlets: a bank branch and a village station"
bank_key=$("$node" init --data "$work/bank" --outlet YH-BANK-01 --county 140802 --county-key "$hub_key" 2>/dev/null)
village_key=$("$node" init --data "$work/village" --outlet YH-VIL-07 --county 140802 --county-key "$hub_key" 2>/dev/null)
"$hub" enroll --data "$work/hub" --key "$bank_key" --role outlet --name "农商银行中城支行" --outlet-id YH-BANK-01 >/dev/null
"$hub" enroll --data "$work/hub" --key "$village_key" --role outlet --name "东郭村便民服务站" --outlet-id YH-VIL-07 >/dev/null
echo "enrolled YH-BANK-01 ${bank_key:0:16}…  and YH-VIL-07 ${village_key:0:16}…"

say "The village station files, offline (the helper types the applicant's ID; the node seals it)"
cat > "$work/village.jsonl" <<'JSON'
{"type":"outlet.profile","outlet_id":"YH-VIL-07","name":"东郭村便民服务站","kind":"village_station","county":"140802","township":"东郭镇","village":"东郭村","address":"东郭村委会一楼","phone":"0359-0000000","hours":"08:30-12:00,14:30-18:00","services":["establish","change","deregister","annual_report"],"six_haves":{"sign":true,"computer":true,"staff":true,"guide":true,"phone":true,"publicity":false}}
{"type":"app.submit","app_id":"YH-VIL-07-0001","kind":"establish","entity_type":"individual","entity_name":"东郭村李记果蔬店","applicant":{"id_number":"11010519491231002X","name":"李建国"},"realname_verified":true,"channel":"outlet","fee_cents":0,"helper":"王芳","materials":["id_card","premises_proof"]}
{"type":"annual.remind","uscc":"91350100M000100Y43","outlet_id":"YH-VIL-07","year":2025,"channel":"phone"}
JSON
"$node" submit --data "$work/village" "$work/village.jsonl" | sed 's/^/stored /'

say "The bank branch files its own"
cat > "$work/bank.jsonl" <<'JSON'
{"type":"app.submit","app_id":"YH-BANK-01-0001","kind":"establish","entity_type":"company","entity_name":"运城市盐湖区福源商贸有限公司","applicant":{"id_number":"11010519491231002X","name":"张三明"},"realname_verified":true,"channel":"outlet","fee_cents":0,"helper":"赵敏","materials":["id_card","articles","lease"]}
{"type":"finance.referral","outlet_id":"YH-BANK-01","kind":"account_opening","entity":"运城市盐湖区福源商贸有限公司","bank":"农商银行"}
{"type":"app.submit","app_id":"YH-BANK-01-0002","kind":"change","entity_type":"individual","entity_name":"盐湖区老张面馆","applicant":{"id_number":"11010519491231002X","name":"张老三"},"realname_verified":true,"channel":"outlet","fee_cents":2000,"helper":"赵敏","materials":["id_card"]}
JSON
"$node" submit --data "$work/bank" "$work/bank.jsonl" 2>&1 | sed 's/^/  /'

say "USB stick: village → bank branch → county hub"
"$node" export --data "$work/village" --out "$work/village.bundle"
"$node" import --data "$work/bank" "$work/village.bundle"
"$node" export --data "$work/bank" --out "$work/bank.bundle"
"$hub" import --data "$work/hub" "$work/bank.bundle"

say "A forged bundle: one byte changed on the way"
cp "$work/bank.bundle" "$work/forged.bundle"
size=$(stat -c %s "$work/forged.bundle")
printf 'X' | dd of="$work/forged.bundle" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$hub" import --data "$work/hub" "$work/forged.bundle" || echo "(import refused the damaged part, exit $?)"

say "Outlet status (bank branch)"
"$node" status --data "$work/bank"

say "Hub audit: every signature, chain and enrolment re-verified"
"$hub" audit --data "$work/hub"

say "Personal data: no clear ID number or name appears in any file of the nodes or the hub"
if grep -r -l -a -E "11010519491231002X|李建国|张三明|张老三" "$work/hub" "$work/bank" "$work/village"; then
  echo "FOUND clear personal data" >&2; exit 1
fi
echo "none found (searched every byte of $work/{hub,bank,village})"

say "Done. Everything is in $work"
