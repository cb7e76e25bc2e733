#include "tools/zegactl/client.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iomanip>
#include <sstream>
#include <variant>

namespace zega::ctl {

namespace {

net::client_limits long_limits() {
  net::client_limits limits;
  limits.first_byte_ms = 24 * 3600 * 1000;
  limits.total_ms = 24 * 3600 * 1000;
  limits.max_body_bytes = std::size_t{1} << 32;
  return limits;
}

} // namespace

std::string url_encode(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out << c;
    else
      out << '%' << std::uppercase << std::hex << std::setw(2) << std::setfill('0')
          << static_cast<int>(c) << std::nouppercase << std::dec;
  }
  return out.str();
}


net::http_response call(client_env& env, const std::string& method, const std::string& path,
                        const std::string& body, net::chunk_callback on_chunk) {
  net::http_request req;
  req.method = method;
  req.url = env.url + path;
  if (!body.empty()) {
    req.body = body;
    req.headers.emplace_back("content-type", "application/json");
  }
  if (!env.token.empty())
    req.headers.emplace_back("authorization", "Bearer " + env.token);
  auto result = net::blocking_request(*env.http, req, long_limits(), std::move(on_chunk));
  if (auto* err = std::get_if<net::transport_error>(&result)) {
    std::cerr << "zegactl: cannot reach zegad at " << env.url << ": " << err->message << "\n";
    throw exit_now{unreachable};
  }
  return std::get<net::http_response>(result);
}

std::optional<rapidjson::Document> parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError())
    return std::nullopt;
  return doc;
}

std::string str(const json& obj, const char* key) {
  if (obj.IsObject() && obj.HasMember(key) && obj[key].IsString())
    return obj[key].GetString();
  return {};
}

double num(const json& obj, const char* key) {
  if (obj.IsObject() && obj.HasMember(key) && obj[key].IsNumber())
    return obj[key].GetDouble();
  return 0;
}

bool flag(const json& obj, const char* key) {
  return obj.IsObject() && obj.HasMember(key) && obj[key].IsBool() && obj[key].GetBool();
}

std::string json_string(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return {buf.GetString(), buf.GetSize()};
}

// Prints an error answer; returns the exit code for the response (0 for 2xx).
int check_error(const net::http_response& resp) {
  if (resp.status < 400)
    return ok;
  auto doc = parse(resp.body);
  if (doc && doc->IsObject() && doc->HasMember("error") && (*doc)["error"].IsObject()
      && !str((*doc)["error"], "message").empty())
    std::cerr << "zegactl: " << resp.status << ": " << str((*doc)["error"], "message") << "\n";
  else
    std::cerr << "zegactl: " << resp.status << ": " << resp.body << "\n";
  return failed;
}

std::string query_of(const std::vector<std::pair<const char*, std::string>>& params) {
  std::string q;
  for (const auto& [key, value] : params)
    if (!value.empty())
      q += (q.empty() ? "?" : "&") + std::string(key) + "=" + url_encode(value);
  return q;
}

bool valid_url(const std::string& url) {
  net::url_parts parts;
  return net::parse_url(url, parts);
}

} // namespace zega::ctl
