#include "net/api/dashboard.hpp"

#include "net/api/console_assets.hpp"

#include <string>

namespace zega::net {

namespace {

// Replaces `tag` in `page` by `open` + the asset's bytes + `close`; the page is left as it
// is when either is missing, so a renamed file shows up as an unstyled page, not a crash.
void inline_asset(std::string& page, const std::string& tag, const char* path, const char* open,
                  const char* close) {
  auto asset = api::console_asset(path);
  auto at = page.find(tag);
  if (!asset || at == std::string::npos)
    return;
  page.replace(at, tag.size(), open + std::string(asset->bytes) + close);
}

} // namespace

// The console as one document, for a server that routes only "/": the stylesheet and the
// script are inlined. A server that also routes /console.css and /console.js can serve
// api::console_asset("/") unchanged instead.
const char* dashboard_html() {
  static const std::string page = [] {
    auto index = api::console_asset("/");
    std::string html = index ? std::string(index->bytes) : std::string("<!doctype html><p>console missing</p>");
    inline_asset(html, "<link rel=\"stylesheet\" href=\"console.css\">", "/console.css",
                 "<style>\n", "</style>");
    inline_asset(html, "<script src=\"console.js\"></script>", "/console.js", "<script>\n",
                 "</script>");
    return html;
  }();
  return page.c_str();
}

} // namespace zega::net
