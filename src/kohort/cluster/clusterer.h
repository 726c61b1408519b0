// kohort/cluster/clusterer.h — one interface for every clustering algorithm, and the registry.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

/// Parameters shared by the algorithms; each reads the ones it needs.
struct ClusterParams {
  int n_clusters = 8;          ///< k (ignored by algorithms that settle their own number)
  int n_init = 3;              ///< restarts
  int max_iter = 300;          ///< iterations per restart
  double tol = 1e-4;           ///< convergence tolerance
  std::string init = "kmeans++";  ///< kmeans++ | kmeans||
  std::string covariance = "diag";  ///< mixtures: diag | full
  double reg_covar = 1e-6;         ///< mixtures: added to every variance (the diagonal)
  double eps = 0.5;                ///< density: neighbourhood radius
  int min_samples = 5;             ///< density: rows (itself included) that make a core row
  int min_cluster_size = 5;        ///< hdbscan: smallest cluster
  std::string cluster_selection = "eom";  ///< hdbscan: eom | leaf
};

/// The outcome of a fit on n rows.
struct Segmentation {
  std::vector<std::int32_t> labels;   ///< 0..k−1, or −1 for outliers
  std::vector<float> confidence;      ///< per row in [0, 1] where the model has one; else empty
  int n_clusters = 0;
  double objective = 0;               ///< the algorithm's own objective (inertia, −loglik…)
  double bic = 0;                     ///< Bayesian information criterion where defined
  bool has_bic = false;
  bool has_outliers = false;          ///< the algorithm marks outliers (label −1)
};

/// A clustering algorithm. fit() then predict() on new rows with the same columns.
/// Implementations validate their inputs (empty, non-finite, k > n) with clear Status values
/// and are deterministic for ctx.seed() at any ctx.threads().
class Clusterer {
 public:
  virtual ~Clusterer() = default;
  [[nodiscard]] virtual Result<Segmentation> fit(const Context& ctx, MatrixView<const float> x,
                                                 std::span<const float> weights) = 0;
  /// Labels for new rows; requires a successful fit().
  [[nodiscard]] virtual Result<std::vector<std::int32_t>> predict(
      const Context& ctx, MatrixView<const float> x) const = 0;
};

/// One row of the registry: `kohort cluster --algo list` prints these.
struct ClustererInfo {
  std::string_view name;         ///< as on the command line: "kmeans"
  std::string_view description;  ///< one line
  bool takes_k;                  ///< whether --k applies (and --k auto can scan it)
  std::unique_ptr<Clusterer> (*make)(const ClusterParams&);
};

/// Every registered algorithm, in display order.
[[nodiscard]] std::span<const ClustererInfo> clusterers();
/// The algorithm called `name`, or nullptr.
[[nodiscard]] const ClustererInfo* find_clusterer(std::string_view name);

}  // namespace kohort::cluster
