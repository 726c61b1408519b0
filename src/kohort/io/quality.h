// kohort/io/quality.h — the data-quality report behind `kohort check`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/io/dataset.h"

namespace kohort::io {

/// What later stages do about a finding. Spelled as in JSON ("drop", "cap", …).
enum class Policy {
  drop,    ///< the rows are left out of features and segmentation
  cap,     ///< values are capped (winsorised) at the stated bound
  impute,  ///< missing values are filled (numbers: the column median; dates: unknown)
  flag,    ///< kept as they are and marked (returns, unknown categories, …)
};
[[nodiscard]] std::string_view policy_name(Policy p);

enum class Severity { info, warning, error };
[[nodiscard]] std::string_view severity_name(Severity s);

/// One observation about the data.
struct Finding {
  std::string stream;  ///< "transactions", … ("" for the dataset as a whole)
  std::string column;  ///< the role ("amount") or "" for whole rows
  std::string kind;    ///< missing, invalid, duplicate_rows, duplicate_order_lines,
                       ///< negative_amount, zero_amount, future_time, ancient_time,
                       ///< amount_outlier, customers_without_events, unknown_customers,
                       ///< small_data, not_segmentable
  index_t count = 0;   ///< rows (or customers) affected
  index_t total = 0;   ///< out of
  Policy policy = Policy::flag;
  Severity severity = Severity::warning;
  std::string message;  ///< one plain sentence naming the numbers
};

struct QualityOptions {
  /// The run's "now": timestamps after it are in the future. The library reads no clock;
  /// the CLI passes the current time.
  Seconds now = 0;
  /// Timestamps before this are implausible (default 1990-01-01).
  Seconds floor = days_from_civil(1990, 1, 1) * kSecondsPerDay;
  /// Amount outliers: |x − median| > mad_k · 1.4826 · MAD.
  double mad_k = 5.0;
  /// Fewer customers with purchases than this is "small data" (a warning, not a failure).
  index_t small_customers = 100;
};

struct QualityReport {
  std::vector<StreamReport> streams;  ///< as read (rows, column mapping, missing/invalid)
  std::vector<std::string> notes;     ///< from the load
  std::vector<Finding> findings;      ///< in a fixed order: per stream, then dataset-wide
  index_t customers = 0;              ///< all customers seen in any stream
  index_t customers_with_purchases = 0;
  Seconds first_time = 0, last_time = 0;  ///< over all event streams (kMissingTime if none)
  double amount_median = 0, amount_mad = 0;
  bool segmentable = true;
  std::string reason;  ///< why not, when !segmentable
};

/// Examines a loaded dataset. Fails only on internal errors; problems in the data are
/// findings. Not segmentable (an error finding, segmentable = false): no transaction rows, or
/// fewer than 2 customers with purchases. Deterministic; O(rows · log rows) time, O(rows)
/// extra memory.
[[nodiscard]] Result<QualityReport> check_quality(const Context& ctx, const Dataset& data,
                                                  const QualityOptions& options);

/// The report as aligned text tables (streams, columns, findings) for people.
[[nodiscard]] std::string format_quality_report(const QualityReport& report);

/// The report as JSON: {"segmentable", "reason", "customers", "streams": [...],
/// "findings": [...], "notes": [...]}.
[[nodiscard]] nlohmann::json quality_json(const QualityReport& report);

}  // namespace kohort::io
