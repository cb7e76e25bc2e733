#pragma once
// Plain HTTP message types shared by the client, the server, the wire codecs and the
// tools. Beast stays inside net/http/client.cpp and net/http/server.cpp.

#include "config/strings.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace zega::net {

// Header names are stored lower-case so lookups are simple and exact.
using header_list = std::vector<std::pair<std::string, std::string>>;

// Returns the first header named `name` (lower-case), or nullptr.
const std::string* find_header(const header_list& headers, const std::string& name);

struct http_request {
  std::string method = "GET";
  std::string url;     // absolute: http(s)://host[:port]/path?query
  header_list headers; // extra headers; Host, Content-Length are added by the client
  std::string body;
};

struct http_response {
  int status = 0;
  header_list headers; // lower-case names
  std::string body;
};

// Why a call produced no HTTP response at all.
enum class transport_error_kind : std::uint8_t {
  none,
  bad_url,
  dns,                // name did not resolve
  connection_refused, // nothing listens there
  connect_timeout,
  tls,                // handshake failed, certificate rejected, host name mismatch
  tls_timeout,
  first_byte_timeout,
  total_timeout,
  reset,              // peer closed or reset mid-exchange
  too_large,          // response exceeded the size cap
  protocol,           // unparseable HTTP
  cancelled,
};

const char* to_string(transport_error_kind kind);

// Shared with config/ and store/, which sit below net/.
using zega::valid_utf8;

// The daemon's error body: {"error":{"code":…,"message":…},"detail":message} (any
// text, JSON-escaped; `detail` is what ZEGA's front end reads).
std::string error_json(const std::string& code, const std::string& message);

struct transport_error {
  transport_error_kind kind = transport_error_kind::none;
  std::string message; // human readable, includes host:port, never a secret
};

// A call ends with either a response (any status) or a transport failure.
using http_result = std::variant<http_response, transport_error>;

struct client_limits {
  int connect_ms = 3000;
  int tls_ms = 5000;
  int first_byte_ms = 120000;
  int total_ms = 300000;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::string ca_file; // extra trust anchor (PEM) besides the system store; empty = system only
};

using zega::parse_url;
using zega::url_parts;

} // namespace zega::net
