#include "kohort/clv/bg_nbd.h"

#include "kohort/clv/internal/bg_family.h"
#include "kohort/clv/internal/special.h"

namespace kohort::clv {

namespace {
constexpr int kShift = 0;  // BG/NBD: no dropout before the first repeat purchase
internal::FamilyParams family(const BgNbdParams& p) { return {p.r, p.alpha, p.a, p.b}; }
}  // namespace

double bg_nbd_log_likelihood(const BgNbdParams& p, double x, double t_x, double T) {
  return internal::family_log_likelihood(kShift, family(p), x, t_x, T);
}

Result<BgNbdFit> fit_bg_nbd(const Context& ctx, std::span<const double> x, std::span<const double> t_x,
                            std::span<const double> T) {
  KOHORT_ASSIGN_OR_RETURN(const auto f, internal::fit_family(ctx, kShift, x, t_x, T, "bg/nbd"));
  return BgNbdFit{{f.params.r, f.params.alpha, f.params.a, f.params.b}, f.log_likelihood, f.evaluations, f.converged};
}

double bg_nbd_p_alive(const BgNbdParams& p, double x, double t_x, double T) {
  return internal::family_p_alive(kShift, family(p), x, t_x, T);
}

double bg_nbd_expected_purchases(const BgNbdParams& p, double t, double x, double t_x, double T) {
  return internal::family_expected(kShift, family(p), t, x, t_x, T);
}

double bg_nbd_p_no_purchase(const BgNbdParams& p, double tau, double x, double t_x, double T) {
  return internal::family_p_no_purchase(kShift, family(p), tau, x, t_x, T);
}

double bg_nbd_expected_purchases_new(const BgNbdParams& p, double t) {
  const double z = t / (p.alpha + t);
  return (p.a + p.b - 1) / (p.a - 1) * (1.0 - internal::scaled_hyp2f1(p.r, p.b, p.a + p.b - 1, z));
}

}  // namespace kohort::clv
