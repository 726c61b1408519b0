#include "kohort/io/internal/csv_scan.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kohort::io::internal {
namespace {

struct Rec {
  std::vector<std::string> fields;
  std::int64_t line;
  std::string raw;
};

std::vector<Rec> read_all(std::string_view data, char delim, RecordReader::Next* last = nullptr) {
  RecordReader rr(data, 0, data.size(), 1, delim);
  std::vector<Rec> out;
  for (;;) {
    auto nx = rr.next();
    if (last != nullptr) *last = nx;
    if (nx != RecordReader::Next::record) break;
    Rec r{{}, rr.line(), std::string(rr.raw())};
    for (auto f : rr.fields()) r.fields.emplace_back(f);
    out.push_back(std::move(r));
  }
  return out;
}

TEST(CsvReader, SplitsPlainFields) {
  auto r = read_all("a,b,c\n1,2,3\n", ',');
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(r[1].line, 2);
}

TEST(CsvReader, QuotedDelimitersAndDoubledQuotes) {
  auto r = read_all("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", ',');
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"x,y", "say \"hi\""}));
  EXPECT_EQ(r[1].raw, "\"x,y\",\"say \"\"hi\"\"\"");
}

TEST(CsvReader, EmbeddedNewlinesAdvanceLineNumbers) {
  auto r = read_all("a,b\n\"line1\nline2\",x\ny,z\n", ',');
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].fields[0], "line1\nline2");
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].line, 4);
}

TEST(CsvReader, CrlfLineEnds) {
  auto r = read_all("a,b\r\n1,\"2\"\r\n3,4\r\n", ',');
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(r[2].fields, (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(r[2].raw, "3,4");
  EXPECT_EQ(r[2].line, 3);
}

TEST(CsvReader, EmptyFieldsAndNoFinalNewline) {
  auto r = read_all("a,b,c\n,,\n1,,x", ',');
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(r[2].fields, (std::vector<std::string>{"1", "", "x"}));
}

TEST(CsvReader, SkipsBlankLinesButCountsThem) {
  auto r = read_all("a\n\n\nb\n", ',');
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].line, 4);
}

TEST(CsvReader, RejectsUnterminatedQuoteWithLine) {
  RecordReader::Next last{};
  const std::string_view d = "a,b\n1,2\n3,\"open\n\nmore";
  RecordReader rr(d, 0, d.size(), 1, ',');
  ASSERT_EQ(rr.next(), RecordReader::Next::record);
  ASSERT_EQ(rr.next(), RecordReader::Next::record);
  last = rr.next();
  EXPECT_EQ(last, RecordReader::Next::unterminated);
  EXPECT_EQ(rr.quote_line(), 3);
  EXPECT_EQ(rr.quote_column(), 2);
}

TEST(CsvReader, BareQuoteMarksIrregular) {
  const std::string_view d = "a,b\n5\"5,x\n";
  RecordReader rr(d, 0, d.size(), 1, ',');
  ASSERT_EQ(rr.next(), RecordReader::Next::record);
  ASSERT_EQ(rr.next(), RecordReader::Next::record);
  EXPECT_EQ(rr.fields()[0], "5\"5");
  EXPECT_TRUE(rr.irregular());
}

TEST(CsvDelimiter, DetectsFromHeader) {
  EXPECT_EQ(detect_delimiter("a,b,c"), ',');
  EXPECT_EQ(detect_delimiter("a\tb\tc"), '\t');
  EXPECT_EQ(detect_delimiter("a;b;c"), ';');
  EXPECT_EQ(detect_delimiter("a|b|c"), '|');
  EXPECT_EQ(detect_delimiter("\"x,y\";b;c"), ';');
  EXPECT_EQ(detect_delimiter("single"), '\0');
  EXPECT_EQ(detect_delimiter("a;b\nc,d,e,f"), ';');
}

TEST(CsvChunks, CutsOnlyOutsideQuotesAndCountsLines) {
  std::string data = "h\n";
  for (int i = 0; i < 50; ++i) data += "\"multi\nline " + std::to_string(i) + "\",x\n";
  Context ctx(2, 1);
  auto chunks = split_chunks(ctx, data, 2, 2, 16);
  ASSERT_GT(chunks.size(), 3u);
  EXPECT_EQ(chunks.front().begin, 2u);
  EXPECT_EQ(chunks.back().end, data.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(chunks[i].begin, chunks[i - 1].end);
    }
    // Every chunk starts at a record: a quote, on an even (odd-numbered 2k+2) line.
    EXPECT_EQ(data[chunks[i].begin], '"');
    const auto lines_before = std::count(data.begin(), data.begin() + static_cast<long>(chunks[i].begin), '\n');
    EXPECT_EQ(chunks[i].line, lines_before + 1);
  }
}

TEST(CsvChunks, SameCutAtAnyThreadCount) {
  std::string data = "h\n";
  for (int i = 0; i < 500; ++i) data += std::to_string(i) + ",\"a,b\"\n";
  auto a = split_chunks(Context(1, 1), data, 2, 2, 100);
  auto b = split_chunks(Context(4, 1), data, 2, 2, 100);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].begin, b[i].begin);
    EXPECT_EQ(a[i].line, b[i].line);
  }
}

}  // namespace
}  // namespace kohort::io::internal

namespace kohort::io::internal {
namespace {

// Round trip against a writer: random fields (delimiters, quotes, CR/LF inside), written the
// RFC 4180 way, read back by RecordReader whole and in chunks.
std::string quote_if_needed(const std::string& f, char delim, bool force) {
  if (!force && f.find_first_of(std::string("\"\r\n") + delim) == std::string::npos) return f;
  std::string out = "\"";
  for (char c : f) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out + "\"";
}

TEST(CsvReader, RoundTripsRandomRecordsWholeAndChunked) {
  std::uint64_t state = 12345;
  auto next = [&state](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  const char alphabet[] = {'a', 'b', ',', ';', '"', '\n', '\r', ' ', '1', '\t'};
  for (char delim : {',', ';', '\t'}) {
    for (int round = 0; round < 20; ++round) {
      const std::size_t cols = 1 + next(5);
      std::vector<std::vector<std::string>> recs(1 + next(60));
      std::string text;
      std::vector<std::int64_t> lines;
      std::int64_t line = 1;
      const std::string eol = next(2) != 0u ? "\r\n" : "\n";
      for (auto& r : recs) {
        lines.push_back(line);
        for (std::size_t c = 0; c < cols; ++c) {
          std::string f;
          const std::size_t len = next(20);
          for (std::size_t i = 0; i < len; ++i) f.push_back(alphabet[next(sizeof alphabet)]);
          // A lone CR at the end of an unquoted field would read as CRLF: quote such fields.
          const bool force = (cols == 1 && f.empty()) || (!f.empty() && f.back() == '\r');
          text += quote_if_needed(f, delim, force);
          if (c + 1 < cols) text.push_back(delim);
          r.push_back(f);
          line += std::count(f.begin(), f.end(), '\n');
        }
        text += eol;
        ++line;
      }
      // Whole.
      RecordReader rr(text, 0, text.size(), 1, delim);
      std::size_t k = 0;
      for (; rr.next() == RecordReader::Next::record; ++k) {
        ASSERT_LT(k, recs.size());
        ASSERT_EQ(rr.fields().size(), cols);
        for (std::size_t c = 0; c < cols; ++c) EXPECT_EQ(rr.fields()[c], recs[k][c]);
        EXPECT_EQ(rr.line(), lines[k]);
      }
      EXPECT_EQ(k, recs.size());
      EXPECT_FALSE(rr.irregular());
      // Chunked: the same records in the same order.
      auto chunks = split_chunks(Context(2, 1), text, 0, 1, 1 + next(40));
      k = 0;
      for (const auto& ch : chunks) {
        RecordReader cr(text, ch.begin, ch.end, ch.line, delim);
        for (; cr.next() == RecordReader::Next::record; ++k) {
          ASSERT_LT(k, recs.size());
          for (std::size_t c = 0; c < cols; ++c) EXPECT_EQ(cr.fields()[c], recs[k][c]);
          EXPECT_EQ(cr.line(), lines[k]);
        }
      }
      EXPECT_EQ(k, recs.size());
    }
  }
}

}  // namespace
}  // namespace kohort::io::internal
