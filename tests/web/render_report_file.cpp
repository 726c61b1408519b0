// Test driver for the browser test: writes the report page for a JSON file.
// Usage: kohort_render_report_file DATA.json OUT.html [--without KEY]
// --without drops a top-level key first, to check the page's error for missing data.
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "kohort/report/report.h"

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 5 && std::string(argv[3]) == "--without")) {
    std::cerr << "usage: kohort_render_report_file DATA.json OUT.html [--without KEY]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << argv[1] << ": error: cannot open\n";
    return 1;
  }
  nlohmann::json data = nlohmann::json::parse(in, nullptr, false);
  if (data.is_discarded()) {
    std::cerr << argv[1] << ": error: not valid JSON\n";
    return 1;
  }
  if (argc == 5) data.erase(argv[4]);
  auto page = kohort::report::render_report_html(data);
  if (!page.ok()) {
    std::cerr << page.status().message() << "\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out << *page;
  out.close();
  if (!out) {
    std::cerr << argv[2] << ": error: cannot write\n";
    return 1;
  }
  return 0;
}
