#include "kohort/select/choose_k.h"

#include <gtest/gtest.h>

#include "common/fixtures.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/select/compare.h"

namespace kohort::select {
namespace {

FitAtK kmeans_at(MatrixView<const float>) {
  return [](const Context& ctx, MatrixView<const float> x, int k) -> Result<std::vector<std::int32_t>> {
    cluster::KMeansOptions o;
    o.n_clusters = k;
    o.n_init = 3;
    KOHORT_ASSIGN_OR_RETURN(auto fit, cluster::fit_kmeans(ctx, x, o));
    return std::move(fit.labels);
  };
}

// Planted clusters of unequal sizes (1:4) and densities (sd ×0.5..×1.5), 5 to 35 of them,
// scanned over the whole 2..40 range.
TEST(ChooseK, FindsPlantedClusterCountsFromFiveToThirtyFive) {
  for (int k : {5, 12, 20, 35}) {
    const auto b = testing::make_blobs({.n = 150 * k, .k = k, .d = 8, .seed = static_cast<std::uint64_t>(100 + k),
                                        .spread = 40, .sd = 1.2, .sd_spread = 0.5, .size_ratio = 4});
    ChooseKOptions o;
    o.k_min = 2;
    o.k_max = 40;
    const auto c = choose_k(Context(2, 1), b.x.cview(), o, kmeans_at(b.x.cview()));
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(c->k, k) << c->reason;
    EXPECT_EQ(c->table.size(), 39u);
    const auto& chosen = c->table[static_cast<std::size_t>(c->k - 2)];
    EXPECT_GT(*adjusted_rand_index(chosen.labels, b.truth), 0.95);
  }
}

TEST(ChooseK, MinimumShareExcludesSmallSegmentsAndSaysSo) {
  const auto b = testing::make_blobs({.n = 2000, .k = 4, .d = 3, .seed = 3, .spread = 20, .sd = 1.0});
  ChooseKOptions o;
  o.k_min = 2;
  o.k_max = 8;
  o.min_share = 0.2;  // four equal clusters hold 25% each; more segments must be smaller
  const auto c = choose_k(Context(2, 1), b.x.cview(), o, kmeans_at(b.x.cview()));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->k, 4);
  for (const auto& r : c->table) EXPECT_EQ(r.feasible, r.k <= 4) << r.k;
  EXPECT_NE(c->reason.find("Excluded by the segment-size constraint: k = 5, 6, 7, 8"), std::string::npos) << c->reason;
  o.min_share = 0.6;
  const auto none = choose_k(Context(2, 1), b.x.cview(), o, kmeans_at(b.x.cview()));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().where(), "--min-share");
}

TEST(ChooseK, GapStatisticFindsPlantedClusters) {
  const auto b = testing::make_blobs({.n = 1500, .k = 5, .d = 3, .seed = 21, .spread = 20, .sd = 1.0});
  ChooseKOptions o;
  o.k_min = 2;
  o.k_max = 9;
  o.gap_references = 5;
  const auto c = choose_k(Context(2, 1), b.x.cview(), o, kmeans_at(b.x.cview()));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->gap_k, 5);
  EXPECT_GT(c->table[3].gap, c->table[0].gap);
  EXPECT_NE(c->reason.find("the gap rule picks k = 5"), std::string::npos) << c->reason;
}

TEST(ChooseK, KneeOfAConvexDecreasingCurve) {
  const std::vector<double> xs = {1, 2, 3, 4, 5, 6, 7, 8}, ys = {100, 50, 20, 15, 12, 10, 9, 8};
  EXPECT_EQ(knee_index(xs, ys), 2);
  EXPECT_EQ(knee_index({1, 2, 3}, {5, 5, 5}), -1);
}

TEST(ChooseK, RejectsBadRanges) {
  const auto b = testing::make_blobs({.n = 30, .k = 2, .d = 2, .seed = 1});
  ChooseKOptions o;
  o.k_min = 1;
  EXPECT_EQ(choose_k(Context(1, 0), b.x.cview(), o, kmeans_at(b.x.cview())).status().where(), "--k-min");
  o.k_min = 5;
  o.k_max = 4;
  EXPECT_EQ(choose_k(Context(1, 0), b.x.cview(), o, kmeans_at(b.x.cview())).status().where(), "--k-max");
  o.k_max = 40;
  EXPECT_EQ(choose_k(Context(1, 0), b.x.cview(), o, kmeans_at(b.x.cview())).status().where(), "--k-max");
}

}  // namespace
}  // namespace kohort::select
