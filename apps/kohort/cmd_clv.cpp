// kohort clv TRANSACTIONS — BG/NBD + Gamma-Gamma fit, and P(alive), expected purchases and CLV
// per customer.
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "kohort/clv/bg_nbd.h"
#include "kohort/clv/clv.h"
#include "kohort/clv/gamma_gamma.h"
#include "kohort/clv/mbg_nbd.h"
#include "kohort/clv/summary.h"
#include "kohort/core/atomic_file.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/io/dataset.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct ClvArgs {
  std::string data;
  std::string calibration_end;
  std::string time_unit = "week";
  std::string customer_column, date_column, amount_column;
  double horizon = 0;  // 0: one year in the time unit
  double discount = 0.1;
  std::string model = "mbgnbd";
  double churn_horizon_days = 90;
  std::string out;
  std::string on_error = "fail";
  NowOption now;
};

int run_clv(Shell& shell, const ClvArgs& a) {
  const Context ctx = shell.context();
  auto unit = clv::parse_time_unit(a.time_unit);
  if (!unit.ok()) return shell.usage_error(unit.status());
  const auto end = parse_iso8601(a.calibration_end);
  if (!end)
    return shell.usage_error(Status::invalid_argument(
        "--calibration-end", fmt::format("'{}' is not a date", a.calibration_end),
        "pass a date as YYYY-MM-DD, e.g. --calibration-end 1997-09-30"));
  io::ReadOptions ro;
  ro.now = a.now.resolve();
  if (!io::parse_on_error(a.on_error, ro.on_error))
    return shell.usage_error(Status::invalid_argument(
        "--on-error", fmt::format("'{}' is not a policy", a.on_error), "use fail, skip or quarantine"));
  if (!a.customer_column.empty()) ro.transaction_columns.push_back({"customer", a.customer_column, "--customer-column"});
  if (!a.date_column.empty()) ro.transaction_columns.push_back({"time", a.date_column, "--date-column"});
  if (!a.amount_column.empty()) ro.transaction_columns.push_back({"amount", a.amount_column, "--amount-column"});
  if (Status s = refuse_overwrite(a.data, ro, {}, {{"--out", a.out}}); !s.ok()) return shell.fail(s);
  auto data = io::load_dataset(ctx, a.data, ro);
  if (!data.ok()) return shell.fail(data.status());
  for (const auto& note : data->notes) ctx.log().info("{}", note);

  const auto summary = clv::summarize_purchases(data->log, *end, *unit);
  if (summary.x.empty())
    return shell.fail(Status::invalid_input(a.data, fmt::format("no purchase on or before {}", a.calibration_end),
                                            "pass a later --calibration-end"));
  auto bg = clv::fit_bg_nbd(ctx, summary.x, summary.t_x, summary.T);
  if (!bg.ok()) return shell.fail(bg.status());
  auto mbg = clv::fit_mbg_nbd(ctx, summary.x, summary.t_x, summary.T);
  if (!mbg.ok()) return shell.fail(mbg.status());
  auto gg = clv::fit_gamma_gamma(ctx, summary.x, summary.monetary);
  if (!gg.ok()) return shell.fail(gg.status());
  clv::ValueOptions vo;
  vo.horizon = a.horizon > 0 ? a.horizon : 365.25 / clv::unit_days(*unit);
  vo.annual_discount = a.discount;
  vo.churn_horizon = a.churn_horizon_days / clv::unit_days(*unit);
  const auto params = a.model == "bgnbd" ? clv::PurchaseParams::of(bg->params) : clv::PurchaseParams::of(mbg->params);
  auto values = clv::customer_values(ctx, summary, *unit, params, gg->params, vo);
  if (!values.ok()) return shell.fail(values.status());

  double total_clv = 0, total_purchases = 0, churn = 0;
  for (const auto& v : *values) {
    total_clv += v.clv;
    total_purchases += v.expected_purchases;
    churn += v.churn_risk;
  }
  churn /= static_cast<double>(values->size());
  const auto& b = bg->params;
  const auto& g = gg->params;
  ctx.log().info("{} customers calibrated to {} ({}s)", summary.x.size(), a.calibration_end, a.time_unit);
  ctx.log().info("BG/NBD r = {:.4f}, alpha = {:.4f}, a = {:.4f}, b = {:.4f}, log-likelihood {:.2f}", b.r,
                 b.alpha, b.a, b.b, bg->log_likelihood);
  const auto& mb = mbg->params;
  ctx.log().info("MBG/NBD r = {:.4f}, alpha = {:.4f}, a = {:.4f}, b = {:.4f}, log-likelihood {:.2f}", mb.r,
                 mb.alpha, mb.a, mb.b, mbg->log_likelihood);
  ctx.log().info("Gamma-Gamma p = {:.4f}, q = {:.4f}, gamma = {:.4f} on {} repeat customers", g.p, g.q,
                 g.gamma, gg->customers);
  ctx.log().info("by {}: over the next {:g} {}s, {:.1f} expected purchases, total CLV {:.2f}; mean churn risk "
                 "(no purchase within {:g} days) {:.1f}%",
                 a.model, vo.horizon, a.time_unit, total_purchases, total_clv, a.churn_horizon_days, 100 * churn);

  if (!a.out.empty()) {
    std::string csv = "customer_id,x,t_x,T,monetary,p_alive,expected_purchases,expected_value,clv,churn_risk\n";
    auto it = std::back_inserter(csv);
    for (std::size_t i = 0; i < summary.x.size(); ++i) {
      const auto& v = (*values)[i];
      fmt::format_to(it, "{},{:g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g}\n",
                     csv_field(data->log.external_id(summary.customers[i])), summary.x[i], summary.t_x[i],
                     summary.T[i], summary.monetary[i], v.p_alive, v.expected_purchases,
                     v.expected_value, v.clv, v.churn_risk);
    }
    if (Status s = write_file_atomic(a.out, csv); !s.ok()) return shell.fail(s);
  }
  if (shell.json) {
    nlohmann::json j = {
        {"data", a.data},
        {"calibration_end", a.calibration_end},
        {"time_unit", a.time_unit},
        {"customers", summary.x.size()},
        {"model", a.model},
        {"bgnbd", {{"r", b.r}, {"alpha", b.alpha}, {"a", b.a}, {"b", b.b}, {"loglik", bg->log_likelihood}}},
        {"mbgnbd", {{"r", mb.r}, {"alpha", mb.alpha}, {"a", mb.a}, {"b", mb.b}, {"loglik", mbg->log_likelihood}}},
        {"gamma_gamma",
         {{"p", g.p}, {"q", g.q}, {"gamma", g.gamma}, {"loglik", gg->log_likelihood}, {"customers", gg->customers}}},
        {"horizon", vo.horizon},
        {"discount_rate", vo.annual_discount},
        {"churn_horizon_days", a.churn_horizon_days},
        {"churn_risk_mean", churn},
        {"expected_purchases", total_purchases},
        {"clv_total", total_clv}};
    if (!a.out.empty()) j["out"] = a.out;
    shell.print_json(j);
  }
  return 0;
}

}  // namespace

void add_clv_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<ClvArgs>();
  CLI::App* cmd = app.add_subcommand(
      "clv",
      "Fit BG/NBD (purchases, dropout) and Gamma-Gamma (spend) to transactions, and value every "
      "customer: P(alive), expected purchases, expected spend and discounted CLV.\n"
      "Example: kohort clv cdnowElog.csv --customer-column masterid --calibration-end 1997-09-30 "
      "--time-unit week --json");
  cmd->add_option("data", a->data,
                  "a transactions file (CSV/TSV/JSONL, optionally .gz/.zst) or a dataset folder\n"
                  "example: orders.csv")
      ->required();
  cmd->add_option("--calibration-end", a->calibration_end,
                  "last day of the calibration period (purchases on it count; T runs from each "
                  "customer's first purchase to it)\nexample: --calibration-end 1997-09-30")
      ->required();
  cmd->add_option("--time-unit", a->time_unit, "unit of t_x, T and the horizon: day, week or month\nexample: --time-unit month")
      ->check(CLI::IsMember({"day", "week", "month"}));
  cmd->add_option("--customer-column", a->customer_column, "the customer id column, when its name is not recognised\nexample: --customer-column masterid");
  cmd->add_option("--date-column", a->date_column, "the purchase date column\nexample: --date-column date");
  cmd->add_option("--amount-column", a->amount_column, "the purchase value column\nexample: --amount-column sales");
  cmd->add_option("--horizon", a->horizon, "CLV horizon in time units (default: one year)\nexample: --horizon 104")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--discount-rate", a->discount, "yearly discount rate of future spend\nexample: --discount-rate 0.08")
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--model", a->model,
                  "the purchase model that values customers: mbgnbd (MBG/NBD, default: a one-time buyer may "
                  "have dropped out) or bgnbd (BG/NBD: P(alive) is 1 until a repeat purchase); the JSON holds "
                  "both fits\nexample: --model bgnbd")
      ->check(CLI::IsMember({"mbgnbd", "bgnbd"}));
  cmd->add_option("--churn-horizon", a->churn_horizon_days,
                  "churn risk is the probability of no purchase within this many days\n"
                  "example: --churn-horizon 180")
      ->check(CLI::Range(1.0, 3650.0));
  cmd->add_option("--out", a->out,
                  "write per-customer values (customer_id,x,t_x,T,monetary,p_alive,"
                  "expected_purchases,expected_value,clv,churn_risk) here ('-' for stdout)\nexample: --out clv.csv");
  cmd->add_option("--on-error", a->on_error, "bad input rows: fail, skip or quarantine\nexample: --on-error skip");
  a->now.add_to(cmd);
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_clv(shell, *a); });
}

}  // namespace kohort::app
