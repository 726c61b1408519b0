#include "kohort/model/reference.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/features/feature_spec.h"

namespace kohort::model {

namespace {

using nlohmann::json;

// Quantiles held as the float values the columns are made of: a point mass (a value many rows
// share) then compares equal to today's rows, in memory and read back from the document alike.
void float_quantiles(std::vector<double>& q) {
  for (auto& v : q) v = static_cast<double>(static_cast<float>(v));
}

// Linear-interpolation quantiles (numpy's default) of the finite values of column j over every
// stride-th row, and the column's PSI bins.
std::vector<double> column_quantiles(MatrixView<const float> x, index_t j, index_t stride, std::vector<double>& edges,
                                     std::vector<double>& shares) {
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(x.rows / stride + 1));
  for (index_t i = 0; i < x.rows; i += stride)
    if (std::isfinite(x(i, j))) v.push_back(x(i, j));
  std::vector<double> q(kReferenceQuantiles, 0.0);
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  for (int t = 0; t < kReferenceQuantiles; ++t) {
    const double pos = static_cast<double>(t) / (kReferenceQuantiles - 1) * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    q[static_cast<std::size_t>(t)] = v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
  }
  float_quantiles(q);
  decile_bins(q, v, edges, shares);
  return q;
}

// Mean and standard deviation of each column (NaN cells skipped), in row order.
void column_moments(MatrixView<const float> x, Reference& r) {
  r.mean.assign(static_cast<std::size_t>(x.cols), 0.0);
  r.sd.assign(static_cast<std::size_t>(x.cols), 0.0);
  for (index_t j = 0; j < x.cols; ++j) {
    double sum = 0, sum2 = 0;
    index_t n = 0;
    for (index_t i = 0; i < x.rows; ++i) {
      const double v = x(i, j);
      if (std::isnan(v)) continue;
      sum += v, sum2 += v * v, ++n;
    }
    const double mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
    r.mean[static_cast<std::size_t>(j)] = mean;
    r.sd[static_cast<std::size_t>(j)] = n > 1 ? std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - mean * mean)) : 0.0;
  }
}

template <typename T>
Result<T> get(const json& j, std::string_view key) {
  const auto it = j.find(key);
  if (it == j.end())
    return Status::invalid_input("model", fmt::format("the reference lacks '{}'", key), "refit the model");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return Status::invalid_input("model", fmt::format("the reference's '{}' has the wrong type", key), "refit the model");
  }
}

// Seven significant digits (the precision of the float columns they summarise): the document
// stays small and reads back to the same numbers.
json short_numbers(const std::vector<double>& v) {
  json out = json::array();
  for (const double x : v) out.push_back(std::stod(fmt::format("{:.7g}", x)));
  return out;
}

// Float values as the shortest text that reads back to the same float (float_quantiles).
json float_numbers(const std::vector<double>& v) {
  json out = json::array();
  for (const double x : v) out.push_back(std::stod(fmt::format("{}", static_cast<float>(x))));
  return out;
}

Status bad(std::string what) { return Status::invalid_input("model", "the reference " + what, "refit the model"); }

Result<SegmentReference> segment_from_json(const json& j, std::size_t columns, index_t dims) {
  if (!j.is_object()) return bad("holds a segment that is not an object");
  SegmentReference s;
  KOHORT_ASSIGN_OR_RETURN(s.size, get<std::int64_t>(j, "size"));
  KOHORT_ASSIGN_OR_RETURN(s.mean, get<std::vector<double>>(j, "mean"));
  KOHORT_ASSIGN_OR_RETURN(s.var, get<std::vector<double>>(j, "var"));
  KOHORT_ASSIGN_OR_RETURN(s.centroid, get<std::vector<double>>(j, "centroid"));
  if (s.size < 0 || s.mean.size() != columns || s.var.size() != columns || s.centroid.size() != static_cast<std::size_t>(dims))
    return bad("has a segment that does not match the model's columns");
  if (std::any_of(s.var.begin(), s.var.end(), [](double v) { return !(v >= 0); }))
    return bad("has a negative variance");
  KOHORT_ASSIGN_OR_RETURN(const json kpis, get<json>(j, "kpis"));
  if (!kpis.is_array()) return bad("has kpis that are not a list");
  for (const auto& e : kpis) {
    if (!e.is_object()) return bad("has a KPI that is not an object");
    Kpi kpi;
    KOHORT_ASSIGN_OR_RETURN(kpi.name, get<std::string>(e, "kpi"));
    KOHORT_ASSIGN_OR_RETURN(kpi.window_days, get<int>(e, "window_days"));
    KOHORT_ASSIGN_OR_RETURN(kpi.value, get<double>(e, "value"));
    s.kpis.push_back(std::move(kpi));
  }
  if (!j.contains("mix")) return s;  // a model from before the recent mix was kept
  KOHORT_ASSIGN_OR_RETURN(const json mix, get<json>(j, "mix"));
  if (!mix.is_array()) return bad("has a mix that is not a list");
  for (const auto& e : mix) {
    if (!e.is_object()) return bad("has a mix entry that is not an object");
    MixShare m;
    KOHORT_ASSIGN_OR_RETURN(m.feature, get<std::string>(e, "feature"));
    KOHORT_ASSIGN_OR_RETURN(m.lines, get<double>(e, "lines"));
    KOHORT_ASSIGN_OR_RETURN(m.share, get<double>(e, "share"));
    KOHORT_ASSIGN_OR_RETURN(m.var, get<double>(e, "var"));
    if (!(m.lines >= 0) || !(m.share >= 0 && m.share <= 1) || !(m.var >= 0))
      return bad(fmt::format("has a mix entry for '{}' outside its range", m.feature));
    s.mix.push_back(std::move(m));
  }
  return s;
}

// The columns segment_mix() reads: the recent group's line count and its share columns.
std::pair<index_t, std::vector<index_t>> mix_columns(const features::FeatureTable& raw) {
  index_t weight = -1;
  std::vector<index_t> shares;
  for (index_t j = 0; j < raw.cols(); ++j) {
    const auto& f = raw.info[static_cast<std::size_t>(j)];
    if (features::is_clustered_group(f.group)) continue;
    if (f.unit == "count" && weight < 0) weight = j;
    if (f.unit == "share") shares.push_back(j);
  }
  return {weight, weight < 0 ? std::vector<index_t>{} : shares};
}

}  // namespace

std::vector<SegmentReference> segment_moments(MatrixView<const float> x, MatrixView<const float> space,
                                              const std::vector<std::int32_t>& labels, int k) {
  std::vector<SegmentReference> segs(static_cast<std::size_t>(k));
  for (auto& s : segs) {
    s.mean.assign(static_cast<std::size_t>(x.cols), 0.0);
    s.var.assign(static_cast<std::size_t>(x.cols), 0.0);
    s.centroid.assign(static_cast<std::size_t>(space.cols), 0.0);
  }
  for (index_t i = 0; i < x.rows; ++i) {
    const auto l = labels[static_cast<std::size_t>(i)];
    if (l < 0 || l >= k) continue;
    auto& s = segs[static_cast<std::size_t>(l)];
    ++s.size;
    for (index_t j = 0; j < x.cols; ++j) s.mean[static_cast<std::size_t>(j)] += x(i, j);
    for (index_t j = 0; j < space.cols; ++j) s.centroid[static_cast<std::size_t>(j)] += space(i, j);
  }
  for (auto& s : segs) {
    const double n = static_cast<double>(std::max<std::int64_t>(1, s.size));
    for (auto& v : s.mean) v /= n;
    for (auto& v : s.centroid) v /= n;
  }
  for (index_t i = 0; i < x.rows; ++i) {
    const auto l = labels[static_cast<std::size_t>(i)];
    if (l < 0 || l >= k) continue;
    auto& s = segs[static_cast<std::size_t>(l)];
    for (index_t j = 0; j < x.cols; ++j) {
      const double d = x(i, j) - s.mean[static_cast<std::size_t>(j)];
      s.var[static_cast<std::size_t>(j)] += d * d;
    }
  }
  for (auto& s : segs)
    for (auto& v : s.var) v = s.size > 1 ? v / static_cast<double>(s.size - 1) : 0.0;
  return segs;
}

void decile_bins(const std::vector<double>& quantiles, const std::vector<double>& sorted, std::vector<double>& edges,
                 std::vector<double>& shares) {
  edges.clear();
  shares.clear();
  if (quantiles.size() != static_cast<std::size_t>(kReferenceQuantiles) || sorted.empty()) return;
  for (int d = 1; d < 10; ++d) {
    const double e = quantiles[static_cast<std::size_t>(d * (kReferenceQuantiles - 1) / 10)];
    if (edges.empty() || e > edges.back()) edges.push_back(e);
  }
  std::size_t seen = 0;
  const double n = static_cast<double>(sorted.size());
  for (const double e : edges) {
    const auto upto = static_cast<std::size_t>(std::upper_bound(sorted.begin(), sorted.end(), e) - sorted.begin());
    shares.push_back(static_cast<double>(upto - seen) / n);
    seen = upto;
  }
  shares.push_back(static_cast<double>(sorted.size() - seen) / n);
}

std::vector<std::vector<Kpi>> segment_kpis(const features::FeatureTable& raw, const std::vector<int>& windows_days,
                                           const std::vector<std::int32_t>& labels, int k) {
  std::vector<std::vector<Kpi>> out(static_cast<std::size_t>(std::max(0, k)));
  std::vector<std::int64_t> members(out.size(), 0);
  for (const auto l : labels)
    if (l >= 0 && l < k) ++members[static_cast<std::size_t>(l)];
  for (const int w : windows_days) {
    const index_t spend = raw.column(fmt::format("spend_{}d", w));
    const index_t orders = raw.column(fmt::format("orders_{}d", w));
    std::vector<double> rev(out.size(), 0.0), ord(out.size(), 0.0), lapsed(out.size(), 0.0);
    for (index_t i = 0; i < raw.rows(); ++i) {
      const auto l = labels[static_cast<std::size_t>(i)];
      if (l < 0 || l >= k) continue;
      const auto s = static_cast<std::size_t>(l);
      if (spend >= 0 && std::isfinite(raw.values(i, spend))) rev[s] += raw.values(i, spend);
      if (orders >= 0 && std::isfinite(raw.values(i, orders))) {
        ord[s] += raw.values(i, orders);
        lapsed[s] += raw.values(i, orders) <= 0;
      }
    }
    for (std::size_t s = 0; s < out.size(); ++s) {
      const double n = static_cast<double>(std::max<std::int64_t>(1, members[s]));
      if (spend >= 0) out[s].push_back({"revenue_per_customer", w, rev[s] / n});
      if (orders >= 0) {
        out[s].push_back({"orders_per_customer", w, ord[s] / n});
        out[s].push_back({"lapsed_share", w, lapsed[s] / n});
      }
    }
  }
  return out;
}

std::vector<std::vector<MixShare>> segment_mix(const features::FeatureTable& raw, const std::vector<std::int32_t>& labels,
                                               int k) {
  std::vector<std::vector<MixShare>> out(static_cast<std::size_t>(std::max(0, k)));
  const auto columns = mix_columns(raw);
  const index_t weight = columns.first;  // a plain name: lambdas below capture it
  const std::vector<index_t>& shares = columns.second;
  const auto member = [&](index_t i, index_t c, double& w, double& v) {
    const auto l = labels[static_cast<std::size_t>(i)];
    w = raw.values(i, weight), v = raw.values(i, c);
    return l >= 0 && l < k && w > 0 && std::isfinite(v) ? static_cast<std::size_t>(l) : out.size();
  };
  for (const index_t c : shares) {
    std::vector<double> lines(out.size(), 0.0), sum(out.size(), 0.0), ss(out.size(), 0.0), m(out.size(), 0.0);
    double w, v;
    for (index_t i = 0; i < raw.rows(); ++i)
      if (const auto s = member(i, c, w, v); s < out.size()) lines[s] += w, sum[s] += w * v, m[s] += 1;
    for (index_t i = 0; i < raw.rows(); ++i)
      if (const auto s = member(i, c, w, v); s < out.size()) {
        const double e = w * v - sum[s] / lines[s] * w;
        ss[s] += e * e;
      }
    for (std::size_t s = 0; s < out.size(); ++s) {
      MixShare& x = out[s].emplace_back();
      x.feature = raw.info[static_cast<std::size_t>(c)].name;
      x.lines = lines[s];
      x.share = lines[s] > 0 ? sum[s] / lines[s] : 0.0;
      x.var = m[s] > 1 ? m[s] / (m[s] - 1) * ss[s] / (lines[s] * lines[s]) : 0.0;
    }
  }
  return out;
}

Reference fit_reference(const Context& ctx, MatrixView<const float> selected, MatrixView<const float> space,
                        const std::vector<std::int32_t>& labels, int k, const features::FeatureTable& raw,
                        const std::vector<int>& windows_days) {
  Reference r;
  column_moments(selected, r);
  const index_t stride = std::max<index_t>(1, (selected.rows + kReferenceQuantileRows - 1) / kReferenceQuantileRows);
  r.rows = selected.rows;
  const auto cols = static_cast<std::size_t>(selected.cols);
  r.quantiles.assign(cols, {});
  r.bin_edges.assign(cols, {});
  r.bin_shares.assign(cols, {});
  parallel_for_blocks(ctx, selected.cols, 1, [&](index_t, index_t j, index_t) {
    const auto sj = static_cast<std::size_t>(j);
    r.quantiles[sj] = column_quantiles(selected, j, stride, r.bin_edges[sj], r.bin_shares[sj]);
  });
  r.segments = segment_moments(selected, space, labels, k);
  auto kpis = segment_kpis(raw, windows_days, labels, k);
  auto mix = segment_mix(raw, labels, k);
  for (std::size_t s = 0; s < r.segments.size(); ++s) {
    r.segments[s].kpis = std::move(kpis[s]);
    r.segments[s].mix = std::move(mix[s]);
  }
  return r;
}

json reference_to_json(const Reference& r) {
  json j = {{"mean", r.mean}, {"sd", r.sd}};
  if (r.quantiles.empty()) return j;
  j["rows"] = r.rows;
  json q = json::array(), edges = json::array();
  for (const auto& column : r.quantiles) q.push_back(float_numbers(column));
  for (const auto& column : r.bin_edges) edges.push_back(float_numbers(column));
  j["quantiles"] = std::move(q);
  j["bin_edges"] = std::move(edges);
  json shares = json::array();
  for (const auto& column : r.bin_shares) shares.push_back(short_numbers(column));
  j["bin_shares"] = std::move(shares);
  json segs = json::array();
  for (const auto& s : r.segments) {
    json kpis = json::array();
    for (const auto& k : s.kpis) kpis.push_back({{"kpi", k.name}, {"window_days", k.window_days}, {"value", k.value}});
    json mix = json::array();
    for (const auto& x : s.mix)
      mix.push_back({{"feature", x.feature}, {"lines", x.lines}, {"share", x.share}, {"var", x.var}});
    segs.push_back({{"size", s.size}, {"mean", short_numbers(s.mean)}, {"var", short_numbers(s.var)},
                    {"centroid", short_numbers(s.centroid)}, {"kpis", kpis}, {"mix", mix}});
  }
  j["segments"] = std::move(segs);
  return j;
}

Result<Reference> reference_from_json(const json& j, std::size_t columns, int k, index_t dims) {
  if (!j.is_object()) return bad("is not an object");
  Reference r;
  KOHORT_ASSIGN_OR_RETURN(r.mean, get<std::vector<double>>(j, "mean"));
  KOHORT_ASSIGN_OR_RETURN(r.sd, get<std::vector<double>>(j, "sd"));
  if (r.mean.size() != columns || r.sd.size() != columns) return bad("does not match the selected columns");
  if (!j.contains("quantiles")) return r;  // a model from before the monitor kept only the moments
  KOHORT_ASSIGN_OR_RETURN(r.rows, get<std::int64_t>(j, "rows"));
  KOHORT_ASSIGN_OR_RETURN(r.quantiles, get<std::vector<std::vector<double>>>(j, "quantiles"));
  for (auto& q : r.quantiles) float_quantiles(q);
  KOHORT_ASSIGN_OR_RETURN(r.bin_edges, get<std::vector<std::vector<double>>>(j, "bin_edges"));
  KOHORT_ASSIGN_OR_RETURN(r.bin_shares, get<std::vector<std::vector<double>>>(j, "bin_shares"));
  for (auto& e : r.bin_edges) float_quantiles(e);
  if (r.bin_edges.size() != columns || r.bin_shares.size() != columns)
    return bad("has bins that do not match the selected columns");
  for (std::size_t c = 0; c < columns; ++c)
    if (r.bin_shares[c].size() != r.bin_edges[c].size() + 1 || !std::is_sorted(r.bin_edges[c].begin(), r.bin_edges[c].end()) ||
        std::any_of(r.bin_shares[c].begin(), r.bin_shares[c].end(), [](double v) { return !(v >= 0 && v <= 1); }))
      return bad("has a column whose bins are not increasing edges with one share in [0, 1] more than edges");
  if (r.rows < 0 || r.quantiles.size() != columns) return bad("has quantiles that do not match the selected columns");
  for (const auto& q : r.quantiles)
    if (q.size() != static_cast<std::size_t>(kReferenceQuantiles) || !std::is_sorted(q.begin(), q.end()))
      return bad(fmt::format("has a quantile row that is not {} non-decreasing numbers", kReferenceQuantiles));
  KOHORT_ASSIGN_OR_RETURN(const json segs, get<json>(j, "segments"));
  if (!segs.is_array() || segs.size() != static_cast<std::size_t>(k)) return bad("does not have one entry per segment");
  for (const auto& s : segs) {
    KOHORT_ASSIGN_OR_RETURN(auto seg, segment_from_json(s, columns, dims));
    r.segments.push_back(std::move(seg));
  }
  return r;
}

}  // namespace kohort::model
