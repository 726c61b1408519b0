// kohort/validate/significance.h — do the segments differ on each feature? ANOVA and
// Kruskal–Wallis per column.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::validate {

/// Test statistics of one column across segments.
struct ColumnTest {
  double anova_f = 0;        ///< one-way ANOVA F statistic
  double anova_p = 1;        ///< its p-value, F(k − 1, n − k)
  double kruskal_h = 0;      ///< Kruskal–Wallis H, corrected for ties
  double kruskal_p = 1;      ///< its p-value, χ²(k − 1)
  double eta_squared = 0;    ///< between-segment share of the column's variance
};

/// One-way ANOVA and Kruskal–Wallis of every column of x (n × d, finite) across the segments
/// in `labels` (0..k−1; negative labels — outliers — are left out), as scipy.stats.f_oneway and
/// scipy.stats.kruskal. Segments with no rows are ignored; at least 2 non-empty segments and
/// n > k are required (invalid_input otherwise). A constant column gives F = H = 0 and p = 1.
/// Columns run in parallel; deterministic. O(d·n·log n) time for the ranks, O(n) memory per
/// thread.
[[nodiscard]] Result<std::vector<ColumnTest>> column_tests(const Context& ctx,
                                                           MatrixView<const float> x,
                                                           std::span<const std::int32_t> labels);

}  // namespace kohort::validate
