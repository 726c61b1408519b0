#!/usr/bin/python3
"""k-means per-iteration time: Kohort against scikit-learn's lloyd, same data, same initial
centres, same iteration count, same threads, float32, in one run.

Usage: /usr/bin/python3 bench/peers/kmeans_vs_sklearn.py [--n 1000000] [--d 32] [--k 23]
       [--iters 10] [--threads 2] [--bin build-bench/bench/kohort_bench_kmeans_iter]
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
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--k", type=int, default=23)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default="build-bench/bench/kohort_bench_kmeans_iter")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 4, size=(a.k, a.d))
    x = (centers[rng.integers(0, a.k, a.n)] + rng.normal(0, 2, size=(a.n, a.d))).astype(np.float32)
    init = x[rng.choice(a.n, a.k, replace=False)].copy()
    with tempfile.TemporaryDirectory() as tmp:
        xp, ip = os.path.join(tmp, "x.npy"), os.path.join(tmp, "init.npy")
        np.save(xp, x)
        np.save(ip, init)
        runs = {}
        for algo in ("lloyd", "hamerly"):
            out = subprocess.run([a.bin, xp, ip, str(a.iters), str(a.threads), algo], check=True,
                                 capture_output=True, text=True).stdout
            runs[algo] = json.loads(out)
    with threadpool_limits(limits=a.threads):
        km = KMeans(n_clusters=a.k, init=init, n_init=1, max_iter=a.iters, tol=0,
                    algorithm="lloyd")
        t0 = time.perf_counter()
        km.fit(x)
        sk = time.perf_counter() - t0
    sk_it = sk / km.n_iter_
    print(f"n={a.n} d={a.d} k={a.k} threads={a.threads} iterations sklearn={km.n_iter_} "
          f"(scikit-learn {sklearn.__version__}, lloyd, float32)")
    for algo, ours in runs.items():
        ours_it = ours["seconds"] / ours["n_iter"]
        bound = ours["sgemm_seconds"]
        print(f"kohort {algo:8s} {ours_it:.4f} s/iter · sklearn {sk_it:.4f} s/iter · "
              f"ratio {sk_it / ours_it:.2f}× · iterations {ours['n_iter']} · SGEMM alone "
              f"{bound:.4f} s/iter ({ours_it / bound:.2f}× the SGEMM bound) · inertia "
              f"{ours['inertia']:.6g} (sklearn {km.inertia_:.6g})")


if __name__ == "__main__":
    main()
