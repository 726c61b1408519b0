// kohort cluster INPUT — segments for any numeric table (CSV/TSV/whitespace/.gz/.npy).
#include <algorithm>
#include <optional>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "kohort/cluster/clusterer.h"
#include "kohort/cluster/ward.h"
#include "kohort/core/atomic_file.h"
#include "kohort/core/paths.h"
#include "kohort/core/text.h"
#include "kohort/io/matrix_file.h"
#include "kohort/reduce/pca.h"
#include "kohort/reduce/scale.h"
#include "kohort/reduce/umap.h"
#include "kohort/select/choose_algorithm.h"
#include "kohort/select/choose_k.h"
#include "kohort/select/metrics.h"
#include "kohort/validate/significance.h"
#include "kohort/validate/stability.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct ClusterArgs {
  std::string input;
  std::string algo = "kmeans";
  std::string k = "auto";
  int k_min = 2;
  int k_max = 12;
  double min_share = 0.0;
  std::string scale = "z";
  std::string reduce;
  std::string id_column;
  std::string out;
  cluster::ClusterParams params = [] {
    cluster::ClusterParams p;
    p.max_iter = 300;
    p.tol = 1e-4;
    return p;
  }();
  index_t silhouette_sample = 20000;
  index_t scan_sample = 5000;
  int gap_references = 0;
  int stability = 0;
  bool significance = false;
};

nlohmann::json scan_json(const select::KChoice& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.table)
    rows.push_back({{"k", r.k},
                    {"inertia", r.inertia},
                    {"silhouette", r.silhouette},
                    {"silhouette_ci", {r.silhouette_low, r.silhouette_high}},
                    {"calinski_harabasz", r.calinski_harabasz},
                    {"davies_bouldin", r.davies_bouldin},
                    {"gap", r.gap},
                    {"gap_sd", r.gap_sd},
                    {"smallest_share", r.smallest_share},
                    {"feasible", r.feasible}});
  return {{"rule", c.rule},
          {"reason", c.reason},
          {"elbow_k", c.elbow_k},
          {"silhouette_k", c.silhouette_k},
          {"calinski_harabasz_k", c.calinski_harabasz_k},
          {"davies_bouldin_k", c.davies_bouldin_k},
          {"gap_k", c.gap_k},
          {"rows", rows}};
}

// --algo auto: k chosen by k-means, then the library's rule (select/choose_algorithm.h) compares
// k-means, a Gaussian mixture at that k and HDBSCAN; the winner's labelling replaces the
// k-means one. Returns {chosen, reason, candidates}.
Result<nlohmann::json> compare_algorithms(const Context& ctx, const ClusterArgs& a, MatrixView<const float> x,
                                          cluster::Segmentation& seg) {
  const bool auto_k = a.k == "auto";
  select::AlgorithmChoiceOptions o;
  o.k_lo = auto_k ? a.k_min : a.params.n_clusters;
  o.k_hi = auto_k ? a.k_max : a.params.n_clusters;
  o.min_share = a.min_share;
  o.silhouette_rows = a.silhouette_sample;
  cluster::ClusterParams p = a.params;
  p.n_clusters = static_cast<int>(select::cluster_sizes(seg.labels).size());
  KOHORT_ASSIGN_OR_RETURN(auto choice, select::choose_algorithm(ctx, x, p, o));
  seg = std::move(choice.fitted.segmentation);
  return nlohmann::json{{"chosen", choice.chosen}, {"reason", choice.reason}, {"candidates", choice.candidates}};
}

int run_cluster(Shell& shell, ClusterArgs& a) {
  const Context ctx = shell.context();
  if (a.algo == "list") {
    for (const auto& c : cluster::clusterers())
      std::cout << fmt::format("{:<10} {}\n", c.name, c.description);
    return 0;
  }
  if (a.input.empty())
    return shell.usage_error(Status::invalid_argument("input", "no input file given",
                                               "pass a CSV, TSV or .npy file: kohort cluster data.csv"));
  // auto: choose k with k-means, then compare it with a Gaussian mixture at that k and with
  // HDBSCAN, and keep the best separated labelling (below).
  const bool compare = a.algo == "auto";
  const auto* algo = cluster::find_clusterer(compare ? "kmeans" : a.algo);
  if (algo == nullptr) {
    std::string names;
    for (const auto& c : cluster::clusterers()) names += (names.empty() ? "" : ", ") + std::string(c.name);
    return shell.usage_error(Status::invalid_argument("--algo", fmt::format("unknown algorithm '{}'", a.algo),
                                               "available: " + names + " (see --algo list)"));
  }
  const bool auto_k = a.k == "auto";
  if (!auto_k) {
    try {
      std::size_t used = 0;
      a.params.n_clusters = std::stoi(a.k, &used);
      if (used != a.k.size()) throw std::invalid_argument(a.k);
    } catch (const std::exception&) {
      return shell.usage_error(Status::invalid_argument("--k", fmt::format("'{}' is neither a number nor auto", a.k),
                                                 "pass --k 8 or --k auto"));
    }
  }
  auto scaling = reduce::parse_scaling(a.scale);
  if (!scaling.ok()) return shell.usage_error(scaling.status());
  std::optional<reduce::PcaOptions> pca_options;
  std::optional<reduce::UmapOptions> umap_options;
  if (a.reduce.starts_with("umap")) {
    auto u = reduce::parse_umap(a.reduce);
    if (!u.ok()) return shell.usage_error(u.status());
    umap_options = *u;
  } else if (!a.reduce.empty()) {
    auto p = reduce::parse_pca(a.reduce);
    if (!p.ok()) return shell.usage_error(p.status());
    pca_options = *p;
  }

  if (Status s = check_not_an_input(a.out, "--out", std::vector<std::string>{a.input, io::sidecar_path(a.input)});
      !s.ok())
    return shell.fail(s);
  io::NumericReadOptions ro;
  ro.id_column = a.id_column;
  auto table = io::read_numeric_table(a.input, ro);
  if (!table.ok()) return shell.fail(table.status());
  Matrix<float>& x = table->values;
  ctx.log().info("{}: {} rows × {} columns", a.input, x.rows(), x.cols());

  auto sfit = reduce::fit_scale(ctx, x.cview(), *scaling);
  if (!sfit.ok()) return shell.fail(sfit.status());
  reduce::apply_scale(ctx, *sfit, x.view());
  if (!sfit->constant_columns.empty())
    ctx.log().warn("{} constant column(s) carry no information (first: {})",
                   sfit->constant_columns.size(),
                   table->columns[static_cast<std::size_t>(sfit->constant_columns.front())]);

  // Significance is judged on the (scaled) input columns, not on principal components.
  Matrix<float> columns_for_tests;
  if (a.significance && (pca_options || umap_options)) columns_for_tests = x.clone();
  nlohmann::json reduce_json;
  if (pca_options) {
    auto pca = reduce::fit_pca(ctx, x.cview(), *pca_options);
    if (!pca.ok()) return shell.fail(pca.status());
    auto y = reduce::transform_pca(ctx, *pca, x.cview());
    if (!y.ok()) return shell.fail(y.status());
    double kept = 0;
    for (double r : pca->explained_variance_ratio) kept += r;
    ctx.log().info("PCA: {} of {} dimensions keep {:.1f}% of the variance", y->cols(), x.cols(),
                   100 * kept);
    reduce_json = {{"method", "pca"},
                   {"components", y->cols()},
                   {"explained_variance_ratio", pca->explained_variance_ratio},
                   {"variance_kept", kept}};
    x = std::move(*y);
  }
  if (umap_options) {
    auto u = reduce::fit_umap(ctx, x.cview(), *umap_options);
    if (!u.ok()) return shell.fail(u.status());
    ctx.log().info("UMAP: {} columns to {} dimensions ({} neighbours, {}, {} init, {} epochs)",
                   x.cols(), u->embedding.cols(), u->options.n_neighbors,
                   u->knn.exact ? "exact kNN" : "NN-descent kNN", u->init, u->n_epochs);
    reduce_json = {{"method", "umap"},
                   {"components", u->embedding.cols()},
                   {"n_neighbors", u->options.n_neighbors},
                   {"min_dist", u->options.min_dist},
                   {"n_epochs", u->n_epochs},
                   {"knn", u->knn.exact ? "exact" : "nn-descent"},
                   {"init", u->init}};
    x = std::move(u->embedding);
  }

  std::optional<select::KChoice> choice;
  cluster::Segmentation seg;
  if (auto_k && !algo->takes_k) {
    ctx.log().info("{} settles its own number of segments; --k auto has nothing to scan", a.algo);
    a.params.n_clusters = 0;  // no --k: the algorithm's own default bound
  }
  if (auto_k && algo->takes_k) {
    select::ChooseKOptions co;
    co.k_min = a.k_min;
    co.k_max = std::min<index_t>(a.k_max, std::max<index_t>(2, x.rows() - 1));
    co.min_share = a.min_share;
    co.silhouette_sample = a.scan_sample;
    co.gap_references = a.gap_references;
    // Ward keeps the whole tree: on the data itself it is grown once and cut at every k
    // (reference sets of the gap statistic get their own trees).
    std::optional<cluster::WardTree> ward_tree;
    auto fit_at = [&](const Context& c, MatrixView<const float> data, int k) -> Result<std::vector<std::int32_t>> {
      if (a.algo == "ward" && data.data == x.data()) {
        if (!ward_tree) {
          KOHORT_ASSIGN_OR_RETURN(auto tree, cluster::fit_ward(c, data));
          ward_tree = std::move(tree);
        }
        return cluster::cut_ward(*ward_tree, k);
      }
      cluster::ClusterParams p = a.params;
      p.n_clusters = k;
      KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(c, algo->name, p, data));
      return std::move(f.segmentation.labels);
    };
    auto ch = select::choose_k(ctx, x.cview(), co, fit_at);
    if (!ch.ok()) return shell.fail(ch.status());
    choice = std::move(*ch);
    // Refit at the chosen k so the model's own outputs (confidence, BIC) come with it; the
    // same seed reproduces the scan's labelling.
    cluster::ClusterParams p = a.params;
    p.n_clusters = choice->k;
    auto fit = cluster::fit_clusterer(ctx.quiet(), algo->name, p, x.cview());
    if (!fit.ok()) return shell.fail(fit.status());
    seg = std::move(fit->segmentation);
    ctx.log().info("chose k = {} ({}): {}", choice->k, choice->rule, choice->reason);
  } else {
    auto fit = cluster::fit_clusterer(ctx, algo->name, a.params, x.cview());
    if (!fit.ok()) return shell.fail(fit.status());
    seg = std::move(fit->segmentation);
  }

  nlohmann::json algorithm_choice;
  if (compare) {
    auto chosen = compare_algorithms(ctx, a, x.cview(), seg);
    if (!chosen.ok()) return shell.fail(chosen.status());
    algorithm_choice = std::move(*chosen);
    a.algo = algorithm_choice["chosen"].get<std::string>();
    algo = cluster::find_clusterer(a.algo);
    ctx.log().info("algorithm: {}", algorithm_choice["reason"].get<std::string>());
  }
  std::vector<std::int32_t>& labels = seg.labels;
  const std::vector<float>& confidence = seg.confidence;
  const std::optional<double> bic = seg.has_bic ? std::optional<double>(seg.bic) : std::nullopt;
  const bool outliers = seg.has_outliers;

  auto sizes = select::cluster_sizes(labels);
  const int k = static_cast<int>(sizes.size());
  const auto n_outliers = std::count_if(labels.begin(), labels.end(), [](std::int32_t l) { return l < 0; });
  if (k == 0)
    return shell.fail(Status::invalid_input(a.input, fmt::format("every one of the {} rows is an outlier", labels.size()),
                                            "raise --eps or lower --min-samples (hdbscan: lower --min-cluster-size)"));
  nlohmann::json metrics;
  auto in = select::inertia(ctx, x.cview(), labels);
  if (!in.ok()) return shell.fail(in.status());
  metrics["inertia"] = *in;
  if (bic) metrics["bic"] = *bic;
  if (k >= 2 && k <= x.rows() - 1) {
    auto sil = select::silhouette_sampled(ctx, x.cview(), labels, a.silhouette_sample);
    if (!sil.ok()) return shell.fail(sil.status());
    metrics["silhouette"] = sil->mean;
    metrics["silhouette_sampled"] = sil->sampled;
    if (sil->sampled) metrics["silhouette_ci"] = {sil->ci_low, sil->ci_high};
    metrics["silhouette_per_segment"] = sil->per_cluster;
    metrics["calinski_harabasz"] = *select::calinski_harabasz(ctx, x.cview(), labels);
    metrics["davies_bouldin"] = *select::davies_bouldin(ctx, x.cview(), labels);
  }

  if (metrics.contains("silhouette_per_segment"))
    for (std::size_t c = 0; c < metrics["silhouette_per_segment"].size(); ++c) {
      const double v = metrics["silhouette_per_segment"][c].is_number()
                           ? metrics["silhouette_per_segment"][c].get<double>() : 0.0;
      if (v < 0) ctx.log().warn("segment {} has a negative mean silhouette ({:.3f}): its members sit closer to other segments", c, v);
    }

  nlohmann::json stability_json;
  if (a.stability > 0) {
    cluster::ClusterParams p = a.params;
    p.n_clusters = k;
    auto refit = [&](const Context& c, MatrixView<const float> sample) -> Result<std::vector<std::int32_t>> {
      KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(c, algo->name, p, sample));
      return std::move(f.segmentation.labels);
    };
    validate::StabilityOptions so;
    so.resamples = a.stability;
    auto st = validate::bootstrap_stability(ctx, x.cview(), labels, refit, so);
    if (!st.ok()) return shell.fail(st.status());
    for (std::size_t c = 0; c < st->jaccard.size(); ++c)
      if (st->unstable[c])
        ctx.log().warn("segment {} is unstable: mean bootstrap Jaccard {:.2f} < {:.1f}", c, st->jaccard[c],
                       so.unstable_below);
    ctx.log().info("stability over {} bootstrap refits: mean ARI {:.3f}", so.resamples, st->mean_ari);
    stability_json = {{"resamples", so.resamples},
                      {"rows_per_resample", std::min(x.rows(), so.max_rows)},
                      {"jaccard", st->jaccard},
                      {"unstable", st->unstable},
                      {"mean_ari", st->mean_ari}};
  }

  nlohmann::json tests_json;
  if (a.significance) {
    const Matrix<float>& cols = pca_options || umap_options ? columns_for_tests : x;
    auto tests = validate::column_tests(ctx, cols.cview(), labels);
    if (!tests.ok()) return shell.fail(tests.status());
    tests_json = nlohmann::json::array();
    std::vector<std::size_t> order(tests->size());
    for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t l, std::size_t r) {
      return (*tests)[l].eta_squared > (*tests)[r].eta_squared;
    });
    for (std::size_t j : order) {
      const auto& t = (*tests)[j];
      tests_json.push_back({{"column", table->columns[j]},
                            {"eta_squared", t.eta_squared},
                            {"anova_f", t.anova_f},
                            {"anova_p", t.anova_p},
                            {"kruskal_h", t.kruskal_h},
                            {"kruskal_p", t.kruskal_p}});
    }
    for (std::size_t r = 0; r < std::min<std::size_t>(5, order.size()); ++r)
      ctx.log().info("separates segments: {} (η² {:.3f}, Kruskal–Wallis p {:.2g})", table->columns[order[r]],
                     (*tests)[order[r]].eta_squared, (*tests)[order[r]].kruskal_p);
  }

  if (!a.out.empty() || !shell.json) {
    std::string csv = "id,segment";
    if (!confidence.empty()) csv += ",confidence";
    if (outliers) csv += ",outlier";
    csv += '\n';
    csv.reserve(labels.size() * 20);
    auto out = std::back_inserter(csv);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (table->ids.empty()) fmt::format_to(out, "{},{}", i, labels[i]);
      else fmt::format_to(out, "{},{}", csv_field(table->ids[i]), labels[i]);
      if (!confidence.empty()) fmt::format_to(out, ",{:.4f}", confidence[i]);
      if (outliers) fmt::format_to(out, ",{}", labels[i] < 0 ? 1 : 0);
      csv.push_back('\n');
    }
    const Status w = write_file_atomic(a.out.empty() ? "-" : a.out, csv);
    if (!w.ok()) return shell.fail(w);
  }

  std::string size_text;
  for (std::size_t c = 0; c < sizes.size(); ++c)
    size_text += fmt::format("{}{}", c ? " " : "", sizes[c]);
  ctx.log().info("{} segments, sizes {}; inertia {:.6g}{}", k, size_text, *in,
                 metrics.contains("silhouette")
                     ? fmt::format(", silhouette {:.4f}", metrics["silhouette"].get<double>())
                     : std::string());
  if (shell.json) {
    nlohmann::json j = {{"input", a.input},
                        {"rows", x.rows()},
                        {"columns", x.cols()},
                        {"algo", a.algo},
                        {"scale", a.scale},
                        {"k", k},
                        {"sizes", sizes},
                        {"outliers", n_outliers},
                        {"metrics", metrics}};
    for (auto& [key, value] : metrics.items()) j[key] = value;
    if (choice) j["decision"] = scan_json(*choice);
    if (!algorithm_choice.is_null()) j["algorithm_choice"] = algorithm_choice;
    if (!reduce_json.is_null()) j["reduce"] = reduce_json;
    if (!stability_json.is_null()) j["stability"] = stability_json;
    if (!tests_json.is_null()) j["feature_tests"] = tests_json;
    if (!a.out.empty()) j["out"] = a.out;
    shell.print_json(j);
  }
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
                  "column scaling before clustering: none, z (mean/sd) or robust (median/IQR); "
                  "default z\nexample: --scale robust")
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
                  "sets (on up to 20000 rows; default 0 = off)\nexample: --gap 10")
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
