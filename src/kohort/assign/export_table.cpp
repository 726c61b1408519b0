#include "kohort/assign/export_table.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/secrets.h"

namespace kohort::assign {

namespace {

std::string csv_cell(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out(1, '"');
  for (const char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string line(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(cells[i]);
  }
  out.push_back('\n');
  return out;
}

std::string optional_segment(const std::optional<std::int32_t>& s) { return s ? std::to_string(*s) : std::string(); }

}  // namespace

std::string neutralise_formula(std::string_view text) {
  std::string out;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) out.push_back('\'');
  out.append(text);
  return out;
}

std::string characteristics(const std::string& profile_json) {
  const auto p = nlohmann::json::parse(profile_json, nullptr, false);
  if (!p.is_object() || !p.contains("drivers") || !p["drivers"].is_array()) return {};
  std::string out;
  int n = 0;
  for (const auto& d : p["drivers"]) {
    if (n == 3) break;
    if (!d.is_object() || !d.contains("evidence") || !d["evidence"].is_string()) continue;
    out += (n++ ? "; " : "") + d["evidence"].get<std::string>();
  }
  return out;
}

std::string assignments_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments, TableFormat format) {
  std::string out =
      format == TableFormat::csv ? "customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics\n" : "";
  const SegmentText none;
  const auto cell = [](float v, const char* spec) { return std::isnan(v) ? std::string() : fmt::format(fmt::runtime(spec), v); };
  const auto number = [](float v, const char* spec) {
    return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(std::stod(fmt::format(fmt::runtime(spec), v)));
  };
  for (const auto& r : s.rows) {
    const auto it = segments.find(r.segment);
    const SegmentText& seg = it == segments.end() ? none : it->second;
    const auto& v = r.value;
    if (format == TableFormat::csv) {
      out += line({csv_cell(r.customer_id), std::to_string(r.segment), csv_cell(neutralise_formula(seg.name)),
                   r.confidence ? fmt::format("{:.6g}", *r.confidence) : std::string(), format_datetime(r.since),
                   cell(v.clv, "{:.2f}"), cell(v.p_alive, "{:.4g}"), cell(v.churn_risk, "{:.4g}"),
                   csv_cell(neutralise_formula(seg.characteristics))});
    } else {
      nlohmann::ordered_json j;
      j["customer_id"] = r.customer_id, j["segment"] = r.segment, j["segment_name"] = seg.name;
      j["confidence"] = r.confidence ? nlohmann::json(std::stod(fmt::format("{}", *r.confidence))) : nlohmann::json(nullptr);
      j["since"] = format_datetime(r.since);
      j["clv"] = number(v.clv, "{:.2f}"), j["p_alive"] = number(v.p_alive, "{:.4g}"), j["churn_risk"] = number(v.churn_risk, "{:.4g}");
      j["characteristics"] = seg.characteristics;
      out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
  }
  return out;
}

std::string transitions_table(const std::vector<store::TransitionRecord>& moves, TableFormat format) {
  std::string out = format == TableFormat::csv ? "customer_id,from_segment,to_segment,as_of,reason\n" : "";
  for (const auto& t : moves) {
    if (format == TableFormat::csv) {
      out += line({csv_cell(t.customer_id), optional_segment(t.from), optional_segment(t.to), t.as_of, t.reason});
    } else {
      out += nlohmann::json{{"customer_id", t.customer_id},
                            {"from_segment", t.from ? nlohmann::json(*t.from) : nlohmann::json(nullptr)},
                            {"to_segment", t.to ? nlohmann::json(*t.to) : nlohmann::json(nullptr)},
                            {"as_of", t.as_of},
                            {"reason", t.reason}}
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    }
  }
  return out;
}

std::string dead_letters_table(const std::vector<store::DeadLetter>& letters, TableFormat format) {
  std::string out =
      format == TableFormat::csv ? "destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at\n" : "";
  for (const auto& d : letters) {
    const auto payload = nlohmann::json::parse(d.payload_json, nullptr, false);
    const auto field = [&](const char* key) {
      return payload.is_object() && payload.contains(key) ? payload[key] : nlohmann::json(nullptr);
    };
    const nlohmann::json type = field("type"), segment = field("segment");
    const std::string where = redact_url(d.destination);
    if (format == TableFormat::csv) {
      out += line({csv_cell(where), csv_cell(d.event_id), csv_cell(d.customer_id), d.as_of,
                   type.is_string() ? type.get<std::string>() : std::string(), segment.is_number() ? segment.dump() : std::string(),
                   std::to_string(d.attempts), csv_cell(neutralise_formula(d.last_error)), d.failed_at});
    } else {
      out += nlohmann::json{{"destination", where}, {"event_id", d.event_id}, {"customer_id", d.customer_id},
                            {"as_of", d.as_of},     {"type", type},           {"segment", segment},
                            {"attempts", d.attempts}, {"last_error", d.last_error}, {"failed_at", d.failed_at}}
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    }
  }
  return out;
}

}  // namespace kohort::assign
