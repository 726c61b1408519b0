// kohort/clv/mbg_nbd.h — the MBG/NBD model of repeat purchasing (Batislam, Denizel &
// Filiztekin 2007): BG/NBD in which a customer may also drop out right after the first
// purchase, so that a one-time buyer of long ago is not certainly alive.
#pragma once

#include <span>

#include "kohort/core/context.h"
#include "kohort/core/result.h"

namespace kohort::clv {

/// Purchases while alive are Poisson(λ), λ ~ Gamma(r, α); at time 0 and after each purchase
/// the customer drops out with probability p, p ~ Beta(a, b).
struct MbgNbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};

struct MbgNbdFit {
  MbgNbdParams params;
  double log_likelihood = 0;  ///< at the optimum, summed over customers
  int evaluations = 0;
  bool converged = false;
};

/// Log-likelihood of one customer: ln[Γ(r+x)α^r/Γ(r) · B(a, b+x+1)/B(a, b) ·
/// ((α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x))], for x = 0 too.
[[nodiscard]] double mbg_nbd_log_likelihood(const MbgNbdParams& p, double x, double t_x, double T);

/// Maximum-likelihood fit on summaries x, t_x, T (as fit_bg_nbd: same checks and errors, the
/// same optimiser from r = α = a = b = 1; deterministic at any ctx.threads()).
/// O(customers) per evaluation, a few hundred evaluations.
[[nodiscard]] Result<MbgNbdFit> fit_mbg_nbd(const Context& ctx, std::span<const double> x,
                                            std::span<const double> t_x, std::span<const double> T);

/// P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)); below 1 for x = 0.
[[nodiscard]] double mbg_nbd_p_alive(const MbgNbdParams& p, double x, double t_x, double T);

/// E[X(T, T+t] | x, t_x, T] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ·
/// 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))] · P(alive): expected purchases in the next t units.
[[nodiscard]] double mbg_nbd_expected_purchases(const MbgNbdParams& p, double t, double x,
                                                double t_x, double T);

/// P(no purchase in (T, T+τ] | x, t_x, T) = 1 − P(alive) · (1 − ((α+T)/(α+T+τ))^(r+x)): the
/// churn risk over a horizon of τ time units.
[[nodiscard]] double mbg_nbd_p_no_purchase(const MbgNbdParams& p, double tau, double x,
                                           double t_x, double T);

}  // namespace kohort::clv
