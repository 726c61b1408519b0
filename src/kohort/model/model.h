// kohort/model/model.h — the segment model: one self-describing, versioned document holding
// everything needed to assign a new customer (feature spec, fitted transforms, selected
// columns, reducer, clusterer, segment ids and names) plus its profiles, diagnostics and
// lineage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/cluster/clusterer.h"
#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"
#include "kohort/features/feature_spec.h"
#include "kohort/features/feature_table.h"
#include "kohort/features/transform.h"
#include "kohort/reduce/pca.h"

namespace kohort::model {

inline constexpr std::string_view kFormat = "kohort.segment-model";
inline constexpr int kFormatVersion = 1;

/// The fitted clusterer in the space it was fitted in (cluster/clusterer.h: every algorithm).
using ClustererModel = cluster::FittedClusterer;

/// A business KPI of a segment over a trailing window (model/reference.h).
struct Kpi {
  std::string name;     ///< "revenue_per_customer", "orders_per_customer" or "lapsed_share"
  int window_days = 0;  ///< the trailing window the feature columns count over
  double value = 0;
};

/// A segment's recent purchase mix on one share column of the "recent" feature group
/// (features::is_clustered_group): the members' shares weighted by their lines in the window,
/// the lines that rests on, and the variance of that ratio estimate with each customer as a
/// cluster (a customer's lines share a channel, so they are not independent draws).
struct MixShare {
  std::string feature;  ///< "channel_share_app_30d", "discounted_line_share_30d", …
  double lines = 0;     ///< Σ weights: the members' lines in the window with a known value
  double share = 0;     ///< Σ w·v / Σ w (0 without lines)
  double var = 0;       ///< m/(m−1) · Σ (w·v − share·w)² / (Σ w)² over the m members with lines
};

/// One segment of the fit as the monitor compares it: its members' selected columns and its
/// centroid in the clustering space.
struct SegmentReference {
  std::int64_t size = 0;              ///< members in the fit
  std::vector<double> mean, var;      ///< per selected column (var: unbiased; 0 for one member)
  std::vector<double> centroid;       ///< the members' mean in the clustering space
  std::vector<Kpi> kpis;
  std::vector<MixShare> mix;          ///< empty in a model from before the recent mix was kept
};

/// The fit population's selected (transformed) columns, against which an assignment day or a
/// monitor run measures how far the customers have moved. Each part is empty in a model
/// stored without it.
struct Reference {
  std::vector<double> mean, sd;  ///< per selected column
  std::int64_t rows = 0;         ///< customers the quantiles describe (all, or a sample)
  /// Per selected column, its quantiles at 0, 1/(q−1), …, 1 (linear interpolation).
  std::vector<std::vector<double>> quantiles;
  /// Per selected column, the population stability index's bins: upper edges (the deciles,
  /// merged where a value repeats them; the last bin is open) and each bin's share of the rows.
  std::vector<std::vector<double>> bin_edges, bin_shares;
  std::vector<SegmentReference> segments;  ///< by segment position
};

struct SegmentModel {
  // What was fitted, when, by what.
  std::string kohort_version;
  std::string created_at;       ///< ISO 8601 UTC
  Seconds as_of = 0;            ///< features saw only events before this instant
  std::uint64_t seed = 0;
  nlohmann::json lineage;       ///< {"inputs": [{stream, file, rows_read, rows_accepted, fingerprint}], "config": {…}, "command"}
  // Assigning a customer.
  features::FeatureSpec spec;   ///< as_of is the fit's; assignment sets its own
  std::vector<std::string> feature_names;  ///< raw feature columns the transform expects
  features::FittedTransform transform;
  std::vector<index_t> selected;           ///< transformed columns kept for clustering
  std::optional<reduce::PcaFit> pca;
  ClustererModel clusterer;
  std::vector<std::string> segment_names;  ///< segment position (the clusterer's component) → name
  /// Segment position → published id: a segment's identity across versions (model/identity.h).
  /// Empty in a model read from before ids were kept: then the id is the position.
  std::vector<std::int32_t> segment_ids;
  Reference reference;
  // Explaining it (opaque to assignment): profiles, choice of k, metrics, map sample, CLV.
  nlohmann::json segments;      ///< array of profiles, one per segment id
  nlohmann::json diagnostics;   ///< {"metrics", "choice", "map", "heatmap", "stability", "dropped"}
  nlohmann::json clv;           ///< {"time_unit", "bgnbd", "gamma_gamma", "horizon"}
  nlohmann::json identity;      ///< how the segments were matched to the previous version's (model/identity.h)

  [[nodiscard]] int k() const { return static_cast<int>(segment_names.size()); }
  /// The published id of the segment at `position` (a label of predict()).
  [[nodiscard]] std::int32_t id_of(index_t position) const {
    return position < 0 ? -1 : segment_ids.empty() ? static_cast<std::int32_t>(position) : segment_ids[static_cast<std::size_t>(position)];
  }
  /// The position of the segment with published id `id`, or -1 when the model has none.
  [[nodiscard]] index_t position_of(std::int32_t id) const;
  [[nodiscard]] nlohmann::json to_json() const;
  /// Fails with invalid_input (where "model", what names the key) for a document that is not a
  /// Kohort segment model or whose format_version is newer than this build reads.
  [[nodiscard]] static Result<SegmentModel> from_json(const nlohmann::json& j);
};

struct Assignment {
  std::vector<std::int32_t> labels;  ///< segment id per row
  std::vector<float> confidence;     ///< by the clusterer's rule (cluster::predict)
  std::vector<std::string> missing_features;  ///< model features absent from the table (treated as missing)
};

/// Assigns the rows of a raw feature table (columns matched by name; extra columns ignored,
/// absent ones count as missing and are imputed as in the fit) to the model's segments.
/// Deterministic at any ctx.threads(); O(n·(d + m·k)).
[[nodiscard]] Result<Assignment> assign(const Context& ctx, const SegmentModel& model,
                                        const features::FeatureTable& raw);

/// A raw feature table's rows through the model: its selected transformed columns and their
/// image in the clustering space (the same matrix when the model has no reducer).
struct Embedded {
  Matrix<float> selected;  ///< n × selected columns
  Matrix<float> space;     ///< n × the clusterer's dimensions
  std::vector<std::string> missing_features;  ///< features the selected columns read, absent from the table
};

/// Aligns the raw columns the model's selected columns read to `raw`'s by name (absent ones count
/// as missing and are imputed as in the fit; other raw columns need not be there), transforms,
/// selects and reduces them: the code a fit's own rows went through. Deterministic at any
/// ctx.threads(); O(n · selected) memory besides the result.
[[nodiscard]] Result<Embedded> embed_features(const Context& ctx, const SegmentModel& model,
                                              const features::FeatureTable& raw);

/// The names of the model's selected columns, in order.
[[nodiscard]] std::vector<std::string> selected_names(const SegmentModel& model);

/// The model's clustering space for already transformed and selected rows (PCA applied when
/// the model has one).
[[nodiscard]] Result<Matrix<float>> embed(const Context& ctx, const SegmentModel& model, MatrixView<const float> selected);

/// Labels and confidence of rows in the clustering space.
[[nodiscard]] Result<Assignment> predict(const Context& ctx, const ClustererModel& clusterer, MatrixView<const float> x);

}  // namespace kohort::model
