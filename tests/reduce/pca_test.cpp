#include "kohort/reduce/pca.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/fixtures.h"

namespace kohort::reduce {
namespace {

TEST(Pca, MatchesScikitLearnUpToComponentSign) {
  const auto j = testing::load_json("reduce/pca_correlated_500x7.json");
  const auto x = testing::load_csv_matrix("reduce/" + j["data"].get<std::string>());
  PcaOptions o;
  o.n_components = 7;
  const auto fit = fit_pca(Context(2, 0), x.cview(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  const auto ev = j["explained_variance"].get<std::vector<double>>();
  const auto evr = j["explained_variance_ratio"].get<std::vector<double>>();
  const auto comp = j["components"].get<std::vector<std::vector<double>>>();
  const auto first = j["transform_first5"].get<std::vector<std::vector<double>>>();
  const auto proj = transform_pca(Context(2, 0), *fit, x.cview().rows_range(0, 5));
  ASSERT_TRUE(proj.ok());
  for (std::size_t c = 0; c < 7; ++c) {
    EXPECT_NEAR(fit->explained_variance[c], ev[c], 1e-4 * ev[0]) << j["source"];
    EXPECT_NEAR(fit->explained_variance_ratio[c], evr[c], 1e-5);
    if (c >= 3) continue;  // the noise components are nearly degenerate: direction undefined
    double dot = 0;
    for (std::size_t t = 0; t < 7; ++t) dot += fit->components(static_cast<index_t>(c), static_cast<index_t>(t)) * comp[c][t];
    EXPECT_NEAR(std::fabs(dot), 1.0, 1e-4);
    const double sign = dot < 0 ? -1 : 1;
    for (std::size_t r = 0; r < 5; ++r)
      EXPECT_NEAR((*proj)(static_cast<index_t>(r), static_cast<index_t>(c)), sign * first[r][c], 2e-3 * std::sqrt(ev[0]));
  }
}

TEST(Pca, VarianceShareChoosesTheComponentCountAsScikitLearn) {
  const auto j = testing::load_json("reduce/pca_correlated_500x7.json");
  const auto x = testing::load_csv_matrix("reduce/" + j["data"].get<std::string>());
  const auto o = parse_pca("pca:0.9");
  ASSERT_TRUE(o.ok());
  const auto fit = fit_pca(Context(1, 0), x.cview(), *o);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->components.rows(), j["n_components_for_0.9"].get<index_t>());
}

TEST(Pca, IdenticalAtOneAndFourThreadsAndComponentsOrthonormal) {
  const auto b = testing::make_blobs({.n = 20000, .k = 5, .d = 11, .seed = 4, .sd = 2.0});
  PcaOptions o;
  o.n_components = 4;
  const auto one = fit_pca(Context(1, 0), b.x.cview(), o);
  const auto four = fit_pca(Context(4, 0), b.x.cview(), o);
  ASSERT_TRUE(one.ok() && four.ok());
  for (std::size_t i = 0; i < one->components.size(); ++i)
    EXPECT_EQ(one->components.data()[i], four->components.data()[i]);
  for (index_t a = 0; a < 4; ++a)
    for (index_t c = 0; c < 4; ++c) {
      double dot = 0;
      for (index_t t = 0; t < 11; ++t) dot += static_cast<double>(one->components(a, t)) * one->components(c, t);
      EXPECT_NEAR(dot, a == c ? 1.0 : 0.0, 1e-5);
    }
}

// The closed-form wide matrix of tests/fixtures/gen/reduce_pca_wide.py, rebuilt here.
Matrix<float> wide_matrix(index_t n, index_t d, int factors, double noise) {
  Matrix<float> x(n, d);
  for (index_t i = 0; i < n; ++i)
    for (index_t j = 0; j < d; ++j) {
      double v = 0;
      for (int f = 0; f < factors; ++f)
        v += 10.0 / (f + 1) * std::sin(0.37 * (f + 1) * static_cast<double>(i) + 0.11 * f) *
             std::cos(0.053 * (f + 3) * static_cast<double>(j) + 0.7 * f);
      v += noise * std::sin(1.3 * static_cast<double>(i) + 2.1 * static_cast<double>(j));
      x(i, j) = static_cast<float>(v);
    }
  return x;
}

TEST(Pca, RandomizedSolverMatchesScikitLearnOnWideData) {
  const auto j = testing::load_json("reduce/pca_wide_300x1100.json");
  const auto x = wide_matrix(j["rows"].get<index_t>(), j["cols"].get<index_t>(), 10, 0.05);
  const auto ev = j["explained_variance"].get<std::vector<double>>();
  const auto evr = j["explained_variance_ratio"].get<std::vector<double>>();
  const auto comp = j["components_first3"].get<std::vector<std::vector<double>>>();
  PcaOptions o;
  o.n_components = 8;
  o.solver = PcaSolver::randomized;
  const auto fit = fit_pca(Context(2, 7), x.cview(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ASSERT_EQ(fit->components.rows(), 8);
  for (std::size_t c = 0; c < 8; ++c) {
    EXPECT_NEAR(fit->explained_variance[c], ev[c], 1e-3 * ev[c]) << c << " " << j["source"];
    EXPECT_NEAR(fit->explained_variance_ratio[c], evr[c], 1e-3 * evr[c]) << c;
  }
  for (std::size_t c = 0; c < 3; ++c) {
    double dot = 0;
    for (std::size_t t = 0; t < comp[c].size(); ++t)
      dot += fit->components(static_cast<index_t>(c), static_cast<index_t>(t)) * comp[c][t];
    EXPECT_NEAR(std::fabs(dot), 1.0, 1e-4) << c;
  }
  // With a variance target, the automatic solver (randomized above 1000 columns) keeps as many
  // components as scikit-learn.
  const auto auto90 = fit_pca(Context(2, 7), x.cview(), *parse_pca("pca:0.9"));
  ASSERT_TRUE(auto90.ok()) << auto90.status().message();
  EXPECT_EQ(auto90->components.rows(), j["n_components_for_0.9"].get<index_t>());
}

TEST(Pca, RandomizedSolverAgreesWithTheCovarianceSolverAndIgnoresThreadCount) {
  const auto b = testing::make_blobs({.n = 30000, .k = 6, .d = 40, .seed = 9, .sd = 1.5});
  PcaOptions o;
  o.n_components = 5;
  o.solver = PcaSolver::covariance;
  const auto exact = fit_pca(Context(2, 3), b.x.cview(), o);
  o.solver = PcaSolver::randomized;
  const auto one = fit_pca(Context(1, 3), b.x.cview(), o);
  const auto two = fit_pca(Context(2, 3), b.x.cview(), o);
  ASSERT_TRUE(exact.ok() && one.ok() && two.ok());
  for (std::size_t i = 0; i < one->components.size(); ++i)
    ASSERT_EQ(one->components.data()[i], two->components.data()[i]) << i;
  EXPECT_EQ(one->explained_variance, two->explained_variance);
  EXPECT_NEAR(one->total_variance, exact->total_variance, 1e-6 * exact->total_variance);
  for (index_t c = 0; c < 5; ++c) {
    const double e = exact->explained_variance[static_cast<std::size_t>(c)];
    EXPECT_NEAR(one->explained_variance[static_cast<std::size_t>(c)], e, 1e-4 * e) << c;
    double dot = 0;
    for (index_t t = 0; t < 40; ++t) dot += static_cast<double>(one->components(c, t)) * exact->components(c, t);
    EXPECT_NEAR(dot, 1.0, 1e-3) << c;  // the same sign convention on both paths
  }
}

TEST(Pca, RandomizedSolverHandlesRankDeficientData) {
  // Three exact factors in 1100 columns: more requested components than the data's rank.
  const auto x = wide_matrix(200, 1100, 3, 0.0);
  PcaOptions o;
  o.n_components = 6;
  o.solver = PcaSolver::randomized;
  const auto fit = fit_pca(Context(2, 1), x.cview(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ASSERT_GE(fit->components.rows(), 3);
  double kept = 0;
  for (double r : fit->explained_variance_ratio) {
    EXPECT_TRUE(std::isfinite(r));
    kept += r;
  }
  EXPECT_NEAR(kept, 1.0, 1e-4);
  for (std::size_t i = 0; i < fit->components.size(); ++i)
    ASSERT_TRUE(std::isfinite(fit->components.data()[i]));
}

TEST(Pca, ParsesAndRejectsReduceSpecs) {
  EXPECT_EQ(parse_pca("pca:8")->n_components, 8);
  EXPECT_DOUBLE_EQ(parse_pca("pca:0.95")->variance, 0.95);
  for (const char* bad : {"pca:", "pca:0", "pca:1.5", "umap:2", "pca:x"}) {
    const auto r = parse_pca(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().where(), "--reduce");
  }
  Matrix<float> one_row(1, 3);
  EXPECT_EQ(fit_pca(Context(1, 0), one_row.cview(), {}).status().code(), Code::invalid_input);
}

}  // namespace
}  // namespace kohort::reduce
