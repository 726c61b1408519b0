// kohort/reduce/umap.h — UMAP (McInnes, Healy & Melville 2018) as umap-learn 0.5 computes it:
// kNN graph, fuzzy simplicial set, spectral initialisation, SGD layout with negative sampling,
// and the transform of new rows into a fitted embedding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"
#include "kohort/reduce/knn.h"

namespace kohort::reduce {

enum class UmapInit {
  spectral,  ///< eigenvectors of the graph's normalised Laplacian (umap-learn's default)
  random,    ///< uniform in [−10, 10]
};

struct UmapOptions {
  int n_neighbors = 15;      ///< neighbours per row, the row itself included; ≥ 2
  int n_components = 2;      ///< embedding dimensions, 1 … 8
  double min_dist = 0.1;     ///< ≥ 0, and below spread
  double spread = 1.0;       ///< > 0
  int n_epochs = 0;          ///< 0: 500 for n ≤ 10000 rows, 200 above (umap-learn)
  double learning_rate = 1.0;
  double repulsion_strength = 1.0;  ///< gamma
  int negative_sample_rate = 5;
  double local_connectivity = 1.0;
  double set_op_mix_ratio = 1.0;    ///< 1: fuzzy union; 0: fuzzy intersection
  UmapInit init = UmapInit::spectral;
  /// Seed of every random choice (kNN, initialisation noise, negative samples); −1 uses
  /// ctx.seed().
  std::int64_t seed = -1;
  /// Neighbour search (n_neighbors above overrides knn.n_neighbors).
  KnnOptions knn;
  /// Spectral initialisation: subspace-iteration steps at most.
  int spectral_max_iter = 300;
};

/// Parses "umap:N" (N embedding dimensions, 1 … 8; "umap" alone means 2).
[[nodiscard]] Result<UmapOptions> parse_umap(std::string_view text);

/// umap-learn's find_ab_params: a, b of 1 / (1 + a·d^(2b)) fitted by least squares
/// (Levenberg–Marquardt from a = b = 1) to the curve that is 1 below min_dist and
/// exp(−(d − min_dist) / spread) above, at 300 points over [0, 3·spread]. Fails with
/// invalid_argument for spread ≤ 0, min_dist < 0 or min_dist ≥ 3·spread.
struct CurveParams {
  double a = 0;
  double b = 0;
};
[[nodiscard]] Result<CurveParams> find_ab_params(double spread, double min_dist);

/// umap-learn's smooth_knn_dist on rows of `distances` (n × k, sorted, first column the row
/// itself for a kNN graph): per row, rho = the local_connectivity-th nonzero distance
/// (interpolated), and sigma by 64 bisection steps until Σ_{j≥1} exp(−max(0, d_j − rho)/sigma)
/// is within 1e−5 of log2(k_target)·bandwidth (in float32, as umap-learn's numba kernel),
/// floored at 1e−3 of the row's mean distance (of all distances when rho is 0). O(n·k·64).
struct SmoothKnn {
  std::vector<float> sigmas;
  std::vector<float> rhos;
};
[[nodiscard]] SmoothKnn smooth_knn_dist(std::span<const float> distances, index_t n, int k,
                                        double k_target, double local_connectivity,
                                        double bandwidth = 1.0);

/// A sparse symmetric weighted graph in CSR form: row i's columns are
/// cols[row_start[i] .. row_start[i+1]), ascending.
struct FuzzyGraph {
  index_t n = 0;
  std::vector<std::int64_t> row_start;  ///< n + 1
  std::vector<std::int32_t> cols;
  std::vector<float> weights;
  std::vector<float> sigmas;  ///< n
  std::vector<float> rhos;    ///< n
};

/// umap-learn's fuzzy_simplicial_set on a kNN graph: memberships
/// exp(−max(0, d − rho_i)/sigma_i) (0 to the row itself), combined with the transpose as
/// mix·(A + Aᵀ − A∘Aᵀ) + (1 − mix)·A∘Aᵀ, zeros dropped. Deterministic; O(n·k log k) time.
[[nodiscard]] Result<FuzzyGraph> fuzzy_simplicial_set(const Context& ctx, const KnnGraph& knn,
                                                      double local_connectivity = 1.0,
                                                      double set_op_mix_ratio = 1.0);

/// A fitted UMAP: the embedding of the training rows and what transform_umap needs.
struct UmapFit {
  UmapOptions options;          ///< as given (n_neighbors capped at n)
  int n_epochs = 0;             ///< epochs run (options.n_epochs, or the automatic choice)
  CurveParams ab;
  Matrix<float> embedding;      ///< n × n_components, scaled as umap-learn (about [0, 10])
  Matrix<float> data;           ///< the training rows (n × d), searched by transform
  KnnGraph knn;                 ///< the training kNN graph, the search graph of transform
  std::uint64_t seed = 0;       ///< the seed used
  std::string init;             ///< "spectral", or "random" with the reason
  int spectral_iterations = 0;
  index_t graph_edges = 0;      ///< directed edges of the symmetrised graph optimised
};

/// Fits UMAP to x (n × d, finite, n ≥ 2). Steps: knn_graph (exact up to
/// options.knn.exact_max_rows rows, NN-descent above), fuzzy_simplicial_set, edges below
/// max/n_epochs dropped, spectral initialisation (block subspace iteration on the normalised
/// adjacency with Rayleigh–Ritz; each connected component laid out apart as umap-learn's
/// multi-component layout), scaled by 10/max|·| plus N(0, 1e−4) noise, then each column to
/// [0, 10]; then n_epochs of SGD with umap-learn's schedule (alpha = learning_rate·(1 − e/E),
/// epochs_per_sample = w_max/w, negative_sample_rate negatives per positive sample, gradient
/// clipped to ±4).
///
/// Determinism: within an epoch each row is updated only by its own worker, from its own
/// edges, in edge order, reading the other rows as they were at the start of the epoch (a
/// synchronous, "Jacobi" epoch instead of umap-learn's Hogwild one); each edge both attracts
/// its head and, standing in for its reverse edge's move of the tail, attracts it again, so a
/// row receives the attraction umap-learn gives it. Negative samples come from a
/// (seed, epoch, block of 256 rows) stream. The embedding is therefore the same for a seed at
/// any ctx.threads(). n_neighbors > n is reduced to n with a logged warning.
/// Cost: kNN (above); SGD O(n_epochs·edges·negative_sample_rate·n_components); memory
/// O(n·(d + k)). Fails with invalid_input for fewer than 2 rows or a non-finite value, and
/// invalid_argument for options out of range; cancelled when ctx is cancelled.
[[nodiscard]] Result<UmapFit> fit_umap(const Context& ctx, MatrixView<const float> x,
                                       const UmapOptions& options);

/// Places new rows (m × d, the fit's d) into the fitted embedding as umap-learn's transform:
/// their n_neighbors nearest training rows (graph search above exact_max_rows training rows),
/// memberships with local connectivity reduced by 1, the membership-weighted mean of those
/// rows' embeddings as the start, then n_epochs/3 (or 100 for m ≤ 10000, 30 above, when
/// n_epochs was automatic) epochs moving only the new rows, at a quarter of the learning rate.
/// Deterministic at any thread count; the training embedding is not changed.
[[nodiscard]] Result<Matrix<float>> transform_umap(const Context& ctx, const UmapFit& fit,
                                                   MatrixView<const float> x);

}  // namespace kohort::reduce
