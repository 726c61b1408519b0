#!/usr/bin/python3
"""How hard is the simulator's segmentation problem? Simulates customers, then segments them
(a) with k-means on recency, frequency and monetary alone (the difficulty baseline) and
(b) with k-means on every feature, and reports the adjusted Rand index of each against the
planted personas (scikit-learn's adjusted_rand_score), plus the k that --k auto chooses.

Usage: /usr/bin/python3 bench/sim_difficulty.py [--customers 200000] [--seed 42] [--kohort build/kohort]
"""
import argparse
import csv
import json
import os
import subprocess
import tempfile
import time

from sklearn.metrics import adjusted_rand_score


def run(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return out, time.perf_counter() - t0


def read_labels(path):
    with open(path) as f:
        return {row["id"]: int(row["segment"]) for row in csv.DictReader(f)}


def ari(truth, labels):
    ids = [i for i in labels if i in truth]
    return adjusted_rand_score([truth[i] for i in ids], [labels[i] for i in ids]), len(ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--kohort", default="build/kohort")
    a = ap.parse_args()
    k = a.kohort
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        _, t_sim = run([k, "simulate", "--customers", str(a.customers), "--seed", str(a.seed),
                        "--out", data, "-q"])
        with open(os.path.join(data, "truth.csv")) as f:
            truth = {row["customer_id"]: int(row["persona"]) for row in csv.DictReader(f)}
        personas = len(set(truth.values()))
        results = {}
        for name, groups in (("rfm", ["--groups", "recency,frequency,monetary"]), ("all", [])):
            feats = os.path.join(tmp, f"{name}.csv")
            _, t_feat = run([k, "features", data, "--transform", "z", "--out", feats, "-q"] + groups)
            seg = os.path.join(tmp, f"{name}_seg.csv")
            reduce = ["--reduce", "pca:0.9"] if name == "all" else []
            _, t_fix = run([k, "cluster", feats, "--id-column", "customer_id", "--k", str(personas),
                            "--n-init", "3", "--out", seg, "-q"] + reduce)
            fixed, n = ari(truth, read_labels(seg))
            seg_auto = os.path.join(tmp, f"{name}_auto.csv")
            out, t_auto = run([k, "cluster", feats, "--id-column", "customer_id", "--k", "auto",
                               "--k-min", "4", "--k-max", "20", "--json", "--out", seg_auto, "-q"]
                              + reduce)
            chosen = json.loads(out)["k"]
            auto, _ = ari(truth, read_labels(seg_auto))
            results[name] = (fixed, auto, chosen, n, t_feat, t_fix, t_auto)
    print(f"{a.customers} simulated customers, {personas} personas, seed {a.seed} "
          f"(simulate {t_sim:.1f} s)")
    for name, (fixed, auto, chosen, n, t_feat, t_fix, t_auto) in results.items():
        label = "k-means on RFM alone (baseline)" if name == "rfm" else "k-means on all features"
        print(f"{label}: ARI {fixed:.3f} at k = {personas}; --k auto chose k = {chosen}, ARI "
              f"{auto:.3f}; {n} customers (features {t_feat:.1f} s, cluster {t_fix:.1f} s, "
              f"auto {t_auto:.1f} s)")


if __name__ == "__main__":
    main()
