// kohort/io/quality.h — the data-quality report behind `kohort check`.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
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
                       ///< negative_amount, zero_amount, future_time, ancient_time, not_utf8,
                       ///< amount_outlier, customers_without_events, unknown_customers,
                       ///< small_data, not_segmentable
  index_t count = 0;   ///< rows (or customers) affected
  index_t total = 0;   ///< out of
  Policy policy = Policy::flag;
  Severity severity = Severity::warning;
  std::string message;  ///< one plain sentence naming the numbers
};

struct QualityOptions {
  /// Amount outliers: |x − median| > mad_k · 1.4826 · MAD.
  double mad_k = 5.0;
  /// Fewer customers with purchases than this is "small data" (a warning, not a failure).
  index_t small_customers = 100;
  /// Distinct amounts counted exactly for the median and MAD; beyond, amounts are counted
  /// rounded to 4 significant digits (and the outlier finding says so).
  std::size_t max_distinct_amounts = std::size_t{1} << 21;
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

/// What check_quality() counts in an event log, in a form that adds up: the tallies of the
/// partitions of a dataset split by customer (io::partition_dataset()) merge into the tally of
/// the whole, so a report can be made one partition at a time.
struct QualityTally {
  index_t customers = 0;  ///< customers of the logs tallied (disjoint logs: add them)
  /// Exact copies of a row with an order id, which the reader left out
  /// (events::Transactions::duplicates_dropped), and exact repeats without one, which it kept.
  index_t transactions = 0, duplicates_dropped = 0, duplicate_rows = 0, repeated_order_lines = 0;
  index_t negative_amounts = 0, zero_amounts = 0;
  /// Transactions per distinct amount (keyed by the value's bits), for an exact median and
  /// MAD. Beyond QualityOptions::max_distinct_amounts distinct amounts they are counted rounded
  /// to 4 significant digits (amounts_rounded), which the outlier finding then says.
  std::unordered_map<std::uint64_t, index_t> amount_counts;
  bool amounts_rounded = false;
  std::size_t max_distinct_amounts = std::size_t{1} << 21;  ///< set from QualityOptions
  Seconds first_time = events::kMissingTime, last_time = events::kMissingTime;
  index_t with_purchase = 0, with_events = 0;
  index_t attributes_without_events = 0, events_without_attributes = 0, attribute_rows = 0;
  bool has_attributes = false;  ///< the customers stream is present

  /// Adds another log's tally (a log of other customers).
  void merge(const QualityTally& other);
};

/// The tally of one finalized log, in parallel over blocks of customers (the same at any
/// thread count). O(rows · log(rows per customer)) time: duplicates are found within each
/// customer's rows. Memory: O(rows) while counting, and the distinct amounts (at most
/// options.max_distinct_amounts entries).
[[nodiscard]] QualityTally tally_quality(const Context& ctx, const events::EventLog& log,
                                         const QualityOptions& options);

/// The report from a tally and the load's stream reports and notes: check_quality() is
/// finish_quality(tally_quality(data.log), data.reports, data.notes).
[[nodiscard]] QualityReport finish_quality(const QualityTally& tally,
                                           const std::vector<StreamReport>& reports,
                                           const std::vector<std::string>& notes,
                                           const QualityOptions& options);

/// The tally of one partition's log (load_partition() of `data`), counting as its customers
/// only those that are not also in the referrals stream (which is not split): the partitions'
/// tallies merged and given to finish_quality(ctx, data, …) make the whole dataset's report.
[[nodiscard]] QualityTally tally_partition(const Context& ctx, const events::EventLog& partition_log,
                                           const PartitionedDataset& data, std::uint32_t partition,
                                           const QualityOptions& options);

/// The report of a partitioned dataset from the merge of its partitions' tally_partition()s:
/// equal to check_quality() on load_dataset() of the same data.
[[nodiscard]] QualityReport finish_quality(const Context& ctx, QualityTally partitions,
                                           const PartitionedDataset& data, const QualityOptions& options);

/// check_quality() of a partitioned dataset, reading each partition once.
[[nodiscard]] Result<QualityReport> check_quality(const Context& ctx, const PartitionedDataset& data,
                                                  const QualityOptions& options);

/// The report as aligned text tables (streams, columns, findings) for people.
[[nodiscard]] std::string format_quality_report(const QualityReport& report);

/// The report as JSON: {"segmentable", "reason", "customers", "streams": [...],
/// "findings": [...], "notes": [...]}.
[[nodiscard]] nlohmann::json quality_json(const QualityReport& report);

}  // namespace kohort::io
