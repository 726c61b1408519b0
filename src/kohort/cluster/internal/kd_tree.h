// kohort/cluster/internal/kd_tree.h — a static kd-tree for exact radius queries in low dimension.
#pragma once

#include <cstdint>
#include <vector>

#include "kohort/core/matrix.h"

namespace kohort::cluster::internal {

/// Built once over the rows of x (which must outlive it); queries are read-only and thread-safe.
class KdTree {
 public:
  explicit KdTree(MatrixView<const float> x, index_t leaf_size = 32);

  /// Indices of all rows within Euclidean distance `radius` (inclusive) of `q`, ascending.
  void radius(const float* q, double radius, std::vector<index_t>& out) const;
  /// How many rows lie within `radius` of `q` (inclusive).
  [[nodiscard]] index_t count(const float* q, double radius) const;

 private:
  struct Node {
    index_t begin, end;       // range in order_
    index_t left = -1, right = -1;
    std::vector<float> lo, hi;  // bounding box
  };
  index_t build(index_t begin, index_t end);
  template <typename Visit>
  void visit(const float* q, double r2, Visit&& fn) const;

  MatrixView<const float> x_;
  index_t leaf_size_;
  std::vector<index_t> order_;
  std::vector<Node> nodes_;
};

}  // namespace kohort::cluster::internal
