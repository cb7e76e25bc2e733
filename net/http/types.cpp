#include "net/http/types.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace zega::net {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at s[i], 0 when ill-formed.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80)
    return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0)
      lo = 0xA0;  // overlong
    else if (b0 == 0xED)
      hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0)
      lo = 0x90;  // overlong
    else if (b0 == 0xF4)
      hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi)
    return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
      return 0;
  return len;
}

} // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = sequence_length(s, i);
    if (len == 0) {
      out.append(replacement);
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}


const std::string* find_header(const header_list& headers, const std::string& name) {
  for (const auto& [key, value] : headers)
    if (key == name)
      return &value;
  return nullptr;
}

const char* to_string(transport_error_kind kind) {
  switch (kind) {
    case transport_error_kind::none: return "none";
    case transport_error_kind::bad_url: return "bad url";
    case transport_error_kind::dns: return "name not resolved";
    case transport_error_kind::connection_refused: return "connection refused";
    case transport_error_kind::connect_timeout: return "connect timeout";
    case transport_error_kind::tls: return "tls error";
    case transport_error_kind::tls_timeout: return "tls handshake timeout";
    case transport_error_kind::first_byte_timeout: return "no response in time";
    case transport_error_kind::total_timeout: return "response not complete in time";
    case transport_error_kind::reset: return "connection reset";
    case transport_error_kind::too_large: return "response too large";
    case transport_error_kind::protocol: return "malformed http";
    case transport_error_kind::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string error_json(const std::string& code, const std::string& message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  // Either may echo what a client or a provider sent, which need not be UTF-8.
  auto text = [&w](const std::string& s) {
    std::string clean = valid_utf8(s);
    w.String(clean.c_str(), static_cast<rapidjson::SizeType>(clean.size()));
  };
  w.Key("code");
  text(code);
  w.Key("message");
  text(message);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

bool parse_url(const std::string& url, url_parts& out) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    out.tls = false;
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    rest = url.substr(8);
  } else {
    return false;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty())
    return false;
  if (authority.front() == '[') { // IPv6 literal: [::1]:8080
    auto close = authority.find(']');
    if (close == std::string::npos)
      return false;
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return false;
    out.port = after.empty() ? "" : after.substr(1);
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  }
  if (out.port.empty())
    out.port = out.tls ? "443" : "80";
  // user:password@host is refused: credentials would end up in messages and /status.
  if (out.host.empty() || out.host.find('@') != std::string::npos
      || !std::all_of(out.port.begin(), out.port.end(),
                      [](unsigned char c) { return std::isdigit(c) != 0; })
      || out.port.size() > 5 || std::stoi(out.port) > 65535)
    return false;
  return true;
}

} // namespace zega::net
