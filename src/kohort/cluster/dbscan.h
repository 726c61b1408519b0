// kohort/cluster/dbscan.h — density-based clustering; outliers are segment −1.
#pragma once

#include <cstdint>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

struct DbscanOptions {
  double eps = 0.5;     ///< neighbourhood radius (Euclidean, inclusive)
  int min_samples = 5;  ///< neighbours (the row itself included) that make a row a core row
};

struct DbscanFit {
  std::vector<std::int32_t> labels;  ///< 0..k−1, −1 for noise
  std::vector<std::uint8_t> core;    ///< 1 for core rows
  int n_clusters = 0;
};

/// DBSCAN (Ester et al. 1996) with exact radius queries on a kd-tree (meant for reduced data of
/// up to ~16 dimensions). Clusters grow from core rows in row order and border rows join the
/// first cluster that reaches them, as scikit-learn's DBSCAN with index-ordered neighbourhoods.
/// Neighbour counts run in parallel; deterministic. Memory O(n); time O(n · neighbourhood).
/// Fails with invalid_argument for eps ≤ 0 or min_samples < 1, invalid_input for bad data.
[[nodiscard]] Result<DbscanFit> fit_dbscan(const Context& ctx, MatrixView<const float> x,
                                           const DbscanOptions& options);

}  // namespace kohort::cluster
