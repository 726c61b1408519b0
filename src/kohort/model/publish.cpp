#include "kohort/model/publish.h"

#include <filesystem>
#include <iterator>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"

namespace kohort::model {

std::string assignments_csv(const FitResult& fit) {
  std::string csv = "customer_id,segment,segment_name,confidence\n";
  csv.reserve(fit.labels.size() * 40);
  auto it = std::back_inserter(csv);
  const auto quoted = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  const auto& names = fit.model.segment_names;
  for (std::size_t i = 0; i < fit.labels.size(); ++i)
    fmt::format_to(it, "{},{},{},{:.4f}\n", quoted(fit.customer_ids[i]), fit.labels[i],
                   quoted(names[static_cast<std::size_t>(fit.labels[i])]), fit.confidence[i]);
  return csv;
}

Status write_outputs(const FitResult& fit, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::invalid_input(dir, "cannot create the output folder: " + ec.message(),
                                 "pass a folder you can write to");
  const std::filesystem::path d(dir);
  KOHORT_RETURN_IF_ERROR(write_file_atomic((d / "assignments.csv").string(), assignments_csv(fit)));
  KOHORT_RETURN_IF_ERROR(write_file_atomic((d / "segments.json").string(), fit.model.segments.dump(2) + "\n"));
  return write_file_atomic((d / "model.json").string(), fit.model.to_json().dump() + "\n");
}

Result<std::int64_t> publish(store::Store& st, const FitResult& fit, const std::string& command) {
  store::PublishRequest req;
  req.model_json = fit.model.to_json().dump();
  req.as_of = format_datetime(fit.model.as_of);
  req.kohort_version = fit.model.kohort_version;
  req.algorithm = fit.model.clusterer.algorithm;
  req.k = fit.model.k();
  for (const auto& s : fit.model.segments)
    req.segments.push_back({s["id"].get<std::int32_t>(), s["name"].get<std::string>(), s["size"].get<std::int64_t>(),
                            s["share"].get<double>(), s.dump()});
  req.assignments.reserve(fit.labels.size());
  for (std::size_t i = 0; i < fit.labels.size(); ++i)
    req.assignments.push_back({fit.customer_ids[i], fit.labels[i], fit.confidence[i], {}});
  req.run_metrics_json = fit.metrics.dump();
  req.command = command;
  return st.publish(req);
}

}  // namespace kohort::model
