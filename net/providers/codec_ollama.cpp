// Ollama native API: POST /api/chat (non-streaming), GET /api/version as the probe.
// Replies may still arrive as NDJSON (a server or proxy that streams anyway), and an error
// after the 200 arrives as an {"error": "..."} line.

#include "net/providers/codec.hpp"
#include "net/providers/codec_detail.hpp"

namespace zega::net::detail {

http_request ollama_build_generate(const endpoint& ep, const generation_params& p) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  write_chat_start(w, ep, p);
  w.Key("stream");
  w.Bool(false);
  w.Key("options");
  w.StartObject();
  w.Key("temperature");
  w.Double(p.temperature);
  w.Key("num_predict");
  w.Int(p.max_tokens);
  if (p.seed) {
    w.Key("seed");
    w.Uint64(*p.seed);
  }
  w.EndObject();
  w.EndObject();

  return endpoint_request("POST", ep, "/api/chat", json_headers(), buf.GetString());
}

http_request ollama_build_probe(const endpoint& ep) {
  return endpoint_request("GET", ep, "/api/version", json_headers());
}

bool ollama_probe_body_ok(const std::string& body) {
  rapidjson::Document doc;
  return parse_json(body, doc) && !string_of(member(&doc, "version")).empty();
}

void ollama_parse_success(const endpoint& ep, const std::string& body, call_result& r) {
  std::string text;
  std::string done_reason;
  bool done = false;
  bool any_text_field = false;
  std::size_t objects = 0;
  std::size_t start = 0;
  while (start < body.size() && !done) {
    auto end = body.find('\n', start);
    if (end == std::string::npos)
      end = body.size();
    std::string line = body.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    rapidjson::Document doc;
    if (!parse_json(line, doc) || !doc.IsObject())
      return unusable_body(ep, "malformed JSON in the chat response", r);
    ++objects;
    if (const auto* err = member(&doc, "error")) {
      std::string what = err->IsString() ? string_of(err) : string_of(member(err, "message"));
      r.cls = outcome_class::transient;
      r.text.clear();
      r.error_code = "stream_error";
      r.message = operator_message(ep, "error after the response started "
                                           + status_tag(r.http_status, r.error_code) + ": " + what);
      return;
    }
    const auto* message = member(&doc, "message");
    const auto* content = member(message, "content");
    const auto* response = member(&doc, "response");
    if (content && content->IsString()) {
      text += string_of(content);
      any_text_field = true;
    } else if (response && response->IsString()) {
      text += string_of(response);
      any_text_field = true;
    }
    done = bool_of(member(&doc, "done"));
    if (done) {
      done_reason = string_of(member(&doc, "done_reason"));
      r.prompt_tokens = long_of(member(&doc, "prompt_eval_count")).value_or(0);
      r.completion_tokens = long_of(member(&doc, "eval_count")).value_or(0);
    }
  }
  if (objects == 0)
    return unusable_body(ep, "empty chat response body", r);
  // A lone object without "done" is accepted when it carries text (old or proxied
  // servers); a stream that stops before done:true was cut short.
  if (!done && !(objects == 1 && any_text_field))
    return unusable_body(ep, "chat response ended before done:true", r);
  r.cls = outcome_class::ok;
  r.text = std::move(text);
  r.truncated = done_reason == "length";
  r.finish_reason = done_reason.empty() ? "stop" : done_reason;
}

bool ollama_classify_error(const endpoint& ep, const error_info& info, double,
                           call_result& r) {
  if (r.http_status == 404 && contains_ci(info.message, "model")) {
    r.cls = outcome_class::broken;
    r.error_code = "model_not_found";
    r.message = operator_message(
        ep, "model \"" + ep.model + "\" is not pulled — run: ollama pull " + ep.model);
    return true;
  }
  return false;
}

} // namespace zega::net::detail
