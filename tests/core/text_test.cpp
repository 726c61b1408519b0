#include "kohort/core/text.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kohort/core/status.h"

namespace kohort {
namespace {

TEST(Utf8, AcceptsWellFormedAndRefusesMalformedSequences) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("plain ascii that is longer than sixteen bytes"));
  EXPECT_TRUE(is_utf8("K\xC3\xBC" "che"));            // Küche
  EXPECT_TRUE(is_utf8("\xE2\x82\xAC 5"));             // € 5
  EXPECT_TRUE(is_utf8("\xF0\x9F\x98\x80"));           // U+1F600
  EXPECT_FALSE(is_utf8("K\xFC" "che"));               // Latin-1 ü
  EXPECT_FALSE(is_utf8("\xC0\xAF"));                  // overlong '/'
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));              // a surrogate
  EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));          // above U+10FFFF
  EXPECT_FALSE(is_utf8("\xE2\x82"));                  // cut short
  EXPECT_FALSE(is_utf8(std::string(20, 'a') + "\xFF" + std::string(20, 'b')));
}

TEST(Utf8, IsAsciiFindsAHighByteAnywhere) {
  EXPECT_TRUE(is_ascii(""));
  EXPECT_TRUE(is_ascii(std::string(1000, 'a')));
  for (std::size_t at : {0u, 7u, 8u, 999u}) {
    std::string s(1000, 'a');
    s[at] = static_cast<char>(0xFC);
    EXPECT_FALSE(is_ascii(s)) << at;
  }
}

TEST(Utf8, Windows1252ReadsLatin1AndTheTypographicCharacters) {
  EXPECT_EQ(cp1252_to_utf8("K\xFC" "che"), "K\xC3\xBC" "che");
  EXPECT_EQ(cp1252_to_utf8("\x80 \x93quoted\x94 \x96"), "\xE2\x82\xAC \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x80\x93");
  EXPECT_EQ(cp1252_to_utf8("\x81"), "\xC2\x81");  // undefined in Windows-1252: the C1 control
  for (int b = 0; b < 256; ++b) EXPECT_TRUE(is_utf8(cp1252_to_utf8(std::string(1, static_cast<char>(b))))) << b;
  EXPECT_EQ(to_utf8("K\xC3\xBC" "che"), "K\xC3\xBC" "che");  // UTF-8 stays as it is
  EXPECT_EQ(to_utf8("K\xFC" "che"), "K\xC3\xBC" "che");
}

TEST(Printable, EscapesControlsAndBadBytesAndCuts) {
  EXPECT_EQ(printable("K\xC3\xBC" "che"), "K\xC3\xBC" "che");
  EXPECT_EQ(printable("\x1B[31mred"), "\\x1B[31mred");  // no terminal escape gets through
  EXPECT_EQ(printable("a\tb\nc\r"), "a\\tb\\nc\\r");
  EXPECT_EQ(printable("\xFF\xFE"), "\\xFF\\xFE");
  EXPECT_EQ(printable("\xC2\x9B"), "\\x9B");  // a C1 control (CSI)
  EXPECT_EQ(printable("abcdef", 3), "abc…");
  EXPECT_EQ(printable("abc", 3), "abc");
  EXPECT_EQ(printable_lines("line 1\n\tline 2\x1B"), "line 1\n\tline 2\\x1B");
}

TEST(JsonText, NeverThrowsOnTextThatIsNotUtf8) {
  const nlohmann::json j = {{"what", "value '\xFF\xFE' is not a number"}};
  std::string text;
  ASSERT_NO_THROW(text = json_text(j));
  const auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["what"], "value '\xEF\xBF\xBD\xEF\xBF\xBD' is not a number");
}

TEST(StatusMessage, QuotedOutsideTextIsMadePrintable) {
  const Status s = Status::invalid_input("d/transactions.csv:3:14", "amount '\xFF\xFE\x1B[2J' is not a number",
                                         "fix the value");
  EXPECT_EQ(s.message(), "d/transactions.csv:3:14: error: amount '\\xFF\\xFE\\x1B[2J' is not a number\n"
                         "hint: fix the value");
  EXPECT_TRUE(nlohmann::json::accept(s.json()));
}

}  // namespace
}  // namespace kohort
