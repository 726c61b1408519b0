// kohort/select/choose_algorithm.h — the "auto" algorithm rule that `kohort cluster` and
// `kohort fit` share: k-means, a Gaussian mixture at the same k and HDBSCAN, compared by how
// well they separate the rows.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/cluster/clusterer.h"
#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::select {

struct AlgorithmChoiceOptions {
  std::vector<std::string> candidates = {"kmeans", "gmm", "hdbscan"};  ///< in order of simplicity
  int k_lo = 2, k_hi = 1000;       ///< a candidate must find this many segments
  double min_share = 0;            ///< and no segment below this share of the rows
  double max_outlier_share = 0.10; ///< and leave at most this share as outliers (label −1)
  double min_gain = 0.01;          ///< a later candidate must beat the best so far by this silhouette
  index_t silhouette_rows = 5000;  ///< exact up to this many rows, sampled above
};

struct AlgorithmChoice {
  std::string chosen;
  std::string reason;          ///< one sentence: the winner's silhouette and why the others lost
  nlohmann::json candidates;   ///< [{algo, k, silhouette, outlier_share, smallest_share, eligible, note}]
  cluster::Fitted fitted;      ///< the winner's fit on x
};

/// Fits every candidate on x with `params` (n_clusters = the k the centre and mixture models
/// use) and keeps the one with the best mean silhouette among the eligible: at least 2 segments
/// in [k_lo, k_hi], at most max_outlier_share of rows as outliers (the silhouette of the
/// clustered rows alone would flatter a density model otherwise) and no segment below
/// min_share. A candidate that fails to fit is ineligible with the reason; k-means labels every
/// row and wins when nothing is eligible. Deterministic for ctx.seed(); O(candidates' fits +
/// silhouette_rows·n·d).
[[nodiscard]] Result<AlgorithmChoice> choose_algorithm(const Context& ctx, MatrixView<const float> x,
                                                       const cluster::ClusterParams& params,
                                                       const AlgorithmChoiceOptions& options);

}  // namespace kohort::select
