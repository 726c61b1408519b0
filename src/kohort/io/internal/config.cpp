#include "kohort/io/internal/config.h"

#include <toml++/toml.h>

#include <fmt/format.h>

#include "kohort/core/paths.h"
#include "kohort/core/text.h"
#include "kohort/io/internal/csv_scan.h"
#include "kohort/io/internal/schema.h"

namespace kohort::io::internal {

namespace {

using events::Stream;

constexpr Stream kAll[] = {Stream::transactions, Stream::sessions, Stream::emails,
                           Stream::support,      Stream::customers, Stream::referrals};

std::string at(const std::string& path, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", path, r.begin.line, r.begin.column);
}

}  // namespace

std::optional<TimeFormat> parse_time_format_name(std::string_view n) {
  if (n == "iso" || n == "ISO" || n == "YYYY-MM-DD") return TimeFormat(TimeKind::iso);
  if (n == "YYYYMMDD" || n == "yyyymmdd") return TimeFormat(TimeKind::yyyymmdd);
  if (n == "epoch_s" || n == "epoch") return TimeFormat(TimeKind::epoch_s);
  if (n == "epoch_ms") return TimeFormat(TimeKind::epoch_ms);
  if (n == "M/D/YYYY" || n == "mdy") return TimeFormat(TimeKind::mdy);
  if (n == "D/M/YYYY" || n == "dmy" || n == "D.M.YYYY") return TimeFormat(TimeKind::dmy);
  if (n.find('%') != std::string_view::npos && !pattern_problem(n)) {
    TimeFormat f(TimeKind::pattern);
    f.pattern = std::string(n);
    return f;
  }
  return std::nullopt;
}

Result<std::vector<StreamConfig>> read_dataset_config(const std::string& path) {
  std::vector<StreamConfig> out(std::size(kAll));
  toml::table root;
  KOHORT_RETURN_IF_ERROR(check_regular_file(path));
  try {  // this toml++ build reports syntax errors by exception; they stop here
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::invalid_argument(at(path, e.source()), std::string(e.description()),
                                    "fix the TOML syntax (https://toml.io)");
  }
  for (const auto& [key, node] : root) {
    const std::string stream_key(key.str());
    int si = -1;
    for (std::size_t i = 0; i < std::size(kAll); ++i)
      if (stream_name(kAll[i]) == stream_key) si = static_cast<int>(i);
    if (si < 0 || !node.is_table())
      return Status::invalid_argument(
          at(path, node.source()), fmt::format("unknown stream [{}]", stream_key),
          "use [transactions], [sessions], [emails], [support], [customers] or [referrals]");
    const Stream s = kAll[static_cast<std::size_t>(si)];
    StreamConfig& cfg = out[static_cast<std::size_t>(si)];
    const auto roles = stream_roles(s);
    std::string known = "file, sqlite, postgresql, table, query, allow_outside, delimiter";
    for (const auto& r : roles) {
      known += ", " + std::string(r.name);
      if (r.kind == Kind::time) known += ", " + std::string(r.name) + "_format";
    }
    for (const auto& [k, v] : *node.as_table()) {
      const std::string name(k.str());
      if (name == "allow_outside") {
        const auto* flag = v.as_boolean();
        if (flag == nullptr)
          return Status::invalid_argument(at(path, v.source()),
                                          fmt::format("[{}] allow_outside must be true or false", stream_key),
                                          "write allow_outside = true");
        cfg.allow_outside = flag->get();
        continue;
      }
      const auto* text = v.as_string();
      if (text == nullptr)
        return Status::invalid_argument(at(path, v.source()),
                                        fmt::format("[{}] {} must be a string", stream_key, name),
                                        fmt::format("write {} = \"...\"", name));
      const std::string value = text->get();
      if (name == "file" || name == "sqlite" || name == "postgresql") {
        (name == "file" ? cfg.file : name == "sqlite" ? cfg.sqlite : cfg.postgresql) = value;
        const int sources = !cfg.file.empty() + !cfg.sqlite.empty() + !cfg.postgresql.empty();
        if (sources > 1)
          return Status::invalid_argument(
              at(path, v.source()),
              fmt::format("[{}] names more than one source (file, sqlite, postgresql)", stream_key),
              "keep one of them");
        if (value.empty())
          return Status::invalid_argument(at(path, v.source()),
                                          fmt::format("[{}] {} is empty", stream_key, name),
                                          name == "postgresql"
                                              ? "write postgresql = \"postgresql://user@host/db\""
                                              : fmt::format("write {} = \"...\"", name));
        cfg.file_where = at(path, v.source());
        continue;
      }
      if (name == "delimiter") {
        if (value == "," || value == ";" || value == "|" || value == "\t") cfg.delimiter = value[0];
        else if (value == "tab") cfg.delimiter = '\t';
        else if (value == "whitespace") cfg.delimiter = kWhitespace;
        else
          return Status::invalid_argument(at(path, v.source()),
                                          fmt::format("[{}] delimiter '{}' is not one Kohort reads", stream_key,
                                                      printable(value, 20)),
                                          "use \",\", \";\", \"\\t\" (or \"tab\"), \"|\", or \"whitespace\" for "
                                          "columns separated by runs of spaces");
        continue;
      }
      if (name == "table" || name == "query") {
        (name == "table" ? cfg.table : cfg.query) = value;
        continue;
      }
      bool done = false;
      for (const auto& r : roles) {
        if (name == r.name) {
          cfg.roles.push_back({name, value, at(path, v.source())});
          done = true;
        } else if (r.kind == Kind::time && name == std::string(r.name) + "_format") {
          auto f = parse_time_format_name(value);
          if (!f) {
            const auto why = value.find('%') != std::string::npos ? pattern_problem(value) : std::nullopt;
            return Status::invalid_argument(
                at(path, v.source()),
                why ? fmt::format("date format '{}' cannot be read: {}", printable(value, 60), *why)
                    : fmt::format("unknown date format '{}'", printable(value, 60)),
                "use iso, YYYYMMDD, epoch_s, epoch_ms, M/D/YYYY, D/M/YYYY, or a strftime pattern such as "
                "\"%Y-%m-%d %H:%M:%S %z\" or \"%d.%m.%Y\"");
          }
          cfg.formats.emplace_back(std::string(r.name), *f);
          done = true;
        }
      }
      if (!done)
        return Status::invalid_argument(at(path, k.source()),
                                        fmt::format("unknown key '{}' in [{}]", name, stream_key),
                                        "known keys: " + known);
    }
    const bool database = !cfg.sqlite.empty() || !cfg.postgresql.empty();
    if (database && cfg.table.empty() == cfg.query.empty())
      return Status::invalid_argument(
          cfg.file_where,
          fmt::format("[{}] {} needs exactly one of table and query", stream_key,
                      cfg.sqlite.empty() ? "postgresql" : "sqlite"),
          "add table = \"orders\" or query = \"SELECT ...\"");
    if (!database && (!cfg.table.empty() || !cfg.query.empty()))
      return Status::invalid_argument(
          at(path, node.source()),
          fmt::format("[{}] table and query need sqlite or postgresql", stream_key),
          "add sqlite = \"shop.db\" or postgresql = \"postgresql://user@host/db\"");
  }
  return out;
}

}  // namespace kohort::io::internal
