#include "kohort/monitor/drift.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/core/text.h"
#include "kohort/model/reference.h"
#include "kohort/monitor/stats.h"
#include "kohort/select/metrics.h"

namespace kohort::monitor {

namespace {

using nlohmann::json;

// Rows a feature's distribution is measured on: all up to this many, else every ⌈n/m⌉-th.
constexpr index_t kDistributionRows = 200000;

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string level_of(double value, double watch, double retrain, bool significant) {
  if (!significant) return "";
  return value >= retrain ? "retrain" : value >= watch ? "watch" : "";
}

struct FeatureDrift {
  std::string feature;
  double psi = 0, shift_sd = 0;
  TestResult ks;
};

std::vector<FeatureDrift> feature_drift(const Context& ctx, const model::SegmentModel& m, MatrixView<const float> x) {
  const auto names = model::selected_names(m);
  const index_t stride = std::max<index_t>(1, (x.rows + kDistributionRows - 1) / kDistributionRows);
  std::vector<FeatureDrift> out(static_cast<std::size_t>(x.cols));
  parallel_for_blocks(ctx, x.cols, 1, [&](index_t, index_t j, index_t) {
    std::vector<double> v;
    double sum = 0;
    for (index_t i = 0; i < x.rows; i += stride) v.push_back(x(i, j)), sum += x(i, j);
    std::sort(v.begin(), v.end());
    const auto sj = static_cast<std::size_t>(j);
    const auto& q = m.reference.quantiles[sj];
    auto& f = out[sj];
    f.feature = names[sj];
    f.psi = psi_against_bins(m.reference.bin_edges[sj], m.reference.bin_shares[sj], v);
    f.ks = ks_against_quantiles(q, m.reference.rows, v);
    const double sd = m.reference.sd[sj];
    f.shift_sd = sd > 0 ? (sum / static_cast<double>(v.size()) - m.reference.mean[sj]) / sd : 0.0;
  });
  std::stable_sort(out.begin(), out.end(), [](const FeatureDrift& a, const FeatureDrift& b) { return a.psi > b.psi; });
  return out;
}

json judge_features(const std::vector<FeatureDrift>& drift, const Thresholds& t, std::vector<Reason>& reasons) {
  json out = json::array();
  for (const auto& f : drift) {
    const std::string level = f.psi >= t.psi_watch && f.ks.p_value < t.alpha ? "watch" : "";
    out.push_back({{"feature", f.feature}, {"psi", f.psi}, {"ks", f.ks.statistic}, {"ks_p", f.ks.p_value},
                   {"shift_sd", f.shift_sd}, {"level", level.empty() ? "ok" : level}});
    if (!level.empty())
      reasons.push_back({level, "feature_drift", f.feature, std::nullopt, f.psi, t.psi_watch,
                         fmt::format("{} moved: PSI {:.3f} (KS D {:.3f}, p {:.2g}; mean {:+.2f} sd)", f.feature, f.psi,
                                     f.ks.statistic, f.ks.p_value, f.shift_sd)});
  }
  return out;
}

std::string segment_label(const model::SegmentModel& m, std::size_t s) {
  return fmt::format("segment {} '{}'", m.id_of(static_cast<index_t>(s)), m.segment_names[s]);
}

json judge_sizes(const model::SegmentModel& m, const std::vector<model::SegmentReference>& now, const Thresholds& t,
                 std::vector<Reason>& reasons) {
  std::vector<double> observed, expected;
  double fit_total = 0, total = 0;
  for (std::size_t s = 0; s < now.size(); ++s) {
    fit_total += static_cast<double>(m.reference.segments[s].size);
    total += static_cast<double>(now[s].size);
  }
  for (std::size_t s = 0; s < now.size(); ++s) {
    observed.push_back(static_cast<double>(now[s].size));
    expected.push_back(static_cast<double>(m.reference.segments[s].size) / std::max(1.0, fit_total));
  }
  const TestResult chi = chi_square(observed, expected);
  json segs = json::array();
  for (std::size_t s = 0; s < now.size(); ++s) {
    const double share = observed[s] / std::max(1.0, total), change = share - expected[s];
    const std::string level = level_of(std::abs(change), t.share_watch, t.share_retrain, chi.p_value < t.alpha);
    segs.push_back({{"id", m.id_of(static_cast<index_t>(s))}, {"name", m.segment_names[s]}, {"fit_share", expected[s]},
                    {"share", share}, {"change", change}, {"size", now[s].size}});
    if (!level.empty())
      reasons.push_back({level, "segment_size", "", m.id_of(static_cast<index_t>(s)), std::abs(change),
                         level == "retrain" ? t.share_retrain : t.share_watch,
                         fmt::format("{} holds {:.1f}% of the customers against {:.1f}% in the fit (chi-square p {:.2g})",
                                     segment_label(m, s), 100 * share, 100 * expected[s], chi.p_value)});
  }
  return {{"chi_square", chi.statistic}, {"df", std::max<std::size_t>(1, now.size()) - 1}, {"p_value", chi.p_value}, {"segments", segs}};
}

json judge_centroids(const model::SegmentModel& m, const std::vector<model::SegmentReference>& now, const Thresholds& t,
                     std::vector<Reason>& reasons) {
  const auto names = model::selected_names(m);
  json out = json::array();
  for (std::size_t s = 0; s < now.size(); ++s) {
    const auto& ref = m.reference.segments[s];
    const auto& cur = now[s];
    if (cur.size < t.min_members || ref.size < t.min_members) continue;
    std::vector<std::pair<double, std::size_t>> ts;
    std::int64_t significant = 0;
    for (std::size_t j = 0; j < names.size(); ++j) {
      const TestResult w = welch_t(static_cast<double>(cur.size), cur.mean[j], cur.var[j], static_cast<double>(ref.size),
                                   ref.mean[j], ref.var[j]);
      significant += w.p_value < t.alpha;
      ts.emplace_back(std::isfinite(w.statistic) ? w.statistic : 0.0, j);
    }
    std::stable_sort(ts.begin(), ts.end(), [](const auto& a, const auto& b) { return std::abs(a.first) > std::abs(b.first); });
    json top = json::array();
    for (std::size_t i = 0; i < std::min<std::size_t>(3, ts.size()); ++i) {
      const std::size_t j = ts[i].second;
      top.push_back({{"feature", names[j]}, {"t", ts[i].first}, {"fit_mean", ref.mean[j]}, {"mean", cur.mean[j]}});
    }
    const double cosine = cosine_distance(cur.centroid, ref.centroid);
    out.push_back({{"id", m.id_of(static_cast<index_t>(s))}, {"name", m.segment_names[s]}, {"cosine_distance", cosine},
                   {"features_moved", significant}, {"top", top}});
    const std::string level = level_of(cosine, t.centroid_watch, t.centroid_retrain, significant > 0);
    if (!level.empty())
      reasons.push_back({level, "centroid_drift", "", m.id_of(static_cast<index_t>(s)), cosine,
                         level == "retrain" ? t.centroid_retrain : t.centroid_watch,
                         fmt::format("{}'s centre moved: cosine distance {:.3f}; {} features differ from the fit's members "
                                     "(Welch p < {}), most {}",
                                     segment_label(m, s), cosine, significant, t.alpha,
                                     top.empty() ? std::string("none") : top[0]["feature"].get<std::string>())});
  }
  return out;
}

Result<json> judge_separation(const Context& ctx, const model::SegmentModel& m, const model::Embedded& e,
                              const std::vector<std::int32_t>& labels, const Thresholds& t, std::vector<Reason>& reasons) {
  KOHORT_ASSIGN_OR_RETURN(const auto sil, select::silhouette_sampled(ctx, e.space.cview(), labels, t.silhouette_rows));
  double fit = NAN;
  if (const auto* metrics = m.diagnostics.is_object() && m.diagnostics.contains("metrics") ? &m.diagnostics["metrics"] : nullptr;
      metrics && metrics->is_object() && metrics->contains("silhouette") && (*metrics)["silhouette"].is_number())
    fit = (*metrics)["silhouette"].get<double>();
  const double floor = t.silhouette_floor ? *t.silhouette_floor : t.silhouette_ratio * fit;
  if (std::isfinite(floor) && sil.mean < floor)
    reasons.push_back({"retrain", "separation", "", std::nullopt, sil.mean, floor,
                       fmt::format("the segments are less distinct: silhouette {:.3f} below the floor {:.3f} (the fit's {:.3f})",
                                   sil.mean, floor, fit)});
  return json{{"value", sil.mean}, {"floor", finite_or_null(floor)}, {"fit", finite_or_null(fit)}, {"rows", sil.rows_scored},
              {"sampled", sil.sampled}};
}

json judge_kpis(const model::SegmentModel& m, const features::FeatureTable& raw, const std::vector<std::int32_t>& labels,
                const std::vector<model::SegmentReference>& now, const Thresholds& t, std::vector<Reason>& reasons) {
  const auto kpis = model::segment_kpis(raw, m.spec.windows_days, labels, m.k());
  json out = json::array();
  for (std::size_t s = 0; s < kpis.size(); ++s) {
    if (now[s].size < t.min_members) continue;
    for (const auto& k : kpis[s]) {
      const auto& ref = m.reference.segments[s].kpis;
      const auto it = std::find_if(ref.begin(), ref.end(), [&](const model::Kpi& r) { return r.name == k.name && r.window_days == k.window_days; });
      if (it == ref.end()) continue;
      const double change = it->value != 0 ? k.value / it->value - 1 : (k.value == 0 ? 0.0 : INFINITY);
      out.push_back({{"id", m.id_of(static_cast<index_t>(s))}, {"name", m.segment_names[s]}, {"kpi", k.name},
                     {"window_days", k.window_days}, {"fit", it->value}, {"value", k.value}, {"change", finite_or_null(change)}});
      if (std::isfinite(change) && std::abs(change) > t.kpi_watch)
        reasons.push_back({"watch", "kpi", "", m.id_of(static_cast<index_t>(s)), change, t.kpi_watch,
                           fmt::format("{}: {} over {} days {} from {:.3g} in the fit to {:.3g}", segment_label(m, s),
                                       k.name, k.window_days, change > 0 ? "rose" : "fell", it->value, k.value)});
    }
  }
  return out;
}

json judge_mix(const model::SegmentModel& m, const features::FeatureTable& raw, const std::vector<std::int32_t>& labels,
               const std::vector<model::SegmentReference>& now, const Thresholds& t, std::vector<Reason>& reasons) {
  const auto today = model::segment_mix(raw, labels, m.k());
  const auto& ref = m.reference.segments;
  const std::size_t columns = ref.empty() ? 0 : ref.front().mix.size();
  json out = json::array();
  for (std::size_t c = 0; c < columns; ++c) {
    const std::string& name = ref.front().mix[c].feature;
    std::vector<ShareSample> then, cur;
    for (std::size_t s = 0; s < ref.size(); ++s) {
      // Today's levels are chosen from today's customers: match the column by name.
      const auto it = std::find_if(today[s].begin(), today[s].end(), [&](const model::MixShare& x) { return x.feature == name; });
      const bool comparable = c < ref[s].mix.size() && it != today[s].end() && now[s].size >= t.min_members;
      then.push_back(comparable ? ShareSample{ref[s].mix[c].lines, ref[s].mix[c].share, ref[s].mix[c].var} : ShareSample{});
      cur.push_back(comparable ? ShareSample{it->lines, it->share, it->var} : ShareSample{});
    }
    const ShareChange x = stratified_share_change(then, cur);
    const std::string level =
        level_of(std::abs(x.change), t.mix_watch, t.mix_retrain, x.p_value < t.alpha / static_cast<double>(columns));
    out.push_back({{"feature", name}, {"fit_share", x.then}, {"share", x.now}, {"change", x.change}, {"z", x.z},
                   {"p_value", x.p_value}, {"level", level.empty() ? "ok" : level}});
    if (!level.empty())
      reasons.push_back({level, "mix", name, std::nullopt, std::abs(x.change), level == "retrain" ? t.mix_retrain : t.mix_watch,
                         fmt::format("the segments buy differently: {} {} from {:.1f}% in the fit's window to {:.1f}% "
                                     "within the same segments ({:+.1f} points, z {:.1f}, p {:.2g})",
                                     name, x.change > 0 ? "rose" : "fell", 100 * x.then, 100 * x.now, 100 * x.change, x.z,
                                     x.p_value)});
  }
  return out;
}

}  // namespace

Result<Verdict> check_drift(const Context& ctx, const model::SegmentModel& m, const model::Embedded& today,
                            const features::FeatureTable& raw, const Thresholds& t) {
  if (m.reference.quantiles.empty() || m.reference.segments.size() != static_cast<std::size_t>(m.k()))
    return Status::invalid_input("model", "this model version carries no reference to monitor against (it was fitted by "
                                 "an earlier Kohort)", "refit it with kohort fit, then monitor the new version");
  if (today.selected.rows() == 0)
    return Status::invalid_input("data", "no customer has a purchase before the date", "monitor a later date");
  KOHORT_ASSIGN_OR_RETURN(const auto assigned, model::predict(ctx, m.clusterer, today.space.cview()));
  const auto& labels = assigned.labels;
  const auto now = model::segment_moments(today.selected.cview(), today.space.cview(), labels, m.k());

  Verdict v;
  std::vector<Reason> reasons;
  v.figures["customers"] = today.selected.rows();
  v.figures["features"] = judge_features(feature_drift(ctx, m, today.selected.cview()), t, reasons);
  v.figures["mix"] = judge_mix(m, raw, labels, now, t, reasons);
  json moved = json::array();
  for (const auto& f : v.figures["mix"])
    if (f["level"] != "ok") moved.push_back(f["feature"]);
  const std::size_t mixed = moved.size();
  for (const auto& f : v.figures["features"])
    if (f["level"] != "ok" && moved.size() < mixed + 5) moved.push_back(f["feature"]);
  v.figures["moved_features"] = std::move(moved);
  v.figures["sizes"] = judge_sizes(m, now, t, reasons);
  v.figures["centroids"] = judge_centroids(m, now, t, reasons);
  KOHORT_ASSIGN_OR_RETURN(v.figures["silhouette"], judge_separation(ctx, m, today, labels, t, reasons));
  v.figures["kpis"] = judge_kpis(m, raw, labels, now, t, reasons);

  std::stable_sort(reasons.begin(), reasons.end(), [](const Reason& a, const Reason& b) {
    if (a.level != b.level) return a.level == "retrain";
    return std::abs(a.statistic) / std::max(1e-12, a.threshold) > std::abs(b.statistic) / std::max(1e-12, b.threshold);
  });
  v.verdict = reasons.empty() ? "ok" : reasons.front().level;
  v.reasons = std::move(reasons);
  return v;
}

nlohmann::json verdict_json(const Verdict& v, std::int64_t version, Seconds as_of) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& r : v.reasons) {
    nlohmann::json reason = {{"level", r.level}, {"kind", r.kind}, {"statistic", r.statistic}, {"threshold", r.threshold}, {"text", r.text}};
    if (!r.feature.empty()) reason["feature"] = r.feature;
    if (r.segment) reason["segment"] = *r.segment;
    reasons.push_back(std::move(reason));
  }
  nlohmann::json j = {{"as_of", format_datetime(as_of)}, {"model_version", version}, {"verdict", v.verdict}, {"reasons", reasons}};
  j.update(v.figures);
  return j;
}

Result<MonitorRun> monitor_and_record(const Context& ctx, store::Store& store, std::int64_t version,
                                      const model::SegmentModel& model, const features::FeatureTable& raw, Seconds as_of,
                                      const Thresholds& thresholds, store::MonitorRunRequest run) {
  KOHORT_ASSIGN_OR_RETURN(const auto today, model::embed_features(ctx, model, raw));
  MonitorRun out;
  KOHORT_ASSIGN_OR_RETURN(out.verdict, check_drift(ctx, model, today, raw, thresholds));
  out.figures = verdict_json(out.verdict, version, as_of);
  run.version = version;
  run.as_of = format_datetime(as_of);
  run.verdict = out.verdict.verdict;
  run.figures_json = json_text(out.figures);
  KOHORT_ASSIGN_OR_RETURN(out.figures["run"], store.record_monitor_run(run));
  return out;
}

}  // namespace kohort::monitor
