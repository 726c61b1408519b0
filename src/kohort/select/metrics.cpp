#include "kohort/select/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "kohort/core/blas.h"
#include "kohort/core/parallel.h"

namespace kohort::select {

namespace {

constexpr index_t kBlock = 16384;

struct Means {
  std::vector<double> mean;   // k × d, per cluster
  std::vector<double> count;  // k
  std::vector<double> grand;  // d, over scored rows
  index_t k = 0, d = 0, scored = 0, present = 0;
};

Status check_shapes(MatrixView<const float> x, Labels labels) {
  if (static_cast<index_t>(labels.size()) != x.rows)
    return Status::invalid_input("labels",
                                 fmt::format("{} labels for {} rows", labels.size(), x.rows));
  if (x.rows == 0 || x.cols == 0) return Status::invalid_input("input", "the matrix is empty");
  return {};
}

Means cluster_means(const Context& ctx, MatrixView<const float> x, Labels labels) {
  Means m;
  m.d = x.cols;
  for (auto l : labels) m.k = std::max<index_t>(m.k, l + 1);
  const index_t nb = block_count(x.rows, kBlock), k = m.k, d = m.d;
  std::vector<double> sums(static_cast<std::size_t>(nb * k * d), 0.0);
  std::vector<double> counts(static_cast<std::size_t>(nb * k), 0.0);
  parallel_for_blocks(ctx, x.rows, kBlock, [&](index_t b, index_t s, index_t e) {
    for (index_t i = s; i < e; ++i) {
      const auto l = labels[static_cast<std::size_t>(i)];
      if (l < 0) continue;
      counts[static_cast<std::size_t>(b * k + l)] += 1;
      double* dst = sums.data() + (b * k + l) * d;
      const float* r = x.row(i);
      for (index_t j = 0; j < d; ++j) dst[j] += r[j];
    }
  });
  m.mean.assign(static_cast<std::size_t>(k * d), 0.0);
  m.count.assign(static_cast<std::size_t>(k), 0.0);
  m.grand.assign(static_cast<std::size_t>(d), 0.0);
  for (index_t b = 0; b < nb; ++b) {
    for (index_t t = 0; t < k * d; ++t) m.mean[static_cast<std::size_t>(t)] += sums[static_cast<std::size_t>(b * k * d + t)];
    for (index_t c = 0; c < k; ++c) m.count[static_cast<std::size_t>(c)] += counts[static_cast<std::size_t>(b * k + c)];
  }
  for (index_t c = 0; c < k; ++c) {
    const double n_c = m.count[static_cast<std::size_t>(c)];
    if (n_c <= 0) continue;
    ++m.present;
    m.scored += static_cast<index_t>(n_c);
    for (index_t j = 0; j < d; ++j) {
      m.grand[static_cast<std::size_t>(j)] += m.mean[static_cast<std::size_t>(c * d + j)];
      m.mean[static_cast<std::size_t>(c * d + j)] /= n_c;
    }
  }
  for (auto& g : m.grand) g /= static_cast<double>(std::max<index_t>(1, m.scored));
  return m;
}

Status need_clusters(const Means& m, std::string_view metric) {
  if (m.present < 2 || m.present > m.scored - 1)
    return Status::invalid_input(
        "labels",
        fmt::format("{} needs 2 to n−1 clusters; found {} cluster(s) over {} rows", metric,
                    m.present, m.scored),
        "use at least 2 segments, and fewer segments than rows");
  return {};
}

// Per-cluster sums of within distances of each row to its own centroid (Davies–Bouldin) and
// the within sum of squares (inertia, Calinski–Harabasz), block-ordered.
void within(const Context& ctx, MatrixView<const float> x, Labels labels, const Means& m,
            std::vector<double>& dist_sum, double& ss) {
  const index_t nb = block_count(x.rows, kBlock), k = m.k, d = m.d;
  std::vector<double> ds(static_cast<std::size_t>(nb * k), 0.0), sq(static_cast<std::size_t>(nb), 0.0);
  parallel_for_blocks(ctx, x.rows, kBlock, [&](index_t b, index_t s, index_t e) {
    double acc = 0;
    for (index_t i = s; i < e; ++i) {
      const auto l = labels[static_cast<std::size_t>(i)];
      if (l < 0) continue;
      const float* r = x.row(i);
      const double* mu = m.mean.data() + l * d;
      double q = 0;
      for (index_t j = 0; j < d; ++j) {
        const double t = r[j] - mu[j];
        q += t * t;
      }
      acc += q;
      ds[static_cast<std::size_t>(b * k + l)] += std::sqrt(q);
    }
    sq[static_cast<std::size_t>(b)] = acc;
  });
  dist_sum.assign(static_cast<std::size_t>(k), 0.0);
  ss = 0;
  for (index_t b = 0; b < nb; ++b) {
    ss += sq[static_cast<std::size_t>(b)];
    for (index_t c = 0; c < k; ++c) dist_sum[static_cast<std::size_t>(c)] += ds[static_cast<std::size_t>(b * k + c)];
  }
}

constexpr index_t kRowBlock = 128;
constexpr index_t kColTile = 2048;

// Silhouette of the rows `rows` against all scored rows of x. The scored rows are sorted by
// label once, so that every SGEMM tile splits into runs of one label: distances of a run are
// square-rooted in one vectorised sweep and summed into that label's total.
Status score_rows(const Context& ctx, MatrixView<const float> x, Labels labels, const Means& m,
                  std::span<const index_t> rows, std::vector<float>& out) {
  const index_t n = x.rows, d = x.cols, k = m.k;
  std::vector<index_t> seg(static_cast<std::size_t>(k) + 1, 0);
  for (index_t c = 0; c < k; ++c)
    seg[static_cast<std::size_t>(c) + 1] = seg[static_cast<std::size_t>(c)] + static_cast<index_t>(m.count[static_cast<std::size_t>(c)]);
  const index_t ns = seg[static_cast<std::size_t>(k)];
  std::vector<index_t> pos(static_cast<std::size_t>(n), -1);
  {
    std::vector<index_t> fill(seg.begin(), seg.end() - 1);
    for (index_t i = 0; i < n; ++i) {
      const auto l = labels[static_cast<std::size_t>(i)];
      if (l >= 0) pos[static_cast<std::size_t>(i)] = fill[static_cast<std::size_t>(l)]++;
    }
  }
  // Centred rows in label order: smaller norms mean less cancellation in ‖a‖² + ‖b‖² − 2a·b.
  Matrix<float> xs(ns, d);
  std::vector<float> norms(static_cast<std::size_t>(ns));
  auto centre = [&](index_t i, float* dst) {
    double q = 0;
    for (index_t j = 0; j < d; ++j) {
      const float v = static_cast<float>(x(i, j) - m.grand[static_cast<std::size_t>(j)]);
      dst[j] = v;
      q += static_cast<double>(v) * v;
    }
    return static_cast<float>(q);
  };
  parallel_for_blocks(ctx, n, kBlock, [&](index_t, index_t s, index_t e) {
    for (index_t i = s; i < e; ++i) {
      const index_t p = pos[static_cast<std::size_t>(i)];
      if (p >= 0) norms[static_cast<std::size_t>(p)] = centre(i, xs.row(p));
    }
  });
  const auto m_rows = static_cast<index_t>(rows.size());
  out.assign(rows.size(), std::numeric_limits<float>::quiet_NaN());
  const int threads = std::max(1, ctx.threads());
  const std::size_t per_worker_g = static_cast<std::size_t>(kRowBlock * kColTile);
  const std::size_t per_worker_s = static_cast<std::size_t>(kRowBlock * k);
  const std::size_t per_worker_r = static_cast<std::size_t>(kRowBlock * d);
  std::vector<float> g_buf(per_worker_g * static_cast<std::size_t>(threads));
  std::vector<double> s_buf(per_worker_s * static_cast<std::size_t>(threads));
  std::vector<float> r_buf(per_worker_r * static_cast<std::size_t>(threads));
  std::vector<float> rn_buf(static_cast<std::size_t>(kRowBlock * threads));
  const index_t total_blocks = block_count(m_rows, kRowBlock);
  index_t done = 0;
  ctx.progress().begin("silhouette", total_blocks);
  bool cancelled = false;
  // Outer chunks let the calling thread report progress and poll cancellation.
  const index_t chunk = 64 * kRowBlock;
  for (index_t c0 = 0; c0 < m_rows && !cancelled; c0 += chunk) {
    const index_t c1 = std::min(m_rows, c0 + chunk);
    parallel_for_blocks_indexed(ctx, c1 - c0, kRowBlock, [&](int w, index_t, index_t bs, index_t be) {
      const index_t rb = be - bs;
      float* rx = r_buf.data() + per_worker_r * static_cast<std::size_t>(w);
      float* rn = rn_buf.data() + kRowBlock * w;
      float* g = g_buf.data() + per_worker_g * static_cast<std::size_t>(w);
      double* sums = s_buf.data() + per_worker_s * static_cast<std::size_t>(w);
      std::fill(sums, sums + rb * k, 0.0);
      for (index_t r = 0; r < rb; ++r) rn[r] = centre(rows[static_cast<std::size_t>(c0 + bs + r)], rx + r * d);
      MatrixView<const float> rv(rx, rb, d);
      for (index_t t0 = 0; t0 < ns; t0 += kColTile) {
        const index_t t1 = std::min(ns, t0 + kColTile);
        MatrixView<float> gv(g, rb, t1 - t0);
        blas::gemm_abt(1.0f, rv, xs.cview().rows_range(t0, t1), 0.0f, gv);
        for (index_t r = 0; r < rb; ++r) {
          float* grow = gv.row(r);
          const float nr = rn[r];
          const float* nt = norms.data() + t0;
          // In place: the tile row becomes distances (vectorised sqrt; -fno-math-errno).
          for (index_t t = 0; t < t1 - t0; ++t) grow[t] = std::sqrt(std::max(0.0f, nr + nt[t] - 2.0f * grow[t]));
          const index_t self = pos[static_cast<std::size_t>(rows[static_cast<std::size_t>(c0 + bs + r)])];
          if (self >= t0 && self < t1) grow[self - t0] = 0.0f;
          double* srow = sums + r * k;
          for (index_t c = 0; c < k; ++c) {
            const index_t a = std::max(t0, seg[static_cast<std::size_t>(c)]);
            const index_t b = std::min(t1, seg[static_cast<std::size_t>(c) + 1]);
            if (a >= b) continue;
            double acc[4] = {0, 0, 0, 0};
            index_t t = a;
            for (; t + 4 <= b; t += 4)
              for (int q = 0; q < 4; ++q) acc[q] += grow[t - t0 + q];
            for (; t < b; ++t) acc[0] += grow[t - t0];
            srow[c] += (acc[0] + acc[1]) + (acc[2] + acc[3]);
          }
        }
      }
      for (index_t r = 0; r < rb; ++r) {
        const index_t gi = rows[static_cast<std::size_t>(c0 + bs + r)];
        const auto own = labels[static_cast<std::size_t>(gi)];
        if (own < 0) continue;
        const double n_own = m.count[static_cast<std::size_t>(own)];
        float s = 0.0f;
        if (n_own > 1) {
          const double a = sums[r * k + own] / (n_own - 1);
          double b = std::numeric_limits<double>::infinity();
          for (index_t c = 0; c < k; ++c) {
            if (c == own || m.count[static_cast<std::size_t>(c)] <= 0) continue;
            b = std::min(b, sums[r * k + c] / m.count[static_cast<std::size_t>(c)]);
          }
          const double den = std::max(a, b);
          s = den > 0 ? static_cast<float>((b - a) / den) : 0.0f;
        }
        out[static_cast<std::size_t>(c0 + bs + r)] = s;
      }
    });
    done += block_count(c1 - c0, kRowBlock);
    ctx.progress().step(done);
    cancelled = ctx.cancelled();
  }
  ctx.progress().end();
  if (cancelled) return Status::cancelled();
  return {};
}

}  // namespace

std::vector<index_t> cluster_sizes(Labels labels) {
  std::vector<index_t> sizes;
  for (auto l : labels) {
    if (l < 0) continue;
    if (static_cast<std::size_t>(l) >= sizes.size()) sizes.resize(static_cast<std::size_t>(l) + 1, 0);
    ++sizes[static_cast<std::size_t>(l)];
  }
  return sizes;
}

Result<double> inertia(const Context& ctx, MatrixView<const float> x, Labels labels) {
  KOHORT_RETURN_IF_ERROR(check_shapes(x, labels));
  const Means m = cluster_means(ctx, x, labels);
  std::vector<double> ds;
  double ss = 0;
  within(ctx, x, labels, m, ds, ss);
  return ss;
}

Result<Silhouette> silhouette(const Context& ctx, MatrixView<const float> x, Labels labels) {
  KOHORT_RETURN_IF_ERROR(check_shapes(x, labels));
  const Means m = cluster_means(ctx, x, labels);
  KOHORT_RETURN_IF_ERROR(need_clusters(m, "the silhouette"));
  std::vector<index_t> rows(static_cast<std::size_t>(x.rows));
  std::iota(rows.begin(), rows.end(), index_t{0});
  Silhouette s;
  KOHORT_RETURN_IF_ERROR(score_rows(ctx, x, labels, m, rows, s.per_row));
  std::vector<double> per(static_cast<std::size_t>(m.k), 0.0);
  double total = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto l = labels[i];
    if (l < 0) continue;
    per[static_cast<std::size_t>(l)] += s.per_row[i];
    total += s.per_row[i];
  }
  s.per_cluster.resize(static_cast<std::size_t>(m.k));
  for (index_t c = 0; c < m.k; ++c) {
    const double n_c = m.count[static_cast<std::size_t>(c)];
    s.per_cluster[static_cast<std::size_t>(c)] =
        n_c > 0 ? per[static_cast<std::size_t>(c)] / n_c : std::numeric_limits<double>::quiet_NaN();
  }
  s.rows_scored = m.scored;
  s.mean = total / static_cast<double>(m.scored);
  s.ci_low = s.ci_high = s.mean;
  return s;
}

Result<Silhouette> silhouette_sampled(const Context& ctx, MatrixView<const float> x, Labels labels,
                                      index_t sample_size) {
  KOHORT_RETURN_IF_ERROR(check_shapes(x, labels));
  const Means m = cluster_means(ctx, x, labels);
  KOHORT_RETURN_IF_ERROR(need_clusters(m, "the silhouette"));
  if (sample_size >= m.scored) return silhouette(ctx, x, labels);
  if (sample_size < 2)
    return Status::invalid_argument("--silhouette-sample", "the sample needs at least 2 rows");
  std::vector<index_t> pool;
  pool.reserve(static_cast<std::size_t>(m.scored));
  for (index_t i = 0; i < x.rows; ++i)
    if (labels[static_cast<std::size_t>(i)] >= 0) pool.push_back(i);
  Rng rng = ctx.rng("silhouette");
  for (index_t i = 0; i < sample_size; ++i) {  // partial Fisher–Yates
    const auto j = i + static_cast<index_t>(rng.below(static_cast<std::uint64_t>(pool.size() - static_cast<std::size_t>(i))));
    std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(j)]);
  }
  pool.resize(static_cast<std::size_t>(sample_size));
  std::sort(pool.begin(), pool.end());
  std::vector<float> vals;
  KOHORT_RETURN_IF_ERROR(score_rows(ctx, x, labels, m, pool, vals));
  Silhouette s;
  s.sampled = true;
  s.rows_scored = sample_size;
  std::vector<double> per(static_cast<std::size_t>(m.k), 0.0), cnt(static_cast<std::size_t>(m.k), 0.0);
  double sum = 0, sum2 = 0;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const auto l = labels[static_cast<std::size_t>(pool[i])];
    per[static_cast<std::size_t>(l)] += vals[i];
    cnt[static_cast<std::size_t>(l)] += 1;
    sum += vals[i];
    sum2 += static_cast<double>(vals[i]) * vals[i];
  }
  const auto mm = static_cast<double>(sample_size);
  s.mean = sum / mm;
  const double var = std::max(0.0, (sum2 - mm * s.mean * s.mean) / (mm - 1));
  const double fpc = std::sqrt((static_cast<double>(m.scored) - mm) / (static_cast<double>(m.scored) - 1));
  const double half = 1.96 * std::sqrt(var / mm) * fpc;
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  s.per_cluster.resize(static_cast<std::size_t>(m.k));
  for (index_t c = 0; c < m.k; ++c)
    s.per_cluster[static_cast<std::size_t>(c)] =
        cnt[static_cast<std::size_t>(c)] > 0 ? per[static_cast<std::size_t>(c)] / cnt[static_cast<std::size_t>(c)]
                                             : std::numeric_limits<double>::quiet_NaN();
  return s;
}

Result<double> calinski_harabasz(const Context& ctx, MatrixView<const float> x, Labels labels) {
  KOHORT_RETURN_IF_ERROR(check_shapes(x, labels));
  const Means m = cluster_means(ctx, x, labels);
  KOHORT_RETURN_IF_ERROR(need_clusters(m, "Calinski–Harabasz"));
  std::vector<double> ds;
  double w = 0;
  within(ctx, x, labels, m, ds, w);
  double b = 0;
  for (index_t c = 0; c < m.k; ++c) {
    const double n_c = m.count[static_cast<std::size_t>(c)];
    if (n_c <= 0) continue;
    double q = 0;
    for (index_t j = 0; j < m.d; ++j) {
      const double t = m.mean[static_cast<std::size_t>(c * m.d + j)] - m.grand[static_cast<std::size_t>(j)];
      q += t * t;
    }
    b += n_c * q;
  }
  if (w == 0) return 1.0;
  const auto n = static_cast<double>(m.scored), k = static_cast<double>(m.present);
  return b * (n - k) / (w * (k - 1));
}

Result<double> davies_bouldin(const Context& ctx, MatrixView<const float> x, Labels labels) {
  KOHORT_RETURN_IF_ERROR(check_shapes(x, labels));
  const Means m = cluster_means(ctx, x, labels);
  KOHORT_RETURN_IF_ERROR(need_clusters(m, "Davies–Bouldin"));
  std::vector<double> ds;
  double w = 0;
  within(ctx, x, labels, m, ds, w);
  std::vector<index_t> present;
  std::vector<double> intra;
  for (index_t c = 0; c < m.k; ++c) {
    const double n_c = m.count[static_cast<std::size_t>(c)];
    if (n_c <= 0) continue;
    present.push_back(c);
    intra.push_back(ds[static_cast<std::size_t>(c)] / n_c);
  }
  const std::size_t p = present.size();
  std::vector<double> cd(p * p, 0.0);
  bool all_zero_cd = true;
  for (std::size_t a = 0; a < p; ++a)
    for (std::size_t b = 0; b < p; ++b) {
      double q = 0;
      for (index_t j = 0; j < m.d; ++j) {
        const double t = m.mean[static_cast<std::size_t>(present[a] * m.d + j)] -
                         m.mean[static_cast<std::size_t>(present[b] * m.d + j)];
        q += t * t;
      }
      cd[a * p + b] = std::sqrt(q);
      if (a != b && cd[a * p + b] > 1e-15) all_zero_cd = false;
    }
  const bool all_zero_intra =
      std::all_of(intra.begin(), intra.end(), [](double v) { return std::fabs(v) < 1e-15; });
  if (all_zero_intra || all_zero_cd) return 0.0;
  double total = 0;
  for (std::size_t a = 0; a < p; ++a) {
    double worst = 0;
    for (std::size_t b = 0; b < p; ++b) {
      if (a == b) continue;
      const double den = cd[a * p + b] == 0 ? std::numeric_limits<double>::infinity() : cd[a * p + b];
      worst = std::max(worst, (intra[a] + intra[b]) / den);
    }
    total += worst;
  }
  return total / static_cast<double>(p);
}

}  // namespace kohort::select
