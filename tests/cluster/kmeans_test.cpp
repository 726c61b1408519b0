#include "kohort/cluster/kmeans.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "common/fixtures.h"
#include "kohort/cluster/internal/distance.h"
#include "kohort/select/compare.h"

namespace kohort::cluster {
namespace {

using testing::BlobSpec;
using testing::make_blobs;

// Naive twin of the blocked SGEMM nearest-centre kernel: direct double-precision distances.
void naive_nearest(MatrixView<const float> x, MatrixView<const float> c,
                   std::vector<std::int32_t>& lab, std::vector<double>& dist) {
  lab.resize(static_cast<std::size_t>(x.rows));
  dist.resize(static_cast<std::size_t>(x.rows));
  for (index_t i = 0; i < x.rows; ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (index_t j = 0; j < c.rows; ++j) {
      double q = 0;
      for (index_t t = 0; t < x.cols; ++t) {
        const double v = static_cast<double>(x(i, t)) - c(j, t);
        q += v * v;
      }
      if (q < best) {
        best = q;
        lab[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(j);
      }
    }
    dist[static_cast<std::size_t>(i)] = best;
  }
}

TEST(KMeansKernel, NearestMatchesNaiveTwinOnAwkwardShapes) {
  const Context ctx(2, 1);
  for (index_t d : {1, 2, 3, 7, 8, 9, 15, 16, 17, 33}) {
    for (index_t n : {1, 5, 511, 513, 4097}) {
      for (int k : {1, 3, 17}) {
        Rng rng(static_cast<std::uint64_t>(d * 1000 + n), "test");
        Matrix<float> x(n, d), c(k, d);
        for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
        for (std::size_t i = 0; i < c.size(); ++i) c.data()[i] = static_cast<float>(3 * rng.normal());
        std::vector<std::int32_t> lab(static_cast<std::size_t>(n)), nl;
        std::vector<float> md(static_cast<std::size_t>(n));
        std::vector<double> nd;
        const auto xn = internal::row_norms(ctx, x.cview());
        const auto cn = internal::row_norms(ctx, c.cview());
        internal::nearest(ctx, x.cview(), xn, c.cview(), cn, lab, md);
        naive_nearest(x.cview(), c.cview(), nl, nd);
        for (index_t i = 0; i < n; ++i) {
          const auto u = static_cast<std::size_t>(i);
          // Labels may differ only on near-ties; the distance must then be as small.
          if (lab[u] != nl[u]) {
            double q = 0;
            for (index_t t = 0; t < d; ++t) {
              const double v = static_cast<double>(x(i, t)) - c(lab[u], t);
              q += v * v;
            }
            ASSERT_NEAR(q, nd[u], 1e-4 * (1 + nd[u])) << "d=" << d << " n=" << n << " k=" << k;
          }
          ASSERT_NEAR(md[u], nd[u], 1e-4 * (1 + nd[u]) * d);
        }
      }
    }
  }
}

void expect_matches_sklearn(const std::string& fixture) {
  const auto j = testing::load_json("cluster/" + fixture);
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  const int k = j["k"];
  Matrix<float> init(k, x.cols());
  const auto rows = j["init_rows"].get<std::vector<int>>();
  for (int c = 0; c < k; ++c)
    std::copy(x.row(rows[static_cast<std::size_t>(c)]), x.row(rows[static_cast<std::size_t>(c)]) + x.cols(), init.row(c));
  KMeansOptions o;
  o.n_clusters = k;
  o.initial_centers = &init;
  o.algorithm = KMeansAlgorithm::lloyd;
  const auto fit = fit_kmeans(Context(2, 0), x.cview(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_EQ(fit->labels, j["labels"].get<std::vector<std::int32_t>>()) << j["source"];
  EXPECT_NEAR(fit->inertia, j["inertia"].get<double>(), 1e-5 * j["inertia"].get<double>());
  EXPECT_EQ(fit->n_iter, j["n_iter"].get<int>());
  const auto centers = j["centers"].get<std::vector<std::vector<double>>>();
  for (int c = 0; c < k; ++c)
    for (index_t t = 0; t < x.cols(); ++t)
      EXPECT_NEAR(fit->centers(c, t), centers[static_cast<std::size_t>(c)][static_cast<std::size_t>(t)], 1e-4);
}

// nearest_two's label is the direct distance's argmin (ties to the lower index), also for rows
// on a boundary, on a centre, far away, and with two centres equal; whatever the thread count
// and wherever the row sits in the matrix.
TEST(KMeansKernel, NearestTwoIsTheDirectArgminAtAnyThreadCountAndPosition) {
  const index_t k = 7, d = 37, n = 20000;
  Matrix<float> c(k, d), x(n, d);
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (index_t s = 0; s < k; ++s)
    for (index_t j = 0; j < d; ++j) c(s, j) = s == 6 ? c(2, j) : 3.0f * g(rng);  // centre 6 equals centre 2
  for (index_t i = 0; i < n; ++i) {
    const index_t a = i % k, b = (i / k) % k;
    for (index_t j = 0; j < d; ++j) {
      const float mid = 0.5f * (c(a, j) + c(b, j));  // every third row on the bisector of a and b
      x(i, j) = i % 3 == 0 ? mid : i % 3 == 1 ? c(a, j) + 0.3f * g(rng) : 1e3f * g(rng);
    }
  }
  std::vector<float> dist(static_cast<std::size_t>(k));
  const auto one = nearest_two(Context(1, 1), c.cview(), x.cview());
  const auto two = nearest_two(Context(2, 1), c.cview(), x.cview());
  const auto tail = nearest_two(Context(2, 1), c.cview(), x.cview().rows_range(777, n));
  ASSERT_TRUE(one.ok() && two.ok() && tail.ok());
  for (index_t i = 0; i < n; ++i) {
    distances_to_centres(x.row(i), c.cview(), dist.data());
    const auto want = static_cast<std::int32_t>(std::min_element(dist.begin(), dist.end()) - dist.begin());
    ASSERT_EQ((*one)[static_cast<std::size_t>(i)].first, want) << "row " << i;
    ASSERT_EQ((*two)[static_cast<std::size_t>(i)].first, want) << "row " << i;
    if (i >= 777) {
      ASSERT_EQ((*tail)[static_cast<std::size_t>(i - 777)].first, want) << "row " << i;
    }
    const auto& r = (*one)[static_cast<std::size_t>(i)];
    ASSERT_NE(r.second, r.first);
    EXPECT_LE(r.d1, r.d2);
    EXPECT_NEAR(r.d1, dist[static_cast<std::size_t>(want)], 1e-3f * (1.0f + dist[static_cast<std::size_t>(want)]));
  }
  const Matrix<float> narrow(3, d - 1);
  EXPECT_EQ(nearest_two(Context(1, 1), c.cview(), narrow.cview()).status().code(), Code::invalid_input);
}

TEST(KMeans, MatchesScikitLearnLloydFromTheSameCentres) {
  expect_matches_sklearn("kmeans_blobs_600x5_k4.json");
  expect_matches_sklearn("kmeans_blobs_2000x9_k7.json");
}

TEST(KMeans, HamerlyGivesLloydsPartition) {
  // Hamerly measures distances directly, Lloyd through the SGEMM expansion: the two may part
  // only on rows whose two nearest centres tie to rounding, so allow a handful of such rows.
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto b = make_blobs({.n = 5000, .k = 12, .d = 9, .seed = seed, .sd = 4.0, .unequal = true});
    for (int k : {1, 2, 12, 25}) {
      KMeansOptions o;
      o.n_clusters = k;
      o.n_init = 1;
      o.algorithm = KMeansAlgorithm::lloyd;
      const auto lloyd = fit_kmeans(Context(2, seed), b.x.cview(), o);
      o.algorithm = KMeansAlgorithm::hamerly;
      const auto ham = fit_kmeans(Context(2, seed), b.x.cview(), o);
      ASSERT_TRUE(lloyd.ok() && ham.ok());
      std::size_t differ = 0;
      for (std::size_t i = 0; i < ham->labels.size(); ++i) differ += ham->labels[i] != lloyd->labels[i];
      EXPECT_LE(differ, 5u) << "seed " << seed << " k " << k;
      EXPECT_NEAR(ham->inertia, lloyd->inertia, 1e-4 * lloyd->inertia);
      EXPECT_NEAR(ham->n_iter, lloyd->n_iter, 1 + lloyd->n_iter / 10);
    }
  }
}

TEST(KMeans, RecoversPlantedBlobsWithBothInitialisations) {
  const auto b = make_blobs({.n = 3000, .k = 6, .d = 4, .seed = 3, .spread = 12, .sd = 1.0});
  for (auto init : {KMeansInit::kmeans_pp, KMeansInit::kmeans_parallel}) {
    KMeansOptions o;
    o.n_clusters = 6;
    o.init = init;
    const auto fit = fit_kmeans(Context(2, 5), b.x.cview(), o);
    ASSERT_TRUE(fit.ok());
    EXPECT_GT(*select::adjusted_rand_index(fit->labels, b.truth), 0.95);
    EXPECT_TRUE(fit->converged);
  }
}

TEST(KMeans, SameLabelsAndInertiaAtOneAndFourThreads) {
  const auto b = make_blobs({.n = 40000, .k = 9, .d = 7, .seed = 4, .sd = 3.0, .unequal = true});
  for (auto init : {KMeansInit::kmeans_pp, KMeansInit::kmeans_parallel}) {
    KMeansOptions o;
    o.n_clusters = 9;
    o.init = init;
    const auto one = fit_kmeans(Context(1, 9), b.x.cview(), o);
    const auto four = fit_kmeans(Context(4, 9), b.x.cview(), o);
    ASSERT_TRUE(one.ok() && four.ok());
    EXPECT_EQ(one->labels, four->labels);
    EXPECT_EQ(one->inertia, four->inertia);
  }
}

TEST(KMeans, SameSeedSameResultDifferentSeedMayDiffer) {
  const auto b = make_blobs({.n = 2000, .k = 5, .d = 3, .seed = 8, .sd = 4.0});
  KMeansOptions o;
  o.n_clusters = 5;
  const auto a1 = fit_kmeans(Context(2, 1), b.x.cview(), o);
  const auto a2 = fit_kmeans(Context(2, 1), b.x.cview(), o);
  ASSERT_TRUE(a1.ok() && a2.ok());
  EXPECT_EQ(a1->labels, a2->labels);
  EXPECT_EQ(a1->inertia, a2->inertia);
}

TEST(KMeans, RowOrderAndUniformScalingDoNotChangeThePartition) {
  const auto b = make_blobs({.n = 1500, .k = 4, .d = 3, .seed = 12});
  Matrix<float> init(4, 3);
  for (int c = 0; c < 4; ++c) std::copy(b.x.row(c), b.x.row(c) + 3, init.row(c));
  KMeansOptions o;
  o.n_clusters = 4;
  o.initial_centers = &init;
  const auto base = fit_kmeans(Context(2, 0), b.x.cview(), o);
  ASSERT_TRUE(base.ok());
  // Reverse the rows (the init rows keep their values).
  Matrix<float> rev(b.x.rows(), 3);
  for (index_t i = 0; i < b.x.rows(); ++i) std::copy(b.x.row(b.x.rows() - 1 - i), b.x.row(b.x.rows() - 1 - i) + 3, rev.row(i));
  const auto r = fit_kmeans(Context(2, 0), rev.cview(), o);
  ASSERT_TRUE(r.ok());
  std::vector<std::int32_t> back(r->labels.rbegin(), r->labels.rend());
  EXPECT_EQ(back, base->labels);
  // Scale everything by 8 (exact in binary floating point).
  Matrix<float> big = b.x.clone(), big_init = init.clone();
  for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] *= 8;
  for (std::size_t i = 0; i < big_init.size(); ++i) big_init.data()[i] *= 8;
  o.initial_centers = &big_init;
  const auto s = fit_kmeans(Context(2, 0), big.cview(), o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->labels, base->labels);
  EXPECT_NEAR(s->inertia, 64 * base->inertia, 1e-4 * s->inertia);
}

TEST(KMeans, IntegerWeightsEqualRepeatedRows) {
  const auto b = make_blobs({.n = 300, .k = 3, .d = 2, .seed = 2});
  std::vector<float> w(300);
  Matrix<float> rep(0, 0);
  index_t total = 0;
  for (index_t i = 0; i < 300; ++i) total += (w[static_cast<std::size_t>(i)] = static_cast<float>(1 + i % 3));
  rep = Matrix<float>(total, 2);
  index_t r = 0;
  for (index_t i = 0; i < 300; ++i)
    for (int t = 0; t < 1 + i % 3; ++t, ++r) std::copy(b.x.row(i), b.x.row(i) + 2, rep.row(r));
  Matrix<float> init(3, 2);
  for (int c = 0; c < 3; ++c) std::copy(b.x.row(c), b.x.row(c) + 2, init.row(c));
  KMeansOptions o;
  o.n_clusters = 3;
  o.initial_centers = &init;
  const auto fw = fit_kmeans(Context(1, 0), b.x.cview(), o, w);
  const auto fr = fit_kmeans(Context(1, 0), rep.cview(), o);
  ASSERT_TRUE(fw.ok() && fr.ok());
  EXPECT_NEAR(fw->inertia, fr->inertia, 1e-6 * fr->inertia);
  for (std::size_t i = 0; i < fw->centers.size(); ++i)
    EXPECT_NEAR(fw->centers.data()[i], fr->centers.data()[i], 1e-4);
}

TEST(KMeans, EmptyClustersAreReseeded) {
  const auto b = make_blobs({.n = 500, .k = 5, .d = 2, .seed = 6});
  Matrix<float> init(5, 2);  // all five centres on one point: four start empty
  for (int c = 0; c < 5; ++c) std::copy(b.x.row(0), b.x.row(0) + 2, init.row(c));
  std::vector<double> inertias;
  for (auto algo : {KMeansAlgorithm::lloyd, KMeansAlgorithm::hamerly}) {
    KMeansOptions o;
    o.n_clusters = 5;
    o.initial_centers = &init;
    o.algorithm = algo;
    const auto fit = fit_kmeans(Context(1, 0), b.x.cview(), o);
    ASSERT_TRUE(fit.ok());
    for (double s : fit->sizes) EXPECT_GT(s, 0);
    inertias.push_back(fit->inertia);
  }
  EXPECT_NEAR(inertias[0], inertias[1], 1e-5 * inertias[0]);
}

TEST(KMeans, KEqualsNPutsEveryRowAlone) {
  const auto b = make_blobs({.n = 12, .k = 3, .d = 2, .seed = 1});
  KMeansOptions o;
  o.n_clusters = 12;
  const auto fit = fit_kmeans(Context(1, 0), b.x.cview(), o);
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->inertia, 0.0, 1e-6);
  auto l = fit->labels;
  std::sort(l.begin(), l.end());
  EXPECT_EQ(std::unique(l.begin(), l.end()), l.end());
}

TEST(KMeans, RejectsBadInputWithClearErrors) {
  Matrix<float> x(3, 2);
  KMeansOptions o;
  o.n_clusters = 4;
  auto r = fit_kmeans(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_EQ(r.status().where(), "--k");
  EXPECT_EQ(r.status().what(), "k = 4 is larger than the number of rows (3)");
  o.n_clusters = 2;
  x(1, 1) = std::numeric_limits<float>::quiet_NaN();
  r = fit_kmeans(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_input);
  EXPECT_EQ(r.status().where(), "row 1, column 1");
  Matrix<float> empty(0, 3);
  r = fit_kmeans(Context(1, 0), empty.cview(), o);
  EXPECT_EQ(r.status().code(), Code::invalid_input);
}

TEST(KMeans, AssignMatchesTrainingLabels) {
  const auto b = make_blobs({.n = 1000, .k = 4, .d = 3, .seed = 21});
  KMeansOptions o;
  o.n_clusters = 4;
  const auto fit = fit_kmeans(Context(2, 3), b.x.cview(), o);
  ASSERT_TRUE(fit.ok());
  const auto again = assign_kmeans(Context(2, 0), fit->centers.cview(), b.x.cview());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, fit->labels);
}

}  // namespace
}  // namespace kohort::cluster
