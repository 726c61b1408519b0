// tests/features/synthetic_log.h — random event logs with every stream, for property tests and
// the benchmark. Amounts are multiples of 0.5 so that sums are exact in any order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kohort/core/rng.h"
#include "kohort/core/time.h"
#include "kohort/events/event_log.h"

namespace kohort::features::testing {

struct SyntheticOptions {
  index_t customers = 1000;
  int tx_per_customer = 10;  ///< mean lines per customer
  int sessions_per_customer = 10;
  int emails_per_customer = 8;
  int support_per_customer = 1;
  std::int64_t first_day = days_from_civil(2022, 1, 1);
  std::int64_t last_day = days_from_civil(2024, 12, 31);  ///< events up to this day (exclusive)
  std::uint64_t seed = 7;
};

/// One event of any stream, kept so that a test can push them in another order.
struct RawEvent {
  events::Stream stream;
  std::string customer;
  Seconds time;
  double amount;
  std::string order, product, category, channel, payment, text;
  float quantity, discount, pages, duration, sentiment;
  std::uint8_t flag;  // returned / search / email event
  std::string other;  // referred customer, region
  float age;
};

inline std::vector<RawEvent> synthetic_events(const SyntheticOptions& o) {
  static const char* kCats[] = {"books",  "toys",  "garden", "kitchen", "sports",
                                "beauty", "music", "games",  "pets",    "tools"};
  static const char* kChannels[] = {"web", "app", "store"};
  static const char* kPayments[] = {"card", "paypal", "invoice"};
  static const char* kDevices[] = {"web", "app"};
  static const char* kTopics[] = {"delivery", "refund", "account", "product", "billing"};
  static const char* kRegions[] = {"north", "south", "east", "west", "centre"};
  static const char* kTiers[] = {"bronze", "silver", "gold"};
  const float kDiscounts[] = {0.0f, 0.0f, 0.0f, 0.1f, 0.25f, 0.5f};
  Rng rng(o.seed, "synthetic");
  const auto span_days = static_cast<std::uint64_t>(o.last_day - o.first_day);
  const auto when = [&]() {
    return (o.first_day + static_cast<std::int64_t>(rng.below(span_days))) * kSecondsPerDay +
           static_cast<Seconds>(rng.below(86400));
  };
  std::vector<RawEvent> ev;
  for (index_t c = 0; c < o.customers; ++c) {
    const std::string id = fmt::format("C{}", c);
    const auto base = [&](events::Stream s) {
      RawEvent e{};
      e.stream = s;
      e.customer = id;
      return e;
    };
    const int n_lines =
        1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * o.tx_per_customer - 1)));
    int k = 0;
    for (int line = 0; line < n_lines; ++k) {
      const Seconds t = when();
      const int lines = 1 + static_cast<int>(rng.below(3));
      for (int q = 0; q < lines && line < n_lines; ++q, ++line) {
        RawEvent e = base(events::Stream::transactions);
        e.time = t;
        e.amount = 0.5 * static_cast<double>(1 + rng.below(400));
        if (rng.below(40) == 0) e.amount = -e.amount;
        e.order = fmt::format("{}-{}", id, k);
        e.product = fmt::format("P{}", rng.below(300));
        e.category = kCats[rng.below(10)];
        e.channel = kChannels[rng.below(3)];
        e.payment = kPayments[rng.below(3)];
        e.quantity = static_cast<float>(1 + rng.below(3));
        e.discount = kDiscounts[rng.below(6)];
        e.flag = rng.below(20) == 0 ? 1 : 0;
        ev.push_back(e);
      }
    }
    const int n_sessions =
        static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * o.sessions_per_customer + 1)));
    for (int i = 0; i < n_sessions; ++i) {
      RawEvent e = base(events::Stream::sessions);
      e.time = when();
      e.pages = static_cast<float>(1 + rng.below(20));
      e.duration = static_cast<float>(30 + rng.below(1800));
      e.flag = rng.below(3) == 0 ? 1 : 0;
      e.text = kDevices[rng.below(2)];
      ev.push_back(e);
    }
    const int n_emails =
        static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * o.emails_per_customer + 1)));
    for (int i = 0; i < n_emails; ++i) {
      RawEvent e = base(events::Stream::emails);
      e.time = when();
      const auto r = rng.below(20);
      e.flag = r < 12 ? 0 : r < 17 ? 1 : r < 19 ? 2 : 3;
      ev.push_back(e);
    }
    const int n_support =
        static_cast<int>(rng.below(static_cast<std::uint64_t>(2 * o.support_per_customer + 1)));
    for (int i = 0; i < n_support; ++i) {
      RawEvent e = base(events::Stream::support);
      e.time = when();
      e.text = kTopics[rng.below(5)];
      e.sentiment = static_cast<float>(static_cast<int>(rng.below(9)) - 4) * 0.25f;
      ev.push_back(e);
    }
    if (rng.below(10) != 0) {
      RawEvent e = base(events::Stream::customers);
      e.time = (o.first_day - static_cast<std::int64_t>(rng.below(1000))) * kSecondsPerDay;
      e.age = static_cast<float>(18 + rng.below(60));
      e.other = kRegions[rng.below(5)];
      e.text = kTiers[rng.below(3)];
      ev.push_back(e);
    }
    if (c > 0 && rng.below(5) == 0) {
      RawEvent e = base(events::Stream::referrals);
      e.other = id;
      e.customer = fmt::format("C{}", rng.below(static_cast<std::uint64_t>(c)));
      e.time = when();
      ev.push_back(e);
    }
  }
  return ev;
}

/// Interns every customer of `ev` in event order; then pushes the events in order.
/// Call finalize() afterwards.
inline void push_events(events::EventLog& log, const std::vector<RawEvent>& ev) {
  using events::Stream;
  // A reader that knows the tier ladder interns it first: the ordinal is the dictionary order.
  for (const char* tier : {"bronze", "silver", "gold"}) log.attributes.tiers.intern(tier);
  for (const auto& e : ev) {
    const auto c = log.intern(e.customer);
    switch (e.stream) {
      case Stream::transactions: {
        auto& t = log.transactions;
        t.customer.push_back(c);
        t.time.push_back(e.time);
        t.amount.push_back(e.amount);
        t.order.push_back(t.orders.intern(e.order));
        t.product.push_back(t.products.intern(e.product));
        t.category.push_back(t.categories.intern(e.category));
        t.channel.push_back(t.channels.intern(e.channel));
        t.payment.push_back(t.payments.intern(e.payment));
        t.quantity.push_back(e.quantity);
        t.discount.push_back(e.discount);
        t.returned.push_back(e.flag);
        break;
      }
      case Stream::sessions: {
        auto& s = log.sessions;
        s.customer.push_back(c);
        s.time.push_back(e.time);
        s.pages.push_back(e.pages);
        s.duration_s.push_back(e.duration);
        s.search.push_back(e.flag);
        s.device.push_back(s.devices.intern(e.text));
        break;
      }
      case Stream::emails:
        log.emails.customer.push_back(c);
        log.emails.time.push_back(e.time);
        log.emails.event.push_back(static_cast<events::EmailEvent>(e.flag));
        break;
      case Stream::support:
        log.support.customer.push_back(c);
        log.support.time.push_back(e.time);
        log.support.topic.push_back(log.support.topics.intern(e.text));
        log.support.sentiment.push_back(e.sentiment);
        break;
      case Stream::customers: {
        auto& a = log.attributes;
        a.customer.push_back(c);
        a.signup.push_back(e.time);
        a.age.push_back(e.age);
        a.region.push_back(a.regions.intern(e.other));
        a.loyalty_tier.push_back(a.tiers.intern(e.text));
        break;
      }
      case Stream::referrals:
        log.referrals.referrer.push_back(c);
        log.referrals.referred.push_back(log.intern(e.other));
        log.referrals.time.push_back(e.time);
        break;
    }
  }
  for (auto s : {Stream::transactions, Stream::sessions, Stream::emails, Stream::support,
                 Stream::customers, Stream::referrals})
    log.set_present(s);
}

}  // namespace kohort::features::testing
