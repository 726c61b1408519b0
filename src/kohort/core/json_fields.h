// kohort/core/json_fields.h — reading a stored document's keys with a clear error for each
// missing or mistyped one, and matrices as arrays of rows.
#pragma once

#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort {

/// The value under j[key] as T; invalid_input (where `where`) naming the key when it is
/// missing or of another type.
template <typename T>
[[nodiscard]] Result<T> json_field(const nlohmann::json& j, std::string_view key, std::string_view where = "model") {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end())
    return Status::invalid_input(std::string(where), fmt::format("the key '{}' is missing", key),
                                 "the file is not a complete Kohort segment model; refit it with kohort fit");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return Status::invalid_input(std::string(where), fmt::format("the key '{}' has the wrong type", key),
                                 "the file is not a Kohort segment model; refit it with kohort fit");
  }
}

/// A matrix as an array of rows of numbers.
[[nodiscard]] nlohmann::json matrix_json(MatrixView<const float> m);

/// The matrix stored under parent[key] as an array of equally long rows of numbers; `name`
/// names it in the error ("clusterer.centers").
[[nodiscard]] Result<Matrix<float>> matrix_from_json(const nlohmann::json& parent, const char* key,
                                                     std::string_view name, std::string_view where = "model");

}  // namespace kohort
