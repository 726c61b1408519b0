#include "kohort/validate/significance.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::validate {

namespace {

// Upper-tail probabilities; complement() keeps precision for tiny p-values.
double f_sf(double f, double d1, double d2) {
  if (!(f > 0)) return 1.0;
  if (!std::isfinite(f)) return 0.0;
  return boost::math::cdf(boost::math::complement(boost::math::fisher_f(d1, d2), f));
}

double chi2_sf(double h, double df) {
  if (!(h > 0)) return 1.0;
  if (!std::isfinite(h)) return 0.0;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), h));
}

}  // namespace

Result<std::vector<ColumnTest>> column_tests(const Context& ctx, MatrixView<const float> x,
                                             std::span<const std::int32_t> labels) {
  if (static_cast<index_t>(labels.size()) != x.rows)
    return Status::invalid_input("labels", fmt::format("{} labels for {} rows", labels.size(), x.rows));
  std::int32_t kmax = 0;
  for (auto l : labels) kmax = std::max(kmax, l + 1);
  std::vector<index_t> rows;
  std::vector<double> count(static_cast<std::size_t>(kmax), 0.0);
  for (index_t i = 0; i < x.rows; ++i) {
    const auto l = labels[static_cast<std::size_t>(i)];
    if (l < 0) continue;
    rows.push_back(i);
    count[static_cast<std::size_t>(l)] += 1;
  }
  const auto n = static_cast<double>(rows.size());
  double k = 0;
  for (double c : count) k += c > 0;
  if (k < 2 || n <= k)
    return Status::invalid_input("labels",
                                 fmt::format("significance tests need at least 2 segments and more "
                                             "rows than segments; got {} segment(s), {} rows", k, n));
  std::vector<ColumnTest> out(static_cast<std::size_t>(x.cols));
  parallel_for_blocks(ctx, x.cols, 1, [&](index_t, index_t j, index_t) {
    ColumnTest& t = out[static_cast<std::size_t>(j)];
    // ANOVA on the values, in double.
    std::vector<double> sum(count.size(), 0.0);
    double total = 0;
    for (index_t i : rows) {
      const double v = x(i, j);
      sum[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])] += v;
      total += v;
    }
    const double grand = total / n;
    double ss_between = 0, ss_within = 0;
    for (std::size_t c = 0; c < count.size(); ++c)
      if (count[c] > 0) ss_between += count[c] * std::pow(sum[c] / count[c] - grand, 2);
    for (index_t i : rows) {
      const auto c = static_cast<std::size_t>(labels[static_cast<std::size_t>(i)]);
      ss_within += std::pow(x(i, j) - sum[c] / count[c], 2);
    }
    const double ss_total = ss_between + ss_within;
    t.eta_squared = ss_total > 0 ? ss_between / ss_total : 0.0;
    if (ss_within > 0) {
      t.anova_f = (ss_between / (k - 1)) / (ss_within / (n - k));
      t.anova_p = f_sf(t.anova_f, k - 1, n - k);
    } else if (ss_between > 0) {
      t.anova_f = std::numeric_limits<double>::infinity();
      t.anova_p = 0.0;
    }
    // Kruskal–Wallis on mid-ranks with the tie correction 1 − Σ(t³ − t)/(n³ − n).
    std::vector<index_t> order(rows);
    std::sort(order.begin(), order.end(), [&](index_t a, index_t b) {
      return x(a, j) != x(b, j) ? x(a, j) < x(b, j) : a < b;
    });
    std::vector<double> rank_sum(count.size(), 0.0);
    double ties = 0;
    for (std::size_t s = 0; s < order.size();) {
      std::size_t e = s + 1;
      while (e < order.size() && x(order[e], j) == x(order[s], j)) ++e;
      const double mid = 0.5 * (static_cast<double>(s + 1) + static_cast<double>(e));
      const auto tcount = static_cast<double>(e - s);
      ties += tcount * tcount * tcount - tcount;
      for (std::size_t q = s; q < e; ++q)
        rank_sum[static_cast<std::size_t>(labels[static_cast<std::size_t>(order[q])])] += mid;
      s = e;
    }
    double h = 0;
    for (std::size_t c = 0; c < count.size(); ++c)
      if (count[c] > 0) h += rank_sum[c] * rank_sum[c] / count[c];
    h = 12.0 / (n * (n + 1)) * h - 3.0 * (n + 1);
    const double correction = 1.0 - ties / (n * n * n - n);
    if (correction > 0) {
      t.kruskal_h = std::max(0.0, h / correction);
      t.kruskal_p = chi2_sf(t.kruskal_h, k - 1);
    }
  });
  return out;
}

}  // namespace kohort::validate
