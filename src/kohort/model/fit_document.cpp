// Stage 11 of a fit: what the model document says about its segments and how they were found.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "kohort/model/internal/fit_stages.h"
#include "kohort/profile/describe.h"
#include "kohort/reduce/umap.h"

namespace kohort::model::internal {

namespace {

using nlohmann::json;

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The first day whose transactions count toward revenue: the earliest first purchase, from the
// customers' tenure at the cut (null without one).
json revenue_from(const std::vector<double>& tenure_days, Seconds as_of) {
  double longest = -1;
  for (double t : tenure_days)
    if (std::isfinite(t)) longest = std::max(longest, t);
  if (longest < 0) return nullptr;
  return format_date(as_of - static_cast<Seconds>(std::llround(longest * kSecondsPerDay)));
}

json drivers_json(const std::vector<features::FeatureInfo>& info, const profile::SegmentProfile& p) {
  json drivers = json::array();
  for (const auto& d : p.drivers) {
    const auto& f = info[static_cast<std::size_t>(d.feature)];
    drivers.push_back({{"feature", f.name}, {"phrase", f.phrase}, {"unit", f.unit},
                       {"segment_mean", number_or_null(d.segment_mean)}, {"population_mean", number_or_null(d.population_mean)},
                       {"segment_median", number_or_null(d.segment_median)}, {"population_median", number_or_null(d.population_median)},
                       {"std_diff", d.std_diff}, {"evidence", profile::evidence(f, d)}});
  }
  return drivers;
}

// Every feature against the population (raw units; std_diff on the transformed column, null for
// features not compared), and the attributes (customers stream) alone.
std::pair<json, json> features_json(const std::vector<features::FeatureInfo>& info, const profile::SegmentProfile& p,
                                    const profile::Population& population) {
  json feats = json::array(), attrs = json::array();
  for (std::size_t j = 0; j < info.size(); ++j) {
    const auto& f = info[j];
    feats.push_back({{"feature", f.name}, {"mean", number_or_null(p.mean[j])}, {"median", number_or_null(p.median[j])},
                     {"population_mean", number_or_null(population.mean[j])},
                     {"population_median", number_or_null(population.median[j])},
                     {"std_diff", number_or_null(p.std_diff[j])}});
    if (f.group == "attributes")
      attrs.push_back({{"feature", f.name}, {"phrase", f.phrase}, {"unit", f.unit}, {"mean", number_or_null(p.mean[j])},
                       {"population_mean", number_or_null(population.mean[j])}});
  }
  return {std::move(feats), std::move(attrs)};
}

json choice_json(const SegmentChoice& choice) {
  if (!choice.k_choice) return nullptr;
  json rows = json::array();
  for (const auto& r : choice.k_choice->table)
    rows.push_back({{"k", r.k}, {"inertia", r.inertia}, {"silhouette", r.silhouette},
                    {"calinski_harabasz", r.calinski_harabasz}, {"davies_bouldin", r.davies_bouldin},
                    {"gap", r.gap_sd > 0 || r.gap != 0 ? json(r.gap) : json(nullptr)}, {"bic", nullptr},
                    {"smallest_share", r.smallest_share}, {"feasible", r.feasible}});
  return {{"chosen_k", choice.k_choice->k}, {"rule", choice.k_choice->rule}, {"reason", choice.k_choice->reason},
          {"sample_rows", choice.scanned}, {"rows", rows}};
}

// Compared features ordered by their largest |std diff| over segments (at most 40).
json heatmap_json(const features::FeatureTable& raw, const profile::Profiles& profiles,
                  const std::vector<index_t>& compared) {
  auto spread = [&](std::size_t i) {
    double m = 0;
    for (const auto& p : profiles.segments) {
      const double v = p.std_diff[static_cast<std::size_t>(compared[i])];
      if (std::isfinite(v)) m = std::max(m, std::fabs(v));
    }
    return m;
  };
  std::vector<std::size_t> hm(compared.size());
  std::iota(hm.begin(), hm.end(), std::size_t{0});
  std::stable_sort(hm.begin(), hm.end(), [&](std::size_t a, std::size_t b) { return spread(a) > spread(b); });
  hm.resize(std::min<std::size_t>(hm.size(), 40));
  json hf = json::array(), hp = json::array(), hv = json::array();
  for (std::size_t i : hm) {
    hf.push_back(raw.info[static_cast<std::size_t>(compared[i])].name);
    hp.push_back(raw.info[static_cast<std::size_t>(compared[i])].phrase);
  }
  for (const auto& p : profiles.segments) {
    json row = json::array();
    for (std::size_t i : hm) row.push_back(number_or_null(p.std_diff[static_cast<std::size_t>(compared[i])]));
    hv.push_back(std::move(row));
  }
  return {{"features", hf}, {"phrases", hp}, {"values", hv}};
}

// A 2-D UMAP of the clustering space on a sample of customers (umap-learn's settings, 200
// epochs), so that customers near each other in the space the segments were found in sit near
// each other on the map; PCA's first two components when UMAP cannot run (a sample too small
// for a neighbour graph).
Result<json> map_json(const Context& ctx, MatrixView<const float> space, const std::vector<std::int32_t>& labels,
                      const FitOptions& o) {
  const auto rows = sample_rows(ctx, space.rows, o.map_points, "fit.map");
  const Matrix<float> sample = gather(space, rows);
  json mx = json::array(), my = json::array(), ms = json::array();
  std::string method = "umap";
  if (sample.rows() < 2) return json{{"method", method}, {"x", mx}, {"y", my}, {"segment", ms}};
  Matrix<float> xy;
  reduce::UmapOptions uo;
  uo.n_epochs = 200;
  auto um = sample.rows() > uo.n_neighbors
                ? reduce::fit_umap(ctx, sample.cview(), uo)
                : Result<reduce::UmapFit>(Status::invalid_input("map", "too few customers for a neighbour graph"));
  if (um.ok()) {
    xy = std::move(um->embedding);
  } else {
    ctx.log().info("customer map by PCA: {}", um.status().what());
    method = "pca";
    reduce::PcaOptions two;
    two.n_components = static_cast<int>(std::min<index_t>(2, space.cols));
    KOHORT_ASSIGN_OR_RETURN(const auto p2, reduce::fit_pca(ctx, sample.cview(), two));
    KOHORT_ASSIGN_OR_RETURN(xy, reduce::transform_pca(ctx, p2, sample.cview()));
  }
  for (index_t i = 0; i < xy.rows(); ++i) {
    mx.push_back(std::round(xy(i, 0) * 1000.0) / 1000.0);
    my.push_back(xy.cols() > 1 ? std::round(xy(i, 1) * 1000.0) / 1000.0 : 0.0);
    ms.push_back(labels[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])]);
  }
  return json{{"method", method}, {"x", mx}, {"y", my}, {"segment", ms}};
}

}  // namespace

json segments_json(const std::vector<features::FeatureInfo>& info, const profile::Profiles& profiles) {
  json segs = json::array();
  for (const auto& p : profiles.segments) {
    auto [feats, attrs] = features_json(info, p, profiles.population);
    json rules = json::array();
    for (const auto& r : p.rules) rules.push_back({{"text", r.text}, {"precision", r.precision}, {"recall", r.recall}});
    const auto& b = p.business;
    segs.push_back({{"id", p.id}, {"name", p.name}, {"size", p.size}, {"share", p.share},
                    {"revenue_share", b.revenue_share}, {"revenue", b.revenue},
                    {"clv_12m", number_or_null(b.clv_12m)}, {"p_alive", number_or_null(b.p_alive)},
                    {"churn_risk", number_or_null(b.churn_risk)}, {"avg_order_value", number_or_null(b.avg_order_value)},
                    {"orders_per_year", number_or_null(b.orders_per_year)}, {"tenure_days", number_or_null(b.tenure_days)},
                    {"silhouette", number_or_null(p.silhouette)}, {"stability", number_or_null(p.stability)},
                    {"narrative", p.narrative}, {"rules", rules}, {"drivers", drivers_json(info, p)},
                    {"features", std::move(feats)}, {"attributes", std::move(attrs)}});
  }
  return segs;
}

Result<json> diagnostics_json(const Context& ctx, const FitResult& out, const Space& space, const SegmentChoice& choice,
                              const FitData& data, const std::vector<index_t>& compared, const FitOptions& o) {
  json diag;
  diag["metrics"] = out.metrics;
  diag["algorithm"] = out.algorithm_choice.is_null() ? json{{"chosen", choice.algorithm}, {"reason", "given"}}
                                                     : out.algorithm_choice;
  const auto& pb = out.profiles.population.business;
  const Seconds as_of = data.raw.as_of;
  diag["population"] = {{"customers", data.raw.rows()},
                        {"prospects", out.prospects},
                        {"revenue", pb.revenue},
                        {"revenue_from", revenue_from(data.business.tenure_days, as_of)},
                        {"revenue_to", format_date(as_of - kSecondsPerDay)},
                        {"clv_12m", number_or_null(pb.clv_12m)},
                        {"churn_risk", number_or_null(pb.churn_risk)},
                        {"avg_order_value", number_or_null(pb.avg_order_value)}};
  diag["features"] = {{"computed", out.raw_features}, {"used", out.used_features}, {"dimensions", out.dimensions}};
  json dropped = json::array();
  for (const auto& d : out.dropped) dropped.push_back({{"name", d.name}, {"reason", d.reason}});
  diag["dropped"] = std::move(dropped);
  diag["choice"] = choice_json(choice);
  diag["heatmap"] = heatmap_json(data.raw, out.profiles, compared);
  KOHORT_ASSIGN_OR_RETURN(diag["map"], map_json(ctx, space.x.cview(), out.labels, o));
  diag["warnings"] = out.warnings;
  return diag;
}

}  // namespace kohort::model::internal
