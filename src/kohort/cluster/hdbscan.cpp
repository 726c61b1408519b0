#include "kohort/cluster/hdbscan.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "kohort/cluster/internal/kd_tree.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

namespace {

using internal::KdTree;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr index_t kQueryBlock = 512;

std::size_t at(index_t i) { return static_cast<std::size_t>(i); }

// λ = 1/ε; duplicates give ε = 0, which gets a large finite λ so that differences stay defined.
double lambda_of(double eps) { return eps > 0 ? 1.0 / eps : 1e250; }

class UnionFind {
 public:
  explicit UnionFind(index_t n) : parent_(at(n)), rank_(at(n), 0) {
    std::iota(parent_.begin(), parent_.end(), index_t{0});
  }
  index_t find(index_t a) {
    while (parent_[at(a)] != a) {
      parent_[at(a)] = parent_[at(parent_[at(a)])];
      a = parent_[at(a)];
    }
    return a;
  }
  index_t unite(index_t a, index_t b) {
    a = find(a);
    b = find(b);
    if (rank_[at(a)] < rank_[at(b)]) std::swap(a, b);
    parent_[at(b)] = a;
    if (rank_[at(a)] == rank_[at(b)]) ++rank_[at(a)];
    return a;
  }

 private:
  std::vector<index_t> parent_;
  std::vector<int> rank_;
};

// The tree plus per-position core distances and the smallest core distance under every node:
// the lower bound of a mutual-reachability distance to any row of a node is
// max(core_q, min core in node, distance to the node's box).
struct ReachTree {
  ReachTree(MatrixView<const float> x, const std::vector<double>& core) : tree(x, 32) {
    const auto& order = tree.order();
    pcore.resize(order.size());
    for (std::size_t p = 0; p < order.size(); ++p) pcore[p] = core[at(order[p])];
    const auto& nodes = tree.nodes();
    node_min_core.assign(nodes.size(), kInf);
    // Nodes are numbered in pre-order, so children come after their parent.
    for (std::size_t id = nodes.size(); id-- > 0;) {
      const auto& nd = nodes[id];
      double m = kInf;
      if (nd.left < 0) {
        for (index_t p = nd.begin; p < nd.end; ++p) m = std::min(m, pcore[at(p)]);
      } else {
        m = std::min(node_min_core[at(nd.left)], node_min_core[at(nd.right)]);
      }
      node_min_core[id] = m;
    }
  }
  KdTree tree;
  std::vector<double> pcore;
  std::vector<double> node_min_core;
};

// The best (by `less`) row q for a query with coordinates `q` and core distance `core_q` among
// rows not excluded: weight max(core_q, core_r, ‖q − r‖). Nodes whose lower bound exceeds
// min(best, bound) are pruned (strictly, so equal weights are all seen and `less` decides).
// `skip_node(id)` and `skip_pos(pos)` exclude whole nodes and single tree positions.
template <typename Less, typename SkipNode, typename SkipPos>
std::pair<double, index_t> nearest_reachable(const ReachTree& rt, const float* q, double core_q,
                                             double bound, Less&& less, SkipNode&& skip_node,
                                             SkipPos&& skip_pos,
                                             std::vector<std::pair<index_t, double>>& stack) {
  const KdTree& t = rt.tree;
  const auto& nodes = t.nodes();
  const auto& order = t.order();
  const index_t d = t.dims();
  double best_w = kInf;
  index_t best = -1;
  auto threshold = [&] { return std::min(best_w, bound); };
  auto node_bound = [&](index_t id) {
    return std::max({core_q, rt.node_min_core[at(id)], std::sqrt(t.box_distance2(id, q))});
  };
  stack.clear();
  if (core_q > bound || nodes.empty()) return {best_w, best};
  stack.emplace_back(0, node_bound(0));
  while (!stack.empty()) {
    const auto [id, lb] = stack.back();
    stack.pop_back();
    if (lb > threshold() || skip_node(id)) continue;
    const auto& nd = nodes[at(id)];
    if (nd.left < 0) {
      for (index_t p = nd.begin; p < nd.end; ++p) {
        const double c = std::max(core_q, rt.pcore[at(p)]);
        if (c > threshold() || skip_pos(p)) continue;
        const double w = std::max(c, std::sqrt(KdTree::distance2(t.point(p), q, d)));
        const index_t r = order[at(p)];
        if (w < best_w || (w == best_w && less(r, best))) {
          best_w = w;
          best = r;
        }
      }
      continue;
    }
    const double bl = node_bound(nd.left), br = node_bound(nd.right);
    if (bl <= br) {
      stack.emplace_back(nd.right, br);
      stack.emplace_back(nd.left, bl);
    } else {
      stack.emplace_back(nd.left, bl);
      stack.emplace_back(nd.right, br);
    }
  }
  return {best_w, best};
}

bool edge_less(double w1, index_t a1, index_t b1, double w2, index_t a2, index_t b2) {
  if (w1 != w2) return w1 < w2;
  if (a1 != a2) return a1 < a2;
  return b1 < b2;
}

// The condensed tree in R dbscan's form, plus the flat result on the fitted rows.
struct Condensed {
  std::vector<std::int32_t> labels;       // per row, by selected cluster id (−1 noise)
  std::vector<double> stability;          // per condensed cluster
  std::vector<double> birth;              // per condensed cluster
  std::vector<double> eps_max;            // per condensed cluster (GLOSH)
  std::vector<std::int32_t> row_cluster;  // deepest condensed cluster of every row
  std::vector<double> row_eps;            // ε at which the row leaves it
  std::vector<double> splits;             // ε of every split, ascending
};

Condensed condense(index_t n, const std::vector<MstEdge>& mst, int min_cluster_size,
                   ClusterSelection selection) {
  Condensed out;
  out.labels.assign(at(n), -1);
  out.row_cluster.assign(at(n), 0);
  out.row_eps.assign(at(n), 0.0);
  if (n < 2) {
    out.stability = {0.0};
    out.birth = {0.0};
    out.eps_max = {0.0};
    return out;
  }
  // Single linkage: merge i joins nodes left/right (rows < n, merges n + j) at height[i].
  const index_t m = n - 1;
  std::vector<index_t> left(at(m)), right(at(m)), size(at(m));
  std::vector<double> height(at(m));
  {
    UnionFind uf(n);
    std::vector<index_t> node_of(at(n));
    std::iota(node_of.begin(), node_of.end(), index_t{0});
    std::vector<index_t> size_of(at(n), 1);
    for (index_t i = 0; i < m; ++i) {
      const auto& e = mst[at(i)];
      const index_t ra = uf.find(e.a), rb = uf.find(e.b);
      left[at(i)] = node_of[at(ra)];
      right[at(i)] = node_of[at(rb)];
      height[at(i)] = e.weight;
      size[at(i)] = size_of[at(ra)] + size_of[at(rb)];
      const index_t r = uf.unite(ra, rb);
      node_of[at(r)] = n + i;
      size_of[at(r)] = size[at(i)];
    }
  }
  // Top-down pass (R dbscan computeStability): a merge whose sides both hold at least
  // min_cluster_size rows ends its cluster and starts one per side; otherwise the sides stay in
  // it and rows leave it one by one at the height where they become singletons. Merges at one
  // height that hang together are taken as one (their order is arbitrary among equal MST
  // weights): when two or more of their parts are large, each large part is a new cluster and
  // the small parts leave the ending cluster at that height. Without ties this is R's binary
  // rule; with them, labels do not depend on the order of equal weights.
  struct Cluster {
    std::int32_t parent = -1;
    std::vector<std::int32_t> children;
    double birth = 0, death = kInf, min_h = kInf;
    index_t n_children = 0;
  };
  std::vector<Cluster> cl(1);
  cl[0].birth = height[at(m - 1)];
  std::vector<std::int32_t> merge_cluster(at(m), 0);
  std::vector<double> forced(at(m), -1.0);  // ≥ 0: every row below leaves at this height
  std::vector<index_t> parent_merge(at(m), -1);
  for (index_t i = 0; i < m; ++i)
    for (index_t side : {left[at(i)], right[at(i)]})
      if (side >= n) parent_merge[at(side - n)] = i;
  std::vector<double> row_h(at(n), 0.0);
  std::vector<index_t> parts, stack;
  for (index_t i = m - 1; i >= 0; --i) {
    const double h = height[at(i)];
    const index_t up = parent_merge[at(i)];
    if (up >= 0 && height[at(up)] == h) continue;  // taken with the merge above
    parts.clear();
    stack.assign(1, i);
    while (!stack.empty()) {
      const index_t j = stack.back();
      stack.pop_back();
      for (index_t side : {right[at(j)], left[at(j)]}) {
        if (side >= n && height[at(side - n)] == h)
          stack.push_back(side - n);
        else
          parts.push_back(side);
      }
    }
    const std::int32_t c = merge_cluster[at(i)];
    auto leave = [&](index_t part, double at_h) {
      if (part < n) {
        out.row_cluster[at(part)] = c;
        row_h[at(part)] = at_h;
      } else {
        merge_cluster[at(part - n)] = c;
        forced[at(part - n)] = at_h;
      }
    };
    if (forced[at(i)] >= 0) {
      for (index_t part : parts) leave(part, forced[at(i)]);
      continue;
    }
    cl[at(c)].min_h = std::min(cl[at(c)].min_h, h);
    index_t large = 0, large_rows = 0;
    for (index_t part : parts)
      if (part >= n && size[at(part - n)] >= min_cluster_size) {
        ++large;
        large_rows += size[at(part - n)];
      }
    if (large < 2) {
      for (index_t part : parts) {
        if (part < n)
          leave(part, h);
        else
          merge_cluster[at(part - n)] = c;
      }
      continue;
    }
    cl[at(c)].death = h;
    cl[at(c)].n_children = large_rows;
    for (index_t part : parts) {
      if (part < n || size[at(part - n)] < min_cluster_size) {
        leave(part, h);
        continue;
      }
      Cluster child;
      child.parent = c;
      child.birth = h;
      const auto id = static_cast<std::int32_t>(cl.size());
      cl[at(c)].children.push_back(id);
      cl.push_back(std::move(child));
      merge_cluster[at(part - n)] = id;
    }
  }
  const auto nc = cl.size();
  for (auto& c : cl) {
    if (c.children.empty())
      c.death = c.min_h;
    else
      out.splits.push_back(c.death);
  }
  std::sort(out.splits.begin(), out.splits.end());
  // Stability (Campello et al. 2013, eq. 3 in R's form): Σ rows (λ_row − λ_birth) plus the
  // rows handed to the children, each counted (λ_death − λ_birth).
  out.stability.assign(nc, 0.0);
  for (index_t p = 0; p < n; ++p) {
    const auto c = at(out.row_cluster[at(p)]);
    out.row_eps[at(p)] = std::max(row_h[at(p)], cl[c].death);
    out.stability[c] += lambda_of(out.row_eps[at(p)]) - lambda_of(cl[c].birth);
  }
  for (std::size_t c = 0; c < nc; ++c) {
    out.stability[c] +=
        static_cast<double>(cl[c].n_children) * (lambda_of(cl[c].death) - lambda_of(cl[c].birth));
  }
  out.birth.resize(nc);
  out.eps_max.assign(nc, kInf);
  std::vector<double> score(nc);
  std::vector<char> keep_children(nc, 0);
  for (std::size_t c = nc; c-- > 0;) {
    out.birth[c] = cl[c].birth;
    if (cl[c].children.empty()) {
      out.eps_max[c] = cl[c].death;
      score[c] = out.stability[c];
      continue;
    }
    double children = 0;
    for (const std::int32_t ch : cl[c].children) {
      out.eps_max[c] = std::min(out.eps_max[c], out.eps_max[at(ch)]);
      children += score[at(ch)];
    }
    keep_children[c] = out.stability[c] < children ? 1 : 0;  // ties keep the parent (as R)
    score[c] = keep_children[c] ? children : out.stability[c];
  }
  // Selection top-down: the root is never a cluster; with `leaf`, every leaf is one.
  std::vector<std::int32_t> selected_of(nc, -1);
  for (std::size_t c = 1; c < nc; ++c) {
    const std::int32_t up = selected_of[at(cl[c].parent)];
    if (up >= 0) {
      selected_of[c] = up;
      continue;
    }
    const bool leaf = cl[c].children.empty();
    const bool take = selection == ClusterSelection::leaf ? leaf : (leaf || !keep_children[c]);
    if (take) selected_of[c] = static_cast<std::int32_t>(c);
  }
  for (index_t p = 0; p < n; ++p) out.labels[at(p)] = selected_of[at(out.row_cluster[at(p)])];
  return out;
}

Status validate(const HdbscanOptions& o) {
  if (o.min_cluster_size < 2)
    return Status::invalid_argument("--min-cluster-size",
                                    fmt::format("{} is below the minimum 2", o.min_cluster_size),
                                    "a cluster needs at least two rows: pass --min-cluster-size 5");
  if (o.min_samples < 1)
    return Status::invalid_argument("--min-samples",
                                    fmt::format("{} is below the minimum 1", o.min_samples));
  if (o.max_fit_rows < 0)
    return Status::invalid_argument("max_fit_rows", fmt::format("{} is negative", o.max_fit_rows),
                                    "pass 0 to fit on every row");
  return {};
}

// Fits on all rows of x (no sampling) and fills the fit's flat result and model.
Result<HdbscanFit> fit_exact(const Context& ctx, MatrixView<const float> x,
                             const HdbscanOptions& o) {
  const index_t n = x.rows;
  if (o.min_samples > n)
    return Status::invalid_argument(
        "--min-samples", fmt::format("{} is more than the {} rows fitted", o.min_samples, n),
        "lower --min-samples or pass more rows");
  ctx.progress().begin("hdbscan", 3);
  HdbscanFit fit;
  fit.min_samples = o.min_samples;
  fit.core_distances = core_distances(ctx, x, o.min_samples);
  ctx.progress().step(1);
  if (ctx.cancelled()) return Status::cancelled();
  const auto mst = mutual_reachability_mst(ctx, x, fit.core_distances);
  ctx.progress().step(2);
  if (ctx.cancelled()) return Status::cancelled();
  Condensed ct = condense(n, mst, o.min_cluster_size, o.selection);
  ctx.progress().step(3);
  ctx.progress().end();

  // Number the selected clusters by their first row.
  std::vector<std::int32_t> number(ct.stability.size(), -1);
  fit.labels.assign(at(n), -1);
  for (index_t p = 0; p < n; ++p) {
    const std::int32_t c = ct.labels[at(p)];
    if (c < 0) continue;
    if (number[at(c)] < 0) {
      number[at(c)] = fit.n_clusters++;
      fit.stability.push_back(ct.stability[at(c)]);
      fit.cluster_birth.push_back(ct.birth[at(c)]);
      fit.cluster_max_core.push_back(0.0);
    }
    fit.labels[at(p)] = number[at(c)];
  }
  for (index_t p = 0; p < n; ++p)
    if (fit.labels[at(p)] >= 0) {
      double& mc = fit.cluster_max_core[at(fit.labels[at(p)])];
      mc = std::max(mc, fit.core_distances[at(p)]);
    }
  fit.probabilities.assign(at(n), 0.0F);
  fit.outlier_scores.assign(at(n), 0.0F);
  fit.row_eps_max.resize(at(n));
  for (index_t p = 0; p < n; ++p) {
    const std::int32_t l = fit.labels[at(p)];
    if (l >= 0) {
      const double mc = fit.cluster_max_core[at(l)];
      fit.probabilities[at(p)] =
          mc > 0 ? static_cast<float>((mc - fit.core_distances[at(p)]) / mc) : 1.0F;
    }
    const double em = ct.eps_max[at(ct.row_cluster[at(p)])];
    fit.row_eps_max[at(p)] = em;
    const double e = ct.row_eps[at(p)];
    fit.outlier_scores[at(p)] = e > 0 ? static_cast<float>(1.0 - em / e) : 0.0F;
  }
  fit.row_labels = fit.labels;
  fit.row_exit = std::move(ct.row_eps);
  fit.splits = std::move(ct.splits);
  fit.rows = Matrix<float>(n, x.cols);
  for (index_t i = 0; i < n; ++i) std::copy(x.row(i), x.row(i) + x.cols, fit.rows.row(i));
  return fit;
}

}  // namespace

std::vector<double> core_distances(const Context& ctx, MatrixView<const float> x, int min_samples) {
  const index_t n = x.rows;
  std::vector<double> core(at(n), 0.0);
  if (n == 0 || min_samples <= 1) return core;
  const KdTree tree(x, 32);
  const index_t k = min_samples;
  // Queries in tree order: neighbouring queries reuse the same nodes while they are in cache.
  parallel_for_blocks(ctx, n, kQueryBlock, [&](index_t, index_t s, index_t e) {
    std::vector<index_t> idx(at(k));
    std::vector<double> dist(at(k));
    for (index_t p = s; p < e; ++p) {
      tree.knn(tree.point(p), k, idx, dist);
      core[at(tree.order()[at(p)])] = dist[at(k - 1)];
    }
  });
  return core;
}

std::vector<MstEdge> mutual_reachability_mst(const Context& ctx, MatrixView<const float> x,
                                             const std::vector<double>& core) {
  const index_t n = x.rows;
  std::vector<MstEdge> edges;
  if (n < 2) return edges;
  edges.reserve(at(n - 1));
  const ReachTree rt(x, core);
  const auto& nodes = rt.tree.nodes();
  const auto& order = rt.tree.order();
  UnionFind uf(n);
  std::vector<index_t> comp(at(n)), pcomp(at(n)), node_comp(nodes.size());
  std::vector<double> best_w(at(n), kInf), bound(at(n));
  std::vector<index_t> best_q(at(n), -1);
  std::vector<index_t> comp_best(at(n));
  // Borůvka: every round each component takes its lightest outgoing edge, so the number of
  // components at least halves. A row's nearest foreign row stays valid while that row is
  // still foreign (foreign rows only become fewer), so only rows whose answer joined their own
  // component ask again, bounded by the best answer already known in their component.
  while (static_cast<index_t>(edges.size()) < n - 1) {
    for (index_t i = 0; i < n; ++i) comp[at(i)] = uf.find(i);
    for (index_t p = 0; p < n; ++p) pcomp[at(p)] = comp[at(order[at(p)])];
    for (std::size_t id = nodes.size(); id-- > 0;) {
      const auto& nd = nodes[id];
      index_t c = pcomp[at(nd.begin)];
      if (nd.left < 0) {
        for (index_t p = nd.begin + 1; p < nd.end && c >= 0; ++p)
          if (pcomp[at(p)] != c) c = -1;
      } else {
        c = node_comp[at(nd.left)] == node_comp[at(nd.right)] ? node_comp[at(nd.left)] : -1;
      }
      node_comp[id] = c;
    }
    std::fill(bound.begin(), bound.end(), kInf);
    for (index_t i = 0; i < n; ++i) {
      if (best_q[at(i)] >= 0 && comp[at(best_q[at(i)])] == comp[at(i)]) best_q[at(i)] = -1;
      if (best_q[at(i)] >= 0)
        bound[at(comp[at(i)])] = std::min(bound[at(comp[at(i)])], best_w[at(i)]);
    }
    // Rows are taken in tree order, so a block holds neighbours, mostly of one component. The
    // best edge a block has found for a component bounds the block's later queries of that
    // component: rows that cannot beat it stop early and stay uncached. Bounds depend only on
    // the block's rows, never on timing, and the component's lightest edge is always found by
    // its own row (its weight is within every bound of the component).
    parallel_for_blocks(ctx, n, kQueryBlock, [&](index_t, index_t s, index_t e) {
      std::vector<std::pair<index_t, double>> stack;
      std::array<std::pair<index_t, double>, 8> local;
      local.fill({-1, kInf});
      std::size_t next_slot = 0;
      for (index_t pos = s; pos < e; ++pos) {
        const index_t i = order[at(pos)];
        if (best_q[at(i)] >= 0) continue;
        const index_t ci = comp[at(i)];
        double lim = bound[at(ci)];
        std::size_t slot = local.size();
        for (std::size_t t = 0; t < local.size(); ++t)
          if (local[t].first == ci) {
            slot = t;
            lim = std::min(lim, local[t].second);
          }
        const double row_bound = lim;
        const auto [w, q] = nearest_reachable(
            rt, rt.tree.point(pos), core[at(i)], row_bound,
            [&](index_t a, index_t b) {
              return b < 0 || edge_less(0, std::min(a, i), std::max(a, i), 0, std::min(b, i),
                                        std::max(b, i));
            },
            [&](index_t id) { return node_comp[at(id)] == ci; },
            [&](index_t p) { return pcomp[at(p)] == ci; }, stack);
        // Only an answer within the bound is known to be this row's own best.
        if (q >= 0 && w <= row_bound) {
          best_w[at(i)] = w;
          best_q[at(i)] = q;
          if (slot == local.size()) {
            slot = next_slot;
            next_slot = (next_slot + 1) % local.size();
            local[slot] = {ci, kInf};
          }
          local[slot].second = std::min(local[slot].second, w);
        }
      }
    });
    std::fill(comp_best.begin(), comp_best.end(), -1);
    for (index_t i = 0; i < n; ++i) {
      if (best_q[at(i)] < 0) continue;
      const index_t c = comp[at(i)];
      const index_t j = comp_best[at(c)];
      if (j < 0 || edge_less(best_w[at(i)], std::min(i, best_q[at(i)]), std::max(i, best_q[at(i)]),
                             best_w[at(j)], std::min(j, best_q[at(j)]), std::max(j, best_q[at(j)])))
        comp_best[at(c)] = i;
    }
    for (index_t c = 0; c < n; ++c) {
      const index_t i = comp_best[at(c)];
      if (i < 0) continue;
      const index_t q = best_q[at(i)];
      if (uf.find(i) == uf.find(q)) continue;
      uf.unite(i, q);
      edges.push_back({std::min(i, q), std::max(i, q), best_w[at(i)]});
    }
  }
  std::sort(edges.begin(), edges.end(), [](const MstEdge& l, const MstEdge& r) {
    return edge_less(l.weight, l.a, l.b, r.weight, r.a, r.b);
  });
  return edges;
}

Result<HdbscanFit> fit_hdbscan(const Context& ctx, MatrixView<const float> x,
                               const HdbscanOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  KOHORT_RETURN_IF_ERROR(validate(o));
  const index_t n = x.rows;
  if (o.max_fit_rows == 0 || n <= o.max_fit_rows) return fit_exact(ctx, x, o);

  // Fit on a uniform sample (partial Fisher–Yates, sorted back to row order), assign the rest.
  const index_t m = o.max_fit_rows;
  ctx.log().info(
      "hdbscan: the tree is built on a uniform sample of {} of the {} rows; the other rows join "
      "the cluster of their mutual-reachability nearest sampled row",
      m, n);
  std::vector<index_t> pick(at(n));
  std::iota(pick.begin(), pick.end(), index_t{0});
  Rng rng = ctx.rng("hdbscan.sample");
  for (index_t i = 0; i < m; ++i)
    std::swap(pick[at(i)],
              pick[at(i + static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n - i))))]);
  pick.resize(at(m));
  std::sort(pick.begin(), pick.end());
  Matrix<float> sample(m, x.cols);
  for (index_t i = 0; i < m; ++i)
    std::copy(x.row(pick[at(i)]), x.row(pick[at(i)]) + x.cols, sample.row(i));
  KOHORT_ASSIGN_OR_RETURN(auto fit, fit_exact(ctx, sample.cview(), o));
  // The other rows are assigned; the sampled rows keep their fitted results.
  Matrix<float> rest(n - m, x.cols);
  for (index_t i = 0, r = 0, t = 0; i < n; ++i) {
    if (t < m && pick[at(t)] == i) {
      ++t;
      continue;
    }
    std::copy(x.row(i), x.row(i) + x.cols, rest.row(r++));
  }
  KOHORT_ASSIGN_OR_RETURN(auto assigned, predict_hdbscan(ctx, fit, rest.cview()));
  HdbscanPrediction pred;
  pred.labels.resize(at(n));
  pred.probabilities.resize(at(n));
  pred.outlier_scores.resize(at(n));
  for (index_t i = 0, r = 0, t = 0; i < n; ++i) {
    if (t < m && pick[at(t)] == i) {
      pred.labels[at(i)] = fit.labels[at(t)];
      pred.probabilities[at(i)] = fit.probabilities[at(t)];
      pred.outlier_scores[at(i)] = fit.outlier_scores[at(t)];
      ++t;
      continue;
    }
    pred.labels[at(i)] = assigned.labels[at(r)];
    pred.probabilities[at(i)] = assigned.probabilities[at(r)];
    pred.outlier_scores[at(i)] = assigned.outlier_scores[at(r)];
    ++r;
  }
  // Renumber by first row over all rows, as an exact fit numbers them.
  std::vector<std::int32_t> number(at(fit.n_clusters), -1);
  std::int32_t next = 0;
  for (auto& l : pred.labels)
    if (l >= 0) {
      if (number[at(l)] < 0) number[at(l)] = next++;
      l = number[at(l)];
    }
  for (auto& l : fit.row_labels)
    if (l >= 0) l = number[at(l)];
  auto permute = [&](std::vector<double>& v) {
    std::vector<double> w(v.size());
    for (std::size_t c = 0; c < v.size(); ++c)
      if (number[c] >= 0) w[at(number[c])] = v[c];
    w.resize(at(next));
    v = std::move(w);
  };
  // Every cluster keeps its sampled rows, so the new numbers cover all of them.
  permute(fit.stability);
  permute(fit.cluster_birth);
  permute(fit.cluster_max_core);
  fit.n_clusters = next;
  fit.labels = std::move(pred.labels);
  fit.probabilities = std::move(pred.probabilities);
  fit.outlier_scores = std::move(pred.outlier_scores);
  fit.sampled = true;
  return fit;
}

namespace {

// Above this many columns a kd-tree prunes next to nothing, and scanning every fitted row is
// faster than walking the tree.
constexpr index_t kTreeMaxColumns = 16;

// Squared distances from q to fitted rows [0, m), each exactly as KdTree::distance2 sums it
// (columns in order, in double); eight rows at a time keep eight independent sums in flight.
void distances_to_rows(const float* q, MatrixView<const float> rows, std::vector<double>& out) {
  const index_t m = rows.rows, d = rows.cols;
  out.resize(at(m));
  index_t r = 0;
  for (; r + 8 <= m; r += 8) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (index_t j = 0; j < d; ++j) {
      const double qj = q[j];
      for (int u = 0; u < 8; ++u) {
        const double t = qj - static_cast<double>(rows(r + u, j));
        acc[u] += t * t;
      }
    }
    for (int u = 0; u < 8; ++u) out[at(r + u)] = acc[u];
  }
  for (; r < m; ++r) out[at(r)] = KdTree::distance2(q, rows.row(r), d);
}

// predict_hdbscan()'s answer for one row by a scan of every fitted row: the same core distance
// (the min_samples-th smallest distance), the same mutual-reachability minimum and the same tie
// to the lower row as the tree's search, so the result is identical.
std::pair<double, index_t> nearest_reachable_scan(const HdbscanFit& fit, const float* q, index_t k,
                                                  std::vector<double>& d2, std::vector<double>& sorted,
                                                  double& core) {
  distances_to_rows(q, fit.rows.cview(), d2);
  core = 0.0;
  if (fit.min_samples > 1) {
    sorted = d2;
    std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end());
    core = std::sqrt(sorted[at(k - 1)]);
  }
  double best_w = kInf;
  index_t best = -1;
  for (index_t r = 0; r < static_cast<index_t>(d2.size()); ++r) {
    const double c = std::max(core, fit.core_distances[at(r)]);
    if (c > best_w) continue;
    const double w = std::max(c, std::sqrt(d2[at(r)]));
    if (w < best_w) best_w = w, best = r;  // rows ascend: an equal w keeps the lower row
  }
  return {best_w, best};
}

}  // namespace

Result<HdbscanPrediction> predict_hdbscan(const Context& ctx, const HdbscanFit& fit,
                                          MatrixView<const float> x) {
  if (fit.rows.rows() == 0)
    return Status::internal("hdbscan", "predict called before a successful fit");
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (x.cols != fit.rows.cols())
    return Status::invalid_input(
        "input", fmt::format("{} columns, but the model was fitted on {}", x.cols, fit.rows.cols()),
        "pass rows with the fitted columns, in the same order");
  const index_t n = x.rows;
  const index_t k = std::min<index_t>(fit.min_samples, fit.rows.rows());
  HdbscanPrediction out;
  out.labels.assign(at(n), -1);
  out.probabilities.assign(at(n), 0.0F);
  out.outlier_scores.assign(at(n), 0.0F);
  // The answer for row i: nearest fitted row q at mutual-reachability distance w.
  const auto settle = [&](index_t i, double core, double w, index_t q) {
    if (q < 0) return;
    const double em = fit.row_eps_max[at(q)];
    out.outlier_scores[at(i)] = w > 0 ? static_cast<float>(std::max(0.0, 1.0 - em / w)) : 0.0F;
    const std::int32_t l = fit.row_labels[at(q)];
    if (l < 0 || !(w < fit.cluster_birth[at(l)])) return;
    out.labels[at(i)] = l;
    const double mc = fit.cluster_max_core[at(l)];
    out.probabilities[at(i)] = mc > 0 ? static_cast<float>(std::clamp((mc - core) / mc, 0.0, 1.0)) : 1.0F;
  };
  if (x.cols > kTreeMaxColumns) {
    parallel_for_blocks(ctx, n, 64, [&](index_t, index_t s, index_t e) {
      std::vector<double> d2, sorted;
      for (index_t i = s; i < e; ++i) {
        double core = 0;
        const auto [w, q] = nearest_reachable_scan(fit, x.row(i), std::max<index_t>(1, k), d2, sorted, core);
        settle(i, core, w, q);
      }
    });
    return out;
  }
  const ReachTree rt(fit.rows.cview(), fit.core_distances);
  // Queries in the order of a kd-tree over the new rows (neighbouring queries share cached
  // nodes); the mutual-reachability distance to any of the k nearest fitted rows bounds the
  // exact search from the start.
  const KdTree query_order(x, 32);
  const index_t kq = std::max<index_t>(1, k);
  parallel_for_blocks(ctx, n, kQueryBlock, [&](index_t, index_t s, index_t e) {
    std::vector<index_t> idx(at(kq));
    std::vector<double> dist(at(kq));
    std::vector<std::pair<index_t, double>> stack;
    for (index_t pos = s; pos < e; ++pos) {
      const index_t i = query_order.order()[at(pos)];
      const float* row = query_order.point(pos);
      rt.tree.knn(row, kq, idx, dist);
      const double core = fit.min_samples > 1 ? dist[at(k - 1)] : 0.0;
      double bound = kInf;
      for (index_t t = 0; t < kq; ++t)
        bound = std::min(bound, std::max({core, fit.core_distances[at(idx[at(t)])], dist[at(t)]}));
      const auto [w, q] = nearest_reachable(
          rt, row, core, bound, [](index_t a, index_t b) { return b < 0 || a < b; },
          [](index_t) { return false; }, [](index_t) { return false; }, stack);
      settle(i, core, w, q);
    }
  });
  return out;
}

}  // namespace kohort::cluster
