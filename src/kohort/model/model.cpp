#include "kohort/model/model.h"

#include "kohort/model/reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <limits>

#include <fmt/format.h>

#include "kohort/cluster/kmeans.h"
#include "kohort/core/json_fields.h"
#include "kohort/core/parallel.h"

namespace kohort::model {

namespace {

using nlohmann::json;

}  // namespace

json SegmentModel::to_json() const {
  json j;
  j["format"] = kFormat;
  j["format_version"] = kFormatVersion;
  j["kohort_version"] = kohort_version;
  j["created_at"] = created_at;
  j["as_of"] = format_datetime(as_of);
  j["as_of_epoch"] = as_of;
  j["seed"] = seed;
  j["lineage"] = lineage;
  j["feature_spec"] = {{"windows_days", spec.windows_days},
                       {"trend_window_days", spec.trend_window_days},
                       {"max_levels", spec.max_levels},
                       {"groups", spec.groups}};
  j["feature_names"] = feature_names;
  j["transform"] = transform.to_json();
  j["selected"] = selected;
  if (pca) {
    j["reducer"] = {{"method", "pca"},
                    {"mean", pca->mean},
                    {"components", matrix_json(pca->components.cview())},
                    {"explained_variance", pca->explained_variance},
                    {"explained_variance_ratio", pca->explained_variance_ratio},
                    {"total_variance", pca->total_variance}};
  } else {
    j["reducer"] = {{"method", "none"}};
  }
  j["clusterer"] = cluster::to_json(clusterer);
  j["segment_names"] = segment_names;
  j["segment_ids"] = segment_ids.empty() ? [&] {
    std::vector<std::int32_t> ids(segment_names.size());
    std::iota(ids.begin(), ids.end(), 0);
    return ids;
  }() : segment_ids;
  if (!identity.is_null()) j["identity"] = identity;
  if (!reference.mean.empty()) j["reference"] = reference_to_json(reference);
  j["segments"] = segments;
  j["diagnostics"] = diagnostics;
  j["clv"] = clv;
  return j;
}

namespace {
Result<SegmentModel> parse_model_document(const json& j);
}  // namespace

Result<SegmentModel> SegmentModel::from_json(const json& j) {
  // Every key is checked as it is read; this catches what a hostile document could still
  // provoke inside the JSON library (a wrong type deep in a nested value).
  try {
    return parse_model_document(j);
  } catch (const json::exception& e) {
    return Status::invalid_input("model", fmt::format("the document is malformed: {}", e.what()),
                                 "pass a model.json written by kohort fit, unmodified");
  }
}

namespace {
Result<SegmentModel> parse_model_document(const json& j) {
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
    return Status::invalid_input("model", "not a Kohort segment model (no \"format\": \"kohort.segment-model\")",
                                 "pass a model.json written by kohort fit");
  KOHORT_ASSIGN_OR_RETURN(const int version, json_field<int>(j, "format_version"));
  if (version > kFormatVersion)
    return Status::invalid_input("model", fmt::format("format version {} is newer than this Kohort reads ({})", version,
                                                      kFormatVersion),
                                 "upgrade Kohort to read this model");
  SegmentModel m;
  KOHORT_ASSIGN_OR_RETURN(m.kohort_version, json_field<std::string>(j, "kohort_version"));
  KOHORT_ASSIGN_OR_RETURN(m.created_at, json_field<std::string>(j, "created_at"));
  KOHORT_ASSIGN_OR_RETURN(m.as_of, json_field<Seconds>(j, "as_of_epoch"));
  KOHORT_ASSIGN_OR_RETURN(m.seed, json_field<std::uint64_t>(j, "seed"));
  m.lineage = j.value("lineage", json::object());
  KOHORT_ASSIGN_OR_RETURN(const json spec, json_field<json>(j, "feature_spec"));
  KOHORT_ASSIGN_OR_RETURN(m.spec.windows_days, json_field<std::vector<int>>(spec, "windows_days"));
  KOHORT_ASSIGN_OR_RETURN(m.spec.trend_window_days, json_field<int>(spec, "trend_window_days"));
  KOHORT_ASSIGN_OR_RETURN(m.spec.max_levels, json_field<int>(spec, "max_levels"));
  KOHORT_ASSIGN_OR_RETURN(m.spec.groups, json_field<std::vector<std::string>>(spec, "groups"));
  KOHORT_ASSIGN_OR_RETURN(m.feature_names, json_field<std::vector<std::string>>(j, "feature_names"));
  KOHORT_ASSIGN_OR_RETURN(const json transform, json_field<json>(j, "transform"));
  KOHORT_ASSIGN_OR_RETURN(m.transform, features::FittedTransform::from_json(transform));
  KOHORT_ASSIGN_OR_RETURN(m.selected, json_field<std::vector<index_t>>(j, "selected"));
  const auto width = static_cast<index_t>(m.transform.columns.size());
  for (index_t s : m.selected)
    if (s < 0 || s >= width)
      return Status::invalid_input("model", fmt::format("selected column {} is outside the transform's {}", s, width),
                                   "refit the model");
  KOHORT_ASSIGN_OR_RETURN(const json reducer, json_field<json>(j, "reducer"));
  KOHORT_ASSIGN_OR_RETURN(const std::string method, json_field<std::string>(reducer, "method"));
  if (method == "pca") {
    reduce::PcaFit p;
    KOHORT_ASSIGN_OR_RETURN(p.mean, json_field<std::vector<double>>(reducer, "mean"));
    KOHORT_ASSIGN_OR_RETURN(p.components, matrix_from_json(reducer, "components", "reducer.components"));
    KOHORT_ASSIGN_OR_RETURN(p.explained_variance, json_field<std::vector<double>>(reducer, "explained_variance"));
    KOHORT_ASSIGN_OR_RETURN(p.explained_variance_ratio, json_field<std::vector<double>>(reducer, "explained_variance_ratio"));
    KOHORT_ASSIGN_OR_RETURN(p.total_variance, json_field<double>(reducer, "total_variance"));
    if (static_cast<index_t>(p.mean.size()) != static_cast<index_t>(m.selected.size()) ||
        p.components.cols() != static_cast<index_t>(m.selected.size()))
      return Status::invalid_input("model", "the PCA does not match the selected columns", "refit the model");
    m.pca = std::move(p);
  } else if (method != "none") {
    return Status::invalid_input("model", fmt::format("unknown reducer '{}'", method), "refit the model");
  }
  KOHORT_ASSIGN_OR_RETURN(const json c, json_field<json>(j, "clusterer"));
  const index_t dim = m.pca ? m.pca->components.rows() : static_cast<index_t>(m.selected.size());
  KOHORT_ASSIGN_OR_RETURN(m.clusterer, cluster::clusterer_from_json(c, dim));
  KOHORT_ASSIGN_OR_RETURN(m.segment_names, json_field<std::vector<std::string>>(j, "segment_names"));
  if (static_cast<index_t>(m.segment_names.size()) != m.clusterer.centers.rows())
    return Status::invalid_input("model", "segment names and centres differ in count", "refit the model");
  if (j.contains("segment_ids")) {
    KOHORT_ASSIGN_OR_RETURN(m.segment_ids, json_field<std::vector<std::int32_t>>(j, "segment_ids"));
    std::vector<std::int32_t> sorted = m.segment_ids;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.size() != m.segment_names.size() || (!sorted.empty() && sorted.front() < 0) ||
        std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      return Status::invalid_input("model", "segment_ids are not one distinct id ≥ 0 per segment", "refit the model");
  }
  m.identity = j.value("identity", json());
  if (const auto r = j.find("reference"); r != j.end()) {
    KOHORT_ASSIGN_OR_RETURN(m.reference, reference_from_json(*r, m.selected.size(), m.k(), m.clusterer.centers.cols()));
  }
  m.segments = j.value("segments", json::array());
  m.diagnostics = j.value("diagnostics", json::object());
  m.clv = j.value("clv", json::object());
  return m;
}
}  // namespace

Result<Matrix<float>> embed(const Context& ctx, const SegmentModel& model, MatrixView<const float> selected) {
  if (!model.pca) {
    Matrix<float> out(selected.rows, selected.cols);
    for (index_t i = 0; i < selected.rows; ++i)
      for (index_t j = 0; j < selected.cols; ++j) out(i, j) = selected(i, j);
    return out;
  }
  return reduce::transform_pca(ctx, *model.pca, selected);
}

Result<Assignment> predict(const Context& ctx, const ClustererModel& c, MatrixView<const float> x) {
  KOHORT_ASSIGN_OR_RETURN(auto p, cluster::predict(ctx, c, x));
  Assignment a;
  a.labels = std::move(p.labels);
  a.confidence = std::move(p.confidence);
  return a;
}

index_t SegmentModel::position_of(std::int32_t id) const {
  if (segment_ids.empty()) return id >= 0 && id < k() ? id : -1;
  const auto it = std::find(segment_ids.begin(), segment_ids.end(), id);
  return it == segment_ids.end() ? -1 : static_cast<index_t>(it - segment_ids.begin());
}

Result<Embedded> embed_features(const Context& ctx, const SegmentModel& model, const features::FeatureTable& raw) {
  // Only the selected columns are transformed: each output column depends on its source alone,
  // so only their sources are aligned (a compact matrix; the other raw columns may be absent).
  features::FittedTransform kept = model.transform;
  kept.columns.clear();
  kept.input_names.clear();
  std::vector<index_t> compact(model.feature_names.size(), -1), source;
  Embedded e;
  for (index_t s : model.selected) {
    auto c = model.transform.columns[static_cast<std::size_t>(s)];
    const auto at = static_cast<std::size_t>(c.source);
    if (at >= model.feature_names.size())
      return Status::invalid_input("model", fmt::format("column '{}' reads a feature the model does not name", c.name), "refit it");
    if (compact[at] < 0) {
      compact[at] = static_cast<index_t>(kept.input_names.size());
      kept.input_names.push_back(model.feature_names[at]);
      source.push_back(raw.column(model.feature_names[at]));
      if (source.back() < 0) e.missing_features.push_back(model.feature_names[at]);
    }
    c.source = compact[at];
    kept.columns.push_back(std::move(c));
  }
  const index_t n = raw.rows(), d = static_cast<index_t>(source.size());
  Matrix<float> aligned(n, d);
  for (index_t i = 0; i < n; ++i)
    for (index_t j = 0; j < d; ++j) {
      const index_t s = source[static_cast<std::size_t>(j)];
      aligned(i, j) = s < 0 ? std::numeric_limits<float>::quiet_NaN() : raw.values(i, s);
    }
  KOHORT_ASSIGN_OR_RETURN(e.selected, features::apply(ctx, kept, aligned.cview()));
  KOHORT_ASSIGN_OR_RETURN(e.space, embed(ctx, model, e.selected.cview()));
  return e;
}

std::vector<std::string> selected_names(const SegmentModel& model) {
  const auto names = model.transform.output_names();
  std::vector<std::string> out;
  for (index_t s : model.selected) out.push_back(names[static_cast<std::size_t>(s)]);
  return out;
}

Result<Assignment> assign(const Context& ctx, const SegmentModel& model, const features::FeatureTable& raw) {
  KOHORT_ASSIGN_OR_RETURN(auto e, embed_features(ctx, model, raw));
  KOHORT_ASSIGN_OR_RETURN(auto a, model::predict(ctx, model.clusterer, e.space.cview()));
  a.missing_features = std::move(e.missing_features);
  return a;
}

}  // namespace kohort::model
