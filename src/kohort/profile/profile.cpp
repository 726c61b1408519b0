#include "kohort/profile/profile.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::profile {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double median_of(std::vector<float>& v, std::size_t begin, std::size_t end) {
  if (begin == end) return kNaN;
  const std::size_t n = end - begin, mid = begin + n / 2;
  std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(mid),
                   v.begin() + static_cast<std::ptrdiff_t>(end));
  const double hi = v[mid];
  if (n % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin() + static_cast<std::ptrdiff_t>(begin),
                                      v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lo + hi);
}

// Business metrics of the rows for which `take(i)` holds.
template <typename Take>
BusinessMetrics business_of(const CustomerBusiness& b, std::size_t n, Take take, double total_revenue) {
  BusinessMetrics m;
  double orders = 0, clv = 0, alive = 0, churn = 0, rate = 0, tenure = 0;
  std::size_t n_clv = 0, n_alive = 0, n_churn = 0, n_rate = 0, n_tenure = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!take(i)) continue;
    if (std::isfinite(b.revenue[i])) m.revenue += b.revenue[i];
    if (std::isfinite(b.orders[i])) orders += b.orders[i];
    if (std::isfinite(b.clv[i])) { clv += b.clv[i]; ++n_clv; }
    if (std::isfinite(b.p_alive[i])) { alive += b.p_alive[i]; ++n_alive; }
    if (std::isfinite(b.churn_risk[i])) { churn += b.churn_risk[i]; ++n_churn; }
    if (std::isfinite(b.tenure_days[i])) {
      tenure += b.tenure_days[i];
      ++n_tenure;
      if (std::isfinite(b.orders[i])) {
        rate += b.orders[i] / (std::max(b.tenure_days[i], 30.0) / 365.25);
        ++n_rate;
      }
    }
  }
  m.revenue_share = total_revenue > 0 ? m.revenue / total_revenue : 0.0;
  m.clv_12m = n_clv ? clv / static_cast<double>(n_clv) : kNaN;
  m.p_alive = n_alive ? alive / static_cast<double>(n_alive) : kNaN;
  m.churn_risk = n_churn ? churn / static_cast<double>(n_churn) : kNaN;
  m.avg_order_value = orders > 0 ? m.revenue / orders : kNaN;
  m.orders_per_year = n_rate ? rate / static_cast<double>(n_rate) : kNaN;
  m.tenure_days = n_tenure ? tenure / static_cast<double>(n_tenure) : kNaN;
  return m;
}

}  // namespace

Result<Profiles> profile_segments(const Context& ctx, const features::FeatureTable& raw,
                                  MatrixView<const float> standardized, std::span<const index_t> compared,
                                  std::span<const index_t> compared_columns, std::span<const std::int32_t> labels,
                                  int k, const CustomerBusiness& business, const ProfileOptions& options) {
  const index_t n = raw.rows(), d = raw.cols();
  const auto un = static_cast<std::size_t>(n);
  if (static_cast<index_t>(labels.size()) != n)
    return Status::invalid_argument("labels", fmt::format("{} labels for {} customers", labels.size(), n));
  if (k < 1) return Status::invalid_argument("k", fmt::format("k = {} is below 1", k));
  if (compared.size() != compared_columns.size())
    return Status::invalid_argument("compared", "compared features and their columns differ in count");
  if (standardized.rows != n)
    return Status::invalid_argument("standardized", fmt::format("{} rows for {} customers", standardized.rows, n));
  for (index_t c : compared_columns)
    if (c < 0 || c >= standardized.cols)
      return Status::invalid_argument("compared", fmt::format("column {} outside 0..{}", c, standardized.cols - 1));
  for (index_t f : compared)
    if (f < 0 || f >= d) return Status::invalid_argument("compared", fmt::format("feature {} outside 0..{}", f, d - 1));
  for (const auto* v : {&business.revenue, &business.orders, &business.tenure_days, &business.clv, &business.p_alive,
                        &business.churn_risk})
    if (v->size() != un)
      return Status::invalid_argument("business", fmt::format("{} values for {} customers", v->size(), n));
  for (std::int32_t l : labels)
    if (l >= k || l < -1) return Status::invalid_argument("labels", fmt::format("label {} outside −1..{}", l, k - 1));

  Profiles out;
  out.population.size = n;
  out.segments.resize(static_cast<std::size_t>(k));
  std::vector<index_t> sizes(static_cast<std::size_t>(k), 0);
  for (std::int32_t l : labels)
    if (l >= 0) ++sizes[static_cast<std::size_t>(l)];
  for (int s = 0; s < k; ++s) {
    auto& p = out.segments[static_cast<std::size_t>(s)];
    p.id = s;
    p.size = sizes[static_cast<std::size_t>(s)];
    p.share = n > 0 ? static_cast<double>(p.size) / static_cast<double>(n) : 0.0;
    p.mean.assign(static_cast<std::size_t>(d), kNaN);
    p.median.assign(static_cast<std::size_t>(d), kNaN);
    p.std_diff.assign(static_cast<std::size_t>(d), kNaN);
  }
  out.population.mean.assign(static_cast<std::size_t>(d), kNaN);
  out.population.median.assign(static_cast<std::size_t>(d), kNaN);

  // Rows ordered by segment (outliers last), so each segment is one range.
  std::vector<index_t> order(un);
  std::iota(order.begin(), order.end(), index_t{0});
  std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) {
    const auto la = static_cast<std::uint32_t>(labels[static_cast<std::size_t>(a)]);
    const auto lb = static_cast<std::uint32_t>(labels[static_cast<std::size_t>(b)]);
    return la < lb;  // −1 becomes the largest
  });

  // Raw means and medians, one feature per block.
  parallel_for_blocks(ctx, d, 1, [&](index_t, index_t j, index_t) {
    std::vector<float> values;
    values.reserve(un);
    std::vector<std::size_t> bounds(static_cast<std::size_t>(k) + 1, 0);
    double total = 0;
    std::size_t seen = 0;
    std::size_t pos = 0;
    for (int s = 0; s < k; ++s) {
      bounds[static_cast<std::size_t>(s)] = values.size();
      double sum = 0;
      const std::size_t end = pos + static_cast<std::size_t>(sizes[static_cast<std::size_t>(s)]);
      for (; pos < end; ++pos) {
        const float v = raw.values(order[pos], j);
        if (std::isnan(v)) continue;
        values.push_back(v);
        sum += v;
      }
      const std::size_t cnt = values.size() - bounds[static_cast<std::size_t>(s)];
      total += sum;
      seen += cnt;
      auto& p = out.segments[static_cast<std::size_t>(s)];
      p.mean[static_cast<std::size_t>(j)] = cnt ? sum / static_cast<double>(cnt) : kNaN;
    }
    bounds[static_cast<std::size_t>(k)] = values.size();
    for (; pos < un; ++pos) {  // outliers: population only
      const float v = raw.values(order[pos], j);
      if (std::isnan(v)) continue;
      values.push_back(v);
      total += v;
      ++seen;
    }
    out.population.mean[static_cast<std::size_t>(j)] = seen ? total / static_cast<double>(seen) : kNaN;
    for (int s = 0; s < k; ++s)
      out.segments[static_cast<std::size_t>(s)].median[static_cast<std::size_t>(j)] =
          median_of(values, bounds[static_cast<std::size_t>(s)], bounds[static_cast<std::size_t>(s) + 1]);
    out.population.median[static_cast<std::size_t>(j)] = median_of(values, 0, values.size());
  });

  // Standardised differences on the transformed columns.
  const std::size_t m = compared.size();
  std::vector<double> sd_all(m, 0.0), mean_all(m, 0.0);
  std::vector<double> seg_mean(m * static_cast<std::size_t>(k), 0.0);
  parallel_for_blocks(ctx, static_cast<index_t>(m), 1, [&](index_t, index_t i, index_t) {
    const index_t c = compared_columns[static_cast<std::size_t>(i)];
    double sum = 0;
    std::vector<double> per(static_cast<std::size_t>(k), 0.0);
    for (index_t r = 0; r < n; ++r) {
      const double v = standardized(r, c);
      sum += v;
      const std::int32_t l = labels[static_cast<std::size_t>(r)];
      if (l >= 0) per[static_cast<std::size_t>(l)] += v;
    }
    const double mu = sum / static_cast<double>(std::max<index_t>(n, 1));
    double ss = 0;
    for (index_t r = 0; r < n; ++r) {
      const double dv = standardized(r, c) - mu;
      ss += dv * dv;
    }
    mean_all[static_cast<std::size_t>(i)] = mu;
    sd_all[static_cast<std::size_t>(i)] = std::sqrt(ss / static_cast<double>(std::max<index_t>(n, 1)));
    for (int s = 0; s < k; ++s)
      seg_mean[static_cast<std::size_t>(i) * static_cast<std::size_t>(k) + static_cast<std::size_t>(s)] =
          sizes[static_cast<std::size_t>(s)] ? per[static_cast<std::size_t>(s)] / static_cast<double>(sizes[static_cast<std::size_t>(s)])
                                             : kNaN;
  });
  for (int s = 0; s < k; ++s) {
    auto& p = out.segments[static_cast<std::size_t>(s)];
    for (std::size_t i = 0; i < m; ++i) {
      if (sd_all[i] <= 0) continue;
      const double v = seg_mean[i * static_cast<std::size_t>(k) + static_cast<std::size_t>(s)];
      p.std_diff[static_cast<std::size_t>(compared[i])] = (v - mean_all[i]) / sd_all[i];
    }
    std::vector<index_t> cand;
    for (index_t f : compared)
      if (std::isfinite(p.std_diff[static_cast<std::size_t>(f)])) cand.push_back(f);
    std::stable_sort(cand.begin(), cand.end(), [&](index_t a, index_t b) {
      return std::fabs(p.std_diff[static_cast<std::size_t>(a)]) > std::fabs(p.std_diff[static_cast<std::size_t>(b)]);
    });
    for (std::size_t r = 0; r < cand.size() && static_cast<int>(r) < options.top_drivers; ++r) {
      const auto f = static_cast<std::size_t>(cand[r]);
      p.drivers.push_back({cand[r], p.mean[f], out.population.mean[f], p.median[f], out.population.median[f],
                           p.std_diff[f]});
    }
  }

  double total_revenue = 0;
  for (double r : business.revenue)
    if (std::isfinite(r)) total_revenue += r;
  out.population.business = business_of(business, un, [](std::size_t) { return true; }, total_revenue);
  for (int s = 0; s < k; ++s)
    out.segments[static_cast<std::size_t>(s)].business =
        business_of(business, un, [&](std::size_t i) { return labels[i] == s; }, total_revenue);
  return out;
}

}  // namespace kohort::profile
