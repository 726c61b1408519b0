#include "kohort/validate/stability.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kohort/select/compare.h"

namespace kohort::validate {

Result<Stability> bootstrap_stability(const Context& ctx, MatrixView<const float> x,
                                      std::span<const std::int32_t> reference,
                                      const FitSample& fit, const StabilityOptions& o) {
  if (o.resamples < 1)
    return Status::invalid_argument("--stability-resamples", fmt::format("{} is below the minimum 1", o.resamples));
  if (static_cast<index_t>(reference.size()) != x.rows)
    return Status::invalid_input("labels", fmt::format("{} labels for {} rows", reference.size(), x.rows));
  std::int32_t k = 0;
  for (auto l : reference) k = std::max(k, l + 1);
  const index_t m = std::min(x.rows, o.max_rows);
  Stability st;
  std::vector<double> jac_sum(static_cast<std::size_t>(k), 0.0), jac_n(static_cast<std::size_t>(k), 0.0);
  ctx.progress().begin("stability", o.resamples);
  for (int b = 0; b < o.resamples; ++b) {
    if (ctx.cancelled()) return Status::cancelled();
    Rng rng = ctx.rng("stability", static_cast<std::uint64_t>(b));
    std::vector<index_t> pick(static_cast<std::size_t>(m));
    for (auto& p : pick) p = static_cast<index_t>(rng.below(static_cast<std::uint64_t>(x.rows)));
    Matrix<float> sample(m, x.cols);
    for (index_t i = 0; i < m; ++i)
      std::copy(x.row(pick[static_cast<std::size_t>(i)]), x.row(pick[static_cast<std::size_t>(i)]) + x.cols, sample.row(i));
    KOHORT_ASSIGN_OR_RETURN(auto labels, fit(ctx.quiet().with_seed(ctx.seed() + 7919 * static_cast<std::uint64_t>(b + 1)),
                                             sample.cview()));
    if (static_cast<index_t>(labels.size()) != m)
      return Status::internal("stability", "the refit returned a label per row of another size");
    // Compare on the distinct rows drawn (a row drawn twice counts once).
    std::vector<index_t> order(static_cast<std::size_t>(m));
    for (index_t i = 0; i < m; ++i) order[static_cast<std::size_t>(i)] = i;
    std::sort(order.begin(), order.end(), [&](index_t a, index_t c) {
      const auto pa = pick[static_cast<std::size_t>(a)], pc = pick[static_cast<std::size_t>(c)];
      return pa != pc ? pa < pc : a < c;
    });
    std::vector<std::int32_t> ref, now;
    index_t last = -1;
    for (index_t i : order) {
      const index_t row = pick[static_cast<std::size_t>(i)];
      if (row == last) continue;
      last = row;
      ref.push_back(reference[static_cast<std::size_t>(row)]);
      now.push_back(labels[static_cast<std::size_t>(i)]);
    }
    KOHORT_ASSIGN_OR_RETURN(auto jac, select::best_jaccard(ref, now));
    for (std::size_t c = 0; c < jac.size(); ++c)
      if (!std::isnan(jac[c])) {
        jac_sum[c] += jac[c];
        jac_n[c] += 1;
      }
    KOHORT_ASSIGN_OR_RETURN(double ari, select::adjusted_rand_index(ref, now));
    st.ari.push_back(ari);
    ctx.progress().step(b + 1);
  }
  ctx.progress().end();
  st.jaccard.resize(static_cast<std::size_t>(k));
  st.unstable.resize(static_cast<std::size_t>(k));
  for (std::size_t c = 0; c < st.jaccard.size(); ++c) {
    st.jaccard[c] = jac_n[c] > 0 ? jac_sum[c] / jac_n[c] : 0.0;
    st.unstable[c] = st.jaccard[c] < o.unstable_below;
  }
  double s = 0;
  for (double a : st.ari) s += a;
  st.mean_ari = s / static_cast<double>(st.ari.size());
  return st;
}

}  // namespace kohort::validate
