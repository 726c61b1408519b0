// kohort/clv/clv.h — customer lifetime value from the fitted BG/NBD and Gamma-Gamma models.
#pragma once

#include <vector>

#include "kohort/clv/bg_nbd.h"
#include "kohort/clv/gamma_gamma.h"
#include "kohort/clv/summary.h"

namespace kohort::clv {

struct ValueOptions {
  double horizon = 52;          ///< in time units of the summary
  double annual_discount = 0.1; ///< yearly discount rate for future spend
  int steps = 12;               ///< the horizon is cut into this many equal steps for discounting
};

/// Per customer: churn and value over the horizon.
struct CustomerValue {
  double p_alive = 0;
  double expected_purchases = 0;  ///< over the horizon
  double expected_value = 0;      ///< per future transaction (Gamma-Gamma)
  double clv = 0;                 ///< discounted expected spend over the horizon
};

/// Values for every customer of a summary: expected purchases in each step (BG/NBD eq. 10,
/// differenced), times the expected spend per transaction, discounted to the present at
/// (1 + annual_discount)^(−years to the end of the step). Requires gamma-gamma q > 1 (the mean
/// spend is infinite otherwise): invalid_input with a hint. Parallel over customers;
/// deterministic. O(customers · steps) hypergeometric evaluations.
[[nodiscard]] Result<std::vector<CustomerValue>> customer_values(
    const Context& ctx, const PurchaseSummary& s, TimeUnit unit, const BgNbdParams& bg,
    const GammaGammaParams& gg, const ValueOptions& options);

}  // namespace kohort::clv
