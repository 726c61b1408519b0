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
