// MBG/NBD against SciPy (tests/fixtures/gen/clv_mbgnbd.py) on the CDNOW sample, and churn risk
// validated on CDNOW's 39-week holdout: it must rank the customers who do not come back at
// least as well as recency alone.
#include "kohort/clv/mbg_nbd.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "common/fixtures.h"
#include "kohort/clv/bg_nbd.h"
#include "kohort/clv/clv.h"
#include "kohort/clv/summary.h"
#include "kohort/core/time.h"

namespace kohort::clv {
namespace {

using nlohmann::json;

Seconds yyyymmdd(const std::string& s) {
  const int v = std::stoi(s);
  return days_from_civil(v / 10000, static_cast<unsigned>(v / 100 % 100), static_cast<unsigned>(v % 100)) *
         kSecondsPerDay;
}

// The CDNOW sample's purchases (masterid, date, sales) as an event log.
events::EventLog cdnow_sample() {
  std::ifstream f(testing::fixture_path("clv/cdnow_sample_elog.csv"));
  events::EventLog log;
  std::string line;
  std::getline(f, line);  // masterid,sampleid,date,cds,sales
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string id, sample, date, cds, sales;
    std::getline(ss, id, ',');
    std::getline(ss, sample, ',');
    std::getline(ss, date, ',');
    std::getline(ss, cds, ',');
    std::getline(ss, sales, ',');
    log.transactions.customer.push_back(log.intern(id));
    log.transactions.time.push_back(yyyymmdd(date));
    log.transactions.amount.push_back(std::stod(sales));
  }
  EXPECT_TRUE(log.finalize().ok());
  return log;
}

const Seconds kCalibrationEnd = yyyymmdd("19970930");

// Per summary entry: did the customer buy in the 39 weeks after the calibration end?
std::vector<bool> bought_in_holdout(const events::EventLog& log, const PurchaseSummary& s) {
  const Seconds end = kCalibrationEnd + 39 * 7 * kSecondsPerDay;
  std::vector<bool> bought;
  for (auto c : s.customers) {
    bool any = false;
    for (index_t i = log.transactions.offsets[static_cast<std::size_t>(c)];
         i < log.transactions.offsets[static_cast<std::size_t>(c) + 1]; ++i) {
      const Seconds t = log.transactions.time[static_cast<std::size_t>(i)];
      any = any || (day_of(t) > day_of(kCalibrationEnd) && t < end + kSecondsPerDay);
    }
    bought.push_back(any);
  }
  return bought;
}

// P(a random non-buyer scores above a random buyer), ties counting one half (Mann–Whitney).
double auc(const std::vector<double>& score, const std::vector<bool>& bought) {
  std::vector<std::size_t> order(score.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, positives = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based
    for (std::size_t k = i; k < j; ++k)
      if (!bought[order[k]]) rank_sum += mid_rank, positives += 1;
    i = j;
  }
  const double negatives = static_cast<double>(score.size()) - positives;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

TEST(MbgNbd, EquationsMatchTheScipyReferenceOnCdnowCustomers) {
  const auto j = testing::load_json("clv/mbgnbd_cdnow.json");
  for (const char* model : {"mbgnbd", "bgnbd"}) {
    const json& m = j[model];
    const PurchaseParams p{std::string(model) == "bgnbd" ? PurchaseModel::bg_nbd : PurchaseModel::mbg_nbd,
                           m["params"]["r"], m["params"]["alpha"], m["params"]["a"], m["params"]["b"]};
    for (const auto& c : m["customers"]) {
      const double x = c["x"], tx = c["t_x"], T = c["T"];
      SCOPED_TRACE(std::string(model) + " masterid " + c["masterid"].dump() + "; " + j["source"].get<std::string>());
      const double ll = p.model == PurchaseModel::bg_nbd ? bg_nbd_log_likelihood({p.r, p.alpha, p.a, p.b}, x, tx, T)
                                                         : mbg_nbd_log_likelihood({p.r, p.alpha, p.a, p.b}, x, tx, T);
      EXPECT_NEAR(ll, c["loglik"].get<double>(), 1e-9);
      EXPECT_NEAR(p_alive(p, x, tx, T), c["p_alive"].get<double>(), 1e-12);
      EXPECT_NEAR(p_no_purchase(p, 90.0 / 7, x, tx, T), c["p_none_90d"].get<double>(), 1e-12);
      EXPECT_NEAR(p_no_purchase(p, 39, x, tx, T), c["p_none_39w"].get<double>(), 1e-12);
      EXPECT_NEAR(expected_purchases(p, 39, x, tx, T), c["expected_39"].get<double>(), 1e-9);
      EXPECT_NEAR(expected_purchases(p, 52, x, tx, T), c["expected_52"].get<double>(), 1e-9);
    }
  }
}

TEST(MbgNbd, NoPurchaseWithinTauIsTheLikelihoodRatioOfALongerSilence) {
  // Staying silent for τ more units: L(x, t_x, T + τ) / L(x, t_x, T), for both models.
  const MbgNbdParams m{0.52, 6.2, 0.89, 1.6};
  const BgNbdParams b{0.24, 4.4, 0.79, 2.4};
  for (const auto& [x, tx, T] : std::vector<std::tuple<double, double, double>>{
           {0, 0, 38}, {1, 0.3, 38}, {4, 20, 30}, {30, 37, 38}, {200, 100, 104}}) {
    for (double tau : {1.0, 12.86, 52.0}) {
      EXPECT_NEAR(mbg_nbd_p_no_purchase(m, tau, x, tx, T),
                  std::exp(mbg_nbd_log_likelihood(m, x, tx, T + tau) - mbg_nbd_log_likelihood(m, x, tx, T)), 1e-12);
      EXPECT_NEAR(bg_nbd_p_no_purchase(b, tau, x, tx, T),
                  std::exp(bg_nbd_log_likelihood(b, x, tx, T + tau) - bg_nbd_log_likelihood(b, x, tx, T)), 1e-12);
    }
  }
  // A one-time buyer is not certainly alive, and less so the longer ago.
  EXPECT_LT(mbg_nbd_p_alive(m, 0, 0, 60), mbg_nbd_p_alive(m, 0, 0, 5));
  EXPECT_LT(mbg_nbd_p_alive(m, 0, 0, 5), 1.0);
  EXPECT_EQ(bg_nbd_p_alive(b, 0, 0, 60), 1.0);
}

TEST(MbgNbd, HeavyBuyersStayFinite) {
  const MbgNbdParams m{0.52, 6.2, 0.89, 1.6};
  for (double x : {300.0, 700.0, 1500.0}) {
    const double e = mbg_nbd_expected_purchases(m, 52, x, 100, 104);
    EXPECT_TRUE(std::isfinite(e)) << x;
    EXPECT_GT(e, 0) << x;
  }
}

TEST(MbgNbd, FitOnTheCdnowSampleMatchesScipyAndChurnRiskRanksTheHoldoutAsWellAsRecency) {
  const auto j = testing::load_json("clv/mbgnbd_cdnow.json");
  const auto log = cdnow_sample();
  const auto s = summarize_purchases(log, kCalibrationEnd, TimeUnit::week);
  ASSERT_EQ(s.x.size(), 2357u);
  const auto fit = fit_mbg_nbd(Context(2, 0), s.x, s.t_x, s.T);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  const json& want = j["mbgnbd"];
  EXPECT_NEAR(fit->log_likelihood, want["loglik"].get<double>(), 1e-3);
  for (const char* k : {"r", "alpha", "a", "b"}) {
    const double got = k[0] == 'r' ? fit->params.r : k[1] == 'l' ? fit->params.alpha : k[0] == 'a' ? fit->params.a
                                                                                                  : fit->params.b;
    EXPECT_NEAR(got, want["params"][k].get<double>(), 2e-3 * want["params"][k].get<double>()) << k;
  }
  // The holdout: 1,673 of the 2,357 customers do not buy in the next 39 weeks.
  const auto bought = bought_in_holdout(log, s);
  EXPECT_EQ(std::count(bought.begin(), bought.end(), false), j["auc"]["sample"]["non_buyers"].get<long>());
  std::vector<double> recency, churn, bg_dead;
  const auto bg = fit_bg_nbd(Context(2, 0), s.x, s.t_x, s.T);
  ASSERT_TRUE(bg.ok());
  const auto pm = PurchaseParams::of(fit->params);
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    recency.push_back(s.T[i] - s.t_x[i]);
    churn.push_back(p_no_purchase(pm, 90.0 / 7, s.x[i], s.t_x[i], s.T[i]));
    bg_dead.push_back(1 - bg_nbd_p_alive(bg->params, s.x[i], s.t_x[i], s.T[i]));
  }
  const json& a = j["auc"]["sample"];
  EXPECT_NEAR(auc(recency, bought), a["recency_T_minus_t_x"].get<double>(), 1e-9);
  EXPECT_NEAR(auc(churn, bought), a["mbgnbd_p_none_90d"].get<double>(), 1e-4);
  EXPECT_NEAR(auc(bg_dead, bought), a["bgnbd_1_minus_p_alive"].get<double>(), 1e-3);
  // The acceptance rule: churn risk ranks the holdout within 0.02 of recency alone's AUC.
  EXPECT_GE(auc(churn, bought), auc(recency, bought) - 0.02);
  EXPECT_LT(auc(bg_dead, bought), 0.5);  // why BG/NBD's 1 − P(alive) is not a churn risk
}

TEST(MbgNbd, SameResultAtAnyThreadCount) {
  const auto log = cdnow_sample();
  const auto s = summarize_purchases(log, kCalibrationEnd, TimeUnit::week);
  const auto one = fit_mbg_nbd(Context(1, 0), s.x, s.t_x, s.T);
  const auto three = fit_mbg_nbd(Context(3, 0), s.x, s.t_x, s.T);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(one->params.r, three->params.r);
  EXPECT_EQ(one->params.b, three->params.b);
  EXPECT_EQ(one->log_likelihood, three->log_likelihood);
}

}  // namespace
}  // namespace kohort::clv
