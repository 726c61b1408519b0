// kohort/report/report.h — the self-contained HTML report: the web/ front-end plus the data.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kohort/core/result.h"

namespace kohort::report {

/// The one marker in the front-end page that the report data replaces. It sits inside
/// `<script id="kohort-data" type="application/json">…</script>`.
inline constexpr std::string_view kDataPlaceholder = "__KOHORT_REPORT_DATA__";

/// The built front-end page (web/dist/index.html: scripts, styles and chart library inlined),
/// embedded into the binary at build time. Exactly one kDataPlaceholder. The view is valid
/// for the life of the program. Thread-safe; no allocation.
[[nodiscard]] std::string_view report_template();

/// `data` as compact JSON text that is safe inside an HTML <script> element: every `<`, `>`
/// and `&` (which can only occur inside JSON strings) is written as \u003c, \u003e, \u0026,
/// so no value can close the element (`</script>`) or open a comment (`<!--`). The text
/// parses back to `data` exactly. Fails with invalid_input naming the first string that is
/// not valid UTF-8. Deterministic; O(size of the text).
[[nodiscard]] Result<std::string> script_safe_json(const nlohmann::json& data);

/// The report page: report_template() with the placeholder replaced by
/// script_safe_json(data). `data` follows the report data contract (web/src/types.ts; an
/// example is web/fixtures/report.json); its keys are checked by the page itself, which shows
/// a clear error when one is missing. The result opens offline and makes no network request.
/// Fails with invalid_argument when `data` is not a JSON object, and with the errors of
/// script_safe_json. Deterministic; thread-safe; memory O(template + data).
[[nodiscard]] Result<std::string> render_report_html(const nlohmann::json& data);

/// As above with another page as the template (a front-end built elsewhere; tests). Fails
/// with invalid_input when `page` holds the placeholder zero times or more than once.
[[nodiscard]] Result<std::string> render_report_html(std::string_view page,
                                                     const nlohmann::json& data);

}  // namespace kohort::report
