#!/usr/bin/env bash
# End to end: kohort simulates customers, fits and publishes them to a store twice (the second
# fit's segments matched to the first's), assigns a week of days and monitors twice, writes the report
# from the store, and the page is checked in headless Chromium against the JSON it was drawn
# from (check_report.mjs). The page and its screenshot stay in OUT_DIR.
#
#   fit_report_test.sh KOHORT OUT_DIR
#
# Exit 77 (skipped) when node or Chromium is missing, unless CI=true: then it fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kohort="$1" out="$2"

unavailable() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: $1; CI=true, so the browser test cannot be skipped (run scripts/setup)." >&2
    exit 1
  fi
  echo "SKIP: $1 (run scripts/setup)." >&2
  exit 77
}
command -v node >/dev/null 2>&1 || unavailable "node is not installed"
[[ -x "${KOHORT_CHROMIUM:-/usr/bin/chromium}" ]] || unavailable "no Chromium"

rm -rf "$out"
mkdir -p "$out"
"$kohort" simulate --customers 3000 --seed 8 --out "$out/data" 2>/dev/null
# A first version, then the refit the report is of: its segments are matched to the first's.
"$kohort" fit "$out/data" --k 6 --seed 3 --as-of 2024-05-01 --store "$out/kohort.db" --log-level warn > /dev/null
"$kohort" fit "$out/data" --k-min 4 --k-max 8 --scan-rows 2000 --stability 3 --as-of 2024-05-01 \
  --store "$out/kohort.db" --out "$out/fit" --log-level warn
# Its life: a week of daily assignment, the monitor twice.
for d in 02 03 04 05 06 07 08; do
  "$kohort" assign "$out/data" --as-of "2024-05-$d" --store "$out/kohort.db" --log-level warn > /dev/null
done
for d in 04 08; do
  "$kohort" monitor "$out/data" --as-of "2024-05-$d" --store "$out/kohort.db" --log-level warn > /dev/null || [[ $? == 3 ]]
done
"$kohort" report --store "$out/kohort.db" --out "$out/report.html" --data "$out/report.json"
exec node "$here/check_report.mjs" "$out/report.html" "$out/report.json"
