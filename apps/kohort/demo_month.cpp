#include "demo_month.h"

#include <algorithm>

#include "kohort/assign/amounts.h"
#include "kohort/assign/run.h"
#include "kohort/features/compute.h"
#include "kohort/model/fit.h"
#include "kohort/model/publish.h"
#include "kohort/model/value.h"
#include "kohort/monitor/drift.h"

namespace kohort::app {

namespace {

// One assignment day, as `kohort assign` runs it on data it has read.
Result<assign::Outcome> assign_day(const Context& ctx, store::Store& store, const events::EventLog& log, Seconds day) {
  assign::RunOptions o;
  o.as_of = day;
  o.command = "kohort demo: assign --as-of " + format_date(day);
  KOHORT_ASSIGN_OR_RETURN(const auto plan, assign::plan_day(store, o));
  features::FeatureSpec spec = plan.model.spec.clustered_only();  // the recent mix is for the monitor
  spec.as_of = day;
  assign::AmountScale amounts(plan.before.as_of, day);
  amounts.add(log);
  o.amount_ratio = amounts.median_ratio();
  KOHORT_ASSIGN_OR_RETURN(const auto rows, assign::day_rows(ctx, log, spec, &plan.model));
  return assign::run_day(ctx, store, plan, rows.table, rows.ids, rows.prospects, o, rows.values);
}

// One monitor run, as `kohort monitor` runs it; records it and returns its verdict and first reason.
Result<nlohmann::json> monitor_day(const Context& ctx, store::Store& store, const events::EventLog& log, Seconds day) {
  KOHORT_ASSIGN_OR_RETURN(const auto read, model::read_model(store, std::nullopt));
  const auto& [version, model] = read;
  features::FeatureSpec spec = model.spec;
  spec.as_of = day;
  KOHORT_ASSIGN_OR_RETURN(const auto table, features::compute_features(ctx, log, spec));
  store::MonitorRunRequest record;
  record.command = "kohort demo: monitor --as-of " + format_date(day);
  KOHORT_ASSIGN_OR_RETURN(const auto run,
                          monitor::monitor_and_record(ctx, store, version, model, table, day, {}, std::move(record)));
  const auto& v = run.verdict;
  return nlohmann::json{{"as_of", format_date(day)}, {"verdict", v.verdict},
                        {"reason", v.reasons.empty() ? "" : v.reasons.front().text}};
}

}  // namespace

Result<nlohmann::json> run_demo_month(const Context& ctx, store::Store& store, const events::EventLog& log, Seconds fit_day,
                                      int days) {
  std::vector<double> raw;
  std::int64_t published = 0, held = 0;
  nlohmann::json runs = nlohmann::json::array(), first_retrain = nullptr;
  for (int d = 1; d <= days; ++d) {
    const Seconds day = fit_day + static_cast<Seconds>(d) * kSecondsPerDay;
    KOHORT_ASSIGN_OR_RETURN(const auto out, assign_day(ctx, store, log, day));
    raw.push_back(out.day.raw_moved_share);
    (out.published ? published : held) += 1;
    ctx.log().info("{}: {} customers, {} moved ({:.2f}% raw answers moved){}", format_date(day), out.day.assigned, out.day.moved,
                   100 * out.day.raw_moved_share, out.published ? "" : "; held back by the alarm");
    if (d % 7 != 0) continue;
    KOHORT_ASSIGN_OR_RETURN(auto run, monitor_day(ctx, store, log, day));
    ctx.log().info("{}: monitor says {}{}", format_date(day), run["verdict"].get<std::string>(),
                   run["reason"].get<std::string>().empty() ? "" : ": " + run["reason"].get<std::string>());
    if (run["verdict"] == "retrain" && first_retrain.is_null()) first_retrain = run["as_of"];
    runs.push_back(std::move(run));
  }
  std::vector<double> sorted = raw;
  std::sort(sorted.begin(), sorted.end());
  return nlohmann::json{{"days", days},
                        {"published", published},
                        {"held", held},
                        {"raw_moved_share", {{"median", sorted.empty() ? 0.0 : sorted[sorted.size() / 2]},
                                             {"max", sorted.empty() ? 0.0 : sorted.back()}}},
                        {"monitor", runs},
                        {"first_retrain", first_retrain}};
}

}  // namespace kohort::app
