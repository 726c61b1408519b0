#include "kohort/cluster/gmm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/fixtures.h"
#include "kohort/select/compare.h"

namespace kohort::cluster {
namespace {

std::vector<double> flatten(const nlohmann::json& j) {
  std::vector<double> out;
  if (j.is_number()) {
    out.push_back(j.get<double>());
    return out;
  }
  for (const auto& v : j) {
    const auto inner = flatten(v);
    out.insert(out.end(), inner.begin(), inner.end());
  }
  return out;
}

void expect_matches(const std::string& cov_name, Covariance cov, int iters) {
  const auto j = testing::load_json("cluster/gmm_blobs_600x5_k4.json");
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  const auto& ref = j["cases"][cov_name + "_" + std::to_string(iters)];
  GmmStart start;
  start.weights = flatten(j["start"]["weights"]);
  start.means = flatten(j["start"]["means"]);
  start.precisions = flatten(j["start"]["precisions_" + cov_name]);
  GmmOptions o;
  o.n_components = 4;
  o.covariance = cov;
  o.max_iter = iters;
  o.tol = 0;
  o.start = &start;
  const auto fit = fit_gmm(Context(2, 0), x.cview(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  SCOPED_TRACE(cov_name + " after " + std::to_string(iters) + " iterations; " + j["source"].get<std::string>());
  EXPECT_EQ(fit->n_iter, iters);
  EXPECT_NEAR(fit->lower_bound, ref["lower_bound"].get<double>(), 1e-5 * std::fabs(ref["lower_bound"].get<double>()));
  const auto w = flatten(ref["weights"]), m = flatten(ref["means"]), c = flatten(ref["covariances"]);
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(fit->weights[i], w[i], 1e-5);
  for (std::size_t i = 0; i < m.size(); ++i) EXPECT_NEAR(fit->means[i], m[i], 1e-4 * (1 + std::fabs(m[i])));
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(fit->covariances[i], c[i], 1e-4 * (1 + std::fabs(c[i])));
  EXPECT_NEAR(fit->bic, ref["bic"].get<double>(), 1e-5 * std::fabs(ref["bic"].get<double>()));
  EXPECT_NEAR(fit->aic, ref["aic"].get<double>(), 1e-5 * std::fabs(ref["aic"].get<double>()));
  EXPECT_EQ(fit->labels, ref["labels"].get<std::vector<std::int32_t>>());
  const auto proba = gmm_predict_proba(Context(1, 0), *fit, x.cview().rows_range(0, 5));
  ASSERT_TRUE(proba.ok());
  const auto p = flatten(ref["proba_first5"]);
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(proba->data()[i], p[i], 1e-4);
}

TEST(Gmm, DiagonalMatchesScikitLearnStepForStep) {
  expect_matches("diag", Covariance::diag, 1);
  expect_matches("diag", Covariance::diag, 15);
}

TEST(Gmm, FullMatchesScikitLearnStepForStep) {
  expect_matches("full", Covariance::full, 1);
  expect_matches("full", Covariance::full, 15);
}

TEST(Gmm, RecoversPlantedBlobsAndIsThreadIndependent) {
  const auto b = testing::make_blobs({.n = 20000, .k = 5, .d = 4, .seed = 13, .spread = 10, .sd = 1.0, .unequal = true});
  for (auto cov : {Covariance::diag, Covariance::full}) {
    GmmOptions o;
    o.n_components = 5;
    o.covariance = cov;
    const auto one = fit_gmm(Context(1, 3), b.x.cview(), o);
    const auto four = fit_gmm(Context(4, 3), b.x.cview(), o);
    ASSERT_TRUE(one.ok() && four.ok());
    EXPECT_EQ(one->labels, four->labels);
    EXPECT_EQ(one->log_likelihood, four->log_likelihood);
    EXPECT_GT(*select::adjusted_rand_index(one->labels, b.truth), 0.95);
    EXPECT_TRUE(one->converged);
    for (float c : one->confidence) {
      ASSERT_GE(c, 0.2f);  // the top posterior of 5 is at least 1/5
      ASSERT_LE(c, 1.0f);
    }
  }
}

TEST(Gmm, BicPrefersThePlantedNumberOfComponents) {
  const auto b = testing::make_blobs({.n = 6000, .k = 4, .d = 3, .seed = 17, .spread = 8, .sd = 1.0});
  double best_bic = 1e300;
  int best_k = 0;
  for (int k = 2; k <= 7; ++k) {
    GmmOptions o;
    o.n_components = k;
    o.n_init = 2;
    const auto fit = fit_gmm(Context(2, 1), b.x.cview(), o);
    ASSERT_TRUE(fit.ok());
    if (fit->bic < best_bic) {
      best_bic = fit->bic;
      best_k = k;
    }
  }
  EXPECT_EQ(best_k, 4);
}

TEST(Gmm, ConstantColumnWithoutRegularisationIsAClearError) {
  Matrix<float> x(50, 2);
  for (index_t i = 0; i < 50; ++i) x(i, 0) = static_cast<float>(i % 7);
  GmmOptions o;
  o.n_components = 2;
  o.reg_covar = 0;
  const auto fit = fit_gmm(Context(1, 0), x.cview(), o);
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().code(), Code::invalid_input);
  EXPECT_NE(fit.status().what().find("non-positive variance in column 1"), std::string::npos);
  o.n_components = 60;
  EXPECT_EQ(fit_gmm(Context(1, 0), x.cview(), o).status().where(), "--k");
}

}  // namespace
}  // namespace kohort::cluster
