// kohort cluster INPUT — segments for any numeric table (CSV/TSV/whitespace/.gz/.npy): parses,
// runs the stages of cluster_stages.h and prints.
#include <algorithm>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "cluster_stages.h"
#include "kohort/core/paths.h"
#include "kohort/select/metrics.h"
#include "shell.h"

namespace kohort::app {

namespace {

int run_cluster(Shell& shell, ClusterArgs& a) {
  const Context ctx = shell.context();
  if (a.algo == "list") {
    for (const auto& c : cluster::clusterers()) std::cout << fmt::format("{:<10} {}\n", c.name, c.description);
    return 0;
  }
  if (a.input.empty())
    return shell.usage_error(Status::invalid_argument("input", "no input file given",
                                                      "pass a CSV, TSV or .npy file: kohort cluster data.csv"));
  auto plan = plan_cluster(a);
  if (!plan.ok()) return shell.usage_error(plan.status());
  if (Status s = check_not_an_input(a.out, "--out", std::vector<std::string>{a.input, io::sidecar_path(a.input)}); !s.ok())
    return shell.fail(s);
  auto in = prepare_input(ctx, a, *plan);
  if (!in.ok()) return shell.fail(in.status());
  const MatrixView<const float> x = in->x.cview();
  auto done = cluster_rows(ctx, a, *plan, x);
  if (!done.ok()) return shell.fail(done.status());
  const auto& labels = done->seg.labels;
  const auto sizes = select::cluster_sizes(labels);
  if (sizes.empty())
    return shell.fail(Status::invalid_input(a.input, fmt::format("every one of the {} rows is an outlier", labels.size()),
                                            "raise --eps or lower --min-samples (hdbscan: lower --min-cluster-size)"));
  auto metrics = segment_metrics(ctx, x, done->seg, a.silhouette_sample);
  if (!metrics.ok()) return shell.fail(metrics.status());
  auto stability = segment_stability(ctx, a, done->algo, x, labels);
  if (!stability.ok()) return shell.fail(stability.status());
  Result<nlohmann::json> tests = nlohmann::json();
  if (a.significance) tests = column_significance(ctx, in->columns.rows() == 0 ? x : in->columns.cview(), labels, in->table.columns);
  if (!tests.ok()) return shell.fail(tests.status());
  if (!a.out.empty() || !shell.json) {
    if (Status w = write_segments(a.out.empty() ? "-" : a.out, in->table.ids, done->seg); !w.ok()) return shell.fail(w);
  }

  std::string size_text;
  for (std::size_t c = 0; c < sizes.size(); ++c) size_text += fmt::format("{}{}", c ? " " : "", sizes[c]);
  const nlohmann::json& m = *metrics;
  ctx.log().info("{} segments, sizes {}; inertia {:.6g}{}", sizes.size(), size_text, m["inertia"].get<double>(),
                 m.contains("silhouette") ? fmt::format(", silhouette {:.4f}", m["silhouette"].get<double>()) : std::string());
  if (!shell.json) return 0;
  nlohmann::json j = {{"input", a.input}, {"rows", x.rows}, {"columns", x.cols}, {"algo", done->algo}, {"scale", a.scale},
                      {"k", sizes.size()}, {"sizes", sizes},
                      {"outliers", std::count_if(labels.begin(), labels.end(), [](std::int32_t l) { return l < 0; })},
                      {"metrics", m}};
  for (const auto& [key, value] : m.items()) j[key] = value;
  if (done->choice) j["decision"] = scan_json(*done->choice);
  const std::pair<const char*, const nlohmann::json*> parts[] = {{"algorithm_choice", &done->algorithm_choice},
                                                                 {"reduce", &in->reduce},
                                                                 {"stability", &*stability},
                                                                 {"feature_tests", &*tests}};
  for (const auto& [key, part] : parts)
    if (!part->is_null()) j[key] = *part;
  if (!a.out.empty()) j["out"] = a.out;
  shell.print_json(j);
  return 0;
}

}  // namespace

void add_cluster_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<ClusterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cluster",
      "Segment any numeric table: rows are items, columns are features.\n"
      "Example: kohort cluster features.npy --k auto --k-min 4 --k-max 20 --out segments.csv");
  cmd->add_option("input", a->input,
                  "CSV/TSV (header optional), whitespace-separated numbers, either compressed "
                  "(.gz, .zst), or .npy; - reads standard input (kohort features … --out - | kohort "
                  "cluster -)\nexample: data/features.csv");
  cmd->add_option("--algo", a->algo, "algorithm: kmeans, minibatch, gmm, bgmm (settles its own k; --k caps it), dbscan, hdbscan or ward; auto (k by k-means, then k-means, gmm at that k and hdbscan compared by silhouette, at most 10% outliers; the JSON says why); or 'list' to show them all\nexample: --algo auto");
  cmd->add_option("--k", a->k, "number of segments, or 'auto' to choose it\nexample: --k 8");
  cmd->add_option("--k-min", a->k_min, "smallest k scanned by --k auto\nexample: --k-min 4")
      ->check(CLI::Range(2, 100000));
  cmd->add_option("--k-max", a->k_max, "largest k scanned by --k auto\nexample: --k-max 25")
      ->check(CLI::Range(2, 100000));
  cmd->add_option("--min-share", a->min_share,
                  "with --k auto, reject k whose smallest segment holds less than this share of "
                  "rows\nexample: --min-share 0.02")
      ->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--scale", a->scale,
                  "column scaling before clustering: none, z (mean/sd) or robust (median/IQR)"
                  "\nexample: --scale robust")
      ->check(CLI::IsMember({"none", "z", "robust"}));
  cmd->add_option("--reduce", a->reduce,
                  "reduce the scaled columns before clustering: pca:SHARE keeps the fewest "
                  "principal components explaining that share of the variance, pca:N keeps N; "
                  "umap:N embeds into N dimensions with UMAP (15 neighbours, min_dist 0.1); "
                  "metrics are measured in the reduced space\nexample: --reduce pca:0.9");
  cmd->add_option("--n-init", a->params.n_init, "restarts; the lowest inertia wins\nexample: --n-init 10")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--max-iter", a->params.max_iter, "iterations per restart\nexample: --max-iter 100")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--tol", a->params.tol,
                  "convergence tolerance relative to the mean column variance\nexample: --tol 1e-6")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--covariance", a->params.covariance,
                  "gmm covariance per segment: diag or full\nexample: --covariance full")
      ->check(CLI::IsMember({"diag", "full"}));
  cmd->add_option("--reg-covar", a->params.reg_covar,
                  "gmm and bgmm: added to every variance so that no covariance is singular; "
                  "raise it when a fit reports a covariance that is not positive definite\nexample: --reg-covar 1e-4")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--eps", a->params.eps,
                  "dbscan neighbourhood radius, in the (scaled, reduced) units clustered "
                  "\nexample: --eps 0.3")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--min-samples", a->params.min_samples,
                  "dbscan rows within --eps (the row included) that make a core row; hdbscan "
                  "rows (the row included) whose farthest sets the core distance"
                  "\nexample: --min-samples 10")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--min-cluster-size", a->params.min_cluster_size,
                  "hdbscan smallest segment: smaller groups are outliers"
                  "\nexample: --algo hdbscan --min-cluster-size 50")
      ->check(CLI::Range(2, 100000000));
  cmd->add_option("--cluster-selection", a->params.cluster_selection,
                  "hdbscan: eom keeps the most stable segments, leaf the finest"
                  "\nexample: --cluster-selection leaf")
      ->check(CLI::IsMember({"eom", "leaf"}));
  cmd->add_option("--init", a->params.init, "k-means seeding: kmeans++ or kmeans||\nexample: --init 'kmeans||'")
      ->check(CLI::IsMember({"kmeans++", "kmeans||"}));
  cmd->add_option("--id-column", a->id_column,
                  "a header column holding row ids, copied to the output instead of row numbers (a first "
                  "column named customer_id or id is taken without it; a .npy takes the ids in its "
                  ".features.json)\nexample: --id-column customer_id");
  cmd->add_option("--silhouette-sample", a->silhouette_sample,
                  "exact silhouette up to this many rows, a sampled estimate with a 95% interval "
                  "above\nexample: --silhouette-sample 50000")
      ->check(CLI::Range(2, 100000000));
  cmd->add_option("--scan-sample", a->scan_sample,
                  "with --k auto, rows sampled for the silhouette of every k scanned (exact below that)\nexample: --scan-sample 20000")
      ->check(CLI::Range(2, 100000000));
  cmd->add_option("--gap", a->gap_references,
                  "with --k auto, also compute the gap statistic with this many uniform reference "
                  "sets (on up to 20000 rows; 0 = off)\nexample: --gap 10")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--stability", a->stability,
                  "refit on this many bootstrap resamples and report each segment's mean Jaccard "
                  "(below 0.6 is flagged unstable) and the mean ARI (0 = off)\nexample: --stability 20")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--significance", a->significance,
                "test every input column across the segments (one-way ANOVA and Kruskal–Wallis; "
                "η², F, H and p-values), ordered by how much of the column the segments explain");
  cmd->add_option("--out", a->out,
                  "write `id,segment` rows (plus `confidence` for gmm and hdbscan, `outlier` for dbscan and hdbscan) here ('-' for stdout; default stdout unless --json)\nexample: --out segments.csv");
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_cluster(shell, *a); });
}

}  // namespace kohort::app
