// kohort/clv/clv.h — customer lifetime value and churn risk from a fitted repeat-purchase model
// (BG/NBD or MBG/NBD) and the Gamma-Gamma spend model.
#pragma once

#include <string_view>
#include <vector>

#include "kohort/clv/bg_nbd.h"
#include "kohort/clv/gamma_gamma.h"
#include "kohort/clv/mbg_nbd.h"
#include "kohort/clv/summary.h"

namespace kohort::clv {

/// The repeat-purchase model that values customers. MBG/NBD is the default: under BG/NBD a
/// customer who never bought again is alive by construction (P(alive) = 1), so a one-time
/// buyer of long ago would show no churn risk at all.
enum class PurchaseModel { bg_nbd, mbg_nbd };

/// "bgnbd" or "mbgnbd", as in JSON and on the command line.
[[nodiscard]] std::string_view purchase_model_name(PurchaseModel m);

/// Either model's four fitted parameters.
struct PurchaseParams {
  PurchaseModel model = PurchaseModel::mbg_nbd;
  double r = 0, alpha = 0, a = 0, b = 0;
  [[nodiscard]] static PurchaseParams of(const BgNbdParams& p) { return {PurchaseModel::bg_nbd, p.r, p.alpha, p.a, p.b}; }
  [[nodiscard]] static PurchaseParams of(const MbgNbdParams& p) { return {PurchaseModel::mbg_nbd, p.r, p.alpha, p.a, p.b}; }
};

/// The model's P(alive), expected purchases in the next t units and P(no purchase within τ).
[[nodiscard]] double p_alive(const PurchaseParams& p, double x, double t_x, double T);
[[nodiscard]] double expected_purchases(const PurchaseParams& p, double t, double x, double t_x, double T);
[[nodiscard]] double p_no_purchase(const PurchaseParams& p, double tau, double x, double t_x, double T);

struct ValueOptions {
  double horizon = 52;          ///< CLV horizon, in time units of the summary
  double annual_discount = 0.1; ///< yearly discount rate for future spend
  int steps = 12;               ///< the horizon is cut into this many equal steps for discounting
  double churn_horizon = 90.0 / 7;  ///< churn risk: no purchase within this many time units
};

/// Per customer: churn and value over the horizon.
struct CustomerValue {
  double p_alive = 0;
  double churn_risk = 0;          ///< P(no purchase within options.churn_horizon)
  double expected_purchases = 0;  ///< over the horizon
  double expected_value = 0;      ///< per future transaction (Gamma-Gamma)
  double clv = 0;                 ///< discounted expected spend over the horizon
};

/// Values for every customer of a summary: expected purchases in each step (the model's
/// conditional expectation, differenced), times the expected spend per transaction, discounted
/// to the present at (1 + annual_discount)^(−years to the end of the step); and the churn risk.
/// Requires gamma-gamma q > 1 (the mean spend is infinite otherwise): invalid_input with a
/// hint; invalid_argument for a horizon ≤ 0. Parallel over customers; deterministic.
/// O(customers · steps) hypergeometric evaluations.
[[nodiscard]] Result<std::vector<CustomerValue>> customer_values(
    const Context& ctx, const PurchaseSummary& s, TimeUnit unit, const PurchaseParams& purchases,
    const GammaGammaParams& gg, const ValueOptions& options);

}  // namespace kohort::clv
