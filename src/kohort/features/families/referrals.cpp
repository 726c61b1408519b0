#include "kohort/features/families/referrals.h"

#include <cmath>
#include <string>

namespace kohort::features::internal {

std::vector<double> pagerank(index_t n, std::span<const index_t> src, std::span<const index_t> dst,
                             double damping, double tol, int max_iter) {
  const auto un = static_cast<std::size_t>(n);
  std::vector<double> p(un, n > 0 ? 1.0 / static_cast<double>(n) : 0.0), next(un);
  if (n == 0) return p;
  std::vector<double> out(un, 0.0);
  for (index_t s : src) out[static_cast<std::size_t>(s)] += 1;
  for (int it = 0; it < max_iter; ++it) {
    double dangling = 0;
    for (std::size_t i = 0; i < un; ++i)
      if (out[i] == 0) dangling += p[i];
    const double base =
        (1.0 - damping) / static_cast<double>(n) + damping * dangling / static_cast<double>(n);
    std::fill(next.begin(), next.end(), base);
    for (std::size_t e = 0; e < src.size(); ++e) {
      const auto s = static_cast<std::size_t>(src[e]);
      next[static_cast<std::size_t>(dst[e])] += damping * p[s] / out[s];
    }
    double delta = 0;
    for (std::size_t i = 0; i < un; ++i) delta += std::fabs(next[i] - p[i]);
    p.swap(next);
    if (delta < tol) break;
  }
  return p;
}

void ReferralFamily::plan(const events::EventLog& log, const FeatureSpec& spec,
                          std::span<const events::customer_t> rows, std::span<const index_t> row_of,
                          Columns& cols) {
  if (!log.has(events::Stream::referrals) || !spec.wants("referrals")) return;
  active_ = true;
  const auto& rf = log.referrals;
  const bool timed = rf.time.size() == rf.referrer.size() && !rf.time.empty();
  const auto n = static_cast<std::size_t>(rows.size());
  out_deg_.assign(n, 0.0);
  in_deg_.assign(n, 0.0);
  second_deg_.assign(n, 0.0);
  // Influence flows to the referrer: the edge for PageRank runs referred → referrer.
  std::vector<index_t> src, dst;
  for (std::size_t e = 0; e < rf.referrer.size(); ++e) {
    if (timed && rf.time[e] >= spec.as_of) continue;
    const auto a = rf.referrer[e], b = rf.referred[e];
    if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= row_of.size() ||
        static_cast<std::size_t>(b) >= row_of.size())
      continue;
    const index_t ra = row_of[static_cast<std::size_t>(a)];
    const index_t rb = row_of[static_cast<std::size_t>(b)];
    if (ra < 0 || rb < 0) continue;
    out_deg_[static_cast<std::size_t>(ra)] += 1;
    in_deg_[static_cast<std::size_t>(rb)] += 1;
    src.push_back(rb);
    dst.push_back(ra);
  }
  // Second degree: the referrals made by the people this customer referred.
  for (std::size_t e = 0; e < src.size(); ++e)
    second_deg_[static_cast<std::size_t>(dst[e])] += out_deg_[static_cast<std::size_t>(src[e])];
  const auto p = pagerank(static_cast<index_t>(n), src, dst);
  rank_scaled_.resize(n);
  for (std::size_t i = 0; i < n; ++i) rank_scaled_[i] = p[i] * static_cast<double>(n);

  const std::string g = "referrals";
  out_ = cols.add("referrals_made", g, "count",
                  "Number of customers this customer referred (out-degree).", "customers referred");
  in_ = cols.add("referred_by_count", g, "count",
                 "Number of referral edges pointing at this customer (in-degree; 1 when referred).",
                 "was referred");
  second_ = cols.add("referrals_second_degree", g, "count",
                     "Number of customers referred by the customers this customer referred.",
                     "second-degree referrals");
  rank_ = cols.add("referral_pagerank", g, "score",
                   "PageRank (damping 0.85) on the referral graph with edges from the referred to "
                   "the referrer, times the number of customers (1 = average).",
                   "referral influence");
}

void ReferralFamily::compute(index_t r, float* row) const {
  const auto u = static_cast<std::size_t>(r);
  put(row, out_, out_deg_[u]);
  put(row, in_, in_deg_[u]);
  put(row, second_, second_deg_[u]);
  put(row, rank_, rank_scaled_[u]);
}

}  // namespace kohort::features::internal
