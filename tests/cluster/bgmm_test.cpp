#include "kohort/cluster/bgmm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "common/fixtures.h"
#include "kohort/cluster/clusterer.h"
#include "kohort/core/rng.h"
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

// Compares one step-for-step case of tests/fixtures/cluster/bgmm_blobs_600x5_k8.json.
void expect_matches(const std::string& name) {
  const auto j = testing::load_json("cluster/bgmm_blobs_600x5_k8.json");
  const auto x = testing::load_csv_matrix("cluster/" + j["data"].get<std::string>());
  const auto& ref = j["cases"][name];
  const auto start = j["start_labels"].get<std::vector<std::int32_t>>();
  const int k = j["k"].get<int>();
  BgmmOptions o;
  o.n_components = k;
  o.covariance = ref["covariance"] == "full" ? Covariance::full : Covariance::diag;
  o.max_iter = ref["max_iter"].get<int>();
  o.tol = ref["tol"].get<double>();
  o.start_labels = start;
  o.weight_threshold = 1e-300;  // every component effective, so labels map back to sklearn's
  const auto& pr = ref["priors"];
  if (pr.contains("weight_concentration_prior")) {
    o.priors.weight_concentration = pr["weight_concentration_prior"].get<double>();
    o.priors.mean_precision = pr["mean_precision_prior"].get<double>();
    o.priors.mean = flatten(pr["mean_prior"]);
    o.priors.degrees_of_freedom = pr["degrees_of_freedom_prior"].get<double>();
    o.priors.covariance = flatten(pr["covariance_prior"]);
  }
  const auto fit = fit_bgmm(Context(2, 0), x.cview(), o);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  SCOPED_TRACE(name + "; " + j["source"].get<std::string>());
  EXPECT_EQ(fit->n_iter, ref["n_iter"].get<int>());
  EXPECT_EQ(fit->converged, ref["converged"].get<bool>());
  const double lb = ref["lower_bound"].get<double>();
  EXPECT_NEAR(fit->lower_bound, lb, 1e-6 * std::fabs(lb));
  auto near_all = [](const std::vector<double>& got, const std::vector<double>& want, double rel, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[i], want[i], rel * (1 + std::fabs(want[i]))) << what << "[" << i << "]";
  };
  near_all(fit->weights, flatten(ref["weights"]), 1e-5, "weights");
  near_all(fit->concentration_a, flatten(ref["weight_concentration_a"]), 1e-5, "a");
  near_all(fit->concentration_b, flatten(ref["weight_concentration_b"]), 1e-5, "b");
  near_all(fit->mean_precision, flatten(ref["mean_precision"]), 1e-5, "mean_precision");
  near_all(fit->degrees_of_freedom, flatten(ref["degrees_of_freedom"]), 1e-5, "degrees_of_freedom");
  near_all(fit->means, flatten(ref["means"]), 1e-4, "means");
  near_all(fit->covariances, flatten(ref["covariances"]), 1e-4, "covariances");
  ASSERT_EQ(fit->effective.size(), static_cast<std::size_t>(k));
  const auto want_labels = ref["labels"].get<std::vector<std::int32_t>>();
  std::size_t same = 0;
  for (std::size_t i = 0; i < want_labels.size(); ++i)
    same += fit->effective[static_cast<std::size_t>(fit->labels[i])] == want_labels[i];
  EXPECT_EQ(same, want_labels.size());
  const auto proba = bgmm_predict_proba(Context(1, 0), *fit, x.cview().rows_range(0, 5));
  ASSERT_TRUE(proba.ok()) << proba.status().message();
  const auto p = flatten(ref["proba_first5"]);
  for (index_t i = 0; i < 5; ++i)
    for (index_t s = 0; s < k; ++s)
      EXPECT_NEAR((*proba)(i, s), p[static_cast<std::size_t>(i * k + fit->effective[static_cast<std::size_t>(s)])], 1e-4);
}

TEST(Bgmm, DiagonalMatchesScikitLearnStepForStep) {
  expect_matches("diag_1");
  expect_matches("diag_25");
}

TEST(Bgmm, FullMatchesScikitLearnStepForStep) {
  expect_matches("full_1");
  expect_matches("full_25");
}

TEST(Bgmm, ConvergesAtScikitLearnsIteration) {
  expect_matches("diag_converged");
  expect_matches("full_converged");
}

TEST(Bgmm, GivenPriorsMatchScikitLearn) {
  // Ten iterations, not more: with these priors two components trade mass slowly, and
  // scikit-learn's own path moves by 1e-4 in the counts after 25 iterations when the data
  // move by 1e-7 (relative), more than a float32 E-step's rounding allows to compare.
  for (const char* cov : {"diag", "full"})
    for (int iters : {1, 10}) expect_matches(std::string(cov) + "_priors_" + std::to_string(iters));
}

TEST(Bgmm, SettlesOnThePlantedNumberOfComponents) {
  // Six blobs with shares 1/21 … 6/21, fitted with room for twenty.
  const auto b = testing::make_blobs({.n = 6000, .k = 6, .d = 4, .seed = 21, .spread = 10, .sd = 1.0, .unequal = true});
  for (auto cov : {Covariance::diag, Covariance::full}) {
    BgmmOptions o;
    o.n_components = 20;
    o.covariance = cov;
    o.max_iter = 500;
    const auto fit = fit_bgmm(Context(2, 5), b.x.cview(), o);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    SCOPED_TRACE(cov == Covariance::diag ? "diag" : "full");
    EXPECT_EQ(fit->effective.size(), 6u);
    EXPECT_GT(*select::adjusted_rand_index(fit->labels, b.truth), 0.95);
    EXPECT_TRUE(fit->converged);
    for (std::size_t s = 1; s < fit->effective.size(); ++s)
      EXPECT_GE(fit->weights[static_cast<std::size_t>(fit->effective[s - 1])],
                fit->weights[static_cast<std::size_t>(fit->effective[s])]);
    double total = 0;
    for (double w : fit->weights) total += w;
    EXPECT_NEAR(total, 1.0, 1e-12);
    for (std::size_t i = 0; i < fit->labels.size(); ++i) {
      ASSERT_GE(fit->labels[i], 0);
      ASSERT_LT(fit->labels[i], 6);
      ASSERT_GE(fit->confidence[i], 1.0f / 6 - 1e-6f);
      ASSERT_LE(fit->confidence[i], 1.0f);
    }
  }
}

TEST(Bgmm, SameResultAtOneAndTwoThreads) {
  // More rows than one block (16384), so the blocks' partial sums are combined.
  const auto b = testing::make_blobs({.n = 40000, .k = 4, .d = 3, .seed = 3, .spread = 6, .sd = 1.0});
  for (auto cov : {Covariance::diag, Covariance::full}) {
    BgmmOptions o;
    o.n_components = 8;
    o.covariance = cov;
    o.max_iter = 25;
    const auto one = fit_bgmm(Context(1, 9), b.x.cview(), o);
    const auto two = fit_bgmm(Context(2, 9), b.x.cview(), o);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(one->labels, two->labels);
    EXPECT_EQ(one->confidence, two->confidence);
    EXPECT_EQ(one->lower_bound, two->lower_bound);
    EXPECT_EQ(one->means, two->means);
    EXPECT_EQ(one->n_iter, two->n_iter);
  }
}

TEST(Bgmm, RowOrderAndStartLabelNamesDoNotChangeThePartition) {
  const auto b = testing::make_blobs({.n = 3000, .k = 5, .d = 3, .seed = 8, .spread = 10, .sd = 1.0, .unequal = true});
  const index_t n = b.x.rows(), d = b.x.cols();
  const int k = 10;
  // A start that splits every blob in two.
  std::vector<std::int32_t> start(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) start[static_cast<std::size_t>(i)] = 2 * b.truth[static_cast<std::size_t>(i)] + static_cast<std::int32_t>(i % 2);
  for (auto cov : {Covariance::diag, Covariance::full}) {
    SCOPED_TRACE(cov == Covariance::diag ? "diag" : "full");
    BgmmOptions o;
    o.n_components = k;
    o.covariance = cov;
    o.max_iter = 300;
    o.start_labels = start;
    const auto base = fit_bgmm(Context(1, 0), b.x.cview(), o);
    ASSERT_TRUE(base.ok()) << base.status().message();
    EXPECT_EQ(base->effective.size(), 5u);
    EXPECT_GT(*select::adjusted_rand_index(base->labels, b.truth), 0.99);

    // Rows reversed (start labels with them): the same labels, reversed.
    Matrix<float> rev(n, d);
    std::vector<std::int32_t> rev_start(start.rbegin(), start.rend());
    for (index_t i = 0; i < n; ++i) std::copy(b.x.row(n - 1 - i), b.x.row(n - 1 - i) + d, rev.row(i));
    o.start_labels = rev_start;
    const auto r = fit_bgmm(Context(1, 0), rev.cview(), o);
    ASSERT_TRUE(r.ok());
    for (index_t i = 0; i < n; ++i)
      ASSERT_EQ(r->labels[static_cast<std::size_t>(i)], base->labels[static_cast<std::size_t>(n - 1 - i)]);
    // float32 products summed in another order
    EXPECT_NEAR(r->lower_bound, base->lower_bound, 1e-6 * std::fabs(base->lower_bound));

    // Start components renamed (the stick order changes): the same partition and the same
    // segment numbering, which follows the weights.
    std::vector<std::int32_t> renamed(start.size());
    for (std::size_t i = 0; i < start.size(); ++i) renamed[i] = (start[i] * 3 + 1) % k;
    o.start_labels = renamed;
    const auto p = fit_bgmm(Context(1, 0), b.x.cview(), o);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->effective.size(), base->effective.size());
    EXPECT_EQ(p->labels, base->labels);
  }
}

TEST(Bgmm, PredictProbaAgreesWithTheFit) {
  const auto b = testing::make_blobs({.n = 2000, .k = 3, .d = 5, .seed = 4, .spread = 5, .sd = 1.5});
  for (auto cov : {Covariance::diag, Covariance::full}) {
    BgmmOptions o;
    o.n_components = 6;
    o.covariance = cov;
    const auto fit = fit_bgmm(Context(2, 1), b.x.cview(), o);
    ASSERT_TRUE(fit.ok());
    const auto proba = bgmm_predict_proba(Context(2, 1), *fit, b.x.cview());
    ASSERT_TRUE(proba.ok());
    const auto m = static_cast<index_t>(fit->effective.size());
    ASSERT_EQ(proba->cols(), m);
    for (index_t i = 0; i < b.x.rows(); ++i) {
      const float* row = proba->row(i);
      const auto arg = std::max_element(row, row + m) - row;
      double sum = 0;
      for (index_t s = 0; s < m; ++s) sum += row[s];
      ASSERT_NEAR(sum, 1.0, 1e-5);
      ASSERT_EQ(arg, fit->labels[static_cast<std::size_t>(i)]);
      ASSERT_NEAR(row[arg], fit->confidence[static_cast<std::size_t>(i)], 1e-5);
    }
    Matrix<float> wrong(3, 4);
    EXPECT_EQ(bgmm_predict_proba(Context(1, 1), *fit, wrong.cview()).status().code(), Code::invalid_input);
  }
}

TEST(Bgmm, BadOptionsAndDataAreClearErrors) {
  const auto b = testing::make_blobs({.n = 50, .k = 2, .d = 3, .seed = 2});
  auto where = [&](const BgmmOptions& o) { return fit_bgmm(Context(1, 0), b.x.cview(), o).status().where(); };
  BgmmOptions o;
  o.n_components = 51;
  EXPECT_EQ(where(o), "--k");
  o.n_components = 0;
  EXPECT_EQ(where(o), "--k");
  o = {};
  o.max_iter = 0;
  EXPECT_EQ(where(o), "--max-iter");
  o = {};
  o.n_init = 0;
  EXPECT_EQ(where(o), "--n-init");
  o = {};
  o.weight_threshold = 1;
  EXPECT_EQ(where(o), "bgmm weight_threshold");
  o = {};
  o.priors.degrees_of_freedom = 1.5;  // must exceed d − 1 = 2
  EXPECT_EQ(where(o), "bgmm degrees_of_freedom");
  o = {};
  o.priors.mean_precision = 0;
  EXPECT_EQ(where(o), "bgmm mean_precision");
  o = {};
  o.priors.weight_concentration = -1;
  EXPECT_EQ(where(o), "bgmm weight_concentration");
  o = {};
  o.priors.mean = {1, 2};
  EXPECT_EQ(where(o), "bgmm mean");
  o = {};
  o.priors.covariance = {1, 1, 0};
  EXPECT_EQ(where(o), "bgmm covariance");
  o = {};
  o.covariance = Covariance::full;
  o.priors.covariance = {1, 2, 0, 2, 1, 0, 0, 0, 1};  // symmetric, not positive definite
  EXPECT_EQ(where(o), "bgmm covariance");
  o = {};
  o.n_components = 3;
  std::vector<std::int32_t> labels(50, 0);
  labels[7] = 3;
  o.start_labels = labels;
  const auto bad = fit_bgmm(Context(1, 0), b.x.cview(), o);
  EXPECT_EQ(bad.status().where(), "bgmm start_labels");
  EXPECT_NE(bad.status().what().find("row 7"), std::string::npos);
  labels.pop_back();
  o.start_labels = labels;
  EXPECT_EQ(where(o), "bgmm start_labels");

  Matrix<float> x = b.x.clone();
  x(4, 1) = std::nanf("");
  EXPECT_EQ(fit_bgmm(Context(1, 0), x.cview(), {}).status().code(), Code::invalid_input);
  EXPECT_EQ(fit_bgmm(Context(1, 0), b.x.cview().rows_range(0, 1), {}).status().code(), Code::invalid_input);
}

TEST(Bgmm, RegisteredAsAClustererThatSettlesItsOwnK) {
  const auto* info = find_clusterer("bgmm");
  ASSERT_NE(info, nullptr);
  EXPECT_FALSE(info->takes_k);
  const auto b = testing::make_blobs({.n = 3000, .k = 4, .d = 3, .seed = 11, .spread = 10, .sd = 1.0});
  ClusterParams p;
  p.n_clusters = 0;  // no truncation given
  p.n_init = 1;
  auto model = info->make(p);
  const auto seg = model->fit(Context(2, 3), b.x.cview(), {});
  ASSERT_TRUE(seg.ok()) << seg.status().message();
  EXPECT_EQ(seg->n_clusters, 4);
  EXPECT_FALSE(seg->has_bic);
  EXPECT_EQ(seg->confidence.size(), seg->labels.size());
  const std::set<std::int32_t> used(seg->labels.begin(), seg->labels.end());
  EXPECT_EQ(used, (std::set<std::int32_t>{0, 1, 2, 3}));
  EXPECT_GT(*select::adjusted_rand_index(seg->labels, b.truth), 0.95);
  const auto again = model->predict(Context(1, 3), b.x.cview());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, seg->labels);
  const std::vector<float> w(3000, 1.0f);
  EXPECT_EQ(model->fit(Context(1, 3), b.x.cview(), w).status().code(), Code::unsupported);
}

}  // namespace
}  // namespace kohort::cluster
