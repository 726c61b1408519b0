#include "kohort/assign/amounts.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kohort::assign {

namespace {

constexpr double kLowest = -4.0;  // log10 of the first bucket's lower edge
constexpr double kStep = 0.01;

int bucket(double amount) {
  const double b = std::floor((std::log10(amount) - kLowest) / kStep);
  return static_cast<int>(std::clamp(b, 0.0, static_cast<double>(AmountScale::kBuckets - 1)));
}

}  // namespace

void AmountScale::add(const events::EventLog& log) {
  const auto& t = log.transactions;
  const Seconds from = base_ - static_cast<Seconds>(kLookbackDays) * kSecondsPerDay;
  for (std::size_t i = 0; i < t.time.size(); ++i) {
    const Seconds when = t.time[i];
    const double a = t.amount[i];
    if (!(a > 0) || !std::isfinite(a) || when < from || when >= as_of_) continue;
    ++(when >= base_ ? since_ : before_)[static_cast<std::size_t>(bucket(a))];
  }
}

void AmountScale::merge(const AmountScale& other) {
  for (int b = 0; b < kBuckets; ++b) {
    since_[static_cast<std::size_t>(b)] += other.since_[static_cast<std::size_t>(b)];
    before_[static_cast<std::size_t>(b)] += other.before_[static_cast<std::size_t>(b)];
  }
}

std::int64_t AmountScale::total(const Histogram& h) { return std::accumulate(h.begin(), h.end(), std::int64_t{0}); }

// The bucket centre holding the middle line.
double AmountScale::median(const Histogram& h) {
  const std::int64_t half = (total(h) + 1) / 2;
  std::int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += h[static_cast<std::size_t>(b)];
    if (seen >= half) return std::pow(10.0, kLowest + (b + 0.5) * kStep);
  }
  return std::pow(10.0, kLowest + (kBuckets - 0.5) * kStep);
}

std::optional<double> AmountScale::median_ratio() const {
  if (lines_since() < kMinLines || lines_before() < kMinLines) return std::nullopt;
  return median(since_) / median(before_);
}

}  // namespace kohort::assign
