// kohort/io/internal/order.cpp — building the log in canonical order.

#include "kohort/io/internal/order.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <utility>

#include "kohort/core/parallel.h"

namespace kohort::io::internal {

using events::Stream;

namespace {

// key1/key2 are provisional customer codes, compared by their canonical rank. The order is
// (rank of key1, rank of key2, time, row hash, row): a counting sort by key1's rank — rows
// arrive grouped by customer in most files, and customers have few rows each — then a sort
// of each customer's rows, in parallel. Memory: the permutation and one count per customer.
std::vector<index_t> order_rows(const Context& ctx, index_t n,
                                const std::vector<std::int32_t>& rank,
                                const std::vector<std::int32_t>& key1,
                                const std::vector<std::int32_t>* key2,
                                const std::vector<Seconds>* time,
                                const std::vector<std::uint64_t>& hash) {
  const std::size_t customers = rank.size();
  std::vector<index_t> start(customers + 1, 0);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
    ++start[static_cast<std::size_t>(rank[static_cast<std::size_t>(key1[i])]) + 1];
  for (std::size_t c = 1; c <= customers; ++c) start[c] += start[c - 1];
  std::vector<index_t> perm(static_cast<std::size_t>(n));
  {
    std::vector<index_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
      perm[static_cast<std::size_t>(
          fill[static_cast<std::size_t>(rank[static_cast<std::size_t>(key1[i])])]++)] =
          static_cast<index_t>(i);
  }
  const auto less = [&](index_t a, index_t b) {
    const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
    if (key2 != nullptr) {
      const auto ra = rank[static_cast<std::size_t>((*key2)[ua])];
      const auto rb = rank[static_cast<std::size_t>((*key2)[ub])];
      if (ra != rb) return ra < rb;
    }
    if (time != nullptr && (*time)[ua] != (*time)[ub]) return (*time)[ua] < (*time)[ub];
    if (hash[ua] != hash[ub]) return hash[ua] < hash[ub];
    return a < b;
  };
  // Each block of customers sorts its own rows: the result does not depend on the threads.
  parallel_for_blocks(ctx, static_cast<index_t>(customers), 4096,
                      [&](index_t, index_t begin, index_t end) {
                        for (index_t c = begin; c < end; ++c) {
                          auto first = perm.begin() + start[static_cast<std::size_t>(c)];
                          auto last = perm.begin() + start[static_cast<std::size_t>(c) + 1];
                          if (last - first > 1 && !std::is_sorted(first, last, less))
                            std::sort(first, last, less);
                        }
                      });
  return perm;
}

template <typename T, typename U>
std::vector<T> gather(const std::vector<U>& src, const std::vector<index_t>& perm) {
  std::vector<T> out;
  if (src.empty()) return out;
  out.resize(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    out[i] = static_cast<T>(src[static_cast<std::size_t>(perm[i])]);
  return out;
}

std::vector<events::code_t> recode(const std::vector<std::int32_t>& prov, const LocalDict& pd,
                                   events::Dictionary& target, const std::vector<index_t>& perm) {
  std::vector<events::code_t> out;
  if (prov.empty()) return out;
  std::vector<events::code_t> m(pd.size(), -2);
  out.resize(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const auto c = prov[static_cast<std::size_t>(perm[i])];
    if (c < 0) {
      out[i] = events::kMissingCode;
      continue;
    }
    auto& t = m[static_cast<std::size_t>(c)];
    if (t == -2) t = target.intern(pd.value(c));
    out[i] = t;
  }
  return out;
}

// Order codes from order id keys, in the ordered stream: within each customer's rows
// [start[j], start[j+1]) equal keys get one code, codes counting up across the stream in order
// of first appearance — the codes a dictionary of the ids would give when no two customers
// share an order id. Only a customer's own rows are ever compared (lines grouped into orders),
// so ids are told apart by their 64-bit hash: two ids of one customer could only be merged by
// a hash collision (about m²/2⁶⁵ for m orders).
std::vector<events::code_t> order_codes(const std::vector<std::uint64_t>& keys,
                                        const std::vector<index_t>& start,
                                        const std::vector<index_t>& perm) {
  std::vector<events::code_t> out;
  if (keys.empty()) return out;
  out.resize(perm.size());
  struct Slot {
    std::uint64_t key;
    events::code_t code;
  };
  std::vector<Slot> table;
  events::code_t next = 0;
  for (std::size_t j = 0; j + 1 < start.size(); ++j) {
    const auto b = static_cast<std::size_t>(start[j]), e = static_cast<std::size_t>(start[j + 1]);
    std::size_t cap = 16;
    while (cap < 2 * (e - b)) cap *= 2;
    table.assign(cap, Slot{0, 0});
    for (std::size_t i = b; i < e; ++i) {
      const std::uint64_t k = keys[static_cast<std::size_t>(perm[i])];
      if (k == 0) {
        out[i] = events::kMissingCode;
        continue;
      }
      std::size_t h = static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
      while (table[h].key != 0 && table[h].key != k) h = (h + 1) & (cap - 1);
      if (table[h].key == 0) table[h] = {k, next++};
      out[i] = table[h].code;
    }
  }
  return out;
}

}  // namespace

std::vector<std::int32_t> canonical_order(const LocalDict& customers) {
  struct IdKey {
    bool digits;
    std::string_view id;
    std::int32_t code;
  };
  std::vector<IdKey> order(customers.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string_view id = customers.value(static_cast<std::int32_t>(i));
    order[i] = {is_digits(id), id, static_cast<std::int32_t>(i)};
  }
  std::sort(order.begin(), order.end(), [](const IdKey& a, const IdKey& b) {
    return canonical_less(a.digits, a.id, b.digits, b.id);
  });
  std::vector<std::int32_t> codes(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) codes[i] = order[i].code;
  return codes;
}

index_t drop_copies(std::vector<index_t>& perm, const std::vector<std::int32_t>& cust,
                    const std::vector<Seconds>& time, const std::vector<std::uint64_t>& row_hash,
                    const std::vector<std::uint64_t>& order_key) {
  // Rows are ordered by (customer, time, row hash): copies of a row sit next to each other.
  // Equal text is told by the 64-bit hash of the whole row (of one customer, at one instant).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const auto r = static_cast<std::size_t>(perm[i]);
    if (kept > 0 && order_key[r] != 0) {
      const auto q = static_cast<std::size_t>(perm[kept - 1]);
      if (row_hash[q] == row_hash[r] && cust[q] == cust[r] && time[q] == time[r] && order_key[q] == order_key[r])
        continue;
    }
    perm[kept++] = perm[i];
  }
  const auto dropped = static_cast<index_t>(perm.size() - kept);
  perm.resize(kept);
  return dropped;
}

void fill_stream(const Context& ctx, ParsedStream& ps, const std::vector<std::int32_t>& rank,
                 events::EventLog& log) {
  // Columns are independent: fill them on ctx.threads() threads.
  std::vector<std::function<void()>> tasks;
  auto run = [&] {
    parallel_for_blocks(ctx, static_cast<index_t>(tasks.size()), 1,
                        [&](index_t b, index_t, index_t) { tasks[static_cast<std::size_t>(b)](); });
  };
  const Plan& p = ps.plan;
  const Stream s = p.stream;
  auto slot = [&](std::string_view name) {
    return static_cast<std::size_t>(internal::role_slot(s, name));
  };
  auto mapped = [&](std::string_view name) { return p.map.column[slot(name)] >= 0; };
  auto ids = [&](std::string_view name) { return std::move(ps.cols[slot(name)].code); };
  const auto n = static_cast<index_t>(ps.hash.size());
  auto num = [&](std::string_view name) -> std::vector<double>& { return ps.cols[slot(name)].num; };
  auto f32 = [&](std::string_view name) -> std::vector<float>& { return ps.cols[slot(name)].f32; };
  auto u8 = [&](std::string_view name) -> std::vector<std::uint8_t>& {
    return ps.cols[slot(name)].u8;
  };
  auto code = [&](std::string_view name) -> std::vector<std::int32_t>& {
    return ps.cols[slot(name)].code;
  };
  auto dict = [&](std::string_view name) -> const LocalDict& { return ps.dicts[slot(name)]; };
  // Recodes a column, then frees its provisional copy.
  auto recode_code = [&](std::string_view name, events::Dictionary& target,
                         const std::vector<index_t>& perm) {
    auto out = recode(code(name), dict(name), target, perm);
    release(code(name));
    return out;
  };

  if (s == Stream::referrals) {
    auto a = ids("referrer");
    auto b = ids("referred");
    const auto& t = ps.cols[slot("time")].time;
    const auto perm = order_rows(ctx, n, rank, a, &b, mapped("time") ? &t : nullptr, ps.hash);
    release(ps.hash);
    log.referrals.referrer = gather<events::customer_t>(a, perm);
    log.referrals.referred = gather<events::customer_t>(b, perm);
    log.referrals.time = gather<Seconds>(t, perm);
    return;
  }
  auto cust = ids("customer");
  if (s == Stream::customers) {
    const auto perm = order_rows(ctx, n, rank, cust, nullptr, nullptr, ps.hash);
    release(ps.hash);
    auto& a = log.attributes;
    a.customer = gather<events::customer_t>(cust, perm);
    a.signup = gather<Seconds>(ps.cols[slot("signup_date")].time, perm);
    a.region = recode(code("region"), dict("region"), a.regions, perm);
    a.age = gather<float>(f32("age"), perm);
    a.loyalty_tier = recode(code("loyalty_tier"), dict("loyalty_tier"), a.tiers, perm);
    a.email = recode(code("email"), dict("email"), a.emails, perm);
    for (const auto& name : ps.report.ignored) a.protected_columns.push_back(name);
    return;
  }
  auto& time = ps.cols[slot("time")].time;
  auto perm = order_rows(ctx, n, rank, cust, nullptr, &time, ps.hash);
  if (s == Stream::transactions && mapped("order_id"))
    log.transactions.duplicates_dropped += drop_copies(perm, cust, time, ps.hash, ps.cols[slot("order_id")].key);
  release(ps.hash);
  // Where each customer's rows start in the ordered stream (for the per-customer order codes).
  std::vector<index_t> customer_start;
  if (s == Stream::transactions && mapped("order_id")) {
    for (std::size_t i = 0; i < perm.size(); ++i)
      if (i == 0 ||
          cust[static_cast<std::size_t>(perm[i])] != cust[static_cast<std::size_t>(perm[i - 1])])
        customer_start.push_back(static_cast<index_t>(i));
    customer_start.push_back(static_cast<index_t>(perm.size()));
  }
  // Each task frees the provisional columns it alone reads once it has gathered them.
  switch (s) {
    case Stream::transactions: {
      auto& t = log.transactions;
      const bool derived = p.map.amount_from_price;
      tasks = {
          [&] {
            t.customer = gather<events::customer_t>(cust, perm);
            release(cust);
          },
          [&] {
            t.time = gather<Seconds>(time, perm);
            release(time);
          },
          [&] {
            if (!derived) {
              t.amount = gather<double>(num("amount"), perm);
              release(num("amount"));
              return;
            }
            const auto& price = num("unit_price");
            const auto& qty = num("quantity");
            t.amount.resize(perm.size());
            for (std::size_t i = 0; i < perm.size(); ++i) {
              const auto k = static_cast<std::size_t>(perm[i]);
              t.amount[i] = price[k] * qty[k];
            }
            release(num("unit_price"));
          },
          [&] {
            t.order = order_codes(ps.cols[slot("order_id")].key, customer_start, perm);
            release(ps.cols[slot("order_id")].key);
          },
          [&] {
            if (!derived) {
              t.quantity = gather<float>(f32("quantity"), perm);
              release(f32("quantity"));
            } else {
              t.quantity = gather<float>(num("quantity"), perm);  // the amount task reads it too
            }
          },
          [&] { t.product = recode_code("product_id", t.products, perm); },
          [&] { t.category = recode_code("category", t.categories, perm); },
          [&] { t.channel = recode_code("channel", t.channels, perm); },
          [&] { t.payment = recode_code("payment_method", t.payments, perm); },
          [&] {
            t.discount = gather<float>(f32("discount"), perm);
            release(f32("discount"));
          },
          [&] {
            t.returned = gather<std::uint8_t>(u8("returned"), perm);
            release(u8("returned"));
          },
      };
      run();
      break;
    }
    case Stream::sessions: {
      auto& t = log.sessions;
      tasks = {
          [&] {
            t.customer = gather<events::customer_t>(cust, perm);
            release(cust);
          },
          [&] {
            t.time = gather<Seconds>(time, perm);
            release(time);
          },
          [&] {
            t.duration_s = gather<float>(f32("duration_s"), perm);
            release(f32("duration_s"));
          },
          [&] {
            t.pages = gather<float>(f32("pages"), perm);
            release(f32("pages"));
          },
          [&] { t.category = recode_code("category", t.categories, perm); },
          [&] {
            t.search = gather<std::uint8_t>(u8("search"), perm);
            release(u8("search"));
          },
          [&] { t.device = recode_code("device", t.devices, perm); },
      };
      run();
      break;
    }
    case Stream::emails: {
      auto& t = log.emails;
      t.customer = gather<events::customer_t>(cust, perm);
      release(cust);
      t.time = gather<Seconds>(time, perm);
      release(time);
      const auto& ev = u8("event");
      t.event.resize(perm.size());
      for (std::size_t i = 0; i < perm.size(); ++i)
        t.event[i] = static_cast<events::EmailEvent>(ev[static_cast<std::size_t>(perm[i])]);
      release(u8("event"));
      t.campaign = recode_code("campaign", t.campaigns, perm);
      break;
    }
    case Stream::support: {
      auto& t = log.support;
      t.customer = gather<events::customer_t>(cust, perm);
      release(cust);
      t.time = gather<Seconds>(time, perm);
      release(time);
      t.topic = recode_code("topic", t.topics, perm);
      t.sentiment = gather<float>(f32("sentiment"), perm);
      release(f32("sentiment"));
      break;
    }
    default: break;
  }
}

}  // namespace kohort::io::internal
