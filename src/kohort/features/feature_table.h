// kohort/features/feature_table.h — the customer feature matrix: one named, described row per
// customer.
#pragma once

#include <string>
#include <vector>

#include "kohort/core/matrix.h"
#include "kohort/core/time.h"
#include "kohort/events/event_log.h"

namespace kohort::features {

/// What one column means. Every feature has all five fields filled.
struct FeatureInfo {
  std::string name;   ///< snake_case, unique in the table ("orders_90d").
  std::string group;  ///< the feature group ("frequency", "browsing", …; see feature_groups()).
  std::string unit;   ///< "days", "count", "currency", "share", "ratio", "flag", "hours",
                      ///< "minutes", "nats", "years", "rank", "score".
  std::string description;  ///< one sentence, with the exact definition.
  std::string phrase;       ///< a short text for profiles ("orders in the last 90 days").
};

/// The customer feature matrix. Row r describes customer `customers[r]` (a dense id of the
/// EventLog it was computed from); column j is described by `info[j]`. Missing values are NaN.
struct FeatureTable {
  Matrix<float> values;                       ///< rows × info.size(), float32, row-major.
  std::vector<FeatureInfo> info;              ///< one entry per column.
  std::vector<events::customer_t> customers;  ///< row → dense customer id, ascending.
  Seconds as_of = 0;                          ///< only events with time < as_of were used.

  [[nodiscard]] index_t rows() const { return values.rows(); }
  [[nodiscard]] index_t cols() const { return values.cols(); }
  /// The column of the feature called `name`, or -1 when there is none. O(cols).
  [[nodiscard]] index_t column(std::string_view name) const;
  /// The column names in order.
  [[nodiscard]] std::vector<std::string> names() const;
};

}  // namespace kohort::features
