// kohort/cluster/internal/kd_tree.h — a static kd-tree for exact radius and k-nearest-neighbour
// queries in low dimension (reduced data of up to ~16 columns).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kohort/core/matrix.h"

namespace kohort::cluster::internal {

/// Built once over the rows of x; queries are read-only and thread-safe. The tree keeps its own
/// copy of the rows in tree order (n × d floats), so x need not outlive it. Splits at the
/// median of the widest box side; leaves hold at most leaf_size rows.
class KdTree {
 public:
  /// A node covers tree positions [begin, end); left/right are node indices, −1 at a leaf.
  struct Node {
    index_t begin = 0, end = 0;
    index_t left = -1, right = -1;
  };

  explicit KdTree(MatrixView<const float> x, index_t leaf_size = 32);

  /// Indices of all rows within Euclidean distance `radius` (inclusive) of `q`, ascending.
  void radius(const float* q, double radius, std::vector<index_t>& out) const;
  /// How many rows lie within `radius` of `q` (inclusive).
  [[nodiscard]] index_t count(const float* q, double radius) const;
  /// The k nearest rows of `q` (1 ≤ k ≤ rows), nearest first, ties to the lower row index;
  /// idx and dist (Euclidean) have room for k. A query that is itself a row finds itself first.
  void knn(const float* q, index_t k, std::span<index_t> idx, std::span<double> dist) const;

  // Read-only structure for custom traversals (node 0 is the root).
  [[nodiscard]] index_t rows() const { return n_; }
  [[nodiscard]] index_t dims() const { return d_; }
  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }
  /// Row index at each tree position.
  [[nodiscard]] const std::vector<index_t>& order() const { return order_; }
  /// Coordinates of the row at tree position `pos` (contiguous d floats).
  [[nodiscard]] const float* point(index_t pos) const {
    return points_.data() + static_cast<std::size_t>(pos * d_);
  }
  /// Squared distance from q to node's bounding box, summed over columns in order in double
  /// (never above squared_distance(q, p) for any row p inside the box, bit for bit).
  [[nodiscard]] double box_distance2(index_t node, const float* q) const;
  /// Squared Euclidean distance in double, columns summed in order; the same arithmetic as
  /// box_distance2, so that box bounds prune exactly.
  [[nodiscard]] static double distance2(const float* a, const float* b, index_t d) {
    double s = 0;
    for (index_t j = 0; j < d; ++j) {
      const double t = static_cast<double>(a[j]) - static_cast<double>(b[j]);
      s += t * t;
    }
    return s;
  }

 private:
  index_t build(MatrixView<const float> x, index_t begin, index_t end);
  template <typename Visit>
  void visit(const float* q, double r2, Visit&& fn) const;

  index_t n_ = 0, d_ = 0;
  index_t leaf_size_;
  std::vector<index_t> order_;
  std::vector<float> points_;  // n × d, tree order
  std::vector<float> box_;     // per node: lo[d] then hi[d]
  std::vector<Node> nodes_;
};

}  // namespace kohort::cluster::internal
