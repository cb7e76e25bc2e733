#include "tools/fake_llm/protocols.hpp"

#include "tools/fake_llm/prose.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace zega::fake {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string quoted(const std::string& s) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return buf.GetString();
}

std::string str_field(const rapidjson::Value& obj, const char* key) {
  if (obj.IsObject()) {
    auto it = obj.FindMember(key);
    if (it != obj.MemberEnd() && it->value.IsString())
      return it->value.GetString();
  }
  return {};
}

int int_field(const rapidjson::Value& obj, const char* key) {
  if (obj.IsObject()) {
    auto it = obj.FindMember(key);
    if (it != obj.MemberEnd() && it->value.IsInt())
      return it->value.GetInt();
  }
  return 0;
}

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()
                % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string seconds_text(duration d, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::chrono::duration<double>(d).count());
  return buf;
}

// Splits the text into word-sized pieces the way a token stream would arrive.
std::vector<std::string> fragments(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto next = text.find_first_of(" \n", start + 1);
    if (next == std::string::npos)
      next = text.size();
    // Take about three words per fragment.
    for (int i = 0; i < 2 && next < text.size(); ++i) {
      auto more = text.find_first_of(" \n", next + 1);
      next = more == std::string::npos ? text.size() : more;
    }
    out.push_back(text.substr(start, next - start));
    start = next;
  }
  return out;
}

std::string ollama_stats(const completion& c) {
  auto eval_ns = c.duration_ns * 8 / 10;
  return ",\"done\":true,\"done_reason\":" + quoted(c.truncated ? "length" : "stop")
         + ",\"total_duration\":" + std::to_string(c.duration_ns)
         + ",\"load_duration\":" + std::to_string(c.duration_ns / 50)
         + ",\"prompt_eval_count\":" + std::to_string(c.prompt_tokens)
         + ",\"prompt_eval_duration\":" + std::to_string(c.duration_ns / 10)
         + ",\"eval_count\":" + std::to_string(c.completion_tokens)
         + ",\"eval_duration\":" + std::to_string(eval_ns);
}

std::string ollama_object(endpoint e, const completion& c, const std::string& text, bool last) {
  std::string s = "{\"model\":" + quoted(c.model) + ",\"created_at\":" + quoted(iso_now());
  if (e == endpoint::ollama_chat)
    s += ",\"message\":{\"role\":\"assistant\",\"content\":" + quoted(text) + "}";
  else
    s += ",\"response\":" + quoted(text);
  s += last ? ollama_stats(c) : ",\"done\":false";
  return s + "}";
}

std::string openai_usage(provider_kind p, const completion& c) {
  std::string u = "{\"prompt_tokens\":" + std::to_string(c.prompt_tokens)
                  + ",\"completion_tokens\":" + std::to_string(c.completion_tokens)
                  + ",\"total_tokens\":" + std::to_string(c.prompt_tokens + c.completion_tokens);
  if (p == provider_kind::groq) {
    double total = static_cast<double>(c.duration_ns) / 1e9;
    char t[160];
    std::snprintf(t, sizeof t,
                  ",\"queue_time\":%.4f,\"prompt_time\":%.4f,\"completion_time\":%.4f,"
                  "\"total_time\":%.4f",
                  total * 0.05, total * 0.1, total * 0.85, total);
    u += t;
  }
  return u + "}";
}

std::string openai_id(const completion& c) { return "chatcmpl-fake" + std::to_string(c.index); }

std::string groq_extra(const completion& c) {
  return ",\"system_fingerprint\":\"fp_fake01\",\"x_groq\":{\"id\":\"req_fake"
         + std::to_string(c.index) + "\"}";
}

std::string openai_chunk(provider_kind p, const completion& c, const std::string& delta,
                         const char* finish, bool last_with_groq_usage) {
  std::string s = "{\"id\":" + quoted(openai_id(c))
                  + ",\"object\":\"chat.completion.chunk\",\"created\":"
                  + std::to_string(unix_now()) + ",\"model\":" + quoted(c.model)
                  + ",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                  + (finish ? quoted(finish) : "null") + "}]";
  if (last_with_groq_usage)
    s += ",\"x_groq\":{\"id\":\"req_fake" + std::to_string(c.index)
         + "\",\"usage\":" + openai_usage(p, c) + "}";
  return "data: " + s + "}\n\n";
}

std::string gemini_object(const completion& c, const std::string& text, bool last) {
  std::string s = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
                  + quoted(text) + "}]}";
  if (last)
    s += std::string(",\"finishReason\":") + (c.truncated ? "\"MAX_TOKENS\"" : "\"STOP\"")
         + ",\"safetyRatings\":[{\"category\":\"HARM_CATEGORY_DANGEROUS_CONTENT\","
           "\"probability\":\"NEGLIGIBLE\"}]";
  s += ",\"index\":0}]";
  int out_tokens = last ? c.completion_tokens : 0;
  s += ",\"usageMetadata\":{\"promptTokenCount\":" + std::to_string(c.prompt_tokens)
       + ",\"candidatesTokenCount\":" + std::to_string(out_tokens)
       + ",\"totalTokenCount\":" + std::to_string(c.prompt_tokens + out_tokens) + "}";
  return s + ",\"modelVersion\":" + quoted(c.model) + ",\"responseId\":\"fake"
         + std::to_string(c.index) + "\"}";
}

std::string openai_error(const std::string& message, const std::string& type,
                         const std::string& code) {
  return "{\"error\":{\"message\":" + quoted(message) + ",\"type\":" + quoted(type)
         + (code.empty() ? "" : ",\"code\":" + quoted(code)) + "}}";
}

std::string google_error(int code, const std::string& message, const std::string& status,
                         const std::string& details = {}) {
  return "{\"error\":{\"code\":" + std::to_string(code) + ",\"message\":" + quoted(message)
         + ",\"status\":" + quoted(status) + (details.empty() ? "" : ",\"details\":" + details)
         + "}}";
}

std::string plain_error(const std::string& message) {
  return "{\"error\":" + quoted(message) + "}";
}

const char* html_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
  "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

} // namespace

int estimate_tokens(const std::string& text) {
  return std::max(1, static_cast<int>(std::lround(count_words(text) * 1.3)));
}

std::optional<std::string> request_key(provider_kind p, const net::server_request& req) {
  if (p == provider_kind::gemini) {
    if (const auto* k = net::find_header(req.headers, "x-goog-api-key"))
      return *k;
    if (std::string k; net::query_param(req.query, "key", k))
      return k;
  } else if (const auto* auth = net::find_header(req.headers, "authorization")) {
    return auth->rfind("Bearer ", 0) == 0 ? auth->substr(7) : std::string();
  }
  return std::nullopt;
}

generation_call parse_generation(provider_kind p, endpoint e, const net::server_request& req,
                                 const std::string& path_model) {
  generation_call call;
  call.key = request_key(p, req);
  rapidjson::Document doc;
  doc.Parse(req.body.c_str(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    call.error = "invalid JSON body";
    return call;
  }
  switch (e) {
    case endpoint::ollama_chat:
    case endpoint::ollama_generate: {
      call.model = str_field(doc, "model");
      auto it = doc.FindMember("stream");
      call.stream = !(it != doc.MemberEnd() && it->value.IsBool() && !it->value.GetBool());
      if (auto o = doc.FindMember("options"); o != doc.MemberEnd())
        call.max_tokens = int_field(o->value, "num_predict");
      if (e == endpoint::ollama_generate)
        call.prompt = str_field(doc, "prompt");
      break;
    }
    case endpoint::openai_chat: {
      call.model = str_field(doc, "model");
      auto it = doc.FindMember("stream");
      call.stream = it != doc.MemberEnd() && it->value.IsBool() && it->value.GetBool();
      if (auto so = doc.FindMember("stream_options"); so != doc.MemberEnd() && so->value.IsObject())
        if (auto iu = so->value.FindMember("include_usage");
            iu != so->value.MemberEnd() && iu->value.IsBool())
          call.include_usage = iu->value.GetBool();
      call.max_tokens = int_field(doc, "max_completion_tokens");
      if (!call.max_tokens)
        call.max_tokens = int_field(doc, "max_tokens");
      break;
    }
    case endpoint::gemini_generate:
    case endpoint::gemini_stream: {
      call.model = path_model;
      call.stream = e == endpoint::gemini_stream;
      if (auto g = doc.FindMember("generationConfig"); g != doc.MemberEnd())
        call.max_tokens = int_field(g->value, "maxOutputTokens");
      if (auto c = doc.FindMember("contents"); c != doc.MemberEnd() && c->value.IsArray())
        for (const auto& content : c->value.GetArray()) {
          if (str_field(content, "role") == "model" || !content.IsObject())
            continue;
          auto parts = content.FindMember("parts");
          if (parts == content.MemberEnd() || !parts->value.IsArray())
            continue;
          std::string text;
          for (const auto& part : parts->value.GetArray())
            text += str_field(part, "text");
          call.prompt = text;
        }
      break;
    }
  }
  if (e == endpoint::ollama_chat || e == endpoint::openai_chat) {
    auto m = doc.FindMember("messages");
    if (m == doc.MemberEnd() || !m->value.IsArray()) {
      if (e == endpoint::openai_chat)
        call.error = "'messages' is a required property";
      return call;
    }
    for (const auto& msg : m->value.GetArray())
      if (str_field(msg, "role") == "user")
        call.prompt = str_field(msg, "content");
  }
  if (call.model.empty())
    call.error = e == endpoint::openai_chat ? "'model' is a required property" : "model is required";
  return call;
}

std::string success_body(provider_kind p, endpoint e, const completion& c) {
  switch (e) {
    case endpoint::ollama_chat:
    case endpoint::ollama_generate:
      return ollama_object(e, c, c.text, true);
    case endpoint::openai_chat:
      return "{\"id\":" + quoted(openai_id(c)) + ",\"object\":\"chat.completion\",\"created\":"
             + std::to_string(unix_now()) + ",\"model\":" + quoted(c.model)
             + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
             + quoted(c.text) + "},\"finish_reason\":" + quoted(c.truncated ? "length" : "stop")
             + "}],\"usage\":" + openai_usage(p, c)
             + (p == provider_kind::groq ? groq_extra(c) : std::string()) + "}";
    case endpoint::gemini_generate:
    case endpoint::gemini_stream:
      return gemini_object(c, c.text, true);
  }
  return {};
}

std::vector<std::string> stream_pieces(provider_kind p, endpoint e, const completion& c,
                                       bool include_usage) {
  std::vector<std::string> out;
  auto frags = fragments(c.text);
  switch (e) {
    case endpoint::ollama_chat:
    case endpoint::ollama_generate:
      for (const auto& f : frags)
        out.push_back(ollama_object(e, c, f, false) + "\n");
      out.push_back(ollama_object(e, c, "", true) + "\n");
      break;
    case endpoint::openai_chat:
      out.push_back(openai_chunk(p, c, "{\"role\":\"assistant\",\"content\":\"\"}", nullptr, false));
      for (std::size_t i = 0; i < frags.size(); ++i) {
        bool last = i + 1 == frags.size();
        out.push_back(openai_chunk(p, c, "{\"content\":" + quoted(frags[i]) + "}",
                                   last ? (c.truncated ? "length" : "stop") : nullptr,
                                   last && p == provider_kind::groq));
      }
      if (include_usage)
        out.push_back("data: {\"id\":" + quoted(openai_id(c))
                      + ",\"object\":\"chat.completion.chunk\",\"created\":"
                      + std::to_string(unix_now()) + ",\"model\":" + quoted(c.model)
                      + ",\"choices\":[],\"usage\":" + openai_usage(p, c) + "}\n\n");
      out.push_back("data: [DONE]\n\n");
      break;
    case endpoint::gemini_generate:
    case endpoint::gemini_stream:
      for (std::size_t i = 0; i < frags.size(); ++i)
        out.push_back("data: " + gemini_object(c, frags[i], i + 1 == frags.size()) + "\r\n\r\n");
      break;
  }
  return out;
}

const char* stream_content_type(endpoint e) {
  return e == endpoint::ollama_chat || e == endpoint::ollama_generate ? "application/x-ndjson"
                                                                      : "text/event-stream";
}

reply error_reply(provider_kind p, const std::string& what, const std::string& model,
                  const admission& a, bool fractional_retry) {
  reply r;
  auto status_of = [&](int s) { r.status = s; };
  const std::string window_name = a.hit == limit_kind::rpm   ? "requests per minute (RPM)"
                                  : a.hit == limit_kind::tpm ? "tokens per minute (TPM)"
                                                             : "requests per day (RPD)";
  switch (p) {
    case provider_kind::ollama:
      if (what == "busy" || what == "503") {
        status_of(503);
        r.body = plain_error("server busy, please try again.  maximum pending requests exceeded");
      } else if (what == "unknown_model" || what == "404" || what == "decommissioned") {
        status_of(404);
        r.body = plain_error("model \"" + model + "\" not found, try pulling it first");
      } else if (what == "500") {
        status_of(500);
        r.body = plain_error("llama runner process has terminated: signal: killed");
      } else if (what == "502") {
        status_of(502);
        r.body = plain_error("remote model is unreachable");
      } else if (what == "rate_limited" || what == "too_large") {
        status_of(429);
        r.body = plain_error("too many requests");
      } else if (what == "401" || what == "api_key_invalid" || what == "invalid_key") {
        status_of(401);
        r.body = plain_error("unauthorized");
      } else if (what == "410") {
        status_of(410);
        r.body = plain_error("gone");
      } else {
        status_of(400);
        r.body = plain_error(what == "bad_request" ? "invalid request body" : "invalid options");
      }
      break;
    case provider_kind::groq:
    case provider_kind::huggingface: {
      bool groq = p == provider_kind::groq;
      if (what == "rate_limited") {
        status_of(429);
        double secs = std::chrono::duration<double>(a.retry_after).count();
        std::string retry = fractional_retry ? seconds_text(a.retry_after, 3)
                                             : std::to_string(static_cast<long long>(std::ceil(secs)));
        if (groq) {
          r.headers.emplace_back("retry-after", retry);
          r.body = openai_error(
            "Rate limit reached for model `" + model + "` in organization `org_fake` service tier"
              " `on_demand` on " + window_name + ": Limit " + std::to_string(a.limit) + ", Used "
              + std::to_string(a.used) + ", Requested " + std::to_string(a.requested)
              + ". Please try again in " + go_duration(a.retry_after)
              + ". Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            a.hit == limit_kind::tpm ? "tokens" : "requests", "rate_limit_exceeded");
        } else {
          r.body = plain_error("Too Many Requests");
        }
      } else if (what == "too_large" && groq) {
        status_of(413);
        r.body = openai_error("Request too large for model `" + model
                                + "` in organization `org_fake` service tier `on_demand` on tokens per"
                                  " minute (TPM): Limit " + std::to_string(a.limit) + ", Requested "
                                + std::to_string(a.requested)
                                + ", please reduce your message size and try again.",
                              "tokens", "rate_limit_exceeded");
      } else if (what == "too_large") {
        status_of(429);
        r.body = plain_error("Too Many Requests");
      } else if (what == "missing_key" || what == "invalid_key" || what == "401"
                 || what == "api_key_invalid") {
        status_of(401);
        r.body = groq ? openai_error("Invalid API Key", "invalid_request_error", "invalid_api_key")
                      : plain_error("Invalid credentials in Authorization header");
      } else if (what == "decommissioned" && groq) {
        status_of(400);
        r.body = openai_error("The model `" + model + "` has been decommissioned and is no longer"
                              " supported. Please refer to https://console.groq.com/docs/deprecations"
                              " for a recommendation on which model to use instead.",
                              "invalid_request_error", "model_decommissioned");
      } else if (what == "unknown_model" || what == "404" || what == "decommissioned") {
        status_of(404);
        r.body = groq ? openai_error("The model `" + model + "` does not exist or you do not have"
                                     " access to it.", "invalid_request_error", "model_not_found")
                      : plain_error("Model " + model + " does not exist");
      } else if (what == "busy" || what == "503") {
        status_of(503);
        r.body = groq ? openai_error("Service Unavailable", "internal_server_error", "")
                      : plain_error("Service Unavailable");
      } else if (what == "500") {
        status_of(500);
        r.body = groq ? openai_error("Internal Server Error", "internal_server_error", "")
                      : plain_error("Internal Server Error");
      } else if (what == "502") {
        status_of(502);
        r.content_type = "text/html";
        r.body = html_502;
      } else if (what == "410") {
        status_of(410);
        r.body = plain_error("https://api-inference.huggingface.co is no longer supported. Please"
                             " use https://router.huggingface.co instead.");
      } else {
        status_of(400);
        r.body = groq ? openai_error(what == "bad_request" ? "invalid JSON body" : "Bad Request",
                                     "invalid_request_error", "")
                      : plain_error("Bad Request");
      }
      break;
    }
    case provider_kind::gemini:
      if (what == "rate_limited" || what == "too_large") {
        status_of(429);
        bool per_day = a.hit == limit_kind::rpd;
        std::string quota_id = per_day ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                               : a.hit == limit_kind::tpm
                                 ? "GenerateContentInputTokensPerModelPerMinute-FreeTier"
                                 : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
        std::string metric = a.hit == limit_kind::tpm
                               ? "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count"
                               : "generativelanguage.googleapis.com/generate_content_free_tier_requests";
        std::string delay = seconds_text(a.retry_after, fractional_retry ? 3 : 0) + "s";
        std::string details =
          "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{"
          "\"quotaMetric\":" + quoted(metric) + ",\"quotaId\":" + quoted(quota_id)
          + ",\"quotaDimensions\":{\"location\":\"global\",\"model\":" + quoted(model)
          + "},\"quotaValue\":" + quoted(std::to_string(a.limit)) + "}]},"
          "{\"@type\":\"type.googleapis.com/google.rpc.Help\",\"links\":[{\"description\":"
          "\"Learn more about Gemini API quotas\",\"url\":"
          "\"https://ai.google.dev/gemini-api/docs/rate-limits\"}]},"
          "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":" + quoted(delay)
          + "}]";
        r.body = google_error(429, "You exceeded your current quota, please check your plan and"
                                   " billing details. Please retry in " + seconds_text(a.retry_after, 6)
                                   + "s.", "RESOURCE_EXHAUSTED", details);
      } else if (what == "missing_key") {
        status_of(403);
        r.body = google_error(403, "Method doesn't allow unregistered callers (callers without"
                                   " established identity). Please use API Key or other form of API"
                                   " consumer identity to call this API.", "PERMISSION_DENIED");
      } else if (what == "invalid_key" || what == "api_key_invalid") {
        status_of(400);
        r.body = google_error(400, "API key not valid. Please pass a valid API key.",
                              "INVALID_ARGUMENT",
                              "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
                              "\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\","
                              "\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}]");
      } else if (what == "401") {
        status_of(401);
        r.body = google_error(401, "Request had invalid authentication credentials.",
                              "UNAUTHENTICATED");
      } else if (what == "unknown_model" || what == "404" || what == "decommissioned") {
        status_of(404);
        r.body = google_error(404, "models/" + model + " is not found for API version v1beta, or is"
                                   " not supported for generateContent. Call ListModels to see the"
                                   " list of available models and their supported methods.",
                              "NOT_FOUND");
      } else if (what == "busy" || what == "503") {
        status_of(503);
        r.body = google_error(503, "The model is overloaded. Please try again later.", "UNAVAILABLE");
      } else if (what == "500") {
        status_of(500);
        r.body = google_error(500, "An internal error has occurred. Please retry or report in"
                                   " https://developers.generativeai.google/guide/troubleshooting",
                              "INTERNAL");
      } else if (what == "502") {
        status_of(502);
        r.content_type = "text/html";
        r.body = html_502;
      } else if (what == "410") {
        status_of(410);
        r.body = google_error(410, "This API version is no longer available.", "NOT_FOUND");
      } else {
        status_of(400);
        r.body = google_error(400, what == "bad_request" ? "Invalid JSON payload received."
                                                         : "Request contains an invalid argument.",
                              "INVALID_ARGUMENT");
      }
      break;
  }
  return r;
}

net::header_list groq_headers(const ratelimit_snapshot& s) {
  net::header_list h;
  if (s.limit_requests > 0) {
    h.emplace_back("x-ratelimit-limit-requests", std::to_string(s.limit_requests));
    h.emplace_back("x-ratelimit-remaining-requests", std::to_string(s.remaining_requests));
    h.emplace_back("x-ratelimit-reset-requests", go_duration(s.reset_requests));
  }
  if (s.limit_tokens > 0) {
    h.emplace_back("x-ratelimit-limit-tokens", std::to_string(s.limit_tokens));
    h.emplace_back("x-ratelimit-remaining-tokens", std::to_string(s.remaining_tokens));
    h.emplace_back("x-ratelimit-reset-tokens", go_duration(s.reset_tokens));
  }
  return h;
}

std::string models_body(provider_kind p, const provider_settings& s) {
  std::string items;
  for (const auto& m : s.models) {
    if (!items.empty())
      items += ",";
    switch (p) {
      case provider_kind::ollama:
        items += "{\"name\":" + quoted(m) + ",\"model\":" + quoted(m)
                 + ",\"modified_at\":\"2026-11-01T10:00:00.000000Z\",\"size\":2019393189,"
                   "\"digest\":\"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72\","
                   "\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"llama\","
                   "\"families\":[\"llama\"],\"parameter_size\":\"3.2B\","
                   "\"quantization_level\":\"Q4_K_M\"}}";
        break;
      case provider_kind::groq:
      case provider_kind::huggingface:
        items += "{\"id\":" + quoted(m) + ",\"object\":\"model\",\"created\":1735689600,"
                 "\"owned_by\":\"fake\"" + (p == provider_kind::groq
                                               ? ",\"active\":true,\"context_window\":131072"
                                               : "") + "}";
        break;
      case provider_kind::gemini:
        items += "{\"name\":" + quoted("models/" + m) + ",\"version\":\"001\",\"displayName\":"
                 + quoted(m) + ",\"inputTokenLimit\":1048576,\"outputTokenLimit\":65536,"
                 "\"supportedGenerationMethods\":[\"generateContent\",\"countTokens\"]}";
        break;
    }
  }
  switch (p) {
    case provider_kind::ollama: return "{\"models\":[" + items + "]}";
    case provider_kind::gemini: return "{\"models\":[" + items + "]}";
    default: return "{\"object\":\"list\",\"data\":[" + items + "]}";
  }
}

} // namespace zega::fake
