#include "kohort/cluster/bgmm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <limits>
#include <numbers>
#include <set>

#include <Eigen/Dense>
#include <fmt/format.h>

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

// The naive twin: one start and one variational iteration written out in double, straight from
// the formulas (Bishop 2006 §10.2 with scikit-learn's normalisation of the covariances).
double naive_digamma(double v) {
  double acc = 0;
  for (; v < 8; v += 1) acc -= 1 / v;
  const double i2 = 1 / (v * v);
  return acc + std::log(v) - 0.5 / v - i2 * (1.0 / 12 - i2 * (1.0 / 120 - i2 * (1.0 / 252 - i2 * (1.0 / 240 - i2 / 132))));
}

struct NaiveFit {
  std::vector<double> means, covs;
  double lower_bound = 0;
};

NaiveFit naive_one_iteration(const Matrix<float>& xf, const std::vector<std::int32_t>& start, int k, bool full) {
  using Mat = Eigen::MatrixXd;
  using Vec = Eigen::VectorXd;
  const index_t n = xf.rows(), d = xf.cols();
  std::vector<Vec> x(static_cast<std::size_t>(n), Vec(d));
  Vec m0 = Vec::Zero(d);
  for (index_t i = 0; i < n; ++i) {
    for (index_t j = 0; j < d; ++j) x[static_cast<std::size_t>(i)](j) = xf(i, j);
    m0 += x[static_cast<std::size_t>(i)] / static_cast<double>(n);
  }
  Mat cov0 = Mat::Zero(d, d);
  for (const auto& xi : x) cov0 += (xi - m0) * (xi - m0).transpose() / static_cast<double>(n - 1);
  if (!full) cov0 = Mat(cov0.diagonal().asDiagonal());
  const double beta0 = 1, nu0 = static_cast<double>(d), gamma = 1.0 / k, reg = 1e-6;
  const double dd = static_cast<double>(d);
  std::vector<double> a(k), b(k), beta(k), nu(k);
  std::vector<Vec> m(k);
  std::vector<Mat> cov(k);
  auto m_step = [&](const std::vector<std::vector<double>>& r) {
    std::vector<double> nk(k, 10 * std::numeric_limits<double>::epsilon());
    std::vector<Vec> xk(k, Vec::Zero(d));
    for (index_t i = 0; i < n; ++i)
      for (int c = 0; c < k; ++c) {
        nk[c] += r[i][c];
        xk[c] += r[i][c] * x[i];
      }
    for (int c = 0; c < k; ++c) xk[c] /= nk[c];
    for (int c = 0; c < k; ++c) {
      Mat sk = Mat::Zero(d, d);
      for (index_t i = 0; i < n; ++i) sk += r[i][c] * (x[i] - xk[c]) * (x[i] - xk[c]).transpose();
      sk = sk / nk[c] + reg * Mat::Identity(d, d);
      if (!full) sk = Mat(sk.diagonal().asDiagonal());
      a[c] = 1 + nk[c];
      b[c] = gamma;
      for (int j = c + 1; j < k; ++j) b[c] += nk[j];
      beta[c] = beta0 + nk[c];
      nu[c] = nu0 + nk[c];
      m[c] = (beta0 * m0 + nk[c] * xk[c]) / beta[c];
      const Vec diff = xk[c] - m0;
      Mat spread = diff * diff.transpose();
      if (!full) spread = Mat(spread.diagonal().asDiagonal());
      cov[c] = (cov0 + nk[c] * sk + nk[c] * beta0 / beta[c] * spread) / nu[c];
    }
  };
  std::vector<std::vector<double>> r(n, std::vector<double>(k, 0.0));
  for (index_t i = 0; i < n; ++i) r[i][start[static_cast<std::size_t>(i)]] = 1;
  m_step(r);
  // E-step.
  double entropy = 0, stick = 0;
  std::vector<double> elw(k);
  for (int c = 0; c < k; ++c) {
    const double ds = naive_digamma(a[c] + b[c]);
    elw[c] = naive_digamma(a[c]) - ds + stick;
    stick += naive_digamma(b[c]) - ds;
  }
  for (index_t i = 0; i < n; ++i) {
    std::vector<double> lp(k);
    for (int c = 0; c < k; ++c) {
      const Mat prec = cov[c].inverse();
      double e_log_lambda = dd * std::log(2.0) - std::log(cov[c].determinant()) - dd * std::log(nu[c]);
      for (index_t t = 0; t < d; ++t) e_log_lambda += naive_digamma(0.5 * (nu[c] - static_cast<double>(t)));
      const Vec diff = x[i] - m[c];
      lp[c] = elw[c] + 0.5 * e_log_lambda - 0.5 * dd * std::log(2 * std::numbers::pi) -
              0.5 * (diff.dot(prec * diff) + dd / beta[c]);
    }
    const double mx = *std::max_element(lp.begin(), lp.end());
    double sum = 0;
    for (double v : lp) sum += std::exp(v - mx);
    for (int c = 0; c < k; ++c) {
      const double lr = lp[c] - mx - std::log(sum);
      r[i][c] = std::exp(lr);
      entropy -= r[i][c] * lr;
    }
  }
  m_step(r);
  NaiveFit out;
  out.lower_bound = entropy;
  for (int c = 0; c < k; ++c) {
    const double log_det_chol = -0.5 * std::log(cov[c].determinant()) - 0.5 * dd * std::log(nu[c]);
    double log_wishart = nu[c] * log_det_chol + nu[c] * dd * 0.5 * std::log(2.0);
    for (index_t t = 0; t < d; ++t) log_wishart += std::lgamma(0.5 * (nu[c] - static_cast<double>(t)));
    out.lower_bound += log_wishart + std::lgamma(a[c]) + std::lgamma(b[c]) - std::lgamma(a[c] + b[c]) -
                       0.5 * dd * std::log(beta[c]);
    for (index_t j = 0; j < d; ++j) out.means.push_back(m[c](j));
    for (index_t s = 0; s < d; ++s)
      for (index_t t = 0; t < d; ++t)
        if (full || s == t) out.covs.push_back(cov[c](s, t));
  }
  return out;
}

TEST(Bgmm, OneIterationMatchesANaiveTwinOverShapes) {
  // d across SIMD widths, n below a tile, across tiles, and across blocks (16384 rows).
  for (index_t d : {1, 2, 3, 7, 17})
    for (index_t n : {40, 301, 16390}) {
      if (n > 301 && d > 3) continue;  // the naive twin is O(n·k·d³)
      const auto blobs = testing::make_blobs({.n = n, .k = 3, .d = d, .seed = 5, .spread = 4, .sd = 1.0});
      const int k = 5;
      std::vector<std::int32_t> start(static_cast<std::size_t>(n));
      for (index_t i = 0; i < n; ++i)
        start[static_cast<std::size_t>(i)] = i % 5 == 0 ? 3 + static_cast<std::int32_t>((i / 5) % 2) : blobs.truth[static_cast<std::size_t>(i)];
      for (bool full : {false, true}) {
        SCOPED_TRACE(fmt::format("n {} d {} {}", n, d, full ? "full" : "diag"));
        BgmmOptions o;
        o.n_components = k;
        o.covariance = full ? Covariance::full : Covariance::diag;
        o.max_iter = 1;
        o.tol = 0;
        o.start_labels = start;
        const auto fit = fit_bgmm(Context(2, 0), blobs.x.cview(), o);
        ASSERT_TRUE(fit.ok()) << fit.status().message();
        const NaiveFit want = naive_one_iteration(blobs.x, start, k, full);
        EXPECT_NEAR(fit->lower_bound, want.lower_bound, 1e-6 * std::fabs(want.lower_bound) + 1e-6 * static_cast<double>(n));
        ASSERT_EQ(fit->means.size(), want.means.size());
        for (std::size_t i = 0; i < want.means.size(); ++i)
          EXPECT_NEAR(fit->means[i], want.means[i], 1e-4 * (1 + std::fabs(want.means[i])));
        ASSERT_EQ(fit->covariances.size(), want.covs.size());
        for (std::size_t i = 0; i < want.covs.size(); ++i)
          EXPECT_NEAR(fit->covariances[i], want.covs[i], 1e-4 * (1 + std::fabs(want.covs[i])));
      }
    }
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

TEST(Bgmm, RestartsKeepTheBestLowerBound) {
  const auto b = testing::make_blobs({.n = 3000, .k = 6, .d = 3, .seed = 12, .spread = 5, .sd = 1.0, .sd_spread = 0.5});
  BgmmOptions o;
  o.n_components = 10;
  o.max_iter = 200;
  const auto one = fit_bgmm(Context(2, 4), b.x.cview(), o);
  o.n_init = 4;
  const auto four = fit_bgmm(Context(2, 4), b.x.cview(), o);
  ASSERT_TRUE(one.ok() && four.ok());
  // The first start of both fits is the same k-means partition; here a later one does better.
  EXPECT_GT(four->lower_bound, one->lower_bound);
}

TEST(Bgmm, SameResultAtOneAndTwoThreads) {
  // More rows than one block (16384), so the blocks' partial sums are combined.
  const auto b = testing::make_blobs({.n = 20000, .k = 4, .d = 3, .seed = 3, .spread = 6, .sd = 1.0});
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
  const auto fit = fit_clusterer(Context(2, 3), "bgmm", p, b.x.cview());
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  const auto& seg = fit->segmentation;
  EXPECT_EQ(seg.n_clusters, 4);
  EXPECT_EQ(fit->model.k(), 4);
  EXPECT_FALSE(seg.has_bic);
  EXPECT_EQ(seg.confidence.size(), seg.labels.size());
  const std::set<std::int32_t> used(seg.labels.begin(), seg.labels.end());
  EXPECT_EQ(used, (std::set<std::int32_t>{0, 1, 2, 3}));
  EXPECT_GT(*select::adjusted_rand_index(seg.labels, b.truth), 0.95);
  const auto again = predict(Context(1, 3), fit->model, b.x.cview());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->labels, seg.labels);
  const std::vector<float> w(3000, 1.0f);
  EXPECT_EQ(fit_clusterer(Context(1, 3), "bgmm", p, b.x.cview(), w).status().code(), Code::unsupported);
}

}  // namespace
}  // namespace kohort::cluster
