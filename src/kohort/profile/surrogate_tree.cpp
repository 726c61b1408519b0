#include "kohort/profile/surrogate_tree.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "kohort/core/checks.h"
#include "kohort/core/parallel.h"

namespace kohort::profile {

namespace {

// scikit-learn's EPSILON (np.finfo('double').eps): the impurity of a pure node, and the slack
// on min_impurity_decrease.
constexpr double kEpsilon = DBL_EPSILON;
// scikit-learn's FEATURE_THRESHOLD, a float32 added to a float32 value: neighbouring sorted
// values closer than this are not split between.
constexpr float kFeatureThreshold = 1e-7f;
constexpr int kMaxDepthLimit = 32;
constexpr int kMaxClasses = 1 << 16;
constexpr index_t kApplyBlock = 16384;

std::size_t at(index_t i) { return static_cast<std::size_t>(i); }

Status check_matrix(MatrixView<const float> x) {
  KOHORT_RETURN_IF_ERROR(check_finite_matrix(x, "remove or impute NaN and infinite values first"));
  if (x.rows >= std::numeric_limits<std::int32_t>::max())
    return Status::invalid_input("input", fmt::format("{} rows are too many for a tree", x.rows),
                                 "set max_rows to grow the tree on a sample");
  return {};
}

double gini(const double* class_weight, int n_classes, double weight) {
  double sq = 0;
  for (int c = 0; c < n_classes; ++c) sq += class_weight[c] * class_weight[c];
  return 1.0 - sq / (weight * weight);
}

// The largest float32 not above scikit-learn's threshold a/2 + b/2 (exact in double for
// float32 a < b, and strictly between them), so that x ≤ t and double(x) ≤ a/2 + b/2 agree
// for every float32 x.
float threshold_between(float a, float b) {
  const double mid = static_cast<double>(a) / 2.0 + static_cast<double>(b) / 2.0;
  float t = static_cast<float>(mid);
  if (static_cast<double>(t) > mid) t = std::nextafter(t, -std::numeric_limits<float>::infinity());
  return t;
}

// The rows a tree grows on, each column presorted: sorted values side by side with the sample
// they belong to, so that the split search reads them in sequence. It does not depend on
// labels, so segment_rules sorts once for all its trees.
struct Columns {
  index_t m = 0;
  index_t d = 0;
  std::vector<index_t> rows;         // input row of each sample, ascending
  std::vector<float> sorted;         // d × m: each column's values, ascending
  std::vector<std::int32_t> order;   // d × m: the sample of each sorted value (ties by sample)
};

// Candidate rows (ascending), reduced to a uniform sample of max_rows when there are more.
std::vector<index_t> sample_rows(const Context& ctx, std::vector<index_t> rows, index_t max_rows) {
  const auto n = static_cast<index_t>(rows.size());
  if (max_rows <= 0 || max_rows >= n) return rows;
  Rng rng = ctx.rng("profile.tree.rows");
  for (index_t i = 0; i < max_rows; ++i) {
    const auto j = i + static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(rows[at(i)], rows[at(j)]);
  }
  rows.resize(at(max_rows));
  std::sort(rows.begin(), rows.end());
  return rows;
}

Columns presort(const Context& ctx, MatrixView<const float> x, std::vector<index_t> rows) {
  Columns c;
  c.m = static_cast<index_t>(rows.size());
  c.d = x.cols;
  c.rows = std::move(rows);
  c.sorted.resize(at(c.m * c.d));
  c.order.resize(at(c.m * c.d));
  // (value, sample) pairs sort in one contiguous buffer per worker; sorting sample ids by a
  // value looked up elsewhere is several times slower (a cache miss per comparison).
  using Pair = std::pair<float, std::int32_t>;
  std::vector<std::vector<Pair>> buf(static_cast<std::size_t>(ctx.threads()),
                                     std::vector<Pair>(at(c.m)));
  parallel_for_blocks_indexed(ctx, c.d, 1, [&](int worker, index_t f, index_t, index_t) {
    std::vector<Pair>& b = buf[static_cast<std::size_t>(worker)];
    for (index_t i = 0; i < c.m; ++i)
      b[at(i)] = {x(c.rows[at(i)], f), static_cast<std::int32_t>(i)};
    std::sort(b.begin(), b.end());
    float* v = c.sorted.data() + f * c.m;
    std::int32_t* o = c.order.data() + f * c.m;
    for (index_t p = 0; p < c.m; ++p) {
      v[p] = b[at(p)].first;
      o[p] = b[at(p)].second;
    }
  });
  return c;
}

// The best split of one node along one feature.
struct Candidate {
  double proxy = -std::numeric_limits<double>::infinity();
  float threshold = 0;
  bool found = false;
};

// One sample in a feature's list: its value there and what the split search adds up.
struct Entry {
  float value;
  std::int32_t sample;
  std::int32_t y;
};

// Grows the tree breadth-first, one level at a time, on per-feature lists (SPRINT, Shafer et
// al. 1996): each feature's list holds the samples of the level's open nodes, grouped by node
// in the order of `active`, sorted by value within a node. A level scans every list once in
// sequence; the chosen splits then partition every list stably into the children's groups,
// dropping samples that reached a leaf. Node ids are breadth-first here and renumbered to
// preorder at the end.
class Grower {
 public:
  // w: empty for unit weights, else one weight > 0 per sample.
  Grower(const Context& ctx, const Columns& cols, std::span<const std::int32_t> y,
         std::span<const float> w, int n_classes, const TreeOptions& opt)
      : ctx_(ctx), c_(cols), y_(y), w_(w), n_classes_(n_classes), opt_(opt) {}

  Result<DecisionTree> grow() {
    const index_t m = c_.m, d = c_.d;
    const auto nc = static_cast<std::size_t>(n_classes_);
    nodes_.clear();
    values_.clear();
    depth_.clear();

    // Root totals, summed in sample order.
    TreeNode root;
    std::vector<double> root_class(nc, 0.0);
    for (index_t i = 0; i < m; ++i) {
      root_class[static_cast<std::size_t>(y_[at(i)])] += weight(static_cast<std::int32_t>(i));
      root.weight += weight(static_cast<std::int32_t>(i));
    }
    root.samples = m;
    root.impurity = gini(root_class.data(), n_classes_, root.weight);
    total_weight_ = root.weight;
    std::vector<std::int32_t> active;
    add_node(root, root_class.data(), 0, active);
    if (active.empty()) return to_preorder();

    lists_.resize(at(d * m));
    parallel_for_blocks(ctx_, d, 1, [&](index_t, index_t f, index_t) {
      const float* v = c_.sorted.data() + f * m;
      const std::int32_t* o = c_.order.data() + f * m;
      Entry* e = lists_.data() + f * m;
      for (index_t p = 0; p < m; ++p) e[p] = {v[p], o[p], y_[static_cast<std::size_t>(o[p])]};
    });
    bounds_ = {0, m};
    side_.assign(at(m), kDrop);
    while (!active.empty()) {
      if (ctx_.cancelled()) return Status::cancelled();
      active = grow_level(active);
    }
    return to_preorder();
  }

 private:
  static constexpr std::uint8_t kDrop = 2;  // side_ of a sample that leaves the lists

  double weight(std::int32_t sample) const {
    return w_.empty() ? 1.0 : static_cast<double>(w_[static_cast<std::size_t>(sample)]);
  }

  bool leaf_by_rule(const TreeNode& node, int depth) const {
    return depth >= opt_.max_depth || node.samples < opt_.min_samples_split ||
           node.samples < 2 * opt_.min_samples_leaf || node.impurity <= kEpsilon;
  }

  void add_node(const TreeNode& node, const double* class_weight, int depth,
                std::vector<std::int32_t>& active) {
    const auto id = static_cast<std::int32_t>(nodes_.size());
    nodes_.push_back(node);
    values_.insert(values_.end(), class_weight, class_weight + n_classes_);
    depth_.push_back(depth);
    if (!leaf_by_rule(node, depth)) active.push_back(id);
  }

  const Entry* list(index_t f) const { return lists_.data() + f * c_.m; }

  // The best split of every open node along feature f; `left` is C doubles of scratch.
  void scan_feature(index_t f, std::span<const std::int32_t> active, std::span<double> left,
                    std::span<Candidate> out) const {
    const int C = n_classes_;
    const index_t msl = opt_.min_samples_leaf;
    const Entry* e = list(f);
    for (std::size_t a = 0; a < active.size(); ++a) {
      const auto id = static_cast<std::size_t>(active[a]);
      const TreeNode& nd = nodes_[id];
      const double* total = values_.data() + id * at(C);
      std::fill(left.begin(), left.end(), 0.0);
      // Σ_c w_c² on each side, updated in O(1) per sample: the Gini proxy of scikit-learn,
      // −W_r·G_r − W_l·G_l with G = 1 − Σ w_c²/W², equals Σ_l/W_l + Σ_r/W_r − W_node, and
      // W_node is the same for every split of the node. Exact for integer weights.
      double wl = 0, sq_left = 0, sq_right = 0;
      for (int c = 0; c < C; ++c) sq_right += total[c] * total[c];
      const index_t begin = bounds_[a], end = bounds_[a + 1];
      Candidate& best = out[a];
      for (index_t p = begin; p < end; ++p) {
        if (p > begin && e[p].value > e[p - 1].value + kFeatureThreshold) {
          const index_t n_left = p - begin;
          if (n_left >= msl && nd.samples - n_left >= msl) {
            const double proxy = sq_left / wl + sq_right / (nd.weight - wl);
            if (proxy > best.proxy) {  // strict: the lowest threshold wins a tie
              best.proxy = proxy;
              best.threshold = threshold_between(e[p - 1].value, e[p].value);
              best.found = true;
            }
          }
        }
        const double wi = weight(e[p].sample);
        const auto c = static_cast<std::size_t>(e[p].y);
        sq_left += wi * (2 * left[c] + wi);
        sq_right += wi * (wi - 2 * (total[c] - left[c]));
        left[c] += wi;
        wl += wi;
      }
    }
  }

  std::vector<std::int32_t> grow_level(const std::vector<std::int32_t>& active) {
    const std::size_t A = active.size();
    const auto C = static_cast<std::size_t>(n_classes_);
    const index_t d = c_.d;

    std::vector<Candidate> cand(at(d) * A);
    std::vector<std::vector<double>> scratch(static_cast<std::size_t>(ctx_.threads()),
                                             std::vector<double>(C));
    parallel_for_blocks_indexed(ctx_, d, 1, [&](int worker, index_t f, index_t, index_t) {
      scan_feature(f, active, scratch[static_cast<std::size_t>(worker)],
                   std::span<Candidate>(cand.data() + at(f) * A, A));
    });

    // The best split of each node: features in ascending order, strict improvement, so a tie
    // goes to the lowest feature index.
    std::vector<std::int32_t> feature(A, -1);
    std::vector<float> threshold(A, 0.0f);
    for (std::size_t a = 0; a < A; ++a) {
      double best = -std::numeric_limits<double>::infinity();
      for (index_t f = 0; f < d; ++f) {
        const Candidate& k = cand[at(f) * A + a];
        if (k.found && k.proxy > best) {
          best = k.proxy;
          feature[a] = static_cast<std::int32_t>(f);
          threshold[a] = k.threshold;
        }
      }
    }

    // Children totals, summed in the split feature's order (as scikit-learn sums a node's
    // samples after partitioning them), and the side each sample goes to.
    std::vector<double> child_class(A * 2 * C, 0.0), child_weight(A * 2, 0.0);
    std::vector<index_t> child_n(A * 2, 0);
    for (std::size_t a = 0; a < A; ++a) {
      const Entry* e = list(feature[a] < 0 ? 0 : feature[a]);
      for (index_t p = bounds_[a]; p < bounds_[a + 1]; ++p) {
        if (feature[a] < 0) {
          side_[static_cast<std::size_t>(e[p].sample)] = kDrop;
          continue;
        }
        const std::size_t side = e[p].value <= threshold[a] ? 0 : 1;
        side_[static_cast<std::size_t>(e[p].sample)] = static_cast<std::uint8_t>(side);
        child_class[(a * 2 + side) * C + static_cast<std::size_t>(e[p].y)] += weight(e[p].sample);
        child_weight[a * 2 + side] += weight(e[p].sample);
        ++child_n[a * 2 + side];
      }
    }

    std::vector<std::int32_t> next;
    std::vector<index_t> next_bounds{0};
    std::vector<char> keep(A * 2, 0);  // the child stays open: its samples stay in the lists
    for (std::size_t a = 0; a < A; ++a) {
      if (feature[a] < 0) continue;
      const auto id = static_cast<std::size_t>(active[a]);
      TreeNode kids[2];
      for (std::size_t side = 0; side < 2; ++side) {
        kids[side].samples = child_n[a * 2 + side];
        kids[side].weight = child_weight[a * 2 + side];
        kids[side].impurity =
            gini(child_class.data() + (a * 2 + side) * C, n_classes_, kids[side].weight);
      }
      const TreeNode& parent = nodes_[id];
      const double improvement =
          parent.weight / total_weight_ *
          (parent.impurity - kids[1].weight / parent.weight * kids[1].impurity -
           kids[0].weight / parent.weight * kids[0].impurity);
      if (improvement + kEpsilon < opt_.min_impurity_decrease) {
        feature[a] = -1;
        continue;
      }
      const int depth = depth_[id] + 1;
      nodes_[id].feature = feature[a];
      nodes_[id].threshold = threshold[a];
      nodes_[id].left = static_cast<std::int32_t>(nodes_.size());
      nodes_[id].right = static_cast<std::int32_t>(nodes_.size() + 1);
      for (std::size_t side = 0; side < 2; ++side) {
        const std::size_t before = next.size();
        add_node(kids[side], child_class.data() + (a * 2 + side) * C, depth, next);
        if (next.size() > before) {
          keep[a * 2 + side] = 1;
          next_bounds.push_back(next_bounds.back() + kids[side].samples);
        }
      }
    }
    if (next.empty()) return next;

    // Final sides: samples of nodes that became leaves, or of children that are leaves, leave.
    for (std::size_t a = 0; a < A; ++a) {
      const Entry* e = list(0);
      for (index_t p = bounds_[a]; p < bounds_[a + 1]; ++p) {
        std::uint8_t& s = side_[static_cast<std::size_t>(e[p].sample)];
        if (feature[a] < 0 || (s != kDrop && keep[a * 2 + s] == 0)) s = kDrop;
      }
    }

    // Partition every list: per node, the left child's samples, then the right child's, each
    // in the order they had (so still sorted).
    index_t widest = 0;
    for (std::size_t a = 0; a < A; ++a) widest = std::max(widest, bounds_[a + 1] - bounds_[a]);
    std::vector<std::vector<Entry>> tmp(static_cast<std::size_t>(ctx_.threads()),
                                        std::vector<Entry>(at(widest)));
    parallel_for_blocks_indexed(ctx_, d, 1, [&](int worker, index_t f, index_t, index_t) {
      Entry* e = lists_.data() + f * c_.m;
      Entry* right = tmp[static_cast<std::size_t>(worker)].data();
      index_t out = 0;
      for (std::size_t a = 0; a < A; ++a) {
        index_t n_right = 0;
        for (index_t p = bounds_[a]; p < bounds_[a + 1]; ++p) {
          const std::uint8_t s = side_[static_cast<std::size_t>(e[p].sample)];
          if (s == 0)
            e[out++] = e[p];  // out ≤ p: the write never overtakes the read
          else if (s == 1)
            right[n_right++] = e[p];
        }
        std::copy(right, right + n_right, e + out);
        out += n_right;
      }
    });
    bounds_ = std::move(next_bounds);
    return next;
  }

  DecisionTree to_preorder() const {
    DecisionTree t;
    t.n_features = c_.d;
    t.n_classes = n_classes_;
    t.rows_used = c_.m;
    const std::size_t n = nodes_.size();
    const auto C = static_cast<std::size_t>(n_classes_);
    std::vector<std::int32_t> pre(n, -1), stack{0};
    std::vector<std::int32_t> visit;
    visit.reserve(n);
    while (!stack.empty()) {
      const std::int32_t id = stack.back();
      stack.pop_back();
      pre[static_cast<std::size_t>(id)] = static_cast<std::int32_t>(visit.size());
      visit.push_back(id);
      const TreeNode& nd = nodes_[static_cast<std::size_t>(id)];
      if (!nd.is_leaf()) {
        stack.push_back(nd.right);
        stack.push_back(nd.left);
      }
    }
    t.nodes.resize(n);
    t.values.resize(n * C);
    for (std::size_t k = 0; k < n; ++k) {
      const auto id = static_cast<std::size_t>(visit[k]);
      TreeNode nd = nodes_[id];
      if (!nd.is_leaf()) {
        nd.left = pre[static_cast<std::size_t>(nd.left)];
        nd.right = pre[static_cast<std::size_t>(nd.right)];
      }
      t.nodes[k] = nd;
      std::copy_n(values_.begin() + static_cast<std::ptrdiff_t>(id * C), C,
                  t.values.begin() + static_cast<std::ptrdiff_t>(k * C));
    }
    return t;
  }

  const Context& ctx_;
  const Columns& c_;
  std::span<const std::int32_t> y_;
  std::span<const float> w_;
  int n_classes_;
  const TreeOptions& opt_;
  double total_weight_ = 0;
  std::vector<Entry> lists_;        // d × m; the first bounds_.back() of each list are in use
  std::vector<index_t> bounds_;     // open node a holds list positions [bounds_[a], bounds_[a+1])
  std::vector<std::uint8_t> side_;  // per sample: 0 left, 1 right, kDrop
  std::vector<TreeNode> nodes_;
  std::vector<double> values_;
  std::vector<int> depth_;
};

std::int32_t leaf_of(const DecisionTree& t, const float* row) {
  std::int32_t node = 0;
  while (!t.nodes[static_cast<std::size_t>(node)].is_leaf()) {
    const TreeNode& nd = t.nodes[static_cast<std::size_t>(node)];
    node = row[nd.feature] <= nd.threshold ? nd.left : nd.right;
  }
  return node;
}

// Path conditions of every leaf, merged: one `≤` (the smallest threshold) and one `>` (the
// largest) per feature, in order of first appearance from the root.
void collect_paths(const DecisionTree& t, std::int32_t node, std::vector<Condition>& path,
                   std::vector<std::vector<Condition>>& out) {
  const TreeNode& nd = t.nodes[static_cast<std::size_t>(node)];
  if (nd.is_leaf()) {
    std::vector<Condition> merged;
    for (const Condition& c : path) {
      auto same = std::find_if(merged.begin(), merged.end(), [&](const Condition& m) {
        return m.feature == c.feature && m.greater == c.greater;
      });
      if (same == merged.end())
        merged.push_back(c);
      else
        same->threshold = c.greater ? std::max(same->threshold, c.threshold)
                                    : std::min(same->threshold, c.threshold);
    }
    out[static_cast<std::size_t>(node)] = std::move(merged);
    return;
  }
  path.push_back({nd.feature, false, nd.threshold});
  collect_paths(t, nd.left, path, out);
  path.back().greater = true;
  collect_paths(t, nd.right, path, out);
  path.pop_back();
}

Status check_weights(std::span<const float> weights, index_t n) {
  if (weights.empty()) return {};
  if (static_cast<index_t>(weights.size()) != n)
    return Status::invalid_input("weights",
                                 fmt::format("{} weights for {} rows", weights.size(), n),
                                 "pass one weight per row, or none");
  double total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(std::isfinite(weights[i]) && weights[i] >= 0))
      return Status::invalid_input(fmt::format("weights row {}", i),
                                   fmt::format("weight {} is negative or not finite", weights[i]),
                                   "use finite weights ≥ 0");
    total += weights[i];
  }
  if (!(total > 0))
    return Status::invalid_input("weights", "every weight is 0",
                                 "give at least one row a positive weight");
  return {};
}

}  // namespace

Status TreeOptions::validate() const {
  if (max_depth < 1 || max_depth > kMaxDepthLimit)
    return Status::invalid_argument("max_depth",
                                    fmt::format("{} is outside [1, {}]", max_depth, kMaxDepthLimit),
                                    "use a small depth such as 3; deep trees make long rules");
  if (min_samples_split < 2)
    return Status::invalid_argument("min_samples_split",
                                    fmt::format("{} is below 2", min_samples_split),
                                    "use 2 to split any node with two rows or more");
  if (min_samples_leaf < 1)
    return Status::invalid_argument("min_samples_leaf",
                                    fmt::format("{} is below 1", min_samples_leaf),
                                    "use 1, or more to keep small leaves out of the tree");
  if (!(std::isfinite(min_impurity_decrease) && min_impurity_decrease >= 0))
    return Status::invalid_argument(
        "min_impurity_decrease",
        fmt::format("{} is below 0 or not finite", min_impurity_decrease),
        "use 0 to keep every split, or a small share such as 0.01");
  if (max_rows < 0)
    return Status::invalid_argument("max_rows", fmt::format("{} is below 0", max_rows),
                                    "use 0 for all rows, or a sample size such as 100000");
  return {};
}

Status RuleOptions::validate() const {
  KOHORT_RETURN_IF_ERROR(tree.validate());
  if (max_rules < 1)
    return Status::invalid_argument("max_rules", fmt::format("{} is below 1", max_rules),
                                    "use 1 or more rules per segment, such as 3");
  if (min_support < 1)
    return Status::invalid_argument("min_support", fmt::format("{} is below 1", min_support),
                                    "use 1 to keep every rule, or a minimum number of rows");
  return {};
}

std::span<const double> DecisionTree::value(std::int32_t node) const {
  return {values.data() + static_cast<std::size_t>(node) * static_cast<std::size_t>(n_classes),
          static_cast<std::size_t>(n_classes)};
}

std::int32_t DecisionTree::node_class(std::int32_t node) const {
  const auto v = value(node);
  return static_cast<std::int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

int DecisionTree::depth() const {
  if (nodes.empty()) return 0;
  // Preorder puts every child after its parent, so one forward pass settles all depths.
  std::vector<int> dep(nodes.size(), 0);
  int deepest = 0;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    deepest = std::max(deepest, dep[k]);
    if (!nodes[k].is_leaf()) {
      dep[static_cast<std::size_t>(nodes[k].left)] = dep[k] + 1;
      dep[static_cast<std::size_t>(nodes[k].right)] = dep[k] + 1;
    }
  }
  return deepest;
}

std::vector<std::int32_t> DecisionTree::apply(MatrixView<const float> x) const {
  KOHORT_CHECK(x.cols == n_features && !nodes.empty());
  std::vector<std::int32_t> out(static_cast<std::size_t>(x.rows));
  for (index_t i = 0; i < x.rows; ++i) out[static_cast<std::size_t>(i)] = leaf_of(*this, x.row(i));
  return out;
}

std::vector<std::int32_t> DecisionTree::predict(MatrixView<const float> x) const {
  std::vector<std::int32_t> out = apply(x);
  for (auto& v : out) v = node_class(v);
  return out;
}

Result<DecisionTree> fit_tree(const Context& ctx, MatrixView<const float> x,
                              std::span<const std::int32_t> y, int n_classes,
                              const TreeOptions& options, std::span<const float> weights) {
  KOHORT_RETURN_IF_ERROR(options.validate());
  if (n_classes < 1 || n_classes > kMaxClasses)
    return Status::invalid_argument("n_classes",
                                    fmt::format("{} is outside [1, {}]", n_classes, kMaxClasses),
                                    "pass the number of distinct class labels");
  KOHORT_RETURN_IF_ERROR(check_matrix(x));
  if (static_cast<index_t>(y.size()) != x.rows)
    return Status::invalid_input("labels", fmt::format("{} labels for {} rows", y.size(), x.rows),
                                 "pass one label per row");
  for (std::size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] >= n_classes)
      return Status::invalid_input(fmt::format("labels row {}", i),
                                   fmt::format("label {} is outside [0, {})", y[i], n_classes),
                                   "pass class labels 0 … n_classes − 1");
  KOHORT_RETURN_IF_ERROR(check_weights(weights, x.rows));

  std::vector<index_t> rows;
  rows.reserve(static_cast<std::size_t>(x.rows));
  for (index_t i = 0; i < x.rows; ++i)
    if (weights.empty() || weights[at(i)] > 0) rows.push_back(i);
  const Columns cols = presort(ctx, x, sample_rows(ctx, std::move(rows), options.max_rows));
  std::vector<std::int32_t> ys(at(cols.m));
  std::vector<float> ws(weights.empty() ? 0 : at(cols.m));
  for (index_t i = 0; i < cols.m; ++i) {
    const index_t r = cols.rows[at(i)];
    ys[at(i)] = y[at(r)];
    if (!weights.empty()) ws[at(i)] = weights[at(r)];
  }
  return Grower(ctx, cols, ys, ws, n_classes, options).grow();
}

Result<std::vector<SegmentRules>> segment_rules(const Context& ctx, MatrixView<const float> x,
                                                std::span<const std::int32_t> labels, int k,
                                                const RuleOptions& options) {
  KOHORT_RETURN_IF_ERROR(options.validate());
  if (k < 1 || k > kMaxClasses)
    return Status::invalid_argument("k", fmt::format("{} is outside [1, {}]", k, kMaxClasses),
                                    "pass the number of segments");
  KOHORT_RETURN_IF_ERROR(check_matrix(x));
  const index_t n = x.rows;
  if (static_cast<index_t>(labels.size()) != n)
    return Status::invalid_input("labels", fmt::format("{} labels for {} rows", labels.size(), n),
                                 "pass one segment label per row");
  std::vector<index_t> size(static_cast<std::size_t>(k), 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < -1 || labels[i] >= k)
      return Status::invalid_input(fmt::format("labels row {}", i),
                                   fmt::format("segment {} is outside [-1, {})", labels[i], k),
                                   "use segments 0 … k − 1, and -1 for outliers");
    if (labels[i] >= 0) ++size[static_cast<std::size_t>(labels[i])];
  }

  std::vector<index_t> all(at(n));
  std::iota(all.begin(), all.end(), index_t{0});
  const Columns cols = presort(ctx, x, sample_rows(ctx, std::move(all), options.tree.max_rows));
  std::vector<std::int32_t> target(at(cols.m));
  std::vector<std::int32_t> leaf(at(n));

  std::vector<SegmentRules> out(static_cast<std::size_t>(k));
  ctx.progress().begin("segment rules", k);
  for (int s = 0; s < k; ++s) {
    if (ctx.cancelled()) return Status::cancelled();
    for (index_t i = 0; i < cols.m; ++i)
      target[at(i)] = labels[at(cols.rows[at(i)])] == s ? 1 : 0;
    KOHORT_ASSIGN_OR_RETURN(DecisionTree tree,
                            Grower(ctx, cols, target, {}, 2, options.tree).grow());

    parallel_for_blocks(ctx, n, kApplyBlock, [&](index_t, index_t begin, index_t end) {
      for (index_t i = begin; i < end; ++i) leaf[at(i)] = leaf_of(tree, x.row(i));
    });
    const std::size_t nodes = tree.nodes.size();
    std::vector<index_t> support(nodes, 0), members(nodes, 0);
    for (index_t i = 0; i < n; ++i) {
      const auto l = static_cast<std::size_t>(leaf[at(i)]);
      ++support[l];
      if (labels[at(i)] == s) ++members[l];
    }
    index_t correct = 0;
    for (std::size_t l = 0; l < nodes; ++l) {
      if (support[l] == 0) continue;
      correct += tree.node_class(static_cast<std::int32_t>(l)) == 1 ? members[l]
                                                                   : support[l] - members[l];
    }

    SegmentRules& seg = out[static_cast<std::size_t>(s)];
    seg.size = size[static_cast<std::size_t>(s)];
    seg.tree_accuracy = static_cast<double>(correct) / static_cast<double>(n);
    std::vector<std::vector<Condition>> paths(nodes);
    std::vector<Condition> path;
    collect_paths(tree, 0, path, paths);
    std::vector<std::pair<Rule, std::size_t>> candidates;
    for (std::size_t l = 0; l < nodes; ++l) {
      if (!tree.nodes[l].is_leaf() || tree.node_class(static_cast<std::int32_t>(l)) != 1) continue;
      if (support[l] < options.min_support || seg.size == 0) continue;
      Rule r;
      r.conditions = std::move(paths[l]);
      r.support = support[l];
      r.members = members[l];
      r.precision = static_cast<double>(r.members) / static_cast<double>(r.support);
      r.recall = static_cast<double>(r.members) / static_cast<double>(seg.size);
      r.f1 = r.precision + r.recall > 0
                 ? 2 * r.precision * r.recall / (r.precision + r.recall)
                 : 0.0;
      candidates.emplace_back(std::move(r), l);
    }
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
      if (a.first.f1 != b.first.f1) return a.first.f1 > b.first.f1;
      if (a.first.precision != b.first.precision) return a.first.precision > b.first.precision;
      if (a.first.conditions.size() != b.first.conditions.size())
        return a.first.conditions.size() < b.first.conditions.size();
      return a.second < b.second;
    });
    if (candidates.size() > static_cast<std::size_t>(options.max_rules))
      candidates.resize(static_cast<std::size_t>(options.max_rules));
    for (auto& c : candidates) seg.rules.push_back(std::move(c.first));
    seg.tree = std::move(tree);
    ctx.progress().step(s + 1);
  }
  ctx.progress().end();
  return out;
}

}  // namespace kohort::profile
