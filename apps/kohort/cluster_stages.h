// apps/kohort/cluster_stages.h — the stages of `kohort cluster`, in order: the options parsed,
// the input read, scaled and reduced, the rows clustered (k chosen, the algorithms compared),
// the segmentation measured, its stability and the columns' significance, the rows written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/cluster/clusterer.h"
#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"
#include "kohort/io/matrix_file.h"
#include "kohort/reduce/pca.h"
#include "kohort/reduce/scale.h"
#include "kohort/reduce/umap.h"
#include "kohort/select/choose_k.h"

namespace kohort::app {

struct ClusterArgs {
  std::string input;
  std::string algo = "kmeans";
  std::string k = "auto";
  int k_min = 2;
  int k_max = 12;
  double min_share = 0.0;
  std::string scale = "z";
  std::string reduce;
  std::string id_column;
  std::string out;
  cluster::ClusterParams params = [] {
    cluster::ClusterParams p;
    p.max_iter = 300;
    p.tol = 1e-4;
    return p;
  }();
  index_t silhouette_sample = 20000;
  index_t scan_sample = 5000;
  int gap_references = 0;
  int stability = 0;
  bool significance = false;
};

/// What the options ask for. plan_cluster() fails with invalid_argument naming the option (an
/// unknown --algo, a --k that is neither a number nor auto, a bad --scale or --reduce) and sets
/// a.params.n_clusters from a numeric --k.
struct ClusterPlan {
  const cluster::ClustererInfo* algo = nullptr;  ///< kmeans for --algo auto (it chooses k)
  bool compare = false;                          ///< --algo auto
  bool auto_k = false;                           ///< --k auto
  reduce::Scaling scaling{};
  std::optional<reduce::PcaOptions> pca;
  std::optional<reduce::UmapOptions> umap;
};
[[nodiscard]] Result<ClusterPlan> plan_cluster(ClusterArgs& a);

/// The input read, scaled and reduced: `x` is the space the rows are clustered in; `columns`
/// the scaled input columns when a reduction replaced them and --significance tests them.
struct ClusterInput {
  io::NumericTable table;  ///< ids and column names (values moved into x)
  Matrix<float> x;
  Matrix<float> columns;
  nlohmann::json reduce;   ///< null without a reduction
};
[[nodiscard]] Result<ClusterInput> prepare_input(const Context& ctx, const ClusterArgs& a, const ClusterPlan& plan);

/// The rows clustered: k chosen by the scan when --k auto (and refitted at that k so that the
/// algorithm's own outputs come with it), then with --algo auto the library's rule
/// (select/choose_algorithm.h) between k-means, a Gaussian mixture at that k and HDBSCAN.
struct Clustered {
  std::string algo;  ///< the algorithm whose labelling this is
  std::optional<select::KChoice> choice;
  cluster::Segmentation seg;
  nlohmann::json algorithm_choice;  ///< {chosen, reason, candidates} with --algo auto
};
[[nodiscard]] Result<Clustered> cluster_rows(const Context& ctx, const ClusterArgs& a, const ClusterPlan& plan,
                                             MatrixView<const float> x);

/// inertia, bic (mixtures), and with 2 ≤ k < n the silhouette (exact up to `silhouette_rows`,
/// else sampled with its interval), per segment, Calinski–Harabasz and Davies–Bouldin; warns of
/// a segment with a negative mean silhouette.
[[nodiscard]] Result<nlohmann::json> segment_metrics(const Context& ctx, MatrixView<const float> x,
                                                     const cluster::Segmentation& seg, index_t silhouette_rows);

/// Bootstrap stability of `labels` over a.stability refits by `algo` at their k (null when 0).
[[nodiscard]] Result<nlohmann::json> segment_stability(const Context& ctx, const ClusterArgs& a, std::string_view algo,
                                                       MatrixView<const float> x, const std::vector<std::int32_t>& labels);

/// ANOVA and Kruskal–Wallis of every column across the segments, most explained first.
[[nodiscard]] Result<nlohmann::json> column_significance(const Context& ctx, MatrixView<const float> columns,
                                                         const std::vector<std::int32_t>& labels,
                                                         const std::vector<std::string>& names);

/// `id,segment[,confidence][,outlier]` rows to `out` ("-" is stdout), written atomically; ids are
/// the table's, else row numbers.
[[nodiscard]] Status write_segments(const std::string& out, const std::vector<std::string>& ids,
                                    const cluster::Segmentation& seg);

/// The scan of --k auto as `kohort cluster --json` prints it ("decision").
[[nodiscard]] nlohmann::json scan_json(const select::KChoice& c);

}  // namespace kohort::app
