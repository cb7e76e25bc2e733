// Google Gemini generateContent. The key travels in x-goog-api-key, never in the URL, so it
// cannot end up in proxy or access logs. Errors are Google RPC shaped: the status string,
// ErrorInfo reasons, QuotaFailure quota ids and RetryInfo drive the classification.

#include "net/providers/codec.hpp"
#include "net/providers/codec_detail.hpp"

namespace zega::net::detail {

namespace {

header_list key_headers(const endpoint& ep) {
  header_list h = json_headers();
  if (!ep.api_key.empty())
    h.emplace_back("x-goog-api-key", ep.api_key);
  return h;
}

void write_text_parts(json_writer& w, const std::string& text) {
  w.Key("parts");
  w.StartArray();
  w.StartObject();
  w.Key("text");
  w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
  w.EndObject();
  w.EndArray();
}

// The API names models "models/x"; accept either spelling in the config.
std::string model_path(const std::string& model) {
  return model.rfind("models/", 0) == 0 ? model : "models/" + model;
}

bool is_refusal(const std::string& finish) {
  return finish == "SAFETY" || finish == "RECITATION" || finish == "PROHIBITED_CONTENT"
         || finish == "BLOCKLIST" || finish == "SPII" || finish == "IMAGE_SAFETY"
         || finish == "IMAGE_PROHIBITED_CONTENT" || finish == "IMAGE_RECITATION";
}

} // namespace

http_request gemini_build_generate(const endpoint& ep, const generation_params& p) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  if (!p.system.empty()) {
    w.Key("systemInstruction");
    w.StartObject();
    write_text_parts(w, p.system);
    w.EndObject();
  }
  w.Key("contents");
  w.StartArray();
  w.StartObject();
  w.Key("role");
  w.String("user");
  write_text_parts(w, p.prompt);
  w.EndObject();
  w.EndArray();
  w.Key("generationConfig");
  w.StartObject();
  w.Key("temperature");
  w.Double(p.temperature);
  w.Key("maxOutputTokens");
  w.Int(p.max_tokens);
  w.Key("candidateCount");
  w.Int(1);
  if (p.seed) {
    // Gemini's seed is an int32; fold larger seeds into range rather than be rejected.
    w.Key("seed");
    w.Int(static_cast<int>(*p.seed % 2147483647ULL));
  }
  w.EndObject();
  w.EndObject();

  return endpoint_request("POST", ep, "/" + model_path(ep.model) + ":generateContent",
                          key_headers(ep), buf.GetString());
}

http_request gemini_build_probe(const endpoint& ep) {
  return endpoint_request("GET", ep, "/models", key_headers(ep));
}

bool gemini_probe_body_ok(const std::string& body) {
  return lists_models(body, "models");
}

void gemini_parse_success(const endpoint& ep, const std::string& body, call_result& r) {
  rapidjson::Document doc;
  if (!parse_json(body, doc) || !doc.IsObject())
    return unusable_body(ep, "malformed JSON in the generateContent response", r);
  const auto* usage = member(&doc, "usageMetadata");
  const long thoughts = long_of(member(usage, "thoughtsTokenCount")).value_or(0);
  r.prompt_tokens = long_of(member(usage, "promptTokenCount")).value_or(0);
  // Thinking tokens are billed and rate-limited as output, so they count here.
  r.completion_tokens = long_of(member(usage, "candidatesTokenCount")).value_or(0) + thoughts;

  const std::string block = string_of(member(member(&doc, "promptFeedback"), "blockReason"));
  if (!block.empty()) {
    r.cls = outcome_class::refused;
    r.finish_reason = "safety";
    r.error_code = block;
    r.message = operator_message(ep, "prompt blocked by the provider (blockReason " + block + ")");
    return;
  }
  const auto* candidates = member(&doc, "candidates");
  if (!candidates || !candidates->IsArray() || candidates->Empty())
    return unusable_body(ep, "generateContent response has no candidates", r);
  const auto& cand = (*candidates)[0];
  const std::string finish = string_of(member(&cand, "finishReason"));
  std::string text;
  const auto* parts = member(member(&cand, "content"), "parts");
  if (parts && parts->IsArray())
    for (const auto& part : parts->GetArray())
      if (!bool_of(member(&part, "thought")))
        text += string_of(member(&part, "text"));

  if (is_refusal(finish)) {
    r.cls = outcome_class::refused;
    r.finish_reason = finish == "RECITATION" || finish == "IMAGE_RECITATION" ? "recitation"
                                                                               : "safety";
    r.error_code = finish;
    r.message = operator_message(ep, "response refused by the provider (finishReason " + finish
                                         + ")");
    return;
  }
  if (finish == "MAX_TOKENS") {
    r.cls = outcome_class::ok;
    r.finish_reason = "length";
    r.truncated = true;
    r.text = std::move(text);
    if (r.text.empty()) {
      // Thinking models spend maxOutputTokens on thoughts first; a larger budget helps.
      r.error_code = "thinking_budget_exhausted";
      r.message = operator_message(ep, "output budget used up before any text (finishReason "
                                           "MAX_TOKENS, "
                                           + std::to_string(thoughts)
                                           + " thinking tokens) — retry with more max_tokens");
    }
    return;
  }
  if (text.empty() && finish != "STOP")
    return unusable_body(ep, "no text in the response (finishReason " + finish + ")", r);
  r.cls = outcome_class::ok;
  r.text = std::move(text);
  r.finish_reason = finish.empty() || finish == "STOP" ? "stop" : "other";
}

bool gemini_classify_error(const endpoint& ep, const error_info& info, double /*now_unix: a daily quota's end is the rate policy's*/,
                           call_result& r) {
  const int s = r.http_status;
  auto has_reason = [&](const char* reason) {
    for (const auto& x : info.reasons)
      if (x == reason)
        return true;
    return false;
  };
  if (has_reason("API_KEY_INVALID") || contains_ci(info.message, "API key not valid")) {
    r.cls = outcome_class::broken;
    r.error_code = "API_KEY_INVALID";
    r.message = operator_message(ep, "API key rejected " + status_tag(s, r.error_code)
                                         + " — check the key in the provider's api_key_env "
                                           "variable");
    return true;
  }
  if (info.status == "FAILED_PRECONDITION") {
    r.cls = outcome_class::broken;
    r.error_code = info.status;
    r.message = operator_message(ep, "the account cannot use this API "
                                         + status_tag(s, r.error_code) + ": " + info.message
                                         + " — enable billing for the project or use a key "
                                           "from a supported region");
    return true;
  }
  // A 404 without Google's status is a wrong base URL rather than a model; the generic
  // rule names both.
  if (info.status == "NOT_FOUND") {
    r.cls = outcome_class::broken;
    r.error_code = "NOT_FOUND";
    r.message = operator_message(ep, "model \"" + ep.model + "\" not found "
                                         + status_tag(s, r.error_code)
                                         + " — update providers[].model in the config");
    return true;
  }
  if (s != 429 && info.status != "RESOURCE_EXHAUSTED")
    return false;
  const quota_violation* daily = nullptr;
  for (const auto& v : info.violations)
    if (v.quota_id.find("PerDay") != std::string::npos)
      daily = &v;
  const quota_violation* shown = daily ? daily
                                 : info.violations.empty() ? nullptr
                                                            : &info.violations.front();
  if (shown) {
    r.rate.quota_id = shown->quota_id;
    r.rate.quota_value = shown->quota_value;
  }
  if (daily) {
    // Classified only: when the day ends (midnight Pacific; the short retryDelay is
    // misleading) is the rate policy's business, through the calendar.
    r.cls = outcome_class::quota;
    r.rate.per_day = true;
    r.message = operator_message(ep, "daily quota exhausted: " + daily->quota_id
                                         + (daily->quota_value
                                                ? " (limit " + std::to_string(*daily->quota_value)
                                                      + ")"
                                                : std::string())
                                         + " " + status_tag(s, r.error_code));
    return true;
  }
  r.cls = outcome_class::throttled;
  fill_throttle_delay(info, r);
  r.message = operator_message(ep, "rate limited " + status_tag(s, r.error_code)
                                       + (r.rate.quota_id.empty() ? "" : " on " + r.rate.quota_id));
  return true;
}

} // namespace zega::net::detail
