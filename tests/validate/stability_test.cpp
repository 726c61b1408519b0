#include "kohort/validate/stability.h"

#include <gtest/gtest.h>

#include "common/fixtures.h"
#include "kohort/cluster/kmeans.h"

namespace kohort::validate {
namespace {

FitSample kmeans(int k) {
  return [k](const Context& ctx, MatrixView<const float> s) -> Result<std::vector<std::int32_t>> {
    cluster::KMeansOptions o;
    o.n_clusters = k;
    KOHORT_ASSIGN_OR_RETURN(auto fit, cluster::fit_kmeans(ctx, s, o));
    return std::move(fit.labels);
  };
}

TEST(Stability, SeparatedClustersAreStableAndAnArbitrarySplitIsNot) {
  const auto b = testing::make_blobs({.n = 3000, .k = 3, .d = 2, .seed = 5, .spread = 20, .sd = 1.0});
  StabilityOptions o;
  o.resamples = 8;
  const auto good = bootstrap_stability(Context(2, 1), b.x.cview(), b.truth, kmeans(3), o);
  ASSERT_TRUE(good.ok()) << good.status().message();
  for (double j : good->jaccard) EXPECT_GT(j, 0.95);
  EXPECT_GT(good->mean_ari, 0.95);
  // One round blob cut into 6 by k-means: the cuts wander between resamples.
  const auto blob = testing::make_blobs({.n = 3000, .k = 1, .d = 2, .seed = 6, .sd = 1.0});
  cluster::KMeansOptions ko;
  ko.n_clusters = 6;
  const auto ref = cluster::fit_kmeans(Context(2, 1), blob.x.cview(), ko);
  ASSERT_TRUE(ref.ok());
  const auto bad = bootstrap_stability(Context(2, 1), blob.x.cview(), ref->labels, kmeans(6), o);
  ASSERT_TRUE(bad.ok());
  EXPECT_LT(bad->mean_ari, good->mean_ari);
}

TEST(Stability, SameSeedSameResultAtAnyThreadCount) {
  const auto b = testing::make_blobs({.n = 2000, .k = 4, .d = 3, .seed = 7, .sd = 3.0});
  StabilityOptions o;
  o.resamples = 4;
  const auto one = bootstrap_stability(Context(1, 9), b.x.cview(), b.truth, kmeans(4), o);
  const auto four = bootstrap_stability(Context(4, 9), b.x.cview(), b.truth, kmeans(4), o);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_EQ(one->jaccard, four->jaccard);
  EXPECT_EQ(one->ari, four->ari);
  o.resamples = 0;
  EXPECT_EQ(bootstrap_stability(Context(1, 0), b.x.cview(), b.truth, kmeans(4), o).status().code(),
            Code::invalid_argument);
}

}  // namespace
}  // namespace kohort::validate
