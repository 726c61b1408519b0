#include "kohort/clv/mbg_nbd.h"

#include "kohort/clv/internal/bg_family.h"

namespace kohort::clv {

namespace {
constexpr int kShift = 1;  // MBG/NBD: dropout possible at time 0 as well
internal::FamilyParams family(const MbgNbdParams& p) { return {p.r, p.alpha, p.a, p.b}; }
}  // namespace

double mbg_nbd_log_likelihood(const MbgNbdParams& p, double x, double t_x, double T) {
  return internal::family_log_likelihood(kShift, family(p), x, t_x, T);
}

Result<MbgNbdFit> fit_mbg_nbd(const Context& ctx, std::span<const double> x, std::span<const double> t_x,
                              std::span<const double> T) {
  KOHORT_ASSIGN_OR_RETURN(const auto f, internal::fit_family(ctx, kShift, x, t_x, T, "mbg/nbd"));
  return MbgNbdFit{{f.params.r, f.params.alpha, f.params.a, f.params.b}, f.log_likelihood, f.evaluations, f.converged};
}

double mbg_nbd_p_alive(const MbgNbdParams& p, double x, double t_x, double T) {
  return internal::family_p_alive(kShift, family(p), x, t_x, T);
}

double mbg_nbd_expected_purchases(const MbgNbdParams& p, double t, double x, double t_x, double T) {
  return internal::family_expected(kShift, family(p), t, x, t_x, T);
}

double mbg_nbd_p_no_purchase(const MbgNbdParams& p, double tau, double x, double t_x, double T) {
  return internal::family_p_no_purchase(kShift, family(p), tau, x, t_x, T);
}

}  // namespace kohort::clv
