// The fitted clusterer as one value: every registered algorithm fits, assigns its own rows again
// as it published them, survives the model document, and applies its noise policy.
#include "kohort/cluster/clusterer.h"

#include <set>

#include <gtest/gtest.h>

#include "common/fixtures.h"
#include "kohort/select/choose_algorithm.h"
#include "kohort/select/compare.h"

namespace kohort::cluster {
namespace {

using testing::make_blobs;

// Four blobs plus 5% of rows scattered uniformly over a wider box: the density models leave
// some as noise.
const testing::Blobs& data() {
  static const testing::Blobs b = [] {
    auto blobs = make_blobs({.n = 2000, .k = 4, .d = 3, .seed = 17, .spread = 12, .sd = 0.8});
    Rng rng(5, "test.noise");
    for (index_t i = 0; i < blobs.x.rows(); i += 20)
      for (index_t j = 0; j < 3; ++j) blobs.x(i, j) = static_cast<float>(30 * rng.uniform() - 15);
    return blobs;
  }();
  return b;
}

ClusterParams params() {
  ClusterParams p;
  p.n_clusters = 4;
  p.n_init = 2;
  p.min_cluster_size = 40;
  p.min_samples = 10;
  p.eps = 1.0;
  return p;
}

class EveryAlgorithm : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EveryAlgorithm, PublishedRowsAreWhatTheStoredModelAssigns) {
  const auto& b = data();
  const std::string name(GetParam());
  ClusterParams p = params();
  p.noise = NoisePolicy::nearest;
  const auto fit = fit_clusterer(Context(2, 9), name, p, b.x.cview());
  ASSERT_TRUE(fit.ok()) << fit.status().what();
  EXPECT_EQ(fit->model.algorithm, name);
  ASSERT_GE(fit->model.k(), 2);
  ASSERT_EQ(fit->training.labels.size(), static_cast<std::size_t>(b.x.rows()));
  ASSERT_EQ(fit->training.confidence.size(), fit->training.labels.size());
  for (std::size_t i = 0; i < fit->training.labels.size(); ++i) {
    EXPECT_GE(fit->training.labels[i], 0) << "nearest policy: every row has a segment";
    EXPECT_LT(fit->training.labels[i], fit->model.k());
    EXPECT_GE(fit->training.confidence[i], 0.0f);
    EXPECT_LE(fit->training.confidence[i], 1.0f);
  }
  // Through the model document and back, at another thread count.
  const auto back = clusterer_from_json(nlohmann::json::parse(to_json(fit->model).dump()), fit->model.dims());
  ASSERT_TRUE(back.ok()) << back.status().what();
  const auto again = predict(Context(1, 9), *back, b.x.cview());
  ASSERT_TRUE(again.ok()) << again.status().what();
  const auto agreement = prediction_agreement(fit->training.labels, *again);
  const bool exact = name != "hdbscan" && name != "dbscan";
  if (exact) {
    EXPECT_EQ(again->labels, fit->training.labels);
    EXPECT_EQ(again->confidence, fit->training.confidence);
    EXPECT_EQ(agreement.differ, 0);
  } else {
    EXPECT_GE(agreement.share, 0.99) << agreement.differ << " rows differ";
    EXPECT_EQ(agreement.differ, fit->agreement.differ) << "the fit reports what assigning again measures";
  }
  // The segments are the blobs (the scattered rows left out).
  std::vector<std::int32_t> found, truth;
  for (std::size_t i = 0; i < b.truth.size(); ++i)
    if (i % 20 != 0) found.push_back(fit->training.labels[i]), truth.push_back(b.truth[i]);
  EXPECT_GT(*select::adjusted_rand_index(found, truth), 0.9);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryAlgorithm,
                         ::testing::Values("kmeans", "minibatch", "gmm", "bgmm", "dbscan", "hdbscan", "ward"),
                         [](const auto& p) { return std::string(p.param); });

TEST(Clusterer, RegistryNamesWhatFitOffers) {
  std::set<std::string> in_fit;
  for (const auto& c : clusterers())
    if (c.in_fit) in_fit.insert(std::string(c.name));
  EXPECT_EQ(in_fit, (std::set<std::string>{"kmeans", "minibatch", "gmm", "bgmm", "hdbscan", "ward"}));
  EXPECT_EQ(find_clusterer("nope"), nullptr);
  EXPECT_EQ(fit_clusterer(Context(1, 1), "nope", params(), data().x.cview()).status().code(), Code::invalid_argument);
}

TEST(Clusterer, FullCovarianceMixtureRoundTrips) {
  ClusterParams p = params();
  p.covariance = "full";
  const auto fit = fit_clusterer(Context(2, 3), "gmm", p, data().x.cview());
  ASSERT_TRUE(fit.ok()) << fit.status().what();
  const auto j = to_json(fit->model);
  EXPECT_EQ(j["covariance"], "full");
  EXPECT_EQ(j["rule"], "posterior");
  const auto back = clusterer_from_json(j, 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(predict(Context(2, 3), *back, data().x.cview())->labels, fit->training.labels);
}

TEST(Clusterer, NoisePolicyOutlierKeepsMinusOneNearestTakesTheNearestCentroidWithConfidenceZero) {
  const auto& b = data();
  ClusterParams p = params();
  p.noise = NoisePolicy::outlier;
  const auto out = fit_clusterer(Context(2, 4), "hdbscan", p, b.x.cview());
  ASSERT_TRUE(out.ok());
  p.noise = NoisePolicy::nearest;
  const auto near = fit_clusterer(Context(2, 4), "hdbscan", p, b.x.cview());
  ASSERT_TRUE(near.ok());
  index_t noise = 0;
  for (std::size_t i = 0; i < out->training.labels.size(); ++i) {
    if (out->training.labels[i] >= 0) {
      EXPECT_EQ(near->training.labels[i], out->training.labels[i]);
      continue;
    }
    ++noise;
    EXPECT_EQ(out->training.confidence[i], 0.0f);
    EXPECT_EQ(near->training.confidence[i], 0.0f);
    // The nearest centroid, by brute force.
    float best = 1e30f;
    std::int32_t want = -1;
    for (index_t s = 0; s < near->model.k(); ++s) {
      float d = 0;
      for (index_t j = 0; j < 3; ++j) {
        const float t = b.x(static_cast<index_t>(i), j) - near->model.centers(s, j);
        d += t * t;
      }
      if (d < best) best = d, want = static_cast<std::int32_t>(s);
    }
    EXPECT_EQ(near->training.labels[i], want);
  }
  EXPECT_GT(noise, 20) << "the scattered rows are noise";
  // The policy is part of the stored model.
  EXPECT_EQ(to_json(out->model)["noise"], "outlier");
  const auto back = clusterer_from_json(to_json(near->model), 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->noise, NoisePolicy::nearest);
}

TEST(Clusterer, WardPublishesTheCellsOfItsCutsCentroidsAndCountsTheRest) {
  const auto& b = data();
  const auto fit = fit_clusterer(Context(2, 4), "ward", params(), b.x.cview());
  ASSERT_TRUE(fit.ok());
  const auto kept = prediction_agreement(fit->segmentation.labels, fit->training);
  EXPECT_EQ(kept.differ, fit->agreement.differ);
  EXPECT_GT(fit->agreement.share, 0.9);
  EXPECT_EQ(fit->model.rule, AssignRule::nearest_centre);
}

TEST(Clusterer, DocumentsThatDoNotDescribeAModelAreRefused) {
  const auto fit = fit_clusterer(Context(2, 4), "hdbscan", params(), data().x.cview());
  ASSERT_TRUE(fit.ok());
  const nlohmann::json good = to_json(fit->model);
  const auto refused = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = good;
    edit(j);
    const auto r = clusterer_from_json(j, 3);
    return !r.ok() && r.status().code() == Code::invalid_input;
  };
  EXPECT_TRUE(refused([](auto& j) { j.erase("core_distances"); }));
  EXPECT_TRUE(refused([](auto& j) { j["core_distances"].erase(0); }));
  EXPECT_TRUE(refused([](auto& j) { j["row_labels"][0] = 99; }));
  EXPECT_TRUE(refused([](auto& j) { j["rule"] = "posterior"; }));
  EXPECT_TRUE(refused([](auto& j) { j["rule"] = "telepathy"; }));
  EXPECT_TRUE(refused([](auto& j) { j["noise"] = "ignore"; }));
  EXPECT_TRUE(refused([](auto& j) { j["algorithm"] = "spectral"; }));
  EXPECT_TRUE(refused([](auto& j) { j["centers"][0] = {1.0}; }));
  EXPECT_FALSE(clusterer_from_json(good, 4).ok()) << "another clustering space";
  EXPECT_TRUE(clusterer_from_json(good, 3).ok());
}

TEST(Clusterer, DocumentsWrittenBeforeTheRuleWasRecordedReadAsKMeansAndGmm) {
  auto km = fit_clusterer(Context(2, 4), "kmeans", params(), data().x.cview());
  ASSERT_TRUE(km.ok());
  nlohmann::json j = to_json(km->model);
  j.erase("rule");
  const auto back = clusterer_from_json(j, 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->rule, AssignRule::nearest_centre);
  auto gm = fit_clusterer(Context(2, 4), "gmm", params(), data().x.cview());
  ASSERT_TRUE(gm.ok());
  j = to_json(gm->model);
  j.erase("rule");
  EXPECT_EQ(clusterer_from_json(j, 3)->rule, AssignRule::posterior);
}

TEST(ChooseAlgorithm, KeepsKMeansUnlessAnotherSeparatesClearlyBetterAndSaysWhy) {
  const auto b = make_blobs({.n = 1500, .k = 5, .d = 4, .seed = 3, .spread = 10, .sd = 1.0});
  ClusterParams p = params();
  p.n_clusters = 5;
  select::AlgorithmChoiceOptions o;
  o.k_lo = 5, o.k_hi = 5;
  const auto c = select::choose_algorithm(Context(2, 1), b.x.cview(), p, o);
  ASSERT_TRUE(c.ok()) << c.status().what();
  ASSERT_EQ(c->candidates.size(), 3U);
  // Separated blobs: every candidate finds them; none beats k-means by 0.01.
  EXPECT_EQ(c->chosen, "kmeans");
  EXPECT_NE(c->reason.find("a more complex model must gain 0.01"), std::string::npos);
  EXPECT_EQ(c->fitted.model.algorithm, "kmeans");
  // A candidate that finds a number of segments outside the range is not eligible, and why.
  o.k_lo = 6, o.k_hi = 8;
  const auto narrow = select::choose_algorithm(Context(2, 1), b.x.cview(), p, o);
  ASSERT_TRUE(narrow.ok());
  EXPECT_EQ(narrow->candidates[2]["eligible"], false);
  EXPECT_NE(narrow->candidates[2]["note"].get<std::string>().find("outside 6 .. 8"), std::string::npos);
}

}  // namespace
}  // namespace kohort::cluster
