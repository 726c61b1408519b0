#include "kohort/core/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kohort {
namespace {

TEST(Rng, SameSeedPurposeAndBlockGiveSameStream) {
  Rng a(7, "init", 3), b(7, "init", 3), c(7, "init", 4), d(7, "other", 3);
  const auto x = a();
  EXPECT_EQ(x, b());
  EXPECT_NE(x, c());
  EXPECT_NE(x, d());
}

TEST(Rng, UniformAndBelowStayInRangeWithRightMean) {
  Rng r(1);
  double sum = 0;
  std::vector<int> counts(5, 0);
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    ++counts[r.below(5)];
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
  for (int c : counts) EXPECT_NEAR(c, n / 5, n / 50);
}

TEST(Rng, NormalHasUnitVariance) {
  Rng r(2);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
}

}  // namespace
}  // namespace kohort
