#!/usr/bin/env bash
# Checks that the C++ files follow .clang-format. With no arguments it checks every C++ file in
# the repository (a few seconds); with file arguments, just those (e.g. the files a change
# touched: deploy/check-format.sh $(git diff --name-only main -- '*.cc' '*.h')). Prints each file
# that differs and exits 1 if any does. Run by deploy/test.sh (as the ctest test `format`).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
format=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$format" ]; then
  echo "format: clang-format is not installed (deploy/install-deps.sh installs it)" >&2
  exit 1
fi
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find . -path ./build -prune -o \( -name '*.cc' -o -name '*.h' \) -print)
fi
differ=0
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  if ! "$format" --style=file "$file" | cmp -s - "$file"; then
    echo "format: $file differs from .clang-format (run: clang-format -i $file)" >&2
    differ=$((differ + 1))
  fi
done
if [ "$differ" -ne 0 ]; then
  echo "format: $differ of ${#files[@]} files differ" >&2
  exit 1
fi
echo "format: ${#files[@]} files follow .clang-format"
