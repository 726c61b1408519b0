#include "kohort/features/transform.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kohort/core/rng.h"

namespace kohort::features {
namespace {

// A table from columns given as vectors (NaN = missing).
Matrix<float> table(const std::vector<std::vector<float>>& cols) {
  const auto n = static_cast<index_t>(cols.front().size());
  Matrix<float> m(n, static_cast<index_t>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    for (index_t i = 0; i < n; ++i)
      m(i, static_cast<index_t>(j)) = cols[j][static_cast<std::size_t>(i)];
  return m;
}

std::vector<float> heavy_tail(int n, std::uint64_t seed) {  // log-normal: skewed right
  Rng rng(seed, "heavy");
  std::vector<float> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<float>(std::exp(1.5 * rng.normal())));
  return v;
}
std::vector<float> symmetric(int n, std::uint64_t seed) {
  Rng rng(seed, "sym");
  std::vector<float> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<float>(10 + rng.normal()));
  return v;
}

const ColumnTransform* find(const FittedTransform& f, std::string_view name) {
  for (const auto& c : f.columns)
    if (c.name == name) return &c;
  return nullptr;
}
void mean_sd(const Matrix<float>& m, index_t j, double& mean, double& sd) {
  mean = 0;
  for (index_t i = 0; i < m.rows(); ++i) mean += m(i, j);
  mean /= static_cast<double>(m.rows());
  double ss = 0;
  for (index_t i = 0; i < m.rows(); ++i) ss += (m(i, j) - mean) * (m(i, j) - mean);
  sd = std::sqrt(ss / static_cast<double>(m.rows()));
}

const std::vector<std::string> kNames = {"heavy", "sym"};

TEST(Transform, ZScoreGivesMeanZeroAndUnitSd) {
  const auto x = table({heavy_tail(1000, 1), symmetric(1000, 2)});
  auto r = fit_transform(Context(), x.cview(), kNames);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->values.cols(), 2);
  for (index_t j = 0; j < 2; ++j) {
    double mean, sd;
    mean_sd(r->values, j, mean, sd);
    EXPECT_NEAR(mean, 0, 1e-5);
    EXPECT_NEAR(sd, 1, 1e-5);
  }
}

TEST(Transform, Log1pIsChosenForHeavyTailsOnly) {
  const auto x = table({heavy_tail(1000, 1), symmetric(1000, 2)});
  auto r = fit_transform(Context(), x.cview(), kNames);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(find(r->fit, "heavy")->log1p);
  EXPECT_FALSE(find(r->fit, "sym")->log1p);
  TransformOptions no_log;
  no_log.log1p = false;
  auto r2 = fit_transform(Context(), x.cview(), kNames, no_log);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(find(r2->fit, "heavy")->log1p);
}

TEST(Transform, WinsorizingClipsAtTheQuantiles) {
  std::vector<float> v(101);
  for (int i = 0; i <= 100; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i);
  v[100] = 1e6f;  // one wild value
  TransformOptions o;
  o.log1p = false;
  o.winsor_lower = 0.05;
  o.winsor_upper = 0.95;
  o.scaling = Scaling::none;
  auto r = fit_transform(Context(), table({v}).cview(), std::vector<std::string>{"v"}, o);
  ASSERT_TRUE(r.ok());
  // Type-7 quantiles of 0..99, 1e6: h = 100·0.05 = 5 → 5; h = 95 → 95.
  EXPECT_DOUBLE_EQ(r->fit.columns[0].lower, 5);
  EXPECT_DOUBLE_EQ(r->fit.columns[0].upper, 95);
  EXPECT_EQ(r->values(0, 0), 5.0f);
  EXPECT_EQ(r->values(50, 0), 50.0f);
  EXPECT_EQ(r->values(100, 0), 95.0f);
}

TEST(Transform, RobustScalingCentresTheMedian) {
  const auto x = table({heavy_tail(1001, 4), symmetric(1001, 5)});
  TransformOptions o;
  o.scaling = Scaling::robust;
  auto r = fit_transform(Context(), x.cview(), kNames, o);
  ASSERT_TRUE(r.ok());
  for (index_t j = 0; j < 2; ++j) {
    std::vector<float> col;
    for (index_t i = 0; i < r->values.rows(); ++i) col.push_back(r->values(i, j));
    std::nth_element(col.begin(), col.begin() + 500, col.end());
    EXPECT_NEAR(col[500], 0, 1e-6);
  }
}

TEST(Transform, ImputationFillsTheMedianAndAddsAnIndicator) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> a = {1, nan, 3, 4, nan, 10};
  const std::vector<float> b = {1, 2, 3, 4, 5, 6};
  TransformOptions o;
  o.log1p = false;
  o.winsor_lower = 0;
  o.winsor_upper = 1;
  o.scaling = Scaling::none;
  auto r = fit_transform(Context(), table({a, b}).cview(), std::vector<std::string>{"a", "b"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->fit.output_names(), (std::vector<std::string>{"a", "a_missing", "b"}));
  EXPECT_DOUBLE_EQ(find(r->fit, "a")->fill, 3.5);  // median of 1, 3, 4, 10
  EXPECT_EQ(r->values(1, 0), 3.5f);
  EXPECT_EQ(r->values(1, 1), 1.0f);
  EXPECT_EQ(r->values(0, 1), 0.0f);
  EXPECT_EQ(r->values(4, 0), 3.5f);
  EXPECT_EQ(r->values(5, 0), 10.0f);
}

TEST(Transform, ConstantAndDuplicateColumnsAreDroppedWithReasons) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const auto s = symmetric(200, 9);
  std::vector<float> twice;
  for (float v : s) twice.push_back(2 * v);  // identical after z-scoring
  const std::vector<float> constant(200, 7.0f);
  const std::vector<float> missing(200, nan);
  TransformOptions o;
  o.winsor_lower = 0;
  o.winsor_upper = 1;
  auto r = fit_transform(Context(), table({s, constant, twice, missing}).cview(),
                         std::vector<std::string>{"s", "k", "s2", "none"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->fit.output_names(), std::vector<std::string>{"s"});
  ASSERT_EQ(r->fit.dropped.size(), 3u);
  EXPECT_EQ(r->fit.dropped[0].name, "k");
  EXPECT_EQ(r->fit.dropped[0].reason, "constant: every value is 7");
  EXPECT_EQ(r->fit.dropped[1].name, "none");
  EXPECT_EQ(r->fit.dropped[1].reason, "all values missing");
  EXPECT_EQ(r->fit.dropped[2].name, "s2");
  EXPECT_EQ(r->fit.dropped[2].reason, "duplicate of 's' after transformation");
}

TEST(Transform, ApplyOnTheFitDataEqualsFitTransformBitForBit) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto h = heavy_tail(3000, 6);
  for (std::size_t i = 0; i < h.size(); i += 7) h[i] = nan;
  const auto x = table({h, symmetric(3000, 7)});
  for (Scaling sc : {Scaling::zscore, Scaling::robust, Scaling::none}) {
    TransformOptions o;
    o.scaling = sc;
    auto r = fit_transform(Context(2, 1), x.cview(), kNames, o);
    ASSERT_TRUE(r.ok());
    auto again = apply(Context(3, 1), r->fit, x.cview());
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->cols(), r->values.cols());
    EXPECT_EQ(std::memcmp(again->data(), r->values.data(), r->values.size() * sizeof(float)), 0);
    // Through JSON and back: the same bits again.
    auto back = FittedTransform::from_json(nlohmann::json::parse(r->fit.to_json().dump()));
    ASSERT_TRUE(back.ok()) << back.status().message();
    auto third = apply(Context(), *back, x.cview());
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(std::memcmp(third->data(), r->values.data(), r->values.size() * sizeof(float)), 0);
  }
}

TEST(Transform, BadInputIsReported) {
  const auto x = table({symmetric(10, 1)});
  EXPECT_EQ(fit_transform(Context(), x.cview(), kNames).status().code(), Code::invalid_argument);
  auto y = table({symmetric(10, 1)});
  y(3, 0) = std::numeric_limits<float>::infinity();
  const auto s = fit_transform(Context(), y.cview(), std::vector<std::string>{"v"}).status();
  EXPECT_EQ(s.code(), Code::invalid_input);
  EXPECT_EQ(s.where(), "row 4, column v");
  auto r = fit_transform(Context(), x.cview(), std::vector<std::string>{"v"});
  ASSERT_TRUE(r.ok());
  const auto two = table({symmetric(10, 1), symmetric(10, 2)});
  EXPECT_EQ(apply(Context(), r->fit, two.cview()).status().code(), Code::invalid_input);
  TransformOptions o;
  o.winsor_upper = 0.3;
  EXPECT_EQ(fit_transform(Context(), x.cview(), std::vector<std::string>{"v"}, o).status().where(),
            "winsor_upper");
  EXPECT_EQ(FittedTransform::from_json(nlohmann::json::object()).status().code(),
            Code::invalid_input);
}

}  // namespace
}  // namespace kohort::features
