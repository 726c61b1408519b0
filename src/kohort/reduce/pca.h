// kohort/reduce/pca.h — principal component analysis by the covariance eigendecomposition.
#pragma once

#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::reduce {

/// How the components are computed.
enum class PcaSolver {
  automatic,   ///< covariance up to 1000 columns, randomized above (wide data)
  covariance,  ///< the d × d covariance by SSYRK and its eigendecomposition: exact, O(n·d² + d³)
  randomized,  ///< randomized SVD (Halko, Martinsson & Tropp 2011): O(n·d·(m + 10)·(2q + 2))
};

struct PcaOptions {
  /// Components kept: a count ≥ 1, or 0 to keep the fewest whose cumulative explained
  /// variance reaches `variance` (e.g. 0.9).
  int n_components = 0;
  double variance = 0.9;
  PcaSolver solver = PcaSolver::automatic;
  int oversamples = 10;     ///< randomized: extra random directions beyond the m kept
  int power_iterations = -1;  ///< randomized: q; −1 = 7 when m < 0.1·min(n, d), else 4 (as scikit-learn)
};

/// Parses "pca:0.9" (variance share) or "pca:8" (component count).
[[nodiscard]] Result<PcaOptions> parse_pca(std::string_view text);

/// A fitted PCA: y = (x − mean) · componentsᵀ.
struct PcaFit {
  std::vector<double> mean;                   ///< d
  Matrix<float> components;                   ///< m × d, orthonormal rows, by decreasing variance
  std::vector<double> explained_variance;     ///< m eigenvalues (sample variance, n − 1)
  std::vector<double> explained_variance_ratio;  ///< m shares of the total variance
  double total_variance = 0;
};

/// Fits PCA on x (n × d, finite, n ≥ 2). The covariance solver accumulates SSYRK products of
/// centred row blocks (double sums, combined in block order) and decomposes them with Eigen's
/// self-adjoint solver. The randomized solver never forms the d × d matrix: it multiplies the
/// (implicitly centred) data by a seeded Gaussian test matrix (ctx.rng("pca")), runs q power
/// iterations re-orthonormalising every product (tall products by two passes of Gram
/// eigen-orthonormalisation, the d-side ones by Householder QR in double), and takes the SVD of
/// the small projected matrix; with a variance target it doubles m until the target is met.
/// Component signs are fixed so each component's largest-magnitude loading is positive.
/// Deterministic for a seed at any thread count. Memory: covariance O(d²); randomized
/// O(n·(m + 10) + d·(m + 10)).
/// Fails with invalid_input for fewer than 2 rows and invalid_argument for a bad count.
[[nodiscard]] Result<PcaFit> fit_pca(const Context& ctx, MatrixView<const float> x,
                                     const PcaOptions& options);

/// Projects rows of x (same d as the fit) onto the components: n × m. One SGEMM per block.
[[nodiscard]] Result<Matrix<float>> transform_pca(const Context& ctx, const PcaFit& fit,
                                                  MatrixView<const float> x);

}  // namespace kohort::reduce
