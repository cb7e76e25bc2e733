#include "net/http/guard.hpp"

#include <openssl/crypto.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace zega::net {

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// RFC 7230 tchar: what a media type, subtype or parameter name may be made of.
bool is_token(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

bool is_loopback_literal(const std::string& name) {
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    in6_addr a6{};
    return inet_pton(AF_INET6, name.substr(1, name.size() - 2).c_str(), &a6) == 1
           && IN6_IS_ADDR_LOOPBACK(&a6);
  }
  // inet_pton accepts only the dotted quad, so "127.1" or "127.0.0.1.nip.io" never pass.
  in_addr a4{};
  return inet_pton(AF_INET, name.c_str(), &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

// Splits "name[:port]" / "[v6][:port]"; false when the port part is not digits.
bool split_host(std::string_view host, std::string& name) {
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos)
      return false;
    name = lowered(host.substr(0, close + 1));
    auto rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return false;
      port = rest.substr(1);
    } else {
      return true;
    }
  } else {
    auto colon = host.find(':');
    name = lowered(host.substr(0, colon));
    if (colon == std::string_view::npos)
      return !name.empty();
    port = host.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5)
    return false;
  return std::all_of(port.begin(), port.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool listed_origin(std::string_view origin, const std::vector<std::string>& cors_origins) {
  // Origins are compared exactly except for case (scheme and host are case-insensitive); a
  // trailing slash or path makes it another string, which is never a browser's Origin.
  auto o = lowered(origin);
  return std::any_of(cors_origins.begin(), cors_origins.end(),
                     [&](const std::string& allowed) { return lowered(allowed) == o; });
}

bool changes_state(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

} // namespace

bool is_json_media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto essence = lowered(trim_ows(content_type.substr(0, semi)));
  if (essence != "application/json")
    return false;
  bool seen_charset = false;
  while (semi != std::string_view::npos) {
    auto rest = content_type.substr(semi + 1);
    auto next = rest.find(';');
    auto param = trim_ows(rest.substr(0, next));
    semi = next == std::string_view::npos ? next : semi + 1 + next;
    if (param.empty())
      continue; // "application/json;" is harmless
    auto eq = param.find('=');
    if (eq == std::string_view::npos)
      return false;
    auto name = lowered(param.substr(0, eq));
    auto value = param.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    // JSON is UTF-8 (RFC 8259); any other parameter or charset means someone is dressing
    // another type up as JSON.
    if (!is_token(name) || name != "charset" || seen_charset || lowered(value) != "utf-8")
      return false;
    seen_charset = true;
  }
  return true;
}

bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed_hosts) {
  std::string name;
  if (!split_host(trim_ows(host_header), name))
    return false;
  if (name == "localhost" || is_loopback_literal(name))
    return true;
  return std::any_of(allowed_hosts.begin(), allowed_hosts.end(), [&](const std::string& h) {
    std::string allowed;
    return split_host(h, allowed) && allowed == name;
  });
}

bool secrets_equal(std::string_view a, std::string_view b) {
  // The length is not secret enough to hide (it is the configured token's), but the bytes are.
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool origin_allowed(std::string_view origin, std::string_view host_header,
                    const std::vector<std::string>& cors_origins) {
  if (listed_origin(origin, cors_origins))
    return true;
  // Same origin: the dashboard served by this daemon posts back to the Host it came from.
  auto host = trim_ows(host_header);
  if (host.empty())
    return false;
  auto o = lowered(origin);
  auto h = lowered(host);
  return o == "http://" + h || o == "https://" + h;
}

bool route_needs_token(std::string_view path, const guard_options& opts) {
  if (opts.token.empty() || path == "/health")
    return false;
  if (path == "/metrics")
    return opts.metrics_require_token;
  return true;
}

header_list cors_headers(const guard_options& opts, const std::string* origin) {
  if (!origin || !listed_origin(*origin, opts.cors_origins))
    return {};
  header_list h{{"access-control-allow-origin", *origin}, {"vary", "Origin"}};
  if (opts.cors_allow_credentials)
    h.emplace_back("access-control-allow-credentials", "true");
  return h;
}

guard_verdict check_request(const guard_options& opts, const std::string& method,
                            const std::string& path, const header_list& headers, bool has_body) {
  guard_verdict v;
  const std::string* origin = find_header(headers, "origin");
  const std::string* host = find_header(headers, "host");
  v.headers = cors_headers(opts, origin);
  auto refuse = [&](int status, const char* code, std::string message) {
    v.status = status;
    v.code = code;
    v.message = std::move(message);
    return v;
  };
  // A request without Host is HTTP/1.0 from a program; every browser sends one.
  if (host && !host_allowed(*host, opts.allowed_hosts))
    return refuse(403, "forbidden",
                  "Host \"" + *host + "\" is not this machine; add it to server.allowed_hosts");
  if (method == "OPTIONS") {
    if (v.headers.empty())
      return refuse(403, "forbidden", "cross-origin requests from this origin are not allowed");
    v.status = 204;
    v.headers.emplace_back("access-control-allow-methods", "GET, POST, PATCH, DELETE, OPTIONS");
    v.headers.emplace_back("access-control-allow-headers", "Content-Type, Authorization");
    v.headers.emplace_back("access-control-max-age", "600");
    return v;
  }
  if (route_needs_token(path, opts)) {
    const std::string* auth = find_header(headers, "authorization");
    static const std::string bearer = "Bearer ";
    if (!auth || auth->compare(0, bearer.size(), bearer) != 0
        || !secrets_equal(std::string_view(*auth).substr(bearer.size()), opts.token))
      return refuse(401, "unauthorized", "missing or wrong bearer token");
  }
  if (changes_state(method) && origin && !origin_allowed(*origin, host ? *host : "",
                                                         opts.cors_origins)) {
    v.headers.clear();
    return refuse(403, "forbidden", "Origin \"" + *origin + "\" may not change this daemon's state");
  }
  // PATCH (curation) changes state with a body just like POST.
  if (method == "POST" || method == "PATCH") {
    const std::string* ct = find_header(headers, "content-type");
    // A bodyless POST without a type (ZEGA's trigger-finetuning) carries nothing to smuggle;
    // browsers always attach Origin to it, which the rule above has judged.
    bool bodyless = !ct && !has_body;
    if (!bodyless && !(ct && is_json_media_type(*ct)))
      return refuse(415, "unsupported_media_type", "send the body as application/json");
  }
  return v;
}

} // namespace zega::net
