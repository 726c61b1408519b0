// kohort/features/families/common.h — what the feature families share: the column builder,
// categorical levels, and the per-customer state passed from the transactions family on.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/time.h"
#include "kohort/events/event_log.h"
#include "kohort/features/feature_spec.h"
#include "kohort/features/population.h"
#include "kohort/features/feature_table.h"

namespace kohort::features::internal {

inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
/// FeatureSpec::windows_days holds at most this many windows.
inline constexpr std::size_t kMaxWindows = 8;

/// Collects the column descriptions while families plan their columns.
class Columns {
 public:
  /// Appends a column; returns its index.
  int add(std::string name, std::string group, std::string unit, std::string description,
          std::string phrase);
  [[nodiscard]] int size() const { return static_cast<int>(info_.size()); }
  [[nodiscard]] std::vector<FeatureInfo> take() { return std::move(info_); }

 private:
  std::vector<FeatureInfo> info_;
};

/// Writes v (as float) to row[col] when the column exists (col ≥ 0).
inline void put(float* row, int col, double v) {
  if (col >= 0) row[col] = static_cast<float>(v);
}
/// a / b, or NaN when b is 0.
[[nodiscard]] inline double ratio(double a, double b) {
  return b == 0 ? std::numeric_limits<double>::quiet_NaN() : a / b;
}
[[nodiscard]] inline double days_between(Seconds earlier, Seconds later) {
  return static_cast<double>(later - earlier) / static_cast<double>(kSecondsPerDay);
}

/// "Mobile App" → "mobile_app": lower-case ASCII letters and digits, runs of anything else
/// become one underscore; empty → "missing".
[[nodiscard]] std::string slug(std::string_view value);

/// The levels of a categorical column that get their own share column: the `cap` most frequent
/// values with a positive count (ties broken by the text), so the choice depends on neither the
/// dictionary order nor on how the population was split into partitions. slot[code] is the column
/// slot (0..levels-1) of a code of this log's dictionary, `other` for the rest of the counted
/// values, -1 for values that were never counted; `pooled` says whether an "other" slot exists.
struct Levels {
  std::vector<std::string> names;  ///< chosen values, most frequent first.
  std::vector<int> slot;           ///< per dictionary code.
  int other = -1;                  ///< slot of "other", or -1 when nothing is pooled.
  [[nodiscard]] int slots() const { return static_cast<int>(names.size()) + (other >= 0 ? 1 : 0); }
};
/// Chooses levels from counts by value text, and maps `dict`'s codes to their slots.
[[nodiscard]] Levels choose_levels(const std::map<std::string, std::int64_t>& counts,
                                   const events::Dictionary& dict, int cap);

/// Adds one column per level (prefix_<slug>, then prefix_other); returns the first column.
/// Descriptions are `what_desc '<level>'.`, phrases `what_phrase <level>`. Slugs that collide
/// get a numeric suffix; `suffix` ends every name ("_30d").
int add_level_columns(Columns& cols, const Levels& levels, const std::string& prefix,
                      const std::string& group, const std::string& unit,
                      const std::string& what_desc, const std::string& what_phrase,
                      const std::string& suffix = "");

/// The families' access to the population-level inputs (see features::Population): they
/// always record what this log holds in `counted`; when a `given` population is set (the sum
/// over every partition of a dataset), the choices are made from it instead, so that every
/// partition gets the same columns.
class PopulationInputs {
 public:
  PopulationInputs(const Population* given, Population& counted) : given_(given), counted_(counted) {}
  /// Whether the optional column `key` ("transactions.discount") is present; `here` says
  /// whether this log fills it.
  [[nodiscard]] bool filled(const std::string& key, bool here);
  /// Records `counts` (per code of `dict`) under `key` by text and chooses the levels.
  [[nodiscard]] Levels levels(const std::string& key, std::span<const std::int64_t> counts,
                              const events::Dictionary& dict, int cap);
  /// The counts of `key` the choices are made from (after levels() recorded them).
  [[nodiscard]] const std::map<std::string, std::int64_t>& counts(const std::string& key) const;

 private:
  const Population* given_;
  Population& counted_;
};

/// Per-block counts of codes in a finalized stream's pre-as-of rows of the table's customers,
/// summed in block order. Ignores kMissingCode.
[[nodiscard]] std::vector<std::int64_t> count_codes(const Context& ctx,
                                                    std::span<const events::customer_t> rows,
                                                    std::span<const index_t> offsets,
                                                    std::span<const Seconds> time,
                                                    std::span<const events::code_t> codes,
                                                    std::size_t n_codes, Seconds as_of);

/// One order of a customer (purchase lines only: amount ≥ 0).
struct Order {
  Seconds time = 0;  ///< earliest line time.
  double value = 0;  ///< Σ line amounts.
};

/// What later families need from the customer's transactions; refilled per customer.
struct CustomerState {
  std::vector<Order> orders;                ///< sorted by time.
  std::vector<std::int64_t> purchase_days;  ///< distinct day numbers, ascending.
  Seconds first_purchase = 0;               ///< valid when !orders.empty().
  double tenure_days = std::numeric_limits<double>::quiet_NaN();
  double spend_total = 0;
  events::code_t main_category = events::kMissingCode;
};

/// Keeps the scratch buffers of one block of customers (reused, never shared between blocks).
struct Scratch {
  struct Line {
    events::code_t order;
    Seconds time;
    index_t row;
  };
  std::vector<Line> lines;
  std::vector<double> cat_spend;       ///< per category code; zero between customers.
  std::vector<std::int64_t> cat_seen;  ///< per category code: last stamp.
  std::int64_t stamp = 0;
  std::vector<events::code_t> touched;
  std::vector<double> values;
  std::vector<std::int64_t> counts;
};

}  // namespace kohort::features::internal
