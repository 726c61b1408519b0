// kohort features DATA — the customer feature matrix (features/compute.h) as .npy or CSV.
#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/features/compute.h"
#include "kohort/features/partitioned.h"
#include "kohort/features/output.h"
#include "kohort/features/transform.h"
#include "kohort/core/atomic_file.h"
#include "kohort/io/dataset.h"
#include "kohort/io/matrix_file.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct FeaturesArgs {
  std::string data;
  std::string as_of;
  std::string out;
  std::string on_error = "fail";
  std::vector<int> windows = {30, 90, 365};
  int trend_window = 90;
  int max_levels = 12;
  std::vector<std::string> groups;
  std::string transform = "none";
  SplitOptions split;
  NowOption now;
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int run_features(Shell& shell, const FeaturesArgs& a) {
  const Context ctx = shell.context();
  const bool npy = ends_with(a.out, ".npy");
  const bool csv = ends_with(a.out, ".csv") || a.out == "-" || a.out == "/dev/null";
  if (!npy && !csv)
    return shell.usage_error(Status::invalid_argument(
        "--out", fmt::format("'{}' is neither a .npy nor a .csv file", a.out),
        "end the output name with .npy (a .features.json is written beside it) or .csv"));
  if (shell.json && a.out == "-")
    return shell.usage_error(
        Status::invalid_argument("--out", "--out - and --json both write to standard output",
                                 "write the features to a file, or drop --json"));
  io::ReadOptions ro;
  ro.now = a.now.resolve();
  if (!io::parse_on_error(a.on_error, ro.on_error))
    return shell.usage_error(
        Status::invalid_argument("--on-error", fmt::format("'{}' is not a policy", a.on_error),
                                 "use fail, skip or quarantine"));
  features::FeatureSpec spec;
  spec.windows_days = a.windows;
  spec.trend_window_days = a.trend_window;
  spec.max_levels = a.max_levels;
  spec.groups = a.groups;
  if (!a.as_of.empty()) {
    const auto t = parse_iso8601(a.as_of);
    if (!t)
      return shell.usage_error(
          Status::invalid_argument("--as-of", fmt::format("'{}' is not a date", a.as_of),
                                   "pass a date as YYYY-MM-DD, e.g. --as-of 2024-07-01"));
    spec.as_of = *t;
  }
  if (Status v = spec.validate(); !v.ok()) {
    const std::string flag = v.where() == "windows_days"        ? "--windows"
                             : v.where() == "trend_window_days" ? "--trend-window"
                             : v.where() == "max_levels"        ? "--max-levels"
                                                                : "--" + v.where();
    return shell.usage_error(Status::invalid_argument(flag, v.what(), v.hint()));
  }

  if (Status s = refuse_overwrite(a.data, ro, {}, {{"--out", a.out}, {"--out", npy ? io::sidecar_path(a.out) : ""}});
      !s.ok())
    return shell.fail(s);
  // Data larger than the memory limit is split by customer into partitions on disk.
  std::uint64_t limit = 0;
  const auto planned = a.split.plan(a.data, ro, limit);
  if (!planned.ok()) return shell.fail(planned.status());
  const std::uint32_t partitions = *planned;
  const auto decide_as_of = [&](Seconds last) -> Status {
    if (!a.as_of.empty()) return {};
    if (last == events::kMissingTime)
      return Status::invalid_input(a.data, "the dataset has no events",
                                   "check that the transactions file has rows");
    spec.as_of = (day_of(last) + 1) * kSecondsPerDay;
    ctx.log().info("as of {} (the day after the last event)", format_date(spec.as_of));
    return {};
  };

  std::optional<io::Dataset> data;
  std::vector<std::string> ids;  // row → customer id, for a table put together from partitions
  Result<features::FeatureTable> table = Status::internal("features", "not computed");
  if (partitions > 1) {
    auto parts = a.split.split(ctx, a.data, ro, partitions, limit);
    if (!parts.ok()) return shell.fail(parts.status());
    log_load(ctx, parts->reports, parts->notes);
    if (Status st = decide_as_of(parts->last_event_time); !st.ok()) return shell.fail(st);
    auto merged = features::compute_features_partitioned(ctx, *parts, spec);
    if (!merged.ok()) return shell.fail(merged.status());
    ids = std::move(merged->ids);
    table = std::move(merged->table);
  } else {
    auto loaded = io::load_dataset(ctx, a.data, ro);
    if (!loaded.ok()) return shell.fail(loaded.status());
    data = std::move(*loaded);
    log_load(ctx, data->reports, data->notes);
    if (Status st = decide_as_of(data->log.last_event_time()); !st.ok()) return shell.fail(st);
    table = features::compute_features(ctx, data->log, spec);
  }
  if (!table.ok()) return shell.fail(table.status());
  if (table->rows() == 0)
    return shell.fail(Status::invalid_input(
        a.data, fmt::format("no customer has a transaction before {}", format_date(spec.as_of)),
        "pass a later --as-of"));

  std::optional<features::FittedTransform> fitted;
  if (a.transform != "none") {
    features::TransformOptions to;
    to.scaling = a.transform == "robust" ? features::Scaling::robust : features::Scaling::zscore;
    features::FittedTransform fit;
    auto ready = features::transform_table(ctx, *table, to, &fit);
    if (!ready.ok()) return shell.fail(ready.status());
    for (const auto& d : fit.dropped) ctx.log().info("dropped {}: {}", d.name, d.reason);
    const auto indicators = std::count_if(fit.columns.begin(), fit.columns.end(),
                                          [](const auto& c) { return c.indicator; });
    ctx.log().info("transformed for clustering ({}): {} columns = {} of {} features + {} missing "
                   "indicator(s); {} column(s) dropped",
                   a.transform, ready->cols(), ready->cols() - indicators, table->cols(), indicators,
                   fit.dropped.size());
    *table = std::move(*ready);
    fitted = std::move(fit);
  }

  std::string sidecar;
  if (npy) {
    if (Status s = io::write_npy(a.out, table->values.cview()); !s.ok()) return shell.fail(s);
    sidecar = io::sidecar_path(a.out);
    if (ids.empty())
      for (auto c : table->customers) ids.push_back(data->log.external_id(c));
    nlohmann::json side = features::features_json(*table, ids);
    if (fitted) side["transform"] = fitted->to_json();
    if (Status s = write_file_atomic(sidecar, json_text(side, 2) + "\n"); !s.ok()) return shell.fail(s);
  } else if (Status s = data ? features::write_features_csv(a.out, *table, data->log)
                              : features::write_features_csv(a.out, *table, ids);
             !s.ok()) {
    return shell.fail(s);
  }

  std::map<std::string, int> per_group;
  for (const auto& f : table->info) ++per_group[f.group];
  ctx.log().info("{} customers × {} features as of {} → {}{}", table->rows(), table->cols(),
                 format_date(spec.as_of), a.out, sidecar.empty() ? "" : " and " + sidecar);
  if (shell.json) {
    nlohmann::json j = {{"data", a.data},        {"as_of", format_datetime(spec.as_of)},
                        {"rows", table->rows()}, {"cols", table->cols()},
                        {"groups", per_group},   {"features", table->names()},
                        {"out", a.out},          {"partitions", partitions}};
    if (!sidecar.empty()) j["sidecar"] = sidecar;
    shell.print_json(j);
  }
  return 0;
}

}  // namespace

void add_features_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<FeaturesArgs>();
  CLI::App* cmd =
      app.add_subcommand("features",
                         "Compute the customer feature matrix from a dataset, as of a date.\n"
                         "Example: kohort features data/ --as-of 2024-07-01 --out features.npy");
  cmd->add_option("data", a->data,
                  "dataset folder (transactions, sessions, emails, support, customers, referrals "
                  "files) or a single transactions file\nexample: data/")
      ->required();
  cmd->add_option("--as-of", a->as_of,
                  "use only events before this instant (default: the day after the data's last "
                  "event)\nexample: --as-of 2024-07-01");
  cmd->add_option("--out", a->out,
                  "output: .npy (float32, with a .features.json beside it naming the columns and the customers) or .csv with a header "
                  "('-' for CSV on stdout)\nexample: --out features.npy")
      ->required();
  cmd->add_option("--on-error", a->on_error,
                  "bad input rows: fail, skip or quarantine\nexample: --on-error "
                  "quarantine");
  cmd->add_option("--windows", a->windows,
                  "look-back windows in days\nexample: --windows 30,90,365")
      ->delimiter(',');
  cmd->add_option("--trend-window", a->trend_window,
                  "window of the order-value trend and lifecycle stage, in days\n"
                  "example: --trend-window 60");
  cmd->add_option("--max-levels", a->max_levels,
                  "share columns per categorical column before pooling into 'other'\nexample: --max-levels 8");
  cmd->add_option("--groups", a->groups,
                  "feature groups to compute (default all): recency, frequency, monetary, windows, "
                  "trends, intervals, lifecycle, categories, price, channels, payments, returns, "
                  "basket, relative, recent (kept for monitoring, never clustered), browsing, email, support, "
                  "attributes, referrals\n"
                  "example: --groups recency,frequency,monetary")
      ->delimiter(',');
  cmd->add_option("--transform", a->transform,
                  "make the matrix ready for clustering: none (raw values, NaN for missing), z or "
                  "robust (median imputation with missing indicators, log1p for heavy tails, "
                  "1%/99% winsorizing, then z-score or median/IQR scaling; constant and duplicate "
                  "columns dropped, each named in the log and the sidecar)\nexample: --transform z")
      ->check(CLI::IsMember({"none", "z", "robust"}));
  a->split.add_to(cmd);
  a->now.add_to(cmd);
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_features(shell, *a); });
}

}  // namespace kohort::app
