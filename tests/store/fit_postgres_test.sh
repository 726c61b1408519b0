#!/usr/bin/env bash
# End to end on PostgreSQL: kohort fit publishes two versions to the fixture's server, and
# kohort report reads the latest back from it.
#   fit_postgres_test.sh KOHORT PG_DIR WORK_DIR
# Exit 77 (skipped) when the fixture has no server, unless CI=true: then it fails.
set -euo pipefail
kohort="$1" pg="$2" work="$3"
# shellcheck source=/dev/null
source "$(dirname "$0")/pg_fixture.sh"
url=$(pg_fixture_url "$pg")
rm -rf "$work"
mkdir -p "$work"
"$kohort" simulate --customers 1500 --seed 6 --out "$work/data" 2>/dev/null
"$kohort" fit "$work/data" --k 4 --store "$url" --log-level warn > /dev/null
"$kohort" fit "$work/data" --k 5 --store "$url" --json --log-level warn > "$work/fit.json"
grep -q '"version": 2' "$work/fit.json" || { echo "FAIL: the second fit did not publish version 2" >&2; exit 1; }
"$kohort" report --store "$url" --out "$work/report.html" --data "$work/report.json" --log-level warn
grep -q '"model_version": 2' "$work/report.json" || { echo "FAIL: the report is not of version 2" >&2; exit 1; }
grep -q '"k": 5' "$work/report.json" || { echo "FAIL: the report does not show the 5 segments of version 2" >&2; exit 1; }
[[ -s "$work/report.html" ]] || { echo "FAIL: no report written" >&2; exit 1; }
echo "ok: two versions published to PostgreSQL and the latest reported"
