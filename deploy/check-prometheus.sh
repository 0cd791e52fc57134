#!/usr/bin/env bash
# Checks deploy/prometheus/ with promtool (Debian package prometheus, installed by
# deploy/install-deps.sh): the scrape configuration, the alert rules, and the rules' unit tests
# (bangban.rules.test.yml: the alerts fire on a red case, a silent peer, a growing backlog, a
# failed audit, and stay quiet otherwise). Exits 1 naming what failed; a missing promtool is a
# failure, never a skip. Run by deploy/test.sh (as the ctest test `prometheus_rules`).
set -euo pipefail
dir=$(cd "$(dirname "$0")/prometheus" && pwd)
promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
  echo "prometheus_rules: promtool is not installed (package prometheus; deploy/install-deps.sh installs it)" >&2
  exit 1
fi
cd "$dir"
"$promtool" check config prometheus.yml
"$promtool" check rules bangban.rules.yml
"$promtool" test rules bangban.rules.test.yml
