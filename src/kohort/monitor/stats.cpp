#include "kohort/monitor/stats.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace kohort::monitor {

double quantile_cdf(std::span<const double> q, double x, bool inclusive) {
  const std::size_t m = q.size();
  if (m == 0) return 0;
  const double step = 1.0 / static_cast<double>(m - 1);
  if (x < q.front()) return 0;
  if (x > q.back()) return 1;
  if (inclusive) {
    // The last quantile ≤ x, interpolated towards the next one.
    const auto i = static_cast<std::size_t>(std::upper_bound(q.begin(), q.end(), x) - q.begin()) - 1;
    if (i + 1 >= m) return 1;
    const double w = q[i + 1] > q[i] ? (x - q[i]) / (q[i + 1] - q[i]) : 0.0;
    return (static_cast<double>(i) + w) * step;
  }
  // The first quantile ≥ x, interpolated from the one before it.
  const auto i = static_cast<std::size_t>(std::lower_bound(q.begin(), q.end(), x) - q.begin());
  if (i == 0) return 0;
  if (q[i] == x) return static_cast<double>(i) * step;
  const double w = (x - q[i - 1]) / (q[i] - q[i - 1]);
  return (static_cast<double>(i - 1) + w) * step;
}

double psi(std::span<const double> expected, std::span<const double> actual) {
  constexpr double kFloor = 1e-4;
  double sum = 0;
  for (std::size_t b = 0; b < expected.size() && b < actual.size(); ++b) {
    const double e = std::max(expected[b], kFloor), a = std::max(actual[b], kFloor);
    sum += (a - e) * std::log(a / e);
  }
  return sum;
}

double psi_against_bins(std::span<const double> edges, std::span<const double> shares, std::span<const double> sorted_values) {
  if (sorted_values.empty() || shares.size() != edges.size() + 1) return 0;
  std::vector<double> actual;
  std::size_t seen = 0;
  const double n = static_cast<double>(sorted_values.size());
  for (const double e : edges) {
    const auto upto = static_cast<std::size_t>(std::upper_bound(sorted_values.begin(), sorted_values.end(), e) - sorted_values.begin());
    actual.push_back(static_cast<double>(upto - seen) / n);
    seen = upto;
  }
  actual.push_back(static_cast<double>(sorted_values.size() - seen) / n);
  return psi(shares, actual);
}

double kolmogorov_sf(double x) {
  if (x <= 0) return 1;
  if (x < 1.0) {
    // 1 − √(2π)/x Σ e^{−(2k−1)²π²/(8x²)}: the series that converges fast for small x.
    double sum = 0;
    for (int k = 1; k <= 20; ++k) {
      const double t = (2.0 * k - 1) * std::numbers::pi;
      sum += std::exp(-t * t / (8 * x * x));
    }
    return std::clamp(1 - std::sqrt(2 * std::numbers::pi) / x * sum, 0.0, 1.0);
  }
  double sum = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * x * x);
    sum += (k % 2 == 1 ? term : -term);
    if (term < 1e-300) break;
  }
  return std::clamp(2 * sum, 0.0, 1.0);
}

TestResult ks_against_quantiles(std::span<const double> q, std::int64_t n_ref, std::span<const double> sorted_values) {
  TestResult r;
  const std::size_t m = sorted_values.size();
  if (q.empty() || m == 0 || n_ref <= 0) return r;
  // At each distinct value v: the sample's F(v⁻) and F(v) against the reference's; between
  // values both are monotone, so the supremum is reached at one of these points.
  double d = 0;
  std::size_t i = 0;
  while (i < m) {
    std::size_t j = i;
    while (j < m && sorted_values[j] == sorted_values[i]) ++j;
    const double v = sorted_values[i];
    const double below = static_cast<double>(i) / static_cast<double>(m), upto = static_cast<double>(j) / static_cast<double>(m);
    d = std::max({d, std::abs(below - quantile_cdf(q, v, false)), std::abs(upto - quantile_cdf(q, v, true))});
    i = j;
  }
  r.statistic = d;
  const double n = static_cast<double>(n_ref), mm = static_cast<double>(m);
  r.p_value = kolmogorov_sf(d * std::sqrt(n * mm / (n + mm)));
  return r;
}

TestResult chi_square(std::span<const double> observed, std::span<const double> expected_shares) {
  TestResult r;
  double total = 0, share_sum = 0;
  for (std::size_t i = 0; i < observed.size() && i < expected_shares.size(); ++i) {
    if (expected_shares[i] <= 0) continue;
    total += observed[i];
    share_sum += expected_shares[i];
  }
  if (total <= 0 || share_sum <= 0) return r;
  int used = 0;
  for (std::size_t i = 0; i < observed.size() && i < expected_shares.size(); ++i) {
    if (expected_shares[i] <= 0) continue;
    const double e = total * expected_shares[i] / share_sum;
    r.statistic += (observed[i] - e) * (observed[i] - e) / e;
    ++used;
  }
  if (used < 2) return r;
  r.p_value = boost::math::cdf(boost::math::complement(boost::math::chi_squared(used - 1), r.statistic));
  return r;
}

TestResult welch_t(double n1, double mean1, double var1, double n2, double mean2, double var2) {
  TestResult r;
  if (n1 < 2 || n2 < 2) return r;
  const double a = var1 / n1, b = var2 / n2;
  if (a + b <= 0) {
    if (mean1 != mean2) r = {mean1 > mean2 ? INFINITY : -INFINITY, 0.0};
    return r;
  }
  r.statistic = (mean1 - mean2) / std::sqrt(a + b);
  const double df = (a + b) * (a + b) / (a * a / (n1 - 1) + b * b / (n2 - 1));
  r.p_value = 2 * boost::math::cdf(boost::math::complement(boost::math::students_t(df), std::abs(r.statistic)));
  return r;
}

ShareChange stratified_share_change(std::span<const ShareSample> then, std::span<const ShareSample> now) {
  ShareChange r;
  double a_sum = 0, var = 0;
  for (std::size_t s = 0; s < then.size() && s < now.size(); ++s) {
    if (!(then[s].lines > 0) || !(now[s].lines > 0)) continue;
    const double a = now[s].lines;
    a_sum += a;
    r.then += a * then[s].share;
    r.now += a * now[s].share;
    var += a * a * (then[s].var + now[s].var);
  }
  if (a_sum <= 0) return r;
  r.then /= a_sum, r.now /= a_sum, var /= a_sum * a_sum;
  r.change = r.now - r.then;
  if (var <= 0) return r;
  r.z = r.change / std::sqrt(var);
  r.p_value = std::erfc(std::abs(r.z) / std::sqrt(2.0));
  return r;
}

double cosine_distance(std::span<const double> a, std::span<const double> b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  if (aa <= 0 || bb <= 0) return 0;
  return 1 - ab / std::sqrt(aa * bb);
}

}  // namespace kohort::monitor
