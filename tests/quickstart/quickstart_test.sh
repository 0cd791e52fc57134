#!/usr/bin/env bash
# The quickstart as CI runs it (ctest `quickstart`): deploy/quickstart.sh --once at a small size
# (two counties of four outlets, one working day at 900 times real speed: under a minute and a
# half), then checks what it printed: each figure of the plan and of the city's oversight report
# (applications in all and by kind, fee violations, complaints) equals the plan's own totals
# (totals.json, written by bangban-sim), audit is clean at every hub, and no clear personal
# value of the plan is in any data dir. Needs the built programs: BANGBAN_BUILD_DIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANGBAN_BUILD_DIR:?set BANGBAN_BUILD_DIR to the build dir (ctest does)}"
counties=2
out=$(mktemp -t bangban-quickstart-test.XXXXXX)
trap 'rm -f "$out"' EXIT
if ! "$top/deploy/quickstart.sh" --once --no-build --counties "$counties" --outlets 4 --days 1 --seed 5 \
    --speed 900 >"$out" 2>&1; then
  cat "$out"
  echo "quickstart.sh --once failed" >&2
  exit 1
fi
work=$(sed -n 's/^== Data dirs: \([^ ]*\) .*/\1/p' "$out")
totals="$work/plan/totals.json"
[ -f "$totals" ] || { cat "$out"; echo "no plan totals at '$totals'" >&2; exit 1; }

failed=0
fail() { echo "quickstart: $*" >&2; failed=1; }
# A printed row "  NAME  PLAN  CITY": both must equal the plan's totals.json at PATH.
figure() {
  local line plan city want
  line=$(grep -E "^  $1 +[0-9]+ +[0-9]+$" "$out") || { fail "no printed row for $1"; return; }
  read -r _ plan city <<<"$line"
  want=$(jq -r "$2 // 0" "$totals")
  [ "$plan" = "$want" ] || fail "$1: printed plan figure $plan, but totals.json says $want"
  [ "$city" = "$want" ] || fail "$1: the city reports $city, but the plan filed $want"
}
figure applications .applications
for kind in establish change deregister annual_report; do figure "applications.$kind" ".by_kind.$kind"; done
figure fee_violations .fee_violations
figure complaints .complaints
[ "$(jq .applications "$totals")" -gt 0 ] || fail "the plan filed no application"
[ "$(jq .fee_violations "$totals")" -eq 1 ] || fail "the plan has no fee violation"
[ "$(jq .complaints "$totals")" -ge 1 ] || fail "the plan has no complaint"

# Audit at the city and at every county hub, each clean.
clean=$(grep -c "^    audit clean:" "$out" || true)
[ "$clean" -eq $((counties + 1)) ] || fail "audit clean at $clean of $((counties + 1)) hubs"
grep -q "^none of the [0-9]* clear values found" "$out" || fail "the personal-data search did not pass"
grep -q "^  [0-9-]*, record [0-9a-f]*…: valid:" "$out" || fail "the receipt was not verified"

if [ "$failed" -ne 0 ]; then
  cat "$out"
  echo "(data dirs kept in $work)" >&2
  exit 1
fi
rm -rf "$work"
echo "quickstart: every figure agrees with the plan; audit clean at $clean hubs"
