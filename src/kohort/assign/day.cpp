#include "kohort/assign/day.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/core/text.h"

namespace kohort::assign {

namespace {

constexpr index_t kBlock = 8192;  // rows scored at a time: k scores each stay in cache

// Today's rows in customer-id order, and each row's entry in `before` (-1: a new customer).
struct Matching {
  std::vector<index_t> order;  // sorted position → today's row
  std::vector<index_t> prev;   // today's row → index into before.customers, or -1
};

Result<Matching> match_rows(const std::vector<std::string>& ids, const Standing& before) {
  Matching m;
  m.order.resize(ids.size());
  std::iota(m.order.begin(), m.order.end(), index_t{0});
  std::sort(m.order.begin(), m.order.end(), [&](index_t a, index_t b) {
    return ids[static_cast<std::size_t>(a)] < ids[static_cast<std::size_t>(b)];
  });
  m.prev.assign(ids.size(), -1);
  std::size_t j = 0;
  const auto& base = before.customers;
  for (std::size_t s = 0; s < m.order.size(); ++s) {
    const std::string& id = ids[static_cast<std::size_t>(m.order[s])];
    if (s > 0 && id == ids[static_cast<std::size_t>(m.order[s - 1])])
      return Status::invalid_input("assign", fmt::format("customer '{}' appears twice", printable(id)));
    while (j < base.size() && base[j].customer_id < id) ++j;
    if (j < base.size() && base[j].customer_id == id) m.prev[static_cast<std::size_t>(m.order[s])] = static_cast<index_t>(j);
  }
  return m;
}

// The weight of today's vector in the smoothed one: 1 − 2^(−Δt/halflife).
double today_weight(const Controls& c, Seconds from, Seconds to) {
  if (c.smoothing_halflife_days <= 0) return 1.0;
  const double days = static_cast<double>(to - from) / static_cast<double>(kSecondsPerDay);
  return days <= 0 ? 0.0 : 1.0 - std::exp2(-days / c.smoothing_halflife_days);
}

Matrix<float> smoothed_vectors(const Matrix<float>& x, const Matching& m, const Standing& before, double w) {
  Matrix<float> v(x.rows(), x.cols());
  for (index_t i = 0; i < x.rows(); ++i) {
    const index_t p = m.prev[static_cast<std::size_t>(i)];
    const std::vector<float>* old = p >= 0 ? &before.customers[static_cast<std::size_t>(p)].smoothed : nullptr;
    const bool blend = old != nullptr && static_cast<index_t>(old->size()) == x.cols() && w < 1.0;
    for (index_t j = 0; j < x.cols(); ++j)
      v(i, j) = blend ? static_cast<float>(w * x(i, j) + (1.0 - w) * (*old)[static_cast<std::size_t>(j)]) : x(i, j);
  }
  return v;
}

struct Answer {
  std::int32_t label = 0;
  float confidence = 0;
};

// The first most probable component of one row's posteriors, as model::predict() takes it.
Answer best_posterior(const double* posterior, index_t k) {
  index_t best = 0;
  for (index_t s = 1; s < k; ++s)
    if (posterior[s] > posterior[best]) best = s;
  return {static_cast<std::int32_t>(best), static_cast<float>(posterior[best])};
}

// One customer's day: the published segment, its confidence and since, and the reason.
struct Decision {
  std::int32_t segment = 0, raw = 0, answered = 0;  // published, raw answer, smoothed answer
  float confidence = 0;
  Seconds since = 0;
  const char* reason = nullptr;  // "new", "moved", "held" or nullptr (stayed)
};

// The controls applied to the model's answers. `against(cur)` says whether the candidate beats
// segment `cur` by the switch margin, and the confidence of staying in `cur`.
template <typename Against>
Decision settle(Answer raw, Answer cand, const model::SegmentModel& model, const store::CustomerDay* prev, Seconds as_of,
                const Controls& c, Against against) {
  if (prev == nullptr) return {cand.label, raw.label, cand.label, cand.confidence, as_of, "new"};
  const auto cur = static_cast<std::int32_t>(model.position_of(prev->segment));  // -1: not a segment of this model
  if (cand.label == cur) return {cur, raw.label, cand.label, cand.confidence, prev->since, nullptr};
  if (cur < 0) return {cand.label, raw.label, cand.label, cand.confidence, as_of, "moved"};
  const auto [margin_ok, stay_confidence] = against(cur);
  const bool resident = static_cast<double>(as_of - prev->since) >= c.min_residency_days * kSecondsPerDay;
  if (margin_ok && resident) return {cand.label, raw.label, cand.label, cand.confidence, as_of, "moved"};
  return {cur, raw.label, cand.label, stay_confidence, prev->since, "held"};
}

const store::CustomerDay* previous(const Standing& before, const Matching& m, index_t i) {
  const index_t p = m.prev[static_cast<std::size_t>(i)];
  return p >= 0 ? &before.customers[static_cast<std::size_t>(p)] : nullptr;
}

// A mixture: posteriors of today's and the smoothed vector; a move needs posterior(new) ≥
// posterior(current) + margin.
Status decide_mixture(const Context& ctx, const model::SegmentModel& model, const Standing& before, const Matching& m,
                      const Matrix<float>& x, const Matrix<float>& v, Seconds as_of, const Controls& c,
                      std::vector<Decision>& out) {
  const index_t n = x.rows(), k = model.k();
  std::vector<double> raw_scores, scores;
  for (index_t b = 0; b < n; b += kBlock) {
    const index_t e = std::min(n, b + kBlock);
    KOHORT_RETURN_IF_ERROR(cluster::posteriors(ctx, model.clusterer, x.cview(), b, e, raw_scores));
    KOHORT_RETURN_IF_ERROR(cluster::posteriors(ctx, model.clusterer, v.cview(), b, e, scores));
    for (index_t i = b; i < e; ++i) {
      const double* s = &scores[static_cast<std::size_t>((i - b) * k)];
      const Answer cand = best_posterior(s, k);
      out[static_cast<std::size_t>(i)] =
          settle(best_posterior(&raw_scores[static_cast<std::size_t>((i - b) * k)], k), cand, model, previous(before, m, i),
                 as_of, c, [&](std::int32_t cur) {
                   return std::pair{s[cand.label] >= s[cur] + c.switch_margin, static_cast<float>(s[cur])};
                 });
    }
  }
  return {};
}

// A centre model: the nearest centres of today's and the smoothed vector; a move needs
// d²(current) ≥ (1 + margin)·d²(new).
Status decide_centres(const Context& ctx, const model::SegmentModel& model, const Standing& before, const Matching& m,
                      const Matrix<float>& x, const Matrix<float>& v, Seconds as_of, const Controls& c,
                      std::vector<Decision>& out) {
  const index_t n = x.rows(), k = model.k();
  const auto centers = model.clusterer.centers.cview();
  KOHORT_ASSIGN_OR_RETURN(const auto raw, cluster::nearest_two(ctx, centers, x.cview()));
  // Without smoothing the smoothed vectors are today's: their answers are the raw ones.
  std::vector<cluster::NearestTwo> smoothed;
  if (c.smoothing_halflife_days > 0) {
    KOHORT_ASSIGN_OR_RETURN(smoothed, cluster::nearest_two(ctx, centers, v.cview()));
  }
  const auto& near = c.smoothing_halflife_days > 0 ? smoothed : raw;
  parallel_for_blocks(ctx, n, 4096, [&](index_t, index_t s, index_t e) {
    std::vector<float> dist(static_cast<std::size_t>(k));
    for (index_t i = s; i < e; ++i) {
      const auto& a = near[static_cast<std::size_t>(i)];
      const auto& r = raw[static_cast<std::size_t>(i)];
      out[static_cast<std::size_t>(i)] = settle(
          {r.first, cluster::centre_confidence(r, k)}, {a.first, cluster::centre_confidence(a, k)}, model,
          previous(before, m, i), as_of, c, [&](std::int32_t cur) {
            cluster::distances_to_centres(v.row(i), centers, dist.data());
            const double d_cur = dist[static_cast<std::size_t>(cur)];
            return std::pair{d_cur >= (1.0 + c.switch_margin) * static_cast<double>(a.d1), 0.0f};
          });
    }
  });
  return {};
}

// A density model: the model's own answers for today's and the smoothed vector (−1 where no
// segment claims a row under the outlier policy); a move into a segment needs its centroid
// nearer than the current segment's by the margin, as for centres; a move to −1 needs residency.
Status decide_density(const Context& ctx, const model::SegmentModel& model, const Standing& before, const Matching& m,
                      const Matrix<float>& x, const Matrix<float>& v, Seconds as_of, const Controls& c,
                      std::vector<Decision>& out) {
  const index_t n = x.rows(), k = model.k();
  const auto centers = model.clusterer.centers.cview();
  KOHORT_ASSIGN_OR_RETURN(const auto raw, cluster::predict(ctx, model.clusterer, x.cview()));
  cluster::Prediction smoothed;
  if (c.smoothing_halflife_days > 0) {
    KOHORT_ASSIGN_OR_RETURN(smoothed, cluster::predict(ctx, model.clusterer, v.cview()));
  }
  const auto& near = c.smoothing_halflife_days > 0 ? smoothed : raw;
  parallel_for_blocks(ctx, n, 4096, [&](index_t, index_t s, index_t e) {
    std::vector<float> dist(static_cast<std::size_t>(k));
    for (index_t i = s; i < e; ++i) {
      const auto u = static_cast<std::size_t>(i);
      const Answer cand{near.labels[u], near.confidence[u]};
      out[u] = settle({raw.labels[u], raw.confidence[u]}, cand, model, previous(before, m, i), as_of, c,
                      [&](std::int32_t cur) {
                        if (cand.label < 0) return std::pair{true, 0.0f};
                        cluster::distances_to_centres(v.row(i), centers, dist.data());
                        const double d_cur = dist[static_cast<std::size_t>(cur)];
                        return std::pair{d_cur >= (1.0 + c.switch_margin) * dist[static_cast<std::size_t>(cand.label)], 0.0f};
                      });
    }
  });
  return {};
}

std::vector<double> column_means(MatrixView<const float> x) {
  const auto d = static_cast<std::size_t>(x.cols);
  std::vector<double> sum(d, 0.0);
  std::vector<index_t> count(d, 0);
  for (index_t i = 0; i < x.rows; ++i) {  // row by row: one pass over the matrix
    const float* row = x.row(i);
    for (std::size_t j = 0; j < d; ++j)
      if (!std::isnan(row[j])) sum[j] += row[j], ++count[j];
  }
  for (std::size_t j = 0; j < d; ++j)
    sum[j] = count[j] > 0 ? sum[j] / static_cast<double>(count[j]) : std::numeric_limits<double>::quiet_NaN();
  return sum;
}

// The three selected columns whose mean moved most since the base, in the fit's standard deviations.
std::vector<FeatureMove> top_moves(const model::SegmentModel& model, const std::vector<double>& from,
                                   const std::vector<double>& to) {
  const auto names = model::selected_names(model);
  std::vector<FeatureMove> moves;
  for (std::size_t j = 0; j < to.size() && j < from.size() && j < names.size(); ++j) {
    const double sd = j < model.reference.sd.size() && model.reference.sd[j] > 0 ? model.reference.sd[j] : 1.0;
    const double shift = (to[j] - from[j]) / sd;
    if (std::isfinite(shift)) moves.push_back({names[j], from[j], to[j], shift});
  }
  std::stable_sort(moves.begin(), moves.end(),
                   [](const FeatureMove& a, const FeatureMove& b) { return std::abs(a.shift_sd) > std::abs(b.shift_sd); });
  if (moves.size() > 3) moves.resize(3);
  return moves;
}

// Segment sizes, entries, exits and mean confidence of the day, one record per segment of the
// model in position order (the records and the customers carry published ids).
void count_segments(const model::SegmentModel& model, DayResult& r) {
  const auto k = static_cast<std::size_t>(model.k());
  r.segments.resize(k);
  std::vector<double> conf(k, 0.0);
  for (std::size_t s = 0; s < k; ++s) r.segments[s].segment = model.id_of(static_cast<index_t>(s));
  const auto at = [&](std::optional<std::int32_t> id) -> std::ptrdiff_t { return id ? model.position_of(*id) : -1; };
  for (const auto& c : r.customers)
    if (const auto p = at(c.segment); p >= 0)
      ++r.segments[static_cast<std::size_t>(p)].size, conf[static_cast<std::size_t>(p)] += c.confidence;
  for (const auto& t : r.transitions) {
    if (t.reason == "held") continue;
    if (const auto p = at(t.to); p >= 0) ++r.segments[static_cast<std::size_t>(p)].entered;
    if (const auto p = at(t.from); p >= 0) ++r.segments[static_cast<std::size_t>(p)].exited;
  }
  for (std::size_t s = 0; s < k; ++s)
    r.segments[s].mean_confidence = r.segments[s].size > 0 ? conf[s] / static_cast<double>(r.segments[s].size) : 0.0;
}

void add_left(const Standing& before, const Matching& m, DayResult& r) {
  std::vector<char> seen(before.customers.size(), 0);
  for (index_t p : m.prev)
    if (p >= 0) seen[static_cast<std::size_t>(p)] = 1;
  for (std::size_t j = 0; j < before.customers.size(); ++j)
    if (seen[j] == 0) {
      r.transitions.push_back({before.customers[j].customer_id, before.customers[j].segment, std::nullopt, "", "left"});
      ++r.left;
    }
  std::sort(r.transitions.begin(), r.transitions.end(),
            [](const auto& a, const auto& b) { return a.customer_id < b.customer_id; });
}

}  // namespace

Result<DayResult> assign_day(const Context& ctx, const model::SegmentModel& model, const Standing& before,
                             const std::vector<std::string>& ids, const model::Embedded& today, Seconds as_of,
                             const Controls& controls) {
  const index_t n = today.space.rows();
  if (static_cast<index_t>(ids.size()) != n)
    return Status::invalid_input("assign", fmt::format("{} ids for {} rows", ids.size(), n));
  KOHORT_ASSIGN_OR_RETURN(const Matching m, match_rows(ids, before));
  const Matrix<float> v = smoothed_vectors(today.space, m, before, today_weight(controls, before.as_of, as_of));
  std::vector<Decision> decisions(static_cast<std::size_t>(n));
  switch (model.clusterer.rule) {
    case cluster::AssignRule::posterior:
      KOHORT_RETURN_IF_ERROR(decide_mixture(ctx, model, before, m, today.space, v, as_of, controls, decisions));
      break;
    case cluster::AssignRule::nearest_centre:
      KOHORT_RETURN_IF_ERROR(decide_centres(ctx, model, before, m, today.space, v, as_of, controls, decisions));
      break;
    case cluster::AssignRule::density:
    case cluster::AssignRule::core_radius:
      KOHORT_RETURN_IF_ERROR(decide_density(ctx, model, before, m, today.space, v, as_of, controls, decisions));
      break;
  }
  DayResult r;
  r.assigned = n;
  r.customers.reserve(static_cast<std::size_t>(n));
  for (index_t i : m.order) {
    const Decision& d = decisions[static_cast<std::size_t>(i)];
    const index_t p = m.prev[static_cast<std::size_t>(i)];
    const store::CustomerDay* prev = p >= 0 ? &before.customers[static_cast<std::size_t>(p)] : nullptr;
    const bool keep_vector = controls.smoothing_halflife_days > 0;
    const std::int32_t segment = model.id_of(d.segment), raw = model.id_of(d.raw);  // positions → published ids
    r.customers.push_back({ids[static_cast<std::size_t>(i)], segment, raw, d.confidence, d.since,
                           keep_vector ? std::vector<float>(v.row(i), v.row(i) + v.cols()) : std::vector<float>{}});
    if (prev != nullptr && raw != prev->raw_segment) ++r.raw_moved;
    if (d.reason == nullptr) continue;
    const std::string reason = d.reason;
    r.transitions.push_back({ids[static_cast<std::size_t>(i)],
                             prev ? std::optional<std::int32_t>(prev->segment) : std::nullopt,
                             reason == "held" ? model.id_of(d.answered) : segment,
                             "", reason});
    r.new_customers += reason == "new";
    r.moved += reason == "moved";
    r.held += reason == "held";
  }
  add_left(before, m, r);
  count_segments(model, r);
  r.moved_share = n > 0 ? static_cast<double>(r.moved) / static_cast<double>(n) : 0.0;
  r.raw_moved_share = n > 0 ? static_cast<double>(r.raw_moved) / static_cast<double>(n) : 0.0;
  r.feature_means = column_means(today.selected.cview());
  r.top_moves = top_moves(model, before.feature_means, r.feature_means);
  if (r.raw_moved_share > controls.max_moved) r.alarm_reasons.emplace_back("raw_moved_share");
  if (controls.max_feature_shift > 0 && !r.top_moves.empty() &&
      std::abs(r.top_moves.front().shift_sd) > controls.max_feature_shift)
    r.alarm_reasons.emplace_back("feature_shift");
  r.alarm = !r.alarm_reasons.empty();
  return r;
}

}  // namespace kohort::assign
