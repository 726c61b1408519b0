#!/usr/bin/python3
"""Variational Dirichlet-process mixture, time per iteration: `kohort cluster --algo bgmm`
against scikit-learn's BayesianGaussianMixture(weight_concentration_prior_type=
'dirichlet_process'), same float32 data, same truncation K, same threads, in one run.

Each side is fitted twice with tol = 0 and n_init = 1, for --short and --long iterations; the
difference of the two wall times over the difference of the iteration counts is the time of
one iteration (reading, scaling, the k-means start and the metrics cancel out).

Usage: /usr/bin/python3 bench/bgmm_iter.py [--n 200000] [--d 16] [--k 20] [--short 5]
       [--long 25] [--threads 2] [--bin build/kohort]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time
import warnings

import numpy as np
import sklearn
from sklearn.mixture import BayesianGaussianMixture
from threadpoolctl import threadpool_limits


def sklearn_seconds(x, k, cov, iters):
    bg = BayesianGaussianMixture(n_components=k, covariance_type=cov, max_iter=iters, tol=0,
                                 n_init=1, weight_concentration_prior_type="dirichlet_process",
                                 random_state=0)
    t0 = time.perf_counter()
    bg.fit(x)
    return time.perf_counter() - t0, bg.n_iter_


def kohort_seconds(binary, path, k, cov, iters, threads):
    cmd = [binary, "cluster", path, "--algo", "bgmm", "--k", str(k), "--covariance", cov,
           "--max-iter", str(iters), "--tol", "0", "--n-init", "1", "--scale", "none",
           "--silhouette-sample", "2", "--threads", str(threads), "--out", "/dev/null", "-q"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--short", type=int, default=5)
    ap.add_argument("--long", type=int, default=25)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default="build/kohort")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    planted = 8
    centers = rng.normal(0, 4, size=(planted, a.d))
    x = (centers[rng.integers(0, planted, a.n)] + rng.normal(0, 1.5, size=(a.n, a.d))).astype(np.float32)
    span = a.long - a.short
    out = {"n": a.n, "d": a.d, "k": a.k, "threads": a.threads,
           "sklearn": sklearn.__version__, "iterations_timed": span}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.npy")
        np.save(path, x)
        for cov in ("diag", "full"):
            with threadpool_limits(limits=a.threads):
                s_short, _ = sklearn_seconds(x, a.k, cov, a.short)
                s_long, _ = sklearn_seconds(x, a.k, cov, a.long)
            k_short = kohort_seconds(a.bin, path, a.k, cov, a.short, a.threads)
            k_long = kohort_seconds(a.bin, path, a.k, cov, a.long, a.threads)
            s_iter = (s_long - s_short) / span
            k_iter = (k_long - k_short) / span
            out[cov] = {"sklearn_seconds_per_iter": s_iter, "kohort_seconds_per_iter": k_iter,
                        "speedup": s_iter / k_iter if k_iter > 0 else None}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
