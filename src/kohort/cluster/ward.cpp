#include "kohort/cluster/ward.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "kohort/cluster/kmeans.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

namespace {

constexpr index_t kSearchBlock = 2048;

struct UnionFind {
  std::vector<index_t> parent;
  explicit UnionFind(index_t n) : parent(static_cast<std::size_t>(n)) {
    std::iota(parent.begin(), parent.end(), index_t{0});
  }
  index_t find(index_t v) {
    while (parent[static_cast<std::size_t>(v)] != v) {
      parent[static_cast<std::size_t>(v)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])];
      v = parent[static_cast<std::size_t>(v)];
    }
    return v;
  }
};

// Ward cost of merging clusters with weights wa, wb and centroids ca, cb: wa·wb/(wa+wb)·‖ca−cb‖².
double ward_cost(const double* ca, double wa, const double* cb, double wb, index_t d) {
  double q = 0;
  for (index_t j = 0; j < d; ++j) {
    const double t = ca[j] - cb[j];
    q += t * t;
  }
  return wa * wb / (wa + wb) * q;
}

WardTree nn_chain(const Context& ctx, MatrixView<const float> x, std::span<const float> w) {
  const index_t n = x.rows, d = x.cols;
  std::vector<double> cent(static_cast<std::size_t>(n * d));
  std::vector<double> weight(static_cast<std::size_t>(n));
  std::vector<char> active(static_cast<std::size_t>(n), 1);
  for (index_t i = 0; i < n; ++i) {
    for (index_t j = 0; j < d; ++j) cent[static_cast<std::size_t>(i * d + j)] = x(i, j);
    weight[static_cast<std::size_t>(i)] = w.empty() ? 1.0 : w[static_cast<std::size_t>(i)];
  }
  // Raw merges between slots; a cluster lives in the slot of its smallest row.
  struct Raw {
    index_t a, b;
    double cost, size;
  };
  std::vector<Raw> raw;
  raw.reserve(static_cast<std::size_t>(n > 0 ? n - 1 : 0));
  const index_t nb = block_count(n, kSearchBlock);
  std::vector<double> best_cost(static_cast<std::size_t>(nb));
  std::vector<index_t> best_idx(static_cast<std::size_t>(nb));
  std::vector<index_t> chain;
  index_t remaining = n;
  index_t next_start = 0;
  ctx.progress().begin("ward", n - 1);
  while (remaining > 1) {
    if (chain.empty()) {
      while (!active[static_cast<std::size_t>(next_start)]) ++next_start;
      chain.push_back(next_start);
    }
    const index_t top = chain.back();
    const index_t prev = chain.size() >= 2 ? chain[chain.size() - 2] : -1;
    const double* ct = cent.data() + top * d;
    const double wt = weight[static_cast<std::size_t>(top)];
    parallel_for_blocks(ctx, n, kSearchBlock, [&](index_t b, index_t s, index_t e) {
      double bc = std::numeric_limits<double>::infinity();
      index_t bi = -1;
      for (index_t i = s; i < e; ++i) {
        if (i == top || !active[static_cast<std::size_t>(i)]) continue;
        const double c = ward_cost(ct, wt, cent.data() + i * d, weight[static_cast<std::size_t>(i)], d);
        if (c < bc) {
          bc = c;
          bi = i;
        }
      }
      best_cost[static_cast<std::size_t>(b)] = bc;
      best_idx[static_cast<std::size_t>(b)] = bi;
    });
    double bc = std::numeric_limits<double>::infinity();
    index_t nn = -1;
    for (index_t b = 0; b < nb; ++b)
      if (best_cost[static_cast<std::size_t>(b)] < bc) {
        bc = best_cost[static_cast<std::size_t>(b)];
        nn = best_idx[static_cast<std::size_t>(b)];
      }
    // On a tie, stay with the previous chain element: that guarantees the chain ends.
    if (prev >= 0 && ward_cost(ct, wt, cent.data() + prev * d, weight[static_cast<std::size_t>(prev)], d) <= bc)
      nn = prev;
    if (nn != prev) {
      chain.push_back(nn);
      continue;
    }
    chain.pop_back();
    chain.pop_back();
    const index_t a = std::min(top, nn), b = std::max(top, nn);
    const double wa = weight[static_cast<std::size_t>(a)], wb = weight[static_cast<std::size_t>(b)];
    const double cost = ward_cost(cent.data() + a * d, wa, cent.data() + b * d, wb, d);
    for (index_t j = 0; j < d; ++j)
      cent[static_cast<std::size_t>(a * d + j)] =
          (wa * cent[static_cast<std::size_t>(a * d + j)] + wb * cent[static_cast<std::size_t>(b * d + j)]) / (wa + wb);
    weight[static_cast<std::size_t>(a)] = wa + wb;
    active[static_cast<std::size_t>(b)] = 0;
    raw.push_back({a, b, cost, wa + wb});
    --remaining;
    ctx.progress().step(n - remaining);
  }
  ctx.progress().end();
  // SciPy's order and ids: merges by ascending height, cluster n + i formed by merge i.
  std::stable_sort(raw.begin(), raw.end(), [](const Raw& p, const Raw& q) { return p.cost < q.cost; });
  WardTree tree;
  tree.leaves = n;
  UnionFind uf(n);
  std::vector<index_t> id_of_root(static_cast<std::size_t>(n));
  std::iota(id_of_root.begin(), id_of_root.end(), index_t{0});
  for (std::size_t m = 0; m < raw.size(); ++m) {
    const index_t ra = uf.find(raw[m].a), rb = uf.find(raw[m].b);
    index_t ia = id_of_root[static_cast<std::size_t>(ra)], ib = id_of_root[static_cast<std::size_t>(rb)];
    if (ia > ib) std::swap(ia, ib);
    tree.merges.push_back({ia, ib, std::sqrt(2.0 * std::max(0.0, raw[m].cost)), raw[m].size});
    const index_t root = std::min(ra, rb);
    uf.parent[static_cast<std::size_t>(std::max(ra, rb))] = root;
    id_of_root[static_cast<std::size_t>(root)] = n + static_cast<index_t>(m);
  }
  return tree;
}

}  // namespace

Result<WardTree> fit_ward(const Context& ctx, MatrixView<const float> x, const WardOptions& o,
                          std::span<const float> weights) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (!weights.empty() && static_cast<index_t>(weights.size()) != x.rows)
    return Status::invalid_input("weights", fmt::format("{} weights for {} rows", weights.size(), x.rows));
  if (x.rows <= o.exact_max_rows) return nn_chain(ctx, x, weights);
  KMeansOptions ko;
  ko.n_clusters = o.micro_clusters;
  ko.n_init = 1;
  ko.max_iter = 50;
  ko.init = KMeansInit::kmeans_parallel;
  ctx.log().info("ward: {} rows; merging {} k-means micro-clusters", x.rows, o.micro_clusters);
  KOHORT_ASSIGN_OR_RETURN(auto km, fit_kmeans(ctx.quiet(), x, ko, weights));
  std::vector<float> w(km.sizes.size());
  for (std::size_t c = 0; c < w.size(); ++c) w[c] = static_cast<float>(std::max(km.sizes[c], 1e-12));
  WardTree tree = nn_chain(ctx, km.centers.cview(), w);
  tree.leaf_of_row = std::move(km.labels);
  return tree;
}

Result<std::vector<std::int32_t>> cut_ward(const WardTree& tree, int k) {
  if (k < 1 || k > tree.leaves)
    return Status::invalid_argument("--k", fmt::format("cannot cut a tree of {} leaves into {} clusters",
                                                       tree.leaves, k));
  UnionFind uf(2 * tree.leaves);
  const auto merges = static_cast<std::size_t>(tree.leaves - k);
  for (std::size_t m = 0; m < merges; ++m) {
    const index_t id = tree.leaves + static_cast<index_t>(m);
    uf.parent[static_cast<std::size_t>(uf.find(tree.merges[m].a))] = id;
    uf.parent[static_cast<std::size_t>(uf.find(tree.merges[m].b))] = id;
  }
  std::vector<std::int32_t> leaf_label(static_cast<std::size_t>(tree.leaves));
  std::vector<std::int32_t> code(static_cast<std::size_t>(2 * tree.leaves), -1);
  std::int32_t next = 0;
  for (index_t i = 0; i < tree.leaves; ++i) {
    auto& c = code[static_cast<std::size_t>(uf.find(i))];
    if (c < 0) c = next++;
    leaf_label[static_cast<std::size_t>(i)] = c;
  }
  if (tree.leaf_of_row.empty()) return leaf_label;
  // Renumber by first row so labels do not depend on micro-cluster numbering.
  std::vector<std::int32_t> rows(tree.leaf_of_row.size());
  std::vector<std::int32_t> renum(static_cast<std::size_t>(k), -1);
  next = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto& c = renum[static_cast<std::size_t>(leaf_label[static_cast<std::size_t>(tree.leaf_of_row[r])])];
    if (c < 0) c = next++;
    rows[r] = c;
  }
  return rows;
}

}  // namespace kohort::cluster
