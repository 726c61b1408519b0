// kohort fit DATA — from raw events to named, explained, valued segments (model/fit.h), written
// to --out DIR and published to the store.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "kohort/core/file_set.h"
#include "kohort/core/hash.h"
#include "kohort/core/paths.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/io/dataset.h"
#include "kohort/model/fit.h"
#include "kohort/model/forget.h"
#include "kohort/model/identity.h"
#include "kohort/model/publish.h"
#include "kohort/profile/describe.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct FitArgs {
  std::string data;
  std::string config;
  std::string store = "kohort.db";
  bool no_store = false;
  std::string out;
  std::string as_of;
  model::FitOptions fit;  // the flags below bind to it: each default is its member's initializer
  std::string k = "auto";
  std::string reduce = "none";
  std::string scale = "z";
  std::string noise = "nearest";
  std::string on_error = "fail";
  SplitOptions split;
  std::string command;
  nlohmann::json options;  // every option as given or defaulted (the lineage and the run record)
  std::string started_at;  // when the run began
  NowOption now;
};

std::string percent(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "n/a"; }

// The segments for people: one row each, largest first.
std::string segment_table(const model::FitResult& r) {
  const auto& segs = r.profiles.segments;
  std::size_t width = 7;
  for (const auto& s : segs) width = std::max(width, s.name.size());
  std::string t = fmt::format("{:>3}  {:<{}}  {:>9}  {:>6}  {:>7}  {:>9}  {:>9}  {}\n", "id", "segment", width, "customers",
                              "share", "revenue", "CLV 12m", "churn 90d", "what sets it apart");
  std::vector<std::size_t> order(segs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return segs[a].size > segs[b].size; });
  for (std::size_t i : order) {
    const auto& s = segs[i];
    std::string why;
    for (std::size_t d = 0; d < s.drivers.size() && d < 3; ++d) {
      const auto& f = r.features[static_cast<std::size_t>(s.drivers[d].feature)];
      why += fmt::format("{}{} {}", d ? ", " : "", s.drivers[d].std_diff > 0 ? "↑" : "↓", f.phrase);
    }
    t += fmt::format("{:>3}  {:<{}}  {:>9}  {:>6}  {:>7}  {:>9}  {:>9}  {}\n", s.id, s.name, width, s.size,
                     percent(s.share), percent(s.business.revenue_share), profile::format_number(s.business.clv_12m),
                     percent(s.business.churn_risk), why);
  }
  return t;
}

// "segments matched to version 3: 11 kept their ids, 1 born (id 14), 1 died (id 6)".
void log_identity(const Context& ctx, const nlohmann::json& identity) {
  const auto ids = [](const nlohmann::json& list) {
    std::string out;
    for (const auto& e : list) out += fmt::format("{}{}", out.empty() ? "" : ", ", e["id"].get<int>());
    return out;
  };
  const auto& born = identity["births"];
  const auto& died = identity["deaths"];
  ctx.log().info("segments matched to version {}: {} kept their ids{}{}{}{}",
                 identity["previous_version"].get<std::int64_t>(), identity["matched"].size(),
                 born.empty() ? "" : fmt::format(", {} born (id {})", born.size(), ids(born)),
                 died.empty() ? "" : fmt::format(", {} died (id {})", died.size(), ids(died)),
                 identity["splits"].empty() ? "" : fmt::format(", {} split", identity["splits"].size()),
                 identity["merges"].empty() ? "" : fmt::format(", {} merged", identity["merges"].size()));
}

int run_fit(Shell& shell, FitArgs& a) {
  const Context ctx = shell.context();
  model::FitOptions& o = a.fit;
  if (!a.as_of.empty()) {
    const auto t = parse_iso8601(a.as_of);
    if (!t)
      return shell.usage_error(Status::invalid_argument("--as-of", fmt::format("'{}' is not a date", a.as_of),
                                                        "pass a date as YYYY-MM-DD, e.g. --as-of 2024-07-01"));
    o.as_of = *t;
  }
  if (a.k != "auto") {
    try {
      std::size_t used = 0;
      o.k = std::stoi(a.k, &used);
      if (used != a.k.size() || o.k < 2) throw std::invalid_argument(a.k);
    } catch (const std::exception&) {
      return shell.usage_error(Status::invalid_argument("--k", fmt::format("'{}' is neither a number ≥ 2 nor auto", a.k),
                                                        "pass --k 8 or --k auto"));
    }
  }
  if (o.k_max < o.k_min)
    return shell.usage_error(Status::invalid_argument("--k-max", fmt::format("--k-max {} is below --k-min {}", o.k_max, o.k_min),
                                                      "pass --k-max at least --k-min"));
  if (a.reduce == "none") {
    o.pca_variance = 0;
  } else {
    auto p = reduce::parse_pca(a.reduce);
    if (!p.ok()) return shell.usage_error(p.status());
    if (p->n_components > 0)
      return shell.usage_error(Status::invalid_argument("--reduce", "kohort fit keeps a share of the variance",
                                                        "pass --reduce pca:0.9 or --reduce none"));
    o.pca_variance = p->variance;
  }
  o.noise = a.noise == "outlier" ? cluster::NoisePolicy::outlier : cluster::NoisePolicy::nearest;
  o.transform.scaling = a.scale == "robust" ? features::Scaling::robust : features::Scaling::zscore;
  o.kohort_version = KOHORT_VERSION;
  o.created_at = a.started_at;

  io::ReadOptions ro;
  ro.now = a.now.resolve();
  ro.config = a.config;
  if (!io::parse_on_error(a.on_error, ro.on_error))
    return shell.usage_error(Status::invalid_argument("--on-error", fmt::format("'{}' is not a policy", a.on_error),
                                                      "use fail, skip or quarantine"));
  // No output over an input or the store: checked before minutes of work.
  if (!a.out.empty()) {
    const std::filesystem::path out(a.out);
    const Status s = refuse_overwrite(
        a.data, ro, store::store_files(a.no_store ? "" : a.store),
        {{"--out", (out / "assignments.csv").string()}, {"--out", (out / "segments.json").string()},
         {"--out", (out / "model.json").string()}, {"--out", (out / kManifestName).string()}});
    if (!s.ok()) return shell.fail(s);
  }
  if (Status s = refuse_overwrite(a.data, ro, {}, {{"--store", a.no_store ? "" : a.store}}); !s.ok())
    return shell.fail(s);
  // Open the store first: a bad location fails before minutes of work.
  std::unique_ptr<store::Store> st;
  if (!a.no_store) {
    auto s = store::Store::open(a.store);
    if (!s.ok()) return shell.fail(s.status());
    st = std::move(*s);
  }
  auto fail_run = [&](const Status& s) {
    if (st) (void)st->record_failed_run({a.command, fmt::format("{}: {}", s.where(), s.what()), a.started_at,
                                         json_text(a.options)});
    return shell.fail(s);
  };

  std::uint64_t limit = 0;
  const auto partitions = a.split.plan(a.data, ro, limit);
  if (!partitions.ok()) return fail_run(partitions.status());
  // The data, read whole or (larger than the memory limit) one partition at a time.
  Result<model::FitData> prepared = Status::internal("fit", "not read");
  nlohmann::json inputs;
  if (*partitions > 1) {
    auto parts = a.split.split(ctx, a.data, ro, *partitions, limit);
    if (!parts.ok()) return fail_run(parts.status());
    log_load(ctx, parts->reports, parts->notes);
    inputs = model::input_lineage(parts->reports);
    prepared = model::prepare_fit_partitioned(ctx, *parts, o);
  } else {
    auto data = io::load_dataset(ctx, a.data, ro);
    if (!data.ok()) return fail_run(data.status());
    log_load(ctx, data->reports, data->notes);
    inputs = model::input_lineage(*data);
    prepared = model::prepare_fit(ctx, *data, o);
  }
  if (!prepared.ok()) return fail_run(prepared.status());
  if (st) {
    auto forgotten = model::Forgotten::read(*st);
    if (!forgotten.ok()) return fail_run(forgotten.status());
    if (const index_t n = model::drop_rows(*prepared, model::rows_to_keep(*forgotten, prepared->raw, prepared->ids)); n > 0)
      ctx.log().info("left out {} customers erased by kohort forget and not seen since", n);
  }
  o.lineage = {{"inputs", inputs}, {"command", a.command}, {"options", a.options}, {"now", format_datetime(ro.now)}};

  auto fit = model::fit_segments(ctx, std::move(*prepared), o);
  if (!fit.ok()) return fail_run(fit.status());
  for (const auto& d : fit->dropped) ctx.log().debug("dropped {}: {}", d.name, d.reason);
  for (const auto& w : fit->warnings) ctx.log().warn("{}", w);

  // Segment ids are identities: matched to the previous version's before anything is written.
  auto previous = st ? model::read_previous(*st) : Result<std::optional<model::PreviousSegmentation>>(std::nullopt);
  if (!previous.ok()) return fail_run(previous.status());
  model::apply_identity(*fit, *previous ? model::match_identity(*fit, **previous) : model::first_identity(*fit));
  if (*previous) log_identity(ctx, fit->model.identity);

  std::int64_t version = 0;
  if (st) {
    auto v = model::publish(*st, *fit, {a.command, a.started_at, a.options});
    if (!v.ok()) return fail_run(v.status());
    version = *v;
    ctx.log().info("published version {} to {}", version, store::redact_location(a.store));
  }
  if (!a.out.empty()) {
    nlohmann::json about = {{"model_fingerprint", sha256_fingerprint(json_text(fit->model.to_json()))}};
    if (version > 0) about["version"] = version, about["store"] = store::redact_location(a.store);
    if (Status s = model::write_outputs(*fit, a.out, about); !s.ok()) return shell.fail(s);
    ctx.log().info("wrote {}/assignments.csv, segments.json, model.json and manifest.json", a.out);
  }

  const auto& m = fit->metrics;
  ctx.log().info("{} segments of {} customers; silhouette {:.3f}, Calinski–Harabasz {:.1f}, Davies–Bouldin {:.3f}",
                 fit->model.k(), fit->labels.size(), m["silhouette"].get<double>(), m["calinski_harabasz"].get<double>(),
                 m["davies_bouldin"].get<double>());
  if (shell.json) {
    nlohmann::json j = {{"data", a.data},
                        {"as_of", format_datetime(fit->model.as_of)},
                        {"customers", fit->labels.size()},
                        {"prospects", fit->prospects},
                        {"features", {{"computed", fit->raw_features}, {"used", fit->used_features}, {"dimensions", fit->dimensions}}},
                        {"algo", fit->model.clusterer.algorithm},
                        {"k", fit->model.k()},
                        {"metrics", m},
                        {"segments", fit->model.segments},
                        {"clv", fit->model.clv},
                        {"decision", fit->model.diagnostics["choice"]},
                        {"algorithm", fit->model.diagnostics["algorithm"]},
                        {"identity", fit->model.identity},
                        {"warnings", fit->warnings}};
    for (auto& [key, value] : m.items()) j[key] = value;
    if (version > 0) {
      j["store"] = store::redact_location(a.store);
      j["version"] = version;
    }
    if (!a.out.empty()) j["out"] = a.out;
    shell.print_json(j);
  } else {
    std::cout << segment_table(*fit);
  }
  return 0;
}

}  // namespace

void add_fit_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<FitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fit",
      "From raw events to named, explained, valued segments: check → features → transforms → "
      "feature selection → PCA → choose k → cluster → validate → profile → CLV → publish.\n"
      "Example: kohort fit data/ --out segments/ --store kohort.db");
  cmd->add_option("data", a->data,
                  "a dataset folder (transactions.csv and optional sessions, emails, support, customers, "
                  "referrals; .csv/.tsv/.jsonl, optionally .gz/.zst) or one transactions file\nexample: data/")
      ->required();
  cmd->add_option("--config", a->config,
                  "a kohort.toml to use instead of the dataset folder's own (file names in it stay relative "
                  "to the dataset folder)\nexample: --config mappings/shop.toml");
  cmd->add_option("--store", a->store,
                  "where to publish the model version: a SQLite file (created when absent) or a "
                  "postgresql:// URL\nexample: --store postgresql://kohort@db/segments");
  cmd->add_flag("--no-store", a->no_store, "do not publish to a store (write --out only)");
  cmd->add_option("--out", a->out,
                  "also write assignments.csv (customer_id,segment,segment_name,confidence,clv,p_alive,churn_risk), segments.json "
                  "(profiles) and model.json to this folder\nexample: --out segments/");
  cmd->add_option("--as-of", a->as_of,
                  "compute features from events before this date (default: the day after the last event)"
                  "\nexample: --as-of 2024-07-01");
  model::FitOptions& f = a->fit;
  cmd->add_option("--algo", f.algorithm,
                  "kmeans; minibatch (mini-batch k-means, for very large n); gmm (a Gaussian mixture: posterior "
                  "confidence per customer); bgmm (a Bayesian mixture that settles its own number of segments); "
                  "hdbscan (density: segments of any shape, outliers by --noise); ward (agglomerative, cut at k); "
                  "or auto (k by k-means, then k-means, gmm at that k and hdbscan compared on the scan sample by "
                  "silhouette; the winner fits everyone and the reason is recorded). New customers are assigned by "
                  "the nearest centre (kmeans, minibatch, ward's cut centroids), the posterior (gmm, bgmm) or the "
                  "nearest fitted customer in mutual reachability (hdbscan)\nexample: --algo auto")
      ->check(CLI::IsMember({"kmeans", "minibatch", "gmm", "bgmm", "hdbscan", "ward", "auto"}))
      ->group(kModellingGroup);
  cmd->add_option("--covariance", f.covariance, "gmm and bgmm covariance: diag or full\nexample: --covariance full")
      ->check(CLI::IsMember({"diag", "full"}))
      ->group(kModellingGroup);
  cmd->add_option("--reg-covar", f.reg_covar,
                  "gmm and bgmm: added to every variance so that no covariance is singular; raise it when the fit "
                  "reports a covariance that is not positive definite\nexample: --reg-covar 1e-4")
      ->check(CLI::Range(0.0, 1e6))
      ->group(kModellingGroup);
  cmd->add_option("--k", a->k,
                  "number of segments, or auto to choose it; does not apply to hdbscan and bgmm, which settle "
                  "their own\nexample: --k 12")
      ->group(kModellingGroup);
  cmd->add_option("--k-min", f.k_min, "smallest k considered by --k auto (not for hdbscan, bgmm)\nexample: --k-min 4")
      ->check(CLI::Range(2, 1000))
      ->group(kModellingGroup);
  cmd->add_option("--k-max", f.k_max, "largest k considered by --k auto (not for hdbscan, bgmm)\nexample: --k-max 16")
      ->check(CLI::Range(2, 1000))
      ->group(kModellingGroup);
  cmd->add_option("--min-share", f.min_share,
                  "with --k auto, every segment must hold at least this share of customers; hdbscan's default "
                  "--min-cluster-size is this share of the customers its tree is built on\nexample: --min-share 0.02")
      ->check(CLI::Range(0.0, 0.5))
      ->group(kModellingGroup);
  cmd->add_option("--hdbscan-rows", f.hdbscan_rows,
                  "hdbscan: customers sampled to build the tree on, kept in the model as exemplars; everyone else "
                  "(and every new customer) joins the segment of the nearest exemplar in mutual reachability; "
                  "assigning costs exemplars × dimensions per customer\nexample: --hdbscan-rows 20000")
      ->check(CLI::Range(index_t{100}, index_t{1000000}))
      ->group(kModellingGroup);
  cmd->add_option("--min-cluster-size", f.min_cluster_size,
                  "hdbscan: the smallest segment, in customers of its tree; 0 = max(5, --min-share × --hdbscan-rows): "
                  "50 of 5,000\nexample: --min-cluster-size 100")
      ->check(CLI::Range(0, 100000000))
      ->group(kModellingGroup);
  cmd->add_option("--min-samples", f.min_samples,
                  "hdbscan: neighbours (the customer included) whose farthest sets a customer's core distance; "
                  "higher is smoother\nexample: --min-samples 25")
      ->check(CLI::Range(1, 100000))
      ->group(kModellingGroup);
  cmd->add_option("--noise", a->noise,
                  "hdbscan: customers no segment claims take the nearest segment (by centroid, confidence 0) or stay "
                  "outliers (segment -1); the fit's own assignments and kohort assign use the same\nexample: --noise outlier")
      ->check(CLI::IsMember({"nearest", "outlier"}))
      ->group(kModellingGroup);
  cmd->add_option("--reduce", a->reduce,
                  "none clusters the selected features themselves, or pca:SHARE the principal components "
                  "explaining that share of their variance\nexample: --reduce pca:0.95")
      ->group(kModellingGroup);
  cmd->add_option("--scale", a->scale, "feature scaling: z or robust\nexample: --scale robust")
      ->check(CLI::IsMember({"z", "robust"}))
      ->group(kModellingGroup);
  cmd->add_option("--max-correlation", f.max_correlation,
                  "drop a feature correlated at least this much with an earlier kept one\nexample: --max-correlation 0.9")
      ->check(CLI::Range(0.5, 1.0))
      ->group(kModellingGroup);
  cmd->add_option("--n-init", f.n_init, "restarts of the final fit\nexample: --n-init 5")->check(CLI::Range(1, 100))
      ->group(kModellingGroup);
  cmd->add_option("--stability", f.stability,
                  "bootstrap refits measuring each segment's stability (Jaccard; below 0.6 is flagged; 0 = off)"
                  "\nexample: --stability 10")
      ->check(CLI::Range(0, 200))
      ->group(kModellingGroup);
  cmd->add_option("--scan-rows", f.scan_rows,
                  "customers sampled to choose k and the algorithm (the final fit assigns everyone)"
                  "\nexample: --scan-rows 50000")
      ->check(CLI::Range(index_t{100}, index_t{100000000}))
      ->group(kModellingGroup);
  cmd->add_option("--on-error", a->on_error,
                  "a malformed row: fail (default), skip it, or quarantine it to <stream>.rejects.csv"
                  "\nexample: --on-error quarantine");
  a->split.add_to(cmd);
  a->now.add_to(cmd);
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a, cmd] {
    a->command = "kohort fit " + a->data;
    a->options = options_record(*cmd);
    a->started_at = now_utc();
    shell.exit_code = run_fit(shell, *a);
  });
}

std::vector<std::string> fit_modelling_options(Shell& shell) {
  CLI::App app;
  add_fit_command(app, shell);
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_subcommand("fit")->get_options())
    if (opt->get_group() == kModellingGroup && !opt->get_lnames().empty()) names.push_back(opt->get_lnames().front());
  return names;
}

}  // namespace kohort::app
