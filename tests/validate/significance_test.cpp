#include "kohort/validate/significance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/fixtures.h"

namespace kohort::validate {
namespace {

TEST(Significance, MatchesScipyAnovaAndKruskalWallisWithTies) {
  const auto j = testing::load_json("validate/significance_groups_300x4.json");
  const auto x = testing::load_csv_matrix("validate/" + j["data"].get<std::string>());
  const auto labels = j["labels"].get<std::vector<std::int32_t>>();
  const auto t = column_tests(Context(2, 0), x.cview(), labels);
  ASSERT_TRUE(t.ok()) << t.status().message();
  const auto& cols = j["columns"];
  for (std::size_t c = 0; c < cols.size(); ++c) {
    SCOPED_TRACE("column " + std::to_string(c) + "; " + j["source"].get<std::string>());
    const double f = cols[c]["anova_f"], pf = cols[c]["anova_p"], h = cols[c]["kruskal_h"], ph = cols[c]["kruskal_p"];
    EXPECT_NEAR((*t)[c].anova_f, f, 1e-9 * f);
    EXPECT_NEAR((*t)[c].anova_p, pf, 1e-9 * pf + 1e-300);
    EXPECT_NEAR((*t)[c].kruskal_h, h, 1e-9 * h);
    EXPECT_NEAR((*t)[c].kruskal_p, ph, 1e-9 * ph + 1e-300);
  }
}

TEST(Significance, ConstantColumnAndBadLabels) {
  Matrix<float> x(6, 1);
  std::vector<std::int32_t> l = {0, 0, 1, 1, 2, -1};
  const auto t = column_tests(Context(1, 0), x.cview(), l);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].anova_p, 1.0);
  EXPECT_EQ((*t)[0].kruskal_p, 1.0);
  std::vector<std::int32_t> one(6, 0);
  EXPECT_EQ(column_tests(Context(1, 0), x.cview(), one).status().code(), Code::invalid_input);
}

}  // namespace
}  // namespace kohort::validate
