// kohort/reduce/pca.h — principal component analysis by the covariance eigendecomposition.
#pragma once

#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::reduce {

struct PcaOptions {
  /// Components kept: a count ≥ 1, or 0 to keep the fewest whose cumulative explained
  /// variance reaches `variance` (e.g. 0.9).
  int n_components = 0;
  double variance = 0.9;
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

/// Fits PCA on x (n × d, finite, n ≥ 2). The covariance is accumulated from SSYRK products of
/// centred row blocks (double sums, combined in block order) and decomposed with Eigen's
/// self-adjoint solver; component signs are fixed so each component's largest-magnitude
/// loading is positive. Deterministic at any thread count. Time O(n·d² + d³); memory O(d²).
/// Fails with invalid_input for fewer than 2 rows and invalid_argument for a bad count.
[[nodiscard]] Result<PcaFit> fit_pca(const Context& ctx, MatrixView<const float> x,
                                     const PcaOptions& options);

/// Projects rows of x (same d as the fit) onto the components: n × m. One SGEMM per block.
[[nodiscard]] Result<Matrix<float>> transform_pca(const Context& ctx, const PcaFit& fit,
                                                  MatrixView<const float> x);

}  // namespace kohort::reduce
