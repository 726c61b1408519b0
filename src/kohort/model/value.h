// kohort/model/value.h — each customer's value (CLV, P(alive), churn risk) as of any day, under
// the CLV models a fit stored in its model document: what kohort assign keeps with each day.
#pragma once

#include <vector>

#include "kohort/clv/summary.h"
#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/events/event_log.h"
#include "kohort/features/feature_table.h"
#include "kohort/model/model.h"
#include "kohort/store/store.h"

namespace kohort::model {

/// The purchase summary (weeks) of `t`'s customers in `log`, transactions before t.as_of, in
/// table-row order with customers[i] the table row. A customer whose only purchases are on the
/// as-of date's calendar day before the cut is in the table; one with only refunds is not in
/// the summary. O(rows of the log).
[[nodiscard]] clv::PurchaseSummary purchases_by_row(const events::EventLog& log, const features::FeatureTable& t);

/// Each row of `t`'s value as of t.as_of under the model's stored CLV parameters (m.clv: the
/// MBG/NBD or BG/NBD and Gamma-Gamma parameters, horizon, discount and churn horizon), exactly as
/// the fit valued its own customers. Unknown (NaN) for a row without a purchase, and for every
/// row when the model holds no parameters (the fit could not fit them). Fails with corruption
/// when m.clv names parameters of the wrong shape. Parallel over customers; deterministic.
[[nodiscard]] Result<std::vector<store::CustomerValue>> value_rows(const Context& ctx, const SegmentModel& m,
                                                                   const events::EventLog& log,
                                                                   const features::FeatureTable& t);

}  // namespace kohort::model
