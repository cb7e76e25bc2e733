#include "net/api/metrics.hpp"

#include <rapidjson/document.h>

#include <sstream>

namespace zega::net {

namespace {

// Label values escape backslash, double quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

double number(const rapidjson::Value& obj, const char* key) {
  return obj.IsObject() && obj.HasMember(key) && obj[key].IsNumber() ? obj[key].GetDouble() : 0;
}

std::string text(const rapidjson::Value& obj, const char* key) {
  return obj.IsObject() && obj.HasMember(key) && obj[key].IsString() ? obj[key].GetString() : "";
}

void family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

} // namespace

std::string metrics_from_status(const std::string& status_json, std::size_t examples_total) {
  rapidjson::Document st;
  st.Parse(status_json.c_str(), status_json.size());
  if (st.HasParseError() || !st.IsObject())
    return {};
  std::ostringstream out;
  out.precision(15); // counters in the millions print whole, not as 1.23457e+06
  family(out, "zega_paused", "gauge", "1 while dispatch is paused (by an operator or storage full)");
  out << "zega_paused " << (st.HasMember("paused") && st["paused"].IsBool() && st["paused"].GetBool())
      << '\n';
  family(out, "zega_queue_depth", "gauge", "tasks waiting for a provider");
  out << "zega_queue_depth " << number(st, "queue_depth") << '\n';
  family(out, "zega_in_flight", "gauge", "upstream calls in flight");
  out << "zega_in_flight " << number(st, "in_flight") << '\n';
  family(out, "zega_examples_total", "counter", "examples in the archive");
  out << "zega_examples_total " << examples_total << '\n';
  if (!st.HasMember("providers") || !st["providers"].IsArray())
    return out.str();
  const auto& providers = st["providers"].GetArray();
  auto per_provider = [&](const char* name, const char* type, const char* help, const char* key) {
    family(out, name, type, help);
    for (const auto& p : providers)
      out << name << "{provider=\"" << label(text(p, "name")) << "\"} " << number(p, key) << '\n';
  };
  family(out, "zega_provider_state", "gauge", "1 for the provider's current state");
  for (const auto& p : providers)
    out << "zega_provider_state{provider=\"" << label(text(p, "name")) << "\",state=\""
        << label(text(p, "state")) << "\"} 1\n";
  per_provider("zega_provider_in_flight", "gauge", "calls in flight per provider", "in_flight");
  per_provider("zega_provider_requests_today", "gauge", "requests sent today (UTC)",
               "requests_today");
  per_provider("zega_provider_tokens_today", "gauge", "tokens spent today (UTC)", "tokens_today");
  per_provider("zega_provider_busy_until_ms", "gauge", "milliseconds until the provider is free",
               "busy_for_ms");
  return out.str();
}

} // namespace zega::net
