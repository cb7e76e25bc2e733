// The console's files are embedded at build time and served as one page by GET /.

#include "net/api/console_assets.hpp"
#include "net/api/dashboard.hpp"

#include <catch2/catch.hpp>

#include <string>

using zega::api::console_asset;

TEST_CASE("console assets are embedded with their content types", "[unit]") {
  auto page = console_asset("/");
  REQUIRE(page);
  CHECK(page->content_type == "text/html; charset=utf-8");
  CHECK(page->bytes.find("<script src=\"console.js\"></script>") != std::string_view::npos);
  auto same = console_asset("/index.html");
  REQUIRE(same);
  CHECK(same->bytes.data() == page->bytes.data());

  struct expected {
    const char* path;
    const char* type;
  };
  for (auto [path, type] : {expected{"/console.js", "text/javascript; charset=utf-8"},
                            expected{"/console.css", "text/css; charset=utf-8"}}) {
    auto file = console_asset(path);
    REQUIRE(file);
    CHECK(file->content_type == type);
    CHECK(file->bytes.size() > 1000);
  }

  CHECK_FALSE(console_asset("/console"));
  CHECK_FALSE(console_asset("/../CMakeLists.txt"));
  CHECK_FALSE(console_asset(""));
}

TEST_CASE("the dashboard page inlines the stylesheet and the script", "[unit]") {
  std::string html = zega::net::dashboard_html();
  auto js = console_asset("/console.js");
  auto css = console_asset("/console.css");
  REQUIRE(js);
  REQUIRE(css);
  CHECK(html.find("src=\"console.js\"") == std::string::npos);
  CHECK(html.find("href=\"console.css\"") == std::string::npos);
  CHECK(html.find("<script>\n" + std::string(js->bytes) + "</script>") != std::string::npos);
  CHECK(html.find("<style>\n" + std::string(css->bytes) + "</style>") != std::string::npos);
  // Inlined, a "</script" inside the script would end it early.
  CHECK(std::string(js->bytes).find("</script") == std::string::npos);
}
