#include "kohort/assign/run.h"

#include <algorithm>

#include <chrono>

#include <fmt/format.h>

#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/features/compute.h"
#include "kohort/model/fit.h"
#include "kohort/model/publish.h"
#include "kohort/model/value.h"

namespace kohort::assign {

namespace {

using nlohmann::json;

// The version's own assignments as the standing at its cut.
Result<Standing> fit_standing(store::Store& store, std::int64_t version, const model::SegmentModel& model) {
  KOHORT_ASSIGN_OR_RETURN(const auto rows, store.assignments(version));
  Standing s;
  s.as_of = model.as_of;
  s.feature_means = model.reference.mean;
  s.customers.reserve(rows.size());
  for (const auto& a : rows) {
    const auto since = parse_iso8601(a.since);
    s.customers.push_back({a.customer_id, a.segment, a.segment, a.confidence, since ? *since : model.as_of, {}});
  }
  return s;
}

Result<Standing> day_standing(store::Store& store, const store::AssignDayInfo& day) {
  Standing s;
  KOHORT_ASSIGN_OR_RETURN(s.customers, store.day_standing(day.as_of));
  s.as_of = *parse_iso8601(day.as_of);
  const json figures = json::parse(day.figures_json, nullptr, false);
  if (figures.is_object() && figures.contains("feature_means") && figures["feature_means"].is_array())
    for (const auto& v : figures["feature_means"]) s.feature_means.push_back(v.is_number() ? v.get<double>() : 0.0);
  return s;
}

json segments_json(const model::SegmentModel& model, const DayResult& day) {
  json out = json::array();
  for (const auto& s : day.segments)
    out.push_back({{"id", s.segment},
                   {"name", model.segment_names[static_cast<std::size_t>(model.position_of(s.segment))]},
                   {"size", s.size},
                   {"entered", s.entered},
                   {"exited", s.exited},
                   {"mean_confidence", s.mean_confidence}});
  return out;
}

json figures_json(const DayPlan& plan, const DayResult& day, std::int64_t prospects, const RunOptions& o, bool alarm) {
  json moves = json::array();
  for (const auto& m : day.top_moves) moves.push_back({{"feature", m.feature}, {"from", m.from}, {"to", m.to}, {"shift_sd", m.shift_sd}});
  json means = json::array();
  for (double v : day.feature_means) means.push_back(std::isfinite(v) ? json(v) : json(nullptr));
  const auto& c = o.controls;
  return {{"as_of", format_datetime(o.as_of)},
          {"model_version", plan.version},
          {"base", plan.base},
          {"customers", day.assigned + prospects},
          {"assigned", day.assigned},
          {"prospects", prospects},
          {"new", day.new_customers},
          {"moved", day.moved},
          {"moved_share", day.moved_share},
          {"raw_moved_share", day.raw_moved_share},
          {"held", day.held},
          {"left", day.left},
          {"alarm", alarm},
          {"alarm_reasons", day.alarm_reasons},
          {"amount_ratio", o.amount_ratio ? json(*o.amount_ratio) : json(nullptr)},
          {"max_moved", c.max_moved},
          {"max_feature_shift", c.max_feature_shift},
          {"published", !alarm || o.accept_alarm},
          {"controls", {{"min_residency_days", c.min_residency_days},
                        {"smoothing_halflife_days", c.smoothing_halflife_days},
                        {"switch_margin", c.switch_margin}}},
          {"moved_features", moves},
          {"segments", segments_json(plan.model, day)},
          {"feature_means", means}};
}

}  // namespace

Result<DayPlan> plan_day(store::Store& store, const RunOptions& o) {
  DayPlan plan;
  KOHORT_ASSIGN_OR_RETURN(auto read, model::read_model(store, o.version));
  plan.version = read.first;
  plan.model = std::move(read.second);
  if (o.as_of < plan.model.as_of)
    return Status::invalid_input("--as-of", fmt::format("{} is before the cut of model version {} ({}), whose assignment is current from then on",
                                                        format_date(o.as_of), plan.version, format_date(plan.model.as_of)),
                                 fmt::format("assign a day on or after {}", format_date(plan.model.as_of)));
  KOHORT_ASSIGN_OR_RETURN(const auto days, store.assign_days());
  const store::AssignDayInfo* latest = nullptr;   // the latest current day
  const store::AssignDayInfo* base = nullptr;     // the latest current day before the date
  for (const auto& d : days) {
    if (d.status != "current") continue;
    latest = &d;
    if (*parse_iso8601(d.as_of) < o.as_of) base = &d;
  }
  if (latest != nullptr && o.as_of < *parse_iso8601(latest->as_of))
    return Status::invalid_input("--as-of", fmt::format("{} is before the current assignment day {}", format_date(o.as_of),
                                                        format_date(*parse_iso8601(latest->as_of))),
                                 "assign the current day again or a later one; past days are kept as they were published");
  const bool from_day = base != nullptr && base->version == plan.version && *parse_iso8601(base->as_of) >= plan.model.as_of;
  if (from_day) {
    KOHORT_ASSIGN_OR_RETURN(plan.before, day_standing(store, *base));
    plan.base = base->as_of;
  } else {
    KOHORT_ASSIGN_OR_RETURN(plan.before, fit_standing(store, plan.version, plan.model));
    plan.base = "fit";
  }
  return plan;
}

namespace {

// Gives each customer of the day (ordered by id) the value of their row (ids[r] ↔ values[r]).
void attach_values(std::vector<store::CustomerDay>& customers, const std::vector<std::string>& ids,
                   const std::vector<store::CustomerValue>& values) {
  if (values.size() != ids.size()) return;
  std::vector<std::size_t> order(ids.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
  std::size_t j = 0;
  for (auto& c : customers) {
    while (j < order.size() && ids[order[j]] < c.customer_id) ++j;
    if (j < order.size() && ids[order[j]] == c.customer_id) c.value = values[order[j]];
  }
}

}  // namespace

Result<Outcome> run_day(const Context& ctx, store::Store& store, const DayPlan& plan, const features::FeatureTable& raw,
                        const std::vector<std::string>& ids, std::int64_t prospects, const RunOptions& o,
                        const std::vector<store::CustomerValue>& values) {
  auto clock = std::chrono::steady_clock::now();
  const auto lap = [&](std::string_view stage, std::int64_t rows) {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - clock).count();
    ctx.log().debug("{}: {:.3f} s ({:.2f}M rows/s)", stage, s, s > 0 ? static_cast<double>(rows) / s / 1e6 : 0.0);
    clock = now;
  };
  KOHORT_ASSIGN_OR_RETURN(const auto embedded, model::embed_features(ctx, plan.model, raw));
  lap("transform and embed", raw.rows());
  if (!embedded.missing_features.empty())
    ctx.log().warn("{} of the model's features are absent from the data and count as missing: {}",
                   embedded.missing_features.size(), embedded.missing_features.front());
  Outcome out;
  KOHORT_ASSIGN_OR_RETURN(out.day, assign_day(ctx, plan.model, plan.before, ids, embedded, o.as_of, o.controls));
  attach_values(out.day.customers, ids, values);
  lap("assign (controls, transitions, counts)", raw.rows());
  if (const double r = o.controls.max_amount_ratio; r > 0 && o.amount_ratio && (*o.amount_ratio > r || *o.amount_ratio < 1 / r)) {
    out.day.alarm_reasons.emplace_back("amount_scale");
    out.day.alarm = true;
  }
  out.published = !out.day.alarm || o.accept_alarm;
  out.figures = figures_json(plan, out.day, prospects, o, out.day.alarm);
  store::AssignDayRequest request;
  request.version = plan.version;
  request.as_of = format_datetime(o.as_of);
  request.current = out.published;
  request.figures_json = json_text(out.figures);
  request.segments = out.day.segments;
  if (out.published) {
    request.transitions = out.day.transitions;
    request.customers = std::move(out.day.customers);  // the largest part: not copied
  }
  request.command = o.command;
  request.options_json = json_text(o.options);
  request.started_at = o.started_at;
  const auto rows = static_cast<std::int64_t>(request.customers.size());
  KOHORT_RETURN_IF_ERROR(store.publish_day(request));
  lap("record the day", rows);
  return out;
}

Result<DayRows> day_rows(const Context& ctx, const events::EventLog& log, const features::FeatureSpec& spec,
                         const model::SegmentModel* value_with) {
  DayRows rows;
  KOHORT_ASSIGN_OR_RETURN(rows.table, features::compute_features(ctx, log, spec));
  rows.prospects = model::count_prospects(log, rows.table);
  if (value_with) {
    KOHORT_ASSIGN_OR_RETURN(rows.values, model::value_rows(ctx, *value_with, log, rows.table));
  }
  rows.ids.reserve(static_cast<std::size_t>(rows.table.rows()));
  for (auto c : rows.table.customers) rows.ids.push_back(log.external_id(c));
  return rows;
}

}  // namespace kohort::assign
