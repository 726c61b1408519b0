// bench/kmeans_iter.cpp — Lloyd iterations from given centres, timed; the peer script runs
// scikit-learn on the same .npy files in the same run.
// Usage: kohort_bench_kmeans_iter DATA.npy INIT.npy ITERATIONS THREADS [lloyd|hamerly]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kohort/cluster/internal/distance.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"
#include "kohort/io/matrix_file.h"

using namespace kohort;

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s DATA.npy INIT.npy ITERATIONS THREADS [lloyd|hamerly]\n", argv[0]);
    return 2;
  }
  auto x = io::read_npy(argv[1]);
  auto init = io::read_npy(argv[2]);
  if (!x.ok() || !init.ok()) {
    std::fprintf(stderr, "%s\n", (!x.ok() ? x.status() : init.status()).message().c_str());
    return 1;
  }
  const int iters = std::atoi(argv[3]);
  const int threads = std::atoi(argv[4]);
  blas::set_threads(threads);
  const Context ctx(threads, 0);
  cluster::KMeansOptions o;
  o.n_clusters = static_cast<int>(init->rows());
  o.initial_centers = &*init;
  o.max_iter = iters;
  o.tol = 0;
  o.algorithm = argc == 6 && std::string(argv[5]) == "lloyd" ? cluster::KMeansAlgorithm::lloyd
                                                             : cluster::KMeansAlgorithm::hamerly;
  const auto t0 = std::chrono::steady_clock::now();
  auto fit = cluster::fit_kmeans(ctx, x->cview(), o);
  const auto t1 = std::chrono::steady_clock::now();
  if (!fit.ok()) {
    std::fprintf(stderr, "%s\n", fit.status().message().c_str());
    return 1;
  }
  // The SGEMM bound: the distance products alone, tiled as the assignment step tiles them.
  const index_t n = x->rows(), k = init->rows();
  const auto tile = cluster::internal::kTileRows;
  std::vector<float> scratch(static_cast<std::size_t>(tile * k * threads));
  const auto g0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 3; ++rep)
    parallel_for_blocks_indexed(ctx, n, tile, [&](int w, index_t, index_t t, index_t te) {
      MatrixView<float> g(scratch.data() + static_cast<std::size_t>(w * tile * k), te - t, k);
      blas::gemm_abt(1.0f, x->cview().rows_range(t, te), init->cview(), 0.0f, g);
    });
  const auto g1 = std::chrono::steady_clock::now();
  const double total = std::chrono::duration<double>(t1 - t0).count();
  const double gemm = std::chrono::duration<double>(g1 - g0).count() / 3;
  std::printf("{\"seconds\": %.6f, \"n_iter\": %d, \"inertia\": %.9g, \"sgemm_seconds\": %.6f}\n",
              total, fit->n_iter, fit->inertia, gemm);
  return 0;
}
