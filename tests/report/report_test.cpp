#include "kohort/report/report.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kohort::report {
namespace {

using nlohmann::json;

constexpr std::string_view kOpen = R"(<script id="kohort-data" type="application/json">)";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// The text between the data script's opening tag and the next "</script>".
std::string embedded_data(std::string_view page) {
  const std::size_t start = page.find(kOpen);
  if (start == std::string_view::npos) return {};
  const std::size_t from = start + kOpen.size();
  const std::size_t end = page.find("</script>", from);
  if (end == std::string_view::npos) return {};
  return std::string(page.substr(from, end - from));
}

TEST(ReportTemplate, IsTheBuiltFrontEndFile) {
  const std::string built = read_text(KOHORT_REPORT_PAGE_FILE);
  ASSERT_FALSE(built.empty()) << KOHORT_REPORT_PAGE_FILE;
  EXPECT_EQ(report_template(), built);
}

TEST(ReportTemplate, IsOneSelfContainedPageWithOnePlaceholder) {
  const std::string_view page = report_template();
  EXPECT_EQ(count(page, kDataPlaceholder), 1U);
  EXPECT_EQ(count(page, std::string(kOpen) + std::string(kDataPlaceholder) + "</script>"), 1U);
  // Built, not the Vite source page: the module script is inlined, nothing is fetched.
  EXPECT_EQ(page.find("src/main.ts"), std::string_view::npos);
  EXPECT_EQ(page.find("<script type=\"module\" src="), std::string_view::npos);
  EXPECT_EQ(page.find("<link rel=\"stylesheet\""), std::string_view::npos);
  EXPECT_NE(page.find("<script type=\"module\""), std::string_view::npos);
  EXPECT_NE(page.find("<style"), std::string_view::npos);
  EXPECT_GT(page.size(), 100'000U) << "the inlined chart library is missing";
}

TEST(RenderReportHtml, ReplacesThePlaceholderWithTheData) {
  const json data = {{"k", 8}, {"as_of", "2026-06-30"}, {"segments", json::array()}};
  auto page = render_report_html(data);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->find(kDataPlaceholder), std::string::npos);
  const std::string text = embedded_data(*page);
  EXPECT_EQ(text, R"({"as_of":"2026-06-30","k":8,"segments":[]})");
  EXPECT_EQ(json::parse(text), data);
  EXPECT_EQ(page->size(), report_template().size() - kDataPlaceholder.size() + text.size());
  // Everything around the placeholder is the template, unchanged.
  const std::size_t at = report_template().find(kDataPlaceholder);
  EXPECT_EQ(std::string_view(*page).substr(0, at), report_template().substr(0, at));
  EXPECT_EQ(std::string_view(*page).substr(at + text.size()),
            report_template().substr(at + kDataPlaceholder.size()));
}

TEST(RenderReportHtml, EscapesSoNoValueCanCloseTheScriptElement) {
  const json data = {
      {"name", "</script><script>alert(1)</script>"},
      {"narrative", "<!-- a comment --> & spend > 900"},
      {"segments", {{{"name", "</SCRIPT >"}}}},
  };
  auto page = render_report_html(data);
  ASSERT_TRUE(page.ok()) << page.status().message();
  const std::string text = embedded_data(*page);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(text.find('>'), std::string::npos);
  EXPECT_EQ(text.find('&'), std::string::npos);
  EXPECT_NE(text.find(R"(\u003c/script\u003e\u003cscript\u003ealert(1))"), std::string::npos);
  EXPECT_NE(text.find(R"(\u003c!-- a comment --\u003e \u0026 spend \u003e 900)"),
            std::string::npos);
  // The data script ends where the template's did, and the JSON reads back exactly.
  EXPECT_EQ(json::parse(text), data);
  EXPECT_EQ(count(*page, "alert(1)</script>"), 0U);
}

TEST(RenderReportHtml, KeepsUnicodeAsUtf8) {
  const json data = {{"name", "Café fans — 91% ≤ 1 order"}, {"currency", "€"}};
  auto page = render_report_html(data);
  ASSERT_TRUE(page.ok()) << page.status().message();
  const std::string text = embedded_data(*page);
  EXPECT_NE(text.find("Café fans — 91% ≤ 1 order"), std::string::npos);
  EXPECT_EQ(json::parse(text), data);
}

TEST(RenderReportHtml, RendersTheFixtureTheFrontEndIsBuiltAgainst) {
  std::ifstream in(KOHORT_FIXTURE_WEB_REPORT);
  ASSERT_TRUE(in) << KOHORT_FIXTURE_WEB_REPORT;
  const json data = json::parse(in);
  auto page = render_report_html(data);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(json::parse(embedded_data(*page)), data);
  EXPECT_EQ(count(*page, "</script>"), count(report_template(), "</script>"));
}

TEST(RenderReportHtml, FailsWhenTheTemplateLacksThePlaceholder) {
  auto page = render_report_html("<html><body>no data here</body></html>", json::object());
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Code::invalid_input);
  EXPECT_EQ(page.status().where(), "report template");
  EXPECT_EQ(page.status().what(),
            "the page has no __KOHORT_REPORT_DATA__ placeholder for the report data");
  EXPECT_NE(page.status().hint().find("npm run build"), std::string::npos);
}

TEST(RenderReportHtml, FailsWhenTheTemplateHoldsThePlaceholderTwice) {
  auto page = render_report_html("__KOHORT_REPORT_DATA__ __KOHORT_REPORT_DATA__", json::object());
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Code::invalid_input);
  EXPECT_EQ(page.status().what(),
            "the page holds the __KOHORT_REPORT_DATA__ placeholder more than once");
}

TEST(RenderReportHtml, RejectsDataThatIsNotAnObject) {
  auto page = render_report_html(json::array({1, 2}));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Code::invalid_argument);
  EXPECT_EQ(page.status().what(), "the report data must be a JSON object, not array");
}

TEST(RenderReportHtml, RejectsStringsThatAreNotUtf8) {
  auto page = render_report_html(json{{"name", std::string("caf\xe9")}});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Code::invalid_input);
  EXPECT_EQ(page.status().where(), "report data");
  EXPECT_NE(page.status().what().find("UTF-8"), std::string::npos) << page.status().what();
}

}  // namespace
}  // namespace kohort::report
