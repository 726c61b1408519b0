#include "kohort/features/output.h"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"

namespace kohort::features {


namespace {

template <typename IdOf>
std::string csv_text(const FeatureTable& table, const IdOf& id_of) {
  std::string out;
  out.reserve(static_cast<std::size_t>(table.rows() + 1) *
              static_cast<std::size_t>(table.cols() + 1) * 8);
  out.append("customer_id");
  for (const auto& f : table.info) {
    out.push_back(',');
    append_csv_field(out, f.name);
  }
  out.push_back('\n');
  for (index_t i = 0; i < table.rows(); ++i) {
    append_csv_field(out, id_of(static_cast<std::size_t>(i)));
    const float* row = table.values.row(i);
    for (index_t j = 0; j < table.cols(); ++j) {
      out.push_back(',');
      // fmt prints the shortest text that reads back as the same float.
      if (!std::isnan(row[j])) fmt::format_to(std::back_inserter(out), "{}", row[j]);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace

std::string features_csv(const FeatureTable& table, const events::EventLog& log) {
  return csv_text(table, [&](std::size_t r) -> const std::string& {
    return log.external_id(table.customers[r]);
  });
}

Status write_features_csv(const std::string& path, const FeatureTable& table,
                          const events::EventLog& log) {
  return write_file_atomic(path, features_csv(table, log));
}

Status write_features_csv(const std::string& path, const FeatureTable& table,
                          std::span<const std::string> ids) {
  if (ids.size() != static_cast<std::size_t>(table.rows()))
    return Status::invalid_argument("ids", "one customer id per row is needed");
  return write_file_atomic(path, csv_text(table, [&](std::size_t r) -> const std::string& {
                             return ids[r];
                           }));
}

nlohmann::json features_json(const FeatureTable& table) {
  nlohmann::json feats = nlohmann::json::array();
  for (const auto& f : table.info)
    feats.push_back({{"name", f.name},
                     {"group", f.group},
                     {"unit", f.unit},
                     {"description", f.description},
                     {"phrase", f.phrase}});
  return {{"format", "kohort.features"},
          {"version", 1},
          {"as_of", format_datetime(table.as_of)},
          {"rows", table.rows()},
          {"cols", table.cols()},
          {"features", std::move(feats)}};
}

nlohmann::json features_json(const FeatureTable& table, std::span<const std::string> ids) {
  nlohmann::json j = features_json(table);
  j["ids"] = ids;
  return j;
}

Status write_features_json(const std::string& path, const FeatureTable& table) {
  return write_file_atomic(path, json_text(features_json(table), 2) + "\n");
}

}  // namespace kohort::features
