#!/usr/bin/env bash
# CSV load throughput: builds bench/io_throughput.cpp (preset "bench"),
# generates a ~200 MB transactions.csv once, and loads it on 1 and 2 threads.
# Usage: bench/io_throughput.sh [rows=2500000] [workdir=/tmp/kohort_io_bench]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2500000}
work=${2:-/tmp/kohort_io_bench}
mkdir -p "$work"
cmake --preset bench >/dev/null && cmake --build --preset bench --target kohort_bench_io_throughput >/dev/null
bin=build-bench/bench/kohort_bench_io_throughput
if [[ ! -f "$work/transactions.csv" ]]; then
  "$bin" gen "$work/transactions.csv" "$rows"
fi
"$bin" scan "$work/transactions.csv"
"$bin" run "$work/transactions.csv" 1
"$bin" run "$work/transactions.csv" 2
