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

// The fixture's customers as a feature table of the "recent" group, one side at a time.
features::FeatureTable mix_table(const nlohmann::json& rows, const std::string& side, std::vector<std::int32_t>& labels) {
  features::FeatureTable t;
  t.info = {{"lines_30d", "recent", "count", "Lines.", "lines"}, {"channel_share_app_30d", "recent", "share", "App.", "app"},
            {"recency_days", "recency", "days", "Days.", "days"}};
  std::vector<std::pair<double, double>> kept;
  labels.clear();
  for (const auto& r : rows)
    if (r["side"] == side) {
      kept.emplace_back(r["lines"].get<double>(), r["share"].get<double>());
      labels.push_back(r["segment"].get<std::int32_t>());
    }
  // Customers without lines or without a share are skipped.
  kept.emplace_back(0.0, 1.0), labels.push_back(0);
  kept.emplace_back(3.0, std::nan("")), labels.push_back(1);
  t.values = Matrix<float>(static_cast<index_t>(kept.size()), 3);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    t.values(static_cast<index_t>(i), 0) = static_cast<float>(kept[i].first);
    t.values(static_cast<index_t>(i), 1) = static_cast<float>(kept[i].second);
    t.values(static_cast<index_t>(i), 2) = 5.0f;
  }
  return t;
}

TEST(DriftStats, StratifiedShareChangeMatchesTheRatioEstimatorAndScipy) {
  const auto& c = fixture()["share_change"];
  std::vector<ShareSample> then, now;
  for (const auto* side : {"then", "now"}) {
    std::vector<std::int32_t> labels;
    const auto mix = model::segment_mix(mix_table(c["rows"], side, labels), labels, 3);
    ASSERT_EQ(mix.size(), 3u);
    for (std::size_t s = 0; s < 3; ++s) {
      ASSERT_EQ(mix[s].size(), 1u);  // the share column; the line count is the weight
      const auto& want = c[side][s];
      EXPECT_EQ(mix[s][0].feature, "channel_share_app_30d");
      EXPECT_DOUBLE_EQ(mix[s][0].lines, want["lines"].get<double>());
      EXPECT_NEAR(mix[s][0].share, want["share"].get<double>(), 1e-12);
      EXPECT_NEAR(mix[s][0].var, want["var"].get<double>(), 1e-15);
      (std::string(side) == "then" ? then : now).push_back({mix[s][0].lines, mix[s][0].share, mix[s][0].var});
    }
  }
  const ShareChange r = stratified_share_change(then, now);
  EXPECT_NEAR(r.change, c["change"].get<double>(), 1e-12);
  EXPECT_NEAR(r.z, c["z"].get<double>(), 1e-9);
  EXPECT_NEAR(r.p_value, c["p"].get<double>(), 1e-12);
  // A segment without lines on one side is left out; none left gives no evidence.
  then[2].lines = 0;
  EXPECT_NE(stratified_share_change(then, now).change, r.change);
  const std::vector<ShareSample> empty(3);
  EXPECT_EQ(stratified_share_change(empty, now).p_value, 1.0);
  // Segments listed in another order give the same answer.
  std::swap(then[0], then[1]), std::swap(now[0], now[1]);
  then[0].lines = then[1].lines;
  const auto swapped = stratified_share_change(then, now);
  std::swap(then[0], then[1]), std::swap(now[0], now[1]);
  EXPECT_NEAR(swapped.z, stratified_share_change(then, now).z, 1e-12);
}

TEST(DriftStats, TheReferenceKeepsTheMixAndReadsDocumentsWithoutIt) {
  model::Reference r;
  r.mean = {0.5}, r.sd = {1.0}, r.rows = 10;
  r.quantiles = {std::vector<double>(model::kReferenceQuantiles, 0.0)};
  r.bin_edges = {{0.0}}, r.bin_shares = {{1.0, 0.0}};
  auto& seg = r.segments.emplace_back();
  seg.size = 10, seg.mean = {0.5}, seg.var = {1.0}, seg.centroid = {0.25};
  seg.mix.push_back({"channel_share_app_30d", 42, 0.375, 0.0012});
  auto j = model::reference_to_json(r);
  auto back = model::reference_from_json(j, 1, 1, 1);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->segments[0].mix.size(), 1u);
  EXPECT_EQ(back->segments[0].mix[0].feature, "channel_share_app_30d");
  EXPECT_EQ(back->segments[0].mix[0].lines, 42);
  EXPECT_EQ(back->segments[0].mix[0].share, 0.375);
  EXPECT_EQ(back->segments[0].mix[0].var, 0.0012);
  j["segments"][0]["mix"][0]["share"] = 1.5;
  EXPECT_EQ(model::reference_from_json(j, 1, 1, 1).status().code(), Code::invalid_input);
  j["segments"][0].erase("mix");  // a model from before the mix was kept
  back = model::reference_from_json(j, 1, 1, 1);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->segments[0].mix.empty());
}

TEST(DriftStats, CosineDistance) {
  const std::vector<double> a = {1, 0}, b = {0, 2}, c = {3, 0}, zero = {0, 0};
  EXPECT_NEAR(cosine_distance(a, b), 1.0, 1e-15);
  EXPECT_NEAR(cosine_distance(a, c), 0.0, 1e-15);
  EXPECT_EQ(cosine_distance(a, zero), 0.0);
}

}  // namespace
}  // namespace kohort::monitor
