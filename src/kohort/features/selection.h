// kohort/features/selection.h — feature selection before clustering: drop columns that repeat
// what an earlier column already says.
#pragma once

#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/features/feature_table.h"
#include "kohort/features/transform.h"

namespace kohort::features {

struct CorrelationFilter {
  std::vector<index_t> kept;            ///< columns kept, ascending
  std::vector<DroppedColumn> dropped;   ///< "correlated 0.97 with 'orders_total'"
};

/// Greedy correlation filter: walks the columns in table order and drops a column whose
/// absolute Pearson correlation with an already kept column is ≥ threshold (the earlier
/// column — in table order the more basic feature — is the one kept; the reason names the
/// kept column with the largest correlation). Columns of zero variance are kept (the transform
/// drops those with its own reason). threshold in (0, 1]; n ≥ 2 rows.
/// Deterministic at any ctx.threads(). O(n·d²) for the covariance plus O(d²).
[[nodiscard]] Result<CorrelationFilter> filter_correlated(const Context& ctx,
                                                          const FeatureTable& table,
                                                          double threshold);

/// Restricts the table to `columns` (ascending), info and values both, in place: the values
/// move within their matrix (Matrix::keep_columns), no copy is made.
void keep_columns(FeatureTable& table, const std::vector<index_t>& columns);

}  // namespace kohort::features
