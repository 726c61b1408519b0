#!/usr/bin/env bash
# Churn risk on CDNOW's holdout: calibrate to 1997-09-30 (weeks), then rank the customers who do
# not buy in the next 39 weeks (1997-10-01 .. 1998-06-30) by kohort's churn risk (MBG/NBD, no
# purchase within 90 days), by BG/NBD's 1 − P(alive), and by recency alone (T − t_x); prints each
# score's AUC (ties count one half). Reads the full master file through a dataset folder with
# delimiter = "whitespace", and the 1/10 sample. Needs ../shared/data/cdnow/ (not in the
# repository). Usage: bench/clv_holdout.sh [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/cdnow}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/master" "$work/sample"
cp "$data/CDNOW_master.txt" "$work/master/transactions.csv"
printf '[transactions]\ndelimiter = "whitespace"\n' >"$work/master/kohort.toml"
cp "$data/cdnowElog.csv" "$work/sample/transactions.csv"
printf '[transactions]\ncustomer = "masterid"\ntime = "date"\namount = "sales"\n' >"$work/sample/kohort.toml"
for set in sample master; do
  for model in mbgnbd bgnbd; do
    build/kohort clv "$work/$set" --calibration-end 1997-09-30 --time-unit week --model "$model" \
      --out "$work/$set-$model.csv" -q --now 1998-07-01
  done
done
/usr/bin/python3 - "$work" <<'PY'
import csv, sys, os
work = sys.argv[1]

def auc(score, positive):  # P(score of a positive > score of a negative), ties 1/2
    pairs = sorted(zip(score, positive))
    rank_sum, pos, i = 0.0, 0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid = (i + j + 1) / 2
        for k in range(i, j):
            if pairs[k][1]:
                rank_sum += mid
                pos += 1
        i = j
    neg = len(pairs) - pos
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)

def bought_in_holdout(path, id_col, date_col):
    bought = set()
    with open(path, newline="") as f:
        rows = csv.reader(f) if path.endswith("sample/transactions.csv") else (l.split() for l in f)
        next(rows)
        for r in rows:
            if r and "19971001" <= r[date_col] <= "19980630":
                bought.add(r[id_col])
    return bought

for name, id_col, date_col in (("sample", 0, 2), ("master", 0, 1)):
    holdout = bought_in_holdout(os.path.join(work, name, "transactions.csv"), id_col, date_col)
    scores = {}
    for model in ("mbgnbd", "bgnbd"):
        with open(os.path.join(work, f"{name}-{model}.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        label = [r["customer_id"] not in holdout for r in rows]
        if model == "mbgnbd":
            scores["recency alone (T - t_x)"] = [float(r["T"]) - float(r["t_x"]) for r in rows]
            scores["churn risk, MBG/NBD (no purchase in 90 days)"] = [float(r["churn_risk"]) for r in rows]
            scores["1 - P(alive), MBG/NBD"] = [1 - float(r["p_alive"]) for r in rows]
        else:
            scores["churn risk, BG/NBD (no purchase in 90 days)"] = [float(r["churn_risk"]) for r in rows]
            scores["1 - P(alive), BG/NBD"] = [1 - float(r["p_alive"]) for r in rows]
    print(f"{name}: {len(label)} customers, {sum(label)} without a purchase in the 39 holdout weeks")
    for k, v in scores.items():
        print(f"  AUC {auc(v, label):.4f}  {k}")
PY
