// The fake LLM server: its pure parts (windows, emulator, prose) directly, its wire
// behaviour end to end against the built binary.

// The fake's sources belong to the zega-fake-llm program, not to zega_core; compiling the
// socket-free parts into this test keeps them testable without a CMake change.
#include "tools/fake_llm/emulation.hpp"
#include "tools/fake_llm/prose.hpp"

#include "loopback_http.hpp"
#include "tools/child_process.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <csignal>
#include <set>
#include <sstream>

using namespace zega::fake;
using namespace std::chrono_literals;
using zega::test::http_call;
using zega::test::raw_conn;

namespace {

std::set<std::string> shingles(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(w);
  std::set<std::string> out;
  for (std::size_t i = 0; i + 2 < words.size(); ++i)
    out.insert(words[i] + " " + words[i + 1] + " " + words[i + 2]);
  return out;
}

double jaccard(const std::string& a, const std::string& b) {
  auto sa = shingles(a), sb = shingles(b);
  std::size_t common = 0;
  for (const auto& s : sa)
    common += sb.count(s);
  auto all = sa.size() + sb.size() - common;
  return all ? static_cast<double>(common) / static_cast<double>(all) : 1.0;
}

int count_paragraphs(const std::string& text) {
  int n = 1;
  for (std::size_t at = text.find("\n\n"); at != std::string::npos; at = text.find("\n\n", at + 2))
    ++n;
  return n;
}

} // namespace

TEST_CASE("sliding window never admits more than N in any trailing window", "[fake]") {
  sliding_window w;
  const auto window = duration(60s);
  const std::int64_t limit = 5;
  const time_point t0{};
  std::vector<time_point> admitted;
  // Arrivals every 7 s with bursts; admit whenever the window says it fits now.
  for (int i = 0; i < 200; ++i) {
    auto now = t0 + std::chrono::seconds(7 * i / 3) + std::chrono::milliseconds(i % 3);
    auto at = w.fits_at(now, window, limit, 1);
    REQUIRE(at);
    if (*at <= now) {
      w.add(now, 1);
      admitted.push_back(now);
    } else {
      CHECK(w.used(now, window) == limit);
    }
  }
  REQUIRE(admitted.size() > 20);
  for (std::size_t i = 0; i < admitted.size(); ++i) {
    int in_window = 0;
    for (std::size_t j = 0; j <= i; ++j)
      in_window += admitted[j] + window > admitted[i];
    CHECK(in_window <= limit);
  }
}

TEST_CASE("sliding window reports exactly when a slot frees", "[fake]") {
  sliding_window w;
  const auto window = duration(60s);
  const time_point t0{};
  w.add(t0, 1);
  w.add(t0 + 10s, 1);
  w.add(t0 + 20s, 1);
  CHECK(*w.fits_at(t0 + 30s, window, 3, 1) == t0 + 60s);
  CHECK(*w.fits_at(t0 + 30s, window, 3, 2) == t0 + 70s);
  CHECK_FALSE(w.fits_at(t0 + 30s, window, 3, 4));
  CHECK(w.next_release(t0 + 30s, window) == duration(30s));
  CHECK(*w.fits_at(t0 + 60s, window, 3, 1) == t0 + 60s);
  CHECK(w.used(t0 + 80s, window) == 0);
}

TEST_CASE("emulator applies limits with the time scale and names the binding window", "[fake]") {
  emulator emu(60.0); // a minute lasts one second, a day 24 minutes
  REQUIRE(emu.apply_config(R"({"providers":{"gemini":{"limits":{"rpm":2,"rpd":3,"tpm":0}}}})").empty());
  const time_point t0{};
  generation_request req{provider_kind::gemini, "gemini-2.5-flash", std::string("k"), 10};
  CHECK(emu.admit(req, t0).v == verdict::serve);
  CHECK(emu.admit(req, t0 + 100ms).v == verdict::serve);
  auto limited = emu.admit(req, t0 + 200ms);
  CHECK(limited.v == verdict::rate_limited);
  CHECK(limited.hit == limit_kind::rpm);
  CHECK(limited.retry_after == duration(800ms));
  CHECK(emu.admit(req, t0 + 1000ms).v == verdict::serve);
  auto daily = emu.admit(req, t0 + 2000ms);
  CHECK(daily.v == verdict::rate_limited);
  CHECK(daily.hit == limit_kind::rpd);
  CHECK(daily.retry_after == duration(24min) - duration(2000ms));
  CHECK(emu.snapshot(provider_kind::gemini, t0).limit_requests == 3);
}

TEST_CASE("emulator checks keys, models, concurrency and fault counts", "[fake]") {
  emulator emu;
  const time_point t0{};
  REQUIRE(emu.apply_config(R"({"providers":{"groq":{"invalid_keys":["bad"],"max_concurrency":1,
    "limits":{"rpm":0,"tpm":0,"rpd":0}}}})").empty());
  generation_request req{provider_kind::groq, "openai/gpt-oss-20b", std::string("k"), 10};
  CHECK(emu.admit({provider_kind::groq, req.model, std::nullopt, 1}, t0).v == verdict::missing_key);
  CHECK(emu.admit({provider_kind::groq, req.model, std::string("bad"), 1}, t0).v
        == verdict::invalid_key);
  CHECK(emu.admit({provider_kind::groq, "llama-3.1-70b-versatile", std::string("k"), 1}, t0).v
        == verdict::decommissioned);
  CHECK(emu.admit({provider_kind::groq, "no-such-model", std::string("k"), 1}, t0).v
        == verdict::unknown_model);
  CHECK(emu.admit(req, t0).v == verdict::serve);
  CHECK(emu.admit(req, t0).v == verdict::busy);
  emu.release(provider_kind::groq);
  CHECK(emu.admit(req, t0).v == verdict::serve);
  emu.release(provider_kind::groq);

  REQUIRE(emu.apply_config(R"({"providers":{"groq":{"fault":"500","fault_count":2}}})").empty());
  CHECK(emu.admit(req, t0).fault == "500");
  CHECK(emu.admit(req, t0).fault == "500");
  CHECK(emu.admit(req, t0).v == verdict::serve);
  emu.release(provider_kind::groq);
  REQUIRE(emu.apply_config(R"({"providers":{"groq":{"fault":"hang"}}})").empty());
  for (int i = 0; i < 5; ++i)
    CHECK(emu.admit(req, t0).fault == "hang");
  REQUIRE(emu.apply_config(R"({"providers":{"groq":{"fault":"none"}}})").empty());
  CHECK(emu.admit(req, t0).v == verdict::serve);

  // Ollama model names default to the ":latest" tag and need no key.
  CHECK(emu.admit({provider_kind::ollama, "llama3.2", std::nullopt, 1}, t0).v == verdict::serve);
}

TEST_CASE("emulator rejects bad config without applying any of it", "[fake]") {
  emulator emu;
  auto before = emu.settings(provider_kind::groq).lim.rpm;
  CHECK_FALSE(emu.apply_config(R"({"providers":{"groq":{"limits":{"rpm":5}},"nope":{}}})").empty());
  CHECK_FALSE(emu.apply_config(R"({"providers":{"groq":{"fault":"explode"}}})").empty());
  CHECK_FALSE(emu.apply_config(R"({"providers":{"groq":{"limit":{}}}})").empty());
  CHECK_FALSE(emu.apply_config(R"({"time_scale":0})").empty());
  CHECK_FALSE(emu.apply_config("not json").empty());
  CHECK(emu.settings(provider_kind::groq).lim.rpm == before);
}

TEST_CASE("go_duration formats like Go", "[fake]") {
  CHECK(go_duration(duration(0)) == "0s");
  CHECK(go_duration(duration(120ms)) == "120ms");
  CHECK(go_duration(duration(7660ms)) == "7.66s");
  CHECK(go_duration(duration(179560ms)) == "2m59.56s");
  CHECK(go_duration(duration(3600s + 5s)) == "1h0m5s");
}

TEST_CASE("prose element and length follow the prompt", "[fake]") {
  CHECK(infer_spec("Write a dialogue between two characters. Use 5 to 10 lines").kind
        == prose_kind::dialogue);
  CHECK(infer_spec("Write a scene where a character arrives, about 150 words").kind
        == prose_kind::scene);
  CHECK(infer_spec("Write a character in the horror genre").kind == prose_kind::character);
  auto setting = infer_spec("Write a setting in the fantasy genre, about 100 words in one or two paragraphs");
  CHECK(setting.kind == prose_kind::setting);
  CHECK(setting.words == 100);
  CHECK(setting.genre == "fantasy");
  auto lines = infer_spec("dialogue, 4 to 6 lines");
  CHECK(lines.lines_min == 4);
  CHECK(lines.lines_max == 6);

  for (std::uint64_t i = 0; i < 30; ++i) {
    auto scene = write_prose(infer_spec("Write a scene, about 150 words"), 7, i);
    CHECK(count_words(scene) >= 125);
    CHECK(count_words(scene) <= 180);
    CHECK(count_paragraphs(scene) >= 2);
    CHECK(count_paragraphs(scene) <= 3);
    auto character = write_prose(infer_spec("Write a character, about 150 words"), 7, i);
    CHECK(count_words(character) >= 125);
    CHECK(count_words(character) <= 180);
    CHECK(count_paragraphs(character) == 2);
    auto place = write_prose(infer_spec("Write a setting in the western genre, about 100 words"), 7, i);
    CHECK(count_words(place) >= 80);
    CHECK(count_words(place) <= 125);
    auto talk = write_prose(infer_spec("Write a dialogue. Use 5 to 10 lines"), 7, i);
    int n = 0;
    std::istringstream in(talk);
    for (std::string line; std::getline(in, line); ++n) {
      auto colon = line.find(": ");
      CHECK(colon != std::string::npos);
      CHECK(colon < 12);
    }
    CHECK(n >= 5);
    CHECK(n <= 10);
    CHECK(count_words(talk) <= 200);
  }
}

TEST_CASE("prose is deterministic per seed and varied across requests", "[fake]") {
  auto spec = infer_spec("Write a scene in the mystery genre, about 150 words");
  CHECK(write_prose(spec, 3, 10) == write_prose(spec, 3, 10));
  CHECK(write_prose(spec, 3, 10) != write_prose(spec, 4, 10));
  for (std::uint64_t i = 0; i < 20; ++i) {
    auto a = write_prose(spec, 3, i), b = write_prose(spec, 3, i + 1);
    CHECK(jaccard(a, b) < 0.35);
  }
}

TEST_CASE("prose is about the premise the prompt gives", "[fake]") {
  const std::string premise =
    "a border guard who wants to win a garden in the lottery, but the ministry rewrites "
    "yesterday every morning, in a ration hall, during the coldest winter in memory";
  for (const std::string& prompt :
       {"Write a scene for a dystopia story about " + premise + ". Use 2 to 3 paragraphs, "
        "about 150 words in total.",
        "Write a character profile, of someone at the heart of this premise: " + premise
          + ". Describe their appearance and personality, then tell their backstory, about 150 "
            "words in total.",
        "Write a setting description, the place where this premise unfolds: " + premise
          + ". Describe the place through sight, sound, smell and touch, about 100 words."}) {
    INFO(prompt);
    const auto spec = infer_spec(prompt);
    REQUIRE(spec.premise);
    CHECK(spec.premise->who == "a border guard");
    CHECK(spec.premise->wants == "to win a garden in the lottery");
    CHECK(spec.premise->obstacle == "the ministry rewrites yesterday every morning");
    CHECK(spec.premise->place == "a ration hall");
    CHECK(spec.premise->when == "during the coldest winter in memory");
    const auto text = write_prose(spec, 5, 1);
    INFO(text);
    // Two sentences carry the premise; the template slots are all filled.
    CHECK((text.find("ration hall") != std::string::npos
           || text.find("garden in the lottery") != std::string::npos
           || text.find("the ministry rewrites") != std::string::npos));
    CHECK(text.find('{') == std::string::npos);
  }
  // A free-form topic (a user's own) has no premise to weave in.
  CHECK_FALSE(infer_spec("Write a scene about the sea at night, about 150 words").premise);
  CHECK(fill_premise("{the_who} hopes to {wants_bare} in {the_place}.",
                     *find_premise("about " + premise + "."))
        == "the border guard hopes to win a garden in the lottery in the ration hall.");
}

#ifdef ZEGA_FAKE_LLM_BIN

namespace {

// The built server in a child process (tools/child_process.hpp); killed on destruction.
class fake_process {
public:
  explicit fake_process(std::vector<std::string> args) {
    args.insert(args.begin(), {ZEGA_FAKE_LLM_BIN});
    REQUIRE(proc_.start(args));
    auto p = proc_.wait_for_line("^zega-fake-llm listening on 127\\.0\\.0\\.1:([0-9]+)$",
                                 std::chrono::seconds(5));
    if (!p.empty())
      port = static_cast<std::uint16_t>(std::stoi(p));
  }
  // SIGTERM; the exit status (-1 when it did not exit in time).
  int stop() {
    proc_.signal(SIGTERM);
    return proc_.wait_exit(std::chrono::seconds(5));
  }

  std::uint16_t port = 0;

private:
  zega::tools::child_process proc_;
};

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

const std::vector<std::pair<std::string, std::string>> groq_auth = {{"Authorization", "Bearer k"}};
const std::vector<std::pair<std::string, std::string>> gemini_auth = {{"x-goog-api-key", "k"}};
const std::string openai_body =
  R"({"model":"openai/gpt-oss-20b","messages":[{"role":"user","content":"Write a scene, about 150 words"}]})";
const std::string gemini_body =
  R"({"contents":[{"role":"user","parts":[{"text":"Write a setting, about 100 words"}]}]})";

void configure(std::uint16_t port, const std::string& json) {
  auto r = http_call(port, "POST", "/_fake/config", json);
  REQUIRE(r.status == 200);
}

} // namespace

TEST_CASE("fake server: groq 429 carries retry-after, x-ratelimit-* and the real body", "[fake]") {
  fake_process fake({"--time-scale", "60", "--seed", "5", "--log", "/dev/null"});
  REQUIRE(fake.port != 0);
  configure(fake.port, R"({"providers":{"groq":{"limits":{"rpm":2,"tpm":100000,"rpd":50}}}})");
  auto ok = http_call(fake.port, "POST", "/openai/v1/chat/completions", openai_body, groq_auth);
  REQUIRE(ok.status == 200);
  REQUIRE(ok.header("x-ratelimit-remaining-requests"));
  CHECK(*ok.header("x-ratelimit-remaining-requests") == "49");
  CHECK(*ok.header("x-ratelimit-limit-tokens") == "100000");
  auto doc = parse(ok.body);
  REQUIRE(doc.IsObject());
  CHECK(std::string(doc["object"].GetString()) == "chat.completion");
  CHECK(doc["usage"]["completion_tokens"].GetInt() > 100);
  CHECK(http_call(fake.port, "POST", "/openai/v1/chat/completions", openai_body, groq_auth).status
        == 200);
  auto limited = http_call(fake.port, "POST", "/openai/v1/chat/completions", openai_body, groq_auth);
  REQUIRE(limited.status == 429);
  REQUIRE(limited.header("retry-after"));
  double retry = std::stod(*limited.header("retry-after"));
  CHECK(retry > 0.0);
  CHECK(retry <= 1.0); // a minute lasts one second here
  CHECK(limited.header("x-ratelimit-reset-requests"));
  auto err = parse(limited.body);
  REQUIRE(err.IsObject());
  CHECK(std::string(err["error"]["code"].GetString()) == "rate_limit_exceeded");
  CHECK(std::string(err["error"]["type"].GetString()) == "requests");
  CHECK(std::string(err["error"]["message"].GetString()).find("Please try again in")
        != std::string::npos);

  auto no_key = http_call(fake.port, "POST", "/openai/v1/chat/completions", openai_body);
  CHECK(no_key.status == 401);
  CHECK(no_key.body.find("invalid_api_key") != std::string::npos);
  auto retired = http_call(fake.port, "POST", "/openai/v1/chat/completions",
                           R"({"model":"llama-3.1-70b-versatile","messages":[]})", groq_auth);
  CHECK(retired.status == 400);
  CHECK(retired.body.find("model_decommissioned") != std::string::npos);

  auto stats = parse(http_call(fake.port, "GET", "/_fake/stats").body);
  REQUIRE(stats.IsObject());
  const auto& groq = stats["providers"]["groq"];
  CHECK(groq["requests"].GetInt() == 5);
  CHECK(groq["served"].GetInt() == 2);
  CHECK(groq["rate_limited"].GetInt() == 1);
  CHECK(groq["by_status"]["401"].GetInt() == 1);
  CHECK(stats["total"]["wasted"].GetInt() == 1);
  CHECK(fake.stop() == 0);
}

TEST_CASE("fake server: gemini 429 names PerMinute or PerDay quota", "[fake]") {
  fake_process fake({"--time-scale", "60", "--log", "/dev/null"});
  REQUIRE(fake.port != 0);
  const std::string path = "/v1beta/models/gemini-2.5-flash:generateContent";
  configure(fake.port, R"({"providers":{"gemini":{"limits":{"rpm":1,"rpd":100}}}})");
  auto ok = http_call(fake.port, "POST", path, gemini_body, gemini_auth);
  REQUIRE(ok.status == 200);
  CHECK(parse(ok.body)["candidates"][0]["finishReason"] == "STOP");
  auto minute = http_call(fake.port, "POST", path, gemini_body, gemini_auth);
  REQUIRE(minute.status == 429);
  CHECK(minute.body.find("RESOURCE_EXHAUSTED") != std::string::npos);
  CHECK(minute.body.find("PerMinute") != std::string::npos);
  CHECK(minute.body.find("\"retryDelay\"") != std::string::npos);

  REQUIRE(http_call(fake.port, "POST", "/_fake/reset").status == 200);
  configure(fake.port, R"({"providers":{"gemini":{"limits":{"rpm":100,"rpd":1}}}})");
  CHECK(http_call(fake.port, "POST", path, gemini_body, gemini_auth).status == 200);
  auto day = http_call(fake.port, "POST", path, gemini_body, gemini_auth);
  REQUIRE(day.status == 429);
  CHECK(day.body.find("GenerateRequestsPerDayPerProjectPerModel-FreeTier") != std::string::npos);

  configure(fake.port, R"({"providers":{"gemini":{"invalid_keys":["bad"]}}})");
  auto bad = http_call(fake.port, "POST", path, gemini_body, {{"x-goog-api-key", "bad"}});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("API_KEY_INVALID") != std::string::npos);
  auto unknown = http_call(fake.port, "POST", "/v1beta/models/gemini-1.5-flash:generateContent",
                           gemini_body, gemini_auth);
  CHECK(unknown.status == 404);
  CHECK(unknown.body.find("NOT_FOUND") != std::string::npos);
}

TEST_CASE("fake server: ollama streams NDJSON, honours stream:false, and answers 503 when busy",
          "[fake]") {
  fake_process fake({"--latency-ms", "40", "--log", "/dev/null"});
  REQUIRE(fake.port != 0);
  const std::string prompt = R"("messages":[{"role":"user","content":"Write a dialogue. Use 5 to 10 lines"}])";
  auto whole = http_call(fake.port, "POST", "/api/chat",
                         R"({"model":"llama3.2","stream":false,)" + prompt + "}");
  REQUIRE(whole.status == 200);
  auto doc = parse(whole.body);
  REQUIRE(doc.IsObject());
  CHECK(doc["done"].GetBool());
  CHECK(doc["eval_count"].GetInt() > 0);
  CHECK(std::string(doc["message"]["content"].GetString()).find(": ") != std::string::npos);

  auto streamed = http_call(fake.port, "POST", "/api/chat", R"({"model":"llama3.2",)" + prompt + "}");
  REQUIRE(streamed.ok);
  CHECK(*streamed.header("content-type") == "application/x-ndjson");
  CHECK(streamed.chunks.size() > 3);
  std::istringstream lines(streamed.body);
  std::string line, text;
  bool done = false;
  int n = 0;
  while (std::getline(lines, line)) {
    auto obj = parse(line);
    REQUIRE(obj.IsObject());
    text += obj["message"]["content"].GetString();
    done = obj["done"].GetBool();
    ++n;
  }
  CHECK(done);
  CHECK(n == static_cast<int>(streamed.chunks.size()));
  CHECK(text.find(": ") != std::string::npos);

  auto missing = http_call(fake.port, "POST", "/api/generate", R"({"model":"nope","prompt":"x"})");
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"error":"model \"nope\" not found, try pulling it first"})");

  configure(fake.port, R"({"providers":{"ollama":{"max_concurrency":1,"latency_ms":400}}})");
  raw_conn first(fake.port);
  REQUIRE(first.request("POST", "/api/generate", R"({"model":"llama3.2","stream":false,"prompt":"a scene"})"));
  // Wait (bounded) until the first request is admitted and in flight.
  int in_flight = 0;
  for (int i = 0; i < 100 && in_flight == 0; ++i)
    in_flight = parse(http_call(fake.port, "GET", "/_fake/stats").body)["providers"]["ollama"]
                  ["in_flight"].GetInt();
  REQUIRE(in_flight == 1);
  auto busy = http_call(fake.port, "POST", "/api/generate",
                        R"({"model":"llama3.2","stream":false,"prompt":"a scene"})");
  CHECK(busy.status == 503);
  CHECK(busy.body
        == R"({"error":"server busy, please try again.  maximum pending requests exceeded"})");
  CHECK(first.read_response().status == 200);
  CHECK(http_call(fake.port, "GET", "/api/version").status == 200);
  CHECK(http_call(fake.port, "GET", "/").body == "Ollama is running");
}

TEST_CASE("fake server: injected faults last exactly fault_count requests", "[fake]") {
  fake_process fake({"--log", "/dev/null"});
  REQUIRE(fake.port != 0);
  const std::string path = "/v1/chat/completions";
  const std::string body =
    R"({"model":"meta-llama/Llama-3.1-8B-Instruct:fastest","messages":[{"role":"user","content":"Write a character"}]})";
  configure(fake.port, R"({"providers":{"huggingface":{"fault":"502","fault_count":2}}})");
  CHECK(http_call(fake.port, "POST", path, body, groq_auth).status == 502);
  CHECK(http_call(fake.port, "POST", path, body, groq_auth).status == 502);
  CHECK(http_call(fake.port, "POST", path, body, groq_auth).status == 200);

  configure(fake.port, R"({"providers":{"huggingface":{"fault":"reset","fault_count":1}}})");
  CHECK_FALSE(http_call(fake.port, "POST", path, body, groq_auth).ok);
  configure(fake.port, R"({"providers":{"huggingface":{"fault":"truncated_json","fault_count":1}}})");
  auto truncated = http_call(fake.port, "POST", path, body, groq_auth);
  CHECK_FALSE(truncated.ok);
  configure(fake.port, R"({"providers":{"huggingface":{"fault":"malformed_json","fault_count":1}}})");
  auto malformed = http_call(fake.port, "POST", path, body, groq_auth);
  CHECK(malformed.status == 200);
  CHECK(parse(malformed.body).HasParseError());
  configure(fake.port, R"({"providers":{"huggingface":{"fault":"hang","fault_count":1}}})");
  {
    raw_conn c(fake.port, 300);
    REQUIRE(c.request("POST", path, body, groq_auth));
    CHECK_FALSE(c.read_response().ok); // nothing within the client's timeout
  }
  CHECK(http_call(fake.port, "POST", path, body, groq_auth).status == 200);

  auto stats = parse(http_call(fake.port, "GET", "/_fake/stats").body);
  const auto& hf = stats["providers"]["huggingface"];
  CHECK(hf["requests"].GetInt() == 8);
  CHECK(hf["served"].GetInt() == 2);
  CHECK(hf["faults"].GetInt() == 6);
  CHECK(hf["by_status"]["502"].GetInt() == 2);
  CHECK(hf["by_status"]["reset"].GetInt() == 1);
  CHECK(hf["by_status"]["hang"].GetInt() == 1);

  CHECK(http_call(fake.port, "POST", "/_fake/config", R"({"providers":{"x":{}}})").status == 400);
  auto config = parse(http_call(fake.port, "GET", "/_fake/config").body);
  REQUIRE(config.IsObject());
  CHECK(std::string(config["providers"]["huggingface"]["fault"].GetString()) == "none");
  CHECK(config["providers"]["groq"]["limits"]["rpm"].GetInt() == 30);
  CHECK(fake.stop() == 0);
}

TEST_CASE("fake server: OpenAI and Gemini SSE streams", "[fake]") {
  fake_process fake({"--latency-ms", "20", "--log", "/dev/null"});
  REQUIRE(fake.port != 0);
  auto sse = http_call(fake.port, "POST", "/openai/v1/chat/completions",
                       R"({"model":"openai/gpt-oss-20b","stream":true,"stream_options":{"include_usage":true},
                           "messages":[{"role":"user","content":"Write a setting, about 100 words"}]})",
                       groq_auth);
  REQUIRE(sse.ok);
  CHECK(*sse.header("content-type") == "text/event-stream");
  CHECK(sse.header("x-ratelimit-remaining-tokens"));
  std::string text;
  bool usage = false, done = false;
  for (const auto& chunk : sse.chunks) {
    REQUIRE(chunk.rfind("data: ", 0) == 0);
    REQUIRE(chunk.size() > 8);
    CHECK(chunk.substr(chunk.size() - 2) == "\n\n");
    auto payload = chunk.substr(6, chunk.size() - 8);
    if (payload == "[DONE]") {
      done = true;
      continue;
    }
    auto obj = parse(payload);
    REQUIRE(obj.IsObject());
    if (obj["choices"].Empty()) {
      usage = obj["usage"]["completion_tokens"].GetInt() > 0;
      continue;
    }
    if (obj["choices"][0]["delta"].HasMember("content"))
      text += obj["choices"][0]["delta"]["content"].GetString();
  }
  CHECK(done);
  CHECK(usage);
  CHECK(count_words(text) >= 80);

  auto gem = http_call(fake.port, "POST",
                       "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", gemini_body,
                       gemini_auth);
  REQUIRE(gem.ok);
  REQUIRE(gem.chunks.size() > 2);
  auto last = parse(gem.chunks.back().substr(6));
  REQUIRE(last.IsObject());
  CHECK(last["candidates"][0]["finishReason"] == "STOP");
  CHECK(last["usageMetadata"]["candidatesTokenCount"].GetInt() > 0);
  CHECK(gem.body.find("[DONE]") == std::string::npos);
}

TEST_CASE("fake server: slow_body trickles a valid body and max_tokens truncates", "[fake]") {
  fake_process fake({"--log", "/dev/null"});
  REQUIRE(fake.port != 0);
  configure(fake.port,
            R"({"providers":{"groq":{"fault":"slow_body","fault_count":1,"slow_body_ms":300}}})");
  auto start = std::chrono::steady_clock::now();
  auto slow = http_call(fake.port, "POST", "/openai/v1/chat/completions", openai_body, groq_auth);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(slow.ok);
  CHECK(took >= 250ms);
  CHECK(slow.chunks.size() > 10);
  CHECK_FALSE(parse(slow.body).HasParseError());

  auto capped = http_call(fake.port, "POST", "/api/chat",
                          R"({"model":"llama3.2","stream":false,"options":{"num_predict":20},
                              "messages":[{"role":"user","content":"Write a scene"}]})");
  auto doc = parse(capped.body);
  REQUIRE(doc.IsObject());
  CHECK(std::string(doc["done_reason"].GetString()) == "length");
  CHECK(count_words(doc["message"]["content"].GetString()) <= 16);
}

TEST_CASE("fake server: same seed, same texts", "[fake]") {
  std::string texts[2];
  for (auto& t : texts) {
    fake_process fake({"--seed", "42", "--log", "/dev/null"});
    REQUIRE(fake.port != 0);
    for (int i = 0; i < 2; ++i) {
      auto r = http_call(fake.port, "POST", "/openai/v1/chat/completions", openai_body, groq_auth);
      REQUIRE(r.status == 200);
      t += parse(r.body)["choices"][0]["message"]["content"].GetString();
    }
  }
  CHECK(texts[0] == texts[1]);
  CHECK(texts[0].size() > 500);
}

#endif
