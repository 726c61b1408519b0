// kohort/io/matrix_file.h — numeric tables in and out: .npy, CSV/TSV, whitespace text, gzip.
#pragma once

#include <string>
#include <vector>

#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::io {

/// A numeric table read from a file, with its column names when the file had a header.
struct NumericTable {
  Matrix<float> values;               ///< rows × cols, float32
  std::vector<std::string> columns;   ///< header names, or "x0", "x1", … without a header
  std::vector<std::string> ids;       ///< values of the id column when one was asked for
};

struct NumericReadOptions {
  std::string id_column;  ///< a column holding row ids (kept as text, not a feature); "" = none
};

/// Reads `.npy` (float32/float64/int32/int64, C order, 1-D or 2-D), CSV/TSV with or without a
/// header (delimiter detected from the first line: comma, tab, semicolon), or whitespace-
/// separated numbers; a `.gz` or `.zst` suffix is decompressed first. Every row must have the same number
/// of fields, and every field must be a finite number (NaN/Inf, empty or text →
/// invalid_input naming file:line:column). A header is recognised when the first line has a
/// field that is not a number. Cost: O(file size) time and memory.
[[nodiscard]] Result<NumericTable> read_numeric_table(const std::string& path,
                                                      const NumericReadOptions& options = {});

/// Writes m as a version 1.0 `.npy` file (little-endian float32, C order), atomically.
[[nodiscard]] Status write_npy(const std::string& path, MatrixView<const float> m);

/// Reads a `.npy` file into float32 (converting float64 and integer types).
[[nodiscard]] Result<Matrix<float>> read_npy(const std::string& path);

}  // namespace kohort::io
