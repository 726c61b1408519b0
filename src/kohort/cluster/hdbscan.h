// kohort/cluster/hdbscan.h — hierarchical density-based clustering; outliers are segment −1.
#pragma once

#include <cstdint>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::cluster {

/// How flat clusters are read off the condensed tree.
enum class ClusterSelection {
  eom,   ///< excess of mass: the most stable set of clusters (Campello et al. 2013)
  leaf,  ///< every leaf of the condensed tree: many small, homogeneous clusters
};

struct HdbscanOptions {
  /// Smallest cluster: a split counts only when both sides keep at least this many rows (≥ 2).
  int min_cluster_size = 5;
  /// Rows, the row itself included, whose farthest sets the core distance (≥ 1, ≤ rows).
  /// R's dbscan::hdbscan(x, minPts = m) is min_samples = min_cluster_size = m.
  int min_samples = 5;
  ClusterSelection selection = ClusterSelection::eom;
  /// Above this many rows, the tree is built on a uniform sample of this many rows (seeded by
  /// ctx.seed()) and every other row is assigned as by predict_hdbscan(); 0 never samples.
  /// min_samples and min_cluster_size then count sampled rows. Measured on 8 columns (12
  /// Gaussian blobs + 5% uniform noise, min_samples 10, 2 threads on a shared 2-core machine):
  /// an exact fit of 100k rows takes 7–8 s (core distances ~2 s, spanning tree ~5.5 s) and
  /// grows a little faster than n; 1M rows with the default sample take ~90 s, most of it
  /// assigning the 900k other rows (~0.1 ms per row). Memory stays O(n·d) throughout.
  index_t max_fit_rows = 100000;
};

/// A fitted HDBSCAN: the flat result for every input row plus what predict_hdbscan() needs.
struct HdbscanFit {
  std::vector<std::int32_t> labels;   ///< 0..k−1, −1 for noise; numbered by first row
  std::vector<float> probabilities;   ///< membership in [0, 1]; 0 for noise (see fit_hdbscan)
  std::vector<float> outlier_scores;  ///< GLOSH in [0, 1]; higher is more outlying
  int n_clusters = 0;
  std::vector<double> stability;      ///< per cluster, as defined by Campello et al. (2013)
  bool sampled = false;               ///< the tree was built on max_fit_rows sampled rows

  // The model, over the rows the tree was built on (all rows, or the sample).
  int min_samples = 0;
  Matrix<float> rows;                    ///< fitted rows (m × d)
  std::vector<double> core_distances;    ///< m
  std::vector<std::int32_t> row_labels;  ///< m, labels of the fitted rows
  std::vector<double> row_eps_max;       ///< m, 1/λ_max of each row's deepest cluster (GLOSH)
  std::vector<double> row_exit;          ///< m, distance 1/λ at which each row leaves the tree
  std::vector<double> splits;            ///< distances at which condensed clusters split, ascending
  std::vector<double> cluster_birth;     ///< per cluster: distance at which it appears
  std::vector<double> cluster_max_core;  ///< per cluster: largest core distance of a member
};

/// HDBSCAN (Campello, Moulavi & Sander 2013; McInnes & Healy 2017) for reduced data of up to
/// ~16 columns.
/// - core distance: Euclidean distance to the min_samples-th nearest row, the row itself
///   counted (exact k-nearest neighbours on a kd-tree, in parallel);
/// - minimum spanning tree of the mutual-reachability graph max(core_a, core_b, ‖a − b‖) by
///   Borůvka with kd-tree nearest-foreign-neighbour queries; ties between equal weights go to
///   the lexicographically smaller (weight, lower row, higher row), so the tree is unique;
/// - single-linkage hierarchy → condensed tree with min_cluster_size → selection → labels.
/// The condensed tree, stabilities, membership probabilities and GLOSH scores follow R's
/// dbscan 1.1-11: a split into parts of which one is smaller than min_cluster_size keeps the
/// small part in the cluster (its rows leave at their own merge heights), membership is
/// (max core distance in the cluster − core distance) / that maximum, and GLOSH is
/// 1 − ε_max / ε_row. Where they differ from R, on purpose:
/// - merges at one height that hang together are one event, so the result does not depend on
///   the order of equal weights (mutual reachability makes such ties common: a row between
///   two clusters links to both at its core distance). If two or more parts are large, each
///   is a new cluster and the small parts — such a bridge row included — leave the splitting
///   cluster there; R puts the bridge into one side by its merge order (about one row in 500
///   on the reference data sets, see tests/cluster/hdbscan_test.cpp);
/// - when no split exists (every row is noise), GLOSH is taken against the densest row
///   instead of R's constant 1.
/// x: n × d, finite. Fails with invalid_input for an empty or non-finite matrix and with
/// invalid_argument for min_cluster_size < 2, min_samples < 1 or min_samples > rows fitted.
/// Deterministic for ctx.seed() at any ctx.threads() (the seed matters only when sampling).
/// Memory O(n·d); time about O(n·log n · d) for clustered data in low dimension (degrades
/// towards O(n²) in high dimension, where kd-trees stop pruning). Polls ctx.cancelled().
[[nodiscard]] Result<HdbscanFit> fit_hdbscan(const Context& ctx, MatrixView<const float> x,
                                             const HdbscanOptions& options);

struct HdbscanPrediction {
  std::vector<std::int32_t> labels;   ///< −1 where no cluster claims the row
  std::vector<float> probabilities;   ///< membership as in the fit, clamped to [0, 1]
  std::vector<float> outlier_scores;  ///< GLOSH against the neighbour's deepest cluster
};

/// Labels for new rows (as approximate_predict of McInnes' hdbscan): a row's core distance is
/// the distance to its min_samples-th nearest fitted row, its mutual-reachability nearest
/// fitted row q is found exactly (ties to the lower row), and the row joins q's cluster when
/// that distance is below the cluster's birth level (else −1, as when q is noise). A fitted
/// row passed again gets its own core distance and, but for exact ties, its own label.
/// x: m × d with the fit's columns, finite. Parallel, deterministic. Time O(m · log n).
[[nodiscard]] Result<HdbscanPrediction> predict_hdbscan(const Context& ctx, const HdbscanFit& fit,
                                                        MatrixView<const float> x);

/// One edge of the mutual-reachability minimum spanning tree.
struct MstEdge {
  index_t a = 0, b = 0;  ///< rows, a < b
  double weight = 0;     ///< max(core_a, core_b, ‖x_a − x_b‖)
};

/// Core distances (n): distance to the min_samples-th nearest row, the row itself included.
/// REQUIRES: 1 ≤ min_samples ≤ x.rows. Parallel, deterministic.
[[nodiscard]] std::vector<double> core_distances(const Context& ctx, MatrixView<const float> x,
                                                 int min_samples);

/// The mutual-reachability minimum spanning tree (n − 1 edges), sorted by (weight, a, b).
/// REQUIRES: core.size() == x.rows, x.rows ≥ 1. Parallel, deterministic; memory O(n).
[[nodiscard]] std::vector<MstEdge> mutual_reachability_mst(const Context& ctx,
                                                           MatrixView<const float> x,
                                                           const std::vector<double>& core);

}  // namespace kohort::cluster
