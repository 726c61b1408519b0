// kohort/monitor/stats.h — the drift statistics of `kohort monitor`: population stability
// index, two-sample Kolmogorov–Smirnov against a stored quantile function, chi-square goodness of
// fit, Welch's t-test, a stratified change of a share and cosine distance. Checked against
// SciPy in tests/monitor/stats_test.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kohort::monitor {

struct TestResult {
  double statistic = 0;
  double p_value = 1;
};

/// The reference's cumulative distribution at `x` from its quantiles q[0..m−1] at 0, 1/(m−1),
/// …, 1 (piecewise linear between them): P(X ≤ x) when `inclusive`, else P(X < x), so that a
/// value repeated over several quantiles (a point mass) carries their whole probability.
[[nodiscard]] double quantile_cdf(std::span<const double> q, double x, bool inclusive);

/// Population stability index Σ (a − e)·ln(a / e) of shares `actual` against `expected` (each
/// summing to 1); a share below 1e-4 counts as 1e-4, so an empty bin gives a large finite term.
[[nodiscard]] double psi(std::span<const double> expected, std::span<const double> actual);

/// PSI of sorted `values` over the reference's bins: upper `edges` (the last bin is open) and
/// the reference's `shares` of them (model::decile_bins).
[[nodiscard]] double psi_against_bins(std::span<const double> edges, std::span<const double> shares,
                                      std::span<const double> sorted_values);

/// Two-sample Kolmogorov–Smirnov distance sup |F(x) − G(x)| between sorted `values` and the
/// reference given by its quantiles (an n_ref-row population), with the asymptotic p-value
/// (scipy.stats.ks_2samp's method "asymp": Kolmogorov's distribution at D·√(n·m/(n+m))). The
/// distance is within 1/(m_q − 1) of the one against the reference rows themselves.
[[nodiscard]] TestResult ks_against_quantiles(std::span<const double> q, std::int64_t n_ref,
                                              std::span<const double> sorted_values);

/// Kolmogorov's survival function P(K > x) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²x²}
/// (scipy.special.kolmogorov).
[[nodiscard]] double kolmogorov_sf(double x);

/// Pearson's chi-square goodness of fit of `observed` counts against `expected_shares`
/// (renormalised to sum to 1; categories with an expected share of 0 are skipped), df = used − 1
/// (scipy.stats.chisquare).
[[nodiscard]] TestResult chi_square(std::span<const double> observed, std::span<const double> expected_shares);

/// Welch's unequal-variance t-test from two groups' sizes, means and unbiased variances
/// (scipy.stats.ttest_ind_from_stats with equal_var=False, two-sided). p = 1 and t = 0 when
/// either group has fewer than two members or both variances are 0 with equal means.
[[nodiscard]] TestResult welch_t(double n1, double mean1, double var1, double n2, double mean2, double var2);

/// One stratum (segment) of a share measured twice: the share, the weight it rests on (lines)
/// and its variance (model::MixShare).
struct ShareSample {
  double lines = 0, share = 0, var = 0;
};
/// The change of a share within strata, pooled: change = Σ a_s (now_s − then_s) / Σ a_s with
/// a_s = now_s.lines, variance Σ a_s² (then_s.var + now_s.var) / (Σ a)², z = change / √variance
/// and the two-sided normal p-value 2·Φ(−|z|) (scipy.stats.norm.sf(|z|)·2); `then` and `now`
/// are the same a-weighted means of each side. A stratum with no lines on either side is
/// skipped; with none left, or no variance, z = 0 and p = 1. then.size() == now.size().
struct ShareChange {
  double then = 0, now = 0, change = 0, z = 0, p_value = 1;
};
[[nodiscard]] ShareChange stratified_share_change(std::span<const ShareSample> then, std::span<const ShareSample> now);

/// 1 − cos(a, b); 0 when either vector is zero.
[[nodiscard]] double cosine_distance(std::span<const double> a, std::span<const double> b);

}  // namespace kohort::monitor
