// The demo's month after the fit: daily assignment and a weekly monitor run over the simulated
// data already in memory, by the library calls `kohort assign` and `kohort monitor` make.
#pragma once

#include <nlohmann/json.hpp>

#include "kohort/core/context.h"
#include "kohort/core/result.h"
#include "kohort/core/time.h"
#include "kohort/events/event_log.h"
#include "kohort/store/store.h"

namespace kohort::app {

/// Assigns every day from `fit_day` + 1 to `fit_day` + `days` with the default stability
/// controls (a day the alarm holds back stays held, as a cron job would leave it), and monitors
/// every 7th day with the default thresholds; everything is recorded in `store` as the commands
/// record it. Returns {"days", "published", "held", "raw_moved_share": {"median", "max"},
/// "monitor": [{"as_of", "verdict", "reason"}], "first_retrain": date or null}.
[[nodiscard]] Result<nlohmann::json> run_demo_month(const Context& ctx, store::Store& store, const events::EventLog& log,
                                                    Seconds fit_day, int days);

}  // namespace kohort::app
