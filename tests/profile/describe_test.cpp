// Segment profiles and their words: means, medians and standardised differences against hand
// computations; names composed from the measured drivers, unique and deterministic; evidence
// and rule conditions in the features' own units.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "kohort/profile/describe.h"
#include "kohort/profile/profile.h"
#include "kohort/profile/rules.h"

namespace kohort::profile {
namespace {

features::FeatureInfo info(std::string name, std::string unit, std::string phrase) {
  return {std::move(name), "test", std::move(unit), "test feature", std::move(phrase)};
}

// Six customers, two segments; spend is high in segment 1, discount share in segment 0.
struct Fixture {
  features::FeatureTable raw;
  Matrix<float> standardized;
  std::vector<std::int32_t> labels = {0, 0, 0, 1, 1, 1};
  CustomerBusiness business;
  Fixture() {
    raw.info = {info("spend_total", "currency", "total spend"),
                info("discounted_order_share", "share", "share of orders with a discount")};
    const float values[6][2] = {{10, 0.9f}, {20, 0.8f}, {30, NAN}, {100, 0.1f}, {200, 0.0f}, {300, 0.2f}};
    raw.values = Matrix<float>(6, 2);
    standardized = Matrix<float>(6, 2);
    for (index_t i = 0; i < 6; ++i)
      for (index_t j = 0; j < 2; ++j) raw.values(i, j) = values[i][j];
    // The transformed columns (here: the raw values, NaN imputed with 0.2).
    for (index_t i = 0; i < 6; ++i) {
      standardized(i, 0) = raw.values(i, 0);
      standardized(i, 1) = std::isnan(raw.values(i, 1)) ? 0.2f : raw.values(i, 1);
    }
    for (int i = 0; i < 6; ++i) raw.customers.push_back(i);
    business.revenue = {10, 20, 30, 100, 200, 300};
    business.orders = {1, 2, 3, 1, 2, 3};
    business.tenure_days = {365.25, 365.25, 365.25, 365.25, 365.25, 365.25};
    business.clv = {1, 2, 3, 10, 20, NAN};
    business.p_alive = {0.5, 0.5, 0.5, 0.9, 0.9, 0.9};
    business.churn_risk = {0.6, 0.6, 0.6, 0.1, NAN, 0.3};
  }
};

TEST(Profile, MeansMediansAndStandardisedDifferences) {
  Fixture f;
  const std::vector<index_t> compared = {0, 1}, columns = {0, 1};
  auto p = profile_segments(Context().with_threads(2), f.raw, f.standardized.cview(), compared, columns, f.labels, 2,
                            f.business);
  ASSERT_TRUE(p.ok()) << p.status().what();
  const auto& s0 = p->segments[0];
  const auto& s1 = p->segments[1];
  EXPECT_EQ(s0.size, 3);
  EXPECT_DOUBLE_EQ(s0.share, 0.5);
  EXPECT_DOUBLE_EQ(s0.mean[0], 20.0);
  EXPECT_DOUBLE_EQ(s0.median[0], 20.0);
  EXPECT_NEAR(s0.mean[1], 0.85, 1e-7);  // NaN ignored
  EXPECT_NEAR(s0.median[1], 0.85, 1e-7);
  EXPECT_DOUBLE_EQ(p->population.mean[0], 110.0);
  EXPECT_DOUBLE_EQ(p->population.median[0], 65.0);
  // std diff of spend: (20 − 110) / population sd (population sd, divisor n).
  double ss = 0;
  for (double v : {10.0, 20.0, 30.0, 100.0, 200.0, 300.0}) ss += (v - 110) * (v - 110);
  const double sd = std::sqrt(ss / 6);
  EXPECT_NEAR(s0.std_diff[0], (20 - 110) / sd, 1e-9);
  EXPECT_NEAR(s1.std_diff[0], (200 - 110) / sd, 1e-9);
  ASSERT_EQ(s1.drivers.size(), 2U);
  EXPECT_EQ(s1.drivers[0].feature, 0);  // spend separates most
  // Business: revenue share, mean CLV of known values, churn risk, orders per year.
  EXPECT_DOUBLE_EQ(s1.business.revenue_share, 600.0 / 660.0);
  EXPECT_DOUBLE_EQ(s1.business.clv_12m, 15.0);
  EXPECT_NEAR(s1.business.churn_risk, 0.2, 1e-12);  // the mean of the known values
  EXPECT_NEAR(s0.business.orders_per_year, 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(s0.business.avg_order_value, 60.0 / 6.0);
  // The same at one thread.
  auto q = profile_segments(Context().with_threads(1), f.raw, f.standardized.cview(), compared, columns, f.labels, 2,
                            f.business);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->segments[1].std_diff, s1.std_diff);
}

TEST(Profile, OutliersCountInThePopulationOnly) {
  Fixture f;
  f.labels = {0, 0, -1, 1, 1, 1};
  const std::vector<index_t> compared = {0}, columns = {0};
  auto p = profile_segments(Context(), f.raw, f.standardized.cview(), compared, columns, f.labels, 2, f.business);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->segments[0].size, 2);
  EXPECT_DOUBLE_EQ(p->segments[0].mean[0], 15.0);
  EXPECT_DOUBLE_EQ(p->population.mean[0], 110.0);
  EXPECT_TRUE(std::isnan(p->segments[0].std_diff[1]));  // not compared
}

TEST(Profile, RejectsMismatchedInputs) {
  Fixture f;
  const std::vector<index_t> compared = {0}, columns = {0};
  std::vector<std::int32_t> bad = {0, 0, 5, 1, 1, 1};
  EXPECT_FALSE(profile_segments(Context(), f.raw, f.standardized.cview(), compared, columns, bad, 2, f.business).ok());
  f.business.clv.pop_back();
  EXPECT_FALSE(profile_segments(Context(), f.raw, f.standardized.cview(), compared, columns, f.labels, 2, f.business).ok());
}

Profiles planted(const std::vector<std::vector<double>>& diffs) {
  Profiles p;
  for (std::size_t s = 0; s < diffs.size(); ++s) {
    SegmentProfile seg;
    seg.id = static_cast<std::int32_t>(s);
    seg.size = static_cast<index_t>(100 - s);
    seg.std_diff = diffs[s];
    p.segments.push_back(seg);
  }
  return p;
}

TEST(Names, ComposedFromTheStrongestDrivers) {
  const std::vector<features::FeatureInfo> feats = {
      info("recency_days", "days", "days since the last purchase"), info("spend_total", "currency", "total spend"),
      info("discounted_order_share", "share", "share of orders with a discount"),
      info("channel_share_app", "share", "share of purchases through app"),
      info("category_share_home", "share", "share of spend on home"), info("mystery", "score", "something")};
  const auto names = name_segments(feats, planted({{1.5, 1.2, 0.1, 0, 0, 3.0},     // lapsing big spenders
                                                   {-0.8, -0.3, 1.9, 0.9, 0, 0},   // bargain hunters
                                                   {0.1, 0.1, 0.1, 0.1, 0.1, 0},   // nothing strong
                                                   {0, 0, 0, 0.4, 1.1, 0}}));      // home-focused app-first
  ASSERT_EQ(names.size(), 4U);
  EXPECT_EQ(names[0], "Lapsing big spenders");
  EXPECT_EQ(names[1], "App-first recently active bargain hunters");
  EXPECT_EQ(names[2], "Customers");
  EXPECT_EQ(names[3], "Home-focused app-first customers");
}

TEST(Names, OneConceptSpeaksOnceThroughItsStrongestFeature) {
  const std::vector<features::FeatureInfo> feats = {info("spend_total", "currency", "total spend"),
                                                    info("spend_90d", "currency", "spend in the last 90 days"),
                                                    info("orders_90d", "count", "orders in the last 90 days")};
  // Low total spend with a recent rise: low-spend, not also "big spenders".
  const auto names = name_segments(feats, planted({{-1.0, 0.5, 0.3}, {0.4, 1.2, 0}}));
  EXPECT_EQ(names[0], "Low-spend frequent customers");
  EXPECT_EQ(names[1], "Big spenders");
}

TEST(Names, SameWordsInAnotherOrderAreTheSameName) {
  const std::vector<features::FeatureInfo> feats = {
      info("spend_total", "currency", "total spend"), info("orders_total", "count", "orders in total"),
      info("category_entropy", "nats", "spread of spend over categories"), info("age", "years", "age"),
      info("loyalty_tier", "rank", "loyalty tier")};
  const auto names = name_segments(feats, planted({{2, 1.0, 0.9, 0.5, 0}, {2, 0.9, 1.0, 0, -0.5}}));
  EXPECT_EQ(names[0], "Frequent variety-seeking older big spenders");
  EXPECT_EQ(names[1], "Variety-seeking frequent entry-tier big spenders");
}

TEST(Names, AreUniqueEvenWhenDriversCoincide) {
  const std::vector<features::FeatureInfo> feats = {info("spend_total", "currency", "total spend"),
                                                    info("age", "years", "age"),
                                                    info("loyalty_tier", "rank", "loyalty tier")};
  const auto names = name_segments(feats, planted({{2, 0.5, 0}, {2, 0.4, 0.3}, {2, 0, 0}, {2, 0, 0}}));
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  EXPECT_EQ(names[0], "Older big spenders");
  EXPECT_EQ(names[1], "Older top-tier big spenders");
  EXPECT_EQ(names[2], "Big spenders I");  // the larger of two indistinguishable segments
  EXPECT_EQ(names[3], "Big spenders II");
}

TEST(Words, EvidenceAndConditionsInFeatureUnits) {
  Driver d;
  d.segment_mean = 310;
  d.population_mean = 100;
  EXPECT_EQ(evidence(info("spend_total", "currency", "total spend"), d), "total spend 3.1× the average (310 vs 100)");
  d.segment_mean = 0.72;
  d.population_mean = 0.18;
  EXPECT_EQ(evidence(info("discounted_order_share", "share", "share of orders with a discount"), d),
            "share of orders with a discount 72% vs 18% overall");
  d.segment_mean = 210;
  d.population_mean = 64.2;
  EXPECT_EQ(evidence(info("recency_days", "days", "days since the last purchase"), d),
            "days since the last purchase 210 vs 64.2 on average");
  EXPECT_EQ(condition_text(info("orders_90d", "count", "orders in the last 90 days"), true, 3.5),
            "orders in the last 90 days > 3.5");
  EXPECT_EQ(condition_text(info("discounted_order_share", "share", "share of orders with a discount"), false, 0.6),
            "share of orders with a discount ≤ 60%");
  EXPECT_EQ(condition_text(info("lifecycle_new", "flag", "new customer"), true, 0.5), "new customer");
  EXPECT_EQ(condition_text(info("lifecycle_new", "flag", "new customer"), false, 0.5), "not new customer");
  EXPECT_EQ(format_number(1234567.4), "1,234,567");
  EXPECT_EQ(format_number(12.34), "12.3");
  EXPECT_EQ(format_number(0.01234), "0.0123");
}

TEST(Rules, DescribeAPlantedSegmentInItsUnits) {
  // Segment 1 is exactly "total spend > 150 and share discounted ≤ 15%".
  Fixture f;
  features::FeatureTable raw;
  raw.info = f.raw.info;
  const index_t n = 400;
  raw.values = Matrix<float>(n, 2);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  Rng rng(7);
  for (index_t i = 0; i < n; ++i) {
    raw.values(i, 0) = static_cast<float>(300 * rng.uniform());
    raw.values(i, 1) = static_cast<float>(rng.uniform());
    labels[static_cast<std::size_t>(i)] = raw.values(i, 0) > 150 && raw.values(i, 1) <= 0.15f ? 1 : 0;
  }
  Profiles p;
  p.population.median = {150, 0.5};
  RuleOptions o;
  auto rules = describe_rules(Context(), raw, p, labels, 2, o);
  ASSERT_TRUE(rules.ok()) << rules.status().what();
  ASSERT_FALSE((*rules)[1].empty());
  const RuleText& r = (*rules)[1][0];
  EXPECT_DOUBLE_EQ(r.precision, 1.0);
  EXPECT_DOUBLE_EQ(r.recall, 1.0);
  EXPECT_NE(r.text.find("total spend > 1"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("share of orders with a discount ≤ 1"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("100% of members"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace kohort::profile
