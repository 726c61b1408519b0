#include "cluster_stages.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "kohort/cluster/ward.h"
#include "kohort/core/atomic_file.h"
#include "kohort/core/text.h"
#include "kohort/select/choose_algorithm.h"
#include "kohort/select/metrics.h"
#include "kohort/validate/significance.h"
#include "kohort/validate/stability.h"

namespace kohort::app {

Result<ClusterPlan> plan_cluster(ClusterArgs& a) {
  ClusterPlan p;
  p.compare = a.algo == "auto";
  p.algo = cluster::find_clusterer(p.compare ? "kmeans" : a.algo);
  if (p.algo == nullptr) {
    std::string names;
    for (const auto& c : cluster::clusterers()) names += (names.empty() ? "" : ", ") + std::string(c.name);
    return Status::invalid_argument("--algo", fmt::format("unknown algorithm '{}'", a.algo),
                                    "available: " + names + " (see --algo list)");
  }
  p.auto_k = a.k == "auto";
  if (!p.auto_k) {
    std::size_t used = 0;
    try {
      a.params.n_clusters = std::stoi(a.k, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != a.k.size())
      return Status::invalid_argument("--k", fmt::format("'{}' is neither a number nor auto", a.k), "pass --k 8 or --k auto");
  }
  KOHORT_ASSIGN_OR_RETURN(p.scaling, reduce::parse_scaling(a.scale));
  if (a.reduce.starts_with("umap")) {
    KOHORT_ASSIGN_OR_RETURN(p.umap, reduce::parse_umap(a.reduce));
  } else if (!a.reduce.empty()) {
    KOHORT_ASSIGN_OR_RETURN(p.pca, reduce::parse_pca(a.reduce));
  }
  return p;
}

namespace {

Result<nlohmann::json> reduce_pca(const Context& ctx, const reduce::PcaOptions& o, Matrix<float>& x) {
  KOHORT_ASSIGN_OR_RETURN(const auto pca, reduce::fit_pca(ctx, x.cview(), o));
  KOHORT_ASSIGN_OR_RETURN(auto y, reduce::transform_pca(ctx, pca, x.cview()));
  const double kept = std::accumulate(pca.explained_variance_ratio.begin(), pca.explained_variance_ratio.end(), 0.0);
  ctx.log().info("PCA: {} of {} dimensions keep {:.1f}% of the variance", y.cols(), x.cols(), 100 * kept);
  x = std::move(y);
  return nlohmann::json{{"method", "pca"}, {"components", x.cols()}, {"explained_variance_ratio", pca.explained_variance_ratio},
                        {"variance_kept", kept}};
}

Result<nlohmann::json> reduce_umap(const Context& ctx, const reduce::UmapOptions& o, Matrix<float>& x) {
  KOHORT_ASSIGN_OR_RETURN(auto u, reduce::fit_umap(ctx, x.cview(), o));
  ctx.log().info("UMAP: {} columns to {} dimensions ({} neighbours, {}, {} init, {} epochs)", x.cols(), u.embedding.cols(),
                 u.options.n_neighbors, u.knn.exact ? "exact kNN" : "NN-descent kNN", u.init, u.n_epochs);
  x = std::move(u.embedding);
  return nlohmann::json{{"method", "umap"}, {"components", x.cols()}, {"n_neighbors", u.options.n_neighbors},
                        {"min_dist", u.options.min_dist}, {"n_epochs", u.n_epochs},
                        {"knn", u.knn.exact ? "exact" : "nn-descent"}, {"init", u.init}};
}

}  // namespace

Result<ClusterInput> prepare_input(const Context& ctx, const ClusterArgs& a, const ClusterPlan& plan) {
  io::NumericReadOptions ro;
  ro.id_column = a.id_column;
  ClusterInput in;
  KOHORT_ASSIGN_OR_RETURN(in.table, io::read_numeric_table(a.input, ro));
  in.x = std::move(in.table.values);
  ctx.log().info("{}: {} rows × {} columns", a.input, in.x.rows(), in.x.cols());
  KOHORT_ASSIGN_OR_RETURN(const auto scale, reduce::fit_scale(ctx, in.x.cview(), plan.scaling));
  reduce::apply_scale(ctx, scale, in.x.view());
  if (!scale.constant_columns.empty())
    ctx.log().warn("{} constant column(s) carry no information (first: {})", scale.constant_columns.size(),
                   in.table.columns[static_cast<std::size_t>(scale.constant_columns.front())]);
  // Significance is judged on the (scaled) input columns, not on their reduction.
  if (a.significance && (plan.pca || plan.umap)) in.columns = in.x.clone();
  if (plan.pca) {
    KOHORT_ASSIGN_OR_RETURN(in.reduce, reduce_pca(ctx, *plan.pca, in.x));
  }
  if (plan.umap) {
    KOHORT_ASSIGN_OR_RETURN(in.reduce, reduce_umap(ctx, *plan.umap, in.x));
  }
  return in;
}

namespace {

// --k auto: the scan over k (Ward grows its tree on the data once and cuts it at every k), then a
// refit at the chosen k so that the algorithm's own outputs (confidence, BIC) come with it; the
// same seed reproduces the scan's labelling.
Result<Clustered> choose_k_and_fit(const Context& ctx, const ClusterArgs& a, const ClusterPlan& plan,
                                   MatrixView<const float> x) {
  select::ChooseKOptions co;
  co.k_min = a.k_min;
  co.k_max = std::min<index_t>(a.k_max, std::max<index_t>(2, x.rows - 1));
  co.min_share = a.min_share;
  co.silhouette_sample = a.scan_sample;
  co.gap_references = a.gap_references;
  std::optional<cluster::WardTree> ward_tree;
  auto fit_at = [&](const Context& c, MatrixView<const float> data, int k) -> Result<std::vector<std::int32_t>> {
    if (plan.algo->name == "ward" && data.data == x.data) {
      if (!ward_tree) {
        KOHORT_ASSIGN_OR_RETURN(auto tree, cluster::fit_ward(c, data));
        ward_tree = std::move(tree);
      }
      return cluster::cut_ward(*ward_tree, k);
    }
    cluster::ClusterParams p = a.params;
    p.n_clusters = k;
    KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(c, plan.algo->name, p, data));
    return std::move(f.segmentation.labels);
  };
  Clustered out;
  KOHORT_ASSIGN_OR_RETURN(out.choice, select::choose_k(ctx, x, co, fit_at));
  cluster::ClusterParams p = a.params;
  p.n_clusters = out.choice->k;
  KOHORT_ASSIGN_OR_RETURN(auto fit, cluster::fit_clusterer(ctx.quiet(), plan.algo->name, p, x));
  out.seg = std::move(fit.segmentation);
  ctx.log().info("chose k = {} ({}): {}", out.choice->k, out.choice->rule, out.choice->reason);
  return out;
}

}  // namespace

Result<Clustered> cluster_rows(const Context& ctx, const ClusterArgs& a, const ClusterPlan& plan, MatrixView<const float> x) {
  Clustered out;
  cluster::ClusterParams params = a.params;
  if (plan.auto_k && !plan.algo->takes_k) {
    ctx.log().info("{} settles its own number of segments; --k auto has nothing to scan", a.algo);
    params.n_clusters = 0;  // the algorithm's own default bound
  }
  if (plan.auto_k && plan.algo->takes_k) {
    KOHORT_ASSIGN_OR_RETURN(out, choose_k_and_fit(ctx, a, plan, x));
  } else {
    KOHORT_ASSIGN_OR_RETURN(auto fit, cluster::fit_clusterer(ctx, plan.algo->name, params, x));
    out.seg = std::move(fit.segmentation);
  }
  out.algo = plan.algo->name;
  if (!plan.compare) return out;
  select::AlgorithmChoiceOptions o;
  o.k_lo = plan.auto_k ? a.k_min : a.params.n_clusters;
  o.k_hi = plan.auto_k ? a.k_max : a.params.n_clusters;
  o.min_share = a.min_share;
  o.silhouette_rows = a.silhouette_sample;
  params.n_clusters = static_cast<int>(select::cluster_sizes(out.seg.labels).size());
  KOHORT_ASSIGN_OR_RETURN(auto choice, select::choose_algorithm(ctx, x, params, o));
  out.seg = std::move(choice.fitted.segmentation);
  out.algo = choice.chosen;
  out.algorithm_choice = {{"chosen", choice.chosen}, {"reason", choice.reason}, {"candidates", choice.candidates}};
  ctx.log().info("algorithm: {}", choice.reason);
  return out;
}

Result<nlohmann::json> segment_metrics(const Context& ctx, MatrixView<const float> x, const cluster::Segmentation& seg,
                                       index_t silhouette_rows) {
  const auto& labels = seg.labels;
  const auto k = static_cast<index_t>(select::cluster_sizes(labels).size());
  nlohmann::json m;
  KOHORT_ASSIGN_OR_RETURN(m["inertia"], select::inertia(ctx, x, labels));
  if (seg.has_bic) m["bic"] = seg.bic;
  if (k < 2 || k > x.rows - 1) return m;
  KOHORT_ASSIGN_OR_RETURN(const auto sil, select::silhouette_sampled(ctx, x, labels, silhouette_rows));
  m["silhouette"] = sil.mean;
  m["silhouette_sampled"] = sil.sampled;
  if (sil.sampled) m["silhouette_ci"] = {sil.ci_low, sil.ci_high};
  m["silhouette_per_segment"] = sil.per_cluster;
  KOHORT_ASSIGN_OR_RETURN(m["calinski_harabasz"], select::calinski_harabasz(ctx, x, labels));
  KOHORT_ASSIGN_OR_RETURN(m["davies_bouldin"], select::davies_bouldin(ctx, x, labels));
  for (std::size_t c = 0; c < m["silhouette_per_segment"].size(); ++c) {
    const auto& v = m["silhouette_per_segment"][c];
    if (v.is_number() && v.get<double>() < 0)
      ctx.log().warn("segment {} has a negative mean silhouette ({:.3f}): its members sit closer to other segments", c,
                     v.get<double>());
  }
  return m;
}

Result<nlohmann::json> segment_stability(const Context& ctx, const ClusterArgs& a, std::string_view algo,
                                         MatrixView<const float> x, const std::vector<std::int32_t>& labels) {
  if (a.stability <= 0) return nlohmann::json();
  cluster::ClusterParams p = a.params;
  p.n_clusters = static_cast<int>(select::cluster_sizes(labels).size());
  auto refit = [&](const Context& c, MatrixView<const float> sample) -> Result<std::vector<std::int32_t>> {
    KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(c, algo, p, sample));
    return std::move(f.segmentation.labels);
  };
  validate::StabilityOptions so;
  so.resamples = a.stability;
  KOHORT_ASSIGN_OR_RETURN(const auto st, validate::bootstrap_stability(ctx, x, labels, refit, so));
  for (std::size_t c = 0; c < st.jaccard.size(); ++c)
    if (st.unstable[c])
      ctx.log().warn("segment {} is unstable: mean bootstrap Jaccard {:.2f} < {:.1f}", c, st.jaccard[c], so.unstable_below);
  ctx.log().info("stability over {} bootstrap refits: mean ARI {:.3f}", so.resamples, st.mean_ari);
  return nlohmann::json{{"resamples", so.resamples}, {"rows_per_resample", std::min(x.rows, so.max_rows)},
                        {"jaccard", st.jaccard}, {"unstable", st.unstable}, {"mean_ari", st.mean_ari}};
}

Result<nlohmann::json> column_significance(const Context& ctx, MatrixView<const float> columns,
                                           const std::vector<std::int32_t>& labels, const std::vector<std::string>& names) {
  KOHORT_ASSIGN_OR_RETURN(const auto tests, validate::column_tests(ctx, columns, labels));
  std::vector<std::size_t> order(tests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t l, std::size_t r) { return tests[l].eta_squared > tests[r].eta_squared; });
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t j : order)
    out.push_back({{"column", names[j]}, {"eta_squared", tests[j].eta_squared}, {"anova_f", tests[j].anova_f},
                   {"anova_p", tests[j].anova_p}, {"kruskal_h", tests[j].kruskal_h}, {"kruskal_p", tests[j].kruskal_p}});
  for (std::size_t r = 0; r < std::min<std::size_t>(5, order.size()); ++r)
    ctx.log().info("separates segments: {} (η² {:.3f}, Kruskal–Wallis p {:.2g})", names[order[r]],
                   tests[order[r]].eta_squared, tests[order[r]].kruskal_p);
  return out;
}

Status write_segments(const std::string& out, const std::vector<std::string>& ids, const cluster::Segmentation& seg) {
  const auto& labels = seg.labels;
  const auto& confidence = seg.confidence;
  std::string csv = "id,segment";
  if (!confidence.empty()) csv += ",confidence";
  if (seg.has_outliers) csv += ",outlier";
  csv += '\n';
  csv.reserve(labels.size() * 20);
  auto it = std::back_inserter(csv);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (ids.empty()) fmt::format_to(it, "{},{}", i, labels[i]);
    else fmt::format_to(it, "{},{}", csv_field(ids[i]), labels[i]);
    if (!confidence.empty()) fmt::format_to(it, ",{:.4f}", confidence[i]);
    if (seg.has_outliers) fmt::format_to(it, ",{}", labels[i] < 0 ? 1 : 0);
    csv.push_back('\n');
  }
  return write_file_atomic(out, csv);
}

nlohmann::json scan_json(const select::KChoice& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.table)
    rows.push_back({{"k", r.k}, {"inertia", r.inertia}, {"silhouette", r.silhouette},
                    {"silhouette_ci", {r.silhouette_low, r.silhouette_high}}, {"calinski_harabasz", r.calinski_harabasz},
                    {"davies_bouldin", r.davies_bouldin}, {"gap", r.gap}, {"gap_sd", r.gap_sd},
                    {"smallest_share", r.smallest_share}, {"feasible", r.feasible}});
  return {{"rule", c.rule},
          {"reason", c.reason},
          {"elbow_k", c.elbow_k},
          {"silhouette_k", c.silhouette_k},
          {"calinski_harabasz_k", c.calinski_harabasz_k},
          {"davies_bouldin_k", c.davies_bouldin_k},
          {"gap_k", c.gap_k},
          {"rows", rows}};
}

}  // namespace kohort::app
