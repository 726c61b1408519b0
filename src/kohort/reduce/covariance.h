// kohort/reduce/covariance.h — column means and the sample covariance of a matrix, by blocks.
#pragma once

#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"

namespace kohort::reduce {

struct Covariance {
  index_t d = 0;
  std::vector<double> mean;  ///< d column means
  std::vector<double> cov;   ///< d × d row-major sample covariance (divided by n − 1)

  [[nodiscard]] double at(index_t i, index_t j) const {
    return cov[static_cast<std::size_t>(i * d + j)];
  }
  /// Pearson correlation of columns i and j; 0 when either has zero variance.
  [[nodiscard]] double correlation(index_t i, index_t j) const;
};

/// Column means in double, summed per group of 65536 rows and over groups in order
/// (deterministic at any thread count).
[[nodiscard]] std::vector<double> column_means(const Context& ctx, MatrixView<const float> x);

/// Means and covariance of x's columns (n ≥ 2 rows). Rows are centred per block of 4096 and
/// multiplied by SSYRK; block products are summed in double per group of 16 blocks in block
/// order and the groups in group order, so the result is the same at any ctx.threads().
/// Time O(n·d²), memory O(d² · n / 65536).
[[nodiscard]] Covariance covariance(const Context& ctx, MatrixView<const float> x);

}  // namespace kohort::reduce
