#!/usr/bin/env bash
# Checks the folder-level include rule of docs/architecture.md: each room may include only
# itself and the rooms listed for it here. Prints every include that breaks the rule; exit 1 if
# any does. Run by deploy/test.sh (as the ctest test `layers`).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

declare -A may_use=(
  [crypto]=""
  [protocol]="crypto"
  [storage]="crypto protocol"
  [sync]="crypto protocol storage"
  [daemon]="crypto protocol storage"
  [review]="crypto protocol storage"
  [oversight]="crypto protocol storage review"
  [custody]="crypto protocol storage review"
  [web]="crypto protocol storage review oversight custody"
  [node]="crypto protocol storage sync daemon"
  [hub]="crypto protocol storage sync daemon review oversight custody web"
  [sim]="crypto protocol storage daemon review"
)

broken=0
checked=0
for room in "${!may_use[@]}"; do
  [ -d "$top/$room" ] || continue
  allowed=" $room ${may_use[$room]} "
  while IFS= read -r line; do
    file=${line%%:*}
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$line")
    target_room=${target%%/*}
    checked=$((checked + 1))
    if [[ "$allowed" != *" $target_room "* ]]; then
      echo "layers: ${file#$top/} includes $target, but $room may use only:${may_use[$room]:- nothing}" >&2
      broken=$((broken + 1))
    fi
  done < <(grep -rHE '^[[:space:]]*#[[:space:]]*include "' "$top/$room" --include='*.h' --include='*.cc' || true)
done

# Every top-level folder with code must be a room with a rule, so a new one cannot slip past.
for dir in "$top"/*/; do
  room=$(basename "$dir")
  case "$room" in tests|bench|deploy|docs|build*) continue ;; esac
  if compgen -G "$dir*.cc" >/dev/null || compgen -G "$dir*.h" >/dev/null; then
    [ -n "${may_use[$room]+set}" ] || { echo "layers: $room/ has code but no rule in deploy/check-layers.sh" >&2; broken=$((broken + 1)); }
  fi
done

if [ "$broken" -ne 0 ]; then
  echo "layers: $broken include(s) break the rule" >&2
  exit 1
fi
echo "layers: $checked includes checked, all follow the rule"
