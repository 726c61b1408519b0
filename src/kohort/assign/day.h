// kohort/assign/day.h — one assignment day: today's customers through the published model,
// with the stability controls that keep segments from flickering, the transitions they make,
// and the alarm that holds back a day whose answers moved too much.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/model/model.h"
#include "kohort/store/store.h"

namespace kohort::assign {

/// The stability controls and the alarm threshold. Each control at 0 is off.
struct Controls {
  double min_residency_days = 7;       ///< a customer leaves a segment only after this long in it
  double smoothing_halflife_days = 7;  ///< exponentially weighted clustering-space vector over days
  /// A move needs the new segment to beat the current one by this margin: a centre model needs
  /// d²(current) ≥ (1 + margin)·d²(new); a mixture needs posterior(new) ≥ posterior(current) + margin.
  double switch_margin = 0.1;
  double max_moved = 0.15;  ///< alarm when more raw answers than this share changed since the base
  /// Alarm too when the mean of a selected column moved by more than this many of the fit's
  /// standard deviations since the base (a feed switched to cents moves the money columns by
  /// several; an ordinary day by hundredths). 0 = off.
  double max_feature_shift = 1.0;
  /// Alarm too when the median amount of the transaction lines since the base day is more than
  /// this many times, or less than 1/this of, the median of the 90 days before (assign/amounts.h):
  /// a feed that switched units on one day. 0 = off.
  double max_amount_ratio = 5.0;
};

/// Where customers stood before the day: the previous current day's standing, or the fit's
/// own assignments (then raw_segment = segment and no smoothed vectors).
struct Standing {
  Seconds as_of = 0;                          ///< the day (or the fit's cut) it describes
  std::vector<store::CustomerDay> customers;  ///< ordered by customer_id as bytes
  std::vector<double> feature_means;          ///< of the selected columns that day (the fit's reference)
};

/// A selected column whose mean moved, in units of the fit's standard deviation.
struct FeatureMove {
  std::string feature;
  double from = 0, to = 0, shift_sd = 0;
};

struct DayResult {
  std::vector<store::CustomerDay> customers;         ///< today's standing, ordered by customer_id
  std::vector<store::TransitionRecord> transitions;  ///< ordered by customer_id (as_of left empty)
  std::vector<store::SegmentDayRecord> segments;     ///< one per segment id of the model
  std::int64_t assigned = 0, new_customers = 0, moved = 0, held = 0, left = 0, raw_moved = 0;
  double moved_share = 0, raw_moved_share = 0;
  bool alarm = false;                 ///< one of alarm_reasons holds
  std::vector<std::string> alarm_reasons;  ///< "raw_moved_share", "feature_shift", "amount_scale"
  std::vector<double> feature_means;  ///< today's, of the selected columns
  std::vector<FeatureMove> top_moves; ///< the three columns that moved most since the base
};

/// Assigns today's rows (`ids[i]` is row i of `today`) at `as_of` against `before`:
/// 1. the raw answer of each customer is the model's label of today's vector;
/// 2. the smoothed vector is w·today + (1 − w)·yesterday's smoothed vector, w = 1 − 2^(−Δt/halflife),
///    Δt the days since the base (a customer without one starts from today's vector);
/// 3. the candidate is the model's label of the smoothed vector; a customer moves to it from
///    their current segment only when it beats the current one by the switch margin (else
///    `held`) and they have been in the current one for the minimum residency (else `held`);
/// 4. customers of `before` absent today have `left`; those absent from `before` are `new`.
/// raw_moved_share counts customers whose raw answer differs from their base raw answer (the
/// fit's label on the first day), over all assigned; the alarm goes off when it exceeds
/// controls.max_moved or a column's mean moved more than controls.max_feature_shift since the
/// base (`before.feature_means`). With every control off and the fit's own
/// data at the fit's date, the published segments are the fit's labels.
/// Fails with invalid_input when `ids` and `today` differ in length or an id repeats.
/// Deterministic at any ctx.threads(); O(n·k·m) plus sorting the ids.
[[nodiscard]] Result<DayResult> assign_day(const Context& ctx, const model::SegmentModel& model, const Standing& before,
                                           const std::vector<std::string>& ids, const model::Embedded& today,
                                           Seconds as_of, const Controls& controls);

}  // namespace kohort::assign
