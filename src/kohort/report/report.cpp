#include "kohort/report/report.h"

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kohort/report/internal/embedded_page.h"

namespace kohort::report {

std::string_view report_template() { return internal::embedded_page(); }

Result<std::string> script_safe_json(const nlohmann::json& data) {
  std::string text;
  try {
    // strict: a string that is not UTF-8 is an error, not a silently replaced character.
    text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid_input("report data",
                                 std::string("cannot write the report data: ") + e.what(),
                                 "names and texts in the report must be valid UTF-8");
  }
  // '<', '>' and '&' are never JSON syntax, so they only occur inside strings, where the
  // \uXXXX form means the same character.
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

Result<std::string> render_report_html(std::string_view page, const nlohmann::json& data) {
  const std::size_t at = page.find(kDataPlaceholder);
  if (at == std::string_view::npos) {
    return Status::invalid_input(
        "report template",
        "the page has no " + std::string(kDataPlaceholder) + " placeholder for the report data",
        "rebuild the front-end (scripts/setup, or `npm ci && npm run build` in web/), then "
        "rebuild kohort");
  }
  if (page.find(kDataPlaceholder, at + kDataPlaceholder.size()) != std::string_view::npos) {
    return Status::invalid_input(
        "report template",
        "the page holds the " + std::string(kDataPlaceholder) + " placeholder more than once",
        "the front-end must contain exactly one <script id=\"kohort-data\"> placeholder");
  }
  if (!data.is_object()) {
    return Status::invalid_argument(
        "report data",
        std::string("the report data must be a JSON object, not ") + data.type_name(),
        "pass the document described in web/src/types.ts");
  }
  KOHORT_ASSIGN_OR_RETURN(std::string json, script_safe_json(data));
  std::string out;
  out.reserve(page.size() - kDataPlaceholder.size() + json.size());
  out.append(page.substr(0, at));
  out.append(json);
  out.append(page.substr(at + kDataPlaceholder.size()));
  return out;
}

Result<std::string> render_report_html(const nlohmann::json& data) {
  return render_report_html(report_template(), data);
}

}  // namespace kohort::report
