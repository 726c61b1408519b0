#include "kohort/model/forget.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kohort/core/hash.h"

namespace kohort::model {
namespace {

constexpr Seconds kDay = kSecondsPerDay;

// Three customers a, b, c with recency_days and days_since_last_session as of day 100.
features::FeatureTable table() {
  features::FeatureTable t;
  t.as_of = 100 * kDay;
  t.info.resize(3);
  t.info[0].name = "recency_days";
  t.info[1].name = "days_since_last_session";
  t.info[2].name = "spend_total";
  t.values = Matrix<float>(3, 3);
  const float rows[3][3] = {{30, NAN, 10}, {30, 2, 20}, {1, NAN, 30}};
  for (index_t i = 0; i < 3; ++i)
    for (index_t j = 0; j < 3; ++j) t.values(i, j) = rows[i][j];
  t.customers = {0, 1, 2};
  return t;
}

TEST(Forget, AForgottenCustomerStaysOutUntilSeenAgain) {
  Forgotten f;
  f.when[sha256_fingerprint("a")] = 90 * kDay;  // last purchase day 70: out
  f.when[sha256_fingerprint("b")] = 90 * kDay;  // a session on day 98: seen again
  const auto t = table();
  const std::vector<std::string> ids = {"a", "b", "c"};
  EXPECT_EQ(rows_to_keep(f, t, ids), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(rows_to_keep(Forgotten{}, t, ids), (std::vector<bool>{true, true, true}));
}

TEST(Forget, DropRowsKeepsTheRestInOrderWithTheirPurchaseSummaries) {
  FitData d;
  d.raw = table();
  d.ids = {"a", "b", "c"};
  d.business.revenue = {1, 2, 3};
  d.purchases.customers = {0, 2};  // b has no summary
  d.purchases.x = {5, 7};
  d.purchases.t_x = d.purchases.T = d.purchases.monetary = d.purchases.first_value = {0, 0};
  EXPECT_EQ(drop_rows(d, {false, true, true}), 1);
  EXPECT_EQ(d.ids, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(d.raw.rows(), 2);
  EXPECT_EQ(d.raw.values(1, 2), 30.0f);
  EXPECT_EQ(d.business.revenue, (std::vector<double>{2, 3}));
  EXPECT_EQ(d.purchases.customers, (std::vector<events::customer_t>{1}));  // c, now row 1
  EXPECT_EQ(d.purchases.x, (std::vector<double>{7}));
}

}  // namespace
}  // namespace kohort::model
