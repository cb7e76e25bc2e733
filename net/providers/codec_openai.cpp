// OpenAI-compatible chat completions: Groq, the Hugging Face router and local servers.
// Their error quirks (Groq decommissioned models and daily limits, HF provider routing)
// are recognised by body content, since one kind serves them all.

#include "net/providers/codec.hpp"
#include "net/providers/codec_detail.hpp"

namespace zega::net::detail {

namespace {

header_list auth_headers(const endpoint& ep) {
  header_list h = json_headers();
  if (!ep.api_key.empty())
    h.emplace_back("authorization", "Bearer " + ep.api_key);
  return h;
}

// message.content is a string on every server we target; a list of parts is tolerated.
std::string content_text(const rapidjson::Value* content) {
  if (!content)
    return {};
  if (content->IsString())
    return string_of(content);
  std::string out;
  if (content->IsArray())
    for (const auto& part : content->GetArray())
      out += string_of(member(&part, "text"));
  return out;
}

} // namespace

http_request openai_build_generate(const endpoint& ep, const generation_params& p) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  write_chat_start(w, ep, p);
  w.Key("temperature");
  w.Double(p.temperature);
  w.Key("max_tokens");
  w.Int(p.max_tokens);
  w.Key("stream");
  w.Bool(false);
  w.EndObject();

  return endpoint_request("POST", ep, "/chat/completions", auth_headers(ep), buf.GetString());
}

http_request openai_build_probe(const endpoint& ep) {
  return endpoint_request("GET", ep, "/models", auth_headers(ep));
}

bool openai_probe_body_ok(const std::string& body) {
  return lists_models(body, "data");
}

void openai_parse_success(const endpoint& ep, const std::string& body, call_result& r) {
  rapidjson::Document doc;
  if (!parse_json(body, doc) || !doc.IsObject())
    return unusable_body(ep, "malformed JSON in the completion response", r);
  if (const auto* err = member(&doc, "error"); err && !err->IsNull()) {
    std::string what = err->IsString() ? string_of(err) : string_of(member(err, "message"));
    r.cls = outcome_class::transient;
    r.error_code = "stream_error";
    r.message = operator_message(ep, "error inside a successful response "
                                         + status_tag(r.http_status, r.error_code) + ": " + what);
    return;
  }
  const auto* usage = member(&doc, "usage");
  r.prompt_tokens = long_of(member(usage, "prompt_tokens")).value_or(0);
  r.completion_tokens = long_of(member(usage, "completion_tokens")).value_or(0);
  const auto* choices = member(&doc, "choices");
  if (!choices || !choices->IsArray() || choices->Empty())
    return unusable_body(ep, "completion response has no choices", r);
  const auto& choice = (*choices)[0];
  const auto* message = member(&choice, "message");
  const std::string finish = string_of(member(&choice, "finish_reason"));
  const std::string refusal = string_of(member(message, "refusal"));
  std::string text = content_text(member(message, "content"));

  if (finish == "content_filter" || (text.empty() && !refusal.empty())) {
    r.cls = outcome_class::refused;
    r.finish_reason = "safety";
    r.error_code = finish == "content_filter" ? finish : "refusal";
    r.message = operator_message(
        ep, "content refused by the provider (" + r.error_code + ")"
                + (refusal.empty() ? std::string() : ": " + refusal));
    return;
  }
  r.cls = outcome_class::ok;
  r.text = std::move(text);
  r.truncated = finish == "length";
  if (finish.empty() || finish == "stop" || finish == "length")
    r.finish_reason = finish.empty() ? "stop" : finish;
  else if (finish == "tool_calls" || finish == "function_call")
    r.finish_reason = "tool_calls";
  else
    r.finish_reason = "other";
}

bool openai_classify_error(const endpoint& ep, const error_info& info, double,
                           call_result& r) {
  const int s = r.http_status;
  const std::string tag = status_tag(s, r.error_code);
  if (info.code == "model_decommissioned" || contains_ci(info.message, "has been decommissioned")) {
    r.cls = outcome_class::broken;
    r.error_code = "model_decommissioned";
    r.message = operator_message(ep, "model \"" + ep.model
                                         + "\" was decommissioned by the provider "
                                         + status_tag(s, r.error_code)
                                         + " — update providers[].model in the config");
    return true;
  }
  if (contains_ci(info.message, "not supported by any provider you have enabled")) {
    r.cls = outcome_class::broken;
    r.error_code = "model_not_supported";
    r.message = operator_message(
        ep, "model \"" + ep.model + "\" is not served by any inference provider enabled for "
                "this account " + status_tag(s, "")
                + " — enable a provider for it in the Hugging Face settings or update "
                  "providers[].model in the config");
    return true;
  }
  if (info.code == "model_not_found"
      || (s == 404 && contains_ci(info.message, "does not exist"))) {
    r.cls = outcome_class::broken;
    r.error_code = "model_not_found";
    r.message = operator_message(ep, "model \"" + ep.model
                                         + "\" does not exist or this key has no access to it "
                                         + status_tag(s, r.error_code)
                                         + " — update providers[].model in the config");
    return true;
  }
  if (s != 429)
    return false;
  // Groq names the exhausted limit; the day-long ones mean: fail over, come back later.
  const bool rpd = contains_ci(info.message, "requests per day")
                   || contains_ci(info.message, "(RPD)");
  const bool tpd = contains_ci(info.message, "tokens per day")
                   || contains_ci(info.message, "(TPD)");
  // Groq's request limit header counts per day: empty with a long reset is the same thing.
  const bool rpd_header = r.rate.remaining_requests == 0L && r.rate.reset_requests_s
                          && *r.rate.reset_requests_s > 15 * 60;
  if (!(rpd || tpd || rpd_header))
    return false;
  r.cls = outcome_class::quota;
  r.rate.per_day = true;
  r.rate.quota_id = tpd ? "tokens per day (TPD)" : "requests per day (RPD)";
  fill_throttle_delay(info, r);
  if (!r.rate.retry_after_s && rpd_header)
    r.rate.retry_after_s = r.rate.reset_requests_s;
  r.message = operator_message(ep, "daily quota exhausted: " + r.rate.quota_id + " " + tag
                                       + (info.message.empty() ? "" : ": " + info.message));
  return true;
}

} // namespace zega::net::detail
