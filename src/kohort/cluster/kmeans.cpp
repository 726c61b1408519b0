#include "kohort/cluster/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "kohort/cluster/internal/distance.h"
#include "kohort/core/blas.h"
#include "kohort/core/checks.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

using internal::kBlockRows;

Status check_finite(MatrixView<const float> x) {
  return check_finite_matrix(x, "remove or impute NaN and infinite values before clustering");
}

namespace {

double weight_of(std::span<const float> w, index_t i) {
  return w.empty() ? 1.0 : static_cast<double>(w[static_cast<std::size_t>(i)]);
}

// Block-ordered total of per-row values, so that sampling thresholds are thread-independent.
double ordered_sum(const Context& ctx, std::span<const double> v) {
  const auto n = static_cast<index_t>(v.size());
  std::vector<double> part(static_cast<std::size_t>(block_count(n, kBlockRows)), 0.0);
  parallel_for_blocks(ctx, n, kBlockRows, [&](index_t b, index_t s, index_t e) {
    double acc = 0;
    for (index_t i = s; i < e; ++i) acc += v[static_cast<std::size_t>(i)];
    part[static_cast<std::size_t>(b)] = acc;
  });
  return std::accumulate(part.begin(), part.end(), 0.0);
}

// Index i such that the cumulative sum of v up to and including i first exceeds `target`.
index_t sample_index(std::span<const double> v, double target) {
  double acc = 0;
  index_t last_positive = -1;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] > 0) last_positive = static_cast<index_t>(i);
    acc += v[i];
    if (acc > target && v[i] > 0) return static_cast<index_t>(i);
  }
  return last_positive < 0 ? 0 : last_positive;
}

// Greedy k-means++ over (x, weights) as in scikit-learn's _kmeans_plusplus: each new centre is
// the best of 2 + ln k candidates drawn ∝ w·D², judged by the resulting potential.
Matrix<float> kmeans_pp(const Context& ctx, MatrixView<const float> x, std::span<const float> w,
                        int k, Rng& rng) {
  const index_t n = x.rows, d = x.cols;
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  Matrix<float> centers(k, d);
  const auto x_norms = internal::row_norms(ctx, x);
  std::vector<double> wd(static_cast<std::size_t>(n));  // w · D² to the closest centre
  std::vector<double> cand_wd(static_cast<std::size_t>(n));
  std::vector<double> best_wd(static_cast<std::size_t>(n));
  std::vector<float> dist(static_cast<std::size_t>(n));
  std::vector<std::int32_t> lab(static_cast<std::size_t>(n));

  auto distances_to = [&](const float* c_row, std::vector<double>& out) {
    Matrix<float> c(1, d);
    std::copy(c_row, c_row + d, c.data());
    const auto cn = internal::row_norms(ctx, c.cview());
    internal::nearest(ctx, x, x_norms, c.cview(), cn, lab, dist);
    parallel_for_blocks(ctx, n, kBlockRows, [&](index_t, index_t s, index_t e) {
      for (index_t i = s; i < e; ++i)
        out[static_cast<std::size_t>(i)] = weight_of(w, i) * dist[static_cast<std::size_t>(i)];
    });
  };

  // First centre: a row drawn with probability ∝ weight.
  index_t first = 0;
  if (w.empty()) {
    first = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n)));
  } else {
    std::vector<double> wv(w.begin(), w.end());
    first = sample_index(wv, rng.uniform() * ordered_sum(ctx, wv));
  }
  std::copy(x.row(first), x.row(first) + d, centers.row(0));
  distances_to(x.row(first), wd);
  double potential = ordered_sum(ctx, wd);

  for (int c = 1; c < k; ++c) {
    index_t best = -1;
    double best_pot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      const index_t cand = potential > 0 ? sample_index(wd, rng.uniform() * potential)
                                         : static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n)));
      distances_to(x.row(cand), cand_wd);
      parallel_for_blocks(ctx, n, kBlockRows, [&](index_t, index_t s, index_t e) {
        for (index_t i = s; i < e; ++i) {
          const auto u = static_cast<std::size_t>(i);
          cand_wd[u] = std::min(cand_wd[u], wd[u]);
        }
      });
      const double pot = ordered_sum(ctx, cand_wd);
      if (pot < best_pot) {
        best_pot = pot;
        best = cand;
        best_wd.swap(cand_wd);
      }
    }
    std::copy(x.row(best), x.row(best) + d, centers.row(c));
    wd.swap(best_wd);
    potential = best_pot;
  }
  return centers;
}

// k-means|| (Bahmani et al. 2012, Algorithm 2): 5 rounds drawing each row independently with
// probability min(1, ℓ·w·D²/φ), ℓ = 2k; candidates weighted by the weight of the rows closest
// to them, then reduced to k centres by weighted k-means++ on the candidates.
Matrix<float> kmeans_parallel(const Context& ctx, MatrixView<const float> x,
                              std::span<const float> w, int k, Rng& rng, std::uint64_t stream) {
  const index_t n = x.rows, d = x.cols;
  const double ell = 2.0 * k;
  const auto x_norms = internal::row_norms(ctx, x);
  std::vector<index_t> chosen;
  chosen.push_back(static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n))));
  std::vector<float> dist(static_cast<std::size_t>(n), std::numeric_limits<float>::infinity());
  std::vector<std::int32_t> lab(static_cast<std::size_t>(n));
  std::vector<float> dnew(static_cast<std::size_t>(n));
  std::vector<double> wd(static_cast<std::size_t>(n));
  std::size_t measured = 0;
  const index_t nb = block_count(n, kBlockRows);
  for (int round = 0; round <= 5; ++round) {
    // Distances to the candidates added since the last round.
    const auto m = static_cast<index_t>(chosen.size() - measured);
    Matrix<float> c(m, d);
    for (index_t j = 0; j < m; ++j)
      std::copy(x.row(chosen[measured + static_cast<std::size_t>(j)]),
                x.row(chosen[measured + static_cast<std::size_t>(j)]) + d, c.row(j));
    measured = chosen.size();
    const auto cn = internal::row_norms(ctx, c.cview());
    internal::nearest(ctx, x, x_norms, c.cview(), cn, lab, dnew);
    for (std::size_t i = 0; i < dist.size(); ++i) {
      dist[i] = std::min(dist[i], dnew[i]);
      wd[i] = weight_of(w, static_cast<index_t>(i)) * dist[i];
    }
    if (round == 5) break;
    const double phi = ordered_sum(ctx, wd);
    if (phi <= 0) break;
    std::vector<std::vector<index_t>> picked(static_cast<std::size_t>(nb));
    parallel_for_blocks(ctx, n, kBlockRows, [&](index_t b, index_t s, index_t e) {
      Rng r(stream, "kmeans||.round", static_cast<std::uint64_t>(round) * 1000003ULL +
                                          static_cast<std::uint64_t>(b));
      for (index_t i = s; i < e; ++i)
        if (r.uniform() < ell * wd[static_cast<std::size_t>(i)] / phi)
          picked[static_cast<std::size_t>(b)].push_back(i);
    });
    for (const auto& p : picked) chosen.insert(chosen.end(), p.begin(), p.end());
  }
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  const auto m = static_cast<index_t>(chosen.size());
  Matrix<float> cand(m, d);
  for (index_t j = 0; j < m; ++j)
    std::copy(x.row(chosen[static_cast<std::size_t>(j)]), x.row(chosen[static_cast<std::size_t>(j)]) + d,
              cand.row(j));
  if (m <= k) {
    // Too few distinct candidates: top up with k-means++ on the data itself.
    return kmeans_pp(ctx, x, w, k, rng);
  }
  const auto cn = internal::row_norms(ctx, cand.cview());
  internal::nearest(ctx, x, x_norms, cand.cview(), cn, lab, dnew);
  std::vector<float> cw(static_cast<std::size_t>(m), 0.0f);
  std::vector<double> cwd(static_cast<std::size_t>(m), 0.0);
  for (index_t i = 0; i < n; ++i) cwd[static_cast<std::size_t>(lab[static_cast<std::size_t>(i)])] += weight_of(w, i);
  for (std::size_t j = 0; j < cw.size(); ++j) cw[j] = static_cast<float>(cwd[j]);
  return kmeans_pp(ctx, cand.cview(), cw, k, rng);
}

struct LloydState {
  Matrix<float> centers;
  std::vector<std::int32_t> labels;
  std::vector<float> min_dist;
  std::vector<double> sizes;
  double inertia = 0;
  int n_iter = 0;
  bool converged = false;
};

// One E-step (nearest centres) and the block-ordered inertia.
double assign_all(const Context& ctx, MatrixView<const float> x, std::span<const float> x_norms,
                  std::span<const float> w, const Matrix<float>& centers,
                  std::vector<std::int32_t>& labels, std::vector<float>& min_dist) {
  const auto cn = internal::row_norms(ctx, centers.cview());
  internal::nearest(ctx, x, x_norms, centers.cview(), cn, labels, min_dist);
  // The reported inertia uses direct distances to the chosen centres (as scikit-learn's
  // _inertia_dense): the norm expansion leaves rounding residue of order ε·‖x‖².
  std::vector<double> part(static_cast<std::size_t>(block_count(x.rows, kBlockRows)), 0.0);
  parallel_for_blocks(ctx, x.rows, kBlockRows, [&](index_t b, index_t s, index_t e) {
    double acc = 0;
    for (index_t i = s; i < e; ++i) {
      const auto u = static_cast<std::size_t>(i);
      min_dist[u] = internal::squared_distance(x.row(i), centers.row(labels[u]), x.cols);
      acc += weight_of(w, i) * min_dist[u];
    }
    part[static_cast<std::size_t>(b)] = acc;
  });
  return std::accumulate(part.begin(), part.end(), 0.0);
}

// One fused Lloyd pass: per tile, SGEMM distances and the argmin, then (while the tile is
// still in cache) the tile's rows are added to its block's per-cluster sums in double. Block
// partial sums are combined in block order. Returns the inertia of `centers`.
double fused_pass(const Context& ctx, MatrixView<const float> x, std::span<const float> x_norms,
                  std::span<const float> w, const Matrix<float>& centers,
                  std::vector<std::int32_t>& labels, std::vector<float>& min_dist,
                  std::vector<double>& total, std::vector<double>& sizes) {
  const index_t n = x.rows, d = x.cols, k = centers.rows();
  const index_t nb = block_count(n, kBlockRows);
  const auto cn = internal::row_norms(ctx, centers.cview());
  std::vector<double> sums(static_cast<std::size_t>(nb * k * d), 0.0);
  std::vector<double> counts(static_cast<std::size_t>(nb * k), 0.0);
  std::vector<double> part(static_cast<std::size_t>(nb), 0.0);
  const int threads = std::max(1, ctx.threads());
  const auto tile_floats = static_cast<std::size_t>(internal::kTileRows * k);
  std::vector<float> scratch(tile_floats * static_cast<std::size_t>(threads));
  parallel_for_blocks_indexed(ctx, n, kBlockRows, [&](int wk, index_t b, index_t s, index_t e) {
    float* tile = scratch.data() + tile_floats * static_cast<std::size_t>(wk);
    double* bs = sums.data() + b * k * d;
    double* bc = counts.data() + b * k;
    double acc = 0;
    for (index_t t = s; t < e; t += internal::kTileRows) {
      const index_t te = std::min(e, t + internal::kTileRows);
      internal::nearest_tile(x.rows_range(t, te), x_norms.data() + t, centers.cview(), cn.data(),
                             labels.data() + t, min_dist.data() + t, tile);
      for (index_t i = t; i < te; ++i) {
        const index_t l = labels[static_cast<std::size_t>(i)];
        const double wi = weight_of(w, i);
        acc += wi * min_dist[static_cast<std::size_t>(i)];
        bc[l] += wi;
        double* dst = bs + l * d;
        const float* r = x.row(i);
        if (w.empty()) {
          for (index_t j = 0; j < d; ++j) dst[j] += r[j];
        } else {
          for (index_t j = 0; j < d; ++j) dst[j] += wi * r[j];
        }
      }
    }
    part[static_cast<std::size_t>(b)] = acc;
  });
  total.assign(static_cast<std::size_t>(k * d), 0.0);
  sizes.assign(static_cast<std::size_t>(k), 0.0);
  double inertia = 0;
  for (index_t b = 0; b < nb; ++b) {
    inertia += part[static_cast<std::size_t>(b)];
    const double* bs = sums.data() + b * k * d;
    for (index_t t = 0; t < k * d; ++t) total[static_cast<std::size_t>(t)] += bs[t];
    for (index_t c = 0; c < k; ++c) sizes[static_cast<std::size_t>(c)] += counts[static_cast<std::size_t>(b * k + c)];
  }
  return inertia;
}

// M-step from the fused pass's sums. Empty clusters take the rows farthest from their centres
// (as scikit-learn relocates them), which also leave the clusters they came from.
void finish_centers(MatrixView<const float> x, std::span<const float> w,
                    const std::vector<std::int32_t>& labels, const std::vector<float>& min_dist,
                    std::vector<double>& total, std::vector<double>& sizes, Matrix<float>& centers) {
  const index_t n = x.rows, d = x.cols, k = centers.rows();
  std::vector<index_t> empty;
  for (index_t c = 0; c < k; ++c)
    if (sizes[static_cast<std::size_t>(c)] <= 0) empty.push_back(c);
  if (!empty.empty()) {
    std::vector<index_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), index_t{0});
    const auto m = std::min<std::size_t>(empty.size(), order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(),
                      [&](index_t a, index_t b) {
                        const float da = min_dist[static_cast<std::size_t>(a)];
                        const float db = min_dist[static_cast<std::size_t>(b)];
                        return da != db ? da > db : a < b;
                      });
    for (std::size_t e = 0; e < m; ++e) {
      const index_t i = order[e], c = empty[e];
      const index_t old = labels[static_cast<std::size_t>(i)];
      const double wi = weight_of(w, i);
      const float* r = x.row(i);
      if (sizes[static_cast<std::size_t>(old)] > wi) {
        for (index_t j = 0; j < d; ++j) total[static_cast<std::size_t>(old * d + j)] -= wi * r[j];
        sizes[static_cast<std::size_t>(old)] -= wi;
      }
      for (index_t j = 0; j < d; ++j) total[static_cast<std::size_t>(c * d + j)] = wi * r[j];
      sizes[static_cast<std::size_t>(c)] = wi;
    }
  }
  for (index_t c = 0; c < k; ++c) {
    const double sz = sizes[static_cast<std::size_t>(c)];
    if (sz <= 0) continue;  // weightless data: keep the centre
    for (index_t j = 0; j < d; ++j)
      centers(c, j) = static_cast<float>(total[static_cast<std::size_t>(c * d + j)] / sz);
  }
}

double mean_variance(const Context& ctx, MatrixView<const float> x) {
  const index_t n = x.rows, d = x.cols;
  const index_t nb = block_count(n, kBlockRows);
  std::vector<double> s1(static_cast<std::size_t>(nb * d), 0.0), s2(static_cast<std::size_t>(nb * d), 0.0);
  parallel_for_blocks(ctx, n, kBlockRows, [&](index_t b, index_t s, index_t e) {
    for (index_t i = s; i < e; ++i)
      for (index_t j = 0; j < d; ++j) {
        const double v = x(i, j);
        s1[static_cast<std::size_t>(b * d + j)] += v;
        s2[static_cast<std::size_t>(b * d + j)] += v * v;
      }
  });
  double total = 0;
  for (index_t j = 0; j < d; ++j) {
    double a = 0, q = 0;
    for (index_t b = 0; b < nb; ++b) {
      a += s1[static_cast<std::size_t>(b * d + j)];
      q += s2[static_cast<std::size_t>(b * d + j)];
    }
    const double mean = a / static_cast<double>(n);
    total += std::max(0.0, q / static_cast<double>(n) - mean * mean);
  }
  return total / static_cast<double>(d);
}

// Hamerly's accelerated Lloyd iterations (G. Hamerly, "Making k-means even faster", SDM 2010,
// Algorithm 2): u bounds the distance to the assigned centre from above, l the distance to the
// second-closest from below; a row is re-examined only when u > max(l, s/2). Centroid sums are
// kept in double and changed only by rows that moved, applied in row order (deterministic).
Status hamerly(const Context& ctx, MatrixView<const float> x, std::span<const float> x_norms,
               std::span<const float> w, const KMeansOptions& o, double tol_abs, LloydState& st) {
  const index_t n = x.rows, d = x.cols, k = st.centers.rows();
  const auto un = static_cast<std::size_t>(n);
  const index_t nb = block_count(n, kBlockRows);
  std::vector<float> upper(un), lower(un);
  st.labels.assign(un, 0);
  st.min_dist.assign(un, 0.0f);
  std::vector<double> total(static_cast<std::size_t>(k * d), 0.0), sizes(static_cast<std::size_t>(k), 0.0);
  std::vector<double> half_gap(static_cast<std::size_t>(k)), moved_by(static_cast<std::size_t>(k));
  struct Move {
    index_t row;
    std::int32_t from, to;
  };
  std::vector<std::vector<Move>> moves(static_cast<std::size_t>(nb));
  bool full = true;  // recompute every row exactly (first pass, after an empty-cluster repair)
  const int threads = std::max(1, ctx.threads());
  const auto tile_floats = static_cast<std::size_t>(internal::kTileRows * k);
  const auto gather_floats = static_cast<std::size_t>(internal::kTileRows * d);
  const auto per = static_cast<std::size_t>(internal::kTileRows * threads);
  std::vector<float> scratch(tile_floats * static_cast<std::size_t>(threads));
  std::vector<float> gather(gather_floats * static_cast<std::size_t>(threads));
  std::vector<index_t> gather_ids(per);
  std::vector<float> gather_norm(per), gather_best(per), gather_second(per);
  std::vector<std::int32_t> gather_label(per);
  st.converged = false;
  for (int it = 0; it < o.max_iter; ++it) {
    if (ctx.cancelled()) return Status::cancelled();
    // s_j: half the distance from centre j to its nearest other centre.
    for (index_t a = 0; a < k; ++a) {
      double best = std::numeric_limits<double>::infinity();
      for (index_t b = 0; b < k; ++b)
        if (b != a) best = std::min(best, static_cast<double>(internal::squared_distance(st.centers.row(a), st.centers.row(b), d)));
      half_gap[static_cast<std::size_t>(a)] = k > 1 ? 0.5 * std::sqrt(best) : std::numeric_limits<double>::infinity();
    }
    const auto cn = internal::row_norms(ctx, st.centers.cview());
    parallel_for_blocks_indexed(ctx, n, kBlockRows, [&](int wk, index_t b, index_t s, index_t e) {
      auto& mv = moves[static_cast<std::size_t>(b)];
      mv.clear();
      float* tile = scratch.data() + tile_floats * static_cast<std::size_t>(wk);
      float* rows = gather.data() + gather_floats * static_cast<std::size_t>(wk);
      index_t* ids = gather_ids.data() + internal::kTileRows * wk;
      float* g_norm = gather_norm.data() + internal::kTileRows * wk;
      float* g_best = gather_best.data() + internal::kTileRows * wk;
      float* g_second = gather_second.data() + internal::kTileRows * wk;
      std::int32_t* g_label = gather_label.data() + internal::kTileRows * wk;
      index_t pending = 0;
      // Rows that fail their bounds are gathered and measured against all centres by SGEMM.
      auto flush = [&] {
        if (pending == 0) return;
        internal::nearest_tile(MatrixView<const float>(rows, pending, d), g_norm, st.centers.cview(),
                               cn.data(), g_label, g_best, tile, g_second);
        for (index_t t = 0; t < pending; ++t) {
          const index_t i = ids[t];
          const auto u = static_cast<std::size_t>(i);
          const std::int32_t a = st.labels[u];
          upper[u] = std::sqrt(g_best[t]);
          lower[u] = std::sqrt(g_second[t]);
          if (full || g_label[t] != a) mv.push_back({i, full ? -1 : a, g_label[t]});
          st.labels[u] = g_label[t];
        }
        pending = 0;
      };
      for (index_t i = s; i < e; ++i) {
        const auto u = static_cast<std::size_t>(i);
        const std::int32_t a = st.labels[u];
        const float* r = x.row(i);
        if (!full) {
          // Conservative by a relative 1e-5 so float rounding never skips a needed check.
          const double m = std::max(half_gap[static_cast<std::size_t>(a)], static_cast<double>(lower[u]));
          if (upper[u] * (1 + 1e-5) < m) continue;
          upper[u] = std::sqrt(internal::squared_distance(r, st.centers.row(a), d));
          if (upper[u] * (1 + 1e-5) < m) continue;
        }
        std::copy(r, r + d, rows + pending * d);
        g_norm[pending] = x_norms[u];
        ids[pending++] = i;
        if (pending == internal::kTileRows) flush();
      }
      flush();
    });
    st.n_iter = it + 1;
    std::size_t n_moves = 0;
    for (const auto& mv : moves) {
      n_moves += mv.size();
      for (const Move& m : mv) {
        const double wi = weight_of(w, m.row);
        const float* r = x.row(m.row);
        if (m.from >= 0) {
          double* src = total.data() + m.from * d;
          for (index_t j = 0; j < d; ++j) src[j] -= wi * r[j];
          sizes[static_cast<std::size_t>(m.from)] -= wi;
        }
        double* dst = total.data() + m.to * d;
        for (index_t j = 0; j < d; ++j) dst[j] += wi * r[j];
        sizes[static_cast<std::size_t>(m.to)] += wi;
      }
    }
    const bool was_full = full;
    full = false;
    if (!was_full && n_moves == 0) {  // strict convergence: no row changed its centre
      st.converged = true;
      break;
    }
    Matrix<float> old = st.centers.clone();
    bool repaired = false;
    for (index_t c = 0; c < k; ++c)
      if (sizes[static_cast<std::size_t>(c)] <= 0) repaired = true;
    if (repaired) {
      for (std::size_t i = 0; i < un; ++i) st.min_dist[i] = upper[i] * upper[i];
      std::vector<double> t2 = total, s2 = sizes;
      finish_centers(x, w, st.labels, st.min_dist, t2, s2, st.centers);
      // A repair moves rows between clusters; rebuild the sums from scratch next pass.
      std::fill(total.begin(), total.end(), 0.0);
      std::fill(sizes.begin(), sizes.end(), 0.0);
      full = true;
    } else {
      for (index_t c = 0; c < k; ++c) {
        const double sz = sizes[static_cast<std::size_t>(c)];
        for (index_t j = 0; j < d; ++j)
          st.centers(c, j) = static_cast<float>(total[static_cast<std::size_t>(c * d + j)] / sz);
      }
    }
    double shift = 0, max1 = 0, max2 = 0;
    index_t arg1 = -1;
    for (index_t c = 0; c < k; ++c) {
      double q = 0;
      for (index_t j = 0; j < d; ++j) {
        const double t = static_cast<double>(st.centers(c, j)) - old(c, j);
        q += t * t;
      }
      shift += q;
      const double m = std::sqrt(q);
      moved_by[static_cast<std::size_t>(c)] = m;
      if (m > max1) {
        max2 = max1;
        max1 = m;
        arg1 = c;
      } else if (m > max2) {
        max2 = m;
      }
    }
    if (!full) {
      parallel_for_blocks(ctx, n, kBlockRows, [&](index_t, index_t s, index_t e) {
        for (index_t i = s; i < e; ++i) {
          const auto u = static_cast<std::size_t>(i);
          const std::int32_t a = st.labels[u];
          upper[u] += static_cast<float>(moved_by[static_cast<std::size_t>(a)]);
          lower[u] -= static_cast<float>(a == arg1 ? max2 : max1);
        }
      });
    }
    if (shift <= tol_abs) {
      st.converged = true;
      break;
    }
  }
  return {};
}

Status lloyd(const Context& ctx, MatrixView<const float> x, std::span<const float> x_norms,
             std::span<const float> w, const KMeansOptions& o, double tol_abs, LloydState& st) {
  const auto n = static_cast<std::size_t>(x.rows);
  st.labels.assign(n, 0);
  st.min_dist.assign(n, 0.0f);
  std::vector<std::int32_t> prev(n, -1);
  Matrix<float> old;
  st.converged = false;
  std::vector<double> total, sizes;
  if (o.algorithm == KMeansAlgorithm::hamerly) {
    KOHORT_RETURN_IF_ERROR(hamerly(ctx, x, x_norms, w, o, tol_abs, st));
  }
  for (int it = 0; it < o.max_iter && o.algorithm == KMeansAlgorithm::lloyd; ++it) {
    if (ctx.cancelled()) return Status::cancelled();
    fused_pass(ctx, x, x_norms, w, st.centers, st.labels, st.min_dist, total, sizes);
    st.n_iter = it + 1;
    if (st.labels == prev) {  // strict convergence: the centres are already these labels' means
      st.converged = true;
      break;
    }
    old = st.centers.clone();
    finish_centers(x, w, st.labels, st.min_dist, total, sizes, st.centers);
    prev = st.labels;
    double shift = 0;
    for (std::size_t t = 0; t < st.centers.size(); ++t) {
      const double dlt = static_cast<double>(st.centers.data()[t]) - old.data()[t];
      shift += dlt * dlt;
    }
    if (shift <= tol_abs) {
      st.converged = true;
      break;
    }
  }
  // Final E-step so labels and inertia belong to the returned centres.
  st.inertia = assign_all(ctx, x, x_norms, w, st.centers, st.labels, st.min_dist);
  st.sizes.assign(static_cast<std::size_t>(st.centers.rows()), 0.0);
  for (std::size_t i = 0; i < n; ++i)
    st.sizes[static_cast<std::size_t>(st.labels[i])] += weight_of(w, static_cast<index_t>(i));
  return {};
}

Status validate(MatrixView<const float> x, const KMeansOptions& o, std::span<const float> w) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (o.n_clusters < 1)
    return Status::invalid_argument("--k", fmt::format("{} is below the minimum 1", o.n_clusters));
  if (o.n_clusters > x.rows)
    return Status::invalid_argument(
        "--k", fmt::format("k = {} is larger than the number of rows ({})", o.n_clusters, x.rows),
        "ask for at most as many segments as there are rows");
  if (o.n_init < 1) return Status::invalid_argument("--n-init", fmt::format("{} is below the minimum 1", o.n_init));
  if (o.max_iter < 1)
    return Status::invalid_argument("--max-iter", fmt::format("{} is below the minimum 1", o.max_iter));
  if (!(o.tol >= 0)) return Status::invalid_argument("--tol", "must be ≥ 0");
  if (!w.empty()) {
    if (static_cast<index_t>(w.size()) != x.rows)
      return Status::invalid_input("weights", fmt::format("{} weights for {} rows", w.size(), x.rows));
    for (std::size_t i = 0; i < w.size(); ++i)
      if (!(w[i] >= 0) || !std::isfinite(w[i]))
        return Status::invalid_input(fmt::format("weights row {}", i),
                                     fmt::format("weight {} is negative or not finite", w[i]));
  }
  if (o.initial_centers != nullptr &&
      (o.initial_centers->rows() != o.n_clusters || o.initial_centers->cols() != x.cols))
    return Status::invalid_argument(
        "initial centres", fmt::format("expected {} × {}, got {} × {}", o.n_clusters, x.cols,
                                       o.initial_centers->rows(), o.initial_centers->cols()));
  return {};
}

}  // namespace

Result<Matrix<float>> init_centers(const Context& ctx, MatrixView<const float> x, int k,
                                   KMeansInit init, int run, std::span<const float> weights) {
  KMeansOptions o;
  o.n_clusters = k;
  KOHORT_RETURN_IF_ERROR(validate(x, o, weights));
  Rng rng = ctx.rng("kmeans.init", static_cast<std::uint64_t>(run));
  if (init == KMeansInit::kmeans_parallel)
    return kmeans_parallel(ctx, x, weights, k, rng, ctx.seed() ^ (0x9E37ULL * static_cast<std::uint64_t>(run + 1)));
  return kmeans_pp(ctx, x, weights, k, rng);
}

Result<KMeansFit> fit_kmeans(const Context& ctx, MatrixView<const float> x,
                             const KMeansOptions& options, std::span<const float> weights) {
  KOHORT_RETURN_IF_ERROR(validate(x, options, weights));
  const auto x_norms = internal::row_norms(ctx, x);
  const double tol_abs = options.tol * mean_variance(ctx, x);
  const int runs = options.initial_centers != nullptr ? 1 : options.n_init;
  LloydState best;
  bool have = false;
  ctx.progress().begin("k-means", runs);
  for (int run = 0; run < runs; ++run) {
    LloydState st;
    if (options.initial_centers != nullptr) {
      st.centers = options.initial_centers->clone();
    } else {
      KOHORT_ASSIGN_OR_RETURN(st.centers, init_centers(ctx, x, options.n_clusters, options.init,
                                                        run, weights));
    }
    KOHORT_RETURN_IF_ERROR(lloyd(ctx, x, x_norms, weights, options, tol_abs, st));
    if (!have || st.inertia < best.inertia) {
      best = std::move(st);
      have = true;
    }
    ctx.progress().step(run + 1);
  }
  ctx.progress().end();
  KMeansFit fit;
  fit.centers = std::move(best.centers);
  fit.labels = std::move(best.labels);
  fit.sizes = std::move(best.sizes);
  fit.inertia = best.inertia;
  fit.n_iter = best.n_iter;
  fit.converged = best.converged;
  return fit;
}

void distances_to_centres(const float* x, MatrixView<const float> centers, float* out) {
  for (index_t c = 0; c < centers.rows; ++c) out[c] = internal::squared_distance(x, centers.row(c), centers.cols);
}

namespace {

// ‖x‖² of a d-vector with eight partial sums (vectorises without reassociation flags).
float squared_norm(const float* x, index_t d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  index_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (int t = 0; t < 8; ++t) acc[t] += x[j + t] * x[j + t];
  float tail = 0;
  for (; j < d; ++j) tail += x[j] * x[j];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

// The nearest centre of a row whose SGEMM ranking is uncertain: every centre whose lower bound
// reaches the nearest one's upper bound is measured directly.
index_t nearest_directly(const float* x, MatrixView<const float> centers, const float* approx, const float* bound,
                         float cut) {
  index_t best = 0;
  float d1 = std::numeric_limits<float>::infinity();
  for (index_t c = 0; c < centers.rows; ++c) {
    if (approx[c] - bound[c] > cut) continue;
    const float d = internal::squared_distance(x, centers.row(c), centers.cols);
    if (d < d1) d1 = d, best = c;
  }
  return best;
}

// One row's NearestTwo from its SGEMM distances `approx` and their rounding bounds (one pass;
// the direct distances only when the nearest is not certain).
NearestTwo nearest_two_row(const float* x, MatrixView<const float> centers, const float* approx, const float* bound) {
  const index_t k = centers.rows;
  const float inf = std::numeric_limits<float>::infinity();
  index_t best = 0, low_at = -1;
  float low1 = inf, low2 = inf;  // the two smallest lower bounds; low1 at low_at
  for (index_t c = 0; c < k; ++c) {
    if (approx[c] < approx[best]) best = c;
    const float lo = approx[c] - bound[c];
    if (lo < low1) low2 = low1, low1 = lo, low_at = c;
    else if (lo < low2) low2 = lo;
  }
  const float upper = approx[best] + bound[best];
  if (upper >= (low_at == best ? low2 : low1)) best = nearest_directly(x, centers, approx, bound, upper);
  NearestTwo r;
  r.first = static_cast<std::int32_t>(best);
  r.d1 = std::max(0.0f, approx[best]);
  r.d2 = inf;
  for (index_t c = 0; c < k; ++c)
    if (c != best && approx[c] < r.d2) r.d2 = approx[c], r.second = static_cast<std::int32_t>(c);
  r.d2 = std::max(r.d1, r.d2);  // a tie decided directly: the SGEMM values may be a rounding apart
  return r;
}

}  // namespace

Result<std::vector<NearestTwo>> nearest_two(const Context& ctx, MatrixView<const float> centers, MatrixView<const float> x) {
  if (x.cols != centers.cols)
    return Status::invalid_input("input", fmt::format("rows have {} columns; the model expects {}", x.cols, centers.cols));
  const index_t k = centers.rows, d = centers.cols;
  std::vector<NearestTwo> out(static_cast<std::size_t>(x.rows));
  const auto cn = internal::row_norms(ctx, centers);
  std::vector<float> c_root(cn.size());
  for (std::size_t c = 0; c < cn.size(); ++c) c_root[c] = std::sqrt(cn[c]);
  // |approx − direct| ≤ (d + 8)·2⁻²⁴·(‖x‖² + ‖c‖² + 2‖x‖‖c‖) for either summation order, with FMA
  // or without; four times that is the bound used.
  const float tol = 4.0f * static_cast<float>(d + 8) * 0x1p-24f;
  const int threads = std::max(1, ctx.threads());
  std::vector<float> scratch(static_cast<std::size_t>(threads) * static_cast<std::size_t>(2 * internal::kTileRows * k));
  parallel_for_blocks_indexed(ctx, x.rows, internal::kBlockRows, [&](int w, index_t, index_t b, index_t e) {
    float* g = scratch.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(2 * internal::kTileRows * k);
    float* bound = g + internal::kTileRows * k;
    for (index_t t = b; t < e; t += internal::kTileRows) {
      const index_t te = std::min(e, t + internal::kTileRows);
      blas::gemm_abt(1.0f, x.rows_range(t, te), centers, 0.0f, MatrixView<float>(g, te - t, k));
      for (index_t i = t; i < te; ++i) {
        const float xn = squared_norm(x.row(i), d), sx = std::sqrt(xn);
        float* gi = g + (i - t) * k;
        float* bi = bound + (i - t) * k;
        for (index_t c = 0; c < k; ++c) {
          const float sum = sx + c_root[static_cast<std::size_t>(c)];  // (‖x‖ + ‖c‖)² ≥ ‖x‖² + ‖c‖² + 2|x·c|
          gi[c] = xn + cn[static_cast<std::size_t>(c)] - 2.0f * gi[c];
          bi[c] = tol * sum * sum + std::numeric_limits<float>::min();
        }
        out[static_cast<std::size_t>(i)] = nearest_two_row(x.row(i), centers, gi, bi);
      }
    }
  });
  return out;
}

Result<std::vector<std::int32_t>> assign_kmeans(const Context& ctx, MatrixView<const float> centers,
                                                MatrixView<const float> x,
                                                std::vector<float>* min_dist) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (x.cols != centers.cols)
    return Status::invalid_input("input", fmt::format("rows have {} columns; the model expects {}",
                                                      x.cols, centers.cols));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(x.rows));
  std::vector<float> md(static_cast<std::size_t>(x.rows));
  const auto xn = internal::row_norms(ctx, x);
  const auto cn = internal::row_norms(ctx, centers);
  internal::nearest(ctx, x, xn, centers, cn, labels, md);
  if (min_dist != nullptr) *min_dist = std::move(md);
  return labels;
}

}  // namespace kohort::cluster
