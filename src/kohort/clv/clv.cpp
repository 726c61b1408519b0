#include "kohort/clv/clv.h"

#include <cmath>

#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::clv {

std::string_view purchase_model_name(PurchaseModel m) { return m == PurchaseModel::bg_nbd ? "bgnbd" : "mbgnbd"; }

double p_alive(const PurchaseParams& p, double x, double t_x, double T) {
  return p.model == PurchaseModel::bg_nbd ? bg_nbd_p_alive({p.r, p.alpha, p.a, p.b}, x, t_x, T)
                                          : mbg_nbd_p_alive({p.r, p.alpha, p.a, p.b}, x, t_x, T);
}

double expected_purchases(const PurchaseParams& p, double t, double x, double t_x, double T) {
  return p.model == PurchaseModel::bg_nbd ? bg_nbd_expected_purchases({p.r, p.alpha, p.a, p.b}, t, x, t_x, T)
                                          : mbg_nbd_expected_purchases({p.r, p.alpha, p.a, p.b}, t, x, t_x, T);
}

double p_no_purchase(const PurchaseParams& p, double tau, double x, double t_x, double T) {
  return p.model == PurchaseModel::bg_nbd ? bg_nbd_p_no_purchase({p.r, p.alpha, p.a, p.b}, tau, x, t_x, T)
                                          : mbg_nbd_p_no_purchase({p.r, p.alpha, p.a, p.b}, tau, x, t_x, T);
}

Result<std::vector<CustomerValue>> customer_values(const Context& ctx, const PurchaseSummary& s, TimeUnit unit,
                                                   const PurchaseParams& pm, const GammaGammaParams& gg,
                                                   const ValueOptions& o) {
  if (!(gg.q > 1))
    return Status::invalid_input("gamma-gamma", fmt::format("q = {:.3g} ≤ 1: the mean spend per transaction is unbounded", gg.q),
                                 "the spend model does not fit this data; check for extreme order values");
  if (!(o.horizon > 0) || o.steps < 1)
    return Status::invalid_argument("--horizon", "the horizon must be positive");
  if (!(o.churn_horizon > 0))
    return Status::invalid_argument("--churn-horizon", "the churn horizon must be positive");
  const auto n = static_cast<index_t>(s.x.size());
  std::vector<CustomerValue> out(static_cast<std::size_t>(n));
  const double years_per_unit = unit_days(unit) / 365.25;
  parallel_for_blocks(ctx, n, 256, [&](index_t, index_t b, index_t e) {
    for (index_t i = b; i < e; ++i) {
      const auto u = static_cast<std::size_t>(i);
      CustomerValue& v = out[u];
      v.p_alive = p_alive(pm, s.x[u], s.t_x[u], s.T[u]);
      v.churn_risk = p_no_purchase(pm, o.churn_horizon, s.x[u], s.t_x[u], s.T[u]);
      v.expected_value = gamma_gamma_expected_value(gg, s.x[u], s.monetary[u]);
      double prev = 0, clv = 0;
      for (int k = 1; k <= o.steps; ++k) {
        const double t = o.horizon * k / o.steps;
        const double e_t = expected_purchases(pm, t, s.x[u], s.t_x[u], s.T[u]);
        clv += (e_t - prev) * v.expected_value * std::pow(1 + o.annual_discount, -t * years_per_unit);
        prev = e_t;
      }
      v.expected_purchases = prev;
      v.clv = clv;
    }
  });
  return out;
}

}  // namespace kohort::clv
