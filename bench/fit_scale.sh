#!/usr/bin/env bash
# kohort fit at scale: simulates N customers (every stream), then times `kohort fit` (wall
# clock, CPU, peak memory, the time of each stage) and measures the recovery of the planted
# personas (ARI against truth.csv). Budgets (issue: fit): 1M customers in under 3 minutes wall
# and 6 GiB peak on 2 cores; `kohort demo` (200k, simulate + fit + report) under 60 s.
# Usage: bench/fit_scale.sh [customers=1000000] [workdir=/tmp/kohort-fit-scale]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${2:-/tmp/kohort-fit-scale}
mkdir -p "$work"
if [[ ! -f $work/data-$n/transactions.csv ]]; then
  build/kohort simulate --customers "$n" --seed 42 --out "$work/data-$n" -q
fi
/usr/bin/time -v -o "$work/time.txt" build/kohort fit "$work/data-$n" --no-store --out "$work/out-$n" \
  --log-level debug 2> "$work/fit.log" > "$work/table.txt"
grep -E ': [0-9.]+ s$' "$work/fit.log" | sed 's/^debug: /  /'
grep -E 'Elapsed|Maximum resident|User time|System time' "$work/time.txt" | sed 's/^\s*/  /'
/usr/bin/python3 - "$work/data-$n/truth.csv" "$work/out-$n/assignments.csv" <<'PY'
import csv, sys
from sklearn.metrics import adjusted_rand_score
truth = {r["customer_id"]: int(r["persona"]) for r in csv.DictReader(open(sys.argv[1]))}
rows = [(truth[r["customer_id"]], int(r["segment"])) for r in csv.DictReader(open(sys.argv[2]))]
k = len({s for _, s in rows})
print(f"  {len(rows)} customers, k = {k}, ARI against the planted personas "
      f"{adjusted_rand_score([p for p, _ in rows], [s for _, s in rows]):.3f}")
PY
