#include "kohort/select/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "common/fixtures.h"

namespace kohort::select {
namespace {

// Naive twin of the blocked silhouette: direct double-precision distances.
std::vector<double> naive_silhouette(MatrixView<const float> x, const std::vector<std::int32_t>& l) {
  const index_t n = x.rows;
  int k = 0;
  for (auto v : l) k = std::max(k, v + 1);
  std::vector<double> cnt(static_cast<std::size_t>(k), 0), s(static_cast<std::size_t>(n), 0);
  for (auto v : l) cnt[static_cast<std::size_t>(v)] += 1;
  for (index_t i = 0; i < n; ++i) {
    std::vector<double> sum(static_cast<std::size_t>(k), 0);
    for (index_t j = 0; j < n; ++j) {
      if (i == j) continue;
      double q = 0;
      for (index_t t = 0; t < x.cols; ++t) {
        const double v = static_cast<double>(x(i, t)) - x(j, t);
        q += v * v;
      }
      sum[static_cast<std::size_t>(l[static_cast<std::size_t>(j)])] += std::sqrt(q);
    }
    const auto own = static_cast<std::size_t>(l[static_cast<std::size_t>(i)]);
    if (cnt[own] <= 1) continue;
    const double a = sum[own] / (cnt[own] - 1);
    double b = 1e300;
    for (std::size_t c = 0; c < static_cast<std::size_t>(k); ++c)
      if (c != own && cnt[c] > 0) b = std::min(b, sum[c] / cnt[c]);
    s[static_cast<std::size_t>(i)] = (b - a) / std::max(a, b);
  }
  return s;
}

struct Case {
  Matrix<float> x;
  nlohmann::json j;
};

Case load() {
  auto j = testing::load_json("select/metrics_blobs_600x5_k4.json");
  return {testing::load_csv_matrix("cluster/" + j["data"].get<std::string>()), j};
}

TEST(Metrics, MatchScikitLearnOnTruthAndNoisyLabels) {
  const auto c = load();
  const Context ctx(2, 0);
  for (const auto* key : {"", "noisy"}) {
    const auto& ref = std::string(key).empty() ? c.j : c.j[key];
    const auto labels = ref["labels"].get<std::vector<std::int32_t>>();
    const auto s = silhouette(ctx, c.x.cview(), labels);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_NEAR(s->mean, ref["silhouette"].get<double>(), 1e-5) << ref["source"];
    const auto first = ref["silhouette_samples_first10"].get<std::vector<double>>();
    for (std::size_t i = 0; i < first.size(); ++i) EXPECT_NEAR(s->per_row[i], first[i], 1e-4);
    EXPECT_NEAR(*calinski_harabasz(ctx, c.x.cview(), labels), ref["calinski_harabasz"].get<double>(),
                1e-6 * ref["calinski_harabasz"].get<double>());
    EXPECT_NEAR(*davies_bouldin(ctx, c.x.cview(), labels), ref["davies_bouldin"].get<double>(), 1e-6);
  }
}

TEST(Metrics, BlockedSilhouetteMatchesNaiveTwinOnAwkwardShapes) {
  for (index_t d : {1, 3, 8, 17}) {
    for (index_t n : {4, 130, 2049}) {
      const auto b = testing::make_blobs({.n = n, .k = 3, .d = d, .seed = static_cast<std::uint64_t>(n + d), .sd = 3.0});
      const auto s = silhouette(Context(2, 0), b.x.cview(), b.truth);
      ASSERT_TRUE(s.ok()) << s.status().message();
      const auto naive = naive_silhouette(b.x.cview(), b.truth);
      for (index_t i = 0; i < n; ++i)
        ASSERT_NEAR(s->per_row[static_cast<std::size_t>(i)], naive[static_cast<std::size_t>(i)], 2e-4)
            << "d=" << d << " n=" << n << " row " << i;
    }
  }
}

TEST(Metrics, SilhouetteIsIdenticalAtOneAndFourThreadsAndUnderRelabelling) {
  const auto b = testing::make_blobs({.n = 3000, .k = 5, .d = 6, .seed = 9, .sd = 4.0});
  const auto one = silhouette(Context(1, 0), b.x.cview(), b.truth);
  const auto four = silhouette(Context(4, 0), b.x.cview(), b.truth);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_EQ(one->mean, four->mean);
  std::vector<std::int32_t> perm(b.truth.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = 4 - b.truth[i];
  const auto p = silhouette(Context(2, 0), b.x.cview(), perm);
  EXPECT_NEAR(p->mean, one->mean, 1e-12);
  EXPECT_NEAR(*calinski_harabasz(Context(2, 0), b.x.cview(), perm),
              *calinski_harabasz(Context(2, 0), b.x.cview(), b.truth), 1e-9);
}

TEST(Metrics, SampledSilhouetteIntervalCoversTheExactValue) {
  const auto b = testing::make_blobs({.n = 6000, .k = 4, .d = 5, .seed = 10, .sd = 5.0});
  const auto exact = silhouette(Context(2, 0), b.x.cview(), b.truth);
  const auto est = silhouette_sampled(Context(2, 3), b.x.cview(), b.truth, 1500);
  ASSERT_TRUE(exact.ok() && est.ok());
  EXPECT_TRUE(est->sampled);
  EXPECT_LE(est->ci_low, exact->mean);
  EXPECT_GE(est->ci_high, exact->mean);
  EXPECT_LT(est->ci_high - est->ci_low, 0.05);
}

TEST(Metrics, OutliersAreLeftOutAndSingleClusterIsAnError) {
  const auto b = testing::make_blobs({.n = 400, .k = 2, .d = 2, .seed = 1});
  auto l = b.truth;
  l[0] = -1;
  l[1] = -1;
  const auto s = silhouette(Context(1, 0), b.x.cview(), l);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rows_scored, 398);
  EXPECT_TRUE(std::isnan(s->per_row[0]));
  std::vector<std::int32_t> one(400, 0);
  const auto bad = silhouette(Context(1, 0), b.x.cview(), one);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::invalid_input);
  EXPECT_EQ(bad.status().what(), "the silhouette needs 2 to n−1 clusters; found 1 cluster(s) over 400 rows");
}

TEST(Metrics, InertiaIsWithinSumOfSquares) {
  Matrix<float> x(4, 1);
  x(0, 0) = 0; x(1, 0) = 2; x(2, 0) = 10; x(3, 0) = 14;
  std::vector<std::int32_t> l = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*inertia(Context(1, 0), x.cview(), l), 2.0 + 8.0);
}

}  // namespace
}  // namespace kohort::select
