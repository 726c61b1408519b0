#include "kohort/cluster/minibatch_kmeans.h"

#include <gtest/gtest.h>

#include "common/fixtures.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/select/compare.h"

namespace kohort::cluster {
namespace {

TEST(MiniBatchKMeans, RecoversBlobsCloseToFullKMeansAndIsThreadIndependent) {
  const auto b = testing::make_blobs({.n = 30000, .k = 6, .d = 5, .seed = 8, .spread = 12, .sd = 1.5, .unequal = true});
  MiniBatchOptions o;
  o.n_clusters = 6;
  std::vector<std::int32_t> l1, l4;
  double in1 = 0, in4 = 0;
  ASSERT_TRUE(fit_minibatch_kmeans(Context(1, 2), b.x.cview(), o, &l1, &in1).ok());
  ASSERT_TRUE(fit_minibatch_kmeans(Context(4, 2), b.x.cview(), o, &l4, &in4).ok());
  EXPECT_EQ(l1, l4);
  EXPECT_EQ(in1, in4);
  EXPECT_GT(*select::adjusted_rand_index(l1, b.truth), 0.95);
  KMeansOptions ko;
  ko.n_clusters = 6;
  const auto full = fit_kmeans(Context(2, 2), b.x.cview(), ko);
  ASSERT_TRUE(full.ok());
  EXPECT_LT(in1, 1.05 * full->inertia);
}

TEST(MiniBatchKMeans, PartialFitOverAStreamOfChunks) {
  const auto b = testing::make_blobs({.n = 20000, .k = 4, .d = 3, .seed = 9, .spread = 10, .sd = 1.0});
  const Context ctx(2, 5);
  auto st = minibatch_start(ctx, b.x.cview().rows_range(0, 2000), 4);
  ASSERT_TRUE(st.ok());
  for (int epoch = 0; epoch < 3; ++epoch)
    for (index_t s = 0; s < 20000; s += 1000)
      ASSERT_TRUE(minibatch_partial_fit(ctx, *st, b.x.cview().rows_range(s, s + 1000)).ok());
  const auto labels = assign_kmeans(ctx, st->centers.cview(), b.x.cview());
  ASSERT_TRUE(labels.ok());
  EXPECT_GT(*select::adjusted_rand_index(*labels, b.truth), 0.95);
  Matrix<float> wrong(10, 2);
  EXPECT_EQ(minibatch_partial_fit(ctx, *st, wrong.cview()).status().code(), Code::invalid_input);
}

}  // namespace
}  // namespace kohort::cluster
