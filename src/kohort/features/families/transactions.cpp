#include "kohort/features/families/transactions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>

#include "kohort/core/parallel.h"

namespace kohort::features::internal {

namespace {

constexpr double kNaNd = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxSlots = 65;  // FeatureSpec::max_levels ≤ 64, plus "other".

std::string w_str(int w) { return std::to_string(w); }

// Median of v (reorders v); NaN when empty.
double median_of(std::vector<double>& v) {
  if (v.empty()) return kNaNd;
  const std::size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  const double hi = v[m];
  if (v.size() % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
  return 0.5 * (lo + hi);
}

}  // namespace

void TransactionFamily::plan(const Context& ctx, const events::EventLog& log,
                             const FeatureSpec& spec, std::span<const events::customer_t> rows,
                             PopulationInputs& pop, Columns& cols) {
  log_ = &log;
  as_of_ = spec.as_of;
  windows_ = spec.windows_days;
  std::sort(windows_.begin(), windows_.end());
  trend_window_ = spec.trend_window_days;
  const auto& tx = log.transactions;
  const auto n = static_cast<std::size_t>(tx.size());
  const auto filled = [n](std::size_t size) { return n > 0 && size == n; };
  has_order_ = pop.filled("transactions.order", filled(tx.order.size()));
  has_qty_ = pop.filled("transactions.quantity", filled(tx.quantity.size()));
  has_product_ = pop.filled("transactions.product", filled(tx.product.size()));
  has_cat_ = pop.filled("transactions.category", filled(tx.category.size()));
  has_channel_ = pop.filled("transactions.channel", filled(tx.channel.size()));
  has_payment_ = pop.filled("transactions.payment", filled(tx.payment.size()));
  has_discount_ = pop.filled("transactions.discount", filled(tx.discount.size()));
  has_returned_ = pop.filled("transactions.returned", filled(tx.returned.size()));
  const auto W = [&](const char* g) { return spec.wants(g); };
  const std::string T = w_str(trend_window_);

  if (W("recency"))
    recency_ = cols.add("recency_days", "recency", "days",
                        "Days from the last purchase to the as-of instant.",
                        "days since the last purchase");
  if (W("frequency")) {
    orders_total_ = cols.add("orders_total", "frequency", "count",
                             "Number of orders before the as-of instant (distinct order ids, or "
                             "purchase lines when there are no order ids).",
                             "orders in total");
    purchase_days_ =
        cols.add("purchase_days_total", "frequency", "count",
                 "Number of distinct calendar days (UTC) with a purchase.", "days with a purchase");
  }
  if (W("monetary")) {
    spend_total_ =
        cols.add("spend_total", "monetary", "currency",
                 "Sum of the amounts of all purchase lines (amount ≥ 0).", "total spend");
    net_spend_ = cols.add("net_spend_total", "monetary", "currency",
                          "Total spend plus refunds (lines with a negative amount).",
                          "spend net of refunds");
    ov_mean_ = cols.add("order_value_mean", "monetary", "currency",
                        "Mean order value: total spend divided by the number of orders.",
                        "average order value");
    ov_max_ = cols.add("order_value_max", "monetary", "currency", "Largest order value.",
                       "largest order value");
    ov_cv_ = cols.add("order_value_cv", "monetary", "ratio",
                      "Coefficient of variation of order values (population standard deviation "
                      "over mean); missing with fewer than two orders.",
                      "variability of order values");
    refund_share_ = cols.add("refund_share", "monetary", "share",
                             "Refunded amount (negative lines) as a share of total spend.",
                             "share of spend refunded");
  }
  if (W("windows")) {
    for (int w : windows_) {
      orders_w_.push_back(
          cols.add("orders_" + w_str(w) + "d", "windows", "count",
                   "Number of orders in the " + w_str(w) + " days before the as-of instant.",
                   "orders in the last " + w_str(w) + " days"));
      spend_w_.push_back(
          cols.add("spend_" + w_str(w) + "d", "windows", "currency",
                   "Total order value in the " + w_str(w) + " days before the as-of instant.",
                   "spend in the last " + w_str(w) + " days"));
      if (has_cat_)
        cats_w_.push_back(cols.add("categories_" + w_str(w) + "d", "windows", "count",
                                   "Number of distinct product categories bought in the " +
                                       w_str(w) + " days before the as-of instant.",
                                   "categories bought in the last " + w_str(w) + " days"));
    }
  }
  if (W("trends")) {
    for (int w : windows_) {
      const std::string ws = w_str(w);
      orders_trend_w_.push_back(cols.add("orders_trend_" + ws + "d", "trends", "ratio",
                                         "(orders in the last " + ws +
                                             " days + 1) / (orders in the " + ws +
                                             " days before those + 1).",
                                         "change in orders over the last " + ws + " days"));
      spend_trend_w_.push_back(cols.add("spend_trend_" + ws + "d", "trends", "ratio",
                                        "(spend in the last " + ws + " days + 1) / (spend in the " +
                                            ws + " days before those + 1).",
                                        "change in spend over the last " + ws + " days"));
    }
    ov_trend_ = cols.add("order_value_trend", "trends", "ratio",
                         "Mean order value in the last " + T +
                             " days over the mean order value before them; missing when either "
                             "period has no order.",
                         "change in order value");
  }
  if (W("intervals")) {
    ipi_mean_ = cols.add("interpurchase_days_mean", "intervals", "days",
                         "Mean gap in days between consecutive distinct purchase days; missing "
                         "with fewer than two purchase days.",
                         "usual days between purchases");
    ipi_median_ = cols.add("interpurchase_days_median", "intervals", "days",
                           "Median gap in days between consecutive distinct purchase days.",
                           "median days between purchases");
    ipi_cv_ = cols.add("interpurchase_cv", "intervals", "ratio",
                       "Coefficient of variation of the gaps between purchase days (population "
                       "standard deviation over mean); missing with fewer than two gaps.",
                       "irregularity of purchases");
    rec_vs_ipi_ = cols.add("recency_vs_interval", "intervals", "ratio",
                           "Days since the last purchase divided by the mean gap between "
                           "purchase days; above 1 means overdue.",
                           "how overdue the next purchase is");
  }
  if (W("lifecycle")) {
    tenure_ = cols.add("tenure_days", "lifecycle", "days",
                       "Days from the first purchase to the as-of instant.",
                       "days since the first purchase");
    const std::string r =
        "r = (orders in the last " + T + " days + 1) / (orders in the " + T + " days before + 1)";
    life_new_ =
        cols.add("lifecycle_new", "lifecycle", "flag",
                 "1 when the first purchase was less than " + T + " days ago.", "new customer");
    life_growing_ = cols.add("lifecycle_growing", "lifecycle", "flag",
                             "1 when not new, not declining, and r > 1.5 or tenure < 365 days, "
                             "with " +
                                 r + ".",
                             "growing customer");
    life_mature_ =
        cols.add("lifecycle_mature", "lifecycle", "flag",
                 "1 when tenure ≥ 365 days and 2/3 ≤ r ≤ 1.5, with " + r + ".", "mature customer");
    life_declining_ = cols.add("lifecycle_declining", "lifecycle", "flag",
                               "1 when not new and r < 2/3, with " + r + ".", "declining customer");
  }
  n_categories_ = tx.categories.size();
  if (has_cat_ && W("categories")) {
    const auto counts =
        count_codes(ctx, rows, tx.offsets, tx.time, tx.category, tx.categories.size(), as_of_);
    cat_levels_ = pop.levels("transactions.category", counts, tx.categories, spec.max_levels);
    cat_first_ =
        add_level_columns(cols, cat_levels_, "category_share", "categories", "share",
                          "Share of spend on lines whose category is", "share of spend on");
    cat_entropy_ = cols.add("category_entropy", "categories", "nats",
                            "Shannon entropy (natural log) of the customer's spend shares over "
                            "all categories.",
                            "spread of spend over categories");
    cats_total_ = cols.add("categories_total", "categories", "count",
                           "Number of distinct categories ever bought.", "categories bought");
    main_cat_share_ = cols.add("main_category_share", "categories", "share",
                               "Share of spend on the customer's main (largest-spend) category.",
                               "share of spend on the main category");
  }
  if (has_cat_) {
    std::vector<int> order(tx.categories.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return tx.categories.value(a) < tx.categories.value(b); });
    cat_rank_.assign(order.size(), 0);
    for (std::size_t i = 0; i < order.size(); ++i)
      cat_rank_[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
  }
  if (has_discount_ && W("price")) {
    disc_order_share_ = cols.add("discounted_order_share", "price", "share",
                                 "Share of orders with at least one discounted line.",
                                 "share of orders with a discount");
    disc_depth_ = cols.add("discount_depth_mean", "price", "share",
                           "Mean discount (fraction of list price) over discounted lines.",
                           "average discount taken");
    full_price_share_ = cols.add("full_price_spend_share", "price", "share",
                                 "Share of spend (lines with a known discount) paid at full "
                                 "price.",
                                 "share of spend at full price");
  }
  if (has_channel_ && W("channels")) {
    const auto counts =
        count_codes(ctx, rows, tx.offsets, tx.time, tx.channel, tx.channels.size(), as_of_);
    chan_levels_ = pop.levels("transactions.channel", counts, tx.channels, spec.max_levels);
    chan_first_ =
        add_level_columns(cols, chan_levels_, "channel_share", "channels", "share",
                          "Share of purchase lines whose channel is", "share of purchases through");
  }
  if (has_payment_ && W("payments")) {
    const auto counts =
        count_codes(ctx, rows, tx.offsets, tx.time, tx.payment, tx.payments.size(), as_of_);
    pay_levels_ = pop.levels("transactions.payment", counts, tx.payments, spec.max_levels);
    pay_first_ = add_level_columns(cols, pay_levels_, "payment_share", "payments",
                                   "share", "Share of purchase lines whose payment method is",
                                   "share of purchases paid by");
  }
  if (has_returned_ && W("returns")) {
    return_rate_ =
        cols.add("return_rate", "returns", "share", "Share of purchase lines that were returned.",
                 "share of items returned");
    returned_spend_share_ =
        cols.add("returned_spend_share", "returns", "share",
                 "Value of returned lines as a share of total spend.", "share of spend returned");
  }
  if (W("basket")) {
    if (has_order_) {
      lines_per_order_ = cols.add("lines_per_order", "basket", "count",
                                  "Mean number of purchase lines per order.", "lines per order");
      single_line_share_ =
          cols.add("single_line_order_share", "basket", "share",
                   "Share of orders with exactly one line.", "share of single-item orders");
    }
    if (has_qty_) {
      items_per_order_ = cols.add("items_per_order", "basket", "count",
                                  "Mean total quantity per order.", "items per order");
      unit_price_ = cols.add("unit_price_mean", "basket", "currency",
                             "Spend on lines with a quantity divided by their total quantity.",
                             "average price per item");
    }
    if (has_order_ && has_cat_)
      cats_per_order_ =
          cols.add("categories_per_order", "basket", "count",
                   "Mean number of distinct categories per order.", "categories per order");
    if (has_product_)
      products_total_ = cols.add("products_total", "basket", "count",
                                 "Number of distinct products ever bought.", "distinct products");
  }
  if (W("relative")) {
    spend30_vs_monthly_ = cols.add(
        "spend_30d_vs_monthly_avg", "relative", "ratio",
        "Spend in the last 30 days over the customer's own average 30-day spend (total spend × "
        "30 / max(tenure days, 30)).",
        "recent spend against own average");
    spend_vs_pop_ = cols.add("spend_vs_population_median", "relative", "ratio",
                             "Total spend over the median total spend of all customers.",
                             "spend against the typical customer");
    if (has_cat_)
      spend_vs_cat_ = cols.add("spend_vs_category_median", "relative", "ratio",
                               "Total spend over the median total spend of the customers with the "
                               "same main category.",
                               "spend against customers of the same main category");
  }
  if (W("recent") && !windows_.empty()) plan_recent(cols);
}

void TransactionFamily::plan_recent(Columns& cols) {
  recent_window_ = windows_.front();
  const std::string ws = w_str(recent_window_), in = " in the last " + ws + " days";
  recent_lines_ = cols.add("lines_" + ws + "d", "recent", "count", "Number of purchase lines" + in + ".",
                           "purchase lines" + in);
  if (has_discount_)
    recent_disc_ = cols.add("discounted_line_share_" + ws + "d", "recent", "share",
                            "Share of the purchase lines" + in + " (with a known discount) that were discounted.",
                            "share of lines discounted" + in);
  if (chan_first_ >= 0)
    recent_chan_ = add_level_columns(cols, chan_levels_, "channel_share", "recent", "share",
                                     "Share of the purchase lines" + in + " whose channel is",
                                     "share of purchases" + in + " through", "_" + ws + "d");
  if (pay_first_ >= 0)
    recent_pay_ = add_level_columns(cols, pay_levels_, "payment_share", "recent", "share",
                                    "Share of the purchase lines" + in + " whose payment method is",
                                    "share of purchases" + in + " paid by", "_" + ws + "d");
}

void TransactionFamily::compute(events::customer_t c, Scratch& s, CustomerState& st,
                                float* row) const {
  const auto& tx = log_->transactions;
  const auto range = events::rows_before(tx.offsets, tx.time, c, as_of_);
  s.lines.clear();
  double refunds = 0;
  for (index_t i = range.begin; i < range.end; ++i) {
    const auto u = static_cast<std::size_t>(i);
    if (tx.amount[u] < 0) {
      refunds += tx.amount[u];
    } else {
      s.lines.push_back({has_order_ ? tx.order[u] : events::kMissingCode, tx.time[u], i});
    }
  }
  if (has_order_) {
    // The lines of an order usually sit next to each other (they share a time): then the
    // grouping below needs no sort. Otherwise sort by (order, row).
    s.counts.clear();
    for (std::size_t i = 0; i < s.lines.size(); ++i)
      if (s.lines[i].order >= 0 && (i == 0 || s.lines[i].order != s.lines[i - 1].order))
        s.counts.push_back(s.lines[i].order);
    std::sort(s.counts.begin(), s.counts.end());
    if (std::adjacent_find(s.counts.begin(), s.counts.end()) != s.counts.end())
      std::sort(s.lines.begin(), s.lines.end(), [](const Scratch::Line& a, const Scratch::Line& b) {
        if (a.order != b.order) return a.order < b.order;
        return a.row < b.row;
      });
  }

  // Orders and the per-order basket statistics.
  st.orders.clear();
  double single_line_orders = 0, discounted_orders = 0, cats_in_orders = 0;
  for (std::size_t i = 0; i < s.lines.size();) {
    std::size_t j = i + 1;
    if (s.lines[i].order >= 0)
      while (j < s.lines.size() && s.lines[j].order == s.lines[i].order) ++j;
    Order o{s.lines[i].time, 0};
    bool discounted = false;
    double distinct_cats = 0;
    for (std::size_t k = i; k < j; ++k) {
      const auto u = static_cast<std::size_t>(s.lines[k].row);
      o.time = std::min(o.time, s.lines[k].time);
      o.value += tx.amount[u];
      if (has_discount_ && tx.discount[u] > 0) discounted = true;
      if (has_cat_ && tx.category[u] >= 0) {
        bool first = true;
        for (std::size_t q = i; q < k; ++q)
          if (tx.category[static_cast<std::size_t>(s.lines[q].row)] == tx.category[u])
            first = false;
        if (first) distinct_cats += 1;
      }
    }
    st.orders.push_back(o);
    if (j - i == 1) single_line_orders += 1;
    if (discounted) discounted_orders += 1;
    cats_in_orders += distinct_cats;
    i = j;
  }
  const auto by_time = [](const Order& a, const Order& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.value < b.value;
  };
  if (!std::is_sorted(st.orders.begin(), st.orders.end(), by_time))
    std::sort(st.orders.begin(), st.orders.end(), by_time);
  const double n_orders = static_cast<double>(st.orders.size());
  const double n_lines = static_cast<double>(s.lines.size());

  st.purchase_days.clear();
  for (const Order& o : st.orders) {
    const std::int64_t d = day_of(o.time);
    if (st.purchase_days.empty() || st.purchase_days.back() != d) st.purchase_days.push_back(d);
  }
  double spend = 0, max_value = 0;
  for (const Order& o : st.orders) {
    spend += o.value;
    max_value = std::max(max_value, o.value);
  }
  st.spend_total = spend;
  const bool any = !st.orders.empty();
  st.first_purchase = any ? st.orders.front().time : 0;
  st.tenure_days = any ? days_between(st.first_purchase, as_of_) : kNaNd;
  const double recency = any ? days_between(st.orders.back().time, as_of_) : kNaNd;

  put(row, recency_, recency);
  put(row, orders_total_, n_orders);
  put(row, purchase_days_, static_cast<double>(st.purchase_days.size()));
  put(row, spend_total_, spend);
  put(row, net_spend_, spend + refunds);
  const double mean_value = any ? spend / n_orders : kNaNd;
  put(row, ov_mean_, mean_value);
  put(row, ov_max_, any ? max_value : kNaNd);
  if (ov_cv_ >= 0) {
    double cv = kNaNd;
    if (st.orders.size() >= 2 && mean_value != 0) {
      double ss = 0;
      for (const Order& o : st.orders) ss += (o.value - mean_value) * (o.value - mean_value);
      cv = std::sqrt(ss / n_orders) / mean_value;
    }
    put(row, ov_cv_, cv);
  }
  put(row, refund_share_, ratio(0.0 - refunds, spend));  // 0.0 − 0.0 is +0

  // Windows and trends.
  const auto window_sums = [&](int w, double& n_in, double& s_in, double& n_prior,
                               double& s_prior) {
    const Seconds cut = as_of_ - static_cast<Seconds>(w) * kSecondsPerDay;
    const Seconds prior = as_of_ - 2 * static_cast<Seconds>(w) * kSecondsPerDay;
    n_in = s_in = n_prior = s_prior = 0;
    for (const Order& o : st.orders) {
      if (o.time >= cut) {
        n_in += 1;
        s_in += o.value;
      } else if (o.time >= prior) {
        n_prior += 1;
        s_prior += o.value;
      }
    }
  };
  for (std::size_t k = 0; k < windows_.size(); ++k) {
    double n_in, s_in, n_prior, s_prior;
    window_sums(windows_[k], n_in, s_in, n_prior, s_prior);
    if (!orders_w_.empty()) {
      put(row, orders_w_[k], n_in);
      put(row, spend_w_[k], s_in);
    }
    if (!orders_trend_w_.empty()) {
      put(row, orders_trend_w_[k], (n_in + 1) / (n_prior + 1));
      put(row, spend_trend_w_[k], (s_in + 1) / (s_prior + 1));
    }
    if (!cats_w_.empty()) {
      const Seconds cut = as_of_ - static_cast<Seconds>(windows_[k]) * kSecondsPerDay;
      ++s.stamp;
      double distinct = 0;
      for (const auto& line : s.lines) {
        const auto u = static_cast<std::size_t>(line.row);
        const auto code = tx.category[u];
        if (line.time < cut || code < 0) continue;
        auto& seen = s.cat_seen[static_cast<std::size_t>(code)];
        if (seen != s.stamp) {
          seen = s.stamp;
          distinct += 1;
        }
      }
      put(row, cats_w_[k], distinct);
    }
  }
  double n_t, s_t, n_tp, s_tp;
  window_sums(trend_window_, n_t, s_t, n_tp, s_tp);
  if (ov_trend_ >= 0) {
    const double n_before = n_orders - n_t;
    const double recent_mean = n_t > 0 ? s_t / n_t : kNaNd;
    const double before_mean = n_before > 0 ? (spend - s_t) / n_before : kNaNd;
    put(row, ov_trend_, ratio(recent_mean, before_mean));
  }

  // Intervals between purchase days.
  if (ipi_mean_ >= 0) {
    s.values.clear();
    for (std::size_t i = 1; i < st.purchase_days.size(); ++i)
      s.values.push_back(static_cast<double>(st.purchase_days[i] - st.purchase_days[i - 1]));
    double mean = kNaNd, cv = kNaNd, med = kNaNd;
    if (!s.values.empty()) {
      double sum = 0;
      for (double g : s.values) sum += g;
      mean = sum / static_cast<double>(s.values.size());
      if (s.values.size() >= 2) {
        double ss = 0;
        for (double g : s.values) ss += (g - mean) * (g - mean);
        cv = std::sqrt(ss / static_cast<double>(s.values.size())) / mean;
      }
      med = median_of(s.values);
    }
    put(row, ipi_mean_, mean);
    put(row, ipi_median_, med);
    put(row, ipi_cv_, cv);
    put(row, rec_vs_ipi_, ratio(recency, mean));
  }

  // Lifecycle.
  put(row, tenure_, st.tenure_days);
  if (life_new_ >= 0) {
    const double r = (n_t + 1) / (n_tp + 1);
    int stage = -1;  // 0 new, 1 growing, 2 mature, 3 declining
    if (any) {
      if (st.tenure_days < trend_window_)
        stage = 0;
      else if (r < 2.0 / 3.0)
        stage = 3;
      else if (r > 1.5 || st.tenure_days < 365)
        stage = 1;
      else
        stage = 2;
    }
    const double miss = any ? 0 : kNaNd;
    put(row, life_new_, stage == 0 ? 1 : miss);
    put(row, life_growing_, stage == 1 ? 1 : miss);
    put(row, life_mature_, stage == 2 ? 1 : miss);
    put(row, life_declining_, stage == 3 ? 1 : miss);
  }

  // Per-line shares: categories, channels, payments, price, returns, basket.
  std::array<double, kMaxSlots> acc{};
  st.main_category = events::kMissingCode;
  if (has_cat_) {
    s.touched.clear();
    double cat_total = 0;
    for (const auto& line : s.lines) {
      const auto u = static_cast<std::size_t>(line.row);
      const auto code = tx.category[u];
      if (code < 0) continue;
      auto& cs = s.cat_spend[static_cast<std::size_t>(code)];
      auto& seen = s.cat_seen[static_cast<std::size_t>(code)];
      if (seen != s.stamp + 1) {
        seen = s.stamp + 1;
        s.touched.push_back(code);
        cs = 0;
      }
      cs += tx.amount[u];
      cat_total += tx.amount[u];
    }
    ++s.stamp;
    // The main category: largest spend, ties to the smaller text.
    double best = -1;
    for (auto code : s.touched) {
      const double v = s.cat_spend[static_cast<std::size_t>(code)];
      const bool tie_wins = v == best && st.main_category >= 0 &&
                            cat_rank_[static_cast<std::size_t>(code)] <
                                cat_rank_[static_cast<std::size_t>(st.main_category)];
      if (v > best || tie_wins) {
        best = v;
        st.main_category = code;
      }
    }
    if (cat_total <= 0) st.main_category = events::kMissingCode;
    if (cat_first_ >= 0) {
      const int slots = cat_levels_.slots();
      std::fill(acc.begin(), acc.begin() + slots, 0.0);
      s.values.clear();
      for (auto code : s.touched) {
        const double v = s.cat_spend[static_cast<std::size_t>(code)];
        s.values.push_back(v);
        const int slot = cat_levels_.slot[static_cast<std::size_t>(code)];
        if (slot >= 0) acc[static_cast<std::size_t>(slot)] += v;
      }
      for (int k = 0; k < slots; ++k)
        put(row, cat_first_ + k, ratio(acc[static_cast<std::size_t>(k)], cat_total));
      // Entropy over the sorted shares: independent of dictionary order.
      std::sort(s.values.begin(), s.values.end());
      double h = cat_total > 0 ? 0.0 : kNaNd;
      if (cat_total > 0)
        for (double v : s.values)
          if (v > 0) h -= (v / cat_total) * std::log(v / cat_total);
      put(row, cat_entropy_, h);
      put(row, cats_total_, static_cast<double>(s.touched.size()));
      put(row, main_cat_share_, ratio(st.main_category >= 0 ? best : kNaNd, cat_total));
    }
  }
  const auto line_shares = [&](const std::vector<events::code_t>& codes, const Levels& lv,
                               int first) {
    const int slots = lv.slots();
    std::fill(acc.begin(), acc.begin() + slots, 0.0);
    double known = 0;
    for (const auto& line : s.lines) {
      const auto code = codes[static_cast<std::size_t>(line.row)];
      if (code < 0) continue;
      const int slot = lv.slot[static_cast<std::size_t>(code)];
      if (slot < 0) continue;
      acc[static_cast<std::size_t>(slot)] += 1;
      known += 1;
    }
    for (int k = 0; k < slots; ++k)
      put(row, first + k, ratio(acc[static_cast<std::size_t>(k)], known));
  };
  if (chan_first_ >= 0) line_shares(tx.channel, chan_levels_, chan_first_);
  compute_recent(s, row);
  if (pay_first_ >= 0) line_shares(tx.payment, pay_levels_, pay_first_);
  if (disc_order_share_ >= 0) {
    double depth = 0, disc_lines = 0, known_spend = 0, full_spend = 0;
    for (const auto& line : s.lines) {
      const auto u = static_cast<std::size_t>(line.row);
      const float d = tx.discount[u];
      if (std::isnan(d)) continue;
      known_spend += tx.amount[u];
      if (d > 0) {
        depth += d;
        disc_lines += 1;
      } else {
        full_spend += tx.amount[u];
      }
    }
    put(row, disc_order_share_, ratio(discounted_orders, n_orders));
    put(row, disc_depth_, ratio(depth, disc_lines));
    put(row, full_price_share_, ratio(full_spend, known_spend));
  }
  if (return_rate_ >= 0) {
    double returned = 0, returned_spend = 0;
    for (const auto& line : s.lines) {
      const auto u = static_cast<std::size_t>(line.row);
      if (tx.returned[u] != 0) {
        returned += 1;
        returned_spend += tx.amount[u];
      }
    }
    put(row, return_rate_, ratio(returned, n_lines));
    put(row, returned_spend_share_, ratio(returned_spend, spend));
  }
  put(row, lines_per_order_, ratio(n_lines, n_orders));
  put(row, single_line_share_, ratio(single_line_orders, n_orders));
  put(row, cats_per_order_, ratio(cats_in_orders, n_orders));
  if (items_per_order_ >= 0) {
    double items = 0, priced = 0;
    for (const auto& line : s.lines) {
      const auto u = static_cast<std::size_t>(line.row);
      if (std::isnan(tx.quantity[u])) continue;
      items += tx.quantity[u];
      priced += tx.amount[u];
    }
    put(row, items_per_order_, ratio(items, n_orders));
    put(row, unit_price_, ratio(priced, items));
  }
  if (products_total_ >= 0) {
    s.counts.clear();
    for (const auto& line : s.lines) {
      const auto code = tx.product[static_cast<std::size_t>(line.row)];
      if (code >= 0) s.counts.push_back(code);
    }
    std::sort(s.counts.begin(), s.counts.end());
    const auto distinct = std::unique(s.counts.begin(), s.counts.end()) - s.counts.begin();
    put(row, products_total_, static_cast<double>(distinct));
  }
  if (spend30_vs_monthly_ >= 0) {
    double n30, s30, np30, sp30;
    window_sums(30, n30, s30, np30, sp30);
    const double monthly = any ? spend * 30.0 / std::max(st.tenure_days, 30.0) : kNaNd;
    put(row, spend30_vs_monthly_, ratio(s30, monthly));
  }
}

void TransactionFamily::compute_recent(const Scratch& s, float* row) const {
  if (recent_lines_ < 0) return;
  const auto& tx = log_->transactions;
  const Seconds cut = as_of_ - static_cast<Seconds>(recent_window_) * kSecondsPerDay;
  std::array<double, kMaxSlots> chan{}, pay{};
  double lines = 0, chan_known = 0, pay_known = 0, disc_known = 0, discounted = 0;
  const auto count = [](events::code_t code, const Levels& lv, std::array<double, kMaxSlots>& acc, double& known) {
    const int slot = code < 0 ? -1 : lv.slot[static_cast<std::size_t>(code)];
    if (slot < 0) return;
    acc[static_cast<std::size_t>(slot)] += 1;
    known += 1;
  };
  for (const auto& line : s.lines) {
    if (line.time < cut) continue;
    const auto u = static_cast<std::size_t>(line.row);
    lines += 1;
    if (recent_chan_ >= 0) count(tx.channel[u], chan_levels_, chan, chan_known);
    if (recent_pay_ >= 0) count(tx.payment[u], pay_levels_, pay, pay_known);
    if (recent_disc_ >= 0 && !std::isnan(tx.discount[u])) {
      disc_known += 1;
      discounted += tx.discount[u] > 0;
    }
  }
  put(row, recent_lines_, lines);
  put(row, recent_disc_, ratio(discounted, disc_known));
  for (int k = 0; recent_chan_ >= 0 && k < chan_levels_.slots(); ++k)
    put(row, recent_chan_ + k, ratio(chan[static_cast<std::size_t>(k)], chan_known));
  for (int k = 0; recent_pay_ >= 0 && k < pay_levels_.slots(); ++k)
    put(row, recent_pay_ + k, ratio(pay[static_cast<std::size_t>(k)], pay_known));
}

void TransactionFamily::finish(const Context& ctx, std::span<const double> spend,
                               std::span<const events::code_t> main_category,
                               MatrixView<float> values) const {
  fill_relative_columns(ctx, spend, main_category, n_categories_, spend_vs_pop_, spend_vs_cat_,
                        values);
}

void fill_relative_columns(const Context& ctx, std::span<const double> spend,
                           std::span<const std::int32_t> main_category, std::size_t n_categories,
                           int col_pop, int col_cat, MatrixView<float> values) {
  if (col_pop < 0 && col_cat < 0) return;
  const std::size_t n = spend.size();
  std::vector<double> tmp(spend.begin(), spend.end());
  const double pop_median = median_of(tmp);
  // Medians per main category: rows grouped by a counting sort on the category code.
  std::vector<double> cat_median(n_categories, kNaNd);
  if (col_cat >= 0) {
    std::vector<std::size_t> start(n_categories + 1, 0);
    for (std::size_t r = 0; r < n; ++r)
      if (main_category[r] >= 0) ++start[static_cast<std::size_t>(main_category[r]) + 1];
    for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    std::vector<double> grouped(start.back());
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t r = 0; r < n; ++r)
      if (main_category[r] >= 0)
        grouped[fill[static_cast<std::size_t>(main_category[r])]++] = spend[r];
    for (std::size_t k = 0; k < n_categories; ++k) {
      std::vector<double> g(grouped.begin() + static_cast<std::ptrdiff_t>(start[k]),
                            grouped.begin() + static_cast<std::ptrdiff_t>(start[k + 1]));
      cat_median[k] = median_of(g);
    }
  }
  parallel_for_blocks(ctx, static_cast<index_t>(n), 8192, [&](index_t, index_t begin, index_t end) {
    for (index_t r = begin; r < end; ++r) {
      const auto u = static_cast<std::size_t>(r);
      float* row = values.row(r);
      put(row, col_pop, ratio(spend[u], pop_median));
      if (col_cat >= 0)
        put(row, col_cat,
            main_category[u] >= 0
                ? ratio(spend[u], cat_median[static_cast<std::size_t>(main_category[u])])
                : kNaNd);
    }
  });
}

}  // namespace kohort::features::internal
