#!/usr/bin/python3
"""The engine's heavy kernels against scikit-learn, same inputs, same threads, one run:
  gmm         one EM iteration of a diagonal (or full) Gaussian mixture, n x d, k components,
              both started from the same means (equal weights, unit precisions); the cost per
              iteration is (T(iters + 1) - T(1)) / iters on both sides, so set-up cancels out;
  silhouette  the exact mean silhouette of n rows (O(n^2 d)) for the same labels;
  pca         PCA of n x d float32 keeping m components: Kohort's covariance and randomized
              solvers against scikit-learn's default solver ('auto', randomized here) and 'full'.
Ratios are scikit-learn time / Kohort time (above 1: Kohort is faster).

Usage: /usr/bin/python3 bench/peers/engine_vs_sklearn.py [--threads 2]
       [--only gmm,silhouette,pca] [--bin build-bench/bench/kohort_bench_engine]
       [--gmm-n 1000000 --gmm-d 16 --gmm-k 20 --gmm-iters 5]
       [--sil-n 100000 --sil-d 16 --sil-k 12] [--pca-n 1000000 --pca-d 147 --pca-m 30]
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
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits


def blobs(rng, n, d, k, spread=4.0, sd=1.5):
    centers = rng.normal(0, spread, size=(k, d))
    sizes = rng.dirichlet(np.full(k, 2.0))
    labels = rng.choice(k, size=n, p=sizes)
    x = (centers[labels] + rng.normal(0, sd, size=(n, d))).astype(np.float32)
    return x, labels


def ours(binary, *args):
    out = subprocess.run([binary, *map(str, args)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def bench_gmm(a, tmp, rng, covariance):
    x, _ = blobs(rng, a.gmm_n, a.gmm_d, a.gmm_k)
    means = x[rng.choice(a.gmm_n, a.gmm_k, replace=False)].copy()
    xp, mp = os.path.join(tmp, "gmm_x.npy"), os.path.join(tmp, "gmm_means.npy")
    np.save(xp, x)
    np.save(mp, means)
    k_run = ours(a.bin, "gmm", xp, mp, a.gmm_iters, a.threads, covariance)
    d = a.gmm_d
    prec = (np.ones((a.gmm_k, d)) if covariance == "diag"
            else np.tile(np.eye(d), (a.gmm_k, 1, 1)))

    def sk(iters):
        g = GaussianMixture(n_components=a.gmm_k, covariance_type=covariance, max_iter=iters, tol=0,
                            init_params="random_from_data", weights_init=np.full(a.gmm_k, 1 / a.gmm_k),
                            means_init=means.astype(np.float64), precisions_init=prec, random_state=0)
        t0 = time.perf_counter()
        g.fit(x)
        return time.perf_counter() - t0, g

    with threadpool_limits(limits=a.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one, _ = sk(1)
        many, g = sk(a.gmm_iters + 1)
    sk_it = (many - one) / a.gmm_iters
    ratio = sk_it / k_run["seconds_per_iter"]
    print(f"gmm {covariance}: n={a.gmm_n} d={d} k={a.gmm_k} threads={a.threads} · kohort "
          f"{k_run['seconds_per_iter']:.4f} s/iter · scikit-learn {sk_it:.4f} s/iter · ratio {ratio:.2f}x · "
          f"mean log-likelihood kohort {k_run['lower_bound']:.6f} scikit-learn {g.lower_bound_:.6f}")


def bench_silhouette(a, tmp, rng):
    x, labels = blobs(rng, a.sil_n, a.sil_d, a.sil_k)
    xp, lp = os.path.join(tmp, "sil_x.npy"), os.path.join(tmp, "sil_labels.npy")
    np.save(xp, x)
    np.save(lp, labels.astype(np.float32).reshape(-1, 1))
    k_run = ours(a.bin, "silhouette", xp, lp, a.threads)
    with threadpool_limits(limits=a.threads):
        t0 = time.perf_counter()
        s = silhouette_score(x, labels)
        sk = time.perf_counter() - t0
    print(f"silhouette: n={a.sil_n} d={a.sil_d} k={a.sil_k} threads={a.threads} · kohort "
          f"{k_run['seconds']:.2f} s · scikit-learn {sk:.2f} s · ratio {sk / k_run['seconds']:.2f}x · "
          f"value kohort {k_run['silhouette']:.6f} scikit-learn {s:.6f}")


def bench_pca(a, tmp, rng):
    n, d, m = a.pca_n, a.pca_d, a.pca_m
    latent = rng.normal(size=(n, 40)).astype(np.float32) * np.geomspace(8, 0.5, 40).astype(np.float32)
    x = latent @ rng.normal(size=(40, d)).astype(np.float32)
    x += rng.normal(scale=0.3, size=(n, d)).astype(np.float32)
    del latent
    xp = os.path.join(tmp, "pca_x.npy")
    np.save(xp, x)
    runs = {s: ours(a.bin, "pca", xp, m, a.threads, s) for s in ("covariance", "randomized")}
    sk = {}
    with threadpool_limits(limits=a.threads):
        for solver in ("auto", "full"):
            p = PCA(n_components=m, svd_solver=solver, random_state=0)
            t0 = time.perf_counter()
            p.fit(x)
            sk[solver] = (time.perf_counter() - t0, float(p.explained_variance_ratio_.sum()))
    for s, r in runs.items():
        parts = " · ".join(f"scikit-learn {solver} {t:.2f} s (ratio {t / r['seconds']:.2f}x, kept {kept:.6f})"
                           for solver, (t, kept) in sk.items())
        print(f"pca {s}: n={n} d={d} m={m} threads={a.threads} · kohort {r['seconds']:.2f} s "
              f"(kept {r['variance_kept']:.6f}) · {parts}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="gmm,silhouette,pca")
    ap.add_argument("--bin", default="build-bench/bench/kohort_bench_engine")
    ap.add_argument("--gmm-n", type=int, default=1_000_000)
    ap.add_argument("--gmm-d", type=int, default=16)
    ap.add_argument("--gmm-k", type=int, default=20)
    ap.add_argument("--gmm-iters", type=int, default=5)
    ap.add_argument("--gmm-covariance", default="diag")
    ap.add_argument("--sil-n", type=int, default=100_000)
    ap.add_argument("--sil-d", type=int, default=16)
    ap.add_argument("--sil-k", type=int, default=12)
    ap.add_argument("--pca-n", type=int, default=1_000_000)
    ap.add_argument("--pca-d", type=int, default=147)
    ap.add_argument("--pca-m", type=int, default=30)
    a = ap.parse_args()
    only = set(a.only.split(","))
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, float32 inputs")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        if "gmm" in only:
            bench_gmm(a, tmp, rng, a.gmm_covariance)
        if "silhouette" in only:
            bench_silhouette(a, tmp, rng)
        if "pca" in only:
            bench_pca(a, tmp, rng)


if __name__ == "__main__":
    main()
