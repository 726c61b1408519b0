#include "kohort/report/internal/embedded_page.h"

#include <cstddef>
#include <string_view>

// The built front-end is pulled in by the assembler: no generated source, no size limit of
// string literals, and CMake lists the file in OBJECT_DEPENDS so a rebuilt front-end
// recompiles this file and relinks the binary. KOHORT_REPORT_PAGE is the absolute path of
// web/dist/index.html, set by src/kohort/report/CMakeLists.txt. ELF targets only (Linux).
#ifndef KOHORT_REPORT_PAGE
#error "KOHORT_REPORT_PAGE must name the built front-end page (web/dist/index.html)"
#endif

__asm__(
    ".pushsection .rodata.kohort_report_page, \"a\", @progbits\n"
    ".balign 16\n"
    ".globl kohort_report_page_begin\n"
    ".hidden kohort_report_page_begin\n"
    "kohort_report_page_begin:\n"
    ".incbin \"" KOHORT_REPORT_PAGE "\"\n"
    ".globl kohort_report_page_end\n"
    ".hidden kohort_report_page_end\n"
    "kohort_report_page_end:\n"
    ".byte 0\n"
    ".popsection\n");

extern "C" {
extern const char kohort_report_page_begin[];
extern const char kohort_report_page_end[];
}

namespace kohort::report::internal {

std::string_view embedded_page() {
  return {kohort_report_page_begin,
          static_cast<std::size_t>(kohort_report_page_end - kohort_report_page_begin)};
}

}  // namespace kohort::report::internal
