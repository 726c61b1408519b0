// kohort/select/metrics.h — internal validity metrics of a labelling: inertia, silhouette,
// Calinski–Harabasz, Davies–Bouldin.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::select {

/// Labels are 0..k−1; a negative label marks an outlier, left out of every metric below.
using Labels = std::span<const std::int32_t>;

/// Σ‖xᵢ − μ(cᵢ)‖² around each cluster's mean (double accumulation).
[[nodiscard]] Result<double> inertia(const Context& ctx, MatrixView<const float> x, Labels labels);

struct Silhouette {
  double mean = 0;                     ///< mean over scored rows (scikit-learn's silhouette_score)
  std::vector<double> per_cluster;     ///< mean per cluster (NaN for an empty cluster)
  std::vector<float> per_row;          ///< exact: every row (outliers NaN); sampled: empty
  double ci_low = 0, ci_high = 0;      ///< 95% interval of the mean; equal to mean when exact
  index_t rows_scored = 0;
  bool sampled = false;
};

/// Exact silhouette (Rousseeuw 1987) with Euclidean distances, as scikit-learn's
/// silhouette_samples: s = (b − a) / max(a, b), 0 for members of singleton clusters.
/// Distances come from SGEMM tiles of centred data, summed per cluster in double, so memory is
/// O(block·k + tile) whatever n; time O(n²·d). Requires 2 ≤ k ≤ n − 1 clusters present,
/// otherwise invalid_input. Deterministic at any thread count.
[[nodiscard]] Result<Silhouette> silhouette(const Context& ctx, MatrixView<const float> x,
                                            Labels labels);

/// Silhouette of `sample_size` rows drawn without replacement (ctx.rng("silhouette")), each
/// scored exactly against all n rows; the 95% interval is mean ± 1.96·sd/√m with the finite-
/// population correction. Falls back to exact when sample_size ≥ n. Time O(m·n·d).
[[nodiscard]] Result<Silhouette> silhouette_sampled(const Context& ctx, MatrixView<const float> x,
                                                    Labels labels, index_t sample_size);

/// Calinski–Harabasz index: [B/(k−1)] / [W/(n−k)] (1.0 when W = 0, as scikit-learn).
[[nodiscard]] Result<double> calinski_harabasz(const Context& ctx, MatrixView<const float> x,
                                               Labels labels);

/// Davies–Bouldin index: mean over clusters of max_j (sᵢ + sⱼ)/‖μᵢ − μⱼ‖, sᵢ the mean distance
/// of members to their centroid (0 when all centroids coincide, as scikit-learn).
[[nodiscard]] Result<double> davies_bouldin(const Context& ctx, MatrixView<const float> x,
                                            Labels labels);

/// Number of clusters (max label + 1) and rows per cluster; outliers are not counted.
[[nodiscard]] std::vector<index_t> cluster_sizes(Labels labels);

}  // namespace kohort::select
