// kohort/core/text.h — text from the outside world: UTF-8 checks, Windows-1252 decoding, and
// values made safe to show (in a terminal, in a message, in JSON).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace kohort {

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
/// above U+10FFFF). ASCII is UTF-8. O(size); a 16-byte ASCII fast path.
[[nodiscard]] bool is_utf8(std::string_view s);

/// True when every byte of `s` is below 0x80. O(size), 8 bytes at a time: cheap enough to
/// run over a whole window of input before deciding whether its cells need a UTF-8 check.
[[nodiscard]] bool is_ascii(std::string_view s);

/// `s` read as Windows-1252 and written as UTF-8: ASCII unchanged, 0xA0–0xFF as Latin-1
/// (U+00A0–U+00FF), 0x80–0x9F as Windows-1252's typographic characters (€ ‚ ƒ „ … ‘ ’ “ ” – —
/// ™ …); the five bytes Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) become the C1
/// controls of the same number, as Latin-1 reads them. Total: every byte string has a reading.
[[nodiscard]] std::string cp1252_to_utf8(std::string_view s);

/// `s` as it is when it is UTF-8, else cp1252_to_utf8(s): the one rule by which Kohort reads
/// text cells, header names and ids (a Latin-1 or Windows-1252 export reads as its author
/// meant, and nothing that is not UTF-8 reaches an output).
[[nodiscard]] std::string to_utf8(std::string_view s);

/// A value fit to quote in a message or echo to a terminal: well-formed UTF-8 printable
/// characters as they are; control characters (C0, DEL, C1; including ESC, so no terminal
/// escape sequence gets through) as `\n`, `\t`, `\r` or `\xNN`; bytes that are not UTF-8 as
/// `\xNN`. At most `max_chars` characters of `s` are shown, then "…" (0: no limit).
[[nodiscard]] std::string printable(std::string_view s, std::size_t max_chars = 80);

/// As printable(s, 0), but newlines and tabs stay as they are: for whole messages that Kohort
/// composed in several lines and that may quote outside text.
[[nodiscard]] std::string printable_lines(std::string_view s);

/// Appends `field` to `out` as one CSV field (RFC 4180): as it is, or in double quotes with
/// quotes doubled when it holds a comma, a quote or a line break.
void append_csv_field(std::string& out, std::string_view field);
/// The same as a new string.
[[nodiscard]] std::string csv_field(std::string_view field);

/// JSON text of `j` that never throws: a string that is not UTF-8 (a file name, say) has each
/// bad byte replaced by U+FFFD. `indent` < 0: compact. Every JSON Kohort prints or writes goes
/// through here (or, where bad text must be an error instead, through a strict dump).
[[nodiscard]] std::string json_text(const nlohmann::json& j, int indent = -1);

}  // namespace kohort
