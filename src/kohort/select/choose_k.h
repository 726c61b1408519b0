// kohort/select/choose_k.h — choosing the number of segments: scan k, score, constrain, explain.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::select {

struct ChooseKOptions {
  int k_min = 2;                   ///< smallest k scanned (≥ 2)
  int k_max = 12;                  ///< largest k scanned (≤ rows − 1)
  double min_share = 0.0;          ///< business constraint: every segment holds ≥ this share
  index_t min_size = 0;            ///< business constraint: every segment holds ≥ this many rows
  index_t silhouette_sample = 5000;  ///< exact silhouette up to this many rows, sampled above
  int gap_references = 0;          ///< > 0: also compute the gap statistic with this many
                                   ///< uniform reference sets (Tibshirani et al. 2001)
  index_t gap_max_rows = 20000;    ///< the gap statistic works on a sample of this many rows
};

/// Everything measured at one k.
struct KScanRow {
  int k = 0;
  double inertia = 0;
  double silhouette = 0, silhouette_low = 0, silhouette_high = 0;
  double calinski_harabasz = 0;
  double davies_bouldin = 0;
  double gap = 0, gap_sd = 0;  ///< gap statistic and its s_k (when computed)
  double smallest_share = 0;  ///< share of rows in the smallest segment
  bool feasible = true;       ///< passes the business constraints
  std::vector<std::int32_t> labels;
};

/// The choice and the evidence behind it.
struct KChoice {
  int k = 0;                 ///< the chosen k
  std::string rule;          ///< which rule decided ("silhouette maximum", …)
  std::string reason;        ///< one or two sentences for people
  int elbow_k = 0;           ///< knee of the inertia curve (Kneedle; Satopää et al. 2011)
  int silhouette_k = 0;      ///< silhouette maximum
  int calinski_harabasz_k = 0;  ///< Calinski–Harabasz maximum
  int davies_bouldin_k = 0;  ///< Davies–Bouldin minimum
  int gap_k = 0;             ///< smallest k with gap(k) ≥ gap(k+1) − s(k+1); 0 when not computed
  std::vector<KScanRow> table;  ///< one row per k scanned, ascending
};

/// Clusters the rows of a matrix into k groups; returns labels 0..k−1 (the algorithm under
/// test, e.g. k-means). Called on the data and, for the gap statistic, on reference data.
using FitAtK = std::function<Result<std::vector<std::int32_t>>(const Context&,
                                                               MatrixView<const float>, int k)>;

/// Scans k = k_min..k_max with `fit`, scores every labelling (inertia, silhouette — exact up to
/// silhouette_sample rows, sampled above — Calinski–Harabasz, Davies–Bouldin), marks k values
/// whose smallest segment breaks min_share/min_size as infeasible, and picks the silhouette
/// maximum among feasible k; when the silhouette maxima of two k overlap within their
/// intervals the smaller k wins (the simpler model). Fails with invalid_argument for a bad
/// range and invalid_input when no k is feasible (naming the constraint to relax).
/// Cost: (k_max − k_min + 1) fits plus the metrics.
[[nodiscard]] Result<KChoice> choose_k(const Context& ctx, MatrixView<const float> x,
                                       const ChooseKOptions& options, const FitAtK& fit);

/// Index of the knee of a decreasing convex curve y(x) by Kneedle; −1 when the curve is flat.
[[nodiscard]] int knee_index(const std::vector<double>& xs, const std::vector<double>& ys);

}  // namespace kohort::select
