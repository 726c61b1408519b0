#include "kohort/features/families/sessions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace kohort::features::internal {

namespace {
constexpr double kNaNd = std::numeric_limits<double>::quiet_NaN();
constexpr Seconds kBrowseHorizon = 7 * kSecondsPerDay;
}  // namespace

void SessionFamily::plan(const Context& ctx, const events::EventLog& log, const FeatureSpec& spec,
                         std::span<const events::customer_t> rows, PopulationInputs& pop, Columns& cols) {
  if (!log.has(events::Stream::sessions) || !spec.wants("browsing")) return;
  log_ = &log;
  as_of_ = spec.as_of;
  windows_ = spec.windows_days;
  std::sort(windows_.begin(), windows_.end());
  const auto& ss = log.sessions;
  const auto n = static_cast<std::size_t>(ss.size());
  const auto filled = [n](std::size_t size) { return n > 0 && size == n; };
  has_pages_ = pop.filled("sessions.pages", filled(ss.pages.size()));
  has_duration_ = pop.filled("sessions.duration", filled(ss.duration_s.size()));
  has_search_ = pop.filled("sessions.search", filled(ss.search.size()));
  has_device_ = pop.filled("sessions.device", filled(ss.device.size()));
  const std::string g = "browsing";
  total_ = cols.add("sessions_total", g, "count", "Number of sessions before the as-of instant.",
                    "sessions in total");
  for (int w : windows_) {
    const std::string ws = std::to_string(w);
    window_cols_.push_back(
        cols.add("sessions_" + ws + "d", g, "count",
                 "Number of sessions in the " + ws + " days before the as-of instant.",
                 "sessions in the last " + ws + " days"));
  }
  days_ = cols.add("session_days_total", g, "count",
                   "Number of distinct calendar days (UTC) with a session.", "days with a visit");
  if (has_pages_)
    pages_ =
        cols.add("pages_per_session", g, "count",
                 "Mean pages viewed per session (sessions with a page count).", "pages per visit");
  if (has_duration_)
    minutes_ = cols.add("session_minutes_mean", g, "minutes",
                        "Mean session duration in minutes (sessions with a duration).",
                        "minutes per visit");
  if (has_search_)
    search_ = cols.add("search_share", g, "share", "Share of sessions that used search.",
                       "share of visits with a search");
  if (has_device_) {
    const auto counts =
        count_codes(ctx, rows, ss.offsets, ss.time, ss.device, ss.devices.size(), as_of_);
    device_levels_ = pop.levels("sessions.device", counts, ss.devices, spec.max_levels);
    device_first_ = add_level_columns(cols, device_levels_, "device_share", g, "share",
                                      "Share of sessions whose device is", "share of visits on");
  }
  conversion_ = cols.add("browse_to_buy_conversion", g, "ratio",
                         "Distinct purchase days divided by distinct session days; missing "
                         "without sessions.",
                         "purchase days per visit day");
  before_first_ = cols.add("sessions_before_first_purchase", g, "count",
                           "Number of sessions strictly before the first purchase.",
                           "visits before the first purchase");
  hours_to_buy_ = cols.add("browse_to_buy_hours_median", g, "hours",
                           "Median hours from a session to the next order at or after it, over "
                           "sessions followed by an order within 7 days; missing when none is.",
                           "hours from visit to purchase");
  since_last_ = cols.add("days_since_last_session", g, "days",
                         "Days from the last session to the as-of instant; missing without "
                         "sessions.",
                         "days since the last visit");
}

void SessionFamily::compute(events::customer_t c, Scratch& s, const CustomerState& st,
                            float* row) const {
  const auto& ss = log_->sessions;
  const auto range = events::rows_before(ss.offsets, ss.time, c, as_of_);
  const double n = static_cast<double>(range.size());
  put(row, total_, n);
  for (std::size_t k = 0; k < windows_.size(); ++k) {
    const Seconds cut = as_of_ - static_cast<Seconds>(windows_[k]) * kSecondsPerDay;
    const auto first = ss.time.begin() + range.begin;
    const auto last = ss.time.begin() + range.end;
    put(row, window_cols_[k], static_cast<double>(last - std::lower_bound(first, last, cut)));
  }
  double session_days = 0, pages = 0, pages_n = 0, secs = 0, secs_n = 0, search = 0;
  double before_first = 0;
  std::int64_t last_day = std::numeric_limits<std::int64_t>::min();
  std::array<double, 65> acc{};
  double device_known = 0;
  const int slots = device_first_ >= 0 ? device_levels_.slots() : 0;
  s.values.clear();
  std::size_t next_order = 0;
  for (index_t i = range.begin; i < range.end; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const Seconds t = ss.time[u];
    const std::int64_t d = day_of(t);
    if (d != last_day) {
      session_days += 1;
      last_day = d;
    }
    if (has_pages_ && !std::isnan(ss.pages[u])) {
      pages += ss.pages[u];
      pages_n += 1;
    }
    if (has_duration_ && !std::isnan(ss.duration_s[u])) {
      secs += ss.duration_s[u];
      secs_n += 1;
    }
    if (has_search_ && ss.search[u] != 0) search += 1;
    if (slots > 0 && ss.device[u] >= 0) {
      const int slot = device_levels_.slot[static_cast<std::size_t>(ss.device[u])];
      if (slot >= 0) {
        acc[static_cast<std::size_t>(slot)] += 1;
        device_known += 1;
      }
    }
    if (st.orders.empty() || t < st.first_purchase) before_first += 1;
    // Sessions are in time order, so the next order is found with a forward-only cursor.
    while (next_order < st.orders.size() && st.orders[next_order].time < t) ++next_order;
    if (next_order < st.orders.size() && st.orders[next_order].time - t <= kBrowseHorizon)
      s.values.push_back(static_cast<double>(st.orders[next_order].time - t) / 3600.0);
  }
  put(row, days_, session_days);
  put(row, pages_, ratio(pages, pages_n));
  put(row, minutes_, ratio(secs / 60.0, secs_n));
  put(row, search_, ratio(search, n));
  for (int k = 0; k < slots; ++k)
    put(row, device_first_ + k, ratio(acc[static_cast<std::size_t>(k)], device_known));
  put(row, conversion_, ratio(static_cast<double>(st.purchase_days.size()), session_days));
  put(row, before_first_, before_first);
  double med = kNaNd;
  if (!s.values.empty()) {
    std::sort(s.values.begin(), s.values.end());
    const std::size_t m = s.values.size() / 2;
    med = s.values.size() % 2 == 1 ? s.values[m] : 0.5 * (s.values[m - 1] + s.values[m]);
  }
  put(row, hours_to_buy_, med);
  put(row, since_last_,
      range.size() > 0 ? days_between(ss.time[static_cast<std::size_t>(range.end - 1)], as_of_)
                       : kNaNd);
}

}  // namespace kohort::features::internal
