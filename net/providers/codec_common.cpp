// Kind-independent parts of the provider codecs: names, rate headers and durations,
// error-body parsing, the status-based classification every kind falls back to, and the
// public entry points that dispatch to the per-kind files.

#include "net/providers/codec.hpp"
#include "net/providers/codec_detail.hpp"
#include "net/providers/secrets.hpp"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

namespace zega::net {

using namespace detail;

const char* to_string(outcome_class c) {
  switch (c) {
    case outcome_class::ok: return "ok";
    case outcome_class::throttled: return "throttled";
    case outcome_class::quota: return "quota";
    case outcome_class::transient: return "transient";
    case outcome_class::too_big: return "too_big";
    case outcome_class::bad_request: return "bad_request";
    case outcome_class::broken: return "broken";
    case outcome_class::unreachable: return "unreachable";
    case outcome_class::refused: return "refused";
    case outcome_class::busy: return "busy";
  }
  return "unknown";
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Parses "<digits>[.<digits>]" at s[i..], advancing i. Locale-independent, unlike strtod.
std::optional<double> read_decimal(std::string_view s, std::size_t& i) {
  double value = 0;
  bool digits = false;
  while (i < s.size() && is_digit(s[i])) {
    value = value * 10 + (s[i] - '0');
    digits = true;
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < s.size() && is_digit(s[i])) {
      value += (s[i] - '0') * scale;
      scale /= 10;
      digits = true;
      ++i;
    }
  }
  if (!digits)
    return std::nullopt;
  return value;
}

// A whole string that is one non-negative decimal number.
std::optional<double> plain_number(std::string_view s) {
  std::size_t i = 0;
  auto v = read_decimal(s, i);
  if (!v || i != s.size())
    return std::nullopt;
  return v;
}

std::optional<long> plain_long(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 18
      || !std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); }))
    return std::nullopt;
  long v = 0;
  for (char c : s)
    v = v * 10 + (c - '0');
  return v;
}

int month_index(std::string_view name) {
  static const char* const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() != 3)
    return 0;
  std::string l = lower(std::string(name));
  for (int i = 0; i < 12; ++i)
    if (l == months[i])
      return i + 1;
  return 0;
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
// and asctime ("Sun Nov  6 08:49:37 1994"), as RFC 9110 asks recipients to accept.
std::optional<double> parse_http_date(std::string_view s) {
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == ',' || c == '-' || c == '\t') {
      if (!cur.empty())
        tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty())
    tokens.push_back(cur);
  if (tokens.empty())
    return std::nullopt;
  if (std::isalpha(static_cast<unsigned char>(tokens.front()[0])) && !month_index(tokens.front()))
    tokens.erase(tokens.begin()); // weekday name
  int month = 0;
  std::vector<long> numbers;
  std::string clock;
  for (const auto& t : tokens) {
    if (int m = month_index(t)) {
      if (month)
        return std::nullopt;
      month = m;
    } else if (t.find(':') != std::string::npos) {
      clock = t;
    } else if (auto n = plain_long(t)) {
      numbers.push_back(*n);
    } else if (t != "GMT" && t != "UTC") {
      return std::nullopt;
    }
  }
  if (!month || numbers.size() != 2 || clock.size() != 8 || clock[2] != ':' || clock[5] != ':')
    return std::nullopt;
  auto hh = plain_long(clock.substr(0, 2));
  auto mm = plain_long(clock.substr(3, 2));
  auto ss = plain_long(clock.substr(6, 2));
  long day = numbers[0];
  long year = numbers[1];
  if (year < 100)
    year += year < 70 ? 2000 : 1900;
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60 || day < 1 || day > 31)
    return std::nullopt;
  const date::year_month_day ymd{date::year{static_cast<int>(year)},
                                 date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok())
    return std::nullopt;
  return static_cast<double>(date::sys_days{ymd}.time_since_epoch().count()) * 86400.0
         + static_cast<double>(*hh * 3600 + *mm * 60 + *ss);
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void apply_transient_phrase(const endpoint& ep, const error_info& info, call_result& r) {
  const int s = r.http_status;
  const char* phrase = "server error";
  if (s == 503)
    phrase = "temporarily unavailable";
  else if (s == 502)
    phrase = "bad gateway";
  else if (s == 504)
    phrase = "gateway timeout";
  else if (s == 498)
    phrase = "flex capacity exceeded";
  else if (s == 422)
    phrase = "request could not be processed";
  else if (s == 408 || s == 499)
    phrase = "request timed out or was cancelled upstream";
  if (!r.rate.retry_after_s && info.estimated_time_s)
    r.rate.retry_after_s = info.estimated_time_s;
  r.cls = outcome_class::transient;
  r.message = operator_message(ep, std::string(phrase) + " " + status_tag(s, r.error_code)
                                       + (info.message.empty() ? "" : ": " + info.message));
}

bool mentions_too_big(const error_info& info) {
  if (info.code == "context_length_exceeded")
    return true;
  static const char* const phrases[] = {
      "maximum context length",     "request too large",
      "context length exceeded",    "exceeds the context length",
      "prompt is too long",         "exceeds the maximum number of tokens"};
  const std::string l = lower(info.message);
  return std::any_of(std::begin(phrases), std::end(phrases),
                     [&](const char* p) { return l.find(p) != std::string::npos; });
}

// Status-based rules for whatever the kind-specific rules left open.
void classify_by_status(const endpoint& ep, const error_info& info, call_result& r) {
  const int s = r.http_status;
  const std::string detail = info.message.empty() ? "" : ": " + info.message;
  const std::string tag = status_tag(s, r.error_code);
  if (s == 413 || ((s == 400 || s == 422 || s == 429) && mentions_too_big(info))) {
    r.cls = outcome_class::too_big;
    r.message = operator_message(ep, "request too large for model \"" + ep.model + "\" " + tag
                                         + detail);
  } else if (s == 401) {
    r.cls = outcome_class::broken;
    r.message = operator_message(
        ep, ep.api_key.empty()
                ? "no API key was sent and the provider requires one " + tag
                      + " — set the provider's api_key_env variable"
                : "API key rejected " + tag
                      + " — check the key in the provider's api_key_env variable");
  } else if (s == 403) {
    r.cls = outcome_class::broken;
    r.message = operator_message(ep, "access denied " + tag + detail
                                         + " — check the key's permissions (provider's "
                                           "api_key_env variable) and the account");
  } else if (s == 404) {
    r.cls = outcome_class::broken;
    r.message = operator_message(ep, "model \"" + ep.model + "\" or endpoint not found " + tag
                                         + detail
                                         + " — check providers[].model and providers[].base_url "
                                           "in the config");
  } else if (s == 410) {
    r.cls = outcome_class::broken;
    r.message = operator_message(ep, "endpoint is gone " + tag + detail
                                         + " — update providers[].base_url in the config");
  } else if (s == 402) {
    r.cls = outcome_class::quota;
    r.rate.quota_id = "credits";
    r.message = operator_message(ep, "credits exhausted " + tag + detail
                                         + " — add credits or wait for the monthly reset");
  } else if (s == 429) {
    r.cls = outcome_class::throttled;
    fill_throttle_delay(info, r);
    r.message = operator_message(ep, "rate limited " + tag + detail);
  } else if (s >= 500 || s == 408 || s == 422 || s == 498 || s == 499 || s < 200) {
    apply_transient_phrase(ep, info, r);
  } else if (s >= 300 && s < 400) {
    r.cls = outcome_class::broken;
    r.message = operator_message(ep, "unexpected redirect " + tag
                                         + " — check providers[].base_url (scheme and path)");
  } else {
    r.cls = outcome_class::bad_request;
    r.message = operator_message(ep, "request rejected " + tag + detail);
  }
}

call_result guarded(const endpoint& ep, int status, const std::exception* e) {
  call_result r;
  r.http_status = status;
  r.cls = outcome_class::transient;
  r.message = operator_message(ep, std::string("could not process the response")
                                       + (e ? std::string(" (") + e->what() + ")" : ""));
  return r;
}

} // namespace

std::optional<double> parse_go_duration(const std::string& input) {
  std::string_view s = trim(input);
  if (s.empty())
    return std::nullopt;
  if (auto bare = plain_number(s))
    return bare;
  struct unit {
    std::string_view name;
    double seconds;
  };
  // Longer names first so "ms" is not read as "m" followed by garbage.
  static const unit units[] = {{"ms", 1e-3},         {"us", 1e-6}, {"\xC2\xB5s", 1e-6},
                               {"\xCE\xBCs", 1e-6}, {"ns", 1e-9}, {"h", 3600.0},
                               {"m", 60.0},         {"s", 1.0}};
  double total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    auto value = read_decimal(s, i);
    if (!value)
      return std::nullopt;
    const unit* found = nullptr;
    for (const auto& u : units)
      if (s.substr(i, u.name.size()) == u.name) {
        found = &u;
        break;
      }
    if (!found)
      return std::nullopt;
    i += found->name.size();
    total += *value * found->seconds;
  }
  return total;
}

std::optional<double> parse_retry_after(const std::string& input, double now_unix) {
  std::string_view s = trim(input);
  if (auto seconds = plain_number(s))
    return seconds;
  if (auto when = parse_http_date(s))
    return std::max(0.0, *when - now_unix);
  return std::nullopt;
}

std::optional<double> parse_delay_in_message(const std::string& msg) {
  const std::string l = lower(msg);
  static const char* const markers[] = {"try again in ", "retry in ", "retry after "};
  std::size_t best = std::string::npos;
  std::size_t start = 0;
  for (const char* m : markers) {
    auto pos = l.find(m);
    if (pos != std::string::npos && pos < best) {
      best = pos;
      start = pos + std::strlen(m);
    }
  }
  if (best == std::string::npos)
    return std::nullopt;
  std::size_t end = start;
  while (end < l.size()
         && (is_digit(l[end]) || l[end] == '.' || std::strchr("hmsun", l[end]) != nullptr
             || static_cast<unsigned char>(l[end]) >= 0x80))
    ++end;
  std::string token = l.substr(start, end - start);
  while (!token.empty() && token.back() == '.')
    token.pop_back();
  if (end < l.size() && (l[end] == '-' || l[end] == ':' || l[end] == '/'))
    return std::nullopt; // a date or clock time, not a delay
  auto value = parse_go_duration(token);
  if (!value || !plain_number(token))
    return value;
  // A bare number may be followed by a spelled-out unit: "try again in 5 minutes".
  std::size_t w = end;
  while (w < l.size() && l[w] == ' ')
    ++w;
  static const std::pair<const char*, double> words[] = {
      {"millisecond", 1e-3}, {"ms", 1e-3}, {"second", 1.0}, {"sec", 1.0},
      {"minute", 60.0},      {"min", 60.0}, {"hour", 3600.0}};
  for (const auto& [word, seconds] : words)
    if (l.compare(w, std::strlen(word), word) == 0)
      return *value * seconds;
  return value;
}

void parse_rate_headers(const header_list& headers, double now_unix, rate_info& out) {
  if (const auto* ms = find_header(headers, "retry-after-ms")) {
    if (auto v = plain_number(trim(*ms)))
      out.retry_after_s = *v / 1000.0;
  }
  if (!out.retry_after_s) {
    if (const auto* ra = find_header(headers, "retry-after"))
      out.retry_after_s = parse_retry_after(*ra, now_unix);
  }
  auto count = [&](const char* name, std::optional<long>& field) {
    if (const auto* h = find_header(headers, name))
      if (auto v = plain_long(*h))
        field = v;
  };
  auto reset = [&](const char* name, std::optional<double>& field) {
    if (const auto* h = find_header(headers, name))
      if (auto v = parse_go_duration(*h))
        field = v;
  };
  count("x-ratelimit-limit-requests", out.limit_requests);
  count("x-ratelimit-limit-tokens", out.limit_tokens);
  count("x-ratelimit-remaining-requests", out.remaining_requests);
  count("x-ratelimit-remaining-tokens", out.remaining_tokens);
  reset("x-ratelimit-reset-requests", out.reset_requests_s);
  reset("x-ratelimit-reset-tokens", out.reset_tokens_s);
}

http_request build_generate(const endpoint& ep, const generation_params& p) {
  switch (ep.kind) {
    case provider_kind::ollama: return ollama_build_generate(ep, p);
    case provider_kind::openai: return openai_build_generate(ep, p);
    case provider_kind::gemini: return gemini_build_generate(ep, p);
  }
  return {};
}

http_request build_probe(const endpoint& ep) {
  switch (ep.kind) {
    case provider_kind::ollama: return ollama_build_probe(ep);
    case provider_kind::openai: return openai_build_probe(ep);
    case provider_kind::gemini: return gemini_build_probe(ep);
  }
  return {};
}

bool probe_ok(const endpoint& ep, const http_response& resp) {
  if (resp.status < 200 || resp.status > 299)
    return false;
  try {
    switch (ep.kind) {
      case provider_kind::ollama: return ollama_probe_body_ok(resp.body);
      case provider_kind::openai: return openai_probe_body_ok(resp.body);
      case provider_kind::gemini: return gemini_probe_body_ok(resp.body);
    }
  } catch (const std::exception&) {
    return false;
  }
  return false;
}

namespace {

call_result parse_unchecked(const endpoint& ep, const http_response& resp, double now_unix) {
  try {
    call_result r = start_result(resp, now_unix);
    if (resp.status >= 200 && resp.status <= 299) {
      switch (ep.kind) {
        case provider_kind::ollama: ollama_parse_success(ep, resp.body, r); break;
        case provider_kind::openai: openai_parse_success(ep, resp.body, r); break;
        case provider_kind::gemini: gemini_parse_success(ep, resp.body, r); break;
      }
      return r;
    }
    const error_info info = parse_error_body(resp.body, ep);
    r.error_code = !info.code.empty()      ? info.code
                   : !info.reasons.empty() ? info.reasons.front()
                                           : info.status;
    bool decided = false;
    switch (ep.kind) {
      case provider_kind::ollama: decided = ollama_classify_error(ep, info, now_unix, r); break;
      case provider_kind::openai: decided = openai_classify_error(ep, info, now_unix, r); break;
      case provider_kind::gemini: decided = gemini_classify_error(ep, info, now_unix, r); break;
    }
    if (!decided)
      classify_by_status(ep, info, r);
    return r;
  } catch (const std::exception& e) {
    return guarded(ep, resp.status, &e);
  } catch (...) {
    return guarded(ep, resp.status, nullptr);
  }
}

} // namespace

call_result parse_generate(const endpoint& ep, const http_response& resp) {
  return parse_generate(ep, resp, now_seconds());
}

call_result parse_generate(const endpoint& ep, const http_response& resp, double now_unix) {
  // What a provider sends need not be UTF-8; everything downstream (scores, archive, API
  // answers) gets valid text.
  call_result r = parse_unchecked(ep, resp, now_unix);
  r.text = valid_utf8(r.text);
  r.message = valid_utf8(r.message);
  return r;
}


call_result classify_transport(const endpoint& ep, const transport_error& err) {
  call_result r;
  r.http_status = 0;
  url_parts parts;
  const bool url_ok = parse_url(ep.base_url, parts);
  const std::string where = url_ok ? " at " + parts.host + ":" + parts.port : "";
  std::string text;
  r.cls = outcome_class::transient;
  switch (err.kind) {
    case transport_error_kind::connection_refused:
      r.cls = outcome_class::unreachable;
      text = "connection refused" + where;
      break;
    case transport_error_kind::dns:
      r.cls = outcome_class::unreachable;
      text = "cannot resolve host" + (url_ok ? " " + parts.host : std::string());
      break;
    case transport_error_kind::tls:
      r.cls = outcome_class::unreachable;
      text = "TLS handshake failed" + where;
      break;
    case transport_error_kind::bad_url:
      r.cls = outcome_class::unreachable;
      text = "invalid base_url \"" + ep.base_url + "\" — fix providers[].base_url in the config";
      break;
    case transport_error_kind::connect_timeout: text = "connect timed out" + where; break;
    case transport_error_kind::tls_timeout: text = "TLS handshake timed out" + where; break;
    case transport_error_kind::first_byte_timeout: text = "no response in time" + where; break;
    case transport_error_kind::total_timeout: text = "response not complete in time" + where; break;
    case transport_error_kind::reset: text = "connection reset" + where; break;
    case transport_error_kind::too_large: text = "response too large" + where; break;
    case transport_error_kind::protocol: text = "malformed HTTP response" + where; break;
    case transport_error_kind::cancelled: text = "call cancelled" + where; break;
    case transport_error_kind::none: text = "call failed without a response" + where; break;
  }
  // The client's own text only adds something where the cause has many shapes.
  const bool detail_helps =
      err.kind == transport_error_kind::tls || err.kind == transport_error_kind::dns
      || err.kind == transport_error_kind::protocol || err.kind == transport_error_kind::none;
  if (detail_helps && !err.message.empty())
    text += " (" + err.message + ")";
  r.error_code = to_string(err.kind);
  r.message = operator_message(ep, text);
  return r;
}

namespace detail {

void write_message(json_writer& w, const char* role, const std::string& content) {
  w.StartObject();
  w.Key("role");
  w.String(role);
  w.Key("content");
  w.String(content.c_str(), static_cast<rapidjson::SizeType>(content.size()));
  w.EndObject();
}

void write_chat_start(json_writer& w, const endpoint& ep, const generation_params& p) {
  w.StartObject();
  w.Key("model");
  w.String(ep.model.c_str(), static_cast<rapidjson::SizeType>(ep.model.size()));
  w.Key("messages");
  w.StartArray();
  if (!p.system.empty())
    write_message(w, "system", p.system);
  write_message(w, "user", p.prompt);
  w.EndArray();
}

bool parse_json(const std::string& text, rapidjson::Document& doc) {
  // Iterative parsing: a deeply nested garbage body must not exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  return !doc.HasParseError();
}

const rapidjson::Value* member(const rapidjson::Value* v, const char* name) {
  if (!v || !v->IsObject())
    return nullptr;
  auto it = v->FindMember(name);
  return it == v->MemberEnd() ? nullptr : &it->value;
}

std::string string_of(const rapidjson::Value* v) {
  if (!v || !v->IsString())
    return {};
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<long> long_of(const rapidjson::Value* v) {
  if (!v)
    return std::nullopt;
  if (v->IsInt64())
    return static_cast<long>(v->GetInt64());
  if (v->IsUint64())
    return static_cast<long>(std::min<std::uint64_t>(v->GetUint64(), 1ULL << 62));
  if (v->IsDouble() && std::isfinite(v->GetDouble()) && std::fabs(v->GetDouble()) < 4e18)
    return static_cast<long>(v->GetDouble());
  if (v->IsString())
    return plain_long(string_of(v));
  return std::nullopt;
}

std::optional<double> double_of(const rapidjson::Value* v) {
  if (v && v->IsNumber())
    return v->GetDouble();
  if (v && v->IsString())
    return plain_number(trim(string_of(v)));
  return std::nullopt;
}

bool bool_of(const rapidjson::Value* v) {
  return v && v->IsBool() && v->GetBool();
}

std::string trim_right_slash(const std::string& base) {
  std::string out = base;
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  return out;
}

header_list json_headers() {
  return {{"content-type", "application/json"}, {"accept", "application/json"}};
}

http_request endpoint_request(const char* method, const endpoint& ep, const std::string& path,
                              header_list headers, std::string body) {
  http_request req;
  req.method = method;
  req.url = trim_right_slash(ep.base_url) + path;
  req.headers = std::move(headers);
  req.body = std::move(body);
  return req;
}

bool lists_models(const std::string& body, const char* key) {
  rapidjson::Document doc;
  const auto* list = parse_json(body, doc) ? member(&doc, key) : nullptr;
  return list && list->IsArray();
}

bool contains_ci(const std::string& haystack, const std::string& needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

namespace {
std::mutex secrets_mtx;
std::vector<std::string> known_secrets; // lower-cased
} // namespace

std::string mask_secrets(std::string text, const std::string& endpoint_key) {
  std::vector<std::string> secrets;
  {
    std::lock_guard<std::mutex> guard(secrets_mtx);
    secrets = known_secrets;
  }
  secrets.push_back(lower(endpoint_key));
  // Short keys are left alone: masking "ab" everywhere would garble the text and such a
  // key is no secret worth protecting.
  for (const auto& secret : secrets) {
    if (secret.size() < 6)
      continue;
    // A key's letters may come back in another case (an upstream upper-casing its echo).
    std::string folded = lower(text);
    std::string out;
    std::size_t from = 0;
    for (auto pos = folded.find(secret); pos != std::string::npos;
         pos = folded.find(secret, pos + secret.size())) {
      out.append(text, from, pos - from);
      out += "***";
      from = pos + secret.size();
    }
    if (from == 0)
      continue;
    out.append(text, from, std::string::npos);
    text = std::move(out);
  }
  return text;
}

namespace {

// Text of an HTML error page worth showing: its <title>, else nothing.
std::string html_title(const std::string& body) {
  const std::string l = lower(body);
  auto open = l.find("<title>");
  auto close = l.find("</title>");
  if (open == std::string::npos || close == std::string::npos || close < open)
    return {};
  return body.substr(open + 7, close - open - 7);
}

void read_error_object(const rapidjson::Value& e, error_info& info) {
  info.message = string_of(member(&e, "message"));
  info.type = string_of(member(&e, "type"));
  info.code = string_of(member(&e, "code"));
  info.status = string_of(member(&e, "status"));
  const auto* details = member(&e, "details");
  if (!details || !details->IsArray())
    return;
  for (const auto& d : details->GetArray()) {
    const std::string type = string_of(member(&d, "@type"));
    if (auto reason = string_of(member(&d, "reason")); !reason.empty())
      info.reasons.push_back(reason);
    if (type.find("RetryInfo") != std::string::npos)
      info.retry_delay_s = parse_go_duration(string_of(member(&d, "retryDelay")));
    const auto* violations = member(&d, "violations");
    if (type.find("QuotaFailure") != std::string::npos && violations && violations->IsArray())
      for (const auto& v : violations->GetArray())
        info.violations.push_back(
            {string_of(member(&v, "quotaId")), long_of(member(&v, "quotaValue"))});
  }
}

} // namespace

error_info parse_error_body(const std::string& body, const endpoint& ep) {
  error_info info;
  rapidjson::Document doc;
  // Messages end up in one operator line; bounding them early keeps the text matching cheap
  // on a multi-megabyte error page.
  constexpr std::size_t max_message = 2000;
  if (!parse_json(body, doc)) {
    // Masked whole, before either cut below.
    const std::string masked = mask_secrets(body, ep.api_key);
    std::string_view t = trim(std::string_view(masked).substr(0, 64 * 1024));
    info.message = !t.empty() && t.front() == '<' ? html_title(std::string(t)) : std::string(t);
    info.message.resize(std::min(info.message.size(), max_message));
    return info;
  }
  const rapidjson::Value* root = &doc;
  if (root->IsArray() && !root->Empty()) // Gemini streaming errors come wrapped in an array
    root = &(*root)[0];
  if (!root->IsObject())
    return info;
  const auto* err = member(root, "error");
  if (err && err->IsString())
    info.message = string_of(err);
  else if (err && err->IsObject())
    read_error_object(*err, info);
  if (info.message.empty())
    info.message = string_of(member(root, "message"));
  if (info.message.empty()) {
    const auto* d = member(root, "detail");
    if (d && d->IsString())
      info.message = string_of(d);
    else if (d && d->IsArray() && !d->Empty()) // FastAPI validation errors
      info.message = string_of(member(&(*d)[0], "msg"));
  }
  if (info.code.empty())
    info.code = string_of(member(root, "code"));
  if (info.type.empty())
    info.type = string_of(member(root, "type"));
  info.message = mask_secrets(std::move(info.message), ep.api_key);
  info.code = mask_secrets(std::move(info.code), ep.api_key);
  info.type = mask_secrets(std::move(info.type), ep.api_key);
  info.status = mask_secrets(std::move(info.status), ep.api_key);
  info.message.resize(std::min(info.message.size(), max_message));
  info.estimated_time_s = double_of(member(root, "estimated_time"));
  return info;
}

std::string operator_message(const endpoint& ep, const std::string& text) {
  std::string out = ep.name.empty() ? std::string(to_string(ep.kind)) : ep.name;
  out += ": ";
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && out.back() != ' ')
      out += ' ';
    space = false;
    out += c;
  }
  out = mask_secrets(std::move(out), ep.api_key);
  constexpr std::size_t max_len = 480;
  if (out.size() > max_len) {
    std::size_t cut = max_len;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut; // do not split a UTF-8 sequence
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string status_tag(int status, const std::string& code) {
  return "(" + std::to_string(status) + (code.empty() ? "" : " " + code) + ")";
}

call_result start_result(const http_response& resp, double now_unix) {
  call_result r;
  r.http_status = resp.status;
  parse_rate_headers(resp.headers, now_unix, r.rate);
  return r;
}

void fill_throttle_delay(const error_info& info, call_result& r) {
  auto& rate = r.rate;
  if (rate.retry_after_s)
    return;
  if (info.retry_delay_s) {
    rate.retry_after_s = info.retry_delay_s;
    return;
  }
  if (auto in_text = parse_delay_in_message(info.message)) {
    rate.retry_after_s = in_text;
    return;
  }
  // The window that is empty is the one we hit; when both are, wait for the later one.
  std::optional<double> reset;
  if (rate.remaining_requests == 0L && rate.reset_requests_s)
    reset = rate.reset_requests_s;
  if (rate.remaining_tokens == 0L && rate.reset_tokens_s)
    reset = std::max(reset.value_or(0.0), *rate.reset_tokens_s);
  rate.retry_after_s = reset;
}

void unusable_body(const endpoint& ep, const std::string& why, call_result& r) {
  r.cls = outcome_class::transient;
  r.text.clear();
  r.error_code = "bad_response_body";
  r.message = operator_message(ep, why + " " + status_tag(r.http_status, ""));
}

} // namespace detail

void set_known_secrets(std::vector<std::string> secrets) {
  for (auto& s : secrets)
    s = zega::lower(s);
  std::lock_guard<std::mutex> guard(detail::secrets_mtx);
  detail::known_secrets = std::move(secrets);
}

} // namespace zega::net
