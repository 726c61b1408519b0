// kohort/events/event_log.h — the customer event log: columnar streams sorted by (customer, time).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/matrix.h"
#include "kohort/core/status.h"
#include "kohort/core/time.h"

namespace kohort::events {

/// A customer's dense id: 0 .. n_customers-1 in order of first appearance.
using customer_t = std::int32_t;
/// A dictionary code for a categorical value (category, channel, …); -1 means missing.
using code_t = std::int32_t;
inline constexpr code_t kMissingCode = -1;
inline constexpr float kMissingFloat = std::numeric_limits<float>::quiet_NaN();

/// An open-addressing hash index over the strings of a vector that holds them: each string is
/// stored once (in the vector), the index keeps only codes and hash tags (8 bytes a slot).
/// Lookups take a std::string_view and allocate nothing.
class StringIndex {
 public:
  /// The position of `s` in `values`, or −1.
  [[nodiscard]] std::int32_t find(std::string_view s, const std::vector<std::string>& values) const;
  /// Records that values[code] == s (not yet indexed); values.size() > code.
  void insert(std::string_view s, std::int32_t code, const std::vector<std::string>& values);

 private:
  struct Slot {
    std::uint32_t code1 = 0;  ///< code + 1; 0 marks an empty slot
    std::uint32_t tag = 0;    ///< high bits of the hash
  };
  void grow(const std::vector<std::string>& values);
  std::vector<Slot> slots_;
  std::size_t mask_ = 0, used_ = 0;
};

/// Interns strings to dense codes 0, 1, 2, … in order of first appearance.
class Dictionary {
 public:
  code_t intern(std::string_view value);
  /// The code of `value`, or kMissingCode when it was never interned.
  [[nodiscard]] code_t find(std::string_view value) const;
  [[nodiscard]] const std::string& value(code_t code) const { return values_[code]; }
  [[nodiscard]] std::size_t size() const { return values_.size(); }
  [[nodiscard]] const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
  StringIndex index_;
};

/// The streams a dataset may hold; only transactions is required.
enum class Stream { transactions, sessions, emails, support, customers, referrals };
[[nodiscard]] std::string_view stream_name(Stream s);

/// Purchases: one row per order line (or per order when there are no lines).
/// Required columns are always filled; optional columns are either empty (absent from the
/// source) or as long as `customer` with kMissingCode / NaN for missing cells.
struct Transactions {
  std::vector<customer_t> customer;
  std::vector<Seconds> time;
  std::vector<double> amount;          ///< money; negative for refunds
  /// Optional; groups a customer's lines into orders: two lines of one customer have the same
  /// code exactly when they have the same order id. The reader does not keep the ids' text
  /// (`orders` stays empty; codes count up in order of first appearance); a builder may
  /// intern them in `orders`.
  std::vector<code_t> order;
  std::vector<float> quantity;         ///< optional
  std::vector<code_t> product;         ///< optional; codes in `products`
  std::vector<code_t> category;        ///< optional; codes in `categories`
  std::vector<code_t> channel;         ///< optional; codes in `channels`
  std::vector<code_t> payment;         ///< optional; codes in `payments`
  std::vector<float> discount;         ///< optional; fraction of list price taken off, 0..1
  std::vector<std::uint8_t> returned;  ///< optional; 1 when the line was returned
  Dictionary orders, products, categories, channels, payments;
  std::vector<index_t> offsets;  ///< after finalize(): rows of customer c are [offsets[c], offsets[c+1])
  /// Rows the reader left out as exact copies of an earlier row with the same order id (text
  /// equal byte for byte): a duplicate is dropped only where an order id proves it.
  index_t duplicates_dropped = 0;

  [[nodiscard]] index_t size() const { return static_cast<index_t>(customer.size()); }
};

/// Web or app sessions.
struct Sessions {
  std::vector<customer_t> customer;
  std::vector<Seconds> time;
  std::vector<float> duration_s;   ///< optional
  std::vector<float> pages;        ///< optional
  std::vector<code_t> category;    ///< optional; codes in `categories`
  std::vector<std::uint8_t> search;  ///< optional; 1 when the session used search
  std::vector<code_t> device;      ///< optional; codes in `devices` (web, app, …)
  Dictionary categories, devices;
  std::vector<index_t> offsets;
  [[nodiscard]] index_t size() const { return static_cast<index_t>(customer.size()); }
};

enum class EmailEvent : std::uint8_t { sent = 0, open = 1, click = 2, unsubscribe = 3 };

/// Email events.
struct Emails {
  std::vector<customer_t> customer;
  std::vector<Seconds> time;
  std::vector<EmailEvent> event;
  std::vector<code_t> campaign;  ///< optional; codes in `campaigns`
  Dictionary campaigns;
  std::vector<index_t> offsets;
  [[nodiscard]] index_t size() const { return static_cast<index_t>(customer.size()); }
};

/// Support contacts.
struct Support {
  std::vector<customer_t> customer;
  std::vector<Seconds> time;
  std::vector<code_t> topic;      ///< optional; codes in `topics`
  std::vector<float> sentiment;   ///< optional; −1 (negative) .. +1 (positive)
  Dictionary topics;
  std::vector<index_t> offsets;
  [[nodiscard]] index_t size() const { return static_cast<index_t>(customer.size()); }
};

/// Customer attributes: one row per customer at most (indexed by dense customer id after
/// finalize(); customers without a row have missing values).
struct Attributes {
  std::vector<customer_t> customer;
  std::vector<Seconds> signup;         ///< optional; INT64_MIN when missing
  std::vector<code_t> region;          ///< optional; codes in `regions`
  std::vector<float> age;              ///< optional
  std::vector<code_t> loyalty_tier;    ///< optional; codes in `tiers`, ordered as first seen
  std::vector<code_t> email;           ///< optional; codes in `emails` (never a feature: for exports only)
  Dictionary regions, tiers, emails;
  /// Names of columns marked protected (kept for fairness audits, never used as features).
  std::vector<std::string> protected_columns;
  std::vector<index_t> offsets;
  [[nodiscard]] index_t size() const { return static_cast<index_t>(customer.size()); }
};
inline constexpr Seconds kMissingTime = std::numeric_limits<Seconds>::min();

/// Referral edges: `referrer` brought `referred` in.
struct Referrals {
  std::vector<customer_t> referrer;
  std::vector<customer_t> referred;
  std::vector<Seconds> time;  ///< optional
  [[nodiscard]] index_t size() const { return static_cast<index_t>(referrer.size()); }
};

/// All streams of one dataset, customers interned to dense ids shared by every stream.
/// Build by interning customers and pushing columns, then call finalize() once.
class EventLog {
 public:
  /// The dense id of an external customer id, created on first sight.
  customer_t intern(std::string_view external_id);
  /// The dense id, or -1 when unknown.
  [[nodiscard]] customer_t find(std::string_view external_id) const;
  [[nodiscard]] index_t customers() const { return static_cast<index_t>(ids_.size()); }
  [[nodiscard]] const std::string& external_id(customer_t c) const { return ids_[c]; }

  Transactions transactions;
  Sessions sessions;
  Emails emails;
  Support support;
  Attributes attributes;
  Referrals referrals;

  /// Whether a stream was loaded (set by the reader or the builder).
  [[nodiscard]] bool has(Stream s) const { return present_[static_cast<int>(s)]; }
  void set_present(Stream s, bool present = true) { present_[static_cast<int>(s)] = present; }

  /// Sorts every stream stably by (customer, time) and builds per-customer offsets.
  /// Fails with internal when an optional column's length differs from its stream's.
  /// Deterministic; O(rows · log rows).
  [[nodiscard]] Status finalize();

  /// The latest event time over all streams (the data's end), or kMissingTime when empty.
  [[nodiscard]] Seconds last_event_time() const;

 private:
  std::vector<std::string> ids_;
  StringIndex index_;
  bool present_[6] = {false, false, false, false, false, false};
};

/// Rows [begin, end) of customer c in a finalized stream whose time is before `as_of`:
/// events at or after the as-of instant are invisible. O(log rows of c).
struct RowRange {
  index_t begin = 0;
  index_t end = 0;
  [[nodiscard]] index_t size() const { return end - begin; }
};
[[nodiscard]] RowRange rows_before(std::span<const index_t> offsets, std::span<const Seconds> time,
                                   customer_t c, Seconds as_of);

}  // namespace kohort::events
