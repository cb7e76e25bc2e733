// Provider wire codecs: request building, response parsing and error classification for
// every kind, with fixture bodies in the shapes documented in shared/docs/providers.md.

#include "net/providers/codec.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <string>
#include <vector>

using namespace zega::net;

namespace {

// 2026-11-25 09:46:40 UTC = 01:46:40 PST.
constexpr double now = 1795600000.0;

const std::string groq_key = "gsk_SECRETgroqKEY0123456789";
const std::string hf_key = "hf_SECREThfTOKEN0123456789";
const std::string gemini_key = "AIzaSECRETgeminiKEY0123456789";

endpoint ollama_ep() {
  return {provider_kind::ollama, "ollama", "http://127.0.0.1:11434", "qwen3:8b", ""};
}
endpoint groq_ep() {
  return {provider_kind::openai, "groq", "https://api.groq.com/openai/v1",
          "llama-3.1-70b-versatile", groq_key};
}
endpoint hf_ep() {
  return {provider_kind::openai, "hf", "https://router.huggingface.co/v1/",
          "meta-llama/Llama-3.1-8B-Instruct", hf_key};
}
endpoint gemini_ep() {
  return {provider_kind::gemini, "gemini", "https://generativelanguage.googleapis.com/v1beta",
          "gemini-2.5-flash", gemini_key};
}

http_response resp(int status, std::string body, header_list headers = {}) {
  return {status, std::move(headers), std::move(body)};
}

call_result parse(const endpoint& ep, int status, std::string body, header_list headers = {},
                  double at = now) {
  return parse_generate(ep, resp(status, std::move(body), std::move(headers)), at);
}

rapidjson::Document json(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// ---- fixtures (shapes from providers.md) ----

const char* ollama_ok =
    R"({"model":"qwen3:8b","created_at":"2026-11-25T09:12:03.51Z",)"
    R"("message":{"role":"assistant","content":"97 is prime."},)"
    R"("done":true,"done_reason":"stop","total_duration":812000000,"load_duration":9100000,)"
    R"("prompt_eval_count":31,"prompt_eval_duration":52000000,"eval_count":6,"eval_duration":61000000})";

const char* groq_ok =
    R"({"id":"chatcmpl-5d1e","object":"chat.completion","created":1795600000,"model":"openai/gpt-oss-20b",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Swift."},"finish_reason":"stop"}],)"
    R"("usage":{"queue_time":0.012,"prompt_tokens":14,"prompt_time":0.003,"completion_tokens":3,)"
    R"("completion_time":0.004,"total_tokens":17,"total_time":0.007},)"
    R"("system_fingerprint":"fp_1a2b3c","x_groq":{"id":"req_01jx0000000000000000000000"}})";

const char* hf_ok =
    R"({"id":"chatcmpl-9f2c","object":"chat.completion","created":1795601234,)"
    R"("model":"meta-llama/llama-3.1-8b-instruct",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"Concise."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":17,"completion_tokens":3,"total_tokens":20}})";

const char* gemini_ok =
    R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Steam forced through a narrow opening makes the air vibrate."}]},)"
    R"("finishReason":"STOP","index":0,)"
    R"("safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"NEGLIGIBLE"}]}],)"
    R"("usageMetadata":{"promptTokenCount":14,"candidatesTokenCount":12,"totalTokenCount":26},)"
    R"("modelVersion":"gemini-2.5-flash-lite","responseId":"k2lEae7xAbCdEf"})";

std::string gemini_429(const std::string& quota_id, const std::string& value,
                       const std::string& delay) {
  return R"({"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. Please retry in 36.429760048s.",)"
         R"("status":"RESOURCE_EXHAUSTED","details":[)"
         R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{)"
         R"("quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",)"
         R"("quotaId":")" + quota_id + R"(","quotaDimensions":{"location":"global","model":"gemini-2.5-flash"},"quotaValue":")" + value + R"("}]},)"
         R"({"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},)"
         R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" + delay + R"("}]}})";
}

std::string groq_error(const std::string& message, const std::string& type,
                       const std::string& code) {
  return R"({"error":{"message":")" + message + R"(","type":")" + type + R"(","code":")" + code
         + R"("}})";
}

std::string google_error(int code, const std::string& status, const std::string& message,
                         const std::string& reason = "") {
  std::string details = reason.empty()
                            ? ""
                            : R"(,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":")"
                                  + reason + R"(","domain":"googleapis.com"}])";
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message
         + R"(","status":")" + status + "\"" + details + "}}";
}

} // namespace

// ---------------------------------------------------------------- names, durations, headers

TEST_CASE("kind and outcome names", "[codec]") {
  for (auto k : {provider_kind::ollama, provider_kind::openai, provider_kind::gemini})
    CHECK(provider_kind_from_string(to_string(k)) == k);
  CHECK_FALSE(provider_kind_from_string("groq"));
  CHECK(std::string(to_string(outcome_class::throttled)) == "throttled");
  CHECK(std::string(to_string(outcome_class::too_big)) == "too_big");
  CHECK(std::string(to_string(outcome_class::unreachable)) == "unreachable");
  CHECK(std::string(to_string(outcome_class::busy)) == "busy");
}

TEST_CASE("Go-style durations", "[codec]") {
  CHECK(parse_go_duration("2m59.56s").value() == Approx(179.56));
  CHECK(parse_go_duration("7.66s").value() == Approx(7.66));
  CHECK(parse_go_duration("120ms").value() == Approx(0.12));
  CHECK(parse_go_duration("9m38.016s").value() == Approx(578.016));
  CHECK(parse_go_duration("1h2m").value() == Approx(3720));
  CHECK(parse_go_duration("1h").value() == Approx(3600));
  CHECK(parse_go_duration("500us").value() == Approx(0.0005));
  CHECK(parse_go_duration("500\xC2\xB5s").value() == Approx(0.0005)); // micro sign
  CHECK(parse_go_duration("500\xCE\xBCs").value() == Approx(0.0005)); // Greek mu
  CHECK(parse_go_duration("10ns").value() == Approx(1e-8));
  CHECK(parse_go_duration("37s").value() == Approx(37));
  CHECK(parse_go_duration("0.5s").value() == Approx(0.5));
  CHECK(parse_go_duration("42").value() == Approx(42));
  CHECK(parse_go_duration(" 1.5 ").value() == Approx(1.5));
  CHECK(parse_go_duration("0s").value() == Approx(0));
  for (const char* bad : {"", "   ", "abc", "1m30", "s", "1.2.3s", "-1s", "5x", "1 m", "1hh",
                          ".s", "1e3s"})
    CHECK_FALSE(parse_go_duration(bad));
}

TEST_CASE("retry-after: seconds and HTTP dates", "[codec]") {
  CHECK(parse_retry_after("2", now).value() == Approx(2));
  CHECK(parse_retry_after("1.5", now).value() == Approx(1.5));
  CHECK(parse_retry_after("Wed, 25 Nov 2026 09:47:10 GMT", now).value() == Approx(30));
  CHECK(parse_retry_after("Wednesday, 25-Nov-26 09:47:10 GMT", now).value() == Approx(30));
  CHECK(parse_retry_after("Wed Nov 25 09:47:10 2026", now).value() == Approx(30));
  CHECK(parse_retry_after("Wed, 25 Nov 2026 09:40:00 GMT", now).value() == Approx(0));
  for (const char* bad : {"", "soon", "-3", "Wed, 32 Nov 2026 09:47:10 GMT",
                          "Wed, 25 Foo 2026 09:47:10 GMT", "Wed, 25 Nov 2026 9:47 GMT"})
    CHECK_FALSE(parse_retry_after(bad, now));
}

TEST_CASE("delay hints inside messages", "[codec]") {
  CHECK(parse_delay_in_message("Rate limit reached ... Please try again in 4.77s. Need more tokens?")
            .value() == Approx(4.77));
  CHECK(parse_delay_in_message("You exceeded your current quota. Please retry in 36.429760048s.")
            .value() == Approx(36.429760048));
  CHECK(parse_delay_in_message("try again in 2m3.5s").value() == Approx(123.5));
  CHECK(parse_delay_in_message("Please try again in 7m12.5s, or upgrade").value() == Approx(432.5));
  CHECK(parse_delay_in_message("Try again in 120ms").value() == Approx(0.12));
  CHECK_FALSE(parse_delay_in_message("Resource has been exhausted (e.g. check quota)."));
  CHECK_FALSE(parse_delay_in_message("please try again in a moment"));
  CHECK(parse_delay_in_message("Please try again in 5 minutes.").value() == Approx(300));
  CHECK(parse_delay_in_message("retry after 20 seconds").value() == Approx(20));
  CHECK(parse_delay_in_message("try again in 3").value() == Approx(3));
  CHECK_FALSE(parse_delay_in_message("retry after 2026-11-26"));
  CHECK_FALSE(parse_delay_in_message("retry after 10:00 UTC"));
}

TEST_CASE("rate headers on any response", "[codec]") {
  rate_info r;
  parse_rate_headers({{"retry-after", "2"},
                      {"x-ratelimit-limit-requests", "14400"},
                      {"x-ratelimit-limit-tokens", "18000"},
                      {"x-ratelimit-remaining-requests", "14370"},
                      {"x-ratelimit-remaining-tokens", "17997"},
                      {"x-ratelimit-reset-requests", "2m59.56s"},
                      {"x-ratelimit-reset-tokens", "7.66s"}},
                     now, r);
  CHECK(r.retry_after_s.value() == Approx(2));
  CHECK(r.limit_requests == 14400L);
  CHECK(r.limit_tokens == 18000L);
  CHECK(r.remaining_requests == 14370L);
  CHECK(r.remaining_tokens == 17997L);
  CHECK(r.reset_requests_s.value() == Approx(179.56));
  CHECK(r.reset_tokens_s.value() == Approx(7.66));

  SECTION("retry-after-ms wins over retry-after") {
    rate_info m;
    parse_rate_headers({{"retry-after", "9"}, {"retry-after-ms", "1500"}}, now, m);
    CHECK(m.retry_after_s.value() == Approx(1.5));
  }
  SECTION("HTTP-date retry-after") {
    rate_info d;
    parse_rate_headers({{"retry-after", "Wed, 25 Nov 2026 09:48:40 GMT"}}, now, d);
    CHECK(d.retry_after_s.value() == Approx(120));
  }
  SECTION("garbage values are ignored, not guessed") {
    rate_info g;
    parse_rate_headers({{"retry-after", "later"},
                        {"x-ratelimit-remaining-requests", "many"},
                        {"x-ratelimit-reset-tokens", "7.66 seconds"}},
                       now, g);
    CHECK_FALSE(g.retry_after_s);
    CHECK_FALSE(g.remaining_requests);
    CHECK_FALSE(g.reset_tokens_s);
  }
  SECTION("headers come back on a success too") {
    auto res = parse(groq_ep(), 200, groq_ok,
                     {{"x-ratelimit-remaining-tokens", "17000"}, {"x-ratelimit-reset-tokens", "120ms"}});
    CHECK(res.cls == outcome_class::ok);
    CHECK(res.rate.remaining_tokens == 17000L);
    CHECK(res.rate.reset_tokens_s.value() == Approx(0.12));
  }
}

// ---------------------------------------------------------------- request building

TEST_CASE("ollama request", "[codec]") {
  generation_params p;
  p.system = "You write scenes.";
  p.prompt = "A storm at sea.";
  p.max_tokens = 300;
  p.temperature = 0.7;
  p.seed = 7;
  auto req = build_generate(ollama_ep(), p);
  CHECK(req.method == "POST");
  CHECK(req.url == "http://127.0.0.1:11434/api/chat");
  REQUIRE(find_header(req.headers, "content-type"));
  CHECK(*find_header(req.headers, "content-type") == "application/json");
  CHECK_FALSE(find_header(req.headers, "authorization"));
  auto d = json(req.body);
  CHECK(std::string(d["model"].GetString()) == "qwen3:8b");
  CHECK(d["stream"].IsFalse());
  REQUIRE(d["messages"].Size() == 2);
  CHECK(std::string(d["messages"][0]["role"].GetString()) == "system");
  CHECK(std::string(d["messages"][0]["content"].GetString()) == "You write scenes.");
  CHECK(std::string(d["messages"][1]["role"].GetString()) == "user");
  CHECK(std::string(d["messages"][1]["content"].GetString()) == "A storm at sea.");
  CHECK(d["options"]["temperature"].GetDouble() == Approx(0.7));
  CHECK(d["options"]["num_predict"].GetInt() == 300);
  CHECK(d["options"]["seed"].GetUint64() == 7);

  p.system.clear();
  p.seed.reset();
  auto bare = json(build_generate(ollama_ep(), p).body);
  CHECK(bare["messages"].Size() == 1);
  CHECK_FALSE(bare["options"].HasMember("seed"));

  auto probe = build_probe(ollama_ep());
  CHECK(probe.method == "GET");
  CHECK(probe.url == "http://127.0.0.1:11434/api/version");
}

TEST_CASE("openai-compatible request", "[codec]") {
  generation_params p;
  p.system = "sys \"quoted\"\n";
  p.prompt = "Write.";
  p.max_tokens = 123;
  auto req = build_generate(hf_ep(), p); // base has a trailing slash
  CHECK(req.method == "POST");
  CHECK(req.url == "https://router.huggingface.co/v1/chat/completions");
  REQUIRE(find_header(req.headers, "authorization"));
  CHECK(*find_header(req.headers, "authorization") == "Bearer " + hf_key);
  CHECK(*find_header(req.headers, "content-type") == "application/json");
  auto d = json(req.body);
  CHECK(std::string(d["model"].GetString()) == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(std::string(d["messages"][0]["content"].GetString()) == "sys \"quoted\"\n");
  CHECK(d["max_tokens"].GetInt() == 123);
  CHECK(d["temperature"].GetDouble() == Approx(0.9));
  CHECK(d["stream"].IsFalse());

  auto keyless = groq_ep();
  keyless.api_key.clear();
  CHECK_FALSE(find_header(build_generate(keyless, p).headers, "authorization"));

  auto probe = build_probe(groq_ep());
  CHECK(probe.method == "GET");
  CHECK(probe.url == "https://api.groq.com/openai/v1/models");
  CHECK(*find_header(probe.headers, "authorization") == "Bearer " + groq_key);
}

TEST_CASE("gemini request keeps the key out of the URL", "[codec]") {
  generation_params p;
  p.system = "Answer in one sentence.";
  p.prompt = "Why do kettles whistle?";
  p.max_tokens = 128;
  p.temperature = 0.4;
  auto req = build_generate(gemini_ep(), p);
  CHECK(req.method == "POST");
  CHECK(req.url
        == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(req.url.find("key=") == std::string::npos);
  CHECK(req.url.find(gemini_key) == std::string::npos);
  CHECK(req.body.find(gemini_key) == std::string::npos);
  REQUIRE(find_header(req.headers, "x-goog-api-key"));
  CHECK(*find_header(req.headers, "x-goog-api-key") == gemini_key);
  CHECK(*find_header(req.headers, "content-type") == "application/json");
  auto d = json(req.body);
  CHECK(std::string(d["systemInstruction"]["parts"][0]["text"].GetString())
        == "Answer in one sentence.");
  CHECK(std::string(d["contents"][0]["role"].GetString()) == "user");
  CHECK(std::string(d["contents"][0]["parts"][0]["text"].GetString()) == "Why do kettles whistle?");
  CHECK(d["generationConfig"]["maxOutputTokens"].GetInt() == 128);
  CHECK(d["generationConfig"]["temperature"].GetDouble() == Approx(0.4));
  CHECK(d["generationConfig"]["candidateCount"].GetInt() == 1);

  auto prefixed = gemini_ep();
  prefixed.model = "models/gemini-2.5-flash";
  CHECK(build_generate(prefixed, p).url == req.url);
  p.system.clear();
  CHECK_FALSE(json(build_generate(gemini_ep(), p).body).HasMember("systemInstruction"));

  auto probe = build_probe(gemini_ep());
  CHECK(probe.url == "https://generativelanguage.googleapis.com/v1beta/models");
  CHECK(*find_header(probe.headers, "x-goog-api-key") == gemini_key);
}

TEST_CASE("the key appears only in its auth header", "[codec]") {
  generation_params p;
  p.prompt = "x";
  for (const auto& ep : {groq_ep(), hf_ep(), gemini_ep()}) {
    for (const auto& req : {build_generate(ep, p), build_probe(ep)}) {
      CHECK(req.url.find(ep.api_key) == std::string::npos);
      CHECK(req.body.find(ep.api_key) == std::string::npos);
      for (const auto& [name, value] : req.headers)
        if (name != "authorization" && name != "x-goog-api-key")
          CHECK(value.find(ep.api_key) == std::string::npos);
    }
  }
  // Error messages that echo the key (some providers do) are masked.
  std::vector<std::pair<endpoint, http_response>> cases = {
      {gemini_ep(), resp(400, google_error(400, "INVALID_ARGUMENT",
                                           "API key not valid: " + gemini_key, "API_KEY_INVALID"))},
      {groq_ep(), resp(401, groq_error("Invalid API Key " + groq_key, "invalid_request_error",
                                       "invalid_api_key"))},
      {groq_ep(), resp(400, groq_error("bad key " + groq_key, "invalid_request_error", "x"))},
      {hf_ep(), resp(500, "upstream said " + hf_key)},
      {hf_ep(), resp(200, R"({"error":{"message":"token )" + hf_key + R"("}})")},
      {groq_ep(), resp(429, R"({"error":")" + groq_key + R"( try again in 1s"})")},
  };
  for (const auto& [ep, r] : cases) {
    auto res = parse_generate(ep, r, now);
    INFO(res.message);
    CHECK_FALSE(res.message.empty());
    CHECK(res.message.find(ep.api_key) == std::string::npos);
    CHECK(res.error_code.find(ep.api_key) == std::string::npos);
  }
}

// ---------------------------------------------------------------- probes

TEST_CASE("probe responses", "[codec]") {
  CHECK(probe_ok(ollama_ep(), resp(200, R"({"version":"0.12.3"})")));
  CHECK_FALSE(probe_ok(ollama_ep(), resp(200, "Ollama is running")));
  CHECK_FALSE(probe_ok(ollama_ep(), resp(500, R"({"version":"0.12.3"})")));
  CHECK(probe_ok(groq_ep(), resp(200, R"({"object":"list","data":[{"id":"openai/gpt-oss-20b"}]})")));
  CHECK_FALSE(probe_ok(groq_ep(), resp(401, groq_error("Invalid API Key", "invalid_request_error",
                                                        "invalid_api_key"))));
  CHECK_FALSE(probe_ok(groq_ep(), resp(200, "<html>captive portal</html>")));
  CHECK_FALSE(probe_ok(groq_ep(), resp(200, R"({"data":)")));
  CHECK(probe_ok(gemini_ep(), resp(200, R"({"models":[{"name":"models/gemini-2.5-flash"}]})")));
  CHECK_FALSE(probe_ok(gemini_ep(), resp(200, "[]")));
  CHECK_FALSE(probe_ok(gemini_ep(), resp(204, "")));
}

// ---------------------------------------------------------------- ollama

TEST_CASE("ollama success, truncation and NDJSON", "[codec]") {
  auto ok = parse(ollama_ep(), 200, ollama_ok);
  CHECK(ok.cls == outcome_class::ok);
  CHECK(ok.http_status == 200);
  CHECK(ok.text == "97 is prime.");
  CHECK(ok.finish_reason == "stop");
  CHECK_FALSE(ok.truncated);
  CHECK(ok.prompt_tokens == 31);
  CHECK(ok.completion_tokens == 6);

  auto cut = parse(ollama_ep(), 200,
                   R"({"message":{"role":"assistant","content":"Once upon"},"done":true,"done_reason":"length","eval_count":400})");
  CHECK(cut.cls == outcome_class::ok);
  CHECK(cut.truncated);
  CHECK(cut.finish_reason == "length");
  CHECK(cut.completion_tokens == 400);

  const std::string ndjson =
      "{\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n"
      "{\"message\":{\"role\":\"assistant\",\"content\":\"lo \"},\"done\":false}\r\n"
      "\n"
      "{\"message\":{\"role\":\"assistant\",\"content\":\"there\"},\"done\":false}\n"
      "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\","
      "\"prompt_eval_count\":5,\"eval_count\":3}\n";
  auto streamed = parse(ollama_ep(), 200, ndjson);
  CHECK(streamed.cls == outcome_class::ok);
  CHECK(streamed.text == "Hello there");
  CHECK(streamed.prompt_tokens == 5);
  CHECK(streamed.completion_tokens == 3);

  auto generate_style = parse(ollama_ep(), 200,
                              "{\"response\":\"A \",\"done\":false}\n{\"response\":\"b\",\"done\":true}");
  CHECK(generate_style.cls == outcome_class::ok);
  CHECK(generate_style.text == "A b");

  SECTION("an error line after the 200 is a mid-stream failure") {
    auto res = parse(ollama_ep(), 200,
                     "{\"message\":{\"content\":\"Hel\"},\"done\":false}\n"
                     "{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n");
    CHECK(res.cls == outcome_class::transient);
    CHECK(res.text.empty());
    CHECK(starts_with(res.message, "ollama: "));
    CHECK(res.message.find("unexpected EOF") != std::string::npos);
  }
  SECTION("a stream cut before done:true is not a success") {
    auto res = parse(ollama_ep(), 200,
                     "{\"message\":{\"content\":\"Hel\"},\"done\":false}\n"
                     "{\"message\":{\"content\":\"lo\"},\"done\":false}\n");
    CHECK(res.cls == outcome_class::transient);
    CHECK(res.message.find("done:true") != std::string::npos);
  }
}

TEST_CASE("ollama error classes", "[codec]") {
  auto pull = parse(ollama_ep(), 404, R"({"error":"model \"qwen3:8b\" not found, try pulling it first"})");
  CHECK(pull.cls == outcome_class::broken);
  CHECK(pull.http_status == 404);
  CHECK(pull.message == "ollama: model \"qwen3:8b\" is not pulled — run: ollama pull qwen3:8b");

  CHECK(parse(ollama_ep(), 404, R"({"error":"model 'qwen3:8b' not found"})").cls
        == outcome_class::broken);
  CHECK(parse(ollama_ep(), 404, "404 page not found").cls == outcome_class::broken);

  auto capability = parse(ollama_ep(), 400, R"({"error":"\"qwen3:8b\" does not support generate"})");
  CHECK(capability.cls == outcome_class::bad_request);
  CHECK(capability.message.find("does not support generate") != std::string::npos);

  auto busy = parse(ollama_ep(), 503,
                    R"({"error":"server busy, please try again.  maximum pending requests exceeded"})");
  CHECK(busy.cls == outcome_class::transient);
  CHECK(starts_with(busy.message, "ollama: temporarily unavailable (503)"));

  CHECK(parse(ollama_ep(), 500,
              R"({"error":"timed out waiting for llama-server to start"})").cls
        == outcome_class::transient);
  CHECK(parse(ollama_ep(), 502, R"({"error":"cloud unreachable"})").cls == outcome_class::transient);
  auto cloud_429 = parse(ollama_ep(), 429, R"({"error":"too many requests"})", {{"retry-after", "3"}});
  CHECK(cloud_429.cls == outcome_class::throttled);
  CHECK(cloud_429.rate.retry_after_s.value() == Approx(3));
  CHECK(parse(ollama_ep(), 400, R"({"error":"the input length exceeds the context length"})").cls
        == outcome_class::too_big);
  CHECK(parse(ollama_ep(), 400,
              R"({"error":"prompt is too long: maximum context length is 8192 tokens"})").cls
        == outcome_class::too_big);
}

// ---------------------------------------------------------------- groq / openai

TEST_CASE("groq success and finish reasons", "[codec]") {
  auto ok = parse(groq_ep(), 200, groq_ok);
  CHECK(ok.cls == outcome_class::ok);
  CHECK(ok.text == "Swift.");
  CHECK(ok.finish_reason == "stop");
  CHECK(ok.prompt_tokens == 14);
  CHECK(ok.completion_tokens == 3);

  auto cut = parse(groq_ep(), 200,
                   R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Once"},"finish_reason":"length"}]})");
  CHECK(cut.cls == outcome_class::ok);
  CHECK(cut.truncated);
  CHECK(cut.finish_reason == "length");

  auto filtered = parse(groq_ep(), 200,
                        R"({"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"content_filter"}]})");
  CHECK(filtered.cls == outcome_class::refused);
  CHECK(filtered.finish_reason == "safety");
  CHECK(starts_with(filtered.message, "groq: "));

  auto refusal = parse(groq_ep(), 200,
                       R"({"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]})");
  CHECK(refusal.cls == outcome_class::refused);

  auto no_choices = parse(groq_ep(), 200, R"({"id":"x","choices":[],"usage":{"prompt_tokens":5}})");
  CHECK(no_choices.cls == outcome_class::transient);
  CHECK(no_choices.message.find("no choices") != std::string::npos);

  auto inband = parse(groq_ep(), 200, R"({"error":{"message":"upstream died","code":502}})");
  CHECK(inband.cls == outcome_class::transient);
  CHECK(inband.message.find("upstream died") != std::string::npos);

  auto no_usage = parse(groq_ep(), 200, R"({"choices":[{"message":{"content":"hi"}}]})");
  CHECK(no_usage.cls == outcome_class::ok);
  CHECK(no_usage.text == "hi");
  CHECK(no_usage.completion_tokens == 0);
}

TEST_CASE("groq broken configuration", "[codec]") {
  auto gone = parse(groq_ep(), 400,
                    R"({"error":{"message":"The model `llama-3.1-70b-versatile` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.","type":"invalid_request_error","code":"model_decommissioned"}})");
  CHECK(gone.cls == outcome_class::broken);
  CHECK(gone.error_code == "model_decommissioned");
  CHECK(gone.message
        == "groq: model \"llama-3.1-70b-versatile\" was decommissioned by the provider (400 "
           "model_decommissioned) — update providers[].model in the config");

  auto bad_key = parse(groq_ep(), 401,
                       R"({"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}})");
  CHECK(bad_key.cls == outcome_class::broken);
  CHECK(bad_key.message
        == "groq: API key rejected (401 invalid_api_key) — check the key in the provider's "
           "api_key_env variable");
  auto keyless = groq_ep();
  keyless.api_key.clear();
  CHECK(parse(keyless, 401, R"({"error":{"message":"Invalid API Key"}})").message.find(
            "no API key was sent")
        != std::string::npos);

  auto forbidden = parse(groq_ep(), 403, R"({"error":{"message":"Organization restricted","type":"permissions_error"}})");
  CHECK(forbidden.cls == outcome_class::broken);
  CHECK(forbidden.message.find("Organization restricted") != std::string::npos);

  auto missing = parse(groq_ep(), 404,
                       R"({"error":{"message":"The model `llama-3.3-70b-versatile` does not exist or you do not have access to it.","type":"invalid_request_error","code":"model_not_found"}})");
  CHECK(missing.cls == outcome_class::broken);
  CHECK(missing.error_code == "model_not_found");
  CHECK(missing.message.find("update providers[].model") != std::string::npos);
}

TEST_CASE("groq limits: throttled, daily quota, too big", "[codec]") {
  const std::string tpm_msg =
      "Rate limit reached for model `openai/gpt-oss-20b` in organization `org_01` service tier "
      "`on_demand` on tokens per minute (TPM): Limit 8000, Used 7995, Requested 120. Please try "
      "again in 4.77s. Need more tokens? Upgrade to Dev Tier today.";
  auto tpm_body = groq_error(tpm_msg, "tokens", "rate_limit_exceeded");

  auto with_header = parse(groq_ep(), 429, tpm_body, {{"retry-after", "5"}});
  CHECK(with_header.cls == outcome_class::throttled);
  CHECK(with_header.rate.retry_after_s.value() == Approx(5));
  CHECK(with_header.error_code == "rate_limit_exceeded");

  auto from_text = parse(groq_ep(), 429, tpm_body);
  CHECK(from_text.cls == outcome_class::throttled);
  CHECK(from_text.rate.retry_after_s.value() == Approx(4.77));

  auto from_ms = parse(groq_ep(), 429, tpm_body, {{"retry-after-ms", "250"}, {"retry-after", "5"}});
  CHECK(from_ms.rate.retry_after_s.value() == Approx(0.25));

  auto from_reset = parse(groq_ep(), 429, R"({"error":{"message":"Rate limit reached"}})",
                          {{"x-ratelimit-remaining-tokens", "0"},
                           {"x-ratelimit-reset-tokens", "7.66s"},
                           {"x-ratelimit-remaining-requests", "900"},
                           {"x-ratelimit-reset-requests", "2m59.56s"}});
  CHECK(from_reset.cls == outcome_class::throttled);
  CHECK(from_reset.rate.retry_after_s.value() == Approx(7.66));

  auto no_hint = parse(groq_ep(), 429, R"({"error":{"message":"Rate limit reached"}})");
  CHECK(no_hint.cls == outcome_class::throttled);
  CHECK_FALSE(no_hint.rate.retry_after_s);

  auto rpd = parse(groq_ep(), 429,
                   groq_error("Rate limit reached for model `openai/gpt-oss-20b` in organization "
                              "`org_01` on requests per day (RPD): Limit 1000, Used 1000, "
                              "Requested 1. Please try again in 7m12.5s.",
                              "requests", "rate_limit_exceeded"));
  CHECK(rpd.cls == outcome_class::quota);
  CHECK(rpd.rate.per_day);
  CHECK(rpd.rate.quota_id == "requests per day (RPD)");
  CHECK(rpd.rate.retry_after_s.value() == Approx(432.5));

  auto tpd = parse(groq_ep(), 429,
                   groq_error("Rate limit reached ... on tokens per day (TPD): Limit 200000, Used "
                              "199900, Requested 400. Please try again in 1h2m.",
                              "tokens", "rate_limit_exceeded"));
  CHECK(tpd.cls == outcome_class::quota);
  CHECK(tpd.rate.quota_id == "tokens per day (TPD)");
  CHECK(tpd.rate.retry_after_s.value() == Approx(3720));

  auto rpd_headers = parse(groq_ep(), 429, R"({"error":{"message":"Rate limit reached"}})",
                           {{"x-ratelimit-remaining-requests", "0"},
                            {"x-ratelimit-reset-requests", "7h12m"}});
  CHECK(rpd_headers.cls == outcome_class::quota);
  CHECK(rpd_headers.rate.per_day);
  CHECK(rpd_headers.rate.retry_after_s.value() == Approx(7.2 * 3600));

  auto too_big = parse(groq_ep(), 413,
                       groq_error("Request too large for model `openai/gpt-oss-20b` in organization "
                                  "`org_01` on tokens per minute (TPM): Limit 6000, Requested 12328, "
                                  "please reduce your message size and try again.",
                                  "tokens", "rate_limit_exceeded"));
  CHECK(too_big.cls == outcome_class::too_big);

  auto context = parse(groq_ep(), 400,
                       groq_error("This model's maximum context length is 8192 tokens.",
                                  "invalid_request_error", "context_length_exceeded"));
  CHECK(context.cls == outcome_class::too_big);
}

TEST_CASE("groq transient and bad requests", "[codec]") {
  for (int status : {500, 502, 503, 504, 498, 422}) {
    auto res = parse(groq_ep(), status,
                     groq_error("something went wrong", "internal_server_error", "capacity_exceeded"));
    INFO(status);
    CHECK(res.cls == outcome_class::transient);
    CHECK(res.http_status == status);
    CHECK(starts_with(res.message, "groq: "));
  }
  auto bad = parse(groq_ep(), 400,
                   groq_error("'messages' : minimum number of items is 1", "invalid_request_error", ""));
  CHECK(bad.cls == outcome_class::bad_request);
  CHECK(bad.message.find("minimum number of items") != std::string::npos);
  CHECK(parse(groq_ep(), 405, "").cls == outcome_class::bad_request);
  CHECK(parse(groq_ep(), 301, "", {{"location", "https://x"}}).cls == outcome_class::broken);
}

// ---------------------------------------------------------------- hugging face router

TEST_CASE("hf router outcomes", "[codec]") {
  auto ok = parse(hf_ep(), 200, hf_ok);
  CHECK(ok.cls == outcome_class::ok);
  CHECK(ok.text == "Concise.");
  CHECK(ok.prompt_tokens == 17);

  auto credits = parse(hf_ep(), 402,
                       R"({"error":"You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits."})");
  CHECK(credits.cls == outcome_class::quota);
  CHECK(starts_with(credits.message, "hf: credits exhausted (402)"));

  auto unsupported = parse(hf_ep(), 400,
                           R"({"error":{"message":"The requested model 'meta-llama/Llama-3.1-8B-Instruct' is not supported by any provider you have enabled.","type":"invalid_request_error","param":"model","code":"model_not_supported"}})");
  CHECK(unsupported.cls == outcome_class::broken);
  CHECK(unsupported.message.find("update providers[].model") != std::string::npos);

  CHECK(parse(hf_ep(), 401, R"({"error":"Invalid credentials in Authorization header"})").cls
        == outcome_class::broken);
  CHECK(parse(hf_ep(), 403,
              R"({"error":"This authentication method does not have sufficient permissions to call Inference Providers"})")
            .cls
        == outcome_class::broken);
  CHECK(parse(hf_ep(), 404, R"({"error":"Model not found"})").cls == outcome_class::broken);

  auto gone = parse(hf_ep(), 410,
                    R"({"error":"https://api-inference.huggingface.co is no longer supported. Please use https://router.huggingface.co instead."})");
  CHECK(gone.cls == outcome_class::broken);
  CHECK(gone.message.find("providers[].base_url") != std::string::npos);

  auto throttled = parse(hf_ep(), 429, R"({"error":"Rate limit reached. Please try again in 20s"})");
  CHECK(throttled.cls == outcome_class::throttled);
  CHECK(throttled.rate.retry_after_s.value() == Approx(20));

  auto loading = parse(hf_ep(), 503,
                       R"({"error":"Model meta-llama/Llama-3.1-8B-Instruct is currently loading","estimated_time":20.0})");
  CHECK(loading.cls == outcome_class::transient);
  CHECK(loading.rate.retry_after_s.value() == Approx(20));

  auto html = parse(hf_ep(), 502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
  CHECK(html.cls == outcome_class::transient);
  CHECK(html.message.find("502 Bad Gateway") != std::string::npos);
  CHECK(html.message.find("<") == std::string::npos);

  auto fastapi = parse(hf_ep(), 422, R"({"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"}]})");
  CHECK(fastapi.cls == outcome_class::transient);
  CHECK(fastapi.message.find("field required") != std::string::npos);
  auto detail = parse(hf_ep(), 400, R"({"detail":"bad input"})");
  CHECK(detail.cls == outcome_class::bad_request);
  CHECK(detail.message.find("bad input") != std::string::npos);
  CHECK(parse(hf_ep(), 504, R"({"message":"Gateway Timeout"})").cls == outcome_class::transient);
}

// ---------------------------------------------------------------- gemini

TEST_CASE("gemini success, thoughts and truncation", "[codec]") {
  auto ok = parse(gemini_ep(), 200, gemini_ok);
  CHECK(ok.cls == outcome_class::ok);
  CHECK(ok.text == "Steam forced through a narrow opening makes the air vibrate.");
  CHECK(ok.finish_reason == "stop");
  CHECK(ok.prompt_tokens == 14);
  CHECK(ok.completion_tokens == 12);

  auto thoughts = parse(gemini_ep(), 200,
                        R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Let me think","thought":true},{"text":"Part one. "},{"text":"Part two."}]},"finishReason":"STOP"}],)"
                        R"("usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":8,"thoughtsTokenCount":30}})");
  CHECK(thoughts.cls == outcome_class::ok);
  CHECK(thoughts.text == "Part one. Part two.");
  CHECK(thoughts.completion_tokens == 38);

  auto cut = parse(gemini_ep(), 200,
                   R"({"candidates":[{"content":{"parts":[{"text":"Once upon"}]},"finishReason":"MAX_TOKENS"}]})");
  CHECK(cut.cls == outcome_class::ok);
  CHECK(cut.truncated);
  CHECK(cut.finish_reason == "length");
  CHECK(cut.text == "Once upon");
  CHECK(cut.error_code.empty());

  auto thinking_empty = parse(gemini_ep(), 200,
                              R"({"candidates":[{"content":{"role":"model"},"finishReason":"MAX_TOKENS","index":0}],)"
                              R"("usageMetadata":{"promptTokenCount":20,"totalTokenCount":419,"thoughtsTokenCount":399}})");
  CHECK(thinking_empty.cls == outcome_class::ok);
  CHECK(thinking_empty.truncated);
  CHECK(thinking_empty.text.empty());
  CHECK(thinking_empty.error_code == "thinking_budget_exhausted");
  CHECK(starts_with(thinking_empty.message, "gemini: "));
  CHECK(thinking_empty.completion_tokens == 399);
}

TEST_CASE("gemini refusals", "[codec]") {
  auto blocked = parse(gemini_ep(), 200,
                       R"({"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":9}})");
  CHECK(blocked.cls == outcome_class::refused);
  CHECK(blocked.error_code == "SAFETY");
  CHECK(starts_with(blocked.message, "gemini: prompt blocked"));
  for (const char* reason : {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"}) {
    auto res = parse(gemini_ep(), 200,
                     std::string(R"({"candidates":[{"content":{"parts":[{"text":"partial"}]},"finishReason":")")
                         + reason + R"("}]})");
    INFO(reason);
    CHECK(res.cls == outcome_class::refused);
    CHECK(res.error_code == reason);
    CHECK(res.text.empty());
  }
  auto other = parse(gemini_ep(), 200, R"({"candidates":[{"finishReason":"OTHER"}]})");
  CHECK(other.cls == outcome_class::transient);
  CHECK(parse(gemini_ep(), 200, R"({"candidates":[{"content":{"parts":[]}}]})").cls
        == outcome_class::transient);
  auto none = parse(gemini_ep(), 200, R"({"candidates":[],"usageMetadata":{}})");
  CHECK(none.cls == outcome_class::transient);
  CHECK(none.message.find("no candidates") != std::string::npos);
}

TEST_CASE("gemini 429: per-minute throttle vs daily quota", "[codec]") {
  auto minute = parse(gemini_ep(), 429,
                      gemini_429("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "10", "37s"));
  CHECK(minute.cls == outcome_class::throttled);
  CHECK(minute.rate.retry_after_s.value() == Approx(37));
  CHECK(minute.rate.quota_id == "GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
  CHECK(minute.rate.quota_value == 10L);
  CHECK_FALSE(minute.rate.per_day);
  CHECK(minute.error_code == "RESOURCE_EXHAUSTED");

  auto half = parse(gemini_ep(), 429, gemini_429("GenerateRequestsPerMinutePerProjectPerModel", "15", "0.5s"));
  CHECK(half.rate.retry_after_s.value() == Approx(0.5));

  auto header_first = parse(gemini_ep(), 429, gemini_429("PerMinute", "10", "37s"), {{"retry-after", "3"}});
  CHECK(header_first.rate.retry_after_s.value() == Approx(3));

  auto day = parse(gemini_ep(), 429,
                   gemini_429("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "20", "37s"));
  CHECK(day.cls == outcome_class::quota);
  CHECK(day.rate.per_day);
  CHECK(day.rate.quota_id == "GenerateRequestsPerDayPerProjectPerModel-FreeTier");
  CHECK(day.rate.quota_value == 20L);
  // The codec only classifies: the 37 s retryDelay is not the quota's end, and the next
  // Pacific midnight is computed once, by the rate policy (tests/test_calendar.cpp).
  CHECK_FALSE(day.rate.retry_after_s);

  auto bare = parse(gemini_ep(), 429,
                    R"({"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}})");
  CHECK(bare.cls == outcome_class::throttled);
  CHECK_FALSE(bare.rate.retry_after_s);

  auto wrapped = parse(gemini_ep(), 429,
                       "[" + gemini_429("GenerateRequestsPerMinutePerProjectPerModel", "10", "12s") + "]");
  CHECK(wrapped.cls == outcome_class::throttled);
  CHECK(wrapped.rate.retry_after_s.value() == Approx(12));
}

TEST_CASE("gemini error classes", "[codec]") {
  auto bad_key = parse(gemini_ep(), 400,
                       google_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                                    "API_KEY_INVALID"));
  CHECK(bad_key.cls == outcome_class::broken);
  CHECK(bad_key.error_code == "API_KEY_INVALID");
  CHECK(bad_key.message
        == "gemini: API key rejected (400 API_KEY_INVALID) — check the key in the provider's "
           "api_key_env variable");

  auto region = parse(gemini_ep(), 400,
                      google_error(400, "FAILED_PRECONDITION",
                                   "User location is not supported for the API use without a billing account linked."));
  CHECK(region.cls == outcome_class::broken);
  CHECK(region.message.find("billing") != std::string::npos);

  auto invalid = parse(gemini_ep(), 400,
                       google_error(400, "INVALID_ARGUMENT", "Invalid value at 'generation_config.temperature'"));
  CHECK(invalid.cls == outcome_class::bad_request);
  CHECK(invalid.error_code == "INVALID_ARGUMENT");

  auto big = parse(gemini_ep(), 400,
                   google_error(400, "INVALID_ARGUMENT",
                                "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."));
  CHECK(big.cls == outcome_class::too_big);

  auto denied = parse(gemini_ep(), 403,
                      google_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."));
  CHECK(denied.cls == outcome_class::broken);

  auto retired = parse(gemini_ep(), 404,
                       google_error(404, "NOT_FOUND",
                                    "models/gemini-1.5-flash is not found for API version v1beta, or is not supported for generateContent."));
  CHECK(retired.cls == outcome_class::broken);
  CHECK(retired.message
        == "gemini: model \"gemini-2.5-flash\" not found (404 NOT_FOUND) — update providers[].model "
           "in the config");

  auto wrong_path = parse(gemini_ep(), 404, "<html><title>Error 404 (Not Found)!!1</title></html>");
  CHECK(wrong_path.cls == outcome_class::broken);
  CHECK(wrong_path.message.find("providers[].base_url") != std::string::npos);

  for (int status : {500, 503, 504}) {
    auto res = parse(gemini_ep(), status,
                     google_error(status, status == 503 ? "UNAVAILABLE" : "INTERNAL", "The model is overloaded."));
    INFO(status);
    CHECK(res.cls == outcome_class::transient);
  }
}

// ---------------------------------------------------------------- robustness

TEST_CASE("garbage, empty and truncated bodies never crash", "[codec]") {
  const std::vector<std::pair<endpoint, std::string>> fixtures = {
      {ollama_ep(), ollama_ok}, {groq_ep(), groq_ok}, {hf_ep(), hf_ok}, {gemini_ep(), gemini_ok},
      {gemini_ep(), gemini_429("GenerateRequestsPerDayPerProjectPerModel", "20", "37s")},
  };
  for (const auto& [ep, body] : fixtures) {
    for (const char* junk : {"", "   ", "null", "[]", "42", "\"text\"", "{", "<html>oops</html>",
                             "{\"choices\":{}}", "{\"candidates\":[1,2]}", "{\"message\":7,\"done\":true}"}) {
      auto res = parse(ep, 200, junk);
      INFO(to_string(ep.kind) << " body: " << junk);
      if (res.cls == outcome_class::ok)
        CHECK(res.text.empty()); // only the lenient shapes without text may pass
      else
        CHECK(starts_with(res.message, ep.name + ": "));
    }
    // Every prefix of a valid body: no exception, and a 200 with a cut body is not "ok"
    // unless the prefix happens to be complete JSON.
    for (std::size_t n = 0; n < body.size(); ++n) {
      for (int status : {200, 429, 400, 503}) {
        call_result res;
        REQUIRE_NOTHROW(res = parse(ep, status, body.substr(0, n)));
        if (status == 200)
          CHECK(res.cls != outcome_class::ok);
        CHECK_FALSE(res.message.empty());
      }
    }
  }
  const std::string nested(300000, '[');
  for (const auto& ep : {ollama_ep(), groq_ep(), gemini_ep()}) {
    CHECK(parse(ep, 200, nested).cls == outcome_class::transient);
    CHECK(parse(ep, 500, nested).cls == outcome_class::transient);
  }
  auto huge_page = parse(hf_ep(), 502, std::string(4 * 1024 * 1024, 'z'));
  CHECK(huge_page.cls == outcome_class::transient);
  CHECK(huge_page.message.size() < 600);
  auto empty_200 = parse(groq_ep(), 200, "");
  CHECK(empty_200.cls == outcome_class::transient);
  CHECK(empty_200.message.find("groq: malformed JSON") == 0);
  auto empty_ollama = parse(ollama_ep(), 200, "\n\n");
  CHECK(empty_ollama.cls == outcome_class::transient);
  CHECK(empty_ollama.message.find("empty") != std::string::npos);
  auto long_body = parse(groq_ep(), 500, std::string(10000, 'x') + "\n\n" + std::string(10000, 'y'));
  CHECK(long_body.cls == outcome_class::transient);
  CHECK(long_body.message.size() < 600);
  CHECK(long_body.message.find('\n') == std::string::npos);
}

// ---------------------------------------------------------------- transport

TEST_CASE("transport failures", "[codec]") {
  auto refused = classify_transport(ollama_ep(), {transport_error_kind::connection_refused,
                                                  "connect to 127.0.0.1:11434: refused"});
  CHECK(refused.cls == outcome_class::unreachable);
  CHECK(refused.http_status == 0);
  CHECK(refused.message == "ollama: connection refused at 127.0.0.1:11434");

  auto dns = classify_transport(groq_ep(), {transport_error_kind::dns, "Host not found"});
  CHECK(dns.cls == outcome_class::unreachable);
  CHECK(dns.message == "groq: cannot resolve host api.groq.com (Host not found)");

  auto tls = classify_transport(gemini_ep(), {transport_error_kind::tls, "certificate verify failed"});
  CHECK(tls.cls == outcome_class::unreachable);
  CHECK(tls.message.find("generativelanguage.googleapis.com:443") != std::string::npos);
  CHECK(tls.message.find("certificate verify failed") != std::string::npos);

  auto bad_url_ep = ollama_ep();
  bad_url_ep.base_url = "ftp://nowhere";
  auto bad_url = classify_transport(bad_url_ep, {transport_error_kind::bad_url, ""});
  CHECK(bad_url.cls == outcome_class::unreachable);
  CHECK(bad_url.message.find("providers[].base_url") != std::string::npos);

  for (auto kind : {transport_error_kind::connect_timeout, transport_error_kind::tls_timeout,
                    transport_error_kind::first_byte_timeout, transport_error_kind::total_timeout,
                    transport_error_kind::reset, transport_error_kind::protocol,
                    transport_error_kind::too_large, transport_error_kind::cancelled}) {
    auto res = classify_transport(groq_ep(), {kind, ""});
    INFO(to_string(kind));
    CHECK(res.cls == outcome_class::transient);
    CHECK(starts_with(res.message, "groq: "));
    CHECK(res.message.find("api.groq.com:443") != std::string::npos);
  }
}
