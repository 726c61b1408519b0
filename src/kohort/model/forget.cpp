#include "kohort/model/forget.h"

#include <algorithm>
#include <cmath>

#include "kohort/core/hash.h"

namespace kohort::model {

namespace {

constexpr const char* kActivity[] = {"recency_days", "days_since_last_session", "days_since_last_contact",
                                     "days_since_email_engagement"};

template <typename T>
void keep_in(std::vector<T>& v, const std::vector<bool>& keep) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (keep[i]) v[out++] = std::move(v[i]);
  v.resize(out);
}

}  // namespace

Result<Forgotten> Forgotten::read(store::Store& store) {
  KOHORT_ASSIGN_OR_RETURN(const auto rows, store.forgotten());
  Forgotten f;
  for (const auto& [key, when] : rows) f.when[key] = parse_iso8601(when).value_or(0);
  return f;
}

std::vector<bool> rows_to_keep(const Forgotten& forgotten, const features::FeatureTable& raw, const std::vector<std::string>& ids) {
  std::vector<bool> keep(ids.size(), true);
  if (forgotten.when.empty()) return keep;
  std::vector<index_t> activity;
  for (const char* name : kActivity)
    if (const index_t c = raw.column(name); c >= 0) activity.push_back(c);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto it = forgotten.when.find(sha256_fingerprint(ids[i]));
    if (it == forgotten.when.end()) continue;
    double days = INFINITY;
    for (const index_t c : activity) {
      const double v = raw.values(static_cast<index_t>(i), c);
      if (std::isfinite(v)) days = std::min(days, v);
    }
    const bool seen_again = std::isfinite(days) && raw.as_of - static_cast<Seconds>(std::ceil(days * kSecondsPerDay)) > it->second;
    keep[i] = seen_again;
  }
  return keep;
}

index_t drop_rows(features::FeatureTable& raw, std::vector<std::string>& ids, const std::vector<bool>& keep) {
  const auto kept = static_cast<index_t>(std::count(keep.begin(), keep.end(), true));
  const index_t dropped = raw.rows() - kept;
  if (dropped == 0) return 0;
  Matrix<float> values(kept, raw.cols());
  index_t r = 0;
  for (index_t i = 0; i < raw.rows(); ++i) {
    if (!keep[static_cast<std::size_t>(i)]) continue;
    std::copy_n(&raw.values(i, 0), raw.cols(), &values(r++, 0));
  }
  raw.values = std::move(values);
  keep_in(raw.customers, keep);
  keep_in(ids, keep);
  return dropped;
}

index_t drop_rows(FitData& data, const std::vector<bool>& keep) {
  // Purchase summaries name their table row: renumber them to the rows that stay.
  std::vector<index_t> new_row(keep.size(), -1);
  index_t next = 0;
  for (std::size_t i = 0; i < keep.size(); ++i)
    if (keep[i]) new_row[i] = next++;
  auto& p = data.purchases;
  std::vector<bool> keep_summary(p.customers.size());
  for (std::size_t i = 0; i < p.customers.size(); ++i) {
    keep_summary[i] = keep[static_cast<std::size_t>(p.customers[i])];
    p.customers[i] = static_cast<events::customer_t>(std::max<index_t>(0, new_row[static_cast<std::size_t>(p.customers[i])]));
  }
  for (auto* v : {&p.x, &p.t_x, &p.T, &p.monetary, &p.first_value}) keep_in(*v, keep_summary);
  keep_in(p.customers, keep_summary);
  auto& b = data.business;
  for (auto* v : {&b.revenue, &b.orders, &b.tenure_days, &b.clv, &b.p_alive, &b.churn_risk})
    if (v->size() == keep.size()) keep_in(*v, keep);
  return drop_rows(data.raw, data.ids, keep);
}

}  // namespace kohort::model
