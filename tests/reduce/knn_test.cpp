#include "kohort/reduce/knn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/fixtures.h"

namespace kohort::reduce {
namespace {

// The naive twin: all distances in double, sorted; self first.
struct Naive {
  std::vector<std::int32_t> idx;
  std::vector<double> dist;
};
Naive naive_knn(MatrixView<const float> data, MatrixView<const float> q, int k, bool self) {
  Naive out;
  for (index_t i = 0; i < q.rows; ++i) {
    std::vector<std::pair<double, std::int32_t>> all;
    for (index_t j = 0; j < data.rows; ++j) {
      if (self && j == i) continue;
      double s = 0;
      for (index_t c = 0; c < data.cols; ++c) {
        const double t = static_cast<double>(q(i, c)) - data(j, c);
        s += t * t;
      }
      all.push_back({std::sqrt(s), static_cast<std::int32_t>(j)});
    }
    std::sort(all.begin(), all.end());
    if (self) {
      out.idx.push_back(static_cast<std::int32_t>(i));
      out.dist.push_back(0);
    }
    for (int t = 0; t < k - (self ? 1 : 0); ++t) {
      out.idx.push_back(all[static_cast<std::size_t>(t)].second);
      out.dist.push_back(all[static_cast<std::size_t>(t)].first);
    }
  }
  return out;
}

double recall(const KnnGraph& g, const KnnGraph& truth) {
  long long hit = 0, total = 0;
  for (index_t i = 0; i < g.n; ++i)
    for (int a = 0; a < truth.k; ++a) {
      const auto want = truth.index(i, a);
      if (want == i) continue;
      ++total;
      for (int b = 0; b < g.k; ++b) hit += g.index(i, b) == want ? 1 : 0;
    }
  return static_cast<double>(hit) / static_cast<double>(total);
}

TEST(Knn, ExactMatchesScikitLearnNearestNeighbors) {
  const auto j = testing::load_json("reduce/umap_fuzzy_300x5.json");
  const auto x = testing::load_csv_matrix("reduce/" + j["data"].get<std::string>());
  const auto ind = j["knn_indices"].get<std::vector<std::vector<int>>>();
  const auto dist = j["knn_dists"].get<std::vector<std::vector<double>>>();
  KnnOptions o;
  o.n_neighbors = 15;
  o.method = KnnMethod::exact;
  const auto g = knn_graph(Context(2, 0), x.cview(), o);
  ASSERT_TRUE(g.ok()) << g.status().message();
  ASSERT_TRUE(g->exact);
  for (index_t i = 0; i < 300; ++i)
    for (int t = 0; t < 15; ++t) {
      EXPECT_EQ(g->index(i, t), ind[static_cast<std::size_t>(i)][static_cast<std::size_t>(t)]) << i << "," << t;
      EXPECT_NEAR(g->distance(i, t), dist[static_cast<std::size_t>(i)][static_cast<std::size_t>(t)], 1e-5) << j["source"];
    }
}

TEST(Knn, ExactMatchesNaiveTwinOverAwkwardShapes) {
  for (index_t d : {1, 3, 16, 17})
    for (index_t n : {2, 16, 257, 2100}) {
      if (d == 1 && n > 300) continue;  // 1-d ties make the order ambiguous
      const auto b = testing::make_blobs({.n = n, .k = 3, .d = d, .seed = static_cast<std::uint64_t>(n + d)});
      const int k = static_cast<int>(std::min<index_t>(n, 15));
      KnnOptions o;
      o.n_neighbors = k;
      o.method = KnnMethod::exact;
      const auto g = knn_graph(Context(2, 0), b.x.cview(), o);
      ASSERT_TRUE(g.ok());
      const Naive want = naive_knn(b.x.cview(), b.x.cview(), k, true);
      for (std::size_t t = 0; t < want.idx.size(); ++t) {
        EXPECT_NEAR(g->distances[t], want.dist[t], 1e-5 * (1 + want.dist[t])) << "n " << n << " d " << d;
        if (t % static_cast<std::size_t>(k) + 1 < static_cast<std::size_t>(k) &&
            std::fabs(want.dist[t + 1] - want.dist[t]) > 1e-4 && (t % static_cast<std::size_t>(k) == 0 ||
            std::fabs(want.dist[t] - want.dist[t - 1]) > 1e-4)) {
          EXPECT_EQ(g->indices[t], want.idx[t]) << "n " << n << " d " << d;
        }
      }
    }
}

TEST(Knn, NnDescentRecallAtLeastNinetyPercent) {
  // 8000 rows × 16 dims in 10 blobs; measured recall ≈ 0.99 (stated bound 0.9).
  const auto b = testing::make_blobs({.n = 8000, .k = 10, .d = 16, .seed = 5, .sd = 2.0});
  KnnOptions o;
  o.method = KnnMethod::nn_descent;
  const auto approx = knn_graph(Context(2, 3), b.x.cview(), o);
  o.method = KnnMethod::exact;
  const auto exact = knn_graph(Context(2, 3), b.x.cview(), o);
  ASSERT_TRUE(approx.ok() && exact.ok());
  EXPECT_FALSE(approx->exact);
  EXPECT_GT(approx->iterations, 0);
  const double r = recall(*approx, *exact);
  EXPECT_GE(r, 0.9);
  std::printf("nn-descent recall %.4f after %d iterations\n", r, approx->iterations);
  for (index_t i = 0; i < approx->n; ++i) {
    EXPECT_EQ(approx->index(i, 0), i);
    for (int t = 1; t < approx->k; ++t) ASSERT_LE(approx->distance(i, t - 1), approx->distance(i, t));
  }
  // Without the random projection forest the local joins still converge.
  o.method = KnnMethod::nn_descent;
  o.n_trees = -1;
  const auto plain = knn_graph(Context(2, 3), b.x.cview(), o);
  ASSERT_TRUE(plain.ok());
  EXPECT_GE(recall(*plain, *exact), 0.9);
}

TEST(Knn, NnDescentSameGraphAtOneAndTwoThreads) {
  const auto b = testing::make_blobs({.n = 5000, .k = 6, .d = 9, .seed = 8, .sd = 2.0});
  KnnOptions o;
  o.method = KnnMethod::nn_descent;
  o.n_neighbors = 10;
  const auto one = knn_graph(Context(1, 42), b.x.cview(), o);
  const auto two = knn_graph(Context(2, 42), b.x.cview(), o);
  const auto three = knn_graph(Context(3, 42), b.x.cview(), o);
  ASSERT_TRUE(one.ok() && two.ok() && three.ok());
  EXPECT_EQ(one->indices, two->indices);
  EXPECT_EQ(one->distances, two->distances);
  EXPECT_EQ(one->indices, three->indices);
}

TEST(Knn, QueryBySearchFindsTheExactNeighbours) {
  const auto b = testing::make_blobs({.n = 6000, .k = 8, .d = 12, .seed = 9, .sd = 2.0});
  const MatrixView<const float> data = b.x.cview().rows_range(0, 5000);
  const MatrixView<const float> q = b.x.cview().rows_range(5000, 6000);
  KnnOptions o;
  o.method = KnnMethod::nn_descent;
  const auto g = knn_graph(Context(2, 1), data, o);
  ASSERT_TRUE(g.ok());
  const auto exact = knn_query(Context(2, 1), data, q, 15);
  const auto searched = knn_query(Context(2, 1), data, q, 15, &*g, 1000);
  const auto searched1 = knn_query(Context(1, 1), data, q, 15, &*g, 1000);
  ASSERT_TRUE(exact.ok() && searched.ok() && searched1.ok());
  EXPECT_TRUE(exact->exact);
  const Naive want = naive_knn(data, q, 15, false);
  for (std::size_t t = 0; t < want.dist.size(); ++t) EXPECT_NEAR(exact->distances[t], want.dist[t], 1e-4);
  long long hit = 0;
  for (index_t i = 0; i < 1000; ++i)
    for (int a = 0; a < 15; ++a)
      for (int c = 0; c < 15; ++c) hit += searched->index(i, a) == exact->index(i, c) ? 1 : 0;
  const double r = static_cast<double>(hit) / (1000.0 * 15);
  std::printf("graph search recall %.4f\n", r);
  EXPECT_GE(r, 0.9);
  EXPECT_EQ(searched->indices, searched1->indices);
}

TEST(Knn, RejectsBadCountsAndNonFiniteValues) {
  Matrix<float> x(5, 2);
  for (index_t i = 0; i < 5; ++i) x(i, 0) = static_cast<float>(i);
  KnnOptions o;
  o.n_neighbors = 6;
  auto r = knn_graph(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_EQ(r.status().what(), "6 neighbours asked of 5 rows");
  o.n_neighbors = 1;
  EXPECT_EQ(knn_graph(Context(1, 0), x.cview(), o).status().code(), Code::invalid_argument);
  o.n_neighbors = 5;
  x(3, 1) = std::numeric_limits<float>::quiet_NaN();
  r = knn_graph(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_input);
  EXPECT_EQ(r.status().where(), "input row 4, column 2");
}

}  // namespace
}  // namespace kohort::reduce
