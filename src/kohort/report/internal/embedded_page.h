// kohort/report/internal/embedded_page.h — the front-end bytes linked into the binary.
#pragma once

#include <string_view>

namespace kohort::report::internal {

/// web/dist/index.html as it was when kohort was built (see embedded_page.cpp).
[[nodiscard]] std::string_view embedded_page();

}  // namespace kohort::report::internal
