#!/usr/bin/env bash
# kohort assign at scale beside kohort features on the same data: simulates N customers
# (zstd), fits and publishes a model as of a date, then times `kohort features` and three days of
# `kohort assign` (the first from the fit's labels, the second from the first day's standing, the
# third also dropping the first day's standing, as every later day does) as of the next days,
# with each assign stage's time and rate. The issue's budget: a whole
# assign within 1.2× of features on the same data.
# Usage: bench/assign_scale.sh [customers=1000000] [workdir=/tmp/kohort-assign-scale] [k=12]
#                              [streams=all|transactions] [memory-limit=""]
# 10M customers: bench/assign_scale.sh 10000000 /tmp/kohort-assign-scale 12 transactions 12G (every
# command splits the data into partitions under the limit). Scale runs stay out of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${2:-/tmp/kohort-assign-scale}
k=${3:-12}
streams=${4:-all}
limit=${5:-}
data=$work/data-$n-$streams
mkdir -p "$work"
if [[ ! -f $data/transactions.csv.zst ]]; then
  sim_streams=()
  [[ $streams == transactions ]] && sim_streams=(--streams transactions)
  build/kohort simulate --customers "$n" --seed 42 --out "$data" --compress zst "${sim_streams[@]}" -q
fi
split=(--spill-dir "$work")
[[ -n $limit ]] && split+=(--memory-limit "$limit")
store=$work/store-$n.db
rm -f "$store" "$store"-wal "$store"-shm "$store".lock
/usr/bin/time -f "  fit: %e s wall, %M KB peak" build/kohort fit "$data" --as-of 2024-10-01 --k "$k" --store "$store" "${split[@]}" -q \
  > /dev/null
timed() {  # label, then the command
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" 2> "$work/log.txt" > /dev/null
  read -r wall peak < "$work/time.txt"
  echo "  $label: $wall s wall, $((peak / 1024)) MiB peak"
  grep -E '^debug: (transform and embed|assign|record the day)' "$work/log.txt" | sed 's/^debug: /    /' || true
  echo "$wall" > "$work/$label.wall"
}
timed features build/kohort features "$data" --as-of 2024-10-02 --out "$work/features.npy" "${split[@]}"
timed assign-day1 build/kohort assign "$data" --as-of 2024-10-02 --store "$store" --log-level debug "${split[@]}"
timed assign-day2 build/kohort assign "$data" --as-of 2024-10-03 --store "$store" --log-level debug "${split[@]}"
timed assign-day3 build/kohort assign "$data" --as-of 2024-10-04 --store "$store" --log-level debug "${split[@]}"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
f = float(open(f"{w}/features.wall").read())
for day in ("assign-day1", "assign-day2", "assign-day3"):
    a = float(open(f"{w}/{day}.wall").read())
    print(f"  {day} / features: {a / f:.2f}× (budget 1.2×)")
PY
ls -l "$store" | awk '{printf "  store: %.0f MB\n", $5 / 1e6}'
