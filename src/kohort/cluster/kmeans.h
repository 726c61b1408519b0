// kohort/cluster/kmeans.h — Lloyd k-means with k-means++ / k-means|| seeding and restarts.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

/// How the initial centres are chosen.
enum class KMeansInit {
  kmeans_pp,        ///< greedy k-means++ (Arthur & Vassilvitskii 2007; 2 + ln k local trials)
  kmeans_parallel,  ///< k-means|| (Bahmani et al. 2012): 5 rounds of oversampling, then k-means++
};

/// How the Lloyd iterations are carried out; both give the same partition (up to exact ties).
enum class KMeansAlgorithm {
  lloyd,    ///< every iteration: all n×k distances by SGEMM, fused with the centroid sums
  hamerly,  ///< Hamerly (2010) bounds skip rows whose centre provably did not change; moved
            ///< rows update the centroid sums incrementally (in double)
};

struct KMeansOptions {
  int n_clusters = 8;   ///< k; 1 ≤ k ≤ rows
  KMeansInit init = KMeansInit::kmeans_pp;
  int n_init = 3;       ///< restarts; the lowest inertia wins (ties: the earliest)
  int max_iter = 300;   ///< Lloyd iterations per restart
  KMeansAlgorithm algorithm = KMeansAlgorithm::hamerly;
  double tol = 1e-4;    ///< stop when Σ‖Δc‖² ≤ tol · mean feature variance (as scikit-learn)
  /// Optional k × d starting centres; when set, n_init is 1 and `init` is ignored.
  const Matrix<float>* initial_centers = nullptr;
};

/// A fitted k-means model.
struct KMeansFit {
  Matrix<float> centers;              ///< k × d
  std::vector<std::int32_t> labels;   ///< nearest centre of every training row
  std::vector<double> sizes;          ///< weight (row count when unweighted) per cluster
  double inertia = 0;                 ///< Σ wᵢ‖xᵢ − c(xᵢ)‖² for the returned centres
  int n_iter = 0;                     ///< Lloyd iterations of the winning restart
  bool converged = false;
};

/// Fits k-means to x (n × d, row-major, finite). weights: empty, or n non-negative values.
/// Fails with invalid_argument when k < 1 or k > n, and invalid_input when x is empty, holds
/// NaN/Inf (naming the first bad cell) or has fewer than k distinct rows' worth of weight.
/// Empty clusters are re-seeded at the points farthest from their centres.
/// Deterministic for ctx.seed() at any ctx.threads(). Per iteration: one n×k×d SGEMM + O(n·d);
/// extra memory O(n + threads·512·k + (n/16384)·k·d). Returns cancelled if ctx is cancelled.
[[nodiscard]] Result<KMeansFit> fit_kmeans(const Context& ctx, MatrixView<const float> x,
                                           const KMeansOptions& options,
                                           std::span<const float> weights = {});

/// The squared Euclidean distance of one row `x` (centers.cols values) to each centre, into
/// out[0..k): computed directly, with a fixed summation order (not as ‖x‖² − 2·x·c + ‖c‖²), so
/// a row gets the same bits wherever it sits in a matrix and whichever thread computes it.
void distances_to_centres(const float* x, MatrixView<const float> centers, float* out);

/// A row's nearest and second-nearest centre with their squared distances (second = -1 and
/// d2 = +∞ when k = 1). `first` is exactly the centre distances_to_centres() ranks nearest
/// (ties to the lower index); d1 and d2 are the SGEMM distances, within a rounding bound of
/// the direct ones.
struct NearestTwo {
  std::int32_t first = 0, second = -1;
  float d1 = 0, d2 = 0;
};

/// NearestTwo of every row of x (n × d) among `centers` (k × d) at SGEMM speed: per tile of
/// rows, ‖x‖² + ‖c‖² − 2·x·c and a rounding bound per centre; a row whose nearest centre is
/// not certain within the bounds has its possible nearest centres measured directly, so the
/// label is what distances_to_centres() would rank first, bit for bit. Deterministic at any
/// ctx.threads() (tiles are fixed from row 0). Fails with invalid_input when the widths differ.
[[nodiscard]] Result<std::vector<NearestTwo>> nearest_two(const Context& ctx, MatrixView<const float> centers,
                                                         MatrixView<const float> x);

/// Nearest centre of every row of x (n × d, same d as the fit); squared distances optional.
[[nodiscard]] Result<std::vector<std::int32_t>> assign_kmeans(const Context& ctx,
                                                              MatrixView<const float> centers,
                                                              MatrixView<const float> x,
                                                              std::vector<float>* min_dist = nullptr);

/// Initial centres by k-means++ (greedy) or k-means||, as fit_kmeans would choose them for
/// restart `run`. Exposed for benchmarks and tests that start peers from the same centres.
[[nodiscard]] Result<Matrix<float>> init_centers(const Context& ctx, MatrixView<const float> x,
                                                 int k, KMeansInit init, int run = 0,
                                                 std::span<const float> weights = {});

/// Checks that x is non-empty and finite; the location names the first bad row and column.
[[nodiscard]] Status check_finite(MatrixView<const float> x);

}  // namespace kohort::cluster
