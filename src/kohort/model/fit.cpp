#include "kohort/model/fit.h"

#include "kohort/model/internal/fit_stages.h"

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
  const auto* algo = cluster::find_clusterer(o.algorithm);
  if (o.algorithm != "auto" && (algo == nullptr || !algo->in_fit))
    return Status::invalid_argument("--algo", fmt::format("kohort fit does not fit '{}'", o.algorithm),
                                    "use kmeans, minibatch, gmm, bgmm, hdbscan, ward or auto (dbscan: kohort cluster on "
                                    "the feature matrix)");
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
  const auto fit_rows = internal::sample_rows(ctx, static_cast<index_t>(summary.x.size()), o.clv_fit_rows, "fit.clv");
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


Status check_population(const Context& ctx, const FitData& data, const FitOptions& o) {
  const features::FeatureTable& raw = data.raw;
  if (raw.rows() == 0)
    return Status::invalid_input("data", fmt::format("no customer has a transaction before {}", format_date(raw.as_of)),
                                 "pass a later --as-of");
  const int k_least = std::max(o.k > 0 ? o.k : o.k_min, 2);
  if (raw.rows() <= k_least)
    return Status::invalid_input("data", fmt::format("{} customers are too few for {} segments", raw.rows(), k_least),
                                 "pass a smaller --k or --k-min, or more data");
  ctx.log().info("features: {} customers × {} features as of {}", raw.rows(), raw.cols(), format_date(raw.as_of));
  if (data.prospects > 0)
    ctx.log().info("{} prospects (customers with sessions, emails or support contacts but no purchase before {}) "
                   "have no purchases to segment on and are not in a segment",
                   data.prospects, format_date(raw.as_of));
  return {};
}

// The raw features the profiles compare segments on (the kept columns but the missing-value
// indicators), and each one's column among the kept ones.
struct Compared {
  std::vector<index_t> features, columns;
};

Compared compared_features(const internal::Selected& selected) {
  Compared c;
  for (std::size_t i = 0; i < selected.kept.size(); ++i) {
    const auto& col = selected.transform.columns[static_cast<std::size_t>(selected.kept[i])];
    if (col.indicator) continue;
    c.features.push_back(col.source);
    c.columns.push_back(static_cast<index_t>(i));
  }
  return c;
}

// Profiles, drivers, names, narratives and rules of the k segments of out.labels.
Status describe_segments(const Context& ctx, FitData& data, MatrixView<const float> selected, const Compared& compared,
                         int k, const internal::Validation& v, const FitOptions& o, FitResult& out) {
  features::FeatureTable& raw = data.raw;
  profile::ProfileOptions po;
  po.top_drivers = o.top_drivers;
  KOHORT_ASSIGN_OR_RETURN(out.profiles, profile::profile_segments(ctx, raw, selected, compared.features, compared.columns,
                                                                  out.labels, k, data.business, po));
  const auto names = profile::name_segments(raw.info, out.profiles);
  profile::RuleOptions ro;
  ro.tree.max_depth = o.rule_depth;
  ro.tree.max_rows = o.rule_rows;
  KOHORT_ASSIGN_OR_RETURN(const auto rules, profile::describe_rules_in_place(ctx, raw, out.profiles, out.labels, k, ro));
  for (int s = 0; s < k; ++s) {
    const auto u = static_cast<std::size_t>(s);
    auto& p = out.profiles.segments[u];
    p.name = names[u];
    p.narrative = profile::narrative(raw.info, p, out.profiles.population, o.churn_horizon_days);
    p.rules = rules[u];
    p.silhouette = v.silhouette[u];
    p.stability = v.stability[u];
    if (p.size > 0 && std::isfinite(p.silhouette) && p.silhouette < 0)
      out.warnings.push_back(fmt::format("segment {} '{}' has a negative mean silhouette ({:.3f})", s, p.name, p.silhouette));
    if (std::isfinite(p.stability) && p.stability < 0.6)
      out.warnings.push_back(fmt::format("segment {} '{}' is unstable: bootstrap Jaccard {:.2f} < 0.6", s, p.name, p.stability));
  }
  return {};
}

// What assigning a customer needs, the reference the monitor compares against, and the
// explanation: the model document of out (its clusterer already in place).
Status write_model(const Context& ctx, const FitData& data, internal::Selected selected, internal::Space& space,
                   const internal::SegmentChoice& choice, const std::vector<index_t>& compared, const FitOptions& o,
                   FitResult& out) {
  SegmentModel& model = out.model;
  model.kohort_version = o.kohort_version;
  model.created_at = o.created_at;
  model.as_of = data.raw.as_of;
  model.seed = ctx.seed();
  model.lineage = o.lineage;
  model.spec = o.spec;
  model.spec.as_of = data.raw.as_of;
  model.feature_names = data.raw.names();
  model.transform = std::move(selected.transform);
  model.selected = std::move(selected.kept);
  model.reference = fit_reference(ctx, space.selected(), space.x.cview(), out.labels, model.clusterer.k(), data.raw,
                                  model.spec.windows_days);
  model.segment_names.clear();
  for (const auto& p : out.profiles.segments) model.segment_names.push_back(p.name);
  model.segments = internal::segments_json(data.raw.info, out.profiles);
  KOHORT_ASSIGN_OR_RETURN(model.diagnostics, internal::diagnostics_json(ctx, out, space, choice, data, compared, o));
  model.pca = std::move(space.pca);
  return {};
}

}  // namespace

namespace internal {

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

Result<Selected> transform_and_select(const Context& ctx, const features::FeatureTable& raw, const FitOptions& o) {
  Selected s;
  KOHORT_ASSIGN_OR_RETURN(s.used, features::transform_table(ctx, raw, o.transform, &s.transform));
  KOHORT_ASSIGN_OR_RETURN(auto corr, features::filter_correlated(ctx, s.used, o.max_correlation));
  s.dropped = s.transform.dropped;
  s.dropped.insert(s.dropped.end(), corr.dropped.begin(), corr.dropped.end());
  const index_t transformed = s.used.cols();
  features::keep_columns(s.used, corr.kept);  // moved into place within the matrix: no copy
  s.kept = std::move(corr.kept);
  ctx.log().info("selection: {} of {} columns kept ({} dropped by the transform, {} as correlated ≥ {})",
                 s.used.cols(), transformed + static_cast<index_t>(s.transform.dropped.size()),
                 s.transform.dropped.size(), corr.dropped.size(), o.max_correlation);
  return s;
}

Result<Space> reduce_space(const Context& ctx, features::FeatureTable used, const FitOptions& o) {
  Space s;
  if (o.pca_variance <= 0) {
    s.x = std::move(used.values);  // the selected columns are the space: no copy
    return s;
  }
  reduce::PcaOptions po;
  po.variance = o.pca_variance;
  KOHORT_ASSIGN_OR_RETURN(auto pca, reduce::fit_pca(ctx, used.values.cview(), po));
  KOHORT_ASSIGN_OR_RETURN(s.x, reduce::transform_pca(ctx, pca, used.values.cview()));
  double kept = 0;
  for (double r : pca.explained_variance_ratio) kept += r;
  ctx.log().info("PCA: {} dimensions keep {:.1f}% of the variance", s.x.cols(), 100 * kept);
  s.pca = std::move(pca);
  s.columns = std::move(used.values);
  return s;
}

}  // namespace internal

namespace {
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
  KOHORT_RETURN_IF_ERROR(check_population(ctx, data, o));
  StageClock clock(ctx);
  FitResult out;
  out.raw_features = data.raw.cols();
  out.prospects = data.prospects;
  // 3. Transforms, 4. selection.
  KOHORT_ASSIGN_OR_RETURN(auto selected, internal::transform_and_select(ctx, data.raw, o));
  out.dropped = selected.dropped;
  out.used_features = selected.used.cols();
  clock.done("transform and selection");
  // 5. Reduction.
  KOHORT_ASSIGN_OR_RETURN(auto space, internal::reduce_space(ctx, std::move(selected.used), o));
  out.dimensions = space.x.cols();
  clock.done("reduction");
  // 6. Number of segments and algorithm, 7. cluster everyone, 8. validate.
  KOHORT_ASSIGN_OR_RETURN(const auto choice, internal::choose_segments(ctx, space.x.cview(), o));
  out.choice = choice.k_choice;
  out.algorithm_choice = choice.algorithm_choice;
  clock.done("choice of k");
  KOHORT_ASSIGN_OR_RETURN(auto clustered, internal::cluster_everyone(ctx, space.x.cview(), choice, o));
  clock.done("clustering");
  KOHORT_ASSIGN_OR_RETURN(const auto validation, internal::validate_segments(ctx, space.x.cview(), clustered, choice, o));
  out.metrics = validation.metrics;
  out.labels = std::move(clustered.labels);
  out.confidence = std::move(clustered.confidence);
  clock.done("validation");
  // 9. CLV and churn risk of every customer.
  SegmentModel& model = out.model;
  value_customers(ctx, data.purchases, o, data.business, model.clv, out.warnings);
  clock.done("clv");
  // 10. Profiles, drivers, names, narratives and rules.
  const auto compared = compared_features(selected);
  KOHORT_RETURN_IF_ERROR(describe_segments(ctx, data, space.selected(), compared, clustered.model.k(), validation, o, out));
  clock.done("profiles, names and rules");
  // 11. The model document.
  model.clusterer = std::move(clustered.model);
  KOHORT_RETURN_IF_ERROR(write_model(ctx, data, std::move(selected), space, choice, compared.features, o, out));
  out.customer_ids = std::move(data.ids);
  out.business = std::move(data.business);
  out.features = data.raw.info;
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
