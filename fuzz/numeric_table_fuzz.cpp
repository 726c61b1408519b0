// fuzz/numeric_table_fuzz.cpp — the numeric table reader of `kohort cluster` (CSV/TSV with or
// without a header, whitespace-separated numbers, .npy, gzip) on arbitrary bytes: a table of
// finite numbers with consistent shape, or a Status. The first byte picks the file name.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "kohort/io/matrix_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const kNames[] = {"x.csv", "x.tsv", "x.txt", "x.npy", "x.csv.gz", "x.npy.gz"};
  const std::string name = kNames[data[0] % 6];
  kohort::fuzz::clear_scratch();
  const std::string path =
      kohort::fuzz::write_file(name, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  kohort::io::NumericReadOptions o;
  if (data[0] & 0x80) o.id_column = "id";
  auto t = kohort::io::read_numeric_table(path, o);
  if (!t.ok()) return 0;
  const auto& m = t->values;
  if (static_cast<std::size_t>(m.cols()) != t->columns.size() && name.find("npy") == std::string::npos)
    __builtin_trap();
  if (!o.id_column.empty() && t->ids.size() != static_cast<std::size_t>(m.rows())) __builtin_trap();
  for (std::size_t i = 0; i < m.size(); ++i)
    if (!std::isfinite(m.data()[i])) __builtin_trap();
  return 0;
}
