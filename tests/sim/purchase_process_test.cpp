#include "kohort/sim/internal/purchase_process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kohort/sim/internal/distributions.h"

namespace kohort::sim::internal {
namespace {

constexpr Seconds kT0 = 1'672'531'200;  // 2023-01-01T00:00:00Z

struct Moments {
  double mean = 0, se = 0;
};

// Mean and standard error of the number of repeat purchases in (t0, t0 + days], over n
// customers whose (lambda, p) come from `draw`.
template <typename Draw>
Moments repeat_purchases(int n, double days, std::uint64_t seed, Draw draw) {
  Rng rng(seed, "test.bgnbd");
  std::vector<Seconds> times;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const auto [lambda, p] = draw(rng);
    times.clear();
    simulate_purchases(rng, lambda, p, kT0, kT0 + static_cast<Seconds>(days * 86400), {}, times);
    const double x = static_cast<double>(times.size()) - 1.0;
    s += x;
    s2 += x * x;
  }
  Moments m;
  m.mean = s / n;
  m.se = std::sqrt((s2 / n - m.mean * m.mean) / n);
  return m;
}

// Gauss hypergeometric 2F1(a, b; c; z) for |z| < 1 by its power series.
double hyp2f1(double a, double b, double c, double z) {
  double term = 1, sum = 1;
  for (int k = 0; k < 100000; ++k) {
    term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
    sum += term;
    if (std::abs(term) < 1e-15 * std::abs(sum)) break;
  }
  return sum;
}

TEST(PurchaseProcess, PoissonMeanWithoutDropout) {
  const Moments m = repeat_purchases(20000, 365, 1, [](Rng&) { return std::pair{0.05, 0.0}; });
  EXPECT_NEAR(m.mean, 0.05 * 365, 4 * m.se);
  EXPECT_NEAR(m.se * std::sqrt(20000.0), std::sqrt(0.05 * 365), 0.3);  // Poisson: var = mean
}

TEST(PurchaseProcess, FixedRateAndDropoutMatchClosedForm) {
  // E[X(t) | lambda, p] = (1 − exp(−lambda·p·t)) / p (Fader, Hardie & Lee 2005, eq. 7 before
  // mixing over lambda and p).
  const double lambda = 0.05, p = 0.1, t = 365;
  const Moments m = repeat_purchases(20000, t, 2, [&](Rng&) { return std::pair{lambda, p}; });
  const double expected = (1 - std::exp(-lambda * p * t)) / p;
  EXPECT_NEAR(m.mean, expected, 4 * m.se);
  EXPECT_GT(std::abs(m.mean - lambda * t), 10 * m.se);  // dropout matters
}

TEST(PurchaseProcess, HeterogeneousCustomersMatchBgNbdExpectation) {
  // Fader, Hardie & Lee (2005), eq. 9:
  // E[X(t)] = (a+b−1)/(a−1) · [1 − (alpha/(alpha+t))^r · 2F1(r, b; a+b−1; t/(alpha+t))].
  const double r = 2, alpha = 40, a = 1.5, b = 8, t = 365;
  const Moments m = repeat_purchases(40000, t, 3, [&](Rng& rng) {
    return std::pair{gamma(rng, r, 1 / alpha), beta(rng, a, b)};
  });
  const double expected =
      (a + b - 1) / (a - 1) *
      (1 - std::pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
  EXPECT_NEAR(m.mean, expected, 4 * m.se) << "expected " << expected;
}

TEST(PurchaseProcess, EventsStayBeforeTheEndAndInOrder) {
  Rng rng(4);
  std::vector<Seconds> times;
  RateModulation mod;
  mod.q4 = 2;
  mod.drift_at = kT0 + 200 * 86400;
  mod.drift_factor = 1.5;
  for (int i = 0; i < 500; ++i) {
    times.clear();
    const Seconds end = kT0 + 100 * 86400 + i * 997;
    const PurchaseRun run = simulate_purchases(rng, 0.3, 0.02, kT0, end, mod, times);
    ASSERT_FALSE(times.empty());
    EXPECT_EQ(times.front(), kT0);
    for (std::size_t k = 1; k < times.size(); ++k) EXPECT_LE(times[k - 1], times[k]);
    EXPECT_LT(times.back(), end);
    if (!run.alive_at_end) {
      EXPECT_EQ(run.dropout, times.back());
    }
  }
}

TEST(PurchaseProcess, GiftSeasonMultipliesTheRate) {
  // With q4 = 1, November and December carry twice the daily rate of the other months.
  Rng rng(5);
  RateModulation mod;
  mod.q4 = 1;
  std::vector<Seconds> times;
  double in_season = 0, out_season = 0;
  for (int i = 0; i < 2000; ++i)
    simulate_purchases(rng, 0.1, 0.0, kT0, kT0 + 365 * 86400, mod, times);
  for (const Seconds t : times)
    (civil_from_days(day_of(t)).month >= 11 ? in_season : out_season) += 1;
  out_season -= 2000;  // the births at t0 (January 1st) are not rate-driven
  const double ratio = (in_season / 61.0) / (out_season / 304.0);
  EXPECT_NEAR(ratio, 2.0, 0.06);
  // The yearly mean rate stays lambda: 0.1 · 365 purchases a year, plus the birth at t0.
  const double per_year = static_cast<double>(times.size()) / 2000.0 - 1.0;
  EXPECT_NEAR(per_year, 36.5, 4 * std::sqrt(36.5 / 2000.0));
}

TEST(Distributions, GammaAndBetaMoments) {
  Rng rng(6);
  const int n = 200000;
  for (const double shape : {0.5, 1.0, 3.0}) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double x = gamma(rng, shape, 2.0);
      s += x;
      s2 += x * x;
    }
    const double mean = s / n, var = s2 / n - mean * mean;
    EXPECT_NEAR(mean, 2.0 * shape, 0.03 * 2.0 * shape) << shape;
    EXPECT_NEAR(var, 4.0 * shape, 0.06 * 4.0 * shape) << shape;
  }
  double s = 0;
  for (int i = 0; i < n; ++i) s += beta(rng, 2, 6);
  EXPECT_NEAR(s / n, 0.25, 0.003);
  double k = 0;
  for (int i = 0; i < n; ++i) k += static_cast<double>(poisson(rng, 3.5));
  EXPECT_NEAR(k / n, 3.5, 0.02);
}

}  // namespace
}  // namespace kohort::sim::internal
