// bench/engine_kernels.cpp — the engine's heavy kernels on .npy inputs, timed; the peer script
// (bench/peers/engine_vs_sklearn.py) runs scikit-learn on the same files in the same run.
// Usage:
//   kohort_bench_engine gmm DATA.npy MEANS.npy ITERATIONS THREADS diag|full
//   kohort_bench_engine silhouette DATA.npy LABELS.npy THREADS
//   kohort_bench_engine pca DATA.npy COMPONENTS THREADS [covariance|randomized]
// Each prints one JSON line with its seconds and the result the peer is compared on.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kohort/cluster/gmm.h"
#include "kohort/io/matrix_file.h"
#include "kohort/reduce/pca.h"
#include "kohort/select/metrics.h"

using namespace kohort;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int fail(const Status& s) {
  std::fprintf(stderr, "%s\n", s.message().c_str());
  return 1;
}

// One EM fit of `iters` iterations from the given means (equal weights, unit precisions), so
// the per-iteration cost is (T(iters + 1) − T(1)) / iters with the setup cancelled out.
int bench_gmm(const std::string& data, const std::string& means, int iters, int threads,
              const std::string& covariance) {
  auto x = io::read_npy(data);
  auto mu = io::read_npy(means);
  if (!x.ok()) return fail(x.status());
  if (!mu.ok()) return fail(mu.status());
  const index_t k = mu->rows(), d = mu->cols();
  cluster::GmmStart start;
  start.weights.assign(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
  start.means.assign(mu->data(), mu->data() + k * d);
  const bool full = covariance == "full";
  if (full) {
    start.precisions.assign(static_cast<std::size_t>(k * d * d), 0.0);
    for (index_t c = 0; c < k; ++c)
      for (index_t j = 0; j < d; ++j) start.precisions[static_cast<std::size_t>((c * d + j) * d + j)] = 1.0;
  } else {
    start.precisions.assign(static_cast<std::size_t>(k * d), 1.0);
  }
  const Context ctx(threads, 0);
  auto run = [&](int n_iter, double& secs) -> Result<cluster::GmmFit> {
    cluster::GmmOptions o;
    o.n_components = static_cast<int>(k);
    o.covariance = full ? cluster::Covariance::full : cluster::Covariance::diag;
    o.max_iter = n_iter;
    o.tol = 0;
    o.start = &start;
    const auto t0 = std::chrono::steady_clock::now();
    auto fit = cluster::fit_gmm(ctx, x->cview(), o);
    secs = seconds_since(t0);
    return fit;
  };
  double one = 0, many = 0;
  auto a = run(1, one);
  if (!a.ok()) return fail(a.status());
  auto b = run(iters + 1, many);
  if (!b.ok()) return fail(b.status());
  std::printf("{\"seconds_per_iter\": %.6f, \"n_iter\": %d, \"lower_bound\": %.9g}\n",
              (many - one) / iters, b->n_iter, b->lower_bound);
  return 0;
}

int bench_silhouette(const std::string& data, const std::string& labels_path, int threads) {
  auto x = io::read_npy(data);
  auto l = io::read_npy(labels_path);
  if (!x.ok()) return fail(x.status());
  if (!l.ok()) return fail(l.status());
  std::vector<std::int32_t> labels(static_cast<std::size_t>(l->rows() * l->cols()));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(l->data()[i]);
  const Context ctx(threads, 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto s = select::silhouette(ctx, x->cview(), labels);
  const double secs = seconds_since(t0);
  if (!s.ok()) return fail(s.status());
  std::printf("{\"seconds\": %.6f, \"silhouette\": %.9g}\n", secs, s->mean);
  return 0;
}

int bench_pca(const std::string& data, int components, int threads, const std::string& solver) {
  auto x = io::read_npy(data);
  if (!x.ok()) return fail(x.status());
  const Context ctx(threads, 0);
  reduce::PcaOptions o;
  o.n_components = components;
  if (solver == "randomized") o.solver = reduce::PcaSolver::randomized;
  else if (solver == "covariance") o.solver = reduce::PcaSolver::covariance;
  const auto t0 = std::chrono::steady_clock::now();
  auto fit = reduce::fit_pca(ctx, x->cview(), o);
  const double secs = seconds_since(t0);
  if (!fit.ok()) return fail(fit.status());
  double kept = 0;
  for (double r : fit->explained_variance_ratio) kept += r;
  std::printf("{\"seconds\": %.6f, \"components\": %zu, \"variance_kept\": %.9g, "
              "\"first_variance\": %.9g}\n",
              secs, fit->explained_variance.size(), kept, fit->explained_variance.front());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "gmm" && argc == 7)
    return bench_gmm(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]), argv[6]);
  if (what == "silhouette" && argc == 5) return bench_silhouette(argv[2], argv[3], std::atoi(argv[4]));
  if (what == "pca" && (argc == 5 || argc == 6))
    return bench_pca(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argc == 6 ? argv[5] : "auto");
  std::fprintf(stderr,
               "usage: %s gmm DATA.npy MEANS.npy ITERATIONS THREADS diag|full\n"
               "       %s silhouette DATA.npy LABELS.npy THREADS\n"
               "       %s pca DATA.npy COMPONENTS THREADS [covariance|randomized]\n",
               argv[0], argv[0], argv[0]);
  return 2;
}
