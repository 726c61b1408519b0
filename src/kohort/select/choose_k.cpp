#include "kohort/select/choose_k.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "kohort/select/metrics.h"

namespace kohort::select {

int knee_index(const std::vector<double>& xs, const std::vector<double>& ys) {
  if (xs.size() < 3) return -1;
  const double x0 = xs.front(), x1 = xs.back();
  const auto [ymin_it, ymax_it] = std::minmax_element(ys.begin(), ys.end());
  const double ymin = *ymin_it, ymax = *ymax_it;
  if (!(ymax > ymin) || !(x1 > x0)) return -1;
  int best = -1;
  double best_diff = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double xn = (xs[i] - x0) / (x1 - x0);
    const double yn = (ys[i] - ymin) / (ymax - ymin);
    // Decreasing convex curve: flip y so the knee is the farthest point above the diagonal.
    const double diff = (1.0 - yn) - xn;
    if (diff > best_diff) {
      best_diff = diff;
      best = static_cast<int>(i);
    }
  }
  return best;
}

namespace {

// Gap statistic (Tibshirani, Walther & Hastie 2001, eq. 3 and the "1-SE" rule of step 3):
// log W_k of the data against its mean over B uniform reference sets drawn in the data's
// bounding box, on a sample of at most gap_max_rows rows.
Status gap_statistic(const Context& ctx, MatrixView<const float> x, const ChooseKOptions& o,
                     const FitAtK& fit, KChoice& choice) {
  const index_t m = std::min(x.rows, o.gap_max_rows), d = x.cols;
  Matrix<float> sample(m, d);
  Rng pick = ctx.rng("gap.sample");
  for (index_t i = 0; i < m; ++i) {
    const index_t r = m == x.rows ? i : static_cast<index_t>(pick.below(static_cast<std::uint64_t>(x.rows)));
    std::copy(x.row(r), x.row(r) + d, sample.row(i));
  }
  std::vector<float> lo(static_cast<std::size_t>(d), std::numeric_limits<float>::infinity());
  std::vector<float> hi(static_cast<std::size_t>(d), -std::numeric_limits<float>::infinity());
  for (index_t i = 0; i < m; ++i)
    for (index_t j = 0; j < d; ++j) {
      lo[static_cast<std::size_t>(j)] = std::min(lo[static_cast<std::size_t>(j)], sample(i, j));
      hi[static_cast<std::size_t>(j)] = std::max(hi[static_cast<std::size_t>(j)], sample(i, j));
    }
  const Context quiet = ctx.quiet();
  for (auto& row : choice.table) {
    KOHORT_ASSIGN_OR_RETURN(auto labels, fit(quiet, sample.cview(), row.k));
    KOHORT_ASSIGN_OR_RETURN(double w, inertia(quiet, sample.cview(), labels));
    std::vector<double> logs;
    for (int b = 0; b < o.gap_references; ++b) {
      Rng rng = ctx.rng("gap.reference", static_cast<std::uint64_t>(b));
      Matrix<float> ref(m, d);
      for (index_t i = 0; i < m; ++i)
        for (index_t j = 0; j < d; ++j)
          ref(i, j) = static_cast<float>(lo[static_cast<std::size_t>(j)] +
                                         rng.uniform() * (hi[static_cast<std::size_t>(j)] - lo[static_cast<std::size_t>(j)]));
      KOHORT_ASSIGN_OR_RETURN(auto rl, fit(quiet, ref.cview(), row.k));
      KOHORT_ASSIGN_OR_RETURN(double wr, inertia(quiet, ref.cview(), rl));
      logs.push_back(std::log(std::max(wr, 1e-300)));
    }
    double mean = 0;
    for (double v : logs) mean += v;
    mean /= static_cast<double>(logs.size());
    double var = 0;
    for (double v : logs) var += (v - mean) * (v - mean);
    var /= static_cast<double>(logs.size());
    row.gap = mean - std::log(std::max(w, 1e-300));
    row.gap_sd = std::sqrt(var) * std::sqrt(1.0 + 1.0 / static_cast<double>(logs.size()));
  }
  for (std::size_t i = 0; i + 1 < choice.table.size(); ++i)
    if (choice.table[i].gap >= choice.table[i + 1].gap - choice.table[i + 1].gap_sd) {
      choice.gap_k = choice.table[i].k;
      break;
    }
  return {};
}

}  // namespace

Result<KChoice> choose_k(const Context& ctx, MatrixView<const float> x,
                         const ChooseKOptions& o, const FitAtK& fit) {
  if (o.k_min < 2)
    return Status::invalid_argument("--k-min", fmt::format("{} is below the minimum 2", o.k_min));
  if (o.k_max < o.k_min)
    return Status::invalid_argument("--k-max", fmt::format("{} is below --k-min {}", o.k_max, o.k_min));
  if (o.k_max > x.rows - 1)
    return Status::invalid_argument(
        "--k-max", fmt::format("{} segments need more than {} rows", o.k_max, x.rows),
        fmt::format("use --k-max {} or less", std::max<index_t>(2, x.rows - 1)));
  if (o.min_share < 0 || o.min_share >= 1)
    return Status::invalid_argument("--min-share", fmt::format("{} is not in [0, 1)", o.min_share));
  KChoice choice;
  ctx.progress().begin("choosing k", o.k_max - o.k_min + 1);
  for (int k = o.k_min; k <= o.k_max; ++k) {
    if (ctx.cancelled()) return Status::cancelled();
    const Context quiet = ctx.quiet();
    KOHORT_ASSIGN_OR_RETURN(auto labels, fit(quiet, x, k));
    KScanRow row;
    row.k = k;
    const auto sizes = cluster_sizes(labels);
    index_t smallest = x.rows;
    int present = 0;
    for (index_t s : sizes)
      if (s > 0) {
        smallest = std::min(smallest, s);
        ++present;
      }
    row.smallest_share = static_cast<double>(smallest) / static_cast<double>(x.rows);
    row.feasible = present == k && row.smallest_share >= o.min_share && smallest >= o.min_size;
    KOHORT_ASSIGN_OR_RETURN(row.inertia, inertia(quiet, x, labels));
    if (present >= 2) {
      KOHORT_ASSIGN_OR_RETURN(auto sil, silhouette_sampled(quiet, x, labels, o.silhouette_sample));
      row.silhouette = sil.mean;
      row.silhouette_low = sil.ci_low;
      row.silhouette_high = sil.ci_high;
      KOHORT_ASSIGN_OR_RETURN(row.calinski_harabasz, calinski_harabasz(quiet, x, labels));
      KOHORT_ASSIGN_OR_RETURN(row.davies_bouldin, davies_bouldin(quiet, x, labels));
    }
    row.labels = std::move(labels);
    choice.table.push_back(std::move(row));
    ctx.progress().step(k - o.k_min + 1);
  }
  ctx.progress().end();
  if (o.gap_references > 0) KOHORT_RETURN_IF_ERROR(gap_statistic(ctx, x, o, fit, choice));

  std::vector<double> ks, in;
  for (const auto& r : choice.table) {
    ks.push_back(r.k);
    in.push_back(r.inertia);
  }
  const int knee = knee_index(ks, in);
  choice.elbow_k = knee < 0 ? 0 : choice.table[static_cast<std::size_t>(knee)].k;
  const KScanRow* best_sil = nullptr;
  const KScanRow* best_ch = nullptr;
  const KScanRow* best_db = nullptr;
  for (const auto& r : choice.table) {
    if (!r.feasible) continue;
    if (!best_sil || r.silhouette > best_sil->silhouette) best_sil = &r;
    if (!best_ch || r.calinski_harabasz > best_ch->calinski_harabasz) best_ch = &r;
    if (!best_db || r.davies_bouldin < best_db->davies_bouldin) best_db = &r;
  }
  if (best_sil == nullptr)
    return Status::invalid_input(
        "--min-share",
        fmt::format("no k in {}..{} gives every segment at least {:.1f}% of rows{}", o.k_min,
                    o.k_max, 100 * o.min_share,
                    o.min_size > 0 ? fmt::format(" and {} rows", o.min_size) : std::string()),
        "lower --min-share/--min-size or scan smaller k with --k-max");
  choice.silhouette_k = best_sil->k;
  choice.calinski_harabasz_k = best_ch->k;
  choice.davies_bouldin_k = best_db->k;
  // Prefer the smallest k whose silhouette interval reaches the maximum's (sampled estimates
  // that cannot be told apart), so noise never buys extra segments.
  const KScanRow* pick = best_sil;
  for (const auto& r : choice.table) {
    if (!r.feasible || r.k >= pick->k) continue;
    if (best_sil->silhouette_low < best_sil->silhouette && r.silhouette_high >= best_sil->silhouette_low) {
      pick = &r;
      break;
    }
  }
  choice.k = pick->k;
  choice.rule = pick == best_sil ? "silhouette maximum" : "silhouette maximum (smallest tied k)";
  std::string excluded;
  for (const auto& r : choice.table)
    if (!r.feasible) excluded += (excluded.empty() ? "" : ", ") + std::to_string(r.k);
  choice.reason = fmt::format(
      "k = {} has the {} silhouette ({:.3f}) among k = {}..{}; the inertia elbow is at k = {}, "
      "Calinski–Harabasz peaks at k = {} and Davies–Bouldin is lowest at k = {}{}.{}",
      choice.k, pick == best_sil ? "highest" : "statistically tied highest", pick->silhouette,
      o.k_min, o.k_max, choice.elbow_k, choice.calinski_harabasz_k, choice.davies_bouldin_k,
      choice.gap_k > 0 ? fmt::format("; the gap rule picks k = {}", choice.gap_k) : std::string(),
      excluded.empty() ? std::string()
                       : fmt::format(" Excluded by the segment-size constraint: k = {}.", excluded));
  return choice;
}

}  // namespace kohort::select
