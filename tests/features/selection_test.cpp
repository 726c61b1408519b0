// The correlation filter: keeps the earlier of two near-duplicate columns, names it in the
// reason, keeps anti-correlated pairs' first column too, and does not depend on threads.
#include <gtest/gtest.h>

#include "kohort/core/rng.h"
#include "kohort/features/selection.h"

namespace kohort::features {
namespace {

FeatureTable table_of(index_t n) {
  FeatureTable t;
  t.values = Matrix<float>(n, 4);
  Rng rng(3);
  for (index_t i = 0; i < n; ++i) {
    const double a = rng.normal(), b = rng.normal();
    t.values(i, 0) = static_cast<float>(a);
    t.values(i, 1) = static_cast<float>(b);
    t.values(i, 2) = static_cast<float>(2 * a + 0.01 * rng.normal());  // repeats column 0
    t.values(i, 3) = static_cast<float>(-b + 0.5 * rng.normal());      // r ≈ −0.89 with column 1
  }
  for (const char* name : {"spend", "visits", "spend_twice", "fewer_visits"})
    t.info.push_back({name, "test", "count", "a test column", name});
  return t;
}

TEST(CorrelationFilter, DropsTheLaterOfTwoNearDuplicates) {
  const FeatureTable t = table_of(5000);
  auto f = filter_correlated(Context().with_threads(2), t, 0.95);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kept, (std::vector<index_t>{0, 1, 3}));
  ASSERT_EQ(f->dropped.size(), 1U);
  EXPECT_EQ(f->dropped[0].name, "spend_twice");
  EXPECT_NE(f->dropped[0].reason.find("with 'spend'"), std::string::npos) << f->dropped[0].reason;
  // A lower threshold also catches the anti-correlated pair.
  auto g = filter_correlated(Context().with_threads(1), t, 0.85);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->kept, (std::vector<index_t>{0, 1}));
  EXPECT_NE(g->dropped[1].reason.find("correlated -0.8"), std::string::npos) << g->dropped[1].reason;

  FeatureTable s = table_of(5000);  // the same table as t
  keep_columns(s, f->kept);
  ASSERT_EQ(s.cols(), 3);
  ASSERT_EQ(s.rows(), t.rows());
  EXPECT_EQ(s.info[2].name, "fewer_visits");
  for (index_t i = 0; i < t.rows(); ++i) {
    EXPECT_EQ(s.values(i, 0), t.values(i, f->kept[0]));
    EXPECT_EQ(s.values(i, 2), t.values(i, 3));
  }
}

TEST(CorrelationFilter, RejectsABadThreshold) {
  EXPECT_FALSE(filter_correlated(Context(), table_of(10), 0.0).ok());
  EXPECT_FALSE(filter_correlated(Context(), table_of(10), 1.5).ok());
}

}  // namespace
}  // namespace kohort::features
