#include "kohort/core/json_fields.h"

namespace kohort {

nlohmann::json matrix_json(MatrixView<const float> m) {
  nlohmann::json rows = nlohmann::json::array();
  for (index_t i = 0; i < m.rows; ++i) {
    nlohmann::json r = nlohmann::json::array();
    for (index_t j = 0; j < m.cols; ++j) r.push_back(m(i, j));
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<Matrix<float>> matrix_from_json(const nlohmann::json& parent, const char* key, std::string_view name,
                                       std::string_view where) {
  const auto fail = [&](std::string what) {
    return Status::invalid_input(std::string(where), std::move(what), "refit the model");
  };
  const auto it = parent.is_object() ? parent.find(key) : parent.end();
  if (it == parent.end() || !it->is_array()) return fail(fmt::format("'{}' is not an array of rows", name));
  const nlohmann::json& j = *it;
  const auto rows = static_cast<index_t>(j.size());
  const index_t cols = rows && j[0].is_array() ? static_cast<index_t>(j[0].size()) : 0;
  Matrix<float> m(rows, cols);
  for (index_t i = 0; i < rows; ++i) {
    const nlohmann::json& r = j[static_cast<std::size_t>(i)];
    if (!r.is_array() || static_cast<index_t>(r.size()) != cols)
      return fail(fmt::format("row {} of '{}' has the wrong length", i, name));
    for (index_t c = 0; c < cols; ++c) {
      const nlohmann::json& v = r[static_cast<std::size_t>(c)];
      if (!v.is_number()) return fail(fmt::format("row {} of '{}' holds a value that is not a number", i, name));
      m(i, c) = v.get<float>();
    }
  }
  return m;
}

}  // namespace kohort
