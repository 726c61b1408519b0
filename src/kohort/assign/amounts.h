// kohort/assign/amounts.h — are the amounts that arrived since the previous assignment day on
// the scale of those before it? A feed that switches to cents (or to thousands) multiplies every
// new amount by the same factor from one day on: the median line amount since the base day jumps
// against the median of the weeks before, long before the customers' lifetime features move.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "kohort/core/time.h"
#include "kohort/events/event_log.h"

namespace kohort::assign {

/// Positive transaction line amounts in two windows, as log10 histograms (buckets of 0.01
/// from 10⁻⁴ to 10⁸, the ends open): `since` [base, as_of) and `before` [base − lookback, base).
/// Mergeable, so partitions of a dataset are counted one at a time.
class AmountScale {
 public:
  static constexpr int kBuckets = 1200;
  static constexpr int kLookbackDays = 90;
  /// Fewest lines in each window for a ratio.
  static constexpr std::int64_t kMinLines = 20;

  AmountScale(Seconds base, Seconds as_of) : base_(base), as_of_(as_of) {}
  /// Counts the transaction lines of `log` that fall in either window.
  void add(const events::EventLog& log);
  void merge(const AmountScale& other);
  [[nodiscard]] std::int64_t lines_since() const { return total(since_); }
  [[nodiscard]] std::int64_t lines_before() const { return total(before_); }
  /// median(since) / median(before), each within a factor 10^0.005 (1.2%); nullopt when a
  /// window has fewer than kMinLines lines.
  [[nodiscard]] std::optional<double> median_ratio() const;

 private:
  using Histogram = std::array<std::int64_t, kBuckets>;
  static std::int64_t total(const Histogram& h);
  static double median(const Histogram& h);
  Seconds base_, as_of_;
  Histogram since_{}, before_{};
};

}  // namespace kohort::assign
