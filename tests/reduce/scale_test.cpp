#include "kohort/reduce/scale.h"

#include <gtest/gtest.h>

namespace kohort::reduce {
namespace {

TEST(Scale, ZScoreAndRobustMatchHandComputedValues) {
  Matrix<float> x(5, 2);
  const float a[5] = {1, 2, 3, 4, 100}, b[5] = {7, 7, 7, 7, 7};
  for (int i = 0; i < 5; ++i) {
    x(i, 0) = a[i];
    x(i, 1) = b[i];
  }
  const auto z = fit_scale(Context(2, 0), x.cview(), Scaling::z);
  ASSERT_TRUE(z.ok());
  EXPECT_DOUBLE_EQ(z->center[0], 22.0);
  EXPECT_NEAR(z->scale[0], 39.0128, 1e-4);  // population sd of {1,2,3,4,100}
  EXPECT_EQ(z->constant_columns, (std::vector<std::int64_t>{1}));
  const auto r = fit_scale(Context(2, 0), x.cview(), Scaling::robust);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->center[0], 3.0);  // median
  EXPECT_DOUBLE_EQ(r->scale[0], 2.0);   // Q3 4 − Q1 2 (linear interpolation)
  Matrix<float> y = x.clone();
  apply_scale(Context(1, 0), *r, y.view());
  EXPECT_FLOAT_EQ(y(4, 0), 48.5f);
  EXPECT_FLOAT_EQ(y(0, 1), 0.0f);
  EXPECT_FALSE(parse_scaling("sideways").ok());
}

}  // namespace
}  // namespace kohort::reduce
