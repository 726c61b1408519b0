#include "kohort/monitor/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/fixtures.h"
#include "kohort/model/reference.h"

namespace kohort::monitor {
namespace {

// Expected values: tests/fixtures/gen/monitor_stats.py (SciPy and NumPy).
const nlohmann::json& fixture() {
  static const nlohmann::json j = testing::load_json("monitor/drift_stats.json");
  return j;
}

TEST(DriftStats, KolmogorovSurvivalMatchesScipy) {
  for (const auto& c : fixture()["kolmogorov"])
    EXPECT_NEAR(kolmogorov_sf(c["x"].get<double>()), c["sf"].get<double>(), 1e-12) << c["x"];
}

TEST(DriftStats, KsAgainstQuantilesIsWithinTheSketchErrorOfScipy) {
  for (const auto& c : fixture()["ks_cases"]) {
    const auto q = c["quantiles"].get<std::vector<double>>();
    auto v = c["values"].get<std::vector<double>>();
    std::sort(v.begin(), v.end());
    const TestResult r = ks_against_quantiles(q, c["n_ref"].get<std::int64_t>(), v);
    // The reference is known at 101 quantiles: the distance is within 1/100 of the exact one.
    EXPECT_NEAR(r.statistic, c["ks"].get<double>(), 0.01) << c["name"];
    const double en = std::sqrt(c["n_ref"].get<double>() * static_cast<double>(v.size()) /
                                (c["n_ref"].get<double>() + static_cast<double>(v.size())));
    EXPECT_DOUBLE_EQ(r.p_value, kolmogorov_sf(r.statistic * en)) << c["name"];
    // Significance agrees with SciPy's on either side of 0.001.
    if (c["ks_p"].get<double>() < 1e-6) {
      EXPECT_LT(r.p_value, 1e-3) << c["name"];
    }
    if (c["ks_p"].get<double>() > 0.05) {
      EXPECT_GT(r.p_value, 1e-3) << c["name"];
    }
  }
}

TEST(DriftStats, PsiOverTheReferenceDecilesMatchesNumpy) {
  for (const auto& c : fixture()["ks_cases"]) {
    const auto q = c["quantiles"].get<std::vector<double>>();
    auto ref = c["reference"].get<std::vector<double>>();
    auto v = c["values"].get<std::vector<double>>();
    std::sort(ref.begin(), ref.end());
    std::sort(v.begin(), v.end());
    std::vector<double> edges, shares;
    model::decile_bins(q, ref, edges, shares);
    EXPECT_NEAR(psi_against_bins(edges, shares, v), c["psi"].get<double>(), 1e-9) << c["name"];
    // Row order does not matter.
    std::reverse(v.begin(), v.end());
    std::sort(v.begin(), v.end());
    EXPECT_NEAR(psi_against_bins(edges, shares, v), c["psi"].get<double>(), 1e-9) << c["name"];
  }
}

TEST(DriftStats, PsiIsZeroForEqualSharesAndGrowsWithTheShift) {
  const std::vector<double> e = {0.25, 0.25, 0.5};
  EXPECT_DOUBLE_EQ(psi(e, e), 0.0);
  const std::vector<double> a = {0.2, 0.3, 0.5}, b = {0.1, 0.4, 0.5};
  EXPECT_GT(psi(e, b), psi(e, a));
  // An empty bin counts as 1e-4, not as zero: finite.
  EXPECT_TRUE(std::isfinite(psi(e, std::vector<double>{0.0, 0.5, 0.5})));
}

TEST(DriftStats, QuantileCdfGivesAPointMassItsWholeProbability) {
  std::vector<double> q(101, 0.0);  // 60% at 0, then 1..40 linearly
  for (int i = 60; i <= 100; ++i) q[static_cast<std::size_t>(i)] = i - 60;
  EXPECT_DOUBLE_EQ(quantile_cdf(q, 0.0, true), 0.6);
  EXPECT_DOUBLE_EQ(quantile_cdf(q, 0.0, false), 0.0);
  EXPECT_DOUBLE_EQ(quantile_cdf(q, 20.0, true), 0.8);
  EXPECT_DOUBLE_EQ(quantile_cdf(q, 20.5, true), 0.805);
  EXPECT_DOUBLE_EQ(quantile_cdf(q, -1.0, true), 0.0);
  EXPECT_DOUBLE_EQ(quantile_cdf(q, 41.0, false), 1.0);
}

TEST(DriftStats, ChiSquareMatchesScipy) {
  const auto& c = fixture()["chi_square"];
  const auto r = chi_square(c["observed"].get<std::vector<double>>(), c["shares"].get<std::vector<double>>());
  EXPECT_NEAR(r.statistic, c["statistic"].get<double>(), 1e-9);
  EXPECT_NEAR(r.p_value, c["p"].get<double>(), 1e-12);
}

TEST(DriftStats, WelchMatchesScipy) {
  for (const auto& c : fixture()["welch"]) {
    const auto r = welch_t(c["n1"].get<double>(), c["mean1"].get<double>(), c["var1"].get<double>(), c["n2"].get<double>(),
                           c["mean2"].get<double>(), c["var2"].get<double>());
    EXPECT_NEAR(r.statistic, c["t"].get<double>(), 1e-10);
    EXPECT_NEAR(r.p_value, c["p"].get<double>(), 1e-10);
  }
  EXPECT_EQ(welch_t(1, 0, 0, 10, 1, 1).p_value, 1.0);  // too few to test
}

TEST(DriftStats, CosineDistance) {
  const std::vector<double> a = {1, 0}, b = {0, 2}, c = {3, 0}, zero = {0, 0};
  EXPECT_NEAR(cosine_distance(a, b), 1.0, 1e-15);
  EXPECT_NEAR(cosine_distance(a, c), 0.0, 1e-15);
  EXPECT_EQ(cosine_distance(a, zero), 0.0);
}

}  // namespace
}  // namespace kohort::monitor
