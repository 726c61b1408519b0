// kohort monitor DATA --as-of DATE — is the published segmentation still true? Today's
// customers against the fit's reference: feature drift, sizes, centroids, separation and KPIs,
// judged into ok / watch / retrain (monitor/drift.h); every run is kept in the store.
#include <charconv>
#include <cmath>
#include <iostream>
#include <optional>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/model/publish.h"
#include "kohort/monitor/drift.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct MonitorArgs {
  DayArgs day;
  std::string silhouette_floor = "90%";
  bool retrain = false;
  monitor::Thresholds thresholds;
  std::string command, started_at;
  nlohmann::json options;
};

// "85%" is a share of the fit's own silhouette; a plain number is the floor itself.
bool parse_floor(const std::string& text, monitor::Thresholds& t) {
  const bool relative = !text.empty() && text.back() == '%';
  const std::string number = relative ? text.substr(0, text.size() - 1) : text;
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  const std::optional<double> v = ec == std::errc() && end == number.data() + number.size() && !number.empty()
                                      ? std::optional<double>(value) : std::nullopt;
  if (!v || !std::isfinite(*v) || (relative && (*v < 0 || *v > 100)) || (!relative && (*v < -1 || *v > 1))) return false;
  if (relative) {
    t.silhouette_ratio = *v / 100;
    t.silhouette_floor.reset();
  } else {
    t.silhouette_floor = *v;
  }
  return true;
}

std::string reasons_text(const monitor::Verdict& v) {
  std::string out;
  for (const auto& r : v.reasons) out += fmt::format("  {:<7}  {}\n", r.level, r.text);
  return out;
}

std::string features_table(const nlohmann::json& features, std::size_t rows) {
  std::string t = fmt::format("{:<34}  {:>7}  {:>6}  {:>9}  {:>8}\n", "feature (most moved first)", "PSI", "KS D", "KS p", "shift sd");
  for (std::size_t i = 0; i < std::min(rows, features.size()); ++i) {
    const auto& f = features[i];
    t += fmt::format("{:<34}  {:>7.3f}  {:>6.3f}  {:>9.2g}  {:>+8.2f}\n", f["feature"].get<std::string>(), f["psi"].get<double>(),
                     f["ks"].get<double>(), f["ks_p"].get<double>(), f["shift_sd"].get<double>());
  }
  return t;
}

// `kohort fit DATA --as-of DAY --store S` with those options, the version's seed, and this run's
// threads and reading options (run_kohort: its stdout goes to our stderr); returns its exit code.
// The modelling options of the monitored version's own fit (its lineage) are carried over.
int refit(Shell& shell, const Context& ctx, const MonitorArgs& a, std::int64_t version, const model::SegmentModel& m,
          Seconds as_of) {
  const DayArgs& d = a.day;
  std::vector<std::string> args = {"fit", d.data, "--as-of", format_date(as_of), "--store", d.store,
                                   "--seed", std::to_string(m.seed), "--threads", std::to_string(ctx.threads()),
                                   "--on-error", d.on_error};
  const auto& options = m.lineage.is_object() && m.lineage.contains("options") ? m.lineage["options"] : nlohmann::json();
  for (const auto& name : fit_modelling_options(shell))
    if (options.is_object() && options.contains(name) && options[name].is_string() && !options[name].get<std::string>().empty())
      args.insert(args.end(), {"--" + name, options[name].get<std::string>()});
  if (!d.config.empty()) args.insert(args.end(), {"--config", d.config});
  if (!d.now.text.empty()) args.insert(args.end(), {"--now", d.now.text});
  ctx.log().info("retraining: kohort fit {} --as-of {} --store {} with version {}'s options", d.data, format_date(as_of),
                 store::redact_location(d.store), version);
  return run_kohort(args);
}

int run_monitor(Shell& shell, MonitorArgs& a) {
  const Context ctx = shell.context();
  auto day = a.day.resolve();
  if (!day.ok()) return shell.usage_error(day.status());
  auto& [cut, ro] = *day;
  if (!parse_floor(a.silhouette_floor, a.thresholds))
    return shell.usage_error(Status::invalid_argument("--silhouette-floor", fmt::format("'{}' is not a floor", a.silhouette_floor),
                                                      "pass a share of the fit's silhouette such as 90%, or a value in [-1, 1]"));
  if (Status s = refuse_overwrite(a.day.data, ro, {}, {{"--store", a.day.store}}); !s.ok()) return shell.fail(s);

  auto st = open_existing_store(a.day.store);
  if (!st.ok()) return shell.fail(st.status());
  store::Store& store = **st;
  auto fail_run = [&](const Status& s) {
    (void)store.record_failed_run({a.command, fmt::format("{}: {}", s.where(), s.what()), a.started_at, json_text(a.options)});
    return shell.fail(s);
  };
  auto read = model::read_model(store, a.day.version());
  if (!read.ok()) return fail_run(read.status());
  const auto& [version, model] = *read;
  if (cut < model.as_of)
    return fail_run(Status::invalid_input("--as-of", fmt::format("{} is before the cut of model version {} ({})", format_date(cut),
                                                                 version, format_date(model.as_of)),
                                          fmt::format("monitor a day on or after {}", format_date(model.as_of))));
  ctx.log().info("monitoring model version {} (fitted as of {}) as of {}", version, format_date(model.as_of), format_date(cut));
  features::FeatureSpec spec = model.spec;
  spec.as_of = cut;
  auto rows = a.day.split.feature_rows(ctx, a.day.data, ro, spec);
  if (!rows.ok()) return fail_run(rows.status());
  if (Status s = leave_out_forgotten(ctx, store, *rows); !s.ok()) return fail_run(s);
  store::MonitorRunRequest record;
  record.command = a.command, record.options_json = json_text(a.options), record.started_at = a.started_at;
  auto run = monitor::monitor_and_record(ctx, store, version, model, rows->table, cut, a.thresholds, std::move(record));
  if (!run.ok()) return fail_run(run.status());
  const monitor::Verdict* verdict = &run->verdict;
  nlohmann::json& j = run->figures;
  ctx.log().info("verdict: {} ({} reasons; monitor run {} recorded)", verdict->verdict, verdict->reasons.size(),
                 j["run"].get<std::int64_t>());
  if (verdict->verdict == "retrain" && a.retrain) {
    ctx.log().warn("retrain: {}", verdict->reasons.front().text);
    const int code = refit(shell, ctx, a, version, model, cut);
    if (code != 0)
      return shell.fail(Status(Code::internal, "--retrain", fmt::format("the refit failed (exit {}); its messages are above", code),
                               "fix what they name, then run kohort fit by hand or monitor again with --retrain"));
    auto latest = store.latest();
    if (!latest.ok() || !*latest) return shell.fail(latest.ok() ? Status::internal("--retrain", "no version after the refit") : latest.status());
    j["retrained"] = {{"version", (*latest)->version}};
    ctx.log().info("retrained: version {} published with stable segment ids", (*latest)->version);
  } else if (verdict->verdict == "retrain") {
    std::string moved;
    for (const auto& f : j["moved_features"]) moved += (moved.empty() ? "" : ", ") + f.get<std::string>();
    ctx.log().warn("the segments no longer describe the customers: {}; the features that moved most: {}. Refit with kohort fit "
                   "(exit 3)", verdict->reasons.front().text, moved.empty() ? "none past the threshold" : moved);
  }
  if (shell.json) {
    shell.print_json(j);
  } else {
    std::cout << "verdict: " << verdict->verdict << "\n" << reasons_text(*verdict) << features_table(j["features"], 10);
  }
  return verdict->verdict == "retrain" && !a.retrain ? 3 : 0;
}

}  // namespace

void add_monitor_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<MonitorArgs>();
  CLI::App* cmd = app.add_subcommand(
      "monitor",
      "Is the published segmentation still true? Today's customers against the fit: feature drift (PSI, KS), "
      "segment sizes (chi-square), centroid drift (Welch's t, cosine), separation (silhouette), the recent "
      "purchase mix within segments and KPIs per segment, with a verdict ok, watch or retrain and every reason behind it. Every run is kept in the store.\n"
      "Example: kohort monitor data/ --as-of 2024-07-01 --store kohort.db");
  a->day.add_to(cmd, "the day: features from events before this date's midnight in --timezone");
  cmd->add_option("--silhouette-floor", a->silhouette_floor,
                  "retrain when the silhouette of today's customers falls below this: a share of the fit's own "
                  "silhouette or an absolute value\nexample: --silhouette-floor 0.05");
  cmd->add_option("--max-psi", a->thresholds.psi_watch,
                  "watch when a clustering feature's population stability index exceeds this and the KS test "
                  "agrees\nexample: --max-psi 0.5")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--max-share-change", a->thresholds.share_retrain,
                  "retrain when a segment's share of the customers moved this far from the fit's, in absolute "
                  "points, and the chi-square test agrees; watch above 0.03\nexample: --max-share-change 0.1")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-mix-change", a->thresholds.mix_retrain,
                  "retrain when, within the segments, a share of the recent purchase lines (by channel, payment or "
                  "discount, over the shortest feature window) moved this far from the fit's window, in absolute "
                  "points, and the test agrees; watch above 0.03\nexample: --max-mix-change 0.08")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--retrain", a->retrain,
                "when the verdict is retrain, refit on DATA as of the day with the monitored version's modelling options "
                "and seed, publish it with stable segment ids, and exit 0");
  add_common_flags(cmd, shell);
  cmd->footer("Exit codes: 0 ok or watch (or retrained with --retrain), 1 bad input or data, 2 bad usage, 3 retrain (the run "
              "is recorded).");
  cmd->callback([&shell, a, cmd] {
    a->command = "kohort monitor " + a->day.data + " --as-of " + a->day.as_of;
    a->options = options_record(*cmd);
    a->started_at = now_utc();
    shell.exit_code = run_monitor(shell, *a);
  });
}

}  // namespace kohort::app
