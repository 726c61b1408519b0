// kohort/clv/summary.h — the per-customer purchase summary the CLV models are fitted on.
#pragma once

#include <vector>

#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/events/event_log.h"

namespace kohort::clv {

/// The time unit of x, t_x and T.
enum class TimeUnit { day, week, month };
[[nodiscard]] Result<TimeUnit> parse_time_unit(std::string_view text);
[[nodiscard]] double unit_days(TimeUnit unit);

/// Frequency / recency / age / value per customer (Fader, Hardie & Lee 2005 notation), over
/// the calibration period. Only customers with a purchase on or before the calibration end
/// appear; `customers` maps each entry back to its dense id.
struct PurchaseSummary {
  std::vector<events::customer_t> customers;
  std::vector<double> x;         ///< repeat transactions (purchase days after the first)
  std::vector<double> t_x;       ///< time of the last purchase, from the first
  std::vector<double> T;         ///< time from the first purchase to the calibration end
  std::vector<double> monetary;  ///< mean value of the repeat transactions (0 when x = 0)
  std::vector<double> first_value;  ///< value of the first transaction
};

/// Summarises the transactions of `log` up to and including the calendar day of
/// `calibration_end` (UTC): several purchases on one day count as one transaction whose value
/// is their sum; T runs from the first purchase day to the calibration-end day. A day counts
/// as a transaction when it has a line of amount ≥ 0 (zero-value purchases count, as in the
/// literature's CDNOW data); days of refunds only do not. O(rows).
[[nodiscard]] PurchaseSummary summarize_purchases(const events::EventLog& log,
                                                  Seconds calibration_end, TimeUnit unit);

}  // namespace kohort::clv
