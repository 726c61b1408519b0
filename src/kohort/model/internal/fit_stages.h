// kohort/model/internal/fit_stages.h — the stages of fit_segments() after the features, each a
// function of what the stage before gave it: transform and select, reduce, choose the segments
// (how many, by which algorithm), cluster everyone, validate, profile, and the model document.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/cluster/clusterer.h"
#include "kohort/model/fit.h"
#include "kohort/reduce/pca.h"

namespace kohort::model::internal {

/// Rows [0, n) sampled without replacement (sorted, seeded by `purpose`), or all when n ≤ m.
[[nodiscard]] std::vector<index_t> sample_rows(const Context& ctx, index_t n, index_t m, std::string_view purpose);
/// The rows of x at `rows`, in that order.
[[nodiscard]] Matrix<float> gather(MatrixView<const float> x, const std::vector<index_t>& rows);

/// 3–4. The transformed columns the correlation filter kept.
struct Selected {
  features::FittedTransform transform;
  std::vector<index_t> kept;                      ///< transformed columns kept, ascending
  features::FeatureTable used;                    ///< those columns
  std::vector<features::DroppedColumn> dropped;   ///< by the transform, then by the filter
};
[[nodiscard]] Result<Selected> transform_and_select(const Context& ctx, const features::FeatureTable& raw,
                                                    const FitOptions& o);

/// 5. The clustering space: the kept columns, or their principal components.
struct Space {
  Matrix<float> x;                     ///< n × dimensions
  Matrix<float> columns;               ///< with PCA: the kept columns (without: empty, they are x)
  std::optional<reduce::PcaFit> pca;
  [[nodiscard]] MatrixView<const float> selected() const { return pca ? columns.cview() : x.cview(); }
};
[[nodiscard]] Result<Space> reduce_space(const Context& ctx, features::FeatureTable used, const FitOptions& o);

/// 6. How many segments, by which algorithm.
struct SegmentChoice {
  std::string algorithm;                  ///< a registry name, never "auto"
  int k = 0;                              ///< for the algorithms that take k (0 for hdbscan, bgmm)
  std::optional<select::KChoice> k_choice;
  nlohmann::json algorithm_choice;        ///< with --algo auto: {"chosen", "reason", "candidates"}
  index_t scanned = 0;                    ///< rows of the scan sample (0: none drawn)
};
[[nodiscard]] Result<SegmentChoice> choose_segments(const Context& ctx, MatrixView<const float> space,
                                                    const FitOptions& o);

/// What `algorithm` is fitted with in a fit of `rows` customers at k.
[[nodiscard]] cluster::ClusterParams cluster_params(const FitOptions& o, std::string_view algorithm, int k, index_t rows);

/// 7. The clusterer fitted on everyone, and everyone's segment and confidence by it.
struct Clustered {
  cluster::FittedClusterer model;
  std::vector<std::int32_t> labels;
  std::vector<float> confidence;
  double bic = std::numeric_limits<double>::quiet_NaN();
  cluster::Agreement agreement;  ///< assigning everyone again with the stored model
};
[[nodiscard]] Result<Clustered> cluster_everyone(const Context& ctx, MatrixView<const float> space,
                                                 const SegmentChoice& choice, const FitOptions& o);

/// 8. Separation and, when asked, bootstrap stability.
struct Validation {
  nlohmann::json metrics;            ///< inertia, silhouette, calinski_harabasz, davies_bouldin, bic …
  std::vector<double> silhouette;    ///< per segment (NaN: not measured)
  std::vector<double> stability;     ///< per segment (NaN: not measured)
};
[[nodiscard]] Result<Validation> validate_segments(const Context& ctx, MatrixView<const float> space,
                                                   const Clustered& c, const SegmentChoice& choice, const FitOptions& o);

/// 11. The model document's explanation: one profile object per segment, and the diagnostics the
/// report draws (metrics, choice of k, heatmap, map).
[[nodiscard]] nlohmann::json segments_json(const std::vector<features::FeatureInfo>& info, const profile::Profiles& profiles);
[[nodiscard]] Result<nlohmann::json> diagnostics_json(const Context& ctx, const FitResult& out, const Space& space,
                                                      const SegmentChoice& choice, const FitData& data,
                                                      const std::vector<index_t>& compared, const FitOptions& o);

}  // namespace kohort::model::internal
