// kohort/assign/run.h — an assignment day against a store: which model, where customers stood
// before, the day itself (assign/day.h), and recording it — published, or held by the alarm.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/assign/day.h"
#include "kohort/features/feature_table.h"
#include "kohort/store/store.h"

namespace kohort::assign {

struct RunOptions {
  std::optional<std::int64_t> version;  ///< the model version; default the pinned one, else the latest
  Seconds as_of = 0;                    ///< the day's cut: features see events before it
  Controls controls;
  bool accept_alarm = false;            ///< publish a day the alarm would hold back
  /// The data's median line amount since the base day over that of the 90 days before
  /// (AmountScale::median_ratio()); nullopt when too few lines were seen to tell.
  std::optional<double> amount_ratio;
  std::string command, started_at;      ///< for the run record
  nlohmann::json options = nlohmann::json::object();
};

/// The rows a day assigns: every customer's features as of the day, who they are, and what
/// they are worth.
struct DayRows {
  features::FeatureTable table;
  std::vector<std::string> ids;              ///< row → external customer id
  index_t prospects = 0;                     ///< customers with events but no purchase before the cut
  std::vector<store::CustomerValue> values;  ///< per row, when asked for (value_with)
};

/// DayRows of an event log: features through `spec`, prospects counted, and with `value_with`
/// each row's value under that model's CLV parameters (model::value_rows). `kohort assign` reads
/// large data in partitions to the same rows.
[[nodiscard]] Result<DayRows> day_rows(const Context& ctx, const events::EventLog& log, const features::FeatureSpec& spec,
                                       const model::SegmentModel* value_with);

/// What a day starts from.
struct DayPlan {
  std::int64_t version = 0;
  model::SegmentModel model;
  Standing before;
  std::string base;  ///< "fit" or the base day's as_of
};

/// Reads the model (options.version, else the pinned version, else the latest; with the names
/// people gave its segments) and where its customers stood before
/// options.as_of: the standing of the latest current day of that version before the date (the
/// one before it when re-running the latest), else the version's own assignments as of its
/// cut. Fails with not_found when nothing is published or the version does not exist, and with
/// invalid_input when the date is before the current assignment day or before the version's
/// cut (a fit's assignment is current as of its own date).
[[nodiscard]] Result<DayPlan> plan_day(store::Store& store, const RunOptions& options);

/// The day's outcome: the figures `kohort assign --json` prints and the store keeps.
struct Outcome {
  nlohmann::json figures;
  DayResult day;
  bool published = false;  ///< false: the alarm held it back (then exit 3)
};

/// Assigns `raw` (feature rows as of options.as_of through the model's feature spec; ids[i]
/// is row i's customer) with the plan, and records the day: current, or held when the alarm
/// goes off and options.accept_alarm is false. `prospects` (customers with events but no
/// purchase before the date, who have no features to segment on) are counted, not assigned.
/// `values[i]`, when given (one per row), is kept as row i's customer's value of the day.
[[nodiscard]] Result<Outcome> run_day(const Context& ctx, store::Store& store, const DayPlan& plan,
                                      const features::FeatureTable& raw, const std::vector<std::string>& ids,
                                      std::int64_t prospects, const RunOptions& options,
                                      const std::vector<store::CustomerValue>& values = {});

}  // namespace kohort::assign
