#include "kohort/cluster/internal/kd_tree.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace kohort::cluster::internal {

KdTree::KdTree(MatrixView<const float> x, index_t leaf_size)
    : n_(x.rows), d_(x.cols), leaf_size_(std::max<index_t>(1, leaf_size)) {
  order_.resize(static_cast<std::size_t>(n_));
  std::iota(order_.begin(), order_.end(), index_t{0});
  if (n_ > 0) build(x, 0, n_);
  points_.resize(static_cast<std::size_t>(n_ * d_));
  for (index_t p = 0; p < n_; ++p)
    std::copy(x.row(order_[static_cast<std::size_t>(p)]),
              x.row(order_[static_cast<std::size_t>(p)]) + d_, points_.begin() + p * d_);
}

index_t KdTree::build(MatrixView<const float> x, index_t begin, index_t end) {
  const index_t d = d_;
  const auto id = static_cast<index_t>(nodes_.size());
  nodes_.push_back(Node{begin, end, -1, -1});
  box_.resize(box_.size() + static_cast<std::size_t>(2 * d));
  float* lo = box_.data() + id * 2 * d;
  float* hi = lo + d;
  for (index_t j = 0; j < d; ++j) lo[j] = hi[j] = x(order_[static_cast<std::size_t>(begin)], j);
  for (index_t i = begin; i < end; ++i) {
    const float* r = x.row(order_[static_cast<std::size_t>(i)]);
    for (index_t j = 0; j < d; ++j) {
      lo[j] = std::min(lo[j], r[j]);
      hi[j] = std::max(hi[j], r[j]);
    }
  }
  if (end - begin <= leaf_size_) return id;
  index_t split = 0;
  float widest = -1;
  for (index_t j = 0; j < d; ++j) {
    const float w = hi[j] - lo[j];
    if (w > widest) {
      widest = w;
      split = j;
    }
  }
  if (widest <= 0) return id;  // all points equal: keep one leaf
  const index_t mid = begin + (end - begin) / 2;
  std::nth_element(order_.begin() + begin, order_.begin() + mid, order_.begin() + end,
                   [&](index_t a, index_t b) {
                     const float va = x(a, split), vb = x(b, split);
                     return va != vb ? va < vb : a < b;
                   });
  const index_t l = build(x, begin, mid);
  const index_t r = build(x, mid, end);
  nodes_[static_cast<std::size_t>(id)].left = l;
  nodes_[static_cast<std::size_t>(id)].right = r;
  return id;
}

double KdTree::box_distance2(index_t node, const float* q) const {
  const float* lo = box_.data() + node * 2 * d_;
  const float* hi = lo + d_;
  double gap = 0;
  for (index_t j = 0; j < d_; ++j) {
    const double v = q[j];
    const double t = v < lo[j] ? static_cast<double>(lo[j]) - v
                               : (v > hi[j] ? v - static_cast<double>(hi[j]) : 0.0);
    gap += t * t;
  }
  return gap;
}

template <typename Visit>
void KdTree::visit(const float* q, double r2, Visit&& fn) const {
  if (nodes_.empty()) return;
  std::vector<index_t> stack = {0};
  while (!stack.empty()) {
    const Node& n = nodes_[static_cast<std::size_t>(stack.back())];
    const index_t id = stack.back();
    stack.pop_back();
    if (box_distance2(id, q) > r2) continue;
    if (n.left < 0) {
      for (index_t i = n.begin; i < n.end; ++i)
        if (distance2(point(i), q, d_) <= r2) fn(order_[static_cast<std::size_t>(i)]);
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

void KdTree::knn(const float* q, index_t k, std::span<index_t> idx, std::span<double> dist) const {
  // A bounded max-heap of (squared distance, row) ordered lexicographically, so that equal
  // distances keep the lower row index; nodes are visited nearer child first and pruned only
  // when strictly farther than the current k-th.
  using Item = std::pair<double, index_t>;
  std::vector<Item> heap;
  heap.reserve(static_cast<std::size_t>(k) + 1);
  const auto kk = static_cast<std::size_t>(k);
  struct Frame {
    index_t node;
    double bound;
  };
  std::vector<Frame> stack;
  if (!nodes_.empty() && k > 0) stack.push_back({0, box_distance2(0, q)});
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    if (heap.size() == kk && f.bound > heap.front().first) continue;
    const Node& n = nodes_[static_cast<std::size_t>(f.node)];
    if (n.left < 0) {
      for (index_t i = n.begin; i < n.end; ++i) {
        const Item it{distance2(point(i), q, d_), order_[static_cast<std::size_t>(i)]};
        if (heap.size() < kk) {
          heap.push_back(it);
          std::push_heap(heap.begin(), heap.end());
        } else if (it < heap.front()) {
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = it;
          std::push_heap(heap.begin(), heap.end());
        }
      }
      continue;
    }
    const double bl = box_distance2(n.left, q), br = box_distance2(n.right, q);
    if (bl <= br) {
      stack.push_back({n.right, br});
      stack.push_back({n.left, bl});
    } else {
      stack.push_back({n.left, bl});
      stack.push_back({n.right, br});
    }
  }
  std::sort_heap(heap.begin(), heap.end());
  for (std::size_t i = 0; i < heap.size(); ++i) {
    idx[i] = heap[i].second;
    dist[i] = std::sqrt(heap[i].first);
  }
}

}  // namespace kohort::cluster::internal
