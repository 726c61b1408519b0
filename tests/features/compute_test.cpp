#include "kohort/features/compute.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "kohort/features/families/attributes.h"
#include "kohort/features/transform.h"
#include "kohort/features/families/referrals.h"
#include "synthetic_log.h"

namespace kohort::features {
namespace {

using events::EventLog;
using events::Stream;

constexpr std::int64_t kDay0 = days_from_civil(2024, 1, 1);
Seconds day(double d) { return kDay0 * kSecondsPerDay + static_cast<Seconds>(d * kSecondsPerDay); }
const Seconds kAsOf = day(400);

struct Line {
  const char* customer;
  double day;
  const char* order;
  double amount;
  const char* category;
  float discount;
  const char* channel;
  const char* payment;
  float quantity;
  std::uint8_t returned;
};

// Customer a: five orders (one with two lines) and a refund; b: one order; c: two orders;
// d and e only buy at or after the as-of instant (day 400).
const std::vector<Line> kLines = {
    {"a", 10, "o1", 10, "books", 0, "web", "card", 1, 0},
    {"a", 100, "o2", 20, "books", 0.5f, "web", "card", 1, 0},
    {"a", 100, "o2", 5, "toys", 0, "web", "card", 1, 0},
    {"a", 300, "o3", 30, "toys", 0, "web", "card", 1, 0},
    {"a", 350, "o4", 40, "books", 0.25f, "web", "card", 1, 1},
    {"a", 390, "o5", 50, "garden", 0, "store", "card", 1, 0},
    {"a", 395, "r1", -10, "books", 0, "web", "card", 1, 0},
    {"b", 380, "o6", 100, "toys", 0, "app", "paypal", 2, 0},
    {"c", 200, "o7", 8, "books", 0, "web", "card", 1, 0},
    {"c", 260, "o8", 12, "books", 0, "web", "card", 1, 0},
    {"d", 400, "o9", 70, "books", 0, "web", "card", 1, 0},
    {"e", 450, "o10", 70, "pets", 0, "web", "card", 1, 0},
};

void push_lines(EventLog& log, const std::vector<Line>& lines) {
  auto& t = log.transactions;
  for (const auto& l : lines) {
    t.customer.push_back(log.intern(l.customer));
    t.time.push_back(day(l.day));
    t.amount.push_back(l.amount);
    t.order.push_back(t.orders.intern(l.order));
    t.category.push_back(t.categories.intern(l.category));
    t.discount.push_back(l.discount);
    t.channel.push_back(t.channels.intern(l.channel));
    t.payment.push_back(t.payments.intern(l.payment));
    t.quantity.push_back(l.quantity);
    t.returned.push_back(l.returned);
  }
  log.set_present(Stream::transactions);
}

void push_session(EventLog& log, const char* who, double d, float pages, float secs,
                  std::uint8_t search, const char* device) {
  auto& s = log.sessions;
  s.customer.push_back(log.intern(who));
  s.time.push_back(day(d));
  s.pages.push_back(pages);
  s.duration_s.push_back(secs);
  s.search.push_back(search);
  s.device.push_back(s.devices.intern(device));
  log.set_present(Stream::sessions);
}

void push_email(EventLog& log, const char* who, double d, events::EmailEvent e) {
  log.emails.customer.push_back(log.intern(who));
  log.emails.time.push_back(day(d));
  log.emails.event.push_back(e);
  log.set_present(Stream::emails);
}

void push_contact(EventLog& log, const char* who, double d, const char* topic, float sentiment) {
  log.support.customer.push_back(log.intern(who));
  log.support.time.push_back(day(d));
  log.support.topic.push_back(log.support.topics.intern(topic));
  log.support.sentiment.push_back(sentiment);
  log.set_present(Stream::support);
}

// The hand-checked log: transactions plus every other stream for customer a (and some b).
EventLog hand_log() {
  EventLog log;
  push_lines(log, kLines);
  push_session(log, "a", 5, 3, 60, 1, "web");
  push_session(log, "a", 99.5, 5, 120, 0, "app");
  push_session(log, "a", 200, NAN, 180, 0, "app");
  push_session(log, "a", 389, 7, 240, 1, "app");
  push_session(log, "a", 401, 9, 999, 1, "web");  // after as-of: invisible
  using events::EmailEvent;
  for (double d : {300.0, 320.0, 380.0, 390.0, 400.0}) push_email(log, "a", d, EmailEvent::sent);
  push_email(log, "a", 301, EmailEvent::open);
  push_email(log, "a", 381, EmailEvent::open);
  push_email(log, "a", 381.5, EmailEvent::click);
  push_email(log, "a", 395, EmailEvent::unsubscribe);
  push_contact(log, "a", 120, "delivery", -0.5f);
  push_contact(log, "a", 360, "refund", 0.5f);
  push_contact(log, "a", 380, "delivery", -1.0f);
  auto& at = log.attributes;
  at.tiers.intern("bronze");
  at.tiers.intern("silver");
  const auto attr = [&](const char* who, float age, double signup, const char* region,
                        const char* tier) {
    at.customer.push_back(log.intern(who));
    at.age.push_back(age);
    at.signup.push_back(day(signup));
    at.region.push_back(at.regions.intern(region));
    at.loyalty_tier.push_back(at.tiers.intern(tier));
  };
  attr("a", 40, 0, "north", "silver");
  attr("b", 30, 500, "south", "bronze");  // signs up after the as-of instant
  attr("e", 50, 0, "west", "gold");       // not a row: must not make "west" a level
  log.set_present(Stream::customers);
  EXPECT_TRUE(log.finalize().ok());
  return log;
}

FeatureSpec spec_at(Seconds as_of) {
  FeatureSpec s;
  s.as_of = as_of;
  return s;
}

FeatureTable compute_ok(const EventLog& log, const FeatureSpec& spec, int threads = 1) {
  auto t = compute_features(Context(threads, 1), log, spec);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return std::move(t).value();
}

// The value of feature `name` for external customer `who`.
double at(const FeatureTable& t, const EventLog& log, std::string_view who, std::string_view name) {
  const index_t j = t.column(name);
  EXPECT_GE(j, 0) << "no column " << name;
  if (j < 0) return NAN;
  const auto c = log.find(who);
  for (std::size_t r = 0; r < t.customers.size(); ++r)
    if (t.customers[r] == c) return t.values(static_cast<index_t>(r), j);
  ADD_FAILURE() << "no row for " << who;
  return NAN;
}

#define EXPECT_FEATURE(who, name, expected) \
  EXPECT_FLOAT_EQ(static_cast<float>(at(t, log, who, name)), static_cast<float>(expected)) << name
#define EXPECT_MISSING(who, name) EXPECT_TRUE(std::isnan(at(t, log, who, name))) << name

TEST(Features, RowsAreCustomersWithATransactionBeforeAsOf) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  ASSERT_EQ(t.rows(), 3);
  EXPECT_EQ(log.external_id(t.customers[0]), "a");
  EXPECT_EQ(log.external_id(t.customers[1]), "b");
  EXPECT_EQ(log.external_id(t.customers[2]), "c");
  EXPECT_EQ(t.as_of, kAsOf);
}

TEST(Features, RecencyFrequencyMonetaryMatchHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "recency_days", 10);
  EXPECT_FEATURE("a", "orders_total", 5);
  EXPECT_FEATURE("a", "purchase_days_total", 5);
  EXPECT_FEATURE("a", "spend_total", 155);
  EXPECT_FEATURE("a", "net_spend_total", 145);
  EXPECT_FEATURE("a", "order_value_mean", 31);
  EXPECT_FEATURE("a", "order_value_max", 50);
  // order values 10, 25, 30, 40, 50: Σ(v − 31)² = 920.
  EXPECT_FEATURE("a", "order_value_cv", std::sqrt(920.0 / 5) / 31);
  EXPECT_FEATURE("a", "refund_share", 10.0 / 155);
  EXPECT_FEATURE("b", "recency_days", 20);
  EXPECT_FEATURE("b", "orders_total", 1);
  EXPECT_FALSE(std::signbit(at(t, log, "b", "refund_share")));  // +0, not −0
  EXPECT_MISSING("b", "order_value_cv");
  EXPECT_FEATURE("c", "recency_days", 140);
  EXPECT_FEATURE("c", "spend_total", 20);
}

TEST(Features, WindowsAndTrendsMatchHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  // a's orders on days 10, 100, 300, 350, 390 worth 10, 25, 30, 40, 50; as-of day 400.
  EXPECT_FEATURE("a", "orders_30d", 1);
  EXPECT_FEATURE("a", "spend_30d", 50);
  EXPECT_FEATURE("a", "orders_90d", 2);
  EXPECT_FEATURE("a", "spend_90d", 90);
  EXPECT_FEATURE("a", "orders_365d", 4);
  EXPECT_FEATURE("a", "spend_365d", 145);
  EXPECT_FEATURE("a", "categories_30d", 1);
  EXPECT_FEATURE("a", "categories_90d", 2);
  EXPECT_FEATURE("a", "categories_365d", 3);
  EXPECT_FEATURE("a", "orders_trend_30d", 2.0 / 2.0);  // day 390 vs day 350
  EXPECT_FEATURE("a", "spend_trend_30d", 51.0 / 41.0);
  EXPECT_FEATURE("a", "orders_trend_90d", 3.0 / 2.0);  // days 350, 390 vs day 300
  EXPECT_FEATURE("a", "spend_trend_90d", 91.0 / 31.0);
  EXPECT_FEATURE("a", "orders_trend_365d", 5.0 / 2.0);  // four orders vs day 10
  EXPECT_FEATURE("a", "spend_trend_365d", 146.0 / 11.0);
  EXPECT_FEATURE("a", "order_value_trend", 45.0 / (65.0 / 3.0));
  EXPECT_MISSING("b", "order_value_trend");
}

TEST(Features, IntervalsAndLifecycleMatchHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  // Gaps 90, 200, 50, 40: mean 95, median 70, Σ(g − 95)² = 16100.
  EXPECT_FEATURE("a", "interpurchase_days_mean", 95);
  EXPECT_FEATURE("a", "interpurchase_days_median", 70);
  EXPECT_FEATURE("a", "interpurchase_cv", std::sqrt(16100.0 / 4) / 95);
  EXPECT_FEATURE("a", "recency_vs_interval", 10.0 / 95);
  EXPECT_FEATURE("c", "interpurchase_days_mean", 60);
  EXPECT_MISSING("c", "interpurchase_cv");
  EXPECT_MISSING("b", "interpurchase_days_mean");
  EXPECT_FEATURE("a", "tenure_days", 390);
  // a: tenure 390, r = (2+1)/(1+1) = 1.5 → mature; b: tenure 20 → new;
  // c: r = (0+1)/(1+1) = 0.5 → declining.
  EXPECT_FEATURE("a", "lifecycle_mature", 1);
  EXPECT_FEATURE("a", "lifecycle_new", 0);
  EXPECT_FEATURE("b", "lifecycle_new", 1);
  EXPECT_FEATURE("b", "lifecycle_declining", 0);
  EXPECT_FEATURE("c", "lifecycle_declining", 1);
  EXPECT_FEATURE("c", "lifecycle_growing", 0);
}

TEST(Features, CategorySharesEntropyAndPooling) {
  const EventLog log = hand_log();
  {
    const auto t = compute_ok(log, spec_at(kAsOf));
    // a spends 70 on books, 35 on toys, 50 on garden (the refund line is not a purchase).
    EXPECT_FEATURE("a", "category_share_books", 70.0 / 155);
    EXPECT_FEATURE("a", "category_share_toys", 35.0 / 155);
    EXPECT_FEATURE("a", "category_share_garden", 50.0 / 155);
    EXPECT_LT(t.column("category_share_other"), 0);
    EXPECT_LT(t.column("category_share_pets"), 0);  // only bought after the as-of instant
    double h = 0;
    for (double p : {70.0 / 155, 35.0 / 155, 50.0 / 155}) h -= p * std::log(p);
    EXPECT_FEATURE("a", "category_entropy", h);
    EXPECT_FEATURE("a", "categories_total", 3);
    EXPECT_FEATURE("a", "main_category_share", 70.0 / 155);
    EXPECT_FEATURE("c", "category_entropy", 0);
  }
  FeatureSpec capped = spec_at(kAsOf);
  capped.max_levels = 2;  // books (6 lines), toys (3) keep a column; garden (1) is pooled
  const auto t = compute_ok(log, capped);
  EXPECT_FEATURE("a", "category_share_other", 50.0 / 155);
  EXPECT_LT(t.column("category_share_garden"), 0);
}

TEST(Features, PriceReturnsBasketAndChannelsMatchHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "discounted_order_share", 2.0 / 5);
  EXPECT_FEATURE("a", "discount_depth_mean", 0.375);
  EXPECT_FEATURE("a", "full_price_spend_share", 95.0 / 155);
  EXPECT_FEATURE("a", "return_rate", 1.0 / 6);
  EXPECT_FEATURE("a", "returned_spend_share", 40.0 / 155);
  EXPECT_FEATURE("a", "lines_per_order", 6.0 / 5);
  EXPECT_FEATURE("a", "single_line_order_share", 4.0 / 5);
  EXPECT_FEATURE("a", "items_per_order", 6.0 / 5);
  EXPECT_FEATURE("a", "unit_price_mean", 155.0 / 6);
  EXPECT_FEATURE("a", "categories_per_order", 6.0 / 5);
  EXPECT_FEATURE("b", "items_per_order", 2);
  EXPECT_FEATURE("b", "unit_price_mean", 50);
  EXPECT_FEATURE("a", "channel_share_web", 5.0 / 6);
  EXPECT_FEATURE("a", "channel_share_store", 1.0 / 6);
  EXPECT_FEATURE("a", "channel_share_app", 0);
  EXPECT_FEATURE("b", "payment_share_paypal", 1);
  EXPECT_FEATURE("b", "payment_share_card", 0);
}

TEST(Features, RecentMixCountsTheShortestWindowsLines) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  // Lines from day 370 on: a's o5 (store, card, no discount), b's o6 (app, paypal); a's refund
  // on day 395 is not a purchase line; c bought nothing in the window.
  EXPECT_FEATURE("a", "lines_30d", 1);
  EXPECT_FEATURE("a", "discounted_line_share_30d", 0);
  EXPECT_FEATURE("a", "channel_share_store_30d", 1);
  EXPECT_FEATURE("a", "channel_share_web_30d", 0);
  EXPECT_FEATURE("a", "payment_share_card_30d", 1);
  EXPECT_FEATURE("b", "lines_30d", 1);
  EXPECT_FEATURE("b", "channel_share_app_30d", 1);
  EXPECT_FEATURE("b", "payment_share_paypal_30d", 1);
  EXPECT_FEATURE("c", "lines_30d", 0);
  EXPECT_MISSING("c", "channel_share_web_30d");
  EXPECT_MISSING("c", "discounted_line_share_30d");
  EXPECT_LT(t.column("lines_90d"), 0);  // the shortest window only
  FeatureSpec wider = spec_at(kAsOf);
  wider.windows_days = {90, 365};
  const auto w = compute_ok(log, wider);
  // Days 310 on: a's o4 (discounted 0.25, web) and o5; b's o6.
  EXPECT_FLOAT_EQ(static_cast<float>(at(w, log, "a", "lines_90d")), 2.0f);
  EXPECT_FLOAT_EQ(static_cast<float>(at(w, log, "a", "discounted_line_share_90d")), 0.5f);
  EXPECT_FLOAT_EQ(static_cast<float>(at(w, log, "a", "channel_share_web_90d")), 0.5f);
}

TEST(Features, RelativeFeaturesUsePopulationMedians) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "spend_30d_vs_monthly_avg", 50.0 / (155.0 * 30 / 390));
  EXPECT_FEATURE("b", "spend_30d_vs_monthly_avg", 100.0 / (100.0 * 30 / 30));
  // Spends 155, 100, 20: median 100. Main categories: a books, b toys, c books.
  EXPECT_FEATURE("a", "spend_vs_population_median", 1.55);
  EXPECT_FEATURE("c", "spend_vs_population_median", 0.2);
  EXPECT_FEATURE("a", "spend_vs_category_median", 155.0 / 87.5);
  EXPECT_FEATURE("b", "spend_vs_category_median", 1);
  EXPECT_FEATURE("c", "spend_vs_category_median", 20.0 / 87.5);
}

TEST(Features, BrowsingMatchesHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "sessions_total", 4);
  EXPECT_FEATURE("a", "sessions_30d", 1);
  EXPECT_FEATURE("a", "sessions_90d", 1);
  EXPECT_FEATURE("a", "sessions_365d", 3);
  EXPECT_FEATURE("a", "session_days_total", 4);
  EXPECT_FEATURE("a", "pages_per_session", 5);  // (3 + 5 + 7) / 3 sessions with pages
  EXPECT_FEATURE("a", "session_minutes_mean", 2.5);
  EXPECT_FEATURE("a", "search_share", 0.5);
  EXPECT_FEATURE("a", "device_share_app", 0.75);
  EXPECT_FEATURE("a", "device_share_web", 0.25);
  EXPECT_FEATURE("a", "browse_to_buy_conversion", 5.0 / 4);
  EXPECT_FEATURE("a", "sessions_before_first_purchase", 1);
  // Sessions on days 5, 99.5, 200, 389 → next orders after 120 h, 12 h, none within 7 days, 24 h.
  EXPECT_FEATURE("a", "browse_to_buy_hours_median", 24);
  EXPECT_FEATURE("a", "days_since_last_session", 11);
  EXPECT_FEATURE("b", "sessions_total", 0);
  EXPECT_MISSING("b", "browse_to_buy_conversion");
  EXPECT_MISSING("b", "days_since_last_session");
}

TEST(Features, EmailMatchesHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "emails_sent_total", 4);
  EXPECT_FEATURE("a", "emails_sent_30d", 2);
  EXPECT_FEATURE("a", "emails_sent_90d", 3);
  EXPECT_FEATURE("a", "email_open_rate", 0.5);
  EXPECT_FEATURE("a", "email_click_rate", 0.25);
  EXPECT_FEATURE("a", "email_click_to_open", 0.5);
  EXPECT_FEATURE("a", "email_unsubscribed", 1);
  EXPECT_FEATURE("a", "days_since_email_engagement", 18.5);
  EXPECT_FEATURE("a", "days_since_last_email", 10);
  EXPECT_FEATURE("b", "emails_sent_total", 0);
  EXPECT_MISSING("b", "email_open_rate");
  EXPECT_FEATURE("b", "email_unsubscribed", 0);
}

TEST(Features, SupportMatchesHandValues) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "contacts_total", 3);
  EXPECT_FEATURE("a", "contacts_30d", 1);
  EXPECT_FEATURE("a", "contacts_90d", 2);
  EXPECT_FEATURE("a", "contacts_per_year", 3.0 * 365 / 390);
  EXPECT_FEATURE("a", "topic_share_delivery", 2.0 / 3);
  EXPECT_FEATURE("a", "topic_share_refund", 1.0 / 3);
  EXPECT_FEATURE("a", "sentiment_mean", -1.0 / 3);
  EXPECT_FEATURE("a", "sentiment_min", -1);
  EXPECT_FEATURE("a", "negative_contact_share", 2.0 / 3);
  EXPECT_FEATURE("a", "days_since_last_contact", 20);
  EXPECT_FEATURE("b", "contacts_per_year", 0);
  EXPECT_MISSING("b", "sentiment_mean");
}

TEST(Features, AttributesAreUsedWithoutProtectedColumnsOrFutureSignups) {
  EventLog log = hand_log();
  {
    const auto t = compute_ok(log, spec_at(kAsOf));
    EXPECT_FEATURE("a", "age", 40);
    EXPECT_FEATURE("a", "signup_tenure_days", 400);
    EXPECT_MISSING("b", "signup_tenure_days");  // signed up after the as-of instant
    EXPECT_FEATURE("a", "loyalty_tier", 2);
    EXPECT_FEATURE("b", "loyalty_tier", 1);
    EXPECT_FEATURE("a", "region_north", 1);
    EXPECT_FEATURE("a", "region_south", 0);
    EXPECT_FEATURE("b", "region_south", 1);
    EXPECT_MISSING("c", "region_north");
    EXPECT_MISSING("c", "age");
    EXPECT_LT(t.column("region_west"), 0);  // e is not a row
  }
  log.attributes.protected_columns = {"age", "region"};
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_LT(t.column("age"), 0);
  EXPECT_LT(t.column("region_north"), 0);
  EXPECT_GE(t.column("loyalty_tier"), 0);
}

TEST(Features, LoyaltyTierUsesTheLadderOrElseTheDictionaryOrder) {
  EXPECT_EQ(internal::tier_ladder_rank("Gold"), 3);
  EXPECT_EQ(internal::tier_ladder_rank("none"), 0);
  EXPECT_EQ(internal::tier_ladder_rank("Tier 2"), 2);
  EXPECT_EQ(internal::tier_ladder_rank("4"), 4);
  EXPECT_EQ(internal::tier_ladder_rank("fancy"), -1);
  EventLog log;
  push_lines(log, kLines);
  auto& attrs = log.attributes;
  for (const auto& [who, tier] : {std::pair{"a", "zeta"}, std::pair{"b", "alpha"}}) {
    attrs.customer.push_back(log.intern(who));
    attrs.loyalty_tier.push_back(attrs.tiers.intern(tier));
  }
  log.set_present(Stream::customers);
  ASSERT_TRUE(log.finalize().ok());
  const auto t = compute_ok(log, spec_at(kAsOf));
  // Off the ladder, tiers rank by name: "alpha" 1, "zeta" 2 (whatever order they came in).
  EXPECT_FEATURE("a", "loyalty_tier", 2);
  EXPECT_FEATURE("b", "loyalty_tier", 1);
  EXPECT_MISSING("c", "loyalty_tier");
  EXPECT_NE(
      t.info[static_cast<std::size_t>(t.column("loyalty_tier"))].description.find("tier names"),
      std::string::npos);
}

TEST(PageRank, StarMatchesClosedForm) {
  // B, C, D each point at A; A is dangling. With d = 0.85 and n = 4:
  // p_A = (1 + 3d) / (4 + 3d), p_B = p_C = p_D = (1 − p_A) / 3.
  const std::vector<index_t> src = {1, 2, 3}, dst = {0, 0, 0};
  const auto p = internal::pagerank(4, src, dst);
  const double d = 0.85, pa = (1 + 3 * d) / (4 + 3 * d);
  EXPECT_NEAR(p[0], pa, 1e-12);
  for (int i = 1; i < 4; ++i) EXPECT_NEAR(p[static_cast<std::size_t>(i)], (1 - pa) / 3, 1e-12);
}

// Naive twin: solve p = (1−d)/n + d (Mᵀ p) with dangling columns spread uniformly, by Gaussian
// elimination on the dense system (I − d G) p = (1−d)/n · 1.
std::vector<double> dense_pagerank(int n, const std::vector<index_t>& src,
                                   const std::vector<index_t>& dst, double d) {
  std::vector<double> out(static_cast<std::size_t>(n), 0.0);
  for (index_t s : src) out[static_cast<std::size_t>(s)] += 1;
  std::vector<std::vector<double>> a(static_cast<std::size_t>(n),
                                     std::vector<double>(static_cast<std::size_t>(n) + 1, 0.0));
  for (int i = 0; i < n; ++i) {
    auto& row = a[static_cast<std::size_t>(i)];
    row[static_cast<std::size_t>(i)] += 1;
    row[static_cast<std::size_t>(n)] = (1 - d) / n;
    for (int j = 0; j < n; ++j)
      if (out[static_cast<std::size_t>(j)] == 0) row[static_cast<std::size_t>(j)] -= d / n;
  }
  for (std::size_t e = 0; e < src.size(); ++e)
    a[static_cast<std::size_t>(dst[e])][static_cast<std::size_t>(src[e])] -=
        d / out[static_cast<std::size_t>(src[e])];
  for (int k = 0; k < n; ++k) {
    int piv = k;
    for (int i = k + 1; i < n; ++i)
      if (std::fabs(a[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)]) >
          std::fabs(a[static_cast<std::size_t>(piv)][static_cast<std::size_t>(k)]))
        piv = i;
    std::swap(a[static_cast<std::size_t>(k)], a[static_cast<std::size_t>(piv)]);
    for (int i = 0; i < n; ++i) {
      if (i == k) continue;
      const double f = a[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)] /
                       a[static_cast<std::size_t>(k)][static_cast<std::size_t>(k)];
      for (int j = k; j <= n; ++j)
        a[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] -=
            f * a[static_cast<std::size_t>(k)][static_cast<std::size_t>(j)];
    }
  }
  std::vector<double> p(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    p[static_cast<std::size_t>(i)] = a[static_cast<std::size_t>(i)][static_cast<std::size_t>(n)] /
                                     a[static_cast<std::size_t>(i)][static_cast<std::size_t>(i)];
  return p;
}

TEST(PageRank, MatchesDenseLinearSolve) {
  const std::vector<index_t> src = {0, 1, 2, 2, 3, 1}, dst = {1, 2, 0, 1, 2, 3};
  const auto p = internal::pagerank(4, src, dst);
  const auto q = dense_pagerank(4, src, dst, 0.85);
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(p[static_cast<std::size_t>(i)], q[static_cast<std::size_t>(i)], 1e-10);
    sum += p[static_cast<std::size_t>(i)];
  }
  EXPECT_NEAR(sum, 1, 1e-12);
}

TEST(Features, ReferralDegreesAndPageRank) {
  EventLog log;
  push_lines(log, kLines);
  // a referred b and c; b referred d... d is not a row (buys on day 400), so that edge is out;
  // c referred a after the as-of instant: out too.
  auto& rf = log.referrals;
  const auto edge = [&](const char* from, const char* to, double d) {
    rf.referrer.push_back(log.intern(from));
    rf.referred.push_back(log.intern(to));
    rf.time.push_back(day(d));
  };
  edge("a", "b", 50);
  edge("a", "c", 60);
  edge("b", "d", 70);
  edge("c", "a", 420);
  log.set_present(Stream::referrals);
  ASSERT_TRUE(log.finalize().ok());
  const auto t = compute_ok(log, spec_at(kAsOf));
  EXPECT_FEATURE("a", "referrals_made", 2);
  EXPECT_FEATURE("b", "referrals_made", 0);
  EXPECT_FEATURE("a", "referred_by_count", 0);
  EXPECT_FEATURE("b", "referred_by_count", 1);
  EXPECT_FEATURE("a", "referrals_second_degree", 0);
  // Graph on rows a, b, c with edges b → a and c → a: a star with two leaves on three nodes:
  // p_a = (1 + 2d) / (3 + 2d), scaled by n = 3.
  const double d = 0.85, pa = (1 + 2 * d) / (3 + 2 * d);
  EXPECT_NEAR(at(t, log, "a", "referral_pagerank"), 3 * pa, 1e-6);
  EXPECT_NEAR(at(t, log, "b", "referral_pagerank"), 3 * (1 - pa) / 2, 1e-6);
}

// ---- properties on synthetic logs ----------------------------------------------------------

const Seconds kSynthAsOf = days_from_civil(2024, 7, 1) * kSecondsPerDay;

EventLog synthetic_log(const testing::SyntheticOptions& o) {
  EventLog log;
  testing::push_events(log, testing::synthetic_events(o));
  EXPECT_TRUE(log.finalize().ok());
  return log;
}

// Compares two tables by external customer id, bit for bit.
void expect_same_table(const FeatureTable& a, const EventLog& la, const FeatureTable& b,
                       const EventLog& lb) {
  ASSERT_EQ(a.names(), b.names());
  ASSERT_EQ(a.rows(), b.rows());
  std::map<std::string, index_t> rows_b;
  for (index_t r = 0; r < b.rows(); ++r)
    rows_b[lb.external_id(b.customers[static_cast<std::size_t>(r)])] = r;
  int mismatches = 0;
  for (index_t r = 0; r < a.rows(); ++r) {
    const auto& id = la.external_id(a.customers[static_cast<std::size_t>(r)]);
    auto it = rows_b.find(id);
    ASSERT_NE(it, rows_b.end()) << id;
    if (std::memcmp(a.values.row(r), b.values.row(it->second),
                    static_cast<std::size_t>(a.cols()) * sizeof(float)) != 0) {
      for (index_t j = 0; j < a.cols() && mismatches < 10; ++j) {
        const float x = a.values(r, j), y = b.values(it->second, j);
        if (std::memcmp(&x, &y, sizeof x) != 0) {
          ++mismatches;
          ADD_FAILURE() << id << " " << a.info[static_cast<std::size_t>(j)].name << ": " << x
                        << " vs " << y;
        }
      }
    }
  }
}

TEST(Features, EveryStreamGivesAtLeastHundredDescribedFeatures) {
  const EventLog log = synthetic_log({.customers = 300, .seed = 3});
  const auto t = compute_ok(log, spec_at(kSynthAsOf));
  EXPECT_GE(t.cols(), 100);
  const std::regex snake("[a-z][a-z0-9_]*");
  std::set<std::string> names, groups;
  const auto& known = feature_groups();
  for (const auto& f : t.info) {
    EXPECT_TRUE(std::regex_match(f.name, snake)) << f.name;
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate " << f.name;
    EXPECT_NE(std::find(known.begin(), known.end(), f.group), known.end()) << f.group;
    EXPECT_FALSE(f.unit.empty()) << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_EQ(f.description.back(), '.') << f.name;
    EXPECT_FALSE(f.phrase.empty()) << f.name;
    groups.insert(f.group);
  }
  EXPECT_EQ(groups.size(), known.size());  // every group is present
  for (index_t i = 0; i < t.rows(); ++i)
    for (index_t j = 0; j < t.cols(); ++j) EXPECT_FALSE(std::isinf(t.values(i, j)));
}

// Naive twin: a few features straight from the raw events, customer by customer.
TEST(Features, MatchesANaiveTwinOnRandomEvents) {
  const auto ev = testing::synthetic_events({.customers = 300, .seed = 31});
  EventLog log;
  testing::push_events(log, ev);
  ASSERT_TRUE(log.finalize().ok());
  const auto t = compute_ok(log, spec_at(kSynthAsOf));
  struct Naive {
    std::map<std::string, Seconds> order_time;
    double spend = 0, sessions = 0, sent = 0, contacts = 0;
  };
  std::map<std::string, Naive> naive;
  const Seconds cut90 = kSynthAsOf - 90 * kSecondsPerDay;
  for (const auto& e : ev) {
    if (e.time >= kSynthAsOf) continue;
    auto& n = naive[e.customer];
    switch (e.stream) {
      case Stream::transactions:
        if (e.amount < 0) break;
        n.spend += e.amount;
        if (!n.order_time.count(e.order) || n.order_time[e.order] > e.time)
          n.order_time[e.order] = e.time;
        break;
      case Stream::sessions: n.sessions += 1; break;
      case Stream::emails: n.sent += e.flag == 0 ? 1 : 0; break;
      case Stream::support: n.contacts += 1; break;
      default: break;
    }
  }
  int checked = 0;
  for (std::size_t r = 0; r < t.customers.size(); ++r) {
    const auto& id = log.external_id(t.customers[r]);
    const auto& n = naive[id];
    if (n.order_time.empty()) continue;  // only refunds before the as-of instant
    Seconds last = 0;
    double in90 = 0;
    for (const auto& [order, time] : n.order_time) {
      last = std::max(last, time);
      if (time >= cut90) in90 += 1;
    }
    const auto row = static_cast<index_t>(r);
    const auto v = [&](const char* name) { return t.values(row, t.column(name)); };
    EXPECT_FLOAT_EQ(v("orders_total"), static_cast<float>(n.order_time.size())) << id;
    EXPECT_FLOAT_EQ(v("spend_total"), static_cast<float>(n.spend)) << id;
    EXPECT_FLOAT_EQ(v("orders_90d"), static_cast<float>(in90)) << id;
    EXPECT_FLOAT_EQ(v("recency_days"),
                    static_cast<float>(static_cast<double>(kSynthAsOf - last) / kSecondsPerDay))
        << id;
    EXPECT_FLOAT_EQ(v("sessions_total"), static_cast<float>(n.sessions)) << id;
    EXPECT_FLOAT_EQ(v("emails_sent_total"), static_cast<float>(n.sent)) << id;
    EXPECT_FLOAT_EQ(v("contacts_total"), static_cast<float>(n.contacts)) << id;
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

TEST(Features, EventsAtOrAfterAsOfChangeNothing) {
  const auto ev = testing::synthetic_events({.customers = 400, .seed = 11});
  EventLog base;
  testing::push_events(base, ev);
  ASSERT_TRUE(base.finalize().ok());
  // Later events for existing customers (one exactly at the as-of instant) and for new
  // customers in every stream, with new dictionary values.
  auto later = ev;
  auto extra = testing::synthetic_events({.customers = 500,
                                          .first_day = day_of(kSynthAsOf),
                                          .last_day = day_of(kSynthAsOf) + 200,
                                          .seed = 12});
  for (auto& e : extra) {
    if (e.stream == Stream::customers && base.find(e.customer) >= 0) continue;  // one row each
    e.category += "_new";
    e.text += "_new";
    if (e.stream == Stream::customers) e.text = "gold";
    later.push_back(e);
  }
  later.push_back(later[0]);
  later.back().time = kSynthAsOf;
  EventLog grown;
  testing::push_events(grown, later);
  ASSERT_TRUE(grown.finalize().ok());
  ASSERT_GT(grown.customers(), base.customers());
  const auto a = compute_ok(base, spec_at(kSynthAsOf));
  const auto b = compute_ok(grown, spec_at(kSynthAsOf));
  expect_same_table(a, base, b, grown);
}

TEST(Features, InputOrderOfEventsChangesNothing) {
  auto ev = testing::synthetic_events({.customers = 400, .seed = 5});
  EventLog forward;
  testing::push_events(forward, ev);
  ASSERT_TRUE(forward.finalize().ok());
  Rng rng(99, "shuffle");
  std::shuffle(ev.begin(), ev.end(), rng);
  EventLog shuffled;
  testing::push_events(shuffled, ev);
  ASSERT_TRUE(shuffled.finalize().ok());
  const auto a = compute_ok(forward, spec_at(kSynthAsOf));
  const auto b = compute_ok(shuffled, spec_at(kSynthAsOf));
  expect_same_table(a, forward, b, shuffled);
}

TEST(Features, SameBitsAtOneAndThreeThreads) {
  const EventLog log = synthetic_log({.customers = 5000, .tx_per_customer = 5, .seed = 8});
  const auto a = compute_ok(log, spec_at(kSynthAsOf), 1);
  const auto b = compute_ok(log, spec_at(kSynthAsOf), 3);
  ASSERT_EQ(a.names(), b.names());
  ASSERT_EQ(a.customers, b.customers);
  EXPECT_EQ(std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)), 0);
}

TEST(Features, TransformedTableIsFiniteAndExplainsItsDrops) {
  const EventLog log = synthetic_log({.customers = 600, .seed = 21});
  const auto t = compute_ok(log, spec_at(kSynthAsOf));
  auto r = fit_transform(Context(2, 1), t.values.cview(), t.names());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->values.rows(), t.rows());
  EXPECT_GE(r->values.cols(), 80);
  for (index_t i = 0; i < r->values.rows(); ++i)
    for (index_t j = 0; j < r->values.cols(); ++j) ASSERT_TRUE(std::isfinite(r->values(i, j)));
  for (const auto& d : r->fit.dropped) EXPECT_FALSE(d.reason.empty()) << d.name;
  bool any_log = false;
  for (const auto& c : r->fit.columns) any_log = any_log || c.log1p;
  EXPECT_TRUE(any_log);  // spend and counts are heavy-tailed
}

TEST(Features, TheRecentMixIsKeptForMonitoringAndNeverClustered) {
  const EventLog log = synthetic_log({.customers = 300, .seed = 3});
  const auto t = compute_ok(log, spec_at(kSynthAsOf));
  ASSERT_GE(t.column("lines_30d"), 0);
  auto ready = transform_table(Context(2, 1), t, TransformOptions{});
  ASSERT_TRUE(ready.ok()) << ready.status().message();
  std::size_t recent = 0;
  for (const auto& f : t.info) recent += f.group == "recent";
  EXPECT_GE(recent, 4u);
  for (const auto& f : ready->info) EXPECT_NE(f.group, "recent") << f.name;
  FittedTransform fit;
  ASSERT_TRUE(transform_table(Context(2, 1), t, TransformOptions{}, &fit).ok());
  std::size_t left_out = 0;
  for (const auto& d : fit.dropped) left_out += d.reason == "kept for monitoring (group 'recent'), not clustered";
  EXPECT_EQ(left_out, recent);
}

TEST(Features, AsOfBeforeEveryEventGivesAnEmptyTable) {
  const EventLog log = hand_log();
  const auto t = compute_ok(log, spec_at(day(0)));
  EXPECT_EQ(t.rows(), 0);
  EXPECT_GT(t.cols(), 0);
}

TEST(Features, CancelledContextStops) {
  const EventLog log = hand_log();
  std::atomic<bool> cancel{true};
  const auto t = compute_features(Context().with_cancel(&cancel), log, spec_at(kAsOf));
  EXPECT_EQ(t.status().code(), Code::cancelled);
}

TEST(Features, GroupsSelectTheColumns) {
  const EventLog log = hand_log();
  FeatureSpec spec = spec_at(kAsOf);
  spec.groups = {"recency", "email"};
  const auto t = compute_ok(log, spec);
  for (const auto& f : t.info) EXPECT_TRUE(f.group == "recency" || f.group == "email") << f.name;
  EXPECT_GE(t.column("recency_days"), 0);
  EXPECT_GE(t.column("email_open_rate"), 0);
}

TEST(FeatureSpec, ClusteredOnlyLeavesOutTheMonitoringGroups) {
  FeatureSpec all;
  const auto c = all.clustered_only();
  EXPECT_FALSE(c.wants("recent"));
  for (const auto g : feature_groups())
    if (g != "recent") {
      EXPECT_TRUE(c.wants(g)) << g;
    }
  FeatureSpec some;
  some.groups = {"recency", "recent", "email"};
  EXPECT_EQ(some.clustered_only().groups, (std::vector<std::string>{"recency", "email"}));
  EXPECT_TRUE(c.validate().ok());
}

TEST(FeatureSpec, ValidateNamesTheBadField) {
  FeatureSpec s;
  s.windows_days = {30, 30};
  EXPECT_EQ(s.validate().where(), "windows_days");
  s.windows_days = {0};
  EXPECT_EQ(s.validate().what(), "window 0 days is outside [1, 3650]");
  s = {};
  s.groups = {"nope"};
  EXPECT_EQ(s.validate().code(), Code::invalid_argument);
  EXPECT_EQ(s.validate().what(), "unknown feature group 'nope'");
  s = {};
  s.max_levels = 0;
  EXPECT_EQ(s.validate().where(), "max_levels");
  const EventLog log;
  EXPECT_EQ(compute_features(Context(), log, s).status().where(), "max_levels");
}

TEST(Features, UnfinalizedLogIsRejected) {
  EventLog log;
  push_lines(log, kLines);
  const auto t = compute_features(Context(), log, spec_at(kAsOf));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::invalid_argument);
  EXPECT_EQ(t.status().what(), "the event log is not finalized (per-customer offsets are missing)");
}

TEST(Features, LinesOfOneOrderNeedNotBeAdjacent) {
  EventLog log;
  // Order x has lines on days 10 and 12; order y on day 11 sits between them.
  push_lines(log, {{"z", 10, "x", 4, "books", 0, "web", "card", 1, 0},
                   {"z", 11, "y", 6, "toys", 0, "web", "card", 1, 0},
                   {"z", 12, "x", 8, "toys", 0, "web", "card", 1, 0}});
  ASSERT_TRUE(log.finalize().ok());
  const auto t = compute_ok(log, spec_at(day(20)));
  EXPECT_FEATURE("z", "orders_total", 2);
  EXPECT_FEATURE("z", "order_value_max", 12);
  EXPECT_FEATURE("z", "lines_per_order", 1.5);
  EXPECT_FEATURE("z", "categories_per_order", 1.5);
  EXPECT_FEATURE("z", "tenure_days", 10);
  EXPECT_FEATURE("z", "recency_days", 9);  // an order's time is its first line's
  EXPECT_FEATURE("z", "purchase_days_total", 2);
}

TEST(Features, TransactionsWithoutOptionalColumnsGiveTheCoreFeatures) {
  EventLog log;
  for (const auto& l : kLines) {
    log.transactions.customer.push_back(log.intern(l.customer));
    log.transactions.time.push_back(day(l.day));
    log.transactions.amount.push_back(l.amount);
  }
  log.set_present(Stream::transactions);
  ASSERT_TRUE(log.finalize().ok());
  const auto t = compute_ok(log, spec_at(kAsOf));
  // Without order ids each line is an order: a has six purchase lines on five days.
  EXPECT_FEATURE("a", "orders_total", 6);
  EXPECT_FEATURE("a", "purchase_days_total", 5);
  EXPECT_FEATURE("a", "spend_total", 155);
  EXPECT_LT(t.column("category_entropy"), 0);
  EXPECT_LT(t.column("return_rate"), 0);
  EXPECT_LT(t.column("lines_per_order"), 0);
}

}  // namespace
}  // namespace kohort::features
