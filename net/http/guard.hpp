#pragma once
// Request guards of the HTTP front end, as pure functions (no Beast, no sockets): what a
// browser page on another site, a DNS-rebinding page or a client without the token may do.
// The server runs `check_request` before any handler and adds `cors_headers` to every
// answer, so routes never repeat these rules.

#include "net/http/types.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace zega::net {

struct guard_options {
  std::string token;                      // empty: no token required
  std::vector<std::string> cors_origins;  // exact origins ("http://localhost:3000")
  std::vector<std::string> allowed_hosts; // extra Host names, matched exactly (port optional)
  bool metrics_require_token = true;      // /metrics behind the token when one is set
  bool cors_allow_credentials = false;    // Access-Control-Allow-Credentials: true
};

// True when `content_type` is application/json (type/subtype case-insensitive) with at most
// a charset=utf-8 parameter; "text/plain; x=application/json" is false.
bool is_json_media_type(std::string_view content_type);

// True for `localhost`, a loopback IP literal (127.0.0.0/8, [::1]) or a name of
// `allowed_hosts`, each with an optional port. Names are compared exactly (case-insensitive):
// no prefix matching, so "127.evil.example" and "127.0.0.1.nip.io" are refused.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed_hosts);

// Constant-time comparison (CRYPTO_memcmp): the time taken does not tell how many leading
// characters of a guessed token were right.
bool secrets_equal(std::string_view a, std::string_view b);

// True when `origin` may change state: it is the daemon's own origin (http://<Host>) or one
// of `cors_origins`.
bool origin_allowed(std::string_view origin, std::string_view host_header,
                    const std::vector<std::string>& cors_origins);

// Whether a route needs the bearer token when one is configured.
bool route_needs_token(std::string_view path, const guard_options& opts);

// Headers answering a listed origin (empty for an unlisted or absent one).
header_list cors_headers(const guard_options& opts, const std::string* origin);

struct guard_verdict {
  int status = 0;       // 0: pass the request on; otherwise answer with this status
  std::string code;     // error code for the JSON body (empty for a 204 preflight)
  std::string message;
  header_list headers;  // CORS headers of the answer
};

// The whole policy for one request, in order: Host, preflight, token, Origin, media type.
guard_verdict check_request(const guard_options& opts, const std::string& method,
                            const std::string& path, const header_list& headers,
                            bool has_body);

} // namespace zega::net
