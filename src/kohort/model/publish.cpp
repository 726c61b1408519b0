#include "kohort/model/publish.h"

#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "kohort/core/file_set.h"
#include "kohort/core/text.h"
#include "kohort/model/identity.h"

namespace kohort::model {

std::string assignments_csv(const FitResult& fit) {
  std::string csv = "customer_id,segment,segment_name,confidence,clv,p_alive,churn_risk\n";
  csv.reserve(fit.labels.size() * 64);
  auto it = std::back_inserter(csv);
  // An unknown value (the CLV models could not be fitted) is an empty cell.
  const auto value = [](const std::vector<double>& v, std::size_t i, int digits) {
    return i < v.size() && std::isfinite(v[i]) ? fmt::format("{:.{}f}", v[i], digits) : std::string();
  };
  const auto& names = fit.model.segment_names;
  const auto& b = fit.business;
  for (std::size_t i = 0; i < fit.labels.size(); ++i) {
    append_csv_field(csv, fit.customer_ids[i]);
    fmt::format_to(it, ",{},", fit.model.id_of(fit.labels[i]));
    if (fit.labels[i] >= 0) append_csv_field(csv, names[static_cast<std::size_t>(fit.labels[i])]);  // an outlier: no name
    fmt::format_to(it, ",{:.4f},{},{},{}\n", fit.confidence[i], value(b.clv, i, 2), value(b.p_alive, i, 4),
                   value(b.churn_risk, i, 4));
  }
  return csv;
}

Status write_outputs(const FitResult& fit, const std::string& dir, const nlohmann::json& about) {
  std::vector<SetFile> files = {{"assignments.csv", assignments_csv(fit)},
                                {"segments.json", json_text(fit.model.segments, 2) + "\n"},
                                {"model.json", json_text(fit.model.to_json()) + "\n"}};
  FileSetOptions o;
  o.about = about;
  return write_file_set(dir, files, o);
}

Result<std::int64_t> publish(store::Store& st, const FitResult& fit, const RunInfo& run) {
  store::PublishRequest req;
  req.model_json = json_text(fit.model.to_json());
  req.as_of = format_datetime(fit.model.as_of);
  req.kohort_version = fit.model.kohort_version;
  req.algorithm = fit.model.clusterer.algorithm;
  req.k = fit.model.k();
  for (std::size_t i = 0; i < fit.profiles.segments.size(); ++i) {
    const auto& p = fit.profiles.segments[i];
    req.segments.push_back({p.id, p.name, p.size, p.share, json_text(fit.model.segments.at(i))});
  }
  req.assignments.reserve(fit.labels.size());
  const auto& b = fit.business;
  const auto at = [](const std::vector<double>& v, std::size_t i) {
    return i < v.size() ? static_cast<float>(v[i]) : std::numeric_limits<float>::quiet_NaN();
  };
  for (std::size_t i = 0; i < fit.labels.size(); ++i)
    req.assignments.push_back({fit.customer_ids[i], fit.model.id_of(fit.labels[i]), fit.confidence[i], {},
                               {at(b.clv, i), at(b.p_alive, i), at(b.churn_risk, i)}});
  req.run_metrics_json = json_text(fit.metrics);
  req.run_options_json = json_text(run.options);
  req.run_started_at = run.started_at;
  req.command = run.command;
  return st.publish(req);
}

Result<std::pair<std::int64_t, SegmentModel>> read_model(store::Store& store, std::optional<std::int64_t> version) {
  if (!version) {
    KOHORT_ASSIGN_OR_RETURN(version, store.pinned_version());
  }
  if (!version) {
    KOHORT_ASSIGN_OR_RETURN(const auto latest, store.latest());
    if (!latest)
      return Status::not_found("store", "nothing is published in the store yet", "publish a model first: kohort fit DATA --store …");
    version = latest->version;
  }
  KOHORT_ASSIGN_OR_RETURN(const std::string text, store.model_json(*version));
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  KOHORT_ASSIGN_OR_RETURN(auto model, SegmentModel::from_json(doc));
  KOHORT_ASSIGN_OR_RETURN(const auto labels, store.segment_labels());
  apply_labels(model, labels);
  return std::pair{*version, std::move(model)};
}

}  // namespace kohort::model
