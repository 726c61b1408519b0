// kohort/assign/life.h — a segmentation's life as the store records it, for the report: segment
// sizes over fits and assignment days, the monitor's verdicts with their reasons, each
// segment's KPIs over the monitor runs, and where customers went between two days.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "kohort/core/time.h"

#include "kohort/core/result.h"
#include "kohort/store/store.h"

namespace kohort::assign {

/// The report data's `life` (web/src/types.ts, Life), or null when the store holds no
/// assignment day and no monitor run:
///   segments   [{id, name}]: every segment id of the days below, by id (the latest name known);
///   days       [{as_of (YYYY-MM-DD), source ("fit" or "assign"), version, status ("current" or
///              "held"), customers, moved_share, raw_moved_share (null for a fit), alarm,
///              sizes: one per segments entry, null where the segment had no size that day}],
///              by date (a fit before an assignment day of its date);
///   monitor    [{as_of, version, verdict, reasons: [{level, kind, text}]}] in run order, a
///              retrain reason before a watch;
///   kpis       {kpi, window_days, dates, values: one row per monitor run, one value (or null)
///              per segments entry} — revenue per customer over the shortest window the runs
///              measured — or null without a monitor run;
///   migration  {from, to, ids, counts, arrived, left} — counts[i][j] customers in segment
///              ids[j] on `from` and in ids[i] on `to` (each as snapshot() has them: the day
///              current then), arrived[i] new in ids[i], left[j] gone from ids[j]. By default
///              from the latest fit's date to the latest current day after it, null when none
///              follows it.
/// Fails as the store does, and with not_found (naming the date) when nothing was current on a
/// date of `span`. Cost: the store's days and runs, and two days' rows.
struct MigrationSpan {
  std::optional<Seconds> from, to;  ///< either, or both; the other as by default
};
[[nodiscard]] Result<nlohmann::json> life_data(store::Store& store, const MigrationSpan& span = {});

}  // namespace kohort::assign
