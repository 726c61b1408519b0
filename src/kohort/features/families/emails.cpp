#include "kohort/features/families/emails.h"

#include <algorithm>
#include <array>
#include <string>

namespace kohort::features::internal {

namespace {
constexpr double kNaNd = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void EmailFamily::plan(const events::EventLog& log, const FeatureSpec& spec, Columns& cols) {
  if (!log.has(events::Stream::emails) || !spec.wants("email")) return;
  log_ = &log;
  as_of_ = spec.as_of;
  windows_ = spec.windows_days;
  std::sort(windows_.begin(), windows_.end());
  const std::string g = "email";
  sent_ = cols.add("emails_sent_total", g, "count", "Number of emails sent to the customer.",
                   "emails received");
  for (int w : windows_) {
    const std::string ws = std::to_string(w);
    sent_w_.push_back(
        cols.add("emails_sent_" + ws + "d", g, "count",
                 "Number of emails sent in the " + ws + " days before the as-of instant.",
                 "emails received in the last " + ws + " days"));
  }
  open_rate_ =
      cols.add("email_open_rate", g, "ratio",
               "Open events per email sent; missing when none was sent.", "email open rate");
  click_rate_ =
      cols.add("email_click_rate", g, "ratio",
               "Click events per email sent; missing when none was sent.", "email click rate");
  click_to_open_ =
      cols.add("email_click_to_open", g, "ratio",
               "Click events per open event; missing without opens.", "clicks per email opened");
  unsub_ = cols.add("email_unsubscribed", g, "flag",
                    "1 when the customer unsubscribed before the as-of instant.", "unsubscribed");
  since_engaged_ = cols.add("days_since_email_engagement", g, "days",
                            "Days from the last email open or click to the as-of instant; "
                            "missing without one.",
                            "days since the last email engagement");
  since_email_ = cols.add("days_since_last_email", g, "days",
                          "Days from the last email sent to the as-of instant; missing without "
                          "one.",
                          "days since the last email");
}

void EmailFamily::compute(events::customer_t c, float* row) const {
  const auto& em = log_->emails;
  const auto range = events::rows_before(em.offsets, em.time, c, as_of_);
  double sent = 0, opens = 0, clicks = 0, unsub = 0;
  Seconds last_engaged = events::kMissingTime, last_sent = events::kMissingTime;
  std::array<double, kMaxWindows> sent_w{};
  for (index_t i = range.begin; i < range.end; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const Seconds t = em.time[u];
    switch (em.event[u]) {
      case events::EmailEvent::sent:
        sent += 1;
        last_sent = t;
        for (std::size_t k = 0; k < windows_.size(); ++k)
          if (t >= as_of_ - static_cast<Seconds>(windows_[k]) * kSecondsPerDay) sent_w[k] += 1;
        break;
      case events::EmailEvent::open:
        opens += 1;
        last_engaged = t;
        break;
      case events::EmailEvent::click:
        clicks += 1;
        last_engaged = t;
        break;
      case events::EmailEvent::unsubscribe: unsub = 1; break;
    }
  }
  put(row, sent_, sent);
  for (std::size_t k = 0; k < windows_.size(); ++k) put(row, sent_w_[k], sent_w[k]);
  put(row, open_rate_, ratio(opens, sent));
  put(row, click_rate_, ratio(clicks, sent));
  put(row, click_to_open_, ratio(clicks, opens));
  put(row, unsub_, unsub);
  put(row, since_engaged_,
      last_engaged == events::kMissingTime ? kNaNd : days_between(last_engaged, as_of_));
  put(row, since_email_,
      last_sent == events::kMissingTime ? kNaNd : days_between(last_sent, as_of_));
}

}  // namespace kohort::features::internal
