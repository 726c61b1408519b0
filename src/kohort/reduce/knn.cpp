#include "kohort/reduce/knn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::reduce {

namespace {

constexpr index_t kQueryBlock = 256;
constexpr index_t kDataTile = 2048;
constexpr index_t kJoinBlock = 256;     // rows per local-join task
constexpr index_t kJoinRound = 16384;   // rows whose updates are applied together
constexpr float kInf = std::numeric_limits<float>::infinity();

float sq_dist(const float* a, const float* b, index_t d) {
  float s = 0;
  for (index_t j = 0; j < d; ++j) {
    const float t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ (b * 0x9E3779B97F4A7C15ULL);
  return splitmix64(s);
}

// A bounded max-heap of (distance, index, flag) per row, stored in flat arrays: the root is the
// farthest kept neighbour, so a candidate is kept when it is closer than the root.
struct Heaps {
  index_t n = 0;
  int k = 0;
  std::vector<float> dist;
  std::vector<std::int32_t> idx;
  std::vector<std::uint8_t> fresh;

  Heaps(index_t rows, int width)
      : n(rows), k(width), dist(static_cast<std::size_t>(rows * width), kInf),
        idx(static_cast<std::size_t>(rows * width), -1),
        fresh(static_cast<std::size_t>(rows * width), 0) {}

  float top(index_t i) const { return dist[static_cast<std::size_t>(i * k)]; }

  // Returns 1 when (q, d) entered row i's heap.
  int push(index_t i, float d, std::int32_t q, std::uint8_t flag) {
    float* ds = dist.data() + i * k;
    std::int32_t* is = idx.data() + i * k;
    std::uint8_t* fs = fresh.data() + i * k;
    if (!(d < ds[0])) return 0;
    for (int t = 0; t < k; ++t)
      if (is[t] == q) return 0;
    int pos = 0;
    for (;;) {
      const int l = 2 * pos + 1, r = l + 1;
      int big = pos;
      float bd = d;
      if (l < k && ds[l] > bd) big = l, bd = ds[l];
      if (r < k && ds[r] > bd) big = r, bd = ds[r];
      if (big == pos) break;
      ds[pos] = ds[big];
      is[pos] = is[big];
      fs[pos] = fs[big];
      pos = big;
    }
    ds[pos] = d;
    is[pos] = q;
    fs[pos] = flag;
    return 1;
  }
};

// Sorts each row by distance and writes the graph with the row itself first.
KnnGraph finish(const Context& ctx, const Heaps& h, bool self_first) {
  KnnGraph g;
  g.n = h.n;
  g.k = h.k + (self_first ? 1 : 0);
  g.indices.assign(static_cast<std::size_t>(g.n * g.k), -1);
  g.distances.assign(static_cast<std::size_t>(g.n * g.k), kInf);
  parallel_for_blocks(ctx, h.n, 4096, [&](index_t, index_t s, index_t e) {
    std::vector<std::pair<float, std::int32_t>> row(static_cast<std::size_t>(h.k));
    for (index_t i = s; i < e; ++i) {
      for (int t = 0; t < h.k; ++t)
        row[static_cast<std::size_t>(t)] = {h.dist[static_cast<std::size_t>(i * h.k + t)],
                                             h.idx[static_cast<std::size_t>(i * h.k + t)]};
      std::sort(row.begin(), row.end());
      std::int32_t* oi = g.indices.data() + i * g.k;
      float* od = g.distances.data() + i * g.k;
      int o = 0;
      if (self_first) {
        oi[0] = static_cast<std::int32_t>(i);
        od[0] = 0;
        o = 1;
      }
      for (int t = 0; t < h.k; ++t, ++o) {
        oi[o] = row[static_cast<std::size_t>(t)].second;
        od[o] = row[static_cast<std::size_t>(t)].first;
      }
    }
  });
  return g;
}

Status check_finite(MatrixView<const float> x, const char* what) {
  for (index_t i = 0; i < x.rows; ++i)
    for (index_t j = 0; j < x.cols; ++j)
      if (!std::isfinite(x(i, j)))
        return Status::invalid_input(fmt::format("{} row {}, column {}", what, i + 1, j + 1),
                                     "value is not finite",
                                     "impute or drop missing values before reducing");
  return {};
}

// Exact: per block of query rows, SGEMM against tiles of data rows; keeps the k smallest
// squared distances (self excluded when `skip_self`), then recomputes them directly.
Heaps exact_heaps(const Context& ctx, MatrixView<const float> data, MatrixView<const float> q,
                  int k, bool skip_self) {
  const index_t n = data.rows, d = data.cols;
  std::vector<float> norms(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) {
    double s = 0;
    for (index_t j = 0; j < d; ++j) s += static_cast<double>(data(i, j)) * data(i, j);
    norms[static_cast<std::size_t>(i)] = static_cast<float>(s);
  }
  Heaps h(q.rows, k);
  const int threads = std::max(1, ctx.threads());
  std::vector<float> scratch(static_cast<std::size_t>(threads * kQueryBlock * kDataTile));
  parallel_for_blocks_indexed(ctx, q.rows, kQueryBlock, [&](int w, index_t, index_t s, index_t e) {
    float* g = scratch.data() + static_cast<std::size_t>(w) * kQueryBlock * kDataTile;
    for (index_t t = 0; t < n; t += kDataTile) {
      const index_t te = std::min(n, t + kDataTile);
      MatrixView<float> gv(g, e - s, te - t);
      blas::gemm_abt(1.0f, q.rows_range(s, e), data.rows_range(t, te), 0.0f, gv);
      for (index_t i = s; i < e; ++i) {
        double qn = 0;
        for (index_t j = 0; j < d; ++j) qn += static_cast<double>(q(i, j)) * q(i, j);
        const auto qf = static_cast<float>(qn);
        for (index_t c = t; c < te; ++c) {
          if (skip_self && c == i) continue;
          const float dd = std::max(0.0f, qf + norms[static_cast<std::size_t>(c)] - 2 * gv(i - s, c - t));
          if (dd < h.top(i)) h.push(i, dd, static_cast<std::int32_t>(c), 0);
        }
      }
    }
    for (index_t i = s; i < e; ++i)
      for (int t = 0; t < k; ++t) {
        const auto c = h.idx[static_cast<std::size_t>(i * k + t)];
        h.dist[static_cast<std::size_t>(i * k + t)] =
            std::sqrt(sq_dist(q.row(i), data.row(c), d));
      }
  });
  return h;
}

// Random projection forest (Dasgupta & Freund 2008, as pynndescent's euclidean trees): each
// node splits on the hyperplane equidistant from two random rows; leaves hold ≤ leaf_size rows.
void rp_tree_leaves(MatrixView<const float> x, Rng& rng, std::vector<std::int32_t>& rows,
                    index_t leaf_size, std::vector<std::int32_t>& leaf_rows,
                    std::vector<index_t>& leaf_starts) {
  const index_t d = x.cols;
  struct Node {
    index_t begin, end;
  };
  std::vector<Node> stack{{0, static_cast<index_t>(rows.size())}};
  std::vector<float> normal(static_cast<std::size_t>(d));
  std::vector<std::uint8_t> side;
  while (!stack.empty()) {
    const Node nd = stack.back();
    stack.pop_back();
    const index_t m = nd.end - nd.begin;
    if (m <= leaf_size) {
      leaf_starts.push_back(static_cast<index_t>(leaf_rows.size()));
      leaf_rows.insert(leaf_rows.end(), rows.begin() + nd.begin, rows.begin() + nd.end);
      continue;
    }
    const index_t a = nd.begin + static_cast<index_t>(rng.below(static_cast<std::uint64_t>(m)));
    index_t b = nd.begin + static_cast<index_t>(rng.below(static_cast<std::uint64_t>(m - 1)));
    if (b >= a) ++b;
    const float* xa = x.row(rows[static_cast<std::size_t>(a)]);
    const float* xb = x.row(rows[static_cast<std::size_t>(b)]);
    double offset = 0;
    for (index_t j = 0; j < d; ++j) {
      normal[static_cast<std::size_t>(j)] = xa[j] - xb[j];
      offset -= static_cast<double>(normal[static_cast<std::size_t>(j)]) * (xa[j] + xb[j]) / 2;
    }
    side.resize(static_cast<std::size_t>(m));
    index_t left = 0;
    for (index_t t = 0; t < m; ++t) {
      const float* xr = x.row(rows[static_cast<std::size_t>(nd.begin + t)]);
      double margin = offset;
      for (index_t j = 0; j < d; ++j) margin += static_cast<double>(normal[static_cast<std::size_t>(j)]) * xr[j];
      const bool l = margin == 0 ? (rng() & 1) != 0 : margin > 0;
      side[static_cast<std::size_t>(t)] = l ? 1 : 0;
      left += l ? 1 : 0;
    }
    if (left == 0 || left == m) {  // all on one side (duplicates): split at random
      left = 0;
      for (index_t t = 0; t < m; ++t) {
        side[static_cast<std::size_t>(t)] = static_cast<std::uint8_t>(rng() & 1);
        left += side[static_cast<std::size_t>(t)];
      }
      if (left == 0 || left == m) {
        for (index_t t = 0; t < m; ++t) side[static_cast<std::size_t>(t)] = t < m / 2 ? 1 : 0;
        left = m / 2;
      }
    }
    std::stable_partition(rows.begin() + nd.begin, rows.begin() + nd.end,
                          [&, base = &rows[static_cast<std::size_t>(nd.begin)]](const std::int32_t& r) {
                            return side[static_cast<std::size_t>(&r - base)] != 0;
                          });
    stack.push_back({nd.begin + left, nd.end});
    stack.push_back({nd.begin, nd.begin + left});
  }
}

struct Update {
  std::int32_t a, b;
  float d;
};

int default_iters(index_t n) {
  return std::max(5, static_cast<int>(std::lround(std::log2(static_cast<double>(n)))));
}

Heaps nn_descent(const Context& ctx, MatrixView<const float> x, const KnnOptions& o, int k,
                 int& iterations) {
  const index_t n = x.rows, d = x.cols;
  Heaps h(n, k);
  const std::uint64_t seed = ctx.seed();

  // 1. Random projection forest: all pairs within each leaf.
  int n_trees = o.n_trees;
  if (n_trees == 0)
    n_trees = std::min(64, 5 + static_cast<int>(std::lround(std::sqrt(static_cast<double>(n)) / 20.0)));
  if (n_trees > 0) {
    const index_t leaf_size = std::max<index_t>(10, k + 1);
    std::vector<std::vector<std::int32_t>> leaf_rows(static_cast<std::size_t>(n_trees));
    std::vector<std::vector<index_t>> leaf_starts(static_cast<std::size_t>(n_trees));
    parallel_for_blocks(ctx, n_trees, 1, [&](index_t t, index_t, index_t) {
      Rng rng = ctx.rng("knn.rp_tree", static_cast<std::uint64_t>(t));
      std::vector<std::int32_t> rows(static_cast<std::size_t>(n));
      std::iota(rows.begin(), rows.end(), 0);
      rp_tree_leaves(x, rng, rows, leaf_size, leaf_rows[static_cast<std::size_t>(t)],
                     leaf_starts[static_cast<std::size_t>(t)]);
    });
    // Each row's leaf in each tree: pushes for row p come from p's own leaves only.
    std::vector<std::int32_t> where(static_cast<std::size_t>(n * n_trees));
    for (int t = 0; t < n_trees; ++t) {
      const auto& starts = leaf_starts[static_cast<std::size_t>(t)];
      const auto& lr = leaf_rows[static_cast<std::size_t>(t)];
      for (std::size_t l = 0; l < starts.size(); ++l) {
        const index_t e = l + 1 < starts.size() ? starts[l + 1] : static_cast<index_t>(lr.size());
        for (index_t u = starts[l]; u < e; ++u)
          where[static_cast<std::size_t>(lr[static_cast<std::size_t>(u)]) * n_trees + t] = static_cast<std::int32_t>(l);
      }
    }
    parallel_for_blocks(ctx, n, 1024, [&](index_t, index_t s, index_t e) {
      for (index_t p = s; p < e; ++p)
        for (int t = 0; t < n_trees; ++t) {
          const auto& starts = leaf_starts[static_cast<std::size_t>(t)];
          const auto& lr = leaf_rows[static_cast<std::size_t>(t)];
          const auto l = static_cast<std::size_t>(where[static_cast<std::size_t>(p * n_trees + t)]);
          const index_t le = l + 1 < starts.size() ? starts[l + 1] : static_cast<index_t>(lr.size());
          for (index_t u = starts[l]; u < le; ++u) {
            const auto q = lr[static_cast<std::size_t>(u)];
            if (q == p) continue;
            const float dd = sq_dist(x.row(p), x.row(q), d);
            if (dd < h.top(p)) h.push(p, dd, q, 1);
          }
        }
    });
  }
  // 2. Random neighbours for rows whose heap is not full yet.
  parallel_for_blocks(ctx, n, 1024, [&](index_t b, index_t s, index_t e) {
    Rng rng = ctx.rng("knn.random_init", static_cast<std::uint64_t>(b));
    for (index_t p = s; p < e; ++p) {
      int guard = 0;
      while (h.idx[static_cast<std::size_t>(p * k)] < 0 && guard++ < 64 * k) {
        const auto q = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(n)));
        if (q == p) continue;
        h.push(p, sq_dist(x.row(p), x.row(q), d), q, 1);
      }
    }
  });

  // 3. Local joins.
  const int max_iter = o.max_iter > 0 ? o.max_iter : default_iters(n);
  const int mc = std::max(1, o.max_candidates);
  std::vector<std::int32_t> rev_start(static_cast<std::size_t>(n + 1));
  std::vector<std::int32_t> rev(static_cast<std::size_t>(n * k));
  std::vector<std::int32_t> rev_slot(static_cast<std::size_t>(n * k));
  std::vector<std::int32_t> new_c(static_cast<std::size_t>(n * mc)), old_c(static_cast<std::size_t>(n * mc));
  std::vector<std::int32_t> new_count(static_cast<std::size_t>(n)), old_count(static_cast<std::size_t>(n));
  const auto threshold_updates = static_cast<double>(o.delta) * static_cast<double>(n) * k;
  iterations = 0;
  for (int it = 0; it < max_iter; ++it) {
    if (ctx.cancelled()) break;
    ++iterations;
    // Reverse edges by counting sort (row order, so fixed).
    std::fill(rev_start.begin(), rev_start.end(), 0);
    for (std::size_t t = 0; t < h.idx.size(); ++t)
      if (h.idx[t] >= 0) ++rev_start[static_cast<std::size_t>(h.idx[t]) + 1];
    for (index_t i = 0; i < n; ++i) rev_start[static_cast<std::size_t>(i + 1)] += rev_start[static_cast<std::size_t>(i)];
    {
      std::vector<std::int32_t> fill(rev_start.begin(), rev_start.end() - 1);
      for (index_t p = 0; p < n; ++p)
        for (int t = 0; t < k; ++t) {
          const auto q = h.idx[static_cast<std::size_t>(p * k + t)];
          if (q < 0) continue;
          const auto at = static_cast<std::size_t>(fill[static_cast<std::size_t>(q)]++);
          rev[at] = static_cast<std::int32_t>(p);
          rev_slot[at] = t;
        }
    }
    // Candidates: the mc entries of smallest random priority among the forward and reverse
    // neighbours of each flag; the priority of an edge is a hash of (seed, iteration, p, q).
    const std::uint64_t salt = mix(seed ^ 0x6b6e6eULL, static_cast<std::uint64_t>(it));
    auto prio = [&](std::int32_t a, std::int32_t b) {
      return mix(salt, (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
                           static_cast<std::uint32_t>(b));
    };
    parallel_for_blocks(ctx, n, 1024, [&](index_t, index_t s, index_t e) {
      std::vector<std::pair<std::uint64_t, std::int32_t>> cn, co;
      for (index_t p = s; p < e; ++p) {
        cn.clear();
        co.clear();
        for (int t = 0; t < k; ++t) {
          const auto q = h.idx[static_cast<std::size_t>(p * k + t)];
          if (q < 0) continue;
          const auto pr = prio(static_cast<std::int32_t>(p), q);
          (h.fresh[static_cast<std::size_t>(p * k + t)] ? cn : co).push_back({pr, q});
        }
        for (auto u = rev_start[static_cast<std::size_t>(p)]; u < rev_start[static_cast<std::size_t>(p + 1)]; ++u) {
          const auto q = rev[static_cast<std::size_t>(u)];
          const auto slot = static_cast<std::size_t>(q) * static_cast<std::size_t>(k) +
                            static_cast<std::size_t>(rev_slot[static_cast<std::size_t>(u)]);
          (h.fresh[slot] ? cn : co).push_back({prio(q, static_cast<std::int32_t>(p)), q});
        }
        auto select = [&](std::vector<std::pair<std::uint64_t, std::int32_t>>& c, std::int32_t* out,
                          std::int32_t& count) {
          // Duplicates (q in both directions) keep their smallest priority.
          std::sort(c.begin(), c.end(), [](const auto& l, const auto& r) {
            return l.second != r.second ? l.second < r.second : l.first < r.first;
          });
          c.erase(std::unique(c.begin(), c.end(), [](const auto& l, const auto& r) { return l.second == r.second; }),
                  c.end());
          const std::size_t keep = std::min<std::size_t>(c.size(), static_cast<std::size_t>(mc));
          std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(keep), c.end());
          for (std::size_t t = 0; t < keep; ++t) out[t] = c[t].second;
          count = static_cast<std::int32_t>(keep);
        };
        select(cn, new_c.data() + p * mc, new_count[static_cast<std::size_t>(p)]);
        select(co, old_c.data() + p * mc, old_count[static_cast<std::size_t>(p)]);
      }
    });
    // Entries sampled as new candidates of their row become old.
    parallel_for_blocks(ctx, n, 1024, [&](index_t, index_t s, index_t e) {
      for (index_t p = s; p < e; ++p) {
        const std::int32_t* nc = new_c.data() + p * mc;
        const auto cnt = new_count[static_cast<std::size_t>(p)];
        for (int t = 0; t < k; ++t) {
          const auto q = h.idx[static_cast<std::size_t>(p * k + t)];
          if (std::find(nc, nc + cnt, q) != nc + cnt) h.fresh[static_cast<std::size_t>(p * k + t)] = 0;
        }
      }
    });
    // Local join, round by round; the thresholds of a round are the heaps at its start.
    long long changed = 0;
    for (index_t r0 = 0; r0 < n; r0 += kJoinRound) {
      const index_t r1 = std::min(n, r0 + kJoinRound);
      const index_t nb = block_count(r1 - r0, kJoinBlock);
      std::vector<std::vector<Update>> proposals(static_cast<std::size_t>(nb));
      parallel_for_blocks(ctx, r1 - r0, kJoinBlock, [&](index_t b, index_t s, index_t e) {
        auto& out = proposals[static_cast<std::size_t>(b)];
        for (index_t p = r0 + s; p < r0 + e; ++p) {
          const std::int32_t* nc = new_c.data() + p * mc;
          const std::int32_t* oc = old_c.data() + p * mc;
          const auto nn = new_count[static_cast<std::size_t>(p)], no = old_count[static_cast<std::size_t>(p)];
          for (int u = 0; u < nn; ++u) {
            const auto a = nc[u];
            const float* xa = x.row(a);
            const float ta = h.top(a);
            for (int v = u + 1; v < nn; ++v) {
              const auto b2 = nc[v];
              const float dd = sq_dist(xa, x.row(b2), d);
              if (dd < ta || dd < h.top(b2)) out.push_back({a, b2, dd});
            }
            for (int v = 0; v < no; ++v) {
              const auto b2 = oc[v];
              if (b2 == a) continue;
              const float dd = sq_dist(xa, x.row(b2), d);
              if (dd < ta || dd < h.top(b2)) out.push_back({a, b2, dd});
            }
          }
        }
      });
      std::vector<long long> counts(static_cast<std::size_t>(std::max(1, ctx.threads())), 0);
      // Each owner range pushes only into its own rows and scans the proposals in block order,
      // so every heap sees the same pushes in the same order at any thread count.
      const int parts = std::max(1, ctx.threads());
      const index_t per = (n + parts - 1) / parts;
      parallel_for_blocks(ctx.with_threads(parts), n, per, [&](index_t w, index_t s, index_t e) {
        long long c = 0;
        for (const auto& block : proposals)
          for (const Update& u : block) {
            if (u.a >= s && u.a < e) c += h.push(u.a, u.d, u.b, 1);
            if (u.b >= s && u.b < e) c += h.push(u.b, u.d, u.a, 1);
          }
        counts[static_cast<std::size_t>(w)] = c;
      });
      for (long long c : counts) changed += c;
    }
    ctx.log().debug("nn-descent iteration {}: {} updates", it + 1, changed);
    if (static_cast<double>(changed) <= threshold_updates) break;
  }
  for (auto& v : h.dist) v = std::sqrt(v);
  return h;
}

}  // namespace

Result<KnnGraph> knn_graph(const Context& ctx, MatrixView<const float> x, const KnnOptions& o) {
  const index_t n = x.rows;
  if (n > std::numeric_limits<std::int32_t>::max())
    return Status::invalid_input("input", fmt::format("{} rows are more than the 2^31 - 1 a kNN graph indexes", n));
  if (o.n_neighbors < 2 || o.n_neighbors > n)
    return Status::invalid_argument("n_neighbors", fmt::format("{} neighbours asked of {} rows", o.n_neighbors, n),
                                    fmt::format("use between 2 and {} neighbours", std::max<index_t>(2, n)));
  KOHORT_RETURN_IF_ERROR(check_finite(x, "input"));
  const int k = o.n_neighbors - 1;
  const bool exact = o.method == KnnMethod::exact ||
                     (o.method == KnnMethod::automatic && n <= o.exact_max_rows);
  if (exact) {
    KnnGraph g = finish(ctx, exact_heaps(ctx, x, x, k, true), true);
    g.exact = true;
    return g;
  }
  int iterations = 0;
  Heaps h = nn_descent(ctx, x, o, k, iterations);
  if (ctx.cancelled()) return Status::cancelled();
  KnnGraph g = finish(ctx, h, true);
  g.iterations = iterations;
  return g;
}

Result<KnnGraph> knn_query(const Context& ctx, MatrixView<const float> data,
                           MatrixView<const float> queries, int k, const KnnGraph* graph,
                           index_t exact_max_rows) {
  const index_t n = data.rows, d = data.cols;
  if (queries.cols != d)
    return Status::invalid_input("input", fmt::format("rows have {} columns; the fitted data has {}", queries.cols, d));
  if (k < 1 || k > n)
    return Status::invalid_argument("n_neighbors", fmt::format("{} neighbours asked of {} rows", k, n));
  KOHORT_RETURN_IF_ERROR(check_finite(queries, "input"));
  if (graph == nullptr || n <= exact_max_rows) {
    KnnGraph g = finish(ctx, exact_heaps(ctx, data, queries, k, false), false);
    g.exact = true;
    return g;
  }
  // Best-first search over the kNN graph (as pynndescent's query): expand the closest
  // unexpanded candidate while it is within (1 + ε) of the k-th best distance.
  const double eps = 0.2;
  // Entry rows: a fixed sample of up to 256 rows, all visited first, so that a query reaches
  // its own part of the data even when the kNN graph falls apart into separated clusters.
  std::vector<std::int32_t> pivots;
  {
    Rng rng = ctx.rng("knn.query_pivots");
    const index_t m = std::min<index_t>(n, 256);
    for (index_t t = 0; t < m; ++t)
      pivots.push_back(static_cast<std::int32_t>(m == n ? t : static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n)))));
  }
  const int gk = graph->k;
  // The search graph: each row's neighbours and the rows that have it as a neighbour.
  std::vector<std::int64_t> adj_start(static_cast<std::size_t>(n + 1), 0);
  for (index_t i = 0; i < n; ++i)
    for (int t = 1; t < gk; ++t) {
      ++adj_start[static_cast<std::size_t>(i + 1)];
      ++adj_start[static_cast<std::size_t>(graph->index(i, t)) + 1];
    }
  for (index_t i = 0; i < n; ++i) adj_start[static_cast<std::size_t>(i + 1)] += adj_start[static_cast<std::size_t>(i)];
  std::vector<std::int32_t> adj(static_cast<std::size_t>(adj_start[static_cast<std::size_t>(n)]));
  {
    std::vector<std::int64_t> fill(adj_start.begin(), adj_start.end() - 1);
    for (index_t i = 0; i < n; ++i)
      for (int t = 1; t < gk; ++t) {
        const auto j = graph->index(i, t);
        adj[static_cast<std::size_t>(fill[static_cast<std::size_t>(i)]++)] = j;
        adj[static_cast<std::size_t>(fill[static_cast<std::size_t>(j)]++)] = static_cast<std::int32_t>(i);
      }
  }
  Heaps h(queries.rows, k);
  parallel_for_blocks(ctx, queries.rows, 256, [&](index_t, index_t s, index_t e) {
    std::vector<std::uint8_t> visited(static_cast<std::size_t>(n), 0);
    std::vector<std::int32_t> touched;
    using Cand = std::pair<float, std::int32_t>;
    std::vector<Cand> frontier;  // min-heap by distance
    auto cmp = [](const Cand& l, const Cand& r) { return l.first > r.first; };
    for (index_t i = s; i < e; ++i) {
      const float* xq = queries.row(i);
      frontier.clear();
      auto visit = [&](std::int32_t c) {
        if (visited[static_cast<std::size_t>(c)]) return;
        visited[static_cast<std::size_t>(c)] = 1;
        touched.push_back(c);
        const float dd = std::sqrt(sq_dist(xq, data.row(c), d));
        h.push(i, dd, c, 0);
        frontier.push_back({dd, c});
        std::push_heap(frontier.begin(), frontier.end(), cmp);
      };
      for (auto p : pivots) visit(p);
      while (!frontier.empty()) {
        std::pop_heap(frontier.begin(), frontier.end(), cmp);
        const Cand c = frontier.back();
        frontier.pop_back();
        if (static_cast<double>(c.first) > (1 + eps) * h.top(i)) break;
        for (auto u = adj_start[static_cast<std::size_t>(c.second)];
             u < adj_start[static_cast<std::size_t>(c.second) + 1]; ++u)
          visit(adj[static_cast<std::size_t>(u)]);
      }
      for (auto c : touched) visited[static_cast<std::size_t>(c)] = 0;
      touched.clear();
    }
  });
  KnnGraph g = finish(ctx, h, false);
  return g;
}

}  // namespace kohort::reduce
