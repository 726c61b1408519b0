#include "kohort/cluster/minibatch_kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "kohort/cluster/internal/distance.h"
#include "kohort/cluster/kmeans.h"

namespace kohort::cluster {

Result<MiniBatchState> minibatch_start(const Context& ctx, MatrixView<const float> x, int k) {
  KOHORT_ASSIGN_OR_RETURN(auto centers, init_centers(ctx, x, k, KMeansInit::kmeans_pp));
  MiniBatchState st;
  st.centers = std::move(centers);
  st.counts.assign(static_cast<std::size_t>(k), 0.0);
  return st;
}

Result<double> minibatch_partial_fit(const Context& ctx, MiniBatchState& st,
                                     MatrixView<const float> batch, const MiniBatchOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_finite(batch));
  const index_t k = st.centers.rows(), d = st.centers.cols();
  if (batch.cols != d)
    return Status::invalid_input("batch", fmt::format("rows have {} columns; the centres have {}", batch.cols, d));
  const auto m = static_cast<std::size_t>(batch.rows);
  std::vector<std::int32_t> lab(m);
  std::vector<float> dist(m);
  const auto bn = internal::row_norms(ctx, batch);
  const auto cn = internal::row_norms(ctx, st.centers.cview());
  internal::nearest(ctx, batch, bn, st.centers.cview(), cn, lab, dist);
  double inertia = 0;
  std::vector<double> sum(static_cast<std::size_t>(k * d), 0.0), cnt(static_cast<std::size_t>(k), 0.0);
  for (std::size_t i = 0; i < m; ++i) {
    inertia += dist[i];
    const auto l = static_cast<index_t>(lab[i]);
    cnt[static_cast<std::size_t>(l)] += 1;
    const float* r = batch.row(static_cast<index_t>(i));
    for (index_t j = 0; j < d; ++j) sum[static_cast<std::size_t>(l * d + j)] += r[j];
  }
  for (index_t c = 0; c < k; ++c) {
    const double add = cnt[static_cast<std::size_t>(c)];
    if (add <= 0) continue;
    const double old = st.counts[static_cast<std::size_t>(c)];
    for (index_t j = 0; j < d; ++j)
      st.centers(c, j) = static_cast<float>((st.centers(c, j) * old + sum[static_cast<std::size_t>(c * d + j)]) /
                                            (old + add));
    st.counts[static_cast<std::size_t>(c)] = old + add;
  }
  // Re-seed starved centres at random batch rows (as scikit-learn's reassignment), keeping a
  // small count so they can still move.
  const double top = *std::max_element(st.counts.begin(), st.counts.end());
  Rng rng = ctx.rng("minibatch.reassign", static_cast<std::uint64_t>(st.steps));
  for (index_t c = 0; c < k && st.steps > 0; ++c) {
    if (st.counts[static_cast<std::size_t>(c)] >= o.reassign_ratio * top) continue;
    const auto r = static_cast<index_t>(rng.below(m));
    std::copy(batch.row(r), batch.row(r) + d, st.centers.row(c));
    st.counts[static_cast<std::size_t>(c)] = std::max(1.0, o.reassign_ratio * top);
  }
  ++st.steps;
  return inertia;
}

Result<MiniBatchState> fit_minibatch_kmeans(const Context& ctx, MatrixView<const float> x,
                                            const MiniBatchOptions& o,
                                            std::vector<std::int32_t>* labels, double* inertia) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (o.n_clusters < 1 || o.n_clusters > x.rows)
    return Status::invalid_argument("--k", fmt::format("k = {} must be between 1 and the number of rows ({})",
                                                       o.n_clusters, x.rows));
  if (o.batch_size < 1) return Status::invalid_argument("--batch-size", "must be at least 1");
  const index_t batch = std::min(o.batch_size, x.rows);
  // Seed on a sample of up to 3 batches (as scikit-learn's init_size default).
  const index_t init_rows = std::min(x.rows, 3 * batch);
  Matrix<float> sample(init_rows, x.cols);
  {
    Rng rng = ctx.rng("minibatch.init");
    for (index_t i = 0; i < init_rows; ++i) {
      const auto r = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(x.rows)));
      std::copy(x.row(r), x.row(r) + x.cols, sample.row(i));
    }
  }
  if (o.n_clusters > init_rows)
    return Status::invalid_argument("--k", "k is larger than the initialisation sample");
  // As scikit-learn: several seedings, judged by their inertia on the initial sample.
  MiniBatchState st;
  double best_init = std::numeric_limits<double>::infinity();
  for (int r = 0; r < std::max(1, o.n_init); ++r) {
    const Context c = ctx.with_seed(ctx.seed() + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(r));
    KOHORT_ASSIGN_OR_RETURN(auto cand, minibatch_start(c, sample.cview(), o.n_clusters));
    std::vector<float> dist;
    KOHORT_ASSIGN_OR_RETURN(auto l, assign_kmeans(ctx, cand.centers.cview(), sample.cview(), &dist));
    double in = 0;
    for (float v : dist) in += v;
    if (in < best_init) {
      best_init = in;
      st = std::move(cand);
    }
  }
  const index_t steps = std::max<index_t>(1, static_cast<index_t>(o.max_epochs) * x.rows / batch);
  Matrix<float> b(batch, x.cols);
  double ewa = -1, best = std::numeric_limits<double>::infinity();
  int no_improve = 0;
  const double alpha = std::min(1.0, 2.0 * static_cast<double>(batch) / static_cast<double>(x.rows + 1));
  ctx.progress().begin("mini-batch k-means", steps);
  for (index_t s = 0; s < steps; ++s) {
    if (ctx.cancelled()) return Status::cancelled();
    Rng rng = ctx.rng("minibatch", static_cast<std::uint64_t>(s));
    for (index_t i = 0; i < batch; ++i) {
      const auto r = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(x.rows)));
      std::copy(x.row(r), x.row(r) + x.cols, b.row(i));
    }
    KOHORT_ASSIGN_OR_RETURN(double in, minibatch_partial_fit(ctx, st, b.cview(), o));
    const double per_row = in / static_cast<double>(batch);
    ewa = ewa < 0 ? per_row : ewa * (1 - alpha) + per_row * alpha;
    if (ewa < best) {
      best = ewa;
      no_improve = 0;
    } else if (++no_improve >= o.max_no_improvement) {
      break;
    }
    ctx.progress().step(s + 1);
  }
  ctx.progress().end();
  if (labels != nullptr || inertia != nullptr) {
    std::vector<float> dist;
    KOHORT_ASSIGN_OR_RETURN(auto l, assign_kmeans(ctx, st.centers.cview(), x, &dist));
    if (inertia != nullptr) {
      double s = 0;
      for (float v : dist) s += v;
      *inertia = s;
    }
    if (labels != nullptr) *labels = std::move(l);
  }
  return st;
}

}  // namespace kohort::cluster
