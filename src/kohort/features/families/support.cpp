#include "kohort/features/families/support.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace kohort::features::internal {

namespace {
constexpr double kNaNd = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void SupportFamily::plan(const Context& ctx, const events::EventLog& log, const FeatureSpec& spec,
                         std::span<const events::customer_t> rows, PopulationInputs& pop, Columns& cols) {
  if (!log.has(events::Stream::support) || !spec.wants("support")) return;
  log_ = &log;
  as_of_ = spec.as_of;
  windows_ = spec.windows_days;
  std::sort(windows_.begin(), windows_.end());
  const auto& sp = log.support;
  const auto n = static_cast<std::size_t>(sp.size());
  has_sentiment_ = pop.filled("support.sentiment", n > 0 && sp.sentiment.size() == n);
  const std::string g = "support";
  total_ =
      cols.add("contacts_total", g, "count", "Number of support contacts.", "support contacts");
  for (int w : windows_) {
    const std::string ws = std::to_string(w);
    window_cols_.push_back(
        cols.add("contacts_" + ws + "d", g, "count",
                 "Number of support contacts in the " + ws + " days before the as-of instant.",
                 "support contacts in the last " + ws + " days"));
  }
  rate_ = cols.add("contacts_per_year", g, "ratio",
                   "Support contacts per 365 days of tenure (days since the first purchase, at "
                   "least 30).",
                   "support contacts per year");
  if (pop.filled("support.topic", n > 0 && sp.topic.size() == n)) {
    const auto counts =
        count_codes(ctx, rows, sp.offsets, sp.time, sp.topic, sp.topics.size(), as_of_);
    topic_levels_ = pop.levels("support.topic", counts, sp.topics, spec.max_levels);
    topic_first_ =
        add_level_columns(cols, topic_levels_, "topic_share", g, "share",
                          "Share of support contacts whose topic is", "share of contacts about");
  }
  if (has_sentiment_) {
    sentiment_mean_ = cols.add("sentiment_mean", g, "score",
                               "Mean sentiment of support contacts (−1 negative .. +1 positive).",
                               "average contact sentiment");
    sentiment_min_ =
        cols.add("sentiment_min", g, "score", "Lowest sentiment of any support contact.",
                 "worst contact sentiment");
    negative_share_ = cols.add("negative_contact_share", g, "share",
                               "Share of contacts (with a sentiment) whose sentiment is below 0.",
                               "share of unhappy contacts");
  }
  since_last_ = cols.add("days_since_last_contact", g, "days",
                         "Days from the last support contact to the as-of instant; missing "
                         "without one.",
                         "days since the last support contact");
}

void SupportFamily::compute(events::customer_t c, const CustomerState& st, float* row) const {
  const auto& sp = log_->support;
  const auto range = events::rows_before(sp.offsets, sp.time, c, as_of_);
  const double n = static_cast<double>(range.size());
  put(row, total_, n);
  for (std::size_t k = 0; k < windows_.size(); ++k) {
    const Seconds cut = as_of_ - static_cast<Seconds>(windows_[k]) * kSecondsPerDay;
    const auto first = sp.time.begin() + range.begin;
    const auto last = sp.time.begin() + range.end;
    put(row, window_cols_[k], static_cast<double>(last - std::lower_bound(first, last, cut)));
  }
  put(row, rate_, std::isnan(st.tenure_days) ? kNaNd : n * 365.0 / std::max(st.tenure_days, 30.0));
  if (topic_first_ >= 0) {
    std::array<double, 65> acc{};
    double known = 0;
    for (index_t i = range.begin; i < range.end; ++i) {
      const auto code = sp.topic[static_cast<std::size_t>(i)];
      if (code < 0) continue;
      const int slot = topic_levels_.slot[static_cast<std::size_t>(code)];
      if (slot < 0) continue;
      acc[static_cast<std::size_t>(slot)] += 1;
      known += 1;
    }
    for (int k = 0; k < topic_levels_.slots(); ++k)
      put(row, topic_first_ + k, ratio(acc[static_cast<std::size_t>(k)], known));
  }
  if (has_sentiment_) {
    double sum = 0, cnt = 0, neg = 0, lo = kNaNd;
    for (index_t i = range.begin; i < range.end; ++i) {
      const float v = sp.sentiment[static_cast<std::size_t>(i)];
      if (std::isnan(v)) continue;
      sum += v;
      cnt += 1;
      if (v < 0) neg += 1;
      lo = std::isnan(lo) ? v : std::min<double>(lo, v);
    }
    put(row, sentiment_mean_, ratio(sum, cnt));
    put(row, sentiment_min_, lo);
    put(row, negative_share_, ratio(neg, cnt));
  }
  put(row, since_last_,
      range.size() > 0 ? days_between(sp.time[static_cast<std::size_t>(range.end - 1)], as_of_)
                       : kNaNd);
}

}  // namespace kohort::features::internal
