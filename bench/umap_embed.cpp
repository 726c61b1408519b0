// bench/umap_embed.cpp — UMAP fit of a .npy matrix, timed; bench/umap_peer.sh runs umap-learn on
// the same file in the same run and compares wall time and trustworthiness.
// Usage: kohort_bench_umap_embed DATA.npy OUT_EMBEDDING.npy THREADS [SEED]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kohort/core/blas.h"
#include "kohort/io/matrix_file.h"
#include "kohort/reduce/knn.h"
#include "kohort/reduce/umap.h"

using namespace kohort;

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s DATA.npy OUT_EMBEDDING.npy THREADS [SEED]\n", argv[0]);
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto x = io::read_npy(argv[1]);
  if (!x.ok()) {
    std::fprintf(stderr, "%s\n", x.status().message().c_str());
    return 1;
  }
  const int threads = std::atoi(argv[3]);
  const std::uint64_t seed = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 42;
  blas::set_threads(1);
  const Context ctx(threads, seed);
  // The kNN graph alone, for the stage split (fit_umap computes it again).
  reduce::KnnOptions ko;
  const auto k0 = std::chrono::steady_clock::now();
  auto knn = reduce::knn_graph(ctx, x->cview(), ko);
  const auto k1 = std::chrono::steady_clock::now();
  if (!knn.ok()) {
    std::fprintf(stderr, "%s\n", knn.status().message().c_str());
    return 1;
  }
  const auto f0 = std::chrono::steady_clock::now();
  auto fit = reduce::fit_umap(ctx, x->cview(), {});
  const auto f1 = std::chrono::steady_clock::now();
  if (!fit.ok()) {
    std::fprintf(stderr, "%s\n", fit.status().message().c_str());
    return 1;
  }
  const Status w = io::write_npy(argv[2], fit->embedding.cview());
  if (!w.ok()) {
    std::fprintf(stderr, "%s\n", w.message().c_str());
    return 1;
  }
  const double load = std::chrono::duration<double>(k0 - t0).count();
  const double knn_s = std::chrono::duration<double>(k1 - k0).count();
  const double fit_s = std::chrono::duration<double>(f1 - f0).count();
  std::printf("{\"fit_seconds\": %.4f, \"knn_seconds\": %.4f, \"load_seconds\": %.4f, "
              "\"knn_iterations\": %d, \"knn_exact\": %s, \"init\": \"%s\", \"spectral_iterations\": %d, "
              "\"n_epochs\": %d, \"edges\": %lld}\n",
              fit_s, knn_s, load, knn->iterations, knn->exact ? "true" : "false", fit->init.c_str(),
              fit->spectral_iterations, fit->n_epochs, static_cast<long long>(fit->graph_edges));
  return 0;
}
