#include "kohort/core/checks.h"

#include <cmath>

#include <fmt/format.h>

namespace kohort {

Status check_finite_matrix(MatrixView<const float> x, std::string_view hint) {
  if (x.rows == 0 || x.cols == 0)
    return Status::invalid_input("input", fmt::format("the matrix is empty ({} × {})", x.rows, x.cols),
                                 "pass at least one row and one column");
  for (index_t i = 0; i < x.rows; ++i) {
    const float* r = x.row(i);
    for (index_t j = 0; j < x.cols; ++j)
      if (!std::isfinite(r[j]))
        return Status::invalid_input(fmt::format("row {}, column {}", i, j),
                                     fmt::format("value {} is not finite", r[j]), std::string(hint));
  }
  return {};
}

}  // namespace kohort
