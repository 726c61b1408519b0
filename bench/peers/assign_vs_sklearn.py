#!/usr/bin/python3
"""Assigning customers to fitted k-means centres: Kohort's exact nearest-two kernel against
scikit-learn's KMeans.predict, same float32 data, same centres, same threads, in one run.
Reports rows per second per core and whether the labels agree.

Usage: /usr/bin/python3 bench/peers/assign_vs_sklearn.py [--n 1000000] [--d 95] [--k 12]
       [--threads 2] [--bin build-bench/bench/kohort_bench_assign_kernel]
(d = 95, k = 12: the clustering space and k of a default fit of 200k simulated customers.)
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=95)
    ap.add_argument("--k", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bin", default="build-bench/bench/kohort_bench_assign_kernel")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 1, size=(a.k, a.d)).astype(np.float32)
    x = (centers[rng.integers(0, a.k, a.n)] + rng.normal(0, 1.2, size=(a.n, a.d))).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        xp, cp = os.path.join(tmp, "x.npy"), os.path.join(tmp, "c.npy")
        np.save(xp, x)
        np.save(cp, centers)
        ours = json.loads(subprocess.run([os.path.abspath(a.bin), xp, cp, str(a.threads), str(a.repeats)], check=True,
                                         capture_output=True, text=True, cwd=tmp).stdout)
        labels = np.fromfile(os.path.join(tmp, "labels.bin"), dtype=np.int32)
    with threadpool_limits(limits=a.threads):
        km = KMeans(n_clusters=a.k, init=centers, n_init=1, max_iter=1).fit(centers.repeat(2, axis=0))
        km.cluster_centers_ = centers
        best = 1e30
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            sk_labels = km.predict(x)
            best = min(best, time.perf_counter() - t0)
    per_core = lambda s: a.n / s / a.threads / 1e6
    agree = float(np.mean(sk_labels == labels))
    print(f"n={a.n} d={a.d} k={a.k} threads={a.threads} (scikit-learn {sklearn.__version__}, float32)")
    print(f"kohort nearest_two {ours['nearest_two_seconds']:.4f} s = {per_core(ours['nearest_two_seconds']):.2f}M rows/s/core · "
          f"direct distances {ours['direct_seconds']:.4f} s · sklearn predict {best:.4f} s = {per_core(best):.2f}M rows/s/core · "
          f"ratio {best / ours['nearest_two_seconds']:.2f}× · labels equal to the direct ones: "
          f"{ours['rows'] - ours['labels_differing']}/{ours['rows']} · agreement with sklearn {agree:.6f}")


if __name__ == "__main__":
    main()
