#include "net/http/types.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>


namespace zega::net {

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
  // ZEGA's front end (FastAPI) shows `detail` on an error; the same message, once more.
  w.Key("detail");
  text(message);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

} // namespace zega::net
