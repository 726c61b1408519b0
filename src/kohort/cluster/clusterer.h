// kohort/cluster/clusterer.h — a fitted clusterer as one value, for every algorithm: fit it,
// assign new rows with a confidence, save it into a model document and read it back; and the
// registry that `kohort cluster` and `kohort fit` list their algorithms from.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/cluster/bgmm.h"
#include "kohort/cluster/gmm.h"
#include "kohort/cluster/hdbscan.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

/// What a density model does with a row no cluster claims.
enum class NoisePolicy {
  outlier,  ///< the row keeps segment −1
  nearest,  ///< the row takes the segment of the nearest cluster centroid, with confidence 0
};

/// Parameters shared by the algorithms; each reads the ones it needs.
struct ClusterParams {
  int n_clusters = 8;          ///< k (bgmm: the truncation level, 0 → 20; density: ignored)
  int n_init = 3;              ///< restarts
  int max_iter = 0;            ///< iterations per restart; 0 = the algorithm's own default
  double tol = -1;             ///< convergence tolerance; negative = the algorithm's own default
  std::string init = "kmeans++";  ///< kmeans++ | kmeans||
  std::string covariance = "diag";  ///< mixtures: diag | full
  double reg_covar = 1e-6;         ///< mixtures: added to every variance (the diagonal)
  double eps = 0.5;                ///< dbscan: neighbourhood radius
  int min_samples = 5;             ///< density: rows (itself included) that make a core row
  int min_cluster_size = 5;        ///< hdbscan: smallest cluster
  std::string cluster_selection = "eom";  ///< hdbscan: eom | leaf
  index_t max_fit_rows = 100000;   ///< hdbscan: the tree is built on at most this many sampled rows
  NoisePolicy noise = NoisePolicy::outlier;  ///< density models: rows no cluster claims
};

/// How a fitted clusterer assigns a row.
enum class AssignRule {
  nearest_centre,  ///< kmeans, minibatch, ward (its cut's centroids); confidence 1 − d₁²/d₂²
  posterior,       ///< gmm, bgmm: the most probable component; confidence its posterior
  density,         ///< hdbscan: the mutual-reachability nearest fitted row; confidence its
                   ///< membership probability (predict_hdbscan)
  core_radius,     ///< dbscan: the nearest core row within eps; confidence 1 inside, 0 outside
};

/// A fitted clusterer: everything assigning a new row needs, and nothing about the rows it was
/// fitted on beyond that. Segment s is row s of `centers` for every algorithm.
struct FittedClusterer {
  std::string algorithm;  ///< its registry name
  AssignRule rule = AssignRule::nearest_centre;
  Matrix<float> centers;  ///< k × d: centres, component means, or each density cluster's centroid
  std::optional<GmmFit> gmm;        ///< gmm (labels and confidence empty)
  std::optional<BgmmFit> bgmm;      ///< bgmm (labels and confidence empty)
  std::optional<HdbscanFit> hdbscan;  ///< hdbscan: the fitted rows' part only (per-input vectors empty)
  Matrix<float> core_rows;          ///< dbscan
  std::vector<std::int32_t> core_labels;  ///< dbscan
  double eps = 0;                   ///< dbscan
  NoisePolicy noise = NoisePolicy::outlier;  ///< density rules

  [[nodiscard]] int k() const { return static_cast<int>(centers.rows()); }
  [[nodiscard]] index_t dims() const { return centers.cols(); }
};

/// Labels and confidence of rows.
struct Prediction {
  std::vector<std::int32_t> labels;  ///< 0..k−1, or −1 (density rules with the outlier policy)
  std::vector<float> confidence;     ///< in [0, 1], one per row
};

/// The outcome of a fit on n rows, as the algorithm itself labels them.
struct Segmentation {
  std::vector<std::int32_t> labels;   ///< 0..k−1, or −1 for outliers
  std::vector<float> confidence;      ///< per row in [0, 1] where the algorithm has one; else empty
  int n_clusters = 0;
  double objective = 0;               ///< the algorithm's own objective (inertia, −loglik…)
  double bic = 0;                     ///< Bayesian information criterion where defined
  bool has_bic = false;
  bool has_outliers = false;          ///< the algorithm marks outliers (label −1)
};

/// How many of a labelling's rows predict() gives the same segment.
struct Agreement {
  double share = 1;
  index_t differ = 0;
};
struct Fitted {
  FittedClusterer model;
  Segmentation segmentation;  ///< the algorithm's own labelling of the training rows
  /// The training rows as the fitted model publishes them: predict() of them for the centre and
  /// mixture rules, Ward included (its segments are the cells of the cut's centroids), so that
  /// assigning them again reproduces them exactly; for the density rules the algorithm's own
  /// labels (the noise policy applied), which predict() reproduces on all but a few rows.
  Prediction training;
  /// How many training rows the stored model assigns as the algorithm labelled them: for ward
  /// the rows its cut's centroids keep, for the density rules the rows predict() reproduces;
  /// 1 for the others, by construction.
  Agreement agreement;
};

/// Fits `algorithm` (a registry name) on x (n × d, finite); weights (n, or empty) only for
/// kmeans and ward. Errors: invalid_argument for an unknown algorithm or a bad parameter (named
/// as its flag), unsupported for weights an algorithm cannot take, invalid_input for bad data.
/// Deterministic for ctx.seed() at any ctx.threads().
[[nodiscard]] Result<Fitted> fit_clusterer(const Context& ctx, std::string_view algorithm, const ClusterParams& params,
                                           MatrixView<const float> x, std::span<const float> weights = {});

/// Labels and confidence of new rows (m × dims(), finite) by the model's rule. Parallel and
/// deterministic; O(m·k·d) for centres, O(m·k·d²) for full mixtures, O(m·log n) for density.
[[nodiscard]] Result<Prediction> predict(const Context& ctx, const FittedClusterer& model, MatrixView<const float> x);

/// Posterior probabilities of rows [begin, end) of x for a posterior-rule model: out[(i − begin)·k
/// + s]; predict()'s label is the first maximum. invalid_argument for another rule.
[[nodiscard]] Status posteriors(const Context& ctx, const FittedClusterer& model, MatrixView<const float> x,
                                index_t begin, index_t end, std::vector<double>& out);

/// A centre rule's confidence in a row's nearest centre: 1 − d₁²/d₂² (0 on a boundary, 1 at the
/// centre; 1 when k = 1).
[[nodiscard]] float centre_confidence(const NearestTwo& nearest, index_t k);

/// The share of `labels` that `predicted` reproduces, and how many rows it does not.
[[nodiscard]] Agreement prediction_agreement(const std::vector<std::int32_t>& labels, const Prediction& predicted);

/// The model as a JSON object: {"algorithm", "rule", "centers", …the rule's own parameters}.
[[nodiscard]] nlohmann::json to_json(const FittedClusterer& model);
/// Reads to_json()'s object for a clustering space of `dims` columns; invalid_input (where
/// "model") naming the key that is missing, mistyped or of the wrong size. Documents written
/// before the rule was recorded (kmeans, gmm) are read as such.
[[nodiscard]] Result<FittedClusterer> clusterer_from_json(const nlohmann::json& j, index_t dims);

/// One row of the registry: `kohort cluster --algo list` prints these.
struct ClustererInfo {
  std::string_view name;         ///< as on the command line: "kmeans"
  std::string_view description;  ///< one line
  bool takes_k;                  ///< whether --k applies (and --k auto can scan it)
  bool in_fit;                   ///< `kohort fit --algo` offers it
};

/// Every registered algorithm, in display order.
[[nodiscard]] std::span<const ClustererInfo> clusterers();
/// The algorithm called `name`, or nullptr.
[[nodiscard]] const ClustererInfo* find_clusterer(std::string_view name);

}  // namespace kohort::cluster
