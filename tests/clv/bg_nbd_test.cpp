#include "kohort/clv/bg_nbd.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/fixtures.h"
#include "kohort/clv/gamma_gamma.h"
#include "kohort/clv/summary.h"
#include "kohort/core/rng.h"

namespace kohort::clv {
namespace {

TEST(BgNbd, EquationsMatchTheScipyReferenceAtPublishedParameters) {
  const auto j = testing::load_json("clv/bgnbd_cdnow_params.json");
  const BgNbdParams p{j["bgnbd"]["r"], j["bgnbd"]["alpha"], j["bgnbd"]["a"], j["bgnbd"]["b"]};
  const GammaGammaParams g{j["gamma_gamma"]["p"], j["gamma_gamma"]["q"], j["gamma_gamma"]["gamma"]};
  for (const auto& c : j["customers"]) {
    const double x = c["x"], tx = c["t_x"], T = c["T"];
    SCOPED_TRACE("x=" + std::to_string(x) + "; " + j["source"].get<std::string>());
    EXPECT_NEAR(bg_nbd_log_likelihood(p, x, tx, T), c["loglik"].get<double>(), 1e-10);
    EXPECT_NEAR(bg_nbd_p_alive(p, x, tx, T), c["p_alive"].get<double>(), 1e-12);
    EXPECT_NEAR(bg_nbd_expected_purchases(p, 39, x, tx, T), c["expected_39"].get<double>(), 1e-9);
    EXPECT_NEAR(bg_nbd_expected_purchases(p, 52, x, tx, T), c["expected_52"].get<double>(), 1e-9);
    EXPECT_NEAR(gamma_gamma_expected_value(g, x, 35.0), c["gamma_gamma_m35"].get<double>(), 1e-9);
  }
  EXPECT_NEAR(bg_nbd_expected_purchases_new(p, 39), j["expected_new_39"].get<double>(), 1e-9);
  EXPECT_NEAR(bg_nbd_expected_purchases_new(p, 78), j["expected_new_78"].get<double>(), 1e-9);
}

// Customers drawn from the model itself: λ ~ Gamma(r, α), p ~ Beta(a, b), observed for T.
struct Drawn {
  std::vector<double> x, tx, T, m;
};

double gamma_draw(Rng& rng, double shape, double scale) {
  // Marsaglia & Tsang (2000); shape < 1 boosted by U^(1/shape).
  if (shape < 1) return gamma_draw(rng, shape + 1, scale) * std::pow(rng.uniform(), 1.0 / shape);
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double z = rng.normal(), v = 1 + c * z;
    if (v <= 0) continue;
    v = v * v * v;
    const double u = rng.uniform();
    if (std::log(u) < 0.5 * z * z + d - d * v + d * std::log(v)) return d * v * scale;
  }
}

Drawn draw(const BgNbdParams& p, const GammaGammaParams& g, int n, double T, std::uint64_t seed) {
  Rng rng(seed, "test.bgnbd");
  Drawn d;
  for (int i = 0; i < n; ++i) {
    const double lambda = gamma_draw(rng, p.r, 1 / p.alpha);
    const double ga = gamma_draw(rng, p.a, 1), gb = gamma_draw(rng, p.b, 1);
    const double drop = ga / (ga + gb);
    const double nu = gamma_draw(rng, g.q, 1 / g.gamma);
    double t = 0, last = 0, sum = 0;
    int x = 0;
    for (;;) {
      t += -std::log(1 - rng.uniform()) / lambda;
      if (t > T) break;
      ++x;
      last = t;
      sum += gamma_draw(rng, g.p, 1 / nu);
      if (rng.uniform() < drop) break;
    }
    d.x.push_back(x);
    d.tx.push_back(last);
    d.T.push_back(T);
    d.m.push_back(x > 0 ? sum / x : 0);
  }
  return d;
}

TEST(BgNbd, RecoversKnownParametersFromDataGeneratedByTheModel) {
  const BgNbdParams truth{0.6, 4.0, 0.9, 2.8};
  const GammaGammaParams gg_truth{5.0, 4.0, 20.0};
  const auto d = draw(truth, gg_truth, 30000, 52, 11);
  const auto fit = fit_bg_nbd(Context(2, 0), d.x, d.tx, d.T);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_NEAR(fit->params.r, truth.r, 0.1 * truth.r);
  EXPECT_NEAR(fit->params.alpha, truth.alpha, 0.15 * truth.alpha);
  EXPECT_NEAR(fit->params.a, truth.a, 0.25 * truth.a);
  EXPECT_NEAR(fit->params.b, truth.b, 0.3 * truth.b);
  // The likelihood at the optimum is at least the likelihood at the truth.
  double at_truth = 0;
  for (std::size_t i = 0; i < d.x.size(); ++i) at_truth += bg_nbd_log_likelihood(truth, d.x[i], d.tx[i], d.T[i]);
  EXPECT_GE(fit->log_likelihood, at_truth - 1e-6);
  const auto gg = fit_gamma_gamma(Context(1, 0), d.x, d.m);
  ASSERT_TRUE(gg.ok());
  // p·γ/(q − 1), the mean spend, is identified much better than each parameter.
  const double mean_fit = gg->params.p * gg->params.gamma / (gg->params.q - 1);
  const double mean_truth = gg_truth.p * gg_truth.gamma / (gg_truth.q - 1);
  EXPECT_NEAR(mean_fit, mean_truth, 0.05 * mean_truth);
}

TEST(BgNbd, SameResultAtAnyThreadCountAndClearErrors) {
  const auto d = draw({0.5, 3.0, 0.8, 2.0}, {5, 4, 20}, 3000, 40, 3);
  const auto one = fit_bg_nbd(Context(1, 0), d.x, d.tx, d.T);
  const auto four = fit_bg_nbd(Context(4, 0), d.x, d.tx, d.T);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_EQ(one->params.r, four->params.r);
  EXPECT_EQ(one->log_likelihood, four->log_likelihood);
  std::vector<double> x = {1, 2}, tx = {5, 9}, T = {4, 10};
  const auto bad = fit_bg_nbd(Context(1, 0), x, tx, T);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().where(), "customer #0");
  std::vector<double> none = {0, 0, 0}, zero = {0, 0, 0}, age = {3, 4, 5};
  EXPECT_EQ(fit_bg_nbd(Context(1, 0), none, zero, age).status().code(), Code::invalid_input);
}

TEST(PurchaseSummary, SameDayPurchasesAreOneTransactionAndCalibrationEndIsInclusive) {
  events::EventLog log;
  const auto day = [](int m, int d) { return days_from_civil(2024, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400; };
  const auto push = [&](const char* id, Seconds t, double amount) {
    log.transactions.customer.push_back(log.intern(id));
    log.transactions.time.push_back(t);
    log.transactions.amount.push_back(amount);
  };
  push("a", day(1, 1) + 3600, 10);
  push("a", day(1, 1) + 7200, 5);   // same day: one transaction of 15
  push("a", day(1, 8), 20);
  push("a", day(1, 15) + 80000, 0);  // a free purchase still counts, on the calibration end
  push("a", day(1, 16), 99);         // after the calibration end
  push("b", day(1, 10), -5);         // a refund only: no transaction
  ASSERT_TRUE(log.finalize().ok());
  const auto s = summarize_purchases(log, day(1, 15), TimeUnit::week);
  ASSERT_EQ(s.customers.size(), 1u);
  EXPECT_EQ(s.x[0], 2);
  EXPECT_DOUBLE_EQ(s.t_x[0], 2.0);
  EXPECT_DOUBLE_EQ(s.T[0], 2.0);
  EXPECT_DOUBLE_EQ(s.monetary[0], 10.0);
  EXPECT_DOUBLE_EQ(s.first_value[0], 15.0);
}

}  // namespace
}  // namespace kohort::clv
