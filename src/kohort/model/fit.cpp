#include "kohort/model/fit.h"

#include "kohort/model/value.h"

#include "kohort/model/reference.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "kohort/cluster/kmeans.h"
#include "kohort/clv/bg_nbd.h"
#include "kohort/clv/clv.h"
#include "kohort/clv/mbg_nbd.h"
#include "kohort/clv/gamma_gamma.h"
#include "kohort/clv/summary.h"
#include "kohort/core/hash.h"
#include "kohort/core/parallel.h"
#include "kohort/features/compute.h"
#include "kohort/features/partitioned.h"
#include "kohort/features/selection.h"
#include "kohort/io/quality.h"
#include "kohort/profile/describe.h"
#include "kohort/profile/rules.h"
#include "kohort/reduce/pca.h"
#include "kohort/reduce/umap.h"
#include "kohort/select/metrics.h"
#include "kohort/validate/stability.h"

namespace kohort::model {

namespace {

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Logs how long each stage took: where the time of a fit goes. A stage of a second or more is
// logged at info level (a scheduler's log then shows the fit moving), shorter ones at debug.
class StageClock {
 public:
  explicit StageClock(const Context& ctx) : ctx_(ctx), last_(std::chrono::steady_clock::now()) {}
  void done(std::string_view stage) {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    if (s >= 1.0) ctx_.log().info("{}: {:.1f} s", stage, s);
    else ctx_.log().debug("{}: {:.2f} s", stage, s);
    last_ = now;
  }

 private:
  const Context& ctx_;
  std::chrono::steady_clock::time_point last_;
};

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Rows [0, n) sampled without replacement (sorted), or all rows when n ≤ m.
std::vector<index_t> sample_rows(const Context& ctx, index_t n, index_t m, std::string_view purpose) {
  std::vector<index_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), index_t{0});
  if (n <= m) return rows;
  Rng rng = ctx.rng(purpose);
  for (index_t i = 0; i < m; ++i) {
    const auto j = i + static_cast<index_t>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(rows[static_cast<std::size_t>(i)], rows[static_cast<std::size_t>(j)]);
  }
  rows.resize(static_cast<std::size_t>(m));
  std::sort(rows.begin(), rows.end());
  return rows;
}

Matrix<float> gather(MatrixView<const float> x, const std::vector<index_t>& rows) {
  Matrix<float> out(static_cast<index_t>(rows.size()), x.cols);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (index_t j = 0; j < x.cols; ++j) out(static_cast<index_t>(i), j) = x(rows[i], j);
  return out;
}

// "all 2,357 customers" or "18,853 sampled customers (of 250,000)": what a scan looked at.
std::string scanned_whom(index_t scanned, index_t all) {
  return scanned >= all ? fmt::format("all {} customers", all)
                        : fmt::format("{} sampled customers (of {})", scanned, all);
}

// The first day whose transactions count toward revenue: the earliest first purchase, from the
// customers' tenure at the cut (null without one).
json revenue_from(const std::vector<double>& tenure_days, Seconds as_of) {
  double longest = -1;
  for (double t : tenure_days)
    if (std::isfinite(t)) longest = std::max(longest, t);
  if (longest < 0) return nullptr;
  return format_date(as_of - static_cast<Seconds>(std::llround(longest * kSecondsPerDay)));
}

// Fits the clusterer at k on x; the model's own predict() gives the labels (so assigning the
// training customers with the stored model reproduces them exactly).
Result<ClustererModel> fit_clusterer(const Context& ctx, MatrixView<const float> x, int k, const FitOptions& o,
                                     double* bic) {
  ClustererModel c;
  c.algorithm = o.algorithm;
  if (o.algorithm == "gmm") {
    cluster::GmmOptions g;
    g.n_components = k;
    g.covariance = o.covariance == "full" ? cluster::Covariance::full : cluster::Covariance::diag;
    g.reg_covar = o.reg_covar;
    g.n_init = std::max(1, o.n_init);
    KOHORT_ASSIGN_OR_RETURN(auto fit, cluster::fit_gmm(ctx, x, g));
    if (bic) *bic = fit.bic;
    c.centers = Matrix<float>(k, x.cols);
    for (index_t s = 0; s < k; ++s)
      for (index_t j = 0; j < x.cols; ++j) c.centers(s, j) = static_cast<float>(fit.means[static_cast<std::size_t>(s * x.cols + j)]);
    fit.labels.clear();
    fit.confidence.clear();
    c.gmm = std::move(fit);
    return c;
  }
  cluster::KMeansOptions km;
  km.n_clusters = k;
  km.n_init = std::max(1, o.n_init);
  KOHORT_ASSIGN_OR_RETURN(auto fit, cluster::fit_kmeans(ctx, x, km));
  c.centers = std::move(fit.centers);
  return c;
}

// Revenue, purchase days and tenure per feature-table row, from transactions before as_of.
void transaction_business(const events::EventLog& log, const features::FeatureTable& t, profile::CustomerBusiness& b) {
  const auto& tx = log.transactions;
  const auto n = static_cast<std::size_t>(t.rows());
  b.revenue.assign(n, 0.0);
  b.orders.assign(n, 0.0);
  b.tenure_days.assign(n, kNaN);
  for (std::size_t r = 0; r < n; ++r) {
    const auto range = events::rows_before(tx.offsets, tx.time, t.customers[r], t.as_of);
    std::int64_t last_day = std::numeric_limits<std::int64_t>::min();
    for (index_t i = range.begin; i < range.end; ++i) {
      b.revenue[r] += tx.amount[static_cast<std::size_t>(i)];
      const std::int64_t day = day_of(tx.time[static_cast<std::size_t>(i)]);
      if (tx.amount[static_cast<std::size_t>(i)] >= 0 && day != last_day) {
        b.orders[r] += 1;
        last_day = day;
      }
    }
    if (range.size() > 0)
      b.tenure_days[r] = static_cast<double>(t.as_of - tx.time[static_cast<std::size_t>(range.begin)]) / kSecondsPerDay;
  }
}

Status check_options(const FitOptions& o) {
  if (o.algorithm != "kmeans" && o.algorithm != "gmm" && o.algorithm != "auto")
    return Status::invalid_argument("--algo", fmt::format("kohort fit does not fit '{}'", o.algorithm),
                                    "use kmeans, gmm or auto (other algorithms: kohort cluster on the feature matrix)");
  if (o.k == 0 && (o.k_min < 2 || o.k_max < o.k_min))
    return Status::invalid_argument("--k-min", fmt::format("the range {}..{} is empty", o.k_min, o.k_max),
                                    "pass --k-min 2 or more and --k-max at least --k-min");
  return {};
}

// The features' cut: the given as-of date or the day after the last event.
features::FeatureSpec spec_at(const FitOptions& o, Seconds last_event) {
  features::FeatureSpec spec = o.spec;
  spec.as_of = o.as_of ? *o.as_of : (day_of(last_event) + 1) * kSecondsPerDay;
  return spec;
}

Status not_segmentable(const io::QualityReport& quality) {
  return Status::invalid_input("data", "the data cannot be segmented: " + quality.reason,
                               "run kohort check on it for the full report");
}


// CLV, P(alive) and churn risk per customer (table row) from the repeat-purchase model
// (MBG/NBD) and Gamma-Gamma, fitted on a sample of the purchase summaries: beyond some ten
// thousands more customers move the parameters by less than their standard errors. When the
// models cannot be fitted, the values stay unknown (NaN) and a warning says why.
void value_customers(const Context& ctx, const clv::PurchaseSummary& summary, const FitOptions& o,
                     profile::CustomerBusiness& business, json& clv_json, std::vector<std::string>& warnings) {
  const auto n = business.revenue.size();
  business.clv.assign(n, kNaN);
  business.p_alive.assign(n, kNaN);
  business.churn_risk.assign(n, kNaN);
  const auto fit_rows = sample_rows(ctx, static_cast<index_t>(summary.x.size()), o.clv_fit_rows, "fit.clv");
  std::vector<double> sx, stx, sT, sm;
  for (index_t r : fit_rows) {
    const auto u = static_cast<std::size_t>(r);
    sx.push_back(summary.x[u]);
    stx.push_back(summary.t_x[u]);
    sT.push_back(summary.T[u]);
    sm.push_back(summary.monetary[u]);
  }
  auto mbg = clv::fit_mbg_nbd(ctx, sx, stx, sT);
  auto gg = mbg.ok() ? clv::fit_gamma_gamma(ctx, sx, sm) : Result<clv::GammaGammaFit>(mbg.status());
  clv::ValueOptions vo;
  vo.horizon = o.clv_horizon_weeks;
  vo.annual_discount = o.annual_discount;
  vo.churn_horizon = o.churn_horizon_days / clv::unit_days(clv::TimeUnit::week);
  auto values = gg.ok() ? clv::customer_values(ctx, summary, clv::TimeUnit::week, clv::PurchaseParams::of(mbg->params),
                                               gg->params, vo)
                        : Result<std::vector<clv::CustomerValue>>(gg.status());
  if (!values.ok()) {
    warnings.push_back("CLV and churn risk not computed: " + values.status().what());
    return;
  }
  for (std::size_t i = 0; i < summary.customers.size(); ++i) {
    const auto r = static_cast<std::size_t>(summary.customers[i]);
    business.clv[r] = (*values)[i].clv;
    business.p_alive[r] = (*values)[i].p_alive;
    business.churn_risk[r] = (*values)[i].churn_risk;
  }
  const auto& m = mbg->params;
  const auto& g = gg->params;
  clv_json = {{"model", "mbgnbd"},
              {"time_unit", "week"},
              {"horizon", o.clv_horizon_weeks},
              {"churn_horizon_days", o.churn_horizon_days},
              {"fitted_on", fit_rows.size()},
              {"annual_discount", o.annual_discount},
              {"mbgnbd", {{"r", m.r}, {"alpha", m.alpha}, {"a", m.a}, {"b", m.b}, {"loglik", mbg->log_likelihood}}},
              {"gamma_gamma", {{"p", g.p}, {"q", g.q}, {"gamma", g.gamma}}}};
}

}  // namespace

Result<FitData> prepare_fit(const Context& ctx, const io::Dataset& data, const FitOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_options(o));
  const events::EventLog& log = data.log;
  FitData d;
  StageClock clock(ctx);
  io::QualityOptions qo;
  KOHORT_ASSIGN_OR_RETURN(d.quality, io::check_quality(ctx, data, qo));
  if (!d.quality.segmentable) return not_segmentable(d.quality);
  clock.done("check");
  const features::FeatureSpec spec = spec_at(o, log.last_event_time());
  KOHORT_ASSIGN_OR_RETURN(d.raw, features::compute_features(ctx, log, spec));
  transaction_business(log, d.raw, d.business);
  d.purchases = purchases_by_row(log, d.raw);
  d.prospects = count_prospects(log, d.raw);
  d.ids.reserve(static_cast<std::size_t>(d.raw.rows()));
  for (auto c : d.raw.customers) d.ids.push_back(log.external_id(c));
  clock.done("features");
  return d;
}

Result<FitData> prepare_fit_partitioned(const Context& ctx, const io::PartitionedDataset& data,
                                        const FitOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_options(o));
  StageClock clock(ctx);
  io::QualityOptions qo;
  const features::FeatureSpec spec = spec_at(o, data.last_event_time);
  // Per partition, beside its feature rows: the quality tally, the business values and the
  // purchase summary of its customers (rows in the partition's order, put in the merged
  // order below).
  struct Part {
    profile::CustomerBusiness business;
    clv::PurchaseSummary purchases;  // customers[i] = the partition table's row
    index_t prospects = 0;
  };
  std::vector<Part> parts(data.partitions);
  io::QualityTally tally;
  tally.max_distinct_amounts = qo.max_distinct_amounts;
  const features::PartitionVisitor visit = [&](std::uint32_t k, const io::Dataset& ds,
                                               const features::FeatureTable& table) -> Status {
    tally.merge(io::tally_partition(ctx, ds.log, data, k, qo));
    transaction_business(ds.log, table, parts[k].business);
    parts[k].purchases = purchases_by_row(ds.log, table);
    parts[k].prospects = count_prospects(ds.log, table);
    return {};
  };
  KOHORT_ASSIGN_OR_RETURN(auto merged, features::compute_features_partitioned(ctx, data, spec, visit));
  FitData d;
  d.quality = io::finish_quality(ctx, std::move(tally), data, qo);
  if (!d.quality.segmentable) return not_segmentable(d.quality);
  d.raw = std::move(merged.table);
  d.ids = std::move(merged.ids);
  for (const Part& p : parts) d.prospects += p.prospects;

  // The partitions' values in the merged row order.
  const auto n = static_cast<std::size_t>(d.raw.rows());
  d.business.revenue.resize(n);
  d.business.orders.resize(n);
  d.business.tenure_days.resize(n);
  std::vector<std::vector<index_t>> summary_at(parts.size());  // partition row → summary entry
  for (std::size_t k = 0; k < parts.size(); ++k) {
    summary_at[k].assign(parts[k].business.revenue.size(), -1);
    const auto& c = parts[k].purchases.customers;
    for (std::size_t i = 0; i < c.size(); ++i) summary_at[k][static_cast<std::size_t>(c[i])] = static_cast<index_t>(i);
  }
  for (std::size_t r = 0; r < n; ++r) {
    const auto [k, i] = merged.origin[r];
    const Part& p = parts[k];
    d.business.revenue[r] = p.business.revenue[i];
    d.business.orders[r] = p.business.orders[i];
    d.business.tenure_days[r] = p.business.tenure_days[i];
    const index_t e = summary_at[k][i];
    if (e < 0) continue;
    const auto u = static_cast<std::size_t>(e);
    d.purchases.customers.push_back(static_cast<events::customer_t>(r));
    d.purchases.x.push_back(p.purchases.x[u]);
    d.purchases.t_x.push_back(p.purchases.t_x[u]);
    d.purchases.T.push_back(p.purchases.T[u]);
    d.purchases.monetary.push_back(p.purchases.monetary[u]);
    d.purchases.first_value.push_back(p.purchases.first_value[u]);
  }
  clock.done("check and features");
  return d;
}

Result<FitResult> fit_segments(const Context& ctx, const io::Dataset& data, const FitOptions& o) {
  KOHORT_ASSIGN_OR_RETURN(auto d, prepare_fit(ctx, data, o));
  return fit_segments(ctx, std::move(d), o);
}

Result<FitResult> fit_segments(const Context& ctx, FitData data, const FitOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_options(o));
  FitResult out;
  StageClock clock(ctx);
  features::FeatureTable& raw = data.raw;
  features::FeatureSpec spec = o.spec;
  spec.as_of = raw.as_of;
  if (raw.rows() == 0)
    return Status::invalid_input("data", fmt::format("no customer has a transaction before {}", format_date(spec.as_of)),
                                 "pass a later --as-of");
  const int k_hi = o.k > 0 ? o.k : o.k_max;
  if (raw.rows() <= std::max(o.k > 0 ? o.k : o.k_min, 2))
    return Status::invalid_input("data", fmt::format("{} customers are too few for {} segments", raw.rows(),
                                                     o.k > 0 ? o.k : o.k_min),
                                 "pass a smaller --k or --k-min, or more data");
  out.raw_features = raw.cols();
  ctx.log().info("features: {} customers × {} features as of {}", raw.rows(), raw.cols(), format_date(spec.as_of));
  out.prospects = data.prospects;
  if (data.prospects > 0)
    ctx.log().info("{} prospects (customers with sessions, emails or support contacts but no purchase before {}) "
                   "have no purchases to segment on and are not in a segment",
                   data.prospects, format_date(spec.as_of));

  // 3. Transforms, 4. selection.
  features::FittedTransform fitted;
  KOHORT_ASSIGN_OR_RETURN(auto transformed, features::transform_table(ctx, raw, o.transform, &fitted));
  KOHORT_ASSIGN_OR_RETURN(auto corr, features::filter_correlated(ctx, transformed, o.max_correlation));
  out.dropped = fitted.dropped;
  out.dropped.insert(out.dropped.end(), corr.dropped.begin(), corr.dropped.end());
  const index_t transformed_cols = transformed.cols();
  // The kept columns, moved into place within the transformed matrix (no copy).
  features::FeatureTable used = std::move(transformed);
  features::keep_columns(used, corr.kept);
  out.used_features = used.cols();
  ctx.log().info("selection: {} of {} columns kept ({} dropped by the transform, {} as correlated ≥ {})",
                 used.cols(), transformed_cols + static_cast<index_t>(fitted.dropped.size()), fitted.dropped.size(),
                 corr.dropped.size(), o.max_correlation);

  clock.done("transform and selection");
  // 5. Reduction.
  SegmentModel model;
  Matrix<float> space;
  if (o.pca_variance > 0) {
    reduce::PcaOptions po;
    po.variance = o.pca_variance;
    KOHORT_ASSIGN_OR_RETURN(auto pca, reduce::fit_pca(ctx, used.values.cview(), po));
    KOHORT_ASSIGN_OR_RETURN(space, reduce::transform_pca(ctx, pca, used.values.cview()));
    double kept = 0;
    for (double r : pca.explained_variance_ratio) kept += r;
    ctx.log().info("PCA: {} dimensions keep {:.1f}% of the variance", space.cols(), 100 * kept);
    model.pca = std::move(pca);
  } else {
    space = std::move(used.values);  // the selected columns are the space: no copy
  }
  // The selected (transformed) columns, which the profiles compare segments on.
  const MatrixView<const float> selected = o.pca_variance > 0 ? used.values.cview() : space.cview();
  out.dimensions = space.cols();

  clock.done("reduction");
  // 6. Number of segments, on a sample.
  // One sample of customers serves the scan over k and, with --algo auto, the algorithm choice.
  Matrix<float> scan_sample;
  if (o.k == 0 || o.algorithm == "auto")
    scan_sample = gather(space.cview(), sample_rows(ctx, space.rows(), o.scan_rows, "fit.scan"));
  int k = o.k;
  if (k == 0) {
    select::ChooseKOptions co;
    co.k_min = o.k_min;
    co.k_max = std::min<int>(k_hi, static_cast<int>(scan_sample.rows()) - 1);
    co.min_share = o.min_share;
    co.silhouette_sample = 5000;
    auto fit_at = [&](const Context& c, MatrixView<const float> x, int kk) -> Result<std::vector<std::int32_t>> {
      FitOptions scan = o;
      scan.n_init = 1;
      if (scan.algorithm == "auto") scan.algorithm = "kmeans";
      KOHORT_ASSIGN_OR_RETURN(auto m, fit_clusterer(c.quiet(), x, kk, scan, nullptr));
      KOHORT_ASSIGN_OR_RETURN(auto a, predict(c, m, x));
      return std::move(a.labels);
    };
    KOHORT_ASSIGN_OR_RETURN(auto choice, select::choose_k(ctx, scan_sample.cview(), co, fit_at));
    k = choice.k;
    ctx.log().info("chose k = {} on {} ({}): {}", k, scanned_whom(scan_sample.rows(), space.rows()), choice.rule,
                   choice.reason);
    for (auto& r : choice.table) r.labels.clear();
    out.choice = std::move(choice);
  }

  // With --algo auto, k-means and a Gaussian mixture are fitted at k on the scan scan_sample and
  // the one whose segments are better separated (silhouette) fits everyone.
  FitOptions eff = o;
  if (o.algorithm == "auto") {
    json candidates = json::array();
    double best = -2;
    for (const char* algo : {"kmeans", "gmm"}) {
      FitOptions one = o;
      one.algorithm = algo;
      one.n_init = 1;
      KOHORT_ASSIGN_OR_RETURN(auto m, fit_clusterer(ctx.quiet(), scan_sample.cview(), k, one, nullptr));
      KOHORT_ASSIGN_OR_RETURN(auto a, predict(ctx, m, scan_sample.cview()));
      const auto sizes = select::cluster_sizes(a.labels);
      double score = -1;
      if (sizes.size() >= 2) {
        KOHORT_ASSIGN_OR_RETURN(const auto sl, select::silhouette_sampled(ctx, scan_sample.cview(), a.labels, 5000));
        score = sl.mean;
      }
      candidates.push_back({{"algorithm", algo}, {"silhouette", score}, {"segments", sizes.size()}});
      if (score > best + 1e-3) {  // a mixture must beat k-means clearly: k-means is the simpler model
        best = score;
        eff.algorithm = algo;
      }
    }
    const std::string reason = fmt::format(
        "{} at k = {} separates {} best (silhouette {:.3f} for k-means, {:.3f} for the "
        "Gaussian mixture; a mixture must be better by 0.001 to be chosen)",
        eff.algorithm == "gmm" ? "the Gaussian mixture" : "k-means", k, scanned_whom(scan_sample.rows(), space.rows()),
        candidates[0]["silhouette"].get<double>(), candidates[1]["silhouette"].get<double>());
    ctx.log().info("algorithm: {}", reason);
    out.algorithm_choice = {{"chosen", eff.algorithm}, {"reason", reason}, {"candidates", candidates}};
  }

  clock.done("choice of k");
  // 7. Cluster everyone.
  double bic = kNaN;
  KOHORT_ASSIGN_OR_RETURN(model.clusterer, fit_clusterer(ctx, space.cview(), k, eff, &bic));
  KOHORT_ASSIGN_OR_RETURN(auto assigned, predict(ctx, model.clusterer, space.cview()));
  out.labels = std::move(assigned.labels);
  out.confidence = std::move(assigned.confidence);

  clock.done("clustering");
  // 8. Validate.
  KOHORT_ASSIGN_OR_RETURN(const double inertia, select::inertia(ctx, space.cview(), out.labels));
  // The silhouette is estimated within a sample of customers (exact up to silhouette_rows, a
  // scored subsample with a 95% interval above): against everyone it would cost n × sample
  // distances for a number that moves in the third decimal.
  const auto sil_rows = sample_rows(ctx, space.rows(), o.scan_rows, "fit.silhouette");
  const Matrix<float> sil_x = gather(space.cview(), sil_rows);
  std::vector<std::int32_t> sil_labels;
  for (index_t r : sil_rows) sil_labels.push_back(out.labels[static_cast<std::size_t>(r)]);
  KOHORT_ASSIGN_OR_RETURN(auto sil, select::silhouette_sampled(ctx, sil_x.cview(), sil_labels, o.silhouette_rows));
  sil.per_cluster.resize(static_cast<std::size_t>(k), kNaN);
  KOHORT_ASSIGN_OR_RETURN(const double ch, select::calinski_harabasz(ctx, space.cview(), out.labels));
  KOHORT_ASSIGN_OR_RETURN(const double db, select::davies_bouldin(ctx, space.cview(), out.labels));
  out.metrics = {{"inertia", inertia},
                 {"silhouette", sil.mean},
                 {"silhouette_sampled", sil.sampled},
                 {"calinski_harabasz", ch},
                 {"davies_bouldin", db}};
  out.metrics["silhouette_rows"] = sil_rows.size();
  if (sil.sampled) out.metrics["silhouette_ci"] = {sil.ci_low, sil.ci_high};
  if (std::isfinite(bic)) out.metrics["bic"] = bic;
  std::vector<double> stability(static_cast<std::size_t>(k), kNaN);
  if (o.stability > 0) {
    validate::StabilityOptions so;
    so.resamples = o.stability;
    so.max_rows = std::min<index_t>(so.max_rows, o.scan_rows);
    auto refit = [&](const Context& c, MatrixView<const float> x) -> Result<std::vector<std::int32_t>> {
      FitOptions one = eff;
      one.n_init = 1;
      KOHORT_ASSIGN_OR_RETURN(auto m, fit_clusterer(c.quiet(), x, k, one, nullptr));
      KOHORT_ASSIGN_OR_RETURN(auto a, predict(c, m, x));
      return std::move(a.labels);
    };
    KOHORT_ASSIGN_OR_RETURN(const auto st, validate::bootstrap_stability(ctx, space.cview(), out.labels, refit, so));
    for (std::size_t s = 0; s < st.jaccard.size() && s < stability.size(); ++s) stability[s] = st.jaccard[s];
    out.metrics["stability_mean_ari"] = st.mean_ari;
  }

  clock.done("validation");
  // 9. CLV and churn risk of every customer.
  value_customers(ctx, data.purchases, o, data.business, model.clv, out.warnings);

  clock.done("clv");
  // 10. Profiles, drivers, names, narratives and rules.
  std::vector<index_t> compared, compared_columns;
  for (std::size_t i = 0; i < corr.kept.size(); ++i) {
    const auto& col = fitted.columns[static_cast<std::size_t>(corr.kept[i])];
    if (col.indicator) continue;
    compared.push_back(col.source);
    compared_columns.push_back(static_cast<index_t>(i));  // its column in `selected`
  }
  profile::ProfileOptions po;
  po.top_drivers = o.top_drivers;
  KOHORT_ASSIGN_OR_RETURN(out.profiles, profile::profile_segments(ctx, raw, selected, compared,
                                                                  compared_columns, out.labels, k, data.business, po));
  const auto names = profile::name_segments(raw.info, out.profiles);
  profile::RuleOptions ro;
  ro.tree.max_depth = o.rule_depth;
  ro.tree.max_rows = o.rule_rows;
  KOHORT_ASSIGN_OR_RETURN(const auto rules, profile::describe_rules_in_place(ctx, raw, out.profiles, out.labels, k, ro));
  for (int s = 0; s < k; ++s) {
    auto& p = out.profiles.segments[static_cast<std::size_t>(s)];
    p.name = names[static_cast<std::size_t>(s)];
    p.narrative = profile::narrative(raw.info, p, out.profiles.population, o.churn_horizon_days);
    p.rules = rules[static_cast<std::size_t>(s)];
    if (!sil.per_cluster.empty()) p.silhouette = sil.per_cluster[static_cast<std::size_t>(s)];
    p.stability = stability[static_cast<std::size_t>(s)];
    if (p.size > 0 && std::isfinite(p.silhouette) && p.silhouette < 0)
      out.warnings.push_back(fmt::format("segment {} '{}' has a negative mean silhouette ({:.3f})", s, p.name, p.silhouette));
    if (std::isfinite(p.stability) && p.stability < 0.6)
      out.warnings.push_back(fmt::format("segment {} '{}' is unstable: bootstrap Jaccard {:.2f} < 0.6", s, p.name, p.stability));
  }

  clock.done("profiles, names and rules");
  // 11. The model document.
  model.kohort_version = o.kohort_version;
  model.created_at = o.created_at;
  model.as_of = spec.as_of;
  model.seed = ctx.seed();
  model.lineage = o.lineage;
  model.spec = spec;
  model.feature_names = raw.names();
  model.transform = std::move(fitted);
  model.selected = corr.kept;
  model.reference = fit_reference(ctx, selected, space.cview(), out.labels, k, raw, spec.windows_days);
  model.segment_names = names;
  json segs = json::array();
  for (const auto& p : out.profiles.segments) {
    json drivers = json::array();
    for (const auto& d : p.drivers) {
      const auto& f = raw.info[static_cast<std::size_t>(d.feature)];
      drivers.push_back({{"feature", f.name}, {"phrase", f.phrase}, {"unit", f.unit},
                         {"segment_mean", number_or_null(d.segment_mean)}, {"population_mean", number_or_null(d.population_mean)},
                         {"segment_median", number_or_null(d.segment_median)}, {"population_median", number_or_null(d.population_median)},
                         {"std_diff", d.std_diff}, {"evidence", profile::evidence(f, d)}});
    }
    // Every feature against the population (raw units; std_diff on the transformed column,
    // null for features not compared).
    json feats = json::array();
    for (std::size_t j = 0; j < raw.info.size(); ++j)
      feats.push_back({{"feature", raw.info[j].name},
                       {"mean", number_or_null(p.mean[j])},
                       {"median", number_or_null(p.median[j])},
                       {"population_mean", number_or_null(out.profiles.population.mean[j])},
                       {"population_median", number_or_null(out.profiles.population.median[j])},
                       {"std_diff", number_or_null(p.std_diff[j])}});
    // Attribute summary (customers stream): the segment against everyone.
    json attrs = json::array();
    for (std::size_t j = 0; j < raw.info.size(); ++j)
      if (raw.info[j].group == "attributes")
        attrs.push_back({{"feature", raw.info[j].name},
                         {"phrase", raw.info[j].phrase},
                         {"unit", raw.info[j].unit},
                         {"mean", number_or_null(p.mean[j])},
                         {"population_mean", number_or_null(out.profiles.population.mean[j])}});
    json rules_json = json::array();
    for (const auto& r : p.rules) rules_json.push_back({{"text", r.text}, {"precision", r.precision}, {"recall", r.recall}});
    const auto& b = p.business;
    segs.push_back({{"id", p.id}, {"name", p.name}, {"size", p.size}, {"share", p.share},
                    {"revenue_share", b.revenue_share}, {"revenue", b.revenue},
                    {"clv_12m", number_or_null(b.clv_12m)}, {"p_alive", number_or_null(b.p_alive)},
                    {"churn_risk", number_or_null(b.churn_risk)}, {"avg_order_value", number_or_null(b.avg_order_value)},
                    {"orders_per_year", number_or_null(b.orders_per_year)}, {"tenure_days", number_or_null(b.tenure_days)},
                    {"silhouette", number_or_null(p.silhouette)}, {"stability", number_or_null(p.stability)},
                    {"narrative", p.narrative}, {"rules", rules_json}, {"drivers", drivers}, {"features", feats},
                    {"attributes", attrs}});
  }
  model.segments = std::move(segs);

  // Diagnostics: what the report draws.
  json diag;
  diag["metrics"] = out.metrics;
  diag["algorithm"] = out.algorithm_choice.is_null() ? json{{"chosen", eff.algorithm}, {"reason", "given"}}
                                                     : out.algorithm_choice;
  const auto& pb = out.profiles.population.business;
  diag["population"] = {{"customers", raw.rows()},
                        {"prospects", out.prospects},
                        {"revenue", pb.revenue},
                        {"revenue_from", revenue_from(data.business.tenure_days, spec.as_of)},
                        {"revenue_to", format_date(spec.as_of - kSecondsPerDay)},
                        {"clv_12m", number_or_null(pb.clv_12m)},
                        {"churn_risk", number_or_null(pb.churn_risk)},
                        {"avg_order_value", number_or_null(pb.avg_order_value)}};
  diag["features"] = {{"computed", out.raw_features}, {"used", out.used_features}, {"dimensions", out.dimensions}};
  json dropped = json::array();
  for (const auto& d : out.dropped) dropped.push_back({{"name", d.name}, {"reason", d.reason}});
  diag["dropped"] = std::move(dropped);
  if (out.choice) {
    json rows = json::array();
    for (const auto& r : out.choice->table)
      rows.push_back({{"k", r.k}, {"inertia", r.inertia}, {"silhouette", r.silhouette},
                      {"calinski_harabasz", r.calinski_harabasz}, {"davies_bouldin", r.davies_bouldin},
                      {"gap", r.gap_sd > 0 || r.gap != 0 ? json(r.gap) : json(nullptr)}, {"bic", nullptr},
                      {"smallest_share", r.smallest_share}, {"feasible", r.feasible}});
    diag["choice"] = {{"chosen_k", out.choice->k}, {"rule", out.choice->rule}, {"reason", out.choice->reason},
                      {"sample_rows", std::min(o.scan_rows, space.rows())}, {"rows", rows}};
  } else {
    diag["choice"] = nullptr;
  }
  // Heatmap: compared features ordered by their largest |std diff| over segments (at most 40).
  std::vector<std::size_t> hm(compared.size());
  std::iota(hm.begin(), hm.end(), std::size_t{0});
  auto spread = [&](std::size_t i) {
    double m = 0;
    for (const auto& p : out.profiles.segments) {
      const double v = p.std_diff[static_cast<std::size_t>(compared[i])];
      if (std::isfinite(v)) m = std::max(m, std::fabs(v));
    }
    return m;
  };
  std::stable_sort(hm.begin(), hm.end(), [&](std::size_t a, std::size_t b) { return spread(a) > spread(b); });
  hm.resize(std::min<std::size_t>(hm.size(), 40));
  json hf = json::array(), hp = json::array(), hv = json::array();
  for (std::size_t i : hm) {
    hf.push_back(raw.info[static_cast<std::size_t>(compared[i])].name);
    hp.push_back(raw.info[static_cast<std::size_t>(compared[i])].phrase);
  }
  for (const auto& p : out.profiles.segments) {
    json row = json::array();
    for (std::size_t i : hm) row.push_back(number_or_null(p.std_diff[static_cast<std::size_t>(compared[i])]));
    hv.push_back(std::move(row));
  }
  diag["heatmap"] = {{"features", hf}, {"phrases", hp}, {"values", hv}};
  // Map: a 2-D UMAP of the clustering space on a sample of customers (umap-learn's settings,
  // 200 epochs), so that customers near each other in the space the segments were found in
  // sit near each other on the map; PCA's first two components when UMAP cannot run (a
  // sample too small for a neighbour graph).
  {
    const auto rows = sample_rows(ctx, space.rows(), o.map_points, "fit.map");
    const Matrix<float> sample = gather(space.cview(), rows);
    json mx = json::array(), my = json::array(), ms = json::array();
    std::string method = "umap";
    Matrix<float> xy;
    if (sample.rows() >= 2) {
      reduce::UmapOptions uo;
      uo.n_epochs = 200;
      auto um = sample.rows() > uo.n_neighbors ? reduce::fit_umap(ctx, sample.cview(), uo)
                                               : Result<reduce::UmapFit>(Status::invalid_input(
                                                     "map", "too few customers for a neighbour graph"));
      if (um.ok()) {
        xy = std::move(um->embedding);
      } else {
        ctx.log().info("customer map by PCA: {}", um.status().what());
        method = "pca";
        reduce::PcaOptions two;
        two.n_components = static_cast<int>(std::min<index_t>(2, space.cols()));
        KOHORT_ASSIGN_OR_RETURN(const auto p2, reduce::fit_pca(ctx, sample.cview(), two));
        KOHORT_ASSIGN_OR_RETURN(xy, reduce::transform_pca(ctx, p2, sample.cview()));
      }
      for (index_t i = 0; i < xy.rows(); ++i) {
        mx.push_back(std::round(xy(i, 0) * 1000.0) / 1000.0);
        my.push_back(xy.cols() > 1 ? std::round(xy(i, 1) * 1000.0) / 1000.0 : 0.0);
        ms.push_back(out.labels[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])]);
      }
    }
    diag["map"] = {{"method", method}, {"x", mx}, {"y", my}, {"segment", ms}};
  }
  diag["warnings"] = out.warnings;
  model.diagnostics = std::move(diag);

  out.customer_ids = std::move(data.ids);
  out.business = std::move(data.business);
  out.features = raw.info;
  out.model = std::move(model);
  clock.done("model document");
  return out;
}

index_t count_prospects(const events::EventLog& log, const features::FeatureTable& t) {
  std::vector<char> in_table(static_cast<std::size_t>(log.customers()), 0);
  for (auto c : t.customers) in_table[static_cast<std::size_t>(c)] = 1;
  const auto active = [&](const auto& stream, events::customer_t c) {
    return !stream.offsets.empty() && events::rows_before(stream.offsets, stream.time, c, t.as_of).size() > 0;
  };
  index_t prospects = 0;
  for (index_t c = 0; c < log.customers(); ++c) {
    const auto cc = static_cast<events::customer_t>(c);
    if (in_table[static_cast<std::size_t>(c)] == 0 &&
        (active(log.sessions, cc) || active(log.emails, cc) || active(log.support, cc)))
      ++prospects;
  }
  return prospects;
}

json input_lineage(const io::Dataset& data) { return input_lineage(data.reports); }

json input_lineage(const std::vector<io::StreamReport>& reports) {
  json inputs = json::array();
  for (const auto& r : reports) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(r.file, ec);
    const auto fingerprint = file_fingerprint(r.file);
    inputs.push_back({{"stream", r.stream},
                      {"file", r.file},
                      {"bytes", ec ? 0 : size},
                      {"fingerprint", fingerprint.ok() ? *fingerprint : std::string()},
                      {"rows_read", r.rows_read},
                      {"rows_accepted", r.rows_accepted},
                      {"rows_rejected", r.rows_rejected}});
  }
  return inputs;
}

}  // namespace kohort::model
