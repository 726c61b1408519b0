// kohort assign DATA --as-of DATE — every customer's segment for a day under the published
// model, with stability controls, transitions and the moved-share alarm (assign/run.h).
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "kohort/assign/amounts.h"
#include "kohort/assign/run.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/deliver/deliver.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct AssignArgs {
  DayArgs day;
  WebhookArgs webhook;
  assign::Controls controls;
  bool accept_alarm = false;
  std::string command, started_at;
  nlohmann::json options;
};

std::string day_table(const nlohmann::json& f) {
  std::string t = fmt::format("{:>3}  {:<40}  {:>9}  {:>7}  {:>7}\n", "id", "segment", "customers", "entered", "exited");
  for (const auto& s : f["segments"])
    t += fmt::format("{:>3}  {:<40}  {:>9}  {:>7}  {:>7}\n", s["id"].get<int>(), s["name"].get<std::string>(),
                     s["size"].get<std::int64_t>(), s["entered"].get<std::int64_t>(), s["exited"].get<std::int64_t>());
  return t;
}

std::string moved_features(const nlohmann::json& f) {
  std::string out;
  for (const auto& m : f["moved_features"])
    out += fmt::format("{}{} ({:+.2f} sd)", out.empty() ? "" : ", ", m["feature"].get<std::string>(), m["shift_sd"].get<double>());
  return out.empty() ? "none measured" : out;
}

int run_assign(Shell& shell, AssignArgs& a) {
  const Context ctx = shell.context();
  assign::RunOptions o;
  auto day = a.day.resolve();
  if (!day.ok()) return shell.usage_error(day.status());
  auto& [cut, ro] = *day;  // ro: the reading options, adjusted by feature_rows
  o.as_of = cut;
  o.version = a.day.version();
  o.controls = a.controls;
  o.accept_alarm = a.accept_alarm;
  o.command = a.command, o.started_at = a.started_at, o.options = a.options;
  if (Status s = refuse_overwrite(a.day.data, ro, {}, {{"--store", a.day.store}}); !s.ok()) return shell.fail(s);
  std::optional<deliver::WebhookOptions> hook;
  if (a.webhook.wanted()) {
    auto w = a.webhook.resolve(a.webhook.url);
    if (!w.ok()) return w.status().code() == Code::invalid_argument ? shell.usage_error(w.status()) : shell.fail(w.status());
    hook = std::move(*w);
  }

  auto st = store::Store::open(a.day.store);
  if (!st.ok()) return shell.fail(st.status());
  store::Store& store = **st;
  auto lock = store.lock_runs("kohort assign");
  if (!lock.ok()) return shell.fail(lock.status());
  auto fail_run = [&](const Status& s) {
    (void)store.record_failed_run({a.command, fmt::format("{}: {}", s.where(), s.what()), a.started_at, json_text(a.options)});
    return shell.fail(s);
  };
  auto plan = assign::plan_day(store, o);
  if (!plan.ok()) return fail_run(plan.status());
  ctx.log().info("assigning as of {} with model version {} (from {})", format_date(o.as_of), plan->version,
                 plan->base == "fit" ? "the fit's assignments" : "the assignment of " + plan->base.substr(0, 10));
  features::FeatureSpec spec = plan->model.spec.clustered_only();  // the recent mix is for the monitor
  spec.as_of = o.as_of;
  assign::AmountScale amounts(plan->before.as_of, o.as_of);
  auto rows = a.day.split.feature_rows(ctx, a.day.data, ro, spec, [&](const events::EventLog& log) { amounts.add(log); },
                                       &plan->model);
  if (!rows.ok()) return fail_run(rows.status());
  o.amount_ratio = amounts.median_ratio();
  if (Status s = leave_out_forgotten(ctx, store, *rows); !s.ok()) return fail_run(s);
  auto out = assign::run_day(ctx, store, *plan, rows->table, rows->ids, rows->prospects, o, rows->values);
  if (!out.ok()) return fail_run(out.status());

  const auto& f = out->figures;
  ctx.log().info("{} customers assigned ({} new, {} moved, {} held, {} left; raw answers moved {:.1f}%)",
                 f["assigned"].get<std::int64_t>(), f["new"].get<std::int64_t>(), f["moved"].get<std::int64_t>(),
                 f["held"].get<std::int64_t>(), f["left"].get<std::int64_t>(), 100 * f["raw_moved_share"].get<double>());
  const auto has_reason = [&](std::string_view r) {
    return std::find(out->day.alarm_reasons.begin(), out->day.alarm_reasons.end(), r) != out->day.alarm_reasons.end();
  };
  if (has_reason("raw_moved_share") || has_reason("feature_shift"))
    ctx.log().warn("alarm: {:.1f}% of the customers got a different answer from the model than on {} (alarm above "
                   "--max-moved {:.1f}%); the features that moved most: {} (alarm above --max-feature-shift {} sd)",
                   100 * out->day.raw_moved_share, plan->base == "fit" ? "the fit" : plan->base.substr(0, 10),
                   100 * a.controls.max_moved, moved_features(f), a.controls.max_feature_shift);
  if (has_reason("amount_scale") && o.amount_ratio)
    ctx.log().warn("alarm: the median amount of the {} transaction lines since {} is {:.3g}× that of the {} before (alarm beyond "
                   "--max-amount-ratio {}): did the feed switch units, e.g. to cents?",
                   amounts.lines_since(), format_date(plan->before.as_of), *o.amount_ratio, amounts.lines_before(),
                   a.controls.max_amount_ratio);
  if (!out->published)
    ctx.log().warn("the day is recorded but not published; check the data, then publish it with --accept-alarm");
  std::optional<deliver::Delivery> sent;
  if (out->published && hook) {
    auto d = deliver::deliver_changes(ctx, store, *hook, o.as_of, o.as_of - 1);
    if (!d.ok()) return shell.fail(d.status());
    sent = std::move(*d);
    log_delivery(ctx, a.webhook.url, *sent, a.day.store);
  }
  if (shell.json) {
    nlohmann::json j = f;
    j.erase("feature_means");
    if (sent) j["webhook"] = delivery_json(a.webhook.url, *sent);
    shell.print_json(j);
  } else {
    std::cout << day_table(f);
  }
  return out->published && (!sent || sent->report.undelivered.empty()) ? 0 : 3;
}

}  // namespace

void add_assign_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<AssignArgs>();
  CLI::App* cmd = app.add_subcommand(
      "assign",
      "Every customer's segment for a day under the published model, with stability controls, "
      "transitions and an alarm when the model's answers moved too much.\n"
      "Example: kohort assign data/ --as-of 2024-07-02 --store kohort.db");
  a->day.add_to(cmd, "the day: features from events before this date's midnight in --timezone; not before the current "
                     "assignment day");
  cmd->add_option("--min-residency", a->controls.min_residency_days,
                  "days a customer stays in a segment before they may leave it (0 = off)\nexample: --min-residency 14")
      ->check(CLI::Range(0.0, 3650.0));
  cmd->add_option("--smoothing-halflife", a->controls.smoothing_halflife_days,
                  "half-life in days of the exponentially weighted mean of each customer's vector over assignment "
                  "days (0 = off)\nexample: --smoothing-halflife 14")
      ->check(CLI::Range(0.0, 3650.0));
  cmd->add_option("--switch-margin", a->controls.switch_margin,
                  "a move needs the new segment to beat the current one by this margin: k-means, a squared distance "
                  "that many times smaller; a mixture, a posterior that much higher (0 = off)"
                  "\nexample: --switch-margin 0.2")
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--max-moved", a->controls.max_moved,
                  "alarm when more than this share of customers get another raw answer from the model than on the "
                  "previous day (the fit's labels on the first day): the day is recorded but not published, exit 3\nexample: --max-moved 0.25")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-feature-shift", a->controls.max_feature_shift,
                  "alarm too when the mean of a clustering feature moved by more than this many of the fit's standard "
                  "deviations since the previous day, as when a feed switches to cents (0 = off)"
                  "\nexample: --max-feature-shift 2")
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--max-amount-ratio", a->controls.max_amount_ratio,
                  "alarm too when the median amount of the transaction lines since the previous day is more than this "
                  "many times (or less than 1/this of) the median of the 90 days before, as when a feed switches to "
                  "cents (0 = off)\nexample: --max-amount-ratio 10")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_flag("--accept-alarm", a->accept_alarm, "publish the day even when the alarm goes off");
  a->webhook.add_to(cmd, "after publishing, post the entries and exits since this receiver's last delivery (this day's "
                         "only, the first time) as signed JSON batches; what it does not take by the last retry goes to "
                         "the dead-letter table (kohort redeliver)");
  add_common_flags(cmd, shell);
  cmd->footer("Exit codes: 0 published, 1 bad input or data, 2 bad usage, 3 the alarm held the day back or webhook "
              "events went to the dead-letter table.");
  cmd->callback([&shell, a, cmd] {
    a->command = "kohort assign " + a->day.data + " --as-of " + a->day.as_of;
    a->options = options_record(*cmd);
    a->started_at = now_utc();
    shell.exit_code = run_assign(shell, *a);
  });
}

}  // namespace kohort::app
