#!/usr/bin/python3
"""Reading a transactions CSV: Kohort against pandas' C parser, same file, one thread, in one
run. pandas.read_csv (with the timestamp column parsed, and without) turns the text into typed
columns (timestamps parsed, strings as objects); Kohort's parse stage turns it into typed columns
with strings interned and rows validated. The full Kohort read (parse, then ordering rows into
the event log) is reported beside it, and Kohort's parse again on every core (--threads), as MB/s
per core. --shuffle reads the rows in a seeded random order instead of the simulator's (grouped
by customer), as an export ordered by time would come.

Usage: /usr/bin/python3 bench/peers/csv_vs_pandas.py [--customers 200000] [--repeat 3]
       [--threads 2] [--shuffle] [--bin build/kohort] [--work /tmp/kohort-csv-peer]
"""
import argparse
import os
import random
import re
import subprocess
import time

import pandas as pd


def kohort_read(binary, path, threads=1):
    """(parse seconds, parse + ordering seconds) from the reader's debug line."""
    err = subprocess.run([binary, "features", path, "--out", os.devnull, "--threads",
                          str(threads), "--log-level", "debug"], check=True,
                         capture_output=True, text=True).stderr
    m = re.search(r"parsed in ([0-9.]+) s, ordered into the log in ([0-9.]+) s", err)
    return float(m.group(1)), float(m.group(1)) + float(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--bin", default="build/kohort")
    ap.add_argument("--work", default="/tmp/kohort-csv-peer")
    a = ap.parse_args()
    data = os.path.join(a.work, f"sim-{a.customers}")
    path = os.path.join(data, "transactions.csv")
    if not os.path.exists(path):
        subprocess.run([a.bin, "simulate", "--customers", str(a.customers), "--seed", "42",
                        "--out", data, "--streams", "transactions", "-q"], check=True)
    if a.shuffle:
        shuffled = os.path.join(a.work, f"shuffled-{a.customers}")
        out = os.path.join(shuffled, "transactions.csv")
        if not os.path.exists(out):
            os.makedirs(shuffled, exist_ok=True)
            with open(path) as f:
                header, rows = f.readline(), f.readlines()
            random.Random(42).shuffle(rows)
            with open(out, "w") as f:
                f.write(header)
                f.writelines(rows)
            del rows
        data, path = shuffled, out
    size = os.path.getsize(path)
    with open(path, "rb") as f:  # both read from the page cache
        while f.read(1 << 24):
            pass
    many = f"kohort parse, {a.threads} threads"
    best = {"pandas": 1e9, "pandas, no dates": 1e9, "kohort parse": 1e9, "kohort read": 1e9,
            many: 1e9}
    rows = 0
    for _ in range(a.repeat):
        t = time.perf_counter()
        df = pd.read_csv(path, parse_dates=["timestamp"], engine="c")
        best["pandas"] = min(best["pandas"], time.perf_counter() - t)
        rows = len(df)
        del df
        t = time.perf_counter()
        df = pd.read_csv(path, engine="c")  # timestamps left as text: the C parser alone
        best["pandas, no dates"] = min(best["pandas, no dates"], time.perf_counter() - t)
        del df
        parse, read = kohort_read(a.bin, path)
        best["kohort parse"] = min(best["kohort parse"], parse)
        best["kohort read"] = min(best["kohort read"], read)
        best[many] = min(best[many], kohort_read(a.bin, path, a.threads)[0])
    print(f"{path}: {size / 1e6:.0f} MB, {rows / 1e6:.1f}M rows, 1 thread, best of {a.repeat}")
    for name, s in best.items():
        print(f"  {name:24s} {s:7.2f} s  {size / 1e6 / s:6.1f} MB/s  {rows / 1e6 / s:5.2f}M rows/s")
    print(f"  kohort parse per core: {size / 1e6 / best['kohort parse']:.1f} MB/s on 1 thread, "
          f"{size / 1e6 / best[many] / a.threads:.1f} MB/s on {a.threads}")
    for peer in ("pandas", "pandas, no dates"):
        print(f"  ratio {peer} / kohort parse: {best[peer] / best['kohort parse']:.2f}x; "
              f"/ kohort read: {best[peer] / best['kohort read']:.2f}x")


if __name__ == "__main__":
    main()
