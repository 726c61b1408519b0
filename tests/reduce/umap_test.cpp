#include "kohort/reduce/umap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include "common/fixtures.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/select/compare.h"

namespace kohort::reduce {
namespace {

// sklearn.manifold.trustworthiness (Venna & Kaski 2001), written out naively.
double trustworthiness(MatrixView<const float> x, MatrixView<const float> y, int k) {
  const index_t n = x.rows;
  auto sq = [](MatrixView<const float> m, index_t a, index_t b) {
    double s = 0;
    for (index_t c = 0; c < m.cols; ++c) {
      const double t = static_cast<double>(m(a, c)) - m(b, c);
      s += t * t;
    }
    return s;
  };
  double t = 0;
  std::vector<index_t> order(static_cast<std::size_t>(n)), rank(static_cast<std::size_t>(n));
  std::vector<double> dx(static_cast<std::size_t>(n)), dy(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) {
    for (index_t j = 0; j < n; ++j) {
      dx[static_cast<std::size_t>(j)] = j == i ? INFINITY : sq(x, i, j);
      dy[static_cast<std::size_t>(j)] = j == i ? INFINITY : sq(y, i, j);
    }
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) { return dx[static_cast<std::size_t>(a)] < dx[static_cast<std::size_t>(b)]; });
    for (index_t r = 0; r < n; ++r) rank[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] = r + 1;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](index_t a, index_t b) {
      return dy[static_cast<std::size_t>(a)] != dy[static_cast<std::size_t>(b)] ? dy[static_cast<std::size_t>(a)] < dy[static_cast<std::size_t>(b)] : a < b;
    });
    for (int a = 0; a < k; ++a) {
      const double r = static_cast<double>(rank[static_cast<std::size_t>(order[static_cast<std::size_t>(a)])]) - k;
      if (r > 0) t += r;
    }
  }
  const double nn = static_cast<double>(n);
  return 1.0 - t * (2.0 / (nn * k * (2.0 * nn - 3.0 * k - 1.0)));
}

std::vector<std::int32_t> load_labels(const std::string& rel) {
  std::ifstream f(testing::fixture_path(rel));
  std::vector<std::int32_t> out;
  int v = 0;
  while (f >> v) out.push_back(v);
  return out;
}

double kmeans_ari(const Matrix<float>& emb, const std::vector<std::int32_t>& truth, int k) {
  cluster::KMeansOptions o;
  o.n_clusters = k;
  o.n_init = 10;
  const auto fit = cluster::fit_kmeans(Context(1, 0), emb.cview(), o);
  EXPECT_TRUE(fit.ok());
  return *select::adjusted_rand_index(fit->labels, truth);
}

TEST(Umap, FindAbParamsMatchesUmapLearn) {
  const auto j = testing::load_json("reduce/umap_ab_params.json");
  for (const auto& c : j["cases"]) {
    const auto ab = find_ab_params(c["spread"].get<double>(), c["min_dist"].get<double>());
    ASSERT_TRUE(ab.ok());
    EXPECT_NEAR(ab->a, c["a"].get<double>(), 1e-5 * c["a"].get<double>()) << c.dump() << j["source"];
    EXPECT_NEAR(ab->b, c["b"].get<double>(), 1e-5 * c["b"].get<double>()) << c.dump();
  }
  EXPECT_EQ(find_ab_params(0, 0.1).status().code(), Code::invalid_argument);
  EXPECT_EQ(find_ab_params(1, -0.1).status().code(), Code::invalid_argument);
}

TEST(Umap, FuzzySimplicialSetMatchesUmapLearnOnTheSameNeighbours) {
  const auto j = testing::load_json("reduce/umap_fuzzy_300x5.json");
  const auto ind = j["knn_indices"].get<std::vector<std::vector<int>>>();
  const auto dist = j["knn_dists"].get<std::vector<std::vector<float>>>();
  KnnGraph knn;
  knn.n = 300;
  knn.k = 15;
  for (std::size_t i = 0; i < 300; ++i)
    for (std::size_t t = 0; t < 15; ++t) {
      knn.indices.push_back(ind[i][t]);
      knn.distances.push_back(dist[i][t]);
    }
  const auto g = fuzzy_simplicial_set(Context(2, 0), knn);
  ASSERT_TRUE(g.ok());
  const auto sigmas = j["sigmas"].get<std::vector<double>>();
  const auto rhos = j["rhos"].get<std::vector<double>>();
  for (std::size_t i = 0; i < 300; ++i) {
    // umap-learn's kernel is compiled with fastmath (its float32 sum may be reassociated), so
    // the bisection can stop a step apart: a few float32 ulps.
    EXPECT_NEAR(g->sigmas[i], sigmas[i], 1e-5 * sigmas[i]) << i << " " << j["source"];
    EXPECT_EQ(g->rhos[i], static_cast<float>(rhos[i])) << i;
  }
  std::map<std::pair<int, int>, double> want;
  const auto rows = j["graph_rows"].get<std::vector<int>>();
  const auto cols = j["graph_cols"].get<std::vector<int>>();
  const auto vals = j["graph_vals"].get<std::vector<double>>();
  for (std::size_t t = 0; t < rows.size(); ++t) want[{rows[t], cols[t]}] += vals[t];
  std::size_t got = 0;
  for (index_t i = 0; i < 300; ++i)
    for (auto u = g->row_start[static_cast<std::size_t>(i)]; u < g->row_start[static_cast<std::size_t>(i + 1)]; ++u) {
      const auto it = want.find({static_cast<int>(i), g->cols[static_cast<std::size_t>(u)]});
      ASSERT_NE(it, want.end()) << i << " -> " << g->cols[static_cast<std::size_t>(u)];
      EXPECT_NEAR(g->weights[static_cast<std::size_t>(u)], it->second, 1e-5);
      if (u > g->row_start[static_cast<std::size_t>(i)]) {
        EXPECT_LT(g->cols[static_cast<std::size_t>(u - 1)], g->cols[static_cast<std::size_t>(u)]);
      }
      ++got;
    }
  EXPECT_EQ(got, want.size());
}

TEST(Umap, BlobsKeepTheirNeighboursAndStaySeparated) {
  const auto j = testing::load_json("reduce/umap_quality.json");
  const auto& f = j["blobs"];
  const auto x = testing::load_csv_matrix("reduce/" + f["data"].get<std::string>());
  const auto truth = load_labels("reduce/" + f["labels"].get<std::string>());
  const auto fit = fit_umap(Context(2, 42), x.cview(), {});
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_EQ(fit->init, "spectral");
  EXPECT_EQ(fit->n_epochs, 500);
  const double ours = trustworthiness(x.cview(), fit->embedding.cview(), 15);
  const double ref = f["trustworthiness"].get<double>();
  std::printf("blobs trustworthiness: kohort %.4f, umap-learn %.4f\n", ours, ref);
  EXPECT_GE(ours, ref - 0.01) << j["source"];
  EXPECT_GT(kmeans_ari(fit->embedding, truth, f["k"].get<int>()), 0.9);
}

TEST(Umap, SwissRollTrustworthinessNearUmapLearn) {
  const auto j = testing::load_json("reduce/umap_quality.json");
  const auto& f = j["swiss_roll"];
  const auto x = testing::load_csv_matrix("reduce/" + f["data"].get<std::string>());
  const auto fit = fit_umap(Context(2, 42), x.cview(), {});
  ASSERT_TRUE(fit.ok());
  const double ours = trustworthiness(x.cview(), fit->embedding.cview(), 15);
  const double ref = f["trustworthiness"].get<double>();
  std::printf("swiss roll trustworthiness: kohort %.4f, umap-learn %.4f\n", ours, ref);
  EXPECT_GE(ours, ref - 0.01) << j["source"];
}

TEST(Umap, SameSeedSameEmbeddingAtOneAndTwoThreads) {
  // NN-descent forced (exact_max_rows 0) so that every random part is exercised.
  const auto b = testing::make_blobs({.n = 3000, .k = 5, .d = 8, .seed = 3, .sd = 2.0});
  UmapOptions o;
  o.knn.exact_max_rows = 0;
  o.n_epochs = 100;
  o.seed = 99;
  const auto one = fit_umap(Context(1, 0), b.x.cview(), o);
  const auto two = fit_umap(Context(2, 0), b.x.cview(), o);
  ASSERT_TRUE(one.ok() && two.ok());
  ASSERT_FALSE(one->knn.exact);
  ASSERT_EQ(one->embedding.size(), two->embedding.size());
  for (std::size_t t = 0; t < one->embedding.size(); ++t)
    ASSERT_EQ(one->embedding.data()[t], two->embedding.data()[t]) << t;
  const auto placed1 = transform_umap(Context(1, 0), *one, b.x.cview().rows_range(0, 200));
  const auto placed2 = transform_umap(Context(2, 0), *two, b.x.cview().rows_range(0, 200));
  ASSERT_TRUE(placed1.ok() && placed2.ok());
  for (std::size_t t = 0; t < placed1->size(); ++t) ASSERT_EQ(placed1->data()[t], placed2->data()[t]);
  // Another seed gives another embedding.
  o.seed = 100;
  const auto other = fit_umap(Context(1, 0), b.x.cview(), o);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(std::vector<float>(one->embedding.data(), one->embedding.data() + 20),
            std::vector<float>(other->embedding.data(), other->embedding.data() + 20));
}

TEST(Umap, TransformPlacesNewRowsAmongTheirBlob) {
  const auto j = testing::load_json("reduce/umap_quality.json");
  const auto& f = j["blobs"];
  const auto x = testing::load_csv_matrix("reduce/" + f["data"].get<std::string>());
  const auto truth = load_labels("reduce/" + f["labels"].get<std::string>());
  const auto fit = fit_umap(Context(2, 42), x.cview().rows_range(0, 1200), {});
  ASSERT_TRUE(fit.ok());
  const Matrix<float> before = fit->embedding.clone();
  const auto placed = transform_umap(Context(2, 0), *fit, x.cview().rows_range(1200, 1500));
  ASSERT_TRUE(placed.ok()) << placed.status().message();
  ASSERT_EQ(placed->rows(), 300);
  for (std::size_t t = 0; t < before.size(); ++t) ASSERT_EQ(before.data()[t], fit->embedding.data()[t]);
  int agree = 0;
  for (index_t i = 0; i < 300; ++i) {
    index_t best = 0;
    double bd = INFINITY;
    for (index_t r = 0; r < 1200; ++r) {
      const double dx = (*placed)(i, 0) - fit->embedding(r, 0), dy = (*placed)(i, 1) - fit->embedding(r, 1);
      if (dx * dx + dy * dy < bd) bd = dx * dx + dy * dy, best = r;
    }
    agree += truth[static_cast<std::size_t>(best)] == truth[static_cast<std::size_t>(1200 + i)] ? 1 : 0;
  }
  const double share = agree / 300.0;
  const double tw = trustworthiness(x.cview().rows_range(1200, 1500), placed->cview(), 15);
  std::printf("transform: agreement %.4f (umap-learn %.4f), trustworthiness %.4f (umap-learn %.4f)\n", share,
              f["transform_agreement"].get<double>(), tw, f["transform_trustworthiness"].get<double>());
  EXPECT_GE(share, f["transform_agreement"].get<double>() - 0.02) << j["source"];
  EXPECT_GE(tw, f["transform_trustworthiness"].get<double>() - 0.02);
  const auto wrong = transform_umap(Context(1, 0), *fit, x.cview().rows_range(0, 5).rows_range(0, 5));
  EXPECT_TRUE(wrong.ok());
  Matrix<float> narrow(3, 4);
  EXPECT_EQ(transform_umap(Context(1, 0), *fit, narrow.cview()).status().code(), Code::invalid_input);
}

TEST(Umap, DisconnectedBlobsAreLaidOutApart) {
  // Four far-apart blobs with 5 neighbours: the graph has four components.
  const auto b = testing::make_blobs({.n = 800, .k = 4, .d = 6, .seed = 21, .spread = 200.0, .sd = 1.0});
  UmapOptions o;
  o.n_neighbors = 5;
  o.n_epochs = 200;
  o.n_components = 3;
  const auto fit = fit_umap(Context(2, 1), b.x.cview(), o);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->init, "spectral");
  ASSERT_EQ(fit->embedding.cols(), 3);
  for (std::size_t t = 0; t < fit->embedding.size(); ++t) ASSERT_TRUE(std::isfinite(fit->embedding.data()[t]));
  EXPECT_GT(kmeans_ari(fit->embedding, b.truth, 4), 0.99);
}

TEST(Umap, RandomInitAndTinyInputs) {
  const auto b = testing::make_blobs({.n = 400, .k = 3, .d = 4, .seed = 2});
  UmapOptions o;
  o.init = UmapInit::random;
  o.n_epochs = 200;
  const auto fit = fit_umap(Context(1, 5), b.x.cview(), o);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->init, "random");
  EXPECT_GT(kmeans_ari(fit->embedding, b.truth, 3), 0.9);
  // Three rows: n_neighbors capped at 3, spectral impossible in 2-D → random with a reason.
  const auto tiny = fit_umap(Context(1, 5), b.x.cview().rows_range(0, 3), {});
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(tiny->options.n_neighbors, 3);
  EXPECT_EQ(tiny->init, "random: 3 rows are too few for a 2-dimensional spectral layout");
  Matrix<float> one_row(1, 3);
  EXPECT_EQ(fit_umap(Context(1, 0), one_row.cview(), {}).status().code(), Code::invalid_input);
  o.n_components = 0;
  EXPECT_EQ(fit_umap(Context(1, 0), b.x.cview(), o).status().code(), Code::invalid_argument);
}

TEST(Umap, ParsesAndRejectsReduceSpecs) {
  EXPECT_EQ(parse_umap("umap:3")->n_components, 3);
  EXPECT_EQ(parse_umap("umap")->n_components, 2);
  for (const char* bad : {"umap:", "umap:0", "umap:9", "umap:2.5", "pca:2", "umapx"}) {
    const auto r = parse_umap(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().where(), "--reduce");
  }
}

}  // namespace
}  // namespace kohort::reduce
