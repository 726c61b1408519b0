// kohort/clv/bg_nbd.h — the BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).
#pragma once

#include <span>

#include "kohort/core/context.h"
#include "kohort/core/result.h"

namespace kohort::clv {

/// Purchases while alive are Poisson(λ), λ ~ Gamma(r, α); after each purchase the customer
/// drops out with probability p, p ~ Beta(a, b).
struct BgNbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};

struct BgNbdFit {
  BgNbdParams params;
  double log_likelihood = 0;  ///< at the optimum, summed over customers
  int evaluations = 0;
  bool converged = false;
};

/// Log-likelihood of one customer (eq. 6 of the paper), in log space for stability.
[[nodiscard]] double bg_nbd_log_likelihood(const BgNbdParams& p, double x, double t_x, double T);

/// Maximum-likelihood fit on summaries x, t_x, T (same length, x ≥ 0, 0 ≤ t_x ≤ T).
/// Optimises log-parameters with NLopt's bounded Nelder–Mead (then Subplex polish) from
/// r = α = a = b = 1; deterministic. Fails with invalid_input naming the first bad customer
/// (by position) and when fewer than 2 customers have repeat purchases.
[[nodiscard]] Result<BgNbdFit> fit_bg_nbd(const Context& ctx, std::span<const double> x,
                                          std::span<const double> t_x, std::span<const double> T);

/// P(alive | x, t_x, T) (eq. 11 of Fader, Hardie & Lee 2005b, "Computing P(alive)…").
[[nodiscard]] double bg_nbd_p_alive(const BgNbdParams& p, double x, double t_x, double T);

/// E[X(t) | x, t_x, T]: expected purchases in the next t time units (eq. 10).
[[nodiscard]] double bg_nbd_expected_purchases(const BgNbdParams& p, double t, double x,
                                               double t_x, double T);

/// P(no purchase in (T, T + τ] | x, t_x, T) = 1 − P(alive) + P(alive)·((α+T)/(α+T+τ))^(r+x):
/// the probability that a customer with this history does not buy within τ time units.
[[nodiscard]] double bg_nbd_p_no_purchase(const BgNbdParams& p, double tau, double x, double t_x,
                                          double T);

/// E[X(t)] for a new customer (eq. 7), used by the tests of known parameters.
[[nodiscard]] double bg_nbd_expected_purchases_new(const BgNbdParams& p, double t);

}  // namespace kohort::clv
