#include "kohort/clv/summary.h"

#include <fmt/format.h>

namespace kohort::clv {

Result<TimeUnit> parse_time_unit(std::string_view text) {
  if (text == "day") return TimeUnit::day;
  if (text == "week") return TimeUnit::week;
  if (text == "month") return TimeUnit::month;
  return Status::invalid_argument("--time-unit", fmt::format("unknown time unit '{}'", text),
                                  "use day, week or month");
}

double unit_days(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::day: return 1.0;
    case TimeUnit::week: return 7.0;
    case TimeUnit::month: return 365.25 / 12.0;
  }
  return 1.0;
}

PurchaseSummary summarize_purchases(const events::EventLog& log, Seconds calibration_end,
                                    TimeUnit unit) {
  const auto& tx = log.transactions;
  const std::int64_t end_day = day_of(calibration_end);
  const double per = unit_days(unit);
  PurchaseSummary s;
  for (index_t c = 0; c < log.customers(); ++c) {
    const index_t b = tx.offsets[static_cast<std::size_t>(c)], e = tx.offsets[static_cast<std::size_t>(c) + 1];
    std::int64_t first = 0, last = 0, day = 0;
    double day_value = 0, first_value = 0, repeat_sum = 0;
    index_t days = 0;
    bool open = false, purchase = false;
    auto close_day = [&] {
      if (!open || !purchase) return;
      if (days == 0) {
        first = day;
        first_value = day_value;
      } else {
        repeat_sum += day_value;
      }
      last = day;
      ++days;
    };
    for (index_t i = b; i < e; ++i) {
      const std::int64_t d = day_of(tx.time[static_cast<std::size_t>(i)]);
      if (d > end_day) break;
      if (!open || d != day) {
        close_day();
        day = d;
        day_value = 0;
        purchase = false;
        open = true;
      }
      const double amount = tx.amount[static_cast<std::size_t>(i)];
      day_value += amount;
      purchase = purchase || amount >= 0;
    }
    close_day();
    if (days == 0) continue;
    s.customers.push_back(static_cast<events::customer_t>(c));
    const double x = static_cast<double>(days - 1);
    s.x.push_back(x);
    s.t_x.push_back(static_cast<double>(last - first) / per);
    s.T.push_back(static_cast<double>(end_day - first) / per);
    s.monetary.push_back(x > 0 ? repeat_sum / x : 0.0);
    s.first_value.push_back(first_value);
  }
  return s;
}

}  // namespace kohort::clv
