// kohort/features/partitioned.h — the customer feature matrix of a dataset larger than memory,
// computed one partition at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/features/feature_spec.h"
#include "kohort/features/population.h"
#include "kohort/features/feature_table.h"
#include "kohort/io/dataset.h"

namespace kohort::features {

/// A feature table put together from partitions: there is no one EventLog, so rows carry
/// their external customer ids.
struct PartitionedTable {
  FeatureTable table;            ///< table.customers[r] = r.
  std::vector<std::string> ids;  ///< row → external customer id, in the canonical order.
  /// row → (partition, that partition's table row): where each row came from, so that a
  /// caller's own per-partition columns (PartitionVisitor) can be put in the same order.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> origin;
};

/// Called once per partition, in partition order, with the partition's log and its feature
/// table (rows in the partition's own customer order) before the rows are merged: the place
/// to compute anything else per customer from the same read. The table's customers and as_of
/// are final; its values are not (the features relative to the population and the referral
/// features are filled after the merge). A failed status stops the run.
using PartitionVisitor =
    std::function<Status(std::uint32_t partition, const io::Dataset& data, const FeatureTable& table)>;

/// The population as io::partition_dataset() counted it on the way, when that is all of it:
/// every transaction is before spec.as_of (so each is a table customer's) and no stream
/// but transactions (emails and referrals have no population-level inputs) is present. Then it
/// equals the merge of count_population() over the partitions, and the partitions are read
/// once instead of twice. Otherwise nullopt.
[[nodiscard]] std::optional<Population> routed_population(const io::PartitionedDataset& data,
                                                          const FeatureSpec& spec);

/// compute_features() over a partitioned dataset (io::partition_dataset()): the population
/// (levels, tier ranks, columns present) is counted over every partition first, then each
/// partition's rows are computed with it, the rows are put in the canonical customer order,
/// the features relative to the population's median spend are filled, and the referral
/// features (when the dataset has referrals) are computed on the whole graph. The result
/// equals compute_features() on load_dataset() of the same data bit for bit (ids[r] being the
/// external id of that table's customers[r]).
///
/// REQUIRES: spec.as_of is set (e.g. the day after data.last_event_time). Fails with
/// invalid_argument when spec.validate() fails, cancelled when ctx is, and with the errors of
/// io::load_partition(). Cost: each partition is read twice (once to count, once to compute),
/// or once when routed_population() has the population.
/// Memory: one partition's log at a time, plus the partition tables and the merged table
/// (2 · rows · cols floats) and the customer ids.
[[nodiscard]] Result<PartitionedTable> compute_features_partitioned(
    const Context& ctx, const io::PartitionedDataset& data, const FeatureSpec& spec,
    const PartitionVisitor& visit = nullptr);

}  // namespace kohort::features
