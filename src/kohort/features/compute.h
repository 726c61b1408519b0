// kohort/features/compute.h — the customer feature matrix from an event log, as of an instant.
#pragma once

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/events/event_log.h"
#include "kohort/features/feature_spec.h"
#include "kohort/features/feature_table.h"

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

}  // namespace kohort::features
