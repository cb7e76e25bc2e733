#pragma once
// The operator console's static files (net/api/console/), embedded in the binary at build
// time by cmake/embed_console.cmake, since the box running zegad may be offline.

#include <optional>
#include <string_view>

namespace zega::api {

struct console_file {
  std::string_view content_type;
  std::string_view bytes;
};

// "/" (the page, same as "/index.html"), "/console.css", "/console.js"; nullopt for any
// other path. The bytes live for the whole program.
std::optional<console_file> console_asset(std::string_view path);

} // namespace zega::api
