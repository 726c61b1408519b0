#include "kohort/events/event_log.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace kohort::events {

namespace {
std::uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }
std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32) | 1u; }
}  // namespace

std::int32_t StringIndex::find(std::string_view s, const std::vector<std::string>& values) const {
  if (slots_.empty()) return -1;
  const std::uint64_t h = hash_of(s);
  const std::uint32_t tag = tag_of(h);
  for (std::size_t i = static_cast<std::size_t>(h) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.code1 == 0) return -1;
    if (slot.tag == tag && values[slot.code1 - 1] == s) return static_cast<std::int32_t>(slot.code1 - 1);
  }
}

void StringIndex::insert(std::string_view s, std::int32_t code, const std::vector<std::string>& values) {
  if ((used_ + 1) * 2 > slots_.size()) grow(values);
  const std::uint64_t h = hash_of(s);
  std::size_t i = static_cast<std::size_t>(h) & mask_;
  while (slots_[i].code1 != 0) i = (i + 1) & mask_;
  slots_[i] = {static_cast<std::uint32_t>(code) + 1, tag_of(h)};
  ++used_;
}

void StringIndex::grow(const std::vector<std::string>& values) {
  std::vector<Slot> old(std::max<std::size_t>(64, slots_.size() * 2));
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.code1 == 0) continue;
    std::size_t i = static_cast<std::size_t>(hash_of(values[slot.code1 - 1])) & mask_;
    while (slots_[i].code1 != 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

code_t Dictionary::intern(std::string_view value) {
  const std::int32_t found = index_.find(value, values_);
  if (found >= 0) return found;
  const auto code = static_cast<code_t>(values_.size());
  values_.emplace_back(value);
  index_.insert(values_.back(), code, values_);
  return code;
}

code_t Dictionary::find(std::string_view value) const {
  const std::int32_t found = index_.find(value, values_);
  return found >= 0 ? found : kMissingCode;
}

std::string_view stream_name(Stream s) {
  switch (s) {
    case Stream::transactions: return "transactions";
    case Stream::sessions: return "sessions";
    case Stream::emails: return "emails";
    case Stream::support: return "support";
    case Stream::customers: return "customers";
    case Stream::referrals: return "referrals";
  }
  return "transactions";
}

customer_t EventLog::intern(std::string_view external_id) {
  const std::int32_t found = index_.find(external_id, ids_);
  if (found >= 0) return found;
  const auto id = static_cast<customer_t>(ids_.size());
  ids_.emplace_back(external_id);
  index_.insert(ids_.back(), id, ids_);
  return id;
}

customer_t EventLog::find(std::string_view external_id) const {
  return index_.find(external_id, ids_);
}

namespace {

// Stable order of rows by (customer, time); empty when the rows are in that order already (as
// the reader leaves them), which permute() takes as the identity.
std::vector<index_t> sort_order(const std::vector<customer_t>& cust,
                                const std::vector<Seconds>* time) {
  bool sorted = true;
  for (std::size_t i = 1; i < cust.size() && sorted; ++i)
    sorted = cust[i - 1] < cust[i] ||
             (cust[i - 1] == cust[i] && (time == nullptr || (*time)[i - 1] <= (*time)[i]));
  if (sorted) return {};
  std::vector<index_t> perm(cust.size());
  std::iota(perm.begin(), perm.end(), index_t{0});
  std::stable_sort(perm.begin(), perm.end(), [&](index_t a, index_t b) {
    if (cust[a] != cust[b]) return cust[a] < cust[b];
    return time != nullptr && (*time)[a] < (*time)[b];
  });
  return perm;
}

template <typename T>
Status permute(std::vector<T>& col, const std::vector<index_t>& perm, std::size_t rows,
               std::string_view stream, std::string_view column) {
  if (col.empty()) return {};
  if (col.size() != rows)
    return Status::internal(std::string(stream),
                            fmt::format("column {} has {} rows, expected {}", column, col.size(),
                                        rows));
  if (perm.empty()) return {};  // already in order
  std::vector<T> out(col.size());
  for (std::size_t i = 0; i < perm.size(); ++i) out[i] = col[static_cast<std::size_t>(perm[i])];
  col.swap(out);
  return {};
}

std::vector<index_t> build_offsets(const std::vector<customer_t>& cust, index_t n_customers) {
  std::vector<index_t> off(static_cast<std::size_t>(n_customers) + 1, 0);
  for (customer_t c : cust) ++off[static_cast<std::size_t>(c) + 1];
  for (std::size_t i = 1; i < off.size(); ++i) off[i] += off[i - 1];
  return off;
}

}  // namespace

#define KOHORT_PERMUTE(stream, col) \
  KOHORT_RETURN_IF_ERROR(permute(stream.col, perm, stream.customer.size(), #stream, #col))

Status EventLog::finalize() {
  const index_t n = customers();
  {
    auto perm = sort_order(transactions.customer, &transactions.time);
    KOHORT_PERMUTE(transactions, customer);
    KOHORT_PERMUTE(transactions, time);
    KOHORT_PERMUTE(transactions, amount);
    KOHORT_PERMUTE(transactions, order);
    KOHORT_PERMUTE(transactions, quantity);
    KOHORT_PERMUTE(transactions, product);
    KOHORT_PERMUTE(transactions, category);
    KOHORT_PERMUTE(transactions, channel);
    KOHORT_PERMUTE(transactions, payment);
    KOHORT_PERMUTE(transactions, discount);
    KOHORT_PERMUTE(transactions, returned);
    transactions.offsets = build_offsets(transactions.customer, n);
  }
  {
    auto perm = sort_order(sessions.customer, &sessions.time);
    KOHORT_PERMUTE(sessions, customer);
    KOHORT_PERMUTE(sessions, time);
    KOHORT_PERMUTE(sessions, duration_s);
    KOHORT_PERMUTE(sessions, pages);
    KOHORT_PERMUTE(sessions, category);
    KOHORT_PERMUTE(sessions, search);
    KOHORT_PERMUTE(sessions, device);
    sessions.offsets = build_offsets(sessions.customer, n);
  }
  {
    auto perm = sort_order(emails.customer, &emails.time);
    KOHORT_PERMUTE(emails, customer);
    KOHORT_PERMUTE(emails, time);
    KOHORT_PERMUTE(emails, event);
    KOHORT_PERMUTE(emails, campaign);
    emails.offsets = build_offsets(emails.customer, n);
  }
  {
    auto perm = sort_order(support.customer, &support.time);
    KOHORT_PERMUTE(support, customer);
    KOHORT_PERMUTE(support, time);
    KOHORT_PERMUTE(support, topic);
    KOHORT_PERMUTE(support, sentiment);
    support.offsets = build_offsets(support.customer, n);
  }
  {
    auto perm = sort_order(attributes.customer, nullptr);
    KOHORT_PERMUTE(attributes, customer);
    KOHORT_PERMUTE(attributes, signup);
    KOHORT_PERMUTE(attributes, region);
    KOHORT_PERMUTE(attributes, age);
    KOHORT_PERMUTE(attributes, loyalty_tier);
    KOHORT_PERMUTE(attributes, email);
    attributes.offsets = build_offsets(attributes.customer, n);
  }
  return {};
}

#undef KOHORT_PERMUTE

Seconds EventLog::last_event_time() const {
  Seconds t = kMissingTime;
  auto upd = [&](const std::vector<Seconds>& v) {
    for (Seconds s : v) t = std::max(t, s);
  };
  upd(transactions.time);
  upd(sessions.time);
  upd(emails.time);
  upd(support.time);
  return t;
}

RowRange rows_before(std::span<const index_t> offsets, std::span<const Seconds> time,
                     customer_t c, Seconds as_of) {
  const index_t b = offsets[static_cast<std::size_t>(c)];
  const index_t e = offsets[static_cast<std::size_t>(c) + 1];
  auto first = time.begin() + b;
  auto it = std::lower_bound(first, time.begin() + e, as_of);
  return {b, b + (it - first)};
}

}  // namespace kohort::events
