#pragma once
// Text helpers every layer needs (ASCII case folding, trimming, UTF-8 repair, URL
// splitting). They live here, at the bottom of the dependency order, so that config/,
// store/ and net/ share one copy without store/ or config/ including net/.

#include <string>
#include <string_view>

namespace zega {

// ASCII lower-casing; UTF-8 bytes pass through unchanged.
std::string lower(std::string_view s);
// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s);
// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

// Replaces every ill-formed UTF-8 sequence with U+FFFD: whatever a model or a client sent,
// what we store and answer is valid UTF-8.
std::string valid_utf8(std::string_view s);

// Splits "http://host:port/path" into parts. Returns false on a malformed URL.
struct url_parts {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target; // path + query, at least "/"
};
bool parse_url(const std::string& url, url_parts& out);

} // namespace zega
