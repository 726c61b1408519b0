// Stages 6–8 of a fit: how many segments by which algorithm, the clusterer fitted on everyone,
// and how well it separates them.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kohort/cluster/ward.h"
#include "kohort/model/internal/fit_stages.h"
#include "kohort/select/choose_algorithm.h"
#include "kohort/select/metrics.h"
#include "kohort/validate/stability.h"

namespace kohort::model::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// "all 2,357 customers" or "18,853 sampled customers (of 250,000)": what a scan looked at.
std::string scanned_whom(index_t scanned, index_t all) {
  return scanned >= all ? fmt::format("all {} customers", all)
                        : fmt::format("{} sampled customers (of {})", scanned, all);
}

// The number of segments for `algorithm` on the scan sample, by select::choose_k(). Ward grows
// its tree on the sample once and cuts it at every k.
Result<select::KChoice> scan_k(const Context& ctx, MatrixView<const float> sample, const std::string& algorithm,
                               index_t population, const FitOptions& o) {
  select::ChooseKOptions co;
  co.k_min = o.k_min;
  co.k_max = std::min<int>(o.k_max, static_cast<int>(sample.rows) - 1);
  co.min_share = o.min_share;
  co.silhouette_sample = 5000;
  std::optional<cluster::WardTree> tree;
  auto fit_at = [&](const Context& c, MatrixView<const float> x, int k) -> Result<std::vector<std::int32_t>> {
    if (algorithm == "ward" && x.data == sample.data) {
      if (!tree) {
        KOHORT_ASSIGN_OR_RETURN(tree, cluster::fit_ward(c, x));
      }
      return cluster::cut_ward(*tree, k);
    }
    cluster::ClusterParams p = cluster_params(o, algorithm, k, population);
    p.n_init = 1;
    KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(c.quiet(), algorithm, p, x));
    return std::move(f.training.labels);
  };
  return select::choose_k(ctx, sample, co, fit_at);
}

}  // namespace

cluster::ClusterParams cluster_params(const FitOptions& o, std::string_view algorithm, int k, index_t rows) {
  cluster::ClusterParams p;
  p.n_clusters = algorithm == "bgmm" ? 0 : k;  // bgmm: the truncation level's default
  p.n_init = std::max(1, o.n_init);
  p.covariance = o.covariance;
  p.reg_covar = o.reg_covar;
  p.min_samples = o.min_samples;
  p.max_fit_rows = o.hdbscan_rows;
  const double tree_rows = static_cast<double>(std::min(rows, o.hdbscan_rows));
  p.min_cluster_size = o.min_cluster_size > 0 ? o.min_cluster_size
                                              : std::max(5, static_cast<int>(std::ceil(o.min_share * tree_rows)));
  p.noise = o.noise;
  return p;
}

Result<SegmentChoice> choose_segments(const Context& ctx, MatrixView<const float> space, const FitOptions& o) {
  SegmentChoice c;
  c.algorithm = o.algorithm == "auto" ? "kmeans" : o.algorithm;
  const bool takes_k = cluster::find_clusterer(c.algorithm)->takes_k;
  c.k = takes_k ? o.k : 0;
  if ((!takes_k || o.k > 0) && o.algorithm != "auto") return c;
  // One sample of customers serves the scan over k and, with --algo auto, the algorithm choice.
  const Matrix<float> sample = gather(space, sample_rows(ctx, space.rows, o.scan_rows, "fit.scan"));
  c.scanned = sample.rows();
  if (c.k == 0) {
    KOHORT_ASSIGN_OR_RETURN(c.k_choice, scan_k(ctx, sample.cview(), c.algorithm, space.rows, o));
    c.k = c.k_choice->k;
    ctx.log().info("chose k = {} on {} ({}): {}", c.k, scanned_whom(c.scanned, space.rows), c.k_choice->rule,
                   c.k_choice->reason);
    for (auto& r : c.k_choice->table) r.labels.clear();
  }
  if (o.algorithm != "auto") return c;
  // The library's rule: k-means, the Gaussian mixture at k and HDBSCAN on the sample.
  select::AlgorithmChoiceOptions ao;
  ao.k_lo = o.k > 0 ? o.k : o.k_min;
  ao.k_hi = o.k > 0 ? o.k : o.k_max;
  ao.min_share = o.k > 0 ? 0.0 : o.min_share;
  KOHORT_ASSIGN_OR_RETURN(auto chosen, select::choose_algorithm(ctx, sample.cview(), cluster_params(o, "auto", c.k, space.rows), ao));
  const std::string reason = fmt::format("on {}: {}", scanned_whom(c.scanned, space.rows), chosen.reason);
  ctx.log().info("algorithm: {}", reason);
  c.algorithm = chosen.chosen;
  if (!cluster::find_clusterer(c.algorithm)->takes_k) c.k = 0;
  c.algorithm_choice = {{"chosen", chosen.chosen}, {"reason", reason}, {"candidates", chosen.candidates}};
  return c;
}

Result<Clustered> cluster_everyone(const Context& ctx, MatrixView<const float> space, const SegmentChoice& choice,
                                   const FitOptions& o) {
  const auto p = cluster_params(o, choice.algorithm, choice.k, space.rows);
  KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(ctx, choice.algorithm, p, space));
  if (f.model.k() < 2)
    return Status::invalid_input("data", fmt::format("{} found {} segment(s) among {} customers", choice.algorithm,
                                                     f.model.k(), space.rows),
                                 choice.algorithm == "hdbscan" ? "lower --min-cluster-size or --min-samples, or use --algo kmeans"
                                                               : "use --algo kmeans");
  if (choice.algorithm == "hdbscan")
    ctx.log().info("hdbscan: {} segments; the tree is built on {} customers with --min-cluster-size {} and --min-samples {}",
                   f.model.k(), std::min(space.rows, p.max_fit_rows), p.min_cluster_size, p.min_samples);
  if (choice.algorithm == "ward")
    ctx.log().info("ward: each customer is in the segment of the nearest centroid of the tree cut at k = {}, as new "
                   "customers are assigned; {:.2f}% are in their cut's segment ({} moved to a nearer centroid)",
                   f.model.k(), 100 * f.agreement.share, f.agreement.differ);
  else if (f.agreement.differ > 0)
    ctx.log().info("assigning the customers again with the stored {} model gives {:.2f}% of them the same segment "
                   "({} differ: new customers go to the nearest fitted customer in mutual reachability)",
                   choice.algorithm, 100 * f.agreement.share, f.agreement.differ);
  Clustered c;
  c.labels = std::move(f.training.labels);
  c.confidence = std::move(f.training.confidence);
  if (f.segmentation.has_bic) c.bic = f.segmentation.bic;
  c.agreement = f.agreement;
  c.model = std::move(f.model);
  return c;
}

Result<Validation> validate_segments(const Context& ctx, MatrixView<const float> space, const Clustered& c,
                                     const SegmentChoice& choice, const FitOptions& o) {
  const int k = c.model.k();
  Validation v;
  KOHORT_ASSIGN_OR_RETURN(const double inertia, select::inertia(ctx, space, c.labels));
  // The silhouette is estimated within a sample of customers (exact up to silhouette_rows, a
  // scored subsample with a 95% interval above): against everyone it would cost n × sample
  // distances for a number that moves in the third decimal.
  const auto rows = sample_rows(ctx, space.rows, o.scan_rows, "fit.silhouette");
  const Matrix<float> x = gather(space, rows);
  std::vector<std::int32_t> labels;
  for (index_t r : rows) labels.push_back(c.labels[static_cast<std::size_t>(r)]);
  KOHORT_ASSIGN_OR_RETURN(auto sil, select::silhouette_sampled(ctx, x.cview(), labels, o.silhouette_rows));
  KOHORT_ASSIGN_OR_RETURN(const double ch, select::calinski_harabasz(ctx, space, c.labels));
  KOHORT_ASSIGN_OR_RETURN(const double db, select::davies_bouldin(ctx, space, c.labels));
  v.metrics = {{"inertia", inertia},      {"silhouette", sil.mean},     {"silhouette_sampled", sil.sampled},
               {"calinski_harabasz", ch}, {"davies_bouldin", db},       {"silhouette_rows", rows.size()},
               {"reassigned_same", c.agreement.share}, {"reassigned_differ", c.agreement.differ}};
  if (sil.sampled) v.metrics["silhouette_ci"] = {sil.ci_low, sil.ci_high};
  if (std::isfinite(c.bic)) v.metrics["bic"] = c.bic;
  v.silhouette = std::move(sil.per_cluster);
  v.silhouette.resize(static_cast<std::size_t>(k), kNaN);
  v.stability.assign(static_cast<std::size_t>(k), kNaN);
  if (o.stability <= 0) return v;
  validate::StabilityOptions so;
  so.resamples = o.stability;
  so.max_rows = std::min<index_t>(so.max_rows, o.scan_rows);
  auto refit = [&](const Context& cc, MatrixView<const float> sample) -> Result<std::vector<std::int32_t>> {
    cluster::ClusterParams p = cluster_params(o, choice.algorithm, choice.k, space.rows);
    p.n_init = 1;
    KOHORT_ASSIGN_OR_RETURN(auto f, cluster::fit_clusterer(cc.quiet(), choice.algorithm, p, sample));
    return std::move(f.training.labels);
  };
  KOHORT_ASSIGN_OR_RETURN(const auto st, validate::bootstrap_stability(ctx, space, c.labels, refit, so));
  for (std::size_t s = 0; s < st.jaccard.size() && s < v.stability.size(); ++s) v.stability[s] = st.jaccard[s];
  v.metrics["stability_mean_ari"] = st.mean_ari;
  return v;
}

}  // namespace kohort::model::internal
