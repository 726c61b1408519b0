#include "kohort/cluster/hdbscan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "common/fixtures.h"
#include "kohort/cluster/internal/kd_tree.h"
#include "kohort/core/rng.h"
#include "kohort/select/compare.h"

namespace kohort::cluster {
namespace {

std::size_t at(index_t i) { return static_cast<std::size_t>(i); }

HdbscanOptions r_options(int min_pts) {
  HdbscanOptions o;
  o.min_samples = min_pts;
  o.min_cluster_size = min_pts;
  o.max_fit_rows = 0;
  return o;
}

// Labels equal up to renaming: the same noise rows and a one-to-one map between clusters.
::testing::AssertionResult same_partition(const std::vector<std::int32_t>& a,
                                          const std::vector<std::int32_t>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "sizes differ";
  std::map<std::int32_t, std::int32_t> ab, ba;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] < 0) != (b[i] < 0))
      return ::testing::AssertionFailure()
             << "row " << i << ": " << a[i] << " vs " << b[i] << " (noise differs)";
    if (a[i] < 0) continue;
    const auto [ia, fresh_a] = ab.emplace(a[i], b[i]);
    const auto [ib, fresh_b] = ba.emplace(b[i], a[i]);
    if (ia->second != b[i] || ib->second != a[i])
      return ::testing::AssertionFailure()
             << "row " << i << ": " << a[i] << " vs " << b[i] << " (clusters differ)";
  }
  return ::testing::AssertionSuccess();
}

Matrix<float> planted(index_t n, index_t d, std::uint64_t seed, double noise_share) {
  auto b = testing::make_blobs({.n = n,
                                .k = 5,
                                .d = d,
                                .seed = seed,
                                .spread = 12.0,
                                .sd = 1.0,
                                .sd_spread = 0.5,
                                .size_ratio = 3});
  Rng rng(seed, "test.noise");
  for (index_t i = 0; i < n; ++i)
    if (rng.uniform() < noise_share)
      for (index_t j = 0; j < d; ++j) b.x(i, j) = static_cast<float>(30 * rng.uniform() - 15);
  return std::move(b.x);
}

TEST(Hdbscan, MatchesRDbscanLabelsProbabilitiesAndOutlierScores) {
  for (const char* name : {"hdbscan_550x2", "hdbscan_1300x5", "hdbscan_2000x8"}) {
    const auto j = testing::load_json(std::string("cluster/") + name + ".json");
    const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
    for (const auto& [key, c] : j["cases"].items()) {
      SCOPED_TRACE(std::string(name) + " minPts " + key + "; " + j["source"].get<std::string>());
      const int min_pts = c["minPts"];
      const auto fit = fit_hdbscan(Context(2, 0), x.cview(), r_options(min_pts));
      ASSERT_TRUE(fit.ok()) << fit.status().message();
      const auto core = c["coredist"].get<std::vector<double>>();
      for (std::size_t i = 0; i < core.size(); ++i)
        ASSERT_NEAR(fit->core_distances[i], core[i], 1e-12 * (1 + core[i])) << "row " << i;
      // R numbers clusters from 1 with 0 for noise.
      auto r_labels = c["cluster"].get<std::vector<std::int32_t>>();
      for (auto& l : r_labels) --l;
      const auto scores = c["cluster_scores"].get<std::vector<double>>();
      ASSERT_EQ(fit->n_clusters, static_cast<int>(scores.size()));
      // Clusters map one to one. The one difference is by design: a row that bridges two
      // clusters at the level where they split (its links to both sides weigh exactly that
      // level) leaves the splitting cluster here, so it is noise when the sides are selected,
      // while R puts it into one side by its merge order. That changes R's largest core
      // distance of that side, hence its membership probabilities.
      std::map<std::int32_t, std::int32_t> map;
      std::vector<bool> bridge(r_labels.size(), false);
      for (std::size_t i = 0; i < r_labels.size(); ++i) {
        if (fit->labels[i] < 0 && r_labels[i] >= 0) {
          bridge[i] = true;
          continue;
        }
        ASSERT_EQ(fit->labels[i] < 0, r_labels[i] < 0) << "row " << i;
        if (r_labels[i] < 0) continue;
        const auto [it, fresh] = map.emplace(r_labels[i], fit->labels[i]);
        ASSERT_EQ(it->second, fit->labels[i]) << "row " << i;
      }
      ASSERT_EQ(map.size(), scores.size());
      std::set<std::int32_t> touched;
      std::size_t bridges = 0;
      for (std::size_t i = 0; i < r_labels.size(); ++i) {
        if (!bridge[i]) continue;
        ++bridges;
        const std::int32_t l = map.at(r_labels[i]);
        touched.insert(l);
        EXPECT_EQ(fit->row_exit[i], fit->cluster_birth[at(l)]) << "row " << i;
        EXPECT_EQ(fit->core_distances[i], fit->cluster_birth[at(l)]) << "row " << i;
      }
      EXPECT_LE(bridges, r_labels.size() / 200);
      for (const auto& [r, l] : map)
        EXPECT_NEAR(fit->stability[at(l)], scores[at(r)], 1e-9 * scores[at(r)]) << "cluster " << r;
      // Membership as R defines it, (max core in cluster − core) / max: R's own numbers where
      // no bridge row changed the cluster's members, else R's formula on these members.
      const auto prob = c["membership_prob"].get<std::vector<double>>();
      const auto glosh = c["outlier_scores"].get<std::vector<double>>();
      std::size_t glosh_differs = 0;
      for (std::size_t i = 0; i < prob.size(); ++i) {
        if (std::abs(fit->outlier_scores[i] - glosh[i]) > 1e-6) ++glosh_differs;
        const std::int32_t l = fit->labels[i];
        if (l >= 0 && touched.count(l)) {
          double mc = 0;
          for (std::size_t t = 0; t < prob.size(); ++t)
            if (fit->labels[t] == l) mc = std::max(mc, core[t]);
          ASSERT_NEAR(fit->probabilities[i], (mc - core[i]) / mc, 1e-6) << "row " << i;
        } else if (!bridge[i]) {
          ASSERT_NEAR(fit->probabilities[i], prob[i], 1e-6) << "row " << i;
        }
      }
      // GLOSH: bridges and the clusters R forms around them (a side one row short of
      // min_cluster_size that R completes with the bridge) shift ε_max for a few rows.
      EXPECT_LE(glosh_differs, prob.size() * 3 / 100);
      if (std::string(name) == "hdbscan_1300x5") {
        EXPECT_EQ(bridges, 0U);
        EXPECT_EQ(glosh_differs, 0U);
      }
    }
  }
}

// Naive twin of the Borůvka tree: Prim on the dense mutual-reachability graph, O(n²).
std::vector<double> prim_weights(MatrixView<const float> x, const std::vector<double>& core) {
  const index_t n = x.rows;
  std::vector<double> key(at(n), std::numeric_limits<double>::infinity()), w;
  std::vector<bool> in(at(n), false);
  key[0] = 0;
  for (index_t step = 0; step < n; ++step) {
    index_t u = -1;
    for (index_t i = 0; i < n; ++i)
      if (!in[at(i)] && (u < 0 || key[at(i)] < key[at(u)])) u = i;
    in[at(u)] = true;
    if (step > 0) w.push_back(key[at(u)]);
    for (index_t v = 0; v < n; ++v) {
      if (in[at(v)]) continue;
      const double d = std::sqrt(internal::KdTree::distance2(x.row(u), x.row(v), x.cols));
      key[at(v)] = std::min(key[at(v)], std::max({core[at(u)], core[at(v)], d}));
    }
  }
  std::sort(w.begin(), w.end());
  return w;
}

// Naive twin of the core distances: sort all distances.
std::vector<double> naive_core(MatrixView<const float> x, int k) {
  std::vector<double> core;
  for (index_t i = 0; i < x.rows; ++i) {
    std::vector<double> d;
    for (index_t j = 0; j < x.rows; ++j)
      d.push_back(std::sqrt(internal::KdTree::distance2(x.row(i), x.row(j), x.cols)));
    std::sort(d.begin(), d.end());
    core.push_back(d[at(k - 1)]);
  }
  return core;
}

TEST(Hdbscan, CoreDistancesAndTreeMatchNaiveTwins) {
  for (index_t d : {1, 2, 3, 7, 9, 16}) {
    for (index_t n : {1, 2, 5, 33, 301}) {
      auto x = planted(n, d, static_cast<std::uint64_t>(7 * d + n), 0.1);
      // Duplicated rows and a duplicated column value give ties and zero distances.
      if (n >= 5) {
        std::copy(x.row(0), x.row(0) + d, x.row(n - 1));
        std::copy(x.row(1), x.row(1) + d, x.row(n - 2));
      }
      for (int k : {1, 2, 5}) {
        if (k > n) continue;
        const auto core = core_distances(Context(2, 0), x.cview(), k);
        ASSERT_EQ(core, naive_core(x.cview(), k)) << "d=" << d << " n=" << n << " k=" << k;
        const auto mst = mutual_reachability_mst(Context(2, 0), x.cview(), core);
        ASSERT_EQ(mst.size(), at(n - 1));
        std::vector<double> w;
        for (const auto& e : mst) {
          ASSERT_LT(e.a, e.b);
          w.push_back(e.weight);
        }
        ASSERT_EQ(w, prim_weights(x.cview(), core)) << "d=" << d << " n=" << n << " k=" << k;
        // A spanning tree: one component.
        std::vector<index_t> parent(at(n));
        std::iota(parent.begin(), parent.end(), index_t{0});
        auto find = [&](index_t a) {
          while (parent[at(a)] != a) a = parent[at(a)];
          return a;
        };
        for (const auto& e : mst) {
          ASSERT_NE(find(e.a), find(e.b));
          parent[at(find(e.a))] = find(e.b);
        }
      }
    }
  }
}

TEST(KdTree, KnnMatchesBruteForceTwin) {
  for (index_t d : {1, 2, 5, 9}) {
    auto x = planted(500, d, static_cast<std::uint64_t>(d), 0.2);
    std::copy(x.row(3), x.row(3) + d, x.row(4));  // a duplicate: a tie broken by row index
    const internal::KdTree tree(x.cview(), 8);
    for (index_t k : {1, 3, 17}) {
      std::vector<index_t> idx(at(k));
      std::vector<double> dist(at(k));
      for (index_t q = 0; q < 500; q += 31) {
        tree.knn(x.row(q), k, idx, dist);
        std::vector<std::pair<double, index_t>> all;
        for (index_t i = 0; i < 500; ++i)
          all.emplace_back(internal::KdTree::distance2(x.row(q), x.row(i), d), i);
        std::sort(all.begin(), all.end());
        for (index_t t = 0; t < k; ++t) {
          ASSERT_EQ(idx[at(t)], all[at(t)].second) << "d=" << d << " q=" << q << " k=" << k;
          ASSERT_EQ(dist[at(t)], std::sqrt(all[at(t)].first));
        }
      }
    }
  }
}

TEST(Hdbscan, SameResultAtOneAndTwoThreads) {
  const auto x = planted(6000, 4, 21, 0.05);
  HdbscanOptions o;
  o.min_cluster_size = 40;
  o.min_samples = 8;
  const auto one = fit_hdbscan(Context(1, 3), x.cview(), o);
  const auto two = fit_hdbscan(Context(2, 3), x.cview(), o);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_GE(one->n_clusters, 3);
  EXPECT_EQ(one->labels, two->labels);
  EXPECT_EQ(one->probabilities, two->probabilities);
  EXPECT_EQ(one->outlier_scores, two->outlier_scores);
  EXPECT_EQ(one->stability, two->stability);
}

TEST(Hdbscan, RowOrderAndUniformScalingKeepThePartition) {
  const auto x = planted(3000, 3, 5, 0.05);
  HdbscanOptions o;
  o.min_cluster_size = 25;
  o.min_samples = 6;
  const auto base = fit_hdbscan(Context(2, 0), x.cview(), o);
  ASSERT_TRUE(base.ok());
  ASSERT_GE(base->n_clusters, 3);
  // Reversed and shuffled row order.
  std::vector<index_t> perm(3000);
  std::iota(perm.begin(), perm.end(), index_t{0});
  Rng rng(9, "test.perm");
  for (index_t i = 2999; i > 0; --i)
    std::swap(perm[at(i)],
              perm[at(static_cast<index_t>(rng.below(static_cast<std::uint64_t>(i + 1))))]);
  Matrix<float> y(3000, 3);
  for (index_t i = 0; i < 3000; ++i)
    std::copy(x.row(perm[at(i)]), x.row(perm[at(i)]) + 3, y.row(i));
  const auto shuffled = fit_hdbscan(Context(2, 0), y.cview(), o);
  ASSERT_TRUE(shuffled.ok());
  std::vector<std::int32_t> back(3000);
  std::vector<float> back_prob(3000), back_glosh(3000);
  for (index_t i = 0; i < 3000; ++i) {
    back[at(perm[at(i)])] = shuffled->labels[at(i)];
    back_prob[at(perm[at(i)])] = shuffled->probabilities[at(i)];
    back_glosh[at(perm[at(i)])] = shuffled->outlier_scores[at(i)];
  }
  EXPECT_TRUE(same_partition(base->labels, back));
  for (std::size_t i = 0; i < 3000; ++i) {
    ASSERT_EQ(base->probabilities[i], back_prob[i]) << "row " << i;
    ASSERT_EQ(base->outlier_scores[i], back_glosh[i])
        << "row " << i << " label " << base->labels[i] << " core " << base->core_distances[i];
  }
  // Uniform scaling: distances scale, λ scales inversely; the partition and the unit-free
  // scores do not change.
  for (float s : {0.01F, 3.0F, 250.0F}) {
    Matrix<float> z = x.clone();
    for (std::size_t i = 0; i < z.size(); ++i) z.data()[i] *= s;
    const auto scaled = fit_hdbscan(Context(2, 0), z.cview(), o);
    ASSERT_TRUE(scaled.ok());
    EXPECT_TRUE(same_partition(base->labels, scaled->labels)) << "scale " << s;
    for (std::size_t i = 0; i < 3000; ++i) {
      ASSERT_NEAR(scaled->probabilities[i], base->probabilities[i], 1e-4) << "scale " << s;
      ASSERT_NEAR(scaled->outlier_scores[i], base->outlier_scores[i], 1e-4) << "scale " << s;
    }
  }
}

TEST(Hdbscan, LeafSelectionRefinesExcessOfMass) {
  const auto j = testing::load_json("cluster/hdbscan_550x2.json");
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  auto o = r_options(5);
  const auto eom = fit_hdbscan(Context(1, 0), x.cview(), o);
  o.selection = ClusterSelection::leaf;
  const auto leaf = fit_hdbscan(Context(1, 0), x.cview(), o);
  ASSERT_TRUE(eom.ok() && leaf.ok());
  EXPECT_GT(leaf->n_clusters, eom->n_clusters);
  // Every leaf cluster lies inside one excess-of-mass cluster.
  std::map<std::int32_t, std::int32_t> parent;
  for (std::size_t i = 0; i < leaf->labels.size(); ++i) {
    if (leaf->labels[i] < 0) continue;
    ASSERT_GE(eom->labels[i], 0) << "row " << i;
    const auto [it, fresh] = parent.emplace(leaf->labels[i], eom->labels[i]);
    ASSERT_EQ(it->second, eom->labels[i]) << "row " << i;
  }
}

TEST(Hdbscan, PredictReproducesFittedRowsAndRejectsFarRows) {
  const auto j = testing::load_json("cluster/hdbscan_1300x5.json");
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  const auto fit = fit_hdbscan(Context(2, 0), x.cview(), r_options(10));
  ASSERT_TRUE(fit.ok());
  const auto again = predict_hdbscan(Context(2, 0), *fit, x.cview());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->labels, fit->labels);
  for (std::size_t i = 0; i < fit->labels.size(); ++i)
    if (fit->labels[i] >= 0) {
      ASSERT_FLOAT_EQ(again->probabilities[i], fit->probabilities[i]) << "row " << i;
    }
  // The centre of each cluster joins it; a row far from everything is noise.
  Matrix<float> q(fit->n_clusters + 1, 5);
  std::vector<double> count(at(fit->n_clusters), 0.0);
  std::vector<double> sum(at(fit->n_clusters * 5), 0.0);
  for (index_t i = 0; i < x.rows(); ++i) {
    const auto l = fit->labels[at(i)];
    if (l < 0) continue;
    count[at(l)] += 1;
    for (index_t t = 0; t < 5; ++t) sum[at(l * 5 + t)] += x(i, t);
  }
  for (index_t c = 0; c < fit->n_clusters; ++c)
    for (index_t t = 0; t < 5; ++t) q(c, t) = static_cast<float>(sum[at(c * 5 + t)] / count[at(c)]);
  for (index_t t = 0; t < 5; ++t) q(fit->n_clusters, t) = 1000.0F;
  const auto p = predict_hdbscan(Context(1, 0), *fit, q.cview());
  ASSERT_TRUE(p.ok());
  for (std::int32_t c = 0; c < fit->n_clusters; ++c) EXPECT_EQ(p->labels[at(c)], c);
  EXPECT_EQ(p->labels.back(), -1);
  EXPECT_GT(p->outlier_scores.back(), 0.9F);
}

// Above 16 columns predict scans every fitted row instead of walking the kd-tree; its answers
// equal a naive twin's (core distance, mutual-reachability nearest, ties to the lower row) and,
// bit for bit, the tree's.
TEST(Hdbscan, PredictInManyColumnsMatchesNaiveTwinAndTheTree) {
  auto b = testing::make_blobs({.n = 900, .k = 3, .d = 20, .seed = 4, .spread = 6, .sd = 1.0});
  HdbscanOptions o;
  o.min_cluster_size = 30;
  o.min_samples = 7;
  const auto fit = fit_hdbscan(Context(2, 0), b.x.cview(), o);
  ASSERT_TRUE(fit.ok());
  const auto q = testing::make_blobs({.n = 300, .k = 3, .d = 20, .seed = 4, .spread = 6, .sd = 1.6});
  const auto got = predict_hdbscan(Context(2, 0), *fit, q.x.cview());
  ASSERT_TRUE(got.ok());
  const index_t m = fit->rows.rows();
  for (index_t i = 0; i < q.x.rows(); ++i) {
    std::vector<double> d(at(m));
    for (index_t r = 0; r < m; ++r) d[at(r)] = std::sqrt(internal::KdTree::distance2(fit->rows.row(r), q.x.row(i), 20));
    std::vector<double> sorted = d;
    std::sort(sorted.begin(), sorted.end());
    const double core = sorted[at(o.min_samples - 1)];
    index_t best = -1;
    double best_w = std::numeric_limits<double>::infinity();
    for (index_t r = 0; r < m; ++r) {
      const double w = std::max({core, fit->core_distances[at(r)], d[at(r)]});
      if (w < best_w) best_w = w, best = r;
    }
    const auto l = fit->row_labels[at(best)];
    const auto want = l >= 0 && best_w < fit->cluster_birth[at(l)] ? l : -1;
    ASSERT_EQ(got->labels[at(i)], want) << "row " << i;
  }
  // 16 columns go through the tree; the same rows with a 17th, constant column (which adds
  // exactly 0 to every distance) through the scan: the same answers.
  const auto pad = [](const Matrix<float>& x) {
    Matrix<float> y(x.rows(), 17);
    for (index_t i = 0; i < x.rows(); ++i)
      for (index_t j = 0; j < 16; ++j) y(i, j) = x(i, j);
    return y;
  };
  Matrix<float> x16(b.x.rows(), 16), q16(q.x.rows(), 16);
  for (index_t i = 0; i < b.x.rows(); ++i)
    for (index_t j = 0; j < 16; ++j) x16(i, j) = b.x(i, j);
  for (index_t i = 0; i < q.x.rows(); ++i)
    for (index_t j = 0; j < 16; ++j) q16(i, j) = q.x(i, j);
  const auto tree_fit = fit_hdbscan(Context(2, 0), x16.cview(), o);
  const auto scan_fit = fit_hdbscan(Context(2, 0), pad(x16).cview(), o);
  ASSERT_TRUE(tree_fit.ok() && scan_fit.ok());
  ASSERT_EQ(tree_fit->labels, scan_fit->labels);
  const auto by_tree = predict_hdbscan(Context(2, 0), *tree_fit, q16.cview());
  const auto by_scan = predict_hdbscan(Context(2, 0), *scan_fit, pad(q16).cview());
  ASSERT_TRUE(by_tree.ok() && by_scan.ok());
  EXPECT_EQ(by_tree->labels, by_scan->labels);
  EXPECT_EQ(by_tree->probabilities, by_scan->probabilities);
  EXPECT_EQ(by_tree->outlier_scores, by_scan->outlier_scores);
}

TEST(Hdbscan, SampleAndAssignAgreesWithTheExactFit) {
  const auto x = planted(20000, 4, 31, 0.03);
  HdbscanOptions o;
  o.min_cluster_size = 100;
  o.min_samples = 10;
  o.max_fit_rows = 0;
  const auto exact = fit_hdbscan(Context(2, 0), x.cview(), o);
  o.max_fit_rows = 5000;
  o.min_cluster_size = 25;  // a quarter of the rows: a quarter of the cluster size
  const auto one = fit_hdbscan(Context(1, 4), x.cview(), o);
  const auto two = fit_hdbscan(Context(2, 4), x.cview(), o);
  ASSERT_TRUE(exact.ok() && one.ok() && two.ok());
  EXPECT_FALSE(exact->sampled);
  EXPECT_TRUE(one->sampled);
  EXPECT_EQ(one->rows.rows(), 5000);
  EXPECT_EQ(one->labels, two->labels);
  EXPECT_EQ(one->n_clusters, exact->n_clusters);
  EXPECT_GT(*select::adjusted_rand_index(one->labels, exact->labels), 0.95);
  for (float p : one->probabilities) ASSERT_TRUE(p >= 0 && p <= 1);
}

TEST(Hdbscan, ValidatesParametersAndData) {
  const auto x = planted(50, 2, 1, 0.0);
  auto o = r_options(5);
  o.min_cluster_size = 1;
  auto r = fit_hdbscan(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "--min-cluster-size");
  EXPECT_EQ(r.status().what(), "1 is below the minimum 2");
  o = r_options(5);
  o.min_samples = 0;
  r = fit_hdbscan(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "--min-samples");
  EXPECT_EQ(r.status().what(), "0 is below the minimum 1");
  o.min_samples = 51;
  r = fit_hdbscan(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().what(), "51 is more than the 50 rows fitted");
  Matrix<float> bad = x.clone();
  bad(7, 1) = std::numeric_limits<float>::quiet_NaN();
  r = fit_hdbscan(Context(1, 0), bad.cview(), r_options(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_input);
  EXPECT_EQ(r.status().where(), "row 7, column 1");
  bad(7, 1) = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(fit_hdbscan(Context(1, 0), bad.cview(), r_options(5)).ok());
  const Matrix<float> empty(0, 2);
  r = fit_hdbscan(Context(1, 0), empty.cview(), r_options(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_input);
  // A single row, and rows too few to split: everything is noise.
  o = r_options(2);
  o.min_samples = 1;
  const auto single = fit_hdbscan(Context(1, 0), x.cview().rows_range(0, 1), o);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->labels, std::vector<std::int32_t>{-1});
  const auto few = fit_hdbscan(Context(1, 0), x.cview().rows_range(0, 6), r_options(5));
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(few->n_clusters, 0);
  // Predict checks columns.
  const auto fit = fit_hdbscan(Context(1, 0), x.cview(), r_options(5));
  ASSERT_TRUE(fit.ok());
  const Matrix<float> three(2, 3);
  EXPECT_FALSE(predict_hdbscan(Context(1, 0), *fit, three.cview()).ok());
}

}  // namespace
}  // namespace kohort::cluster
