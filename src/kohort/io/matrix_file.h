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
  /// A column holding row ids (kept as text, not a feature). "" = a first column named
  /// `customer_id` or `id` is taken as the ids (what `kohort features --out` writes), else none.
  std::string id_column;
};

/// Reads `.npy` (float32/float64/int32/int64, C order, 1-D or 2-D), CSV/TSV with or without a
/// header (delimiter detected from the first line: comma, tab, semicolon), or whitespace-
/// separated numbers; a `.gz` or `.zst` suffix is decompressed first; "-" reads standard input
/// (.npy or text, told by its first bytes). Every row must have the same number of fields, and
/// every field must be a finite number (NaN/Inf, empty or text → invalid_input naming
/// file:line:column; an empty cell's hint points to imputing with `kohort features
/// --transform`). A header is recognised when the first line has a field that is not a number.
/// A `.npy` with a sidecar beside it (sidecar_path(), as `kohort features` writes) takes its
/// column names and, when the sidecar has them, its row ids from it; a sidecar that does not
/// describe the matrix (another width or row count, not JSON) is invalid_input naming it.
/// Refuses a path that is not a regular file (core/paths.h). Cost: O(file size) time and memory.
[[nodiscard]] Result<NumericTable> read_numeric_table(const std::string& path,
                                                      const NumericReadOptions& options = {});

/// The sidecar path beside a matrix file: "x.npy" → "x.features.json" (any extension of the
/// last path component is replaced; without one, ".features.json" is appended).
[[nodiscard]] std::string sidecar_path(const std::string& matrix_path);

/// Writes m as a version 1.0 `.npy` file (little-endian float32, C order), atomically.
[[nodiscard]] Status write_npy(const std::string& path, MatrixView<const float> m);

/// Reads a `.npy` file into float32 (converting float64 and integer types).
[[nodiscard]] Result<Matrix<float>> read_npy(const std::string& path);

}  // namespace kohort::io
