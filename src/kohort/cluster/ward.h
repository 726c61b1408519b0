// kohort/cluster/ward.h — Ward agglomeration: the whole tree, cut at any k without refitting.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

/// One merge, in SciPy's linkage convention: ids < n are leaves (input rows), id n + i is the
/// cluster formed by merge i. height = sqrt(2 · ΔSSE), SciPy's Ward distance.
struct WardMerge {
  index_t a = 0, b = 0;  ///< merged ids, a < b
  double height = 0;
  double size = 0;       ///< total weight of the new cluster
};

/// The full Ward tree over n leaves; merges in ascending height (n − 1 of them).
struct WardTree {
  index_t leaves = 0;
  std::vector<WardMerge> merges;
  /// For trees built over micro-clusters: the micro-cluster of every original row (else empty).
  std::vector<std::int32_t> leaf_of_row;
};

struct WardOptions {
  index_t exact_max_rows = 50000;  ///< above this, merge k-means micro-clusters instead
  int micro_clusters = 1000;       ///< micro-clusters for large inputs
};

/// Ward's minimum-variance agglomeration (Ward 1963) by the nearest-neighbour chain algorithm
/// (Murtagh 1983) on cluster centroids and weights: exact, O(n²·d) time, O(n·d) memory — no
/// distance matrix. Above options.exact_max_rows rows it first fits k-means with
/// options.micro_clusters centres and merges those with their weights (the tree's leaves are
/// then the micro-clusters; leaf_of_row maps rows to them). weights: empty or n values > 0.
/// Deterministic at any thread count (nearest neighbours are searched in fixed blocks).
/// Fails with invalid_input for empty or non-finite data.
[[nodiscard]] Result<WardTree> fit_ward(const Context& ctx, MatrixView<const float> x,
                                        const WardOptions& options = {},
                                        std::span<const float> weights = {});

/// Labels 0..k−1 of the rows (or leaves) when the tree is cut into k clusters; clusters are
/// numbered by their first row. Requires 1 ≤ k ≤ leaves (invalid_argument otherwise). O(n).
[[nodiscard]] Result<std::vector<std::int32_t>> cut_ward(const WardTree& tree, int k);

}  // namespace kohort::cluster
