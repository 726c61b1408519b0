#include "kohort/select/compare.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/fixtures.h"

namespace kohort::select {
namespace {

TEST(Compare, AriAndNmiMatchScikitLearn) {
  const auto j = testing::load_json("select/metrics_blobs_600x5_k4.json");
  const auto truth = j["labels"].get<std::vector<std::int32_t>>();
  const auto noisy = j["noisy_labels"].get<std::vector<std::int32_t>>();
  EXPECT_NEAR(*adjusted_rand_index(truth, noisy), j["ari_truth_noisy"].get<double>(), 1e-12);
  EXPECT_NEAR(*normalized_mutual_info(truth, noisy), j["nmi_truth_noisy"].get<double>(), 1e-12);
}

TEST(Compare, RelabellingGivesPerfectAgreement) {
  std::vector<std::int32_t> a = {0, 0, 1, 1, 2, 2, 2}, b = {5, 5, -1, -1, 3, 3, 3};
  EXPECT_DOUBLE_EQ(*adjusted_rand_index(a, b), 1.0);
  EXPECT_NEAR(*normalized_mutual_info(a, b), 1.0, 1e-12);
  const auto jac = *best_jaccard(a, b);
  for (double v : jac) EXPECT_DOUBLE_EQ(v, 1.0);
}

TEST(Compare, JaccardOfASplitCluster) {
  std::vector<std::int32_t> ref = {0, 0, 0, 0, 1, 1}, other = {0, 0, 1, 1, 2, 2};
  const auto jac = *best_jaccard(ref, other);
  EXPECT_DOUBLE_EQ(jac[0], 0.5);
  EXPECT_DOUBLE_EQ(jac[1], 1.0);
}

TEST(Compare, LengthMismatchIsAnError) {
  std::vector<std::int32_t> a = {0, 1}, b = {0};
  EXPECT_EQ(adjusted_rand_index(a, b).status().code(), Code::invalid_input);
}

}  // namespace
}  // namespace kohort::select
