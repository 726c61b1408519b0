#include "kohort/model/value.h"

#include "kohort/clv/clv.h"

namespace kohort::model {

namespace {

// The stored parameters, or nullopt when the fit recorded none.
Result<std::optional<std::pair<clv::PurchaseParams, clv::GammaGammaParams>>> stored_params(const nlohmann::json& c,
                                                                                             clv::ValueOptions& vo) {
  using Params = std::optional<std::pair<clv::PurchaseParams, clv::GammaGammaParams>>;
  if (!c.is_object() || !c.contains("gamma_gamma")) return Params();
  const bool mbg = c.contains("mbgnbd");
  const nlohmann::json& p = mbg ? c["mbgnbd"] : c.value("bgnbd", nlohmann::json());
  const nlohmann::json& g = c["gamma_gamma"];
  const auto number = [](const nlohmann::json& o, const char* k) { return o.is_object() && o.contains(k) && o[k].is_number(); };
  for (const char* k : {"r", "alpha", "a", "b"})
    if (!number(p, k)) return Status(Code::corruption, "model", fmt::format("clv parameter {} is missing", k), "refit the model");
  for (const char* k : {"p", "q", "gamma"})
    if (!number(g, k)) return Status(Code::corruption, "model", fmt::format("clv parameter gamma_gamma.{} is missing", k), "refit the model");
  if (number(c, "horizon")) vo.horizon = c["horizon"].get<double>();
  if (number(c, "annual_discount")) vo.annual_discount = c["annual_discount"].get<double>();
  if (number(c, "churn_horizon_days")) vo.churn_horizon = c["churn_horizon_days"].get<double>() / clv::unit_days(clv::TimeUnit::week);
  clv::PurchaseParams pp{mbg ? clv::PurchaseModel::mbg_nbd : clv::PurchaseModel::bg_nbd, p["r"].get<double>(), p["alpha"].get<double>(),
                         p["a"].get<double>(), p["b"].get<double>()};
  return Params(std::pair{pp, clv::GammaGammaParams{g["p"].get<double>(), g["q"].get<double>(), g["gamma"].get<double>()}});
}

}  // namespace

clv::PurchaseSummary purchases_by_row(const events::EventLog& log, const features::FeatureTable& t) {
  clv::PurchaseSummary all = clv::summarize_purchases(log, t.as_of - 1, clv::TimeUnit::week);
  std::vector<index_t> row_of(static_cast<std::size_t>(log.customers()), -1);
  for (index_t r = 0; r < t.rows(); ++r) row_of[static_cast<std::size_t>(t.customers[static_cast<std::size_t>(r)])] = r;
  clv::PurchaseSummary out;
  for (std::size_t i = 0; i < all.customers.size(); ++i) {
    const index_t r = row_of[static_cast<std::size_t>(all.customers[i])];
    if (r < 0) continue;
    out.customers.push_back(static_cast<events::customer_t>(r));
    out.x.push_back(all.x[i]);
    out.t_x.push_back(all.t_x[i]);
    out.T.push_back(all.T[i]);
    out.monetary.push_back(all.monetary[i]);
    out.first_value.push_back(all.first_value[i]);
  }
  return out;
}

Result<std::vector<store::CustomerValue>> value_rows(const Context& ctx, const SegmentModel& m, const events::EventLog& log,
                                                     const features::FeatureTable& t) {
  std::vector<store::CustomerValue> out(static_cast<std::size_t>(t.rows()));
  clv::ValueOptions vo;
  KOHORT_ASSIGN_OR_RETURN(const auto params, stored_params(m.clv, vo));
  if (!params) return out;
  const clv::PurchaseSummary summary = purchases_by_row(log, t);
  auto values = clv::customer_values(ctx, summary, clv::TimeUnit::week, params->first, params->second, vo);
  if (!values.ok()) return out;  // parameters the fit would not have valued with (e.g. q ≤ 1): unknown
  for (std::size_t i = 0; i < summary.customers.size(); ++i) {
    const auto& v = (*values)[i];
    out[static_cast<std::size_t>(summary.customers[i])] = {static_cast<float>(v.clv), static_cast<float>(v.p_alive),
                                                           static_cast<float>(v.churn_risk)};
  }
  return out;
}

}  // namespace kohort::model
