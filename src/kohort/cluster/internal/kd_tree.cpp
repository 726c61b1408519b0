#include "kohort/cluster/internal/kd_tree.h"

#include <algorithm>
#include <numeric>

namespace kohort::cluster::internal {

KdTree::KdTree(MatrixView<const float> x, index_t leaf_size) : x_(x), leaf_size_(leaf_size) {
  order_.resize(static_cast<std::size_t>(x.rows));
  std::iota(order_.begin(), order_.end(), index_t{0});
  if (x.rows > 0) build(0, x.rows);
}

index_t KdTree::build(index_t begin, index_t end) {
  const index_t d = x_.cols;
  Node node{begin, end, -1, -1, std::vector<float>(static_cast<std::size_t>(d)),
            std::vector<float>(static_cast<std::size_t>(d))};
  for (index_t j = 0; j < d; ++j) {
    float lo = x_(order_[static_cast<std::size_t>(begin)], j), hi = lo;
    for (index_t i = begin; i < end; ++i) {
      const float v = x_(order_[static_cast<std::size_t>(i)], j);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    node.lo[static_cast<std::size_t>(j)] = lo;
    node.hi[static_cast<std::size_t>(j)] = hi;
  }
  const auto id = static_cast<index_t>(nodes_.size());
  nodes_.push_back(node);
  if (end - begin <= leaf_size_) return id;
  index_t split = 0;
  float widest = -1;
  for (index_t j = 0; j < d; ++j) {
    const float w = node.hi[static_cast<std::size_t>(j)] - node.lo[static_cast<std::size_t>(j)];
    if (w > widest) {
      widest = w;
      split = j;
    }
  }
  if (widest <= 0) return id;  // all points equal: keep one leaf
  const index_t mid = begin + (end - begin) / 2;
  std::nth_element(order_.begin() + begin, order_.begin() + mid, order_.begin() + end,
                   [&](index_t a, index_t b) {
                     const float va = x_(a, split), vb = x_(b, split);
                     return va != vb ? va < vb : a < b;
                   });
  const index_t l = build(begin, mid);
  const index_t r = build(mid, end);
  nodes_[static_cast<std::size_t>(id)].left = l;
  nodes_[static_cast<std::size_t>(id)].right = r;
  return id;
}

template <typename Visit>
void KdTree::visit(const float* q, double r2, Visit&& fn) const {
  if (nodes_.empty()) return;
  const index_t d = x_.cols;
  std::vector<index_t> stack = {0};
  while (!stack.empty()) {
    const Node& n = nodes_[static_cast<std::size_t>(stack.back())];
    stack.pop_back();
    double gap = 0;
    for (index_t j = 0; j < d && gap <= r2; ++j) {
      const double v = q[j];
      const double lo = n.lo[static_cast<std::size_t>(j)], hi = n.hi[static_cast<std::size_t>(j)];
      const double t = v < lo ? lo - v : (v > hi ? v - hi : 0.0);
      gap += t * t;
    }
    if (gap > r2) continue;
    if (n.left < 0) {
      for (index_t i = n.begin; i < n.end; ++i) {
        const index_t row = order_[static_cast<std::size_t>(i)];
        const float* p = x_.row(row);
        double q2 = 0;
        for (index_t j = 0; j < d; ++j) {
          const double t = static_cast<double>(p[j]) - q[j];
          q2 += t * t;
        }
        if (q2 <= r2) fn(row);
      }
      continue;
    }
    stack.push_back(n.right);
    stack.push_back(n.left);
  }
}

void KdTree::radius(const float* q, double radius, std::vector<index_t>& out) const {
  out.clear();
  visit(q, radius * radius, [&](index_t row) { out.push_back(row); });
  std::sort(out.begin(), out.end());
}

index_t KdTree::count(const float* q, double radius) const {
  index_t c = 0;
  visit(q, radius * radius, [&](index_t) { ++c; });
  return c;
}

}  // namespace kohort::cluster::internal
