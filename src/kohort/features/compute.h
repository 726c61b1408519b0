// kohort/features/compute.h — the customer feature matrix from an event log, as of an instant.
#pragma once

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/events/event_log.h"
#include "kohort/features/feature_spec.h"
#include "kohort/features/feature_table.h"
#include "kohort/features/population.h"

namespace kohort::features {

/// Computes one row per customer that has at least one transaction (of any amount) with time
/// strictly before spec.as_of, in ascending dense-id order. Every value is computed from events
/// with time < spec.as_of only: events at or after it, and customers who only have such events,
/// change nothing (population-level inputs such as the top categories, the category medians and
/// the referral graph are taken from the rows' pre-as-of events too). A group's columns appear
/// when its stream is present (log.has()) and the columns it needs are filled; see
/// feature_groups() and each FeatureInfo::description for the exact definitions. With every
/// stream and column present the table has at least 100 columns.
///
/// REQUIRES: log.finalize() was called. Fails with invalid_argument when spec.validate() fails,
/// and with cancelled when ctx is cancelled (checked between chunks of blocks).
/// Deterministic: the same bits at any ctx.threads(), and independent of the input order of
/// events except for the summation order of events of one customer that share a timestamp.
/// Cost: O(events + customers·d) time (plus O(edges · iterations) for PageRank), parallel over
/// blocks of customers; memory O(customers · d) for the table.
[[nodiscard]] Result<FeatureTable> compute_features(const Context& ctx, const events::EventLog& log,
                                                    const FeatureSpec& spec);

/// How compute_features() treats a log that holds one partition (a subset of the customers,
/// with all their events) of a larger dataset.
struct PartitionInputs {
  /// The dataset's population (the merge of every partition's count_population()): levels,
  /// tier ranks and optional columns are chosen from it, so every partition gets the same
  /// columns with the same meaning. Null: from the log itself.
  const Population* population = nullptr;
  /// When set, the columns relative to the population's median spend stay NaN and their
  /// inputs go here (one entry per row); fill_relative() fills them on the whole table.
  RelativeInputs* relative = nullptr;
};

/// compute_features() for one partition. With a population from every partition, the rows of
/// the partition tables put together (in the canonical customer order), followed by
/// fill_relative() on the merged RelativeInputs, equal compute_features() on the whole log
/// bit for bit.
[[nodiscard]] Result<FeatureTable> compute_features(const Context& ctx, const events::EventLog& log,
                                                    const FeatureSpec& spec,
                                                    const PartitionInputs& partition);

/// The population-level inputs this log holds (what compute_features() would choose from),
/// without computing any feature. Cost: O(events).
[[nodiscard]] Result<Population> count_population(const Context& ctx, const events::EventLog& log,
                                                  const FeatureSpec& spec);

/// Appends the referral columns (as compute_features() would add them last) to `table`, from a
/// log holding the referral stream; row_of maps that log's dense customer ids to the table's
/// rows (-1: not a row). Does nothing when the log has no referrals or the spec does not want
/// them.
[[nodiscard]] Status append_referral_features(const Context& ctx, const events::EventLog& referrals,
                                              const FeatureSpec& spec,
                                              std::span<const index_t> row_of, FeatureTable& table);

/// Fills the relative-to-population columns (spend_vs_population_median,
/// spend_vs_category_median) of `table` from `inputs` (one entry per row of `table`); does
/// nothing when the table has neither. Fails with invalid_argument when the row counts differ.
[[nodiscard]] Status fill_relative(const Context& ctx, const RelativeInputs& inputs,
                                   FeatureTable& table);

}  // namespace kohort::features
