#include "kohort/features/transform.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/features/feature_spec.h"

namespace kohort::features {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string_view scaling_name(Scaling s) {
  switch (s) {
    case Scaling::none: return "none";
    case Scaling::zscore: return "zscore";
    case Scaling::robust: return "robust";
  }
  return "none";
}

// Quantile of sorted values, linear interpolation between order statistics (R type 7).
double quantile_sorted(const std::vector<double>& v, double q) {
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double value_transform(const ColumnTransform& t, float x) {
  double v = std::isnan(x) ? t.fill : static_cast<double>(x);
  if (t.log1p) v = std::log1p(v);
  v = std::clamp(v, t.lower, t.upper);
  return (v - t.center) / t.scale;
}

// Writes the transformed columns of rows [0, n) of x into out (n × columns.size()).
void apply_columns(const Context& ctx, const std::vector<ColumnTransform>& columns,
                   MatrixView<const float> x, MatrixView<float> out) {
  const auto d = static_cast<index_t>(columns.size());
  parallel_for_blocks(ctx, x.rows, 4096, [&](index_t, index_t begin, index_t end) {
    for (index_t i = begin; i < end; ++i) {
      const float* in = x.row(i);
      float* o = out.row(i);
      for (index_t j = 0; j < d; ++j) {
        const auto& t = columns[static_cast<std::size_t>(j)];
        const float v = in[t.source];
        o[j] =
            t.indicator ? (std::isnan(v) ? 1.0f : 0.0f) : static_cast<float>(value_transform(t, v));
      }
    }
  });
}

Status check_finite(MatrixView<const float> x, std::span<const std::string> names) {
  for (index_t i = 0; i < x.rows; ++i)
    for (index_t j = 0; j < x.cols; ++j)
      if (std::isinf(x(i, j)))
        return Status::invalid_input(
            fmt::format("row {}, column {}", i + 1,
                        names.empty() ? std::to_string(j + 1) : names[static_cast<std::size_t>(j)]),
            "value is infinite", "replace infinite values by a finite value or leave them empty");
  return {};
}

std::string format_value(double v) { return fmt::format("{:.6g}", v); }

// What fitting one input column produced.
struct ColumnFit {
  bool keep_value = false;
  bool indicator = false;
  ColumnTransform value;
  std::string reason;  // why the value column is dropped
};

ColumnFit fit_column(MatrixView<const float> x, index_t j, const std::string& name,
                     const TransformOptions& o) {
  ColumnFit f;
  std::vector<double> obs;
  obs.reserve(static_cast<std::size_t>(x.rows));
  for (index_t i = 0; i < x.rows; ++i) {
    const float v = x(i, j);
    if (!std::isnan(v)) obs.push_back(v);
  }
  const auto n = static_cast<double>(x.rows);
  const std::size_t missing = static_cast<std::size_t>(x.rows) - obs.size();
  f.indicator = o.missing_indicators && missing > 0 && !obs.empty();
  if (obs.empty()) {
    f.reason = "all values missing";
    return f;
  }
  ColumnTransform& t = f.value;
  t.name = name;
  t.source = j;
  std::sort(obs.begin(), obs.end());
  t.fill = quantile_sorted(obs, 0.5);
  if (o.log1p && obs.front() >= 0) {
    double mean = 0;
    for (double v : obs) mean += v;
    mean /= static_cast<double>(obs.size());
    double m2 = 0, m3 = 0;
    for (double v : obs) {
      const double dv = v - mean;
      m2 += dv * dv;
      m3 += dv * dv * dv;
    }
    m2 /= static_cast<double>(obs.size());
    m3 /= static_cast<double>(obs.size());
    t.log1p = m2 > 0 && m3 / std::pow(m2, 1.5) > o.skew_threshold;
  }
  // The imputed, log-transformed column: the fill value stands in for every missing cell.
  std::vector<double> u;
  u.reserve(static_cast<std::size_t>(x.rows));
  for (double v : obs) u.push_back(t.log1p ? std::log1p(v) : v);
  const double filled = t.log1p ? std::log1p(t.fill) : t.fill;
  u.insert(u.end(), missing, filled);
  std::sort(u.begin(), u.end());
  t.lower = o.winsor_lower > 0 ? quantile_sorted(u, o.winsor_lower) : -kInf;
  t.upper = o.winsor_upper < 1 ? quantile_sorted(u, o.winsor_upper) : kInf;
  for (double& v : u) v = std::clamp(v, t.lower, t.upper);  // stays sorted
  double mean = 0;
  for (double v : u) mean += v;
  mean /= n;
  double ss = 0;
  for (double v : u) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / n);
  if (u.front() == u.back() || sd == 0) {
    if (o.drop_constant) {
      const bool clipped = u.front() != obs.front() || u.back() != obs.back();
      f.reason = fmt::format("constant{}: every value is {}", clipped ? " after winsorizing" : "",
                             format_value(t.log1p ? std::expm1(u.front()) : u.front()));
      return f;
    }
  }
  switch (o.scaling) {
    case Scaling::none:
      t.center = 0;
      t.scale = 1;
      break;
    case Scaling::zscore:
      t.center = mean;
      t.scale = sd > 0 ? sd : 1;
      break;
    case Scaling::robust: {
      t.center = quantile_sorted(u, 0.5);
      const double iqr = quantile_sorted(u, 0.75) - quantile_sorted(u, 0.25);
      t.scale = iqr > 0 ? iqr : (sd > 0 ? sd : 1);
      break;
    }
  }
  f.keep_value = true;
  return f;
}

std::uint64_t column_hash(MatrixView<const float> m, index_t j) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (index_t i = 0; i < m.rows; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &m(i, j), sizeof bits);
    h = (h ^ bits) * 0x100000001b3ULL;
  }
  return h;
}

bool same_column(MatrixView<const float> m, index_t a, index_t b) {
  for (index_t i = 0; i < m.rows; ++i)
    if (std::memcmp(&m(i, a), &m(i, b), sizeof(float)) != 0) return false;
  return true;
}

}  // namespace

Status TransformOptions::validate() const {
  if (!(skew_threshold >= 0))
    return Status::invalid_argument("skew_threshold", fmt::format("{} is below 0", skew_threshold),
                                    "use a skewness threshold ≥ 0, such as 1");
  if (!(winsor_lower >= 0 && winsor_lower < 0.5))
    return Status::invalid_argument("winsor_lower",
                                    fmt::format("{} is outside [0, 0.5)", winsor_lower),
                                    "use a lower quantile such as 0.01, or 0 to disable");
  if (!(winsor_upper > 0.5 && winsor_upper <= 1))
    return Status::invalid_argument("winsor_upper",
                                    fmt::format("{} is outside (0.5, 1]", winsor_upper),
                                    "use an upper quantile such as 0.99, or 1 to disable");
  return {};
}

std::vector<std::string> FittedTransform::output_names() const {
  std::vector<std::string> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

Result<TransformResult> fit_transform(const Context& ctx, MatrixView<const float> x,
                                      std::span<const std::string> names,
                                      const TransformOptions& options,
                                      std::span<const std::string> left_out) {
  KOHORT_RETURN_IF_ERROR(options.validate());
  if (!left_out.empty() && left_out.size() != names.size())
    return Status::invalid_argument("left_out", fmt::format("{} entries for {} columns", left_out.size(), names.size()),
                                    "give one entry per column, empty for the columns to keep");
  const auto leaves = [&](std::size_t j) { return !left_out.empty() && !left_out[j].empty(); };
  if (names.size() != static_cast<std::size_t>(x.cols))
    return Status::invalid_argument("names",
                                    fmt::format("{} names for {} columns", names.size(), x.cols),
                                    "give one name per column");
  if (x.rows == 0)
    return Status::invalid_input("transform", "the table has no rows",
                                 "fit the transform on at least one row");
  KOHORT_RETURN_IF_ERROR(check_finite(x, names));

  std::vector<ColumnFit> fits(static_cast<std::size_t>(x.cols));
  parallel_for_blocks(ctx, x.cols, 1, [&](index_t, index_t begin, index_t end) {
    for (index_t j = begin; j < end; ++j)
      if (!leaves(static_cast<std::size_t>(j)))
        fits[static_cast<std::size_t>(j)] = fit_column(x, j, names[static_cast<std::size_t>(j)], options);
  });

  TransformResult res;
  FittedTransform& fit = res.fit;
  fit.options = options;
  fit.input_names.assign(names.begin(), names.end());
  std::vector<ColumnTransform> candidates;
  for (std::size_t j = 0; j < fits.size(); ++j) {
    if (leaves(j)) {
      fit.dropped.push_back({names[j], left_out[j]});
      continue;
    }
    if (fits[j].keep_value)
      candidates.push_back(fits[j].value);
    else
      fit.dropped.push_back({names[j], fits[j].reason});
    if (fits[j].indicator) {
      ColumnTransform ind;
      ind.name = names[j] + "_missing";
      ind.source = static_cast<index_t>(j);
      ind.indicator = true;
      candidates.push_back(ind);
    }
  }
  Matrix<float> all(x.rows, static_cast<index_t>(candidates.size()));
  apply_columns(ctx, candidates, x, all.view());

  std::vector<bool> keep(candidates.size(), true);
  if (options.drop_duplicates) {
    const auto nc = static_cast<index_t>(candidates.size());
    std::vector<std::uint64_t> hash(candidates.size());
    parallel_for_blocks(ctx, nc, 1, [&](index_t, index_t begin, index_t end) {
      for (index_t j = begin; j < end; ++j)
        hash[static_cast<std::size_t>(j)] = column_hash(all.cview(), j);
    });
    std::unordered_map<std::uint64_t, std::vector<index_t>> seen;
    for (index_t j = 0; j < nc; ++j) {
      auto& same_hash = seen[hash[static_cast<std::size_t>(j)]];
      for (index_t k : same_hash)
        if (same_column(all.cview(), k, j)) {
          keep[static_cast<std::size_t>(j)] = false;
          fit.dropped.push_back({candidates[static_cast<std::size_t>(j)].name,
                                 fmt::format("duplicate of '{}' after transformation",
                                             candidates[static_cast<std::size_t>(k)].name)});
          break;
        }
      if (keep[static_cast<std::size_t>(j)]) same_hash.push_back(j);
    }
  }
  std::vector<index_t> kept;
  for (std::size_t j = 0; j < candidates.size(); ++j)
    if (keep[j]) {
      kept.push_back(static_cast<index_t>(j));
      fit.columns.push_back(candidates[j]);
    }
  all.keep_columns(kept);  // in place: one transformed matrix, never two
  res.values = std::move(all);
  return res;
}

Result<Matrix<float>> apply(const Context& ctx, const FittedTransform& fit,
                            MatrixView<const float> x) {
  if (static_cast<std::size_t>(x.cols) != fit.input_names.size())
    return Status::invalid_input("transform",
                                 fmt::format("the table has {} columns, the transform was fitted "
                                             "on {}",
                                             x.cols, fit.input_names.size()),
                                 "compute the features with the same specification as the fit");
  KOHORT_RETURN_IF_ERROR(check_finite(x, fit.input_names));
  Matrix<float> out(x.rows, static_cast<index_t>(fit.columns.size()));
  apply_columns(ctx, fit.columns, x, out.view());
  return out;
}

nlohmann::json FittedTransform::to_json() const {
  using nlohmann::json;
  const auto bound = [](double v) { return std::isinf(v) ? json(nullptr) : json(v); };
  json cols = json::array();
  for (const auto& c : columns) {
    json jc = {{"name", c.name}, {"source", c.source}, {"indicator", c.indicator}};
    if (!c.indicator) {
      jc["fill"] = c.fill;
      jc["log1p"] = c.log1p;
      jc["lower"] = bound(c.lower);
      jc["upper"] = bound(c.upper);
      jc["center"] = c.center;
      jc["scale"] = c.scale;
    }
    cols.push_back(std::move(jc));
  }
  json dropped_j = json::array();
  for (const auto& dc : dropped) dropped_j.push_back({{"name", dc.name}, {"reason", dc.reason}});
  return {{"options",
           {{"log1p", options.log1p},
            {"skew_threshold", options.skew_threshold},
            {"winsor_lower", options.winsor_lower},
            {"winsor_upper", options.winsor_upper},
            {"scaling", scaling_name(options.scaling)},
            {"missing_indicators", options.missing_indicators},
            {"drop_constant", options.drop_constant},
            {"drop_duplicates", options.drop_duplicates}}},
          {"input_names", input_names},
          {"columns", std::move(cols)},
          {"dropped", std::move(dropped_j)}};
}

Result<FittedTransform> FittedTransform::from_json(const nlohmann::json& j) {
  try {
    FittedTransform f;
    const auto& o = j.at("options");
    f.options.log1p = o.at("log1p").get<bool>();
    f.options.skew_threshold = o.at("skew_threshold").get<double>();
    f.options.winsor_lower = o.at("winsor_lower").get<double>();
    f.options.winsor_upper = o.at("winsor_upper").get<double>();
    const auto sc = o.at("scaling").get<std::string>();
    if (sc == "none")
      f.options.scaling = Scaling::none;
    else if (sc == "zscore")
      f.options.scaling = Scaling::zscore;
    else if (sc == "robust")
      f.options.scaling = Scaling::robust;
    else
      return Status::invalid_input("transform", fmt::format("unknown scaling '{}'", sc),
                                   "use none, zscore or robust");
    f.options.missing_indicators = o.at("missing_indicators").get<bool>();
    f.options.drop_constant = o.at("drop_constant").get<bool>();
    f.options.drop_duplicates = o.at("drop_duplicates").get<bool>();
    f.input_names = j.at("input_names").get<std::vector<std::string>>();
    const auto bound = [](const nlohmann::json& v, double inf) {
      return v.is_null() ? inf : v.get<double>();
    };
    for (const auto& jc : j.at("columns")) {
      ColumnTransform c;
      c.name = jc.at("name").get<std::string>();
      c.source = jc.at("source").get<index_t>();
      c.indicator = jc.at("indicator").get<bool>();
      if (c.source < 0 || static_cast<std::size_t>(c.source) >= f.input_names.size())
        return Status::invalid_input("transform",
                                     fmt::format("column '{}' reads input column {} of {}", c.name,
                                                 c.source, f.input_names.size()),
                                     "the transform document is damaged; fit it again");
      if (!c.indicator) {
        c.fill = jc.at("fill").get<double>();
        c.log1p = jc.at("log1p").get<bool>();
        c.lower = bound(jc.at("lower"), -kInf);
        c.upper = bound(jc.at("upper"), kInf);
        c.center = jc.at("center").get<double>();
        c.scale = jc.at("scale").get<double>();
      }
      f.columns.push_back(std::move(c));
    }
    for (const auto& jd : j.at("dropped"))
      f.dropped.push_back({jd.at("name").get<std::string>(), jd.at("reason").get<std::string>()});
    return f;
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid_input("transform", fmt::format("malformed transform: {}", e.what()),
                                 "the transform document is damaged; fit it again");
  }
}

Result<FeatureTable> transform_table(const Context& ctx, const FeatureTable& table,
                                     const TransformOptions& options, FittedTransform* fitted) {
  const auto names = table.names();
  std::vector<std::string> left_out(names.size());
  for (std::size_t j = 0; j < names.size(); ++j)
    if (!is_clustered_group(table.info[j].group))
      left_out[j] = fmt::format("kept for monitoring (group '{}'), not clustered", table.info[j].group);
  KOHORT_ASSIGN_OR_RETURN(auto result, fit_transform(ctx, table.values.cview(), names, options, left_out));
  FeatureTable out;
  out.customers = table.customers;
  out.as_of = table.as_of;
  for (const auto& c : result.fit.columns) {
    const FeatureInfo& src = table.info[static_cast<std::size_t>(c.source)];
    if (c.indicator) {
      out.info.push_back({c.name, src.group, "flag", "1 when " + src.name + " is missing, else 0",
                          src.phrase + " unknown"});
    } else {
      out.info.push_back(src);
    }
  }
  out.values = std::move(result.values);
  if (fitted != nullptr) *fitted = std::move(result.fit);
  return out;
}

}  // namespace kohort::features
