#!/usr/bin/env bash
# kohort features at scale: simulates N customers (zstd-compressed), then times `kohort
# features` (wall clock, CPU, peak memory, the time of each stage) and prints the throughput
# in MB/s and rows/s of text read. Budgets (issue: foundation): 1M customers with every stream
# read and featurized in under 60 s and 4 GiB on 2 cores; 10M customers, transactions only,
# completing within --memory-limit 8G by spilling partitions to disk.
# Usage: bench/features_scale.sh [customers=1000000] [streams=all|transactions]
#                                [memory-limit=""] [workdir=/tmp/kohort-features-scale]
#                                [days=730]
# The simulator's default two years give about 60 transaction lines per customer; days=365
# gives the issue's volume (1M customers, about 30M transactions plus the other streams).
# Scale runs stay out of CI; the 10M run needs about 20 GB of free disk in workdir.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
streams=${2:-all}
limit=${3:-}
work=${4:-/tmp/kohort-features-scale}
days=${5:-730}
data=$work/data-$n-$streams-$days
mkdir -p "$work"
if [[ ! -f $data/transactions.csv.zst ]]; then
  sim_streams=()
  [[ $streams == transactions ]] && sim_streams=(--streams transactions)
  /usr/bin/time -f "  simulate: %e s wall, %M KB peak" \
    build/kohort simulate --customers "$n" --seed 42 --days "$days" --out "$data" --compress zst \
    "${sim_streams[@]}" -q
fi
text_bytes=0 rows=0
for f in "$data"/*.csv.zst; do
  [[ $(basename "$f") == truth.csv.zst ]] && continue
  read -r b l < <(zstd -dc "$f" | wc -c -l | awk '{print $2, $1}')
  text_bytes=$((text_bytes + b)) rows=$((rows + l - 1))
done
args=(features "$data" --out "$work/features-$n.npy" --spill-dir "$work" --log-level debug)
[[ -n $limit ]] && args+=(--memory-limit "$limit")
/usr/bin/time -v -o "$work/time.txt" build/kohort "${args[@]}" 2> "$work/features.log"
grep -v '^debug' "$work/features.log" | grep -E 'splitting|partition files|rows read|features as of' | sed 's/^/  /'
wall=$(awk -F': ' '/Elapsed/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time.txt")
peak=$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt")
python3 - "$text_bytes" "$rows" "$wall" "$peak" <<'PY'
import sys
b, rows, wall, peak = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"  {b / 1e9:.2f} GB of text, {rows / 1e6:.1f}M rows: {wall:.1f} s wall, "
      f"{b / 1e6 / wall:.0f} MB/s, {rows / 1e6 / wall:.2f}M rows/s, peak {peak / 1048576:.2f} GiB")
PY
grep -E 'User time|System time' "$work/time.txt" | sed 's/^\s*/  /'
