// Benchmark (label `slow`): feature computation on an in-memory log of 1M customers with about
// 30 transaction lines each plus sessions, emails, support, attributes and referrals.
// Prints seconds per thread count and peak RSS; asserts only on the shape of the result.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "kohort/core/rng.h"
#include "kohort/features/compute.h"

namespace kohort::features {
namespace {

using events::EventLog;
using events::Stream;

double rss_mb() {  // current resident set, from /proc/self/statm
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * 4096.0 / 1e6;
}
double cpu_s() {  // user + system time of the whole process
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1e3;
}

EventLog big_log(index_t customers, int tx_mean, std::uint64_t seed) {
  EventLog log;
  auto& tx = log.transactions;
  const char* cats[] = {"books", "toys", "garden", "kitchen", "sports",  "beauty", "music",
                        "games", "pets", "tools",  "food",    "fashion", "health", "auto"};
  for (const char* c : cats) tx.categories.intern(c);
  for (const char* c : {"web", "app", "store"}) tx.channels.intern(c);
  for (const char* c : {"card", "paypal", "invoice", "cash"}) tx.payments.intern(c);
  for (int i = 0; i < 64; ++i) tx.orders.intern(fmt::format("o{}", i));
  for (int i = 0; i < 5000; ++i) tx.products.intern(fmt::format("p{}", i));
  for (const char* c : {"web", "app"}) log.sessions.devices.intern(c);
  for (const char* c : {"delivery", "refund", "account", "product", "billing"})
    log.support.topics.intern(c);
  for (const char* c : {"north", "south", "east", "west", "centre"})
    log.attributes.regions.intern(c);
  for (const char* c : {"bronze", "silver", "gold"}) log.attributes.tiers.intern(c);
  const std::size_t expect =
      static_cast<std::size_t>(customers) * static_cast<std::size_t>(tx_mean);
  for (auto* v : {&tx.order, &tx.product, &tx.category, &tx.channel, &tx.payment})
    v->reserve(expect);
  tx.customer.reserve(expect);
  tx.time.reserve(expect);
  tx.amount.reserve(expect);
  tx.quantity.reserve(expect);
  tx.discount.reserve(expect);
  tx.returned.reserve(expect);
  Rng rng(seed, "bench");
  const Seconds start = days_from_civil(2022, 1, 1) * kSecondsPerDay;
  const auto span = static_cast<std::uint64_t>(3 * 365 * kSecondsPerDay);
  const float discounts[] = {0, 0, 0, 0.1f, 0.25f, 0.5f};
  std::vector<Seconds> times;
  for (index_t i = 0; i < customers; ++i) {
    const auto c = log.intern(fmt::format("C{}", i));
    const int n_orders = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(tx_mean)));
    times.clear();
    for (int k = 0; k < n_orders; ++k)
      times.push_back(start + static_cast<Seconds>(rng.below(span)));
    std::sort(times.begin(), times.end());
    for (int k = 0; k < n_orders; ++k) {
      const int lines = 1 + static_cast<int>(rng.below(3));
      for (int q = 0; q < lines; ++q) {
        tx.customer.push_back(c);
        tx.time.push_back(times[static_cast<std::size_t>(k)]);
        tx.amount.push_back(rng.below(50) == 0 ? -5.0
                                               : 0.5 * static_cast<double>(1 + rng.below(400)));
        tx.order.push_back(static_cast<events::code_t>(k % 64));
        tx.product.push_back(static_cast<events::code_t>(rng.below(5000)));
        tx.category.push_back(static_cast<events::code_t>(rng.below(14)));
        tx.channel.push_back(static_cast<events::code_t>(rng.below(3)));
        tx.payment.push_back(static_cast<events::code_t>(rng.below(4)));
        tx.quantity.push_back(static_cast<float>(1 + rng.below(3)));
        tx.discount.push_back(discounts[rng.below(6)]);
        tx.returned.push_back(rng.below(20) == 0 ? 1 : 0);
      }
    }
    const auto n_sessions = rng.below(21);
    times.clear();
    for (std::uint64_t k = 0; k < n_sessions; ++k)
      times.push_back(start + static_cast<Seconds>(rng.below(span)));
    std::sort(times.begin(), times.end());
    for (Seconds t : times) {
      auto& s = log.sessions;
      s.customer.push_back(c);
      s.time.push_back(t);
      s.pages.push_back(static_cast<float>(1 + rng.below(20)));
      s.duration_s.push_back(static_cast<float>(30 + rng.below(1800)));
      s.search.push_back(rng.below(3) == 0 ? 1 : 0);
      s.device.push_back(static_cast<events::code_t>(rng.below(2)));
    }
    const auto n_emails = rng.below(17);
    times.clear();
    for (std::uint64_t k = 0; k < n_emails; ++k)
      times.push_back(start + static_cast<Seconds>(rng.below(span)));
    std::sort(times.begin(), times.end());
    for (Seconds t : times) {
      log.emails.customer.push_back(c);
      log.emails.time.push_back(t);
      const auto r = rng.below(20);
      log.emails.event.push_back(static_cast<events::EmailEvent>(r < 12   ? 0
                                                                 : r < 17 ? 1
                                                                 : r < 19 ? 2
                                                                          : 3));
    }
    const auto n_support = rng.below(3);
    times.clear();
    for (std::uint64_t k = 0; k < n_support; ++k)
      times.push_back(start + static_cast<Seconds>(rng.below(span)));
    std::sort(times.begin(), times.end());
    for (Seconds t : times) {
      log.support.customer.push_back(c);
      log.support.time.push_back(t);
      log.support.topic.push_back(static_cast<events::code_t>(rng.below(5)));
      log.support.sentiment.push_back(static_cast<float>(static_cast<int>(rng.below(9)) - 4) *
                                      0.25f);
    }
    auto& a = log.attributes;
    a.customer.push_back(c);
    a.signup.push_back(start - static_cast<Seconds>(rng.below(span)));
    a.age.push_back(static_cast<float>(18 + rng.below(60)));
    a.region.push_back(static_cast<events::code_t>(rng.below(5)));
    a.loyalty_tier.push_back(static_cast<events::code_t>(rng.below(3)));
    if (i > 0 && rng.below(5) == 0) {
      log.referrals.referrer.push_back(
          static_cast<events::customer_t>(rng.below(static_cast<std::uint64_t>(i))));
      log.referrals.referred.push_back(c);
      log.referrals.time.push_back(start + static_cast<Seconds>(rng.below(span)));
    }
  }
  for (auto s : {Stream::transactions, Stream::sessions, Stream::emails, Stream::support,
                 Stream::customers, Stream::referrals})
    log.set_present(s);
  return log;
}

TEST(FeaturesBench, MillionCustomers) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  EventLog log = big_log(1'000'000, 28, 1);  // 1..28 orders × 1..3 lines: about 29 lines each
  const auto t1 = clock::now();
  ASSERT_TRUE(log.finalize().ok());
  const auto t2 = clock::now();
  const double build_s = std::chrono::duration<double>(t1 - t0).count();
  const double finalize_s = std::chrono::duration<double>(t2 - t1).count();
  std::cout << fmt::format(
      "log: {} customers, {} transaction lines, {} sessions, {} emails, {} contacts; built in "
      "{:.2f} s, finalized in {:.2f} s; RSS {:.0f} MB\n",
      log.customers(), log.transactions.size(), log.sessions.size(), log.emails.size(),
      log.support.size(), build_s, finalize_s, rss_mb());
  FeatureSpec spec;
  spec.as_of = days_from_civil(2024, 10, 1) * kSecondsPerDay;
  for (int threads : {1, 2}) {
    const double before = rss_mb();
    const double cpu0 = cpu_s();
    const auto a = clock::now();
    auto t = compute_features(Context(threads, 1), log, spec);
    const auto b = clock::now();
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_GE(t->cols(), 100);
    EXPECT_GT(t->rows(), 900'000);
    std::cout << fmt::format(
        "features: {} rows × {} cols, {} thread(s): {:.2f} s wall, {:.2f} s CPU; RSS {:.0f} MB → "
        "{:.0f} MB, peak {:.0f} MB\n",
        t->rows(), t->cols(), threads, std::chrono::duration<double>(b - a).count(), cpu_s() - cpu0,
        before, rss_mb(), peak_rss_mb());
  }
}

}  // namespace
}  // namespace kohort::features
