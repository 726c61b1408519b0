// kohort/profile/profile.h — what each segment is: size, share, value, how its features differ
// from the population, and which features distinguish it most.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"
#include "kohort/features/feature_table.h"

namespace kohort::profile {

/// Business values of each customer (one entry per row of the feature table). NaN = unknown.
struct CustomerBusiness {
  std::vector<double> revenue;      ///< net spend before the as-of instant
  std::vector<double> orders;       ///< purchase days before the as-of instant
  std::vector<double> tenure_days;  ///< days from the first purchase to the as-of instant
  std::vector<double> clv;          ///< discounted expected spend over the next 12 months
  std::vector<double> p_alive;      ///< probability the customer is still active
  std::vector<double> churn_risk;   ///< probability of no purchase within the churn horizon
};

/// Business metrics of a group of customers (a segment or everyone).
struct BusinessMetrics {
  double revenue = 0;           ///< Σ revenue
  double revenue_share = 0;     ///< Σ revenue / Σ revenue of everyone (0 when that is ≤ 0)
  double clv_12m = 0;           ///< mean 12-month CLV per customer (known values)
  double p_alive = 0;           ///< mean P(alive) (known values)
  double churn_risk = 0;        ///< mean churn risk (known values): the share expected not to
                                ///< buy within the churn horizon
  double avg_order_value = 0;   ///< Σ revenue / Σ orders
  double orders_per_year = 0;   ///< mean of orders ÷ max(tenure, 30 days) in years
  double tenure_days = 0;       ///< mean tenure
};

/// A feature that sets a segment apart.
struct Driver {
  index_t feature = 0;          ///< column of the raw feature table
  double segment_mean = 0, population_mean = 0;      ///< raw units, missing values ignored
  double segment_median = 0, population_median = 0;  ///< raw units
  double std_diff = 0;  ///< (segment mean − population mean) ÷ population sd, measured on the
                        ///< feature's transformed column (log1p, winsorized) — robust to tails
};

/// One rule of the surrogate tree in words, with how well it describes the segment.
struct RuleText {
  std::string text;        ///< "orders in the last 90 days ≥ 4 and share of orders with a discount ≥ 60%"
  double precision = 0;    ///< members among the customers the rule covers
  double recall = 0;       ///< members the rule covers, of all members
};

struct SegmentProfile {
  std::int32_t id = 0;
  index_t size = 0;
  double share = 0;                 ///< size ÷ customers
  std::vector<double> mean, median; ///< per raw feature (NaN when the segment has no value)
  std::vector<double> std_diff;     ///< per raw feature; NaN for features not compared
  std::vector<Driver> drivers;      ///< the top distinguishing features, largest |std_diff| first
  BusinessMetrics business;
  double silhouette = std::numeric_limits<double>::quiet_NaN();
  double stability = std::numeric_limits<double>::quiet_NaN();
  std::string name, narrative;
  std::vector<RuleText> rules;
};

struct Population {
  index_t size = 0;
  std::vector<double> mean, median;  ///< per raw feature
  BusinessMetrics business;
};

struct ProfileOptions {
  int top_drivers = 5;  ///< drivers kept per segment
};

struct Profiles {
  Population population;
  std::vector<SegmentProfile> segments;  ///< id 0..k−1
};

/// Profiles the k segments of `labels` (one per row of `raw`; −1 = outlier, in no segment but
/// in the population). `standardized` holds, for each raw feature j in `compared`, the
/// transformed column standardized[:, compared_columns[i]] on which std_diff is measured;
/// drivers are chosen among `compared` features only (pass the features kept for clustering,
/// so that near-duplicates do not crowd the list). Means and medians ignore NaN.
/// Deterministic at any ctx.threads(). O(n·d) time plus a selection per feature and segment.
[[nodiscard]] Result<Profiles> profile_segments(const Context& ctx, const features::FeatureTable& raw,
                                                MatrixView<const float> standardized,
                                                std::span<const index_t> compared,
                                                std::span<const index_t> compared_columns,
                                                std::span<const std::int32_t> labels, int k,
                                                const CustomerBusiness& business,
                                                const ProfileOptions& options = {});

}  // namespace kohort::profile
