// kohort/monitor/drift.h — is the segmentation still true? Today's customers, through the
// published model, against the reference the fit stored (model/reference.h): per-feature
// drift, segment sizes, centroid drift, separation and business KPIs, each judged against a
// threshold into a verdict — ok, watch or retrain — with every reason behind it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/features/feature_table.h"
#include "kohort/model/model.h"
#include "kohort/store/store.h"

namespace kohort::monitor {

/// Thresholds. A statistic past its `watch` value makes a watch reason, past `retrain` a
/// retrain reason; the verdict is the highest reason's level. Retrain asks for evidence that the
/// segments themselves no longer hold: their sizes, centres or separation, or the way their
/// members buy — the recent purchase mix (channel, payment, discount in the shortest window)
/// moved within the segments against the fit's window. A drifting feature alone is a watch
/// reason and is named as the explanation: a population that only ages (tenure grows, customers
/// lapse, campaigns come round) moves several features past any PSI rule of thumb within weeks,
/// while its segments stay what they were. Lifetime features answer a change of behaviour only
/// slowly (a month of new habits is a small part of a customer's history); the recent mix
/// answers within the window.
struct Thresholds {
  /// Population stability index of a clustering feature (the usual rule of thumb: above 0.25
  /// a major shift); it must also be significant by the two-sample KS test at `alpha`.
  double psi_watch = 0.25;
  /// A segment's share of the customers against the fit's, in absolute points (0.06 = six
  /// percentage points); the chi-square test of all sizes must be significant at `alpha`.
  double share_watch = 0.03, share_retrain = 0.06;
  /// Cosine distance between a segment's centroid in the clustering space today and in the
  /// fit; some feature must differ significantly (Welch, `alpha`) between its members then and now.
  double centroid_watch = 0.15, centroid_retrain = 0.3;
  /// Separation: the silhouette of today's customers (on a sample) below this floor means
  /// retrain. Unset: silhouette_ratio × the fit's own silhouette (--silhouette-floor).
  std::optional<double> silhouette_floor;
  double silhouette_ratio = 0.9;
  /// A segment's KPI (revenue per customer, orders per customer, lapsed share) moving by more
  /// than this relative change against the fit's period is a watch reason.
  double kpi_watch = 0.3;
  /// A recent-mix share (model::MixShare) changed within the segments by this many points
  /// (0.05 = five percentage points; monitor::stratified_share_change), significant at
  /// `alpha` divided by the number of mix columns (Bonferroni).
  double mix_watch = 0.03, mix_retrain = 0.05;
  double alpha = 0.001;            ///< significance level of the KS, chi-square and Welch tests
  index_t silhouette_rows = 4000;  ///< customers the silhouette is measured on (select::silhouette_sampled)
  std::int64_t min_members = 30;   ///< segments with fewer members today are not compared
};

/// One reason behind a verdict.
struct Reason {
  std::string level;    ///< "watch" or "retrain"
  std::string kind;     ///< "feature_drift", "segment_size", "centroid_drift", "separation", "kpi", "mix"
  std::string feature;                  ///< feature_drift, mix: the feature's name; else empty
  std::optional<std::int32_t> segment;  ///< segment_size, centroid_drift, kpi: the segment's id
  double statistic = 0;
  double threshold = 0;
  std::string text;     ///< one sentence for people
};

struct Verdict {
  std::string verdict = "ok";  ///< "ok", "watch" or "retrain"
  std::vector<Reason> reasons;   ///< retrain reasons first, then watch; strongest first
  /// customers, features (ranked by PSI), mix (the recent mix within segments), moved_features
  /// (the mix columns past their watch threshold, then the five most moved features), sizes,
  /// centroids, silhouette, kpis (kohort monitor --json)
  nlohmann::json figures;
};

/// Measures `today` (the model's selected columns and clustering space of today's customers,
/// model::embed_features) and `raw` (their raw features, for the KPIs) against the model's
/// reference. Fails with invalid_input (where "model") when the model carries no reference
/// quantiles (a fit from before monitoring: refit it), and with invalid_input when there are no
/// customers. Deterministic at any ctx.threads(); O(n·(d·log n + k·m)).
[[nodiscard]] Result<Verdict> check_drift(const Context& ctx, const model::SegmentModel& model,
                                          const model::Embedded& today, const features::FeatureTable& raw,
                                          const Thresholds& thresholds);

/// The verdict as `kohort monitor --json` prints it and the store keeps it: as_of (ISO 8601),
/// model_version, verdict, reasons [{level, kind, feature or segment when it has one, statistic,
/// threshold, text}], then the figures.
[[nodiscard]] nlohmann::json verdict_json(const Verdict& v, std::int64_t version, Seconds as_of);

/// One monitor run as `kohort monitor` makes it: `raw` (features as of `as_of` through the
/// model's spec) embedded and checked against version `version`'s reference, and the run kept
/// in the store with `run`'s command, options and start (its version, as_of, verdict and
/// figures filled in here). The figures are verdict_json() plus "run": the recorded id.
struct MonitorRun {
  Verdict verdict;
  nlohmann::json figures;
};
[[nodiscard]] Result<MonitorRun> monitor_and_record(const Context& ctx, store::Store& store, std::int64_t version,
                                                    const model::SegmentModel& model, const features::FeatureTable& raw,
                                                    Seconds as_of, const Thresholds& thresholds,
                                                    store::MonitorRunRequest run);

}  // namespace kohort::monitor
