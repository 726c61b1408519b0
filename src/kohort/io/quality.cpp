#include "kohort/io/quality.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::io {

std::string_view policy_name(Policy p) {
  switch (p) {
    case Policy::drop: return "drop";
    case Policy::cap: return "cap";
    case Policy::impute: return "impute";
    case Policy::flag: return "flag";
  }
  return "flag";
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "info";
}

namespace {

using events::Stream;

double percent(index_t n, index_t total) {
  return total > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0;
}

bool is_numeric_role(std::string_view role) {
  for (std::string_view r : {"amount", "unit_price", "quantity", "discount", "duration_s",
                             "pages", "sentiment", "age"})
    if (r == role) return true;
  return false;
}

// One transaction row's full content, for exact-duplicate detection.
struct TxRow {
  const events::Transactions& t;
  template <typename T>
  static bool same(const std::vector<T>& v, std::size_t a, std::size_t b) {
    if (v.empty()) return true;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v[a]) && std::isnan(v[b])) return true;
    }
    return v[a] == v[b];
  }
  bool equal(std::size_t a, std::size_t b) const {
    return t.customer[a] == t.customer[b] && t.time[a] == t.time[b] &&
           same(t.amount, a, b) && same(t.order, a, b) && same(t.quantity, a, b) &&
           same(t.product, a, b) && same(t.category, a, b) && same(t.channel, a, b) &&
           same(t.payment, a, b) && same(t.discount, a, b) && same(t.returned, a, b);
  }
  std::uint64_t hash(std::size_t i) const {
    std::uint64_t h = static_cast<std::uint64_t>(t.time[i]) * 0x9E3779B97F4A7C15ULL;
    auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 0xBF58476D1CE4E5B9ULL; h ^= h >> 31; };
    std::uint64_t bits = 0;
    std::memcpy(&bits, &t.amount[i], sizeof bits);
    mix(bits);
    if (!t.order.empty()) mix(static_cast<std::uint64_t>(t.order[i]));
    if (!t.product.empty()) mix(static_cast<std::uint64_t>(t.product[i]));
    if (!t.quantity.empty()) {
      std::uint32_t q = 0;
      std::memcpy(&q, &t.quantity[i], sizeof q);
      mix(q);
    }
    return h;
  }
};

// Rows left out (or signup dates read as unknown) because their time is after now or before
// the floor, and text read as Windows-1252, from what the reader reports of one stream.
void read_findings(QualityReport& rep, const StreamReport& s) {
  const bool attributes = s.stream == "customers";
  const std::string role = attributes ? "signup_date" : "time";
  const auto what = [&](index_t n) {
    return attributes ? fmt::format("{} signup dates", n) : fmt::format("{} of {} rows", n, s.rows_read);
  };
  const std::string_view done = attributes ? "read as unknown" : "left out by every command";
  if (s.after_now > 0)
    rep.findings.push_back({s.stream, role, "future_time", s.after_now, s.rows_read,
                            attributes ? Policy::impute : Policy::drop, Severity::warning,
                            fmt::format("{} are dated after now ({}); {}", what(s.after_now),
                                        format_datetime(s.now), done)});
  if (s.before_floor > 0)
    rep.findings.push_back({s.stream, role, "ancient_time", s.before_floor, s.rows_read,
                            attributes ? Policy::impute : Policy::drop, Severity::warning,
                            fmt::format("{} are dated before {}; {}", what(s.before_floor),
                                        format_date(s.floor), done)});
  if (s.recoded_cells > 0)
    rep.findings.push_back({s.stream, "", "not_utf8", s.recoded_cells, s.rows_read, Policy::flag, Severity::info,
                            fmt::format("{} text value{} not UTF-8; read as Windows-1252 (Latin-1), the "
                                        "first at {}",
                                        s.recoded_cells, s.recoded_cells == 1 ? " is" : "s are",
                                        s.recoded_first)});
}

// The key an amount is counted under: its bits (one zero), or, once the distinct values are
// too many, the value rounded to kRoundedDigits significant digits.
constexpr int kRoundedDigits = 4;

double round_significant(double x) {
  if (x == 0 || !std::isfinite(x)) return x == 0 ? 0.0 : x;
  const double scale = std::pow(10.0, kRoundedDigits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * scale) / scale;
}

std::uint64_t amount_key(double x) {
  if (x == 0) x = 0.0;  // -0 and +0 are one value
  std::uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

double key_amount(std::uint64_t bits) {
  double x = 0;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// Rounds every counted amount (QualityTally::amounts_rounded).
void round_amounts(std::unordered_map<std::uint64_t, index_t>& counts) {
  std::unordered_map<std::uint64_t, index_t> rounded;
  for (const auto& [key, n] : counts) rounded[amount_key(round_significant(key_amount(key)))] += n;
  counts = std::move(rounded);
}

// The weighted median of (value, count) pairs sorted by value (the average of the two middle
// values for an even total, as a sort of every value would give).
double weighted_median(const std::vector<std::pair<double, index_t>>& v, index_t total) {
  if (total == 0) return 0;
  auto at = [&](index_t rank) {
    index_t seen = 0;
    for (const auto& [x, n] : v) {
      seen += n;
      if (rank < seen) return x;
    }
    return v.back().first;
  };
  const index_t mid = total / 2;
  const double hi = at(mid);
  if (total % 2 == 1) return hi;
  return (at(mid - 1) + hi) / 2;
}

}  // namespace

void QualityTally::merge(const QualityTally& o) {
  customers += o.customers;
  transactions += o.transactions;
  duplicate_rows += o.duplicate_rows;
  duplicates_dropped += o.duplicates_dropped;
  repeated_order_lines += o.repeated_order_lines;
  negative_amounts += o.negative_amounts;
  zero_amounts += o.zero_amounts;
  if (o.amounts_rounded && !amounts_rounded) {
    round_amounts(amount_counts);
    amounts_rounded = true;
  }
  for (const auto& [key, n] : o.amount_counts)
    amount_counts[amounts_rounded && !o.amounts_rounded ? amount_key(round_significant(key_amount(key))) : key] += n;
  if (!amounts_rounded && amount_counts.size() > max_distinct_amounts) {
    round_amounts(amount_counts);
    amounts_rounded = true;
  }
  if (o.first_time != events::kMissingTime && (first_time == events::kMissingTime || o.first_time < first_time))
    first_time = o.first_time;
  if (o.last_time != events::kMissingTime && (last_time == events::kMissingTime || o.last_time > last_time))
    last_time = o.last_time;
  with_purchase += o.with_purchase;
  with_events += o.with_events;
  attributes_without_events += o.attributes_without_events;
  events_without_attributes += o.events_without_attributes;
  attribute_rows += o.attribute_rows;
  has_attributes = has_attributes || o.has_attributes;
}

QualityTally tally_quality(const Context& ctx, const events::EventLog& log, const QualityOptions& o) {
  QualityTally tally;
  tally.max_distinct_amounts = o.max_distinct_amounts;
  tally.customers = log.customers();
  const events::Transactions& t = log.transactions;
  const auto n = static_cast<std::size_t>(t.size());
  tally.transactions = t.size();
  tally.duplicates_dropped = t.duplicates_dropped;
  if (n > 0) {
    // Exact duplicate rows, and order lines repeated (same order id, customer and product,
    // other fields differing): both within a customer, so counted per customer (the log
    // keeps each customer's rows together), in parallel over blocks of customers.
    TxRow row{t};
    const bool lines = !t.order.empty() && !t.product.empty();
    constexpr index_t kBlock = 2048;
    const index_t nc = log.customers();
    std::vector<index_t> dups(static_cast<std::size_t>(block_count(nc, kBlock)), 0);
    std::vector<index_t> repeats(dups.size(), 0);
    parallel_for_blocks(ctx, nc, kBlock, [&](index_t b, index_t c0, index_t c1) {
      std::vector<std::pair<std::uint64_t, std::size_t>> keys;  // (hash, row)
      std::vector<std::size_t> idx;
      index_t& d = dups[static_cast<std::size_t>(b)];
      index_t& r = repeats[static_cast<std::size_t>(b)];
      for (index_t c = c0; c < c1; ++c) {
        const auto begin = static_cast<std::size_t>(t.offsets[static_cast<std::size_t>(c)]);
        const auto end = static_cast<std::size_t>(t.offsets[static_cast<std::size_t>(c) + 1]);
        if (end - begin < 2) continue;
        keys.clear();
        for (std::size_t i = begin; i < end; ++i) keys.emplace_back(row.hash(i), i);
        std::sort(keys.begin(), keys.end());
        for (std::size_t a = 0; a < keys.size();) {
          std::size_t e = a + 1;
          while (e < keys.size() && keys[e].first == keys[a].first) ++e;
          // Within a run of equal hashes, count rows equal to an earlier row of the run.
          for (std::size_t j = a + 1; j < e; ++j)
            for (std::size_t k = a; k < j; ++k)
              if (row.equal(keys[j].second, keys[k].second)) {
                ++d;
                break;
              }
          a = e;
        }
        if (!lines) continue;
        idx.resize(end - begin);
        std::iota(idx.begin(), idx.end(), begin);
        std::sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) {
          if (t.order[x] != t.order[y]) return t.order[x] < t.order[y];
          if (t.product[x] != t.product[y]) return t.product[x] < t.product[y];
          return x < y;
        });
        for (std::size_t a = 0; a < idx.size();) {
          std::size_t e = a + 1;
          const auto i0 = idx[a];
          while (e < idx.size() && t.order[idx[e]] == t.order[i0] && t.product[idx[e]] == t.product[i0]) ++e;
          if (t.order[i0] != events::kMissingCode && t.product[i0] != events::kMissingCode)
            for (std::size_t j = a + 1; j < e; ++j) {
              bool exact = false;
              for (std::size_t k = a; k < j && !exact; ++k) exact = row.equal(idx[j], idx[k]);
              if (!exact) ++r;
            }
          a = e;
        }
      }
    });
    for (std::size_t b = 0; b < dups.size(); ++b) {
      tally.duplicate_rows += dups[b];
      tally.repeated_order_lines += repeats[b];
    }
    // Amount signs, and each distinct amount's count (for the median and MAD).
    auto& counts = tally.amount_counts;
    for (double a : t.amount) {
      tally.negative_amounts += a < 0 ? 1 : 0;
      tally.zero_amounts += a == 0 ? 1 : 0;
      ++counts[tally.amounts_rounded ? amount_key(round_significant(a)) : amount_key(a)];
      if (!tally.amounts_rounded && counts.size() > tally.max_distinct_amounts) {
        round_amounts(counts);
        tally.amounts_rounded = true;
      }
    }
  }

  // Timestamps.
  tally.last_time = log.last_event_time();
  for (const auto* v : {&t.time, &log.sessions.time, &log.emails.time, &log.support.time})
    for (Seconds s : *v)
      if (tally.first_time == events::kMissingTime || s < tally.first_time) tally.first_time = s;

  // Customers: attributes versus events.
  const auto nc = static_cast<std::size_t>(log.customers());
  auto rows_of = [](const std::vector<index_t>& off, std::size_t c) {
    return off.empty() ? index_t{0} : off[c + 1] - off[c];
  };
  std::vector<std::uint8_t> purchased(nc, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (t.amount[i] > 0) purchased[static_cast<std::size_t>(t.customer[i])] = 1;
  for (std::size_t c = 0; c < nc; ++c) {
    tally.with_purchase += purchased[c];
    const bool events = rows_of(t.offsets, c) + rows_of(log.sessions.offsets, c) +
                            rows_of(log.emails.offsets, c) + rows_of(log.support.offsets, c) >
                        0;
    tally.with_events += events ? 1 : 0;
    const bool attrs = rows_of(log.attributes.offsets, c) > 0;
    if (attrs && !events) ++tally.attributes_without_events;
    if (!attrs && events) ++tally.events_without_attributes;
  }
  tally.has_attributes = log.has(Stream::customers);
  tally.attribute_rows = log.attributes.size();
  return tally;
}

QualityReport finish_quality(const QualityTally& tally, const std::vector<StreamReport>& reports,
                             const std::vector<std::string>& notes, const QualityOptions& o) {
  QualityReport rep;
  rep.streams = reports;
  rep.notes = notes;
  rep.customers = tally.customers;

  // Per stream and column: missing and invalid.
  for (const StreamReport& s : reports) {
    index_t attributed = 0;
    for (const ColumnStats& c : s.columns) {
      attributed += c.invalid;
      if (c.missing > 0) {
        const bool numeric = is_numeric_role(c.role);
        const bool time = c.role == "time" || c.role == "signup_date";
        rep.findings.push_back(
            {s.stream, c.role, "missing", c.missing, s.rows_accepted,
             numeric || time ? Policy::impute : Policy::flag,
             percent(c.missing, s.rows_accepted) > 20 ? Severity::warning : Severity::info,
             fmt::format("{} of {} rows ({:.1f}%) have no {} ({}); {}", c.missing,
                         s.rows_accepted, percent(c.missing, s.rows_accepted), c.role, c.source,
                         numeric ? "imputed with the column median"
                         : time  ? "treated as unknown"
                                 : "kept as an unknown category")});
      }
      if (c.invalid > 0)
        rep.findings.push_back(
            {s.stream, c.role, "invalid", c.invalid, s.rows_read, Policy::drop,
             Severity::warning,
             fmt::format("{} of {} rows have an invalid {} ({}); they were left out", c.invalid,
                         s.rows_read, c.role, c.source)});
    }
    if (s.rows_rejected > attributed)
      rep.findings.push_back(
          {s.stream, "", "invalid", s.rows_rejected - attributed, s.rows_read, Policy::drop,
           Severity::warning,
           fmt::format("{} of {} rows are malformed (wrong number of fields or not an "
                       "object); they were left out",
                       s.rows_rejected - attributed, s.rows_read)});
  }

  const index_t n = tally.transactions;
  // Duplicates are only dropped where an order id proves them (the reader did that); exact
  // repeats without one are real same-day purchases as often as not (CDNOW's are), so kept.
  if (tally.duplicates_dropped > 0)
    rep.findings.push_back(
        {"transactions", "", "duplicate_rows", tally.duplicates_dropped, n + tally.duplicates_dropped,
         Policy::drop, Severity::warning,
         fmt::format("{} rows repeat an earlier row exactly, order id included; the copies are left "
                     "out by every command",
                     tally.duplicates_dropped)});
  if (tally.duplicate_rows > 0)
    rep.findings.push_back(
        {"transactions", "", "repeated_rows", tally.duplicate_rows, n, Policy::flag, Severity::info,
         fmt::format("{} rows repeat an earlier row exactly, with no order id to tell a copy from a "
                     "second purchase; kept as purchases (an order id column lets copies be left out)",
                     tally.duplicate_rows)});
  if (tally.repeated_order_lines > 0)
    rep.findings.push_back(
        {"transactions", "order_id", "duplicate_order_lines", tally.repeated_order_lines, n,
         Policy::flag, Severity::info,
         fmt::format("{} rows repeat an order id, customer and product of an earlier row "
                     "with other values; kept as separate lines",
                     tally.repeated_order_lines)});
  if (tally.negative_amounts > 0)
    rep.findings.push_back(
        {"transactions", "amount", "negative_amount", tally.negative_amounts, n, Policy::flag,
         Severity::info,
         fmt::format("{} rows have a negative amount; treated as returns or refunds",
                     tally.negative_amounts)});
  if (tally.zero_amounts > 0)
    rep.findings.push_back(
        {"transactions", "amount", "zero_amount", tally.zero_amounts, n, Policy::flag, Severity::info,
         fmt::format("{} rows have a zero amount; kept as orders without revenue", tally.zero_amounts)});
  if (n > 0) {
    // Robust outliers: |x − median| > k · 1.4826 · MAD, from the count of each distinct amount.
    std::vector<std::pair<double, index_t>> v;
    v.reserve(tally.amount_counts.size());
    for (const auto& [key, count] : tally.amount_counts) v.emplace_back(key_amount(key), count);
    std::sort(v.begin(), v.end());
    rep.amount_median = weighted_median(v, n);
    for (auto& [x, count] : v) x = std::fabs(x - rep.amount_median);
    std::sort(v.begin(), v.end());
    rep.amount_mad = weighted_median(v, n);
    const double bound = o.mad_k * 1.4826 * rep.amount_mad;
    if (rep.amount_mad > 0) {
      index_t outliers = 0;
      for (const auto& [deviation, count] : v) outliers += deviation > bound ? count : 0;
      if (outliers > 0)
        rep.findings.push_back(
            {"transactions", "amount", "amount_outlier", outliers, n, Policy::cap,
             Severity::info,
             fmt::format("{} amounts lie outside median {:.4g} ± {:.4g} ({} × 1.4826 × MAD "
                         "{:.4g}{}); capped at those bounds",
                         outliers, rep.amount_median, bound, o.mad_k, rep.amount_mad,
                         tally.amounts_rounded
                             ? fmt::format(", of amounts rounded to {} significant digits", kRoundedDigits)
                             : std::string())});
    }
  }

  // Timestamps.
  for (const StreamReport& s : reports) read_findings(rep, s);
  rep.first_time = tally.first_time;
  rep.last_time = tally.last_time;

  // Customers: attributes versus events.
  rep.customers_with_purchases = tally.with_purchase;
  if (tally.has_attributes) {
    if (tally.attributes_without_events > 0)
      rep.findings.push_back(
          {"customers", "", "customers_without_events", tally.attributes_without_events,
           tally.attribute_rows, Policy::flag, Severity::info,
           fmt::format("{} customers have attributes but no events; they get no segment",
                       tally.attributes_without_events)});
    if (tally.events_without_attributes > 0)
      rep.findings.push_back(
          {"customers", "", "unknown_customers", tally.events_without_attributes, tally.with_events,
           Policy::impute, Severity::warning,
           fmt::format("{} customers with events have no attributes row; their attributes are "
                       "imputed as unknown",
                       tally.events_without_attributes)});
  }

  // Can this be segmented?
  const index_t with_purchase = tally.with_purchase;
  if (n == 0) {
    rep.segmentable = false;
    rep.reason = "no transactions: the transactions stream has no rows";
  } else if (with_purchase < 2) {
    rep.segmentable = false;
    rep.reason = fmt::format(
        "{} customer{} with purchases; segmentation needs at least 2", with_purchase,
        with_purchase == 1 ? "" : "s");
  }
  if (!rep.segmentable) {
    rep.findings.push_back({"", "", "not_segmentable", with_purchase, tally.customers,
                            Policy::drop, Severity::error, rep.reason});
  } else if (with_purchase < o.small_customers) {
    rep.findings.push_back(
        {"", "", "small_data", with_purchase, tally.customers, Policy::flag, Severity::warning,
         fmt::format("only {} customers with purchases (fewer than {}): expect few, unstable "
                     "segments and wide CLV intervals",
                     with_purchase, o.small_customers)});
  }
  return rep;
}

Result<QualityReport> check_quality(const Context& ctx, const Dataset& data,
                                    const QualityOptions& o) {
  const QualityTally tally = tally_quality(ctx, data.log, o);
  if (ctx.cancelled()) return Status::cancelled();
  return finish_quality(tally, data.reports, data.notes, o);
}

QualityTally tally_partition(const Context& ctx, const events::EventLog& log, const PartitionedDataset& data,
                             std::uint32_t partition, const QualityOptions& o) {
  QualityTally tally = tally_quality(ctx, log, o);
  if (data.referrals != nullptr) {
    // Only the referral customers routed to this partition can be in it.
    const events::EventLog& refs = data.referrals->log;
    for (index_t c = 0; c < refs.customers(); ++c) {
      const std::string& id = refs.external_id(static_cast<events::customer_t>(c));
      if (partition_of_id(id, data.partitions) == partition && log.find(id) >= 0) --tally.customers;
    }
  }
  return tally;
}

QualityReport finish_quality(const Context& ctx, QualityTally tally, const PartitionedDataset& data,
                             const QualityOptions& o) {
  if (data.referrals != nullptr) tally.merge(tally_quality(ctx, data.referrals->log, o));
  return finish_quality(tally, data.reports, data.notes, o);
}

Result<QualityReport> check_quality(const Context& ctx, const PartitionedDataset& data,
                                    const QualityOptions& o) {
  QualityTally tally;
  tally.max_distinct_amounts = o.max_distinct_amounts;
  for (std::uint32_t k = 0; k < data.partitions; ++k) {
    if (ctx.cancelled()) return Status::cancelled();
    ctx.progress().begin(fmt::format("checking partition {}/{}", k + 1, data.partitions), 0);
    auto part = load_partition(ctx, data, k);
    ctx.progress().end();
    if (!part.ok()) return part.status();
    tally.merge(tally_partition(ctx, part->log, data, k, o));
  }
  return finish_quality(ctx, std::move(tally), data, o);
}

std::string format_quality_report(const QualityReport& r) {
  std::string s;
  s += "streams\n";
  s += fmt::format("  {:<13} {:>10} {:>10} {:>10}  {}\n", "stream", "read", "accepted",
                   "rejected", "file");
  for (const auto& st : r.streams)
    s += fmt::format("  {:<13} {:>10} {:>10} {:>10}  {}\n", st.stream, st.rows_read,
                     st.rows_accepted, st.rows_rejected, st.file);
  s += "\ncolumns\n";
  s += fmt::format("  {:<13} {:<15} {:<28} {:>9} {:>9}\n", "stream", "role", "source",
                   "missing", "invalid");
  for (const auto& st : r.streams)
    for (std::size_t i = 0; i < st.column_roles.size(); ++i) {
      const auto& c = st.columns[i];
      s += fmt::format("  {:<13} {:<15} {:<28} {:>9} {:>9}\n", st.stream, c.role,
                       st.column_roles[i].second, c.missing, c.invalid);
    }
  s += "\nfindings\n";
  if (r.findings.empty()) s += "  none\n";
  for (const auto& f : r.findings)
    s += fmt::format("  {:<8} {:<13} {:<9} {:<24} {:>9} {:>9}  {:<7} {}\n",
                     severity_name(f.severity), f.stream.empty() ? "-" : f.stream,
                     f.column.empty() ? "-" : f.column, f.kind, f.count, f.total,
                     policy_name(f.policy), f.message);
  s += fmt::format("\n{} customers, {} with purchases", r.customers, r.customers_with_purchases);
  if (r.first_time != events::kMissingTime && r.last_time != events::kMissingTime)
    s += fmt::format("; events from {} to {}", format_date(r.first_time), format_date(r.last_time));
  s += "\n";
  for (const auto& note : r.notes) s += "note: " + note + "\n";
  s += r.segmentable ? "data can be segmented\n" : "data cannot be segmented: " + r.reason + "\n";
  return s;
}

nlohmann::json quality_json(const QualityReport& r) {
  nlohmann::json j;
  j["segmentable"] = r.segmentable;
  j["reason"] = r.reason;
  j["customers"] = r.customers;
  j["customers_with_purchases"] = r.customers_with_purchases;
  const bool times = r.first_time != events::kMissingTime && r.last_time != events::kMissingTime;
  j["first_time"] = times ? nlohmann::json(format_datetime(r.first_time)) : nlohmann::json();
  j["last_time"] = times ? nlohmann::json(format_datetime(r.last_time)) : nlohmann::json();
  j["amount_median"] = r.amount_median;
  j["amount_mad"] = r.amount_mad;
  j["streams"] = nlohmann::json::array();
  for (const auto& st : r.streams) {
    nlohmann::json s = {{"stream", st.stream},
                        {"file", st.file},
                        {"rows_read", st.rows_read},
                        {"rows_accepted", st.rows_accepted},
                        {"rows_rejected", st.rows_rejected},
                        {"ignored_columns", st.ignored},
                        {"rejects_file", st.rejects_file}};
    s["columns"] = nlohmann::json::array();
    for (std::size_t i = 0; i < st.columns.size(); ++i)
      s["columns"].push_back({{"role", st.columns[i].role},
                              {"source", st.column_roles[i].second},
                              {"missing", st.columns[i].missing},
                              {"invalid", st.columns[i].invalid}});
    s["time_formats"] = nlohmann::json::object();
    for (const auto& [role, fmt_name] : st.time_formats) s["time_formats"][role] = fmt_name;
    j["streams"].push_back(std::move(s));
  }
  j["findings"] = nlohmann::json::array();
  for (const auto& f : r.findings)
    j["findings"].push_back({{"severity", severity_name(f.severity)},
                             {"stream", f.stream},
                             {"column", f.column},
                             {"kind", f.kind},
                             {"count", f.count},
                             {"total", f.total},
                             {"policy", policy_name(f.policy)},
                             {"message", f.message}});
  j["notes"] = r.notes;
  return j;
}

}  // namespace kohort::io
