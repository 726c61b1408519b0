// kohort/core/checks.h — input checks shared by the algorithms that take a matrix.
#pragma once

#include <string_view>

#include "kohort/core/matrix.h"
#include "kohort/core/status.h"

namespace kohort {

/// OK when x has at least one row and one column and every value is finite. Otherwise
/// invalid_input: "the matrix is empty (r × c)" at "input", or "value nan is not finite" at
/// "row i, column j" (the first such cell), with `hint` as the hint. O(rows · cols).
[[nodiscard]] Status check_finite_matrix(MatrixView<const float> x, std::string_view hint);

}  // namespace kohort
