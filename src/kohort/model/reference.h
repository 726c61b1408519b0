// kohort/model/reference.h — what the fit population looked like, kept in the model document:
// per selected column its mean, spread and quantile function; per segment its members' means
// and variances, its centroid in the clustering space and its business KPIs. An assignment day
// measures feature shifts against it, and `kohort monitor` drift (monitor/drift.h).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/features/feature_table.h"
#include "kohort/model/model.h"

namespace kohort::model {

/// Quantiles kept per column: 0%, 1%, …, 100%. A KS distance measured against them is within
/// 1/(kReferenceQuantiles − 1) of the one against the whole population.
inline constexpr int kReferenceQuantiles = 101;
/// Rows the quantiles are computed from: all rows up to this many, else every ⌈n/m⌉-th row
/// (a quantile's standard error is then at most 0.5/√m = 0.0016 in probability).
inline constexpr index_t kReferenceQuantileRows = 100000;

/// The PSI bins of a column from its quantiles (kReferenceQuantiles of them) and its sorted
/// values: upper edges at the deciles, a repeated decile kept once, and the share of the
/// values in each bin (≤ its edge and > the previous one; the last bin takes the rest).
void decile_bins(const std::vector<double>& quantiles, const std::vector<double>& sorted, std::vector<double>& edges,
                 std::vector<double>& shares);

/// Per segment position in [0, k): its members' count, mean and unbiased variance of each
/// column of `x` (two passes in row order) and their mean in `space` (rows of `x`). Rows
/// labelled outside [0, k) are skipped; kpis are left empty.
[[nodiscard]] std::vector<SegmentReference> segment_moments(MatrixView<const float> x, MatrixView<const float> space,
                                                            const std::vector<std::int32_t>& labels, int k);

/// Business KPIs of each segment over every trailing window the feature spec counts:
/// revenue_per_customer (mean spend_{W}d), orders_per_customer (mean orders_{W}d) and
/// lapsed_share (share with no order in the window). A window lacks a KPI when its column is
/// not among the features. `labels` are segment positions in [0, k) (−1 rows are skipped).
[[nodiscard]] std::vector<std::vector<Kpi>> segment_kpis(const features::FeatureTable& raw,
                                                         const std::vector<int>& windows_days,
                                                         const std::vector<std::int32_t>& labels, int k);

/// Each segment's recent purchase mix: one MixShare per share column of the "recent" group,
/// weighted by the group's line count column (lines_{W}d); members without lines in the window
/// or with a missing share are skipped. Empty per segment when the table has no such group.
/// `labels` are segment positions in [0, k). O(n · mix columns), in row order.
[[nodiscard]] std::vector<std::vector<MixShare>> segment_mix(const features::FeatureTable& raw,
                                                            const std::vector<std::int32_t>& labels, int k);

/// The reference of a fit: `selected` are its rows' selected transformed columns, `space` their
/// clustering space, `labels` their segment positions in [0, k), `raw` their raw features (for
/// the KPIs). Deterministic at any ctx.threads(); O(n·d + d·m·log m) for m quantile rows.
[[nodiscard]] Reference fit_reference(const Context& ctx, MatrixView<const float> selected,
                                      MatrixView<const float> space, const std::vector<std::int32_t>& labels, int k,
                                      const features::FeatureTable& raw, const std::vector<int>& windows_days);

/// The document form ({"mean", "sd", "rows", "quantiles", "bin_edges", "bin_shares", "segments": [{"size", "mean", "var",
/// "centroid", "kpis": [{"kpi", "window_days", "value"}], "mix": [{"feature", "lines", "share", "var"}]}]})
/// and back ("mix" may be absent: a model from before it was kept). from_json fails with
/// invalid_input (where "model") unless every part matches `columns` selected columns, `k`
/// segments and `dims` clustering dimensions, and each quantile row is non-decreasing.
[[nodiscard]] nlohmann::json reference_to_json(const Reference& r);
[[nodiscard]] Result<Reference> reference_from_json(const nlohmann::json& j, std::size_t columns, int k, index_t dims);

}  // namespace kohort::model
