#include "kohort/core/status.h"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "kohort/core/text.h"

namespace kohort {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::invalid_input: return "invalid_input";
    case Code::invalid_argument: return "invalid_argument";
    case Code::not_found: return "not_found";
    case Code::io_error: return "io_error";
    case Code::corruption: return "corruption";
    case Code::conflict: return "conflict";
    case Code::unsupported: return "unsupported";
    case Code::cancelled: return "cancelled";
    case Code::internal: return "internal";
  }
  return "internal";
}

std::string Status::message() const {
  std::string out;
  if (!where_.empty()) out += where_ + ": ";
  out += "error: " + what_;
  if (!hint_.empty()) out += "\nhint: " + hint_;
  // Messages quote the outside world (cells, file names): nothing reaches a terminal raw.
  return printable_lines(out);
}

std::string Status::json() const {
  nlohmann::json j = {{"code", code_name(code_)}, {"where", where_}, {"what", what_},
                      {"hint", hint_}};
  return json_text(j);
}

void internal_check_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr,
               "%s:%d: internal error: check failed: %s\n"
               "hint: this is a bug in kohort; please report it with the command that "
               "triggered it\n",
               file, line, cond);
  std::abort();
}

}  // namespace kohort
