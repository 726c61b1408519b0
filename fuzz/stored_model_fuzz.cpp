// fuzz/stored_model_fuzz.cpp — a model document as read back from a store (any bytes): the
// report's data is either drawn from it whole or refused as corruption, never a crash, and
// data that was drawn renders into the report page.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kohort/model/report_data.h"
#include "kohort/report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = kohort::model::report_data(text, 7);
  if (!report.ok()) {
    if (report.status().code() != kohort::Code::corruption) __builtin_trap();
    return 0;
  }
  if ((*report)["model_version"] != 7) __builtin_trap();
  if (!kohort::report::render_report_html("<p>__KOHORT_REPORT_DATA__</p>", *report).ok()) __builtin_trap();
  return 0;
}
