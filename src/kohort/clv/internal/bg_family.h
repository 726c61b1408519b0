// kohort/clv/internal/bg_family.h — the BG/NBD family in one form. BG/NBD (Fader, Hardie & Lee
// 2005) lets a customer drop out only after a repeat purchase; MBG/NBD (Batislam, Denizel &
// Filiztekin 2007) also at time 0, right after the first. With `shift` s = 0 (BG) or 1 (MBG)
// every expression of the two differs only in b + x − 1 + s and in the x = 0 case.
#pragma once

#include <span>

#include "kohort/core/context.h"
#include "kohort/core/result.h"

namespace kohort::clv::internal {

struct FamilyParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};

struct FamilyFit {
  FamilyParams params;
  double log_likelihood = 0;
  int evaluations = 0;
  bool converged = false;
};

/// ln L(r, α, a, b | x, t_x, T) of one customer, in log space.
[[nodiscard]] double family_log_likelihood(int shift, const FamilyParams& p, double x, double t_x, double T);

/// Maximum likelihood over the summaries (checked: x ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 when x = 0;
/// at least 2 repeat buyers), `what` naming the model in errors. Deterministic at any
/// ctx.threads() (blocks summed in order).
[[nodiscard]] Result<FamilyFit> fit_family(const Context& ctx, int shift, std::span<const double> x,
                                           std::span<const double> t_x, std::span<const double> T,
                                           const char* what);

/// P(alive | x, t_x, T), as a logistic of the log odds (1 − P(alive) of 1e-10 stays exact).
[[nodiscard]] double family_p_alive(int shift, const FamilyParams& p, double x, double t_x, double T);

/// E[X(T, T + t] | x, t_x, T]: expected purchases in the next t time units.
[[nodiscard]] double family_expected(int shift, const FamilyParams& p, double t, double x, double t_x,
                                     double T);

/// P(no purchase in (T, T + τ] | x, t_x, T) = 1 − P(alive)·(1 − ((α+T)/(α+T+τ))^(r+x)).
[[nodiscard]] double family_p_no_purchase(int shift, const FamilyParams& p, double tau, double x,
                                          double t_x, double T);

}  // namespace kohort::clv::internal
