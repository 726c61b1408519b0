#!/usr/bin/env bash
# kohort fit at scale: simulates N customers (zstd-compressed), then times `kohort fit` (wall
# clock, CPU, peak memory, the time of each stage) and measures the recovery of the planted
# personas (ARI against truth.csv). Budgets (issue: fit): 1M customers in under 3 minutes wall
# and 6 GiB peak on 2 cores; 10M customers in under 30 minutes with --memory-limit 12G.
# Usage: bench/fit_scale.sh [customers=1000000] [streams=all|transactions] [memory-limit=""]
#                           [workdir=/tmp/kohort-fit-scale]
# Scale runs stay out of CI; 10M customers need about 20 GB of free disk in workdir.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
streams=${2:-all}
limit=${3:-}
work=${4:-/tmp/kohort-fit-scale}
data=$work/data-$n-$streams
mkdir -p "$work"
if [[ ! -f $data/transactions.csv.zst ]]; then
  sim_streams=()
  [[ $streams == transactions ]] && sim_streams=(--streams transactions)
  /usr/bin/time -f "  simulate: %e s wall, %M KB peak" \
    build/kohort simulate --customers "$n" --seed 42 --out "$data" --compress zst "${sim_streams[@]}" -q
fi
args=(fit "$data" --no-store --out "$work/out-$n-$streams" --spill-dir "$work" --log-level debug)
[[ -n $limit ]] && args+=(--memory-limit "$limit")
/usr/bin/time -v -o "$work/time.txt" build/kohort "${args[@]}" 2> "$work/fit.log" > "$work/table.txt"
grep -v '^debug' "$work/fit.log" | grep -E 'splitting|partition files|features:|selection:|chose k' | sed 's/^/  /'
grep -E '^debug: [a-z ,-]+: [0-9.]+ s$' "$work/fit.log" | sed 's/^debug: /  /'
grep -E 'Elapsed|Maximum resident|User time|System time' "$work/time.txt" | sed 's/^\s*/  /'
/usr/bin/python3 - <(zstd -dc "$data/truth.csv.zst") "$work/out-$n-$streams/assignments.csv" <<'PY'
import csv, sys
from sklearn.metrics import adjusted_rand_score
truth = {r["customer_id"]: int(r["persona"]) for r in csv.DictReader(open(sys.argv[1]))}
rows = [(truth[r["customer_id"]], int(r["segment"])) for r in csv.DictReader(open(sys.argv[2]))]
k = len({s for _, s in rows})
print(f"  {len(rows)} customers, k = {k}, ARI against the planted personas "
      f"{adjusted_rand_score([p for p, _ in rows], [s for _, s in rows]):.3f}")
PY
