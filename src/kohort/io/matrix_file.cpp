#include "kohort/io/matrix_file.h"

#include <cmath>
#include <cstring>
#include <string_view>

#include <fast_float/fast_float.h>
#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "kohort/core/atomic_file.h"
#include "kohort/core/text.h"
#include "kohort/io/internal/compressed.h"

namespace kohort::io {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Field {
  std::string_view text;
  int column;  // 1-based
};

// Splits one line into fields on `delim` (or on runs of blanks when delim == ' ').
// Quotes are stripped from fields of the form "…" (no embedded delimiters in numeric data).
void split_line(std::string_view line, char delim, std::vector<Field>& out) {
  out.clear();
  std::size_t i = 0;
  if (delim == ' ') {
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
      const std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      out.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
    }
    return;
  }
  for (;;) {
    const std::size_t end = line.find(delim, i);
    std::string_view f = line.substr(i, end == std::string_view::npos ? line.size() - i : end - i);
    std::size_t col = i + 1;
    while (!f.empty() && f.front() == ' ') { f.remove_prefix(1); ++col; }
    while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    out.push_back({f, static_cast<int>(col)});
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
}

bool parse_float(std::string_view s, double& v) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

char detect_delimiter(std::string_view line) {
  std::size_t comma = 0, tab = 0, semi = 0;
  bool in_quotes = false;
  for (char c : line) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    comma += c == ',';
    tab += c == '\t';
    semi += c == ';';
  }
  if (comma >= tab && comma >= semi && comma > 0) return ',';
  if (tab >= semi && tab > 0) return '\t';
  if (semi > 0) return ';';
  return ' ';
}

Result<NumericTable> parse_text_table(const std::string& path, std::string_view text,
                                      const NumericReadOptions& options) {
  if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) text.remove_prefix(3);
  std::vector<std::string_view> lines;
  std::vector<int> line_no;
  {
    std::size_t i = 0;
    int no = 0;
    while (i < text.size()) {
      std::size_t end = text.find('\n', i);
      if (end == std::string_view::npos) end = text.size();
      std::string_view l = text.substr(i, end - i);
      ++no;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (l.find_first_not_of(" \t") != std::string_view::npos) {
        lines.push_back(l);
        line_no.push_back(no);
      }
      i = end + 1;
    }
  }
  if (lines.empty())
    return Status::invalid_input(path, "the file holds no rows",
                                 "pass a CSV, TSV, whitespace-separated or .npy table of numbers");
  const char delim = detect_delimiter(lines[0]);
  std::vector<Field> fields;
  split_line(lines[0], delim, fields);
  bool header = false;
  for (const auto& f : fields) {
    double v = 0;
    if (!parse_float(f.text, v)) header = true;
  }
  NumericTable table;
  int id_col = -1;
  const std::size_t width = fields.size();
  // The ids `kohort features --out` writes first are taken as ids without being asked.
  const std::string id_column =
      !options.id_column.empty() || !header || fields.empty() || (fields[0].text != "customer_id" && fields[0].text != "id")
          ? options.id_column
          : std::string(fields[0].text);
  if (header) {
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (!id_column.empty() && fields[j].text == id_column && id_col < 0)
        id_col = static_cast<int>(j);
      else
        table.columns.emplace_back(fields[j].text);
    }
  } else {
    for (std::size_t j = 0; j < width; ++j) table.columns.push_back(fmt::format("x{}", j));
  }
  if (!options.id_column.empty() && id_col < 0) {
    std::string names;
    for (const auto& f : fields) names += (names.empty() ? "" : ", ") + printable(f.text, 40);
    return Status::invalid_argument(
        "--id-column", fmt::format("no column named '{}' in {}", options.id_column, path),
        header ? "the header has: " + names : "the file has no header line; drop --id-column");
  }
  const std::size_t first = header ? 1 : 0;
  const auto rows = static_cast<index_t>(lines.size() - first);
  const auto cols = static_cast<index_t>(table.columns.size());
  if (rows == 0)
    return Status::invalid_input(path, "the file has a header but no rows of numbers");
  if (cols == 0) return Status::invalid_input(path, "the file has no numeric columns");
  table.values = Matrix<float>(rows, cols);
  for (std::size_t r = first; r < lines.size(); ++r) {
    split_line(lines[r], delim, fields);
    const std::string where_line = fmt::format("{}:{}", path, line_no[r]);
    if (fields.size() != width)
      return Status::invalid_input(
          where_line, fmt::format("expected {} fields, found {}", width, fields.size()),
          delim == ' ' ? "every row needs the same number of values"
                       : fmt::format("every row needs the same number of '{}'-separated values",
                                     delim == '\t' ? std::string("\\t") : std::string(1, delim)));
    float* out = table.values.row(static_cast<index_t>(r - first));
    index_t j_out = 0;
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (static_cast<int>(j) == id_col) {
        table.ids.emplace_back(fields[j].text);
        continue;
      }
      double v = 0;
      const std::string where = fmt::format("{}:{}", where_line, fields[j].column);
      if (fields[j].text.empty())
        return Status::invalid_input(
            where, fmt::format("empty value in column {}", printable(table.columns[static_cast<std::size_t>(j_out)], 40)),
            "a missing value: impute before clustering (kohort features DATA --transform z --out x.npy fills "
            "and flags missing values), or fill every cell with a number");
      if (!parse_float(fields[j].text, v))
        return Status::invalid_input(where,
                                     fmt::format("'{}' is not a number", printable(fields[j].text, 40)),
                                     j == 0 && header && options.id_column.empty()
                                         ? fmt::format("if this column holds row ids, pass --id-column {}",
                                                       printable(table.columns.front(), 40))
                                         : std::string("every cell except --id-column must be a number"));
      if (!std::isfinite(v) || std::fabs(v) > 3.4e38)
        return Status::invalid_input(where, fmt::format("'{}' is not a finite float32 value",
                                                        fields[j].text),
                                     "remove or impute NaN and infinite values first");
      out[j_out++] = static_cast<float>(v);
    }
  }
  return table;
}

Result<Matrix<float>> parse_npy(const std::string& path, std::string_view bytes) {
  auto bad = [&](const std::string& what) {
    return Status::invalid_input(path, what, "write the file with numpy.save (C order)");
  };
  if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY") return bad("not a .npy file");
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated .npy header");
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return bad(fmt::format("unsupported .npy version {}", major));
  }
  if (offset + header_len > bytes.size()) return bad("truncated .npy header");
  const std::string_view header = bytes.substr(offset, header_len);
  const std::size_t data_at = offset + header_len;
  auto value_of = [&](std::string_view key) -> std::string_view {
    const std::size_t k = header.find(key);
    if (k == std::string_view::npos) return {};
    std::size_t p = header.find(':', k);
    if (p == std::string_view::npos) return {};
    ++p;
    while (p < header.size() && header[p] == ' ') ++p;
    if (p >= header.size()) return {};
    std::size_t e = p;
    if (header[p] == '(') {
      e = header.find(')', p);
      return e == std::string_view::npos ? std::string_view{} : header.substr(p, e - p + 1);
    }
    while (e < header.size() && header[e] != ',' && header[e] != '}') ++e;
    return header.substr(p, e - p);
  };
  const std::string_view descr = value_of("'descr'");
  const std::string_view order = value_of("'fortran_order'");
  const std::string_view shape = value_of("'shape'");
  if (order.find("True") != std::string_view::npos)
    return bad("Fortran-ordered arrays are not supported");
  int kind = 0;  // 1 f4, 2 f8, 3 i4, 4 i8
  if (descr.find("<f4") != std::string_view::npos) kind = 1;
  else if (descr.find("<f8") != std::string_view::npos) kind = 2;
  else if (descr.find("<i4") != std::string_view::npos) kind = 3;
  else if (descr.find("<i8") != std::string_view::npos) kind = 4;
  else return bad(fmt::format("unsupported dtype {}", descr));
  // The shape: a tuple of decimal sizes, "(n,)" or "(n, m)"; anything else is refused (and
  // shown with its bytes escaped).
  auto shown = [](std::string_view text) {
    std::string out;
    for (const char ch : text) {
      const auto u = static_cast<unsigned char>(ch);
      if (u >= 0x20 && u < 0x7f) out.push_back(ch);
      else out += fmt::format("\\x{:02x}", u);
    }
    return out;
  };
  std::vector<index_t> dims;
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    return bad(fmt::format("cannot read the shape {}", shown(shape)));
  for (std::size_t i = 1; i + 1 < shape.size();) {
    const char ch = shape[i];
    if (ch >= '0' && ch <= '9') {
      index_t v = 0;
      int digits = 0;
      while (i + 1 < shape.size() && shape[i] >= '0' && shape[i] <= '9') {
        if (++digits > 12) return bad(fmt::format("the shape {} is too large", shown(shape)));
        v = v * 10 + (shape[i++] - '0');
      }
      dims.push_back(v);
    } else if (ch == ',' || ch == ' ') {
      ++i;
    } else {
      return bad(fmt::format("cannot read the shape {}", shown(shape)));
    }
  }
  if (dims.empty() || dims.size() > 2) return bad("expected a 1-D or 2-D array");
  const index_t rows = dims[0], cols = dims.size() == 2 ? dims[1] : 1;
  const std::size_t item = kind == 1 || kind == 3 ? 4 : 8;
  // Sizes of up to 12 digits each: the product fits in 128 bits; compare before narrowing.
  const unsigned __int128 want = static_cast<unsigned __int128>(rows) * static_cast<unsigned __int128>(cols) * item;
  if (want > static_cast<unsigned __int128>(bytes.size() - data_at))
    return Status::invalid_input(path,
                                 fmt::format("truncated .npy data: {} bytes for a {} × {} array",
                                             bytes.size() - data_at, rows, cols),
                                 "the file is incomplete; write it again");
  Matrix<float> m(rows, cols);
  const char* p = bytes.data() + data_at;
  for (std::size_t i = 0; i < m.size(); ++i) {
    double v = 0;
    if (kind == 1) { float f; std::memcpy(&f, p + 4 * i, 4); v = f; }
    else if (kind == 2) { std::memcpy(&v, p + 8 * i, 8); }
    else if (kind == 3) { std::int32_t x; std::memcpy(&x, p + 4 * i, 4); v = x; }
    else { std::int64_t x; std::memcpy(&x, p + 8 * i, 8); v = static_cast<double>(x); }
    if (!std::isfinite(v)) {
      const auto r = static_cast<index_t>(i) / cols, c = static_cast<index_t>(i) % cols;
      return Status::invalid_input(path, fmt::format("row {} column {} is not finite", r, c),
                                   "remove or impute NaN and infinite values first");
    }
    const auto f = static_cast<float>(v);
    if (!std::isfinite(f)) {
      const auto r = static_cast<index_t>(i) / cols, c = static_cast<index_t>(i) % cols;
      return Status::invalid_input(
          path, fmt::format("row {} column {} ({:g}) is beyond the float32 range", r, c, v),
          "rescale the column: values must lie within ±3.4e38");
    }
    m.data()[i] = f;
  }
  return m;
}

}  // namespace

namespace {

// Standard input, whole.
Status read_stdin(std::string& out) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(STDIN_FILENO, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::io_error("<stdin>", std::string("cannot read: ") + std::strerror(errno));
    if (r == 0) return {};
    out.append(buf, static_cast<std::size_t>(r));
  }
}

// The column names and row ids that `kohort features` wrote beside a .npy (none when absent).
Status read_sidecar(const std::string& side, NumericTable& t) {
  std::error_code ec;
  if (!std::filesystem::exists(side, ec)) return {};
  std::string text;
  KOHORT_RETURN_IF_ERROR(read_file(side, text));
  const auto j = nlohmann::json::parse(text, nullptr, false);
  const auto bad = [&](std::string_view what) {
    return Status::invalid_input(side, fmt::format("the sidecar does not describe the matrix beside it: {}", what),
                                 "write the .npy and its .features.json together (kohort features --out x.npy), "
                                 "or remove the stale sidecar");
  };
  if (!j.is_object() || !j.contains("features") || !j["features"].is_array()) return bad("no features list");
  const auto& feats = j["features"];
  if (static_cast<index_t>(feats.size()) != t.values.cols())
    return bad(fmt::format("{} features for {} columns", feats.size(), t.values.cols()));
  for (std::size_t c = 0; c < feats.size(); ++c)
    if (feats[c].is_object() && feats[c].contains("name") && feats[c]["name"].is_string())
      t.columns[c] = feats[c]["name"].get<std::string>();
  if (j.contains("ids")) {
    const auto& ids = j["ids"];
    if (!ids.is_array() || static_cast<index_t>(ids.size()) != t.values.rows())
      return bad(fmt::format("{} ids for {} rows", ids.is_array() ? ids.size() : 0, t.values.rows()));
    t.ids.reserve(ids.size());
    for (const auto& id : ids) {
      if (!id.is_string()) return bad("an id that is not text");
      t.ids.push_back(id.get<std::string>());
    }
  }
  return {};
}

}  // namespace

Result<Matrix<float>> read_npy(const std::string& path) {
  std::string bytes;
  KOHORT_RETURN_IF_ERROR(read_file(path, bytes));
  return parse_npy(path, bytes);
}

std::string sidecar_path(const std::string& matrix_path) {
  const auto slash = matrix_path.find_last_of('/');
  const auto dot = matrix_path.find_last_of('.');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1);
  return (has_ext ? matrix_path.substr(0, dot) : matrix_path) + ".features.json";
}

Result<NumericTable> read_numeric_table(const std::string& path,
                                        const NumericReadOptions& options) {
  std::string bytes;
  if (path == "-") KOHORT_RETURN_IF_ERROR(read_stdin(bytes));
  else KOHORT_RETURN_IF_ERROR(internal::read_maybe_compressed(path, bytes));
  const std::string name = path == "-" ? "<stdin>" : path;
  if (ends_with(path, ".npy") || (bytes.size() >= 6 && bytes.compare(0, 6, "\x93NUMPY") == 0)) {
    if (!options.id_column.empty())
      return Status::invalid_argument("--id-column", ".npy files have no named columns",
                                      "drop --id-column: the ids come from the .features.json beside the "
                                      ".npy, or rows are numbered from 0");
    KOHORT_ASSIGN_OR_RETURN(auto m, parse_npy(name, bytes));
    NumericTable t;
    for (index_t j = 0; j < m.cols(); ++j) t.columns.push_back(fmt::format("x{}", j));
    t.values = std::move(m);
    if (path != "-") KOHORT_RETURN_IF_ERROR(read_sidecar(sidecar_path(path), t));
    return t;
  }
  return parse_text_table(name, bytes, options);
}

Status write_npy(const std::string& path, MatrixView<const float> m) {
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
                                   m.rows, m.cols);
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out;
  out.reserve(10 + header.size() + static_cast<std::size_t>(m.rows * m.cols) * 4);
  out.append("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  for (index_t i = 0; i < m.rows; ++i)
    out.append(reinterpret_cast<const char*>(m.row(i)), static_cast<std::size_t>(m.cols) * 4);
  return write_file_atomic(path, out);
}

}  // namespace kohort::io
