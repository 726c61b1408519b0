#include "kohort/cluster/ward.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/fixtures.h"
#include "kohort/select/compare.h"

namespace kohort::cluster {
namespace {

TEST(Ward, MatchesScipyHeightsAndScikitLearnCuts) {
  const auto j = testing::load_json("cluster/ward_blobs_600x5_k4.json");
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  const auto tree = fit_ward(Context(2, 0), x.cview());
  ASSERT_TRUE(tree.ok()) << tree.status().message();
  const auto heights = j["heights"].get<std::vector<double>>();
  const auto sizes = j["sizes"].get<std::vector<double>>();
  ASSERT_EQ(tree->merges.size(), heights.size());
  for (std::size_t m = 0; m < heights.size(); ++m) {
    ASSERT_NEAR(tree->merges[m].height, heights[m], 1e-6 * (1 + heights[m])) << "merge " << m;
    ASSERT_EQ(tree->merges[m].size, sizes[m]) << "merge " << m;
  }
  for (const auto& [k, labels] : j["labels"].items()) {
    const auto cut = cut_ward(*tree, std::stoi(k));
    ASSERT_TRUE(cut.ok());
    EXPECT_DOUBLE_EQ(*select::adjusted_rand_index(*cut, labels.get<std::vector<std::int32_t>>()), 1.0)
        << "k = " << k << "; " << j["source"];
  }
}

// Naive twin: greedy agglomeration that tries every pair at every step.
std::vector<double> naive_heights(MatrixView<const float> x) {
  const index_t n = x.rows, d = x.cols;
  std::vector<std::vector<double>> c(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(d)));
  std::vector<double> w(static_cast<std::size_t>(n), 1.0);
  std::vector<bool> alive(static_cast<std::size_t>(n), true);
  for (index_t i = 0; i < n; ++i)
    for (index_t t = 0; t < d; ++t) c[static_cast<std::size_t>(i)][static_cast<std::size_t>(t)] = x(i, t);
  std::vector<double> h;
  for (index_t step = 0; step + 1 < n; ++step) {
    double best = 1e300;
    std::size_t ba = 0, bb = 0;
    for (std::size_t a = 0; a < c.size(); ++a)
      for (std::size_t b = a + 1; b < c.size(); ++b) {
        if (!alive[a] || !alive[b]) continue;
        double q = 0;
        for (std::size_t t = 0; t < c[a].size(); ++t) q += (c[a][t] - c[b][t]) * (c[a][t] - c[b][t]);
        const double cost = w[a] * w[b] / (w[a] + w[b]) * q;
        if (cost < best) {
          best = cost;
          ba = a;
          bb = b;
        }
      }
    for (std::size_t t = 0; t < c[ba].size(); ++t) c[ba][t] = (w[ba] * c[ba][t] + w[bb] * c[bb][t]) / (w[ba] + w[bb]);
    w[ba] += w[bb];
    alive[bb] = false;
    h.push_back(std::sqrt(2 * best));
  }
  std::sort(h.begin(), h.end());
  return h;
}

TEST(Ward, NearestNeighbourChainMatchesGreedyTwinAndIsThreadIndependent) {
  for (index_t n : {2, 3, 17, 120}) {
    const auto b = testing::make_blobs({.n = n, .k = 3, .d = 3, .seed = static_cast<std::uint64_t>(n), .sd = 2.0});
    const auto one = fit_ward(Context(1, 0), b.x.cview());
    const auto four = fit_ward(Context(4, 0), b.x.cview());
    ASSERT_TRUE(one.ok() && four.ok());
    const auto naive = naive_heights(b.x.cview());
    for (std::size_t m = 0; m < naive.size(); ++m) {
      EXPECT_NEAR(one->merges[m].height, naive[m], 1e-9 * (1 + naive[m]));
      EXPECT_EQ(one->merges[m].height, four->merges[m].height);
      EXPECT_EQ(one->merges[m].a, four->merges[m].a);
    }
  }
}

TEST(Ward, LargeInputsMergeMicroClustersAndCutAtAnyK) {
  const auto b = testing::make_blobs({.n = 6000, .k = 5, .d = 4, .seed = 3, .spread = 15, .sd = 1.0, .unequal = true});
  WardOptions o;
  o.exact_max_rows = 1000;
  o.micro_clusters = 200;
  const auto tree = fit_ward(Context(2, 4), b.x.cview(), o);
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->leaves, 200);
  EXPECT_EQ(tree->leaf_of_row.size(), 6000u);
  const auto five = cut_ward(*tree, 5);
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(five->size(), 6000u);
  EXPECT_GT(*select::adjusted_rand_index(*five, b.truth), 0.95);
  const auto fine = cut_ward(*tree, 25);
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(*std::max_element(fine->begin(), fine->end()), 24);
  EXPECT_EQ(cut_ward(*tree, 201).status().code(), Code::invalid_argument);
}

}  // namespace
}  // namespace kohort::cluster
