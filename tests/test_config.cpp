#include "config/config.hpp"
#include "tests/config_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace zega;
using zega::test::isolated;
using zega::test::messages;

namespace {

bool has_message(const load_result& r, const std::string& m) {
  const auto all = messages(r);
  return std::find(all.begin(), all.end(), m) != all.end();
}

const provider_config& provider(const config& c, const std::string& name) {
  for (const auto& p : c.providers)
    if (p.name == name)
      return p;
  FAIL("no provider " << name);
  return c.providers.front();
}

std::filesystem::path source_dir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path();
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A file under the temp directory that removes itself.
struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& content) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path()
           / ("zega-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::ofstream(path) << content;
  }
  ~temp_file() { std::filesystem::remove(path); }
};

} // namespace

TEST_CASE("default config: four providers in the seed's order", "[config]") {
  const config c = default_config();
  REQUIRE(c.providers.size() == 4);
  CHECK(c.providers[0].name == "ollama");
  CHECK(c.providers[1].name == "groq");
  CHECK(c.providers[2].name == "gemini");
  CHECK(c.providers[3].name == "huggingface");
  for (int i = 0; i < 4; ++i)
    CHECK(c.providers[i].priority == i + 1);

  CHECK(c.providers[0].kind == provider_kind::ollama);
  CHECK(c.providers[0].base_url == "http://127.0.0.1:11434");
  CHECK(c.providers[0].limits.max_in_flight == 1);
  CHECK_FALSE(c.providers[0].needs_key());

  const auto& groq = c.providers[1];
  CHECK(groq.kind == provider_kind::openai);
  CHECK(groq.model == "openai/gpt-oss-20b");
  CHECK(groq.limits.rpm == 30);
  CHECK(groq.limits.rpd == 1000);
  CHECK(groq.limits.tpm == 8000);
  CHECK(groq.limits.tpd == 200000);
  CHECK(groq.api_key_env == std::vector<std::string>{"GROQ_API_KEY"});

  const auto& gemini = c.providers[2];
  CHECK(gemini.kind == provider_kind::gemini);
  CHECK(gemini.model == "gemini-2.5-flash-lite");
  CHECK(gemini.limits.rpd == 20);
  CHECK(gemini.api_key_env == std::vector<std::string>{"GEMINI_API_KEY", "GOOGLE_API_KEY"});

  const auto& hf = c.providers[3];
  CHECK(hf.base_url == "https://router.huggingface.co/v1");
  CHECK(hf.api_key_env.front() == "HF_TOKEN");

  const auto preset = provider_preset("gemini");
  REQUIRE(preset);
  CHECK(preset->base_url == gemini.base_url);
  CHECK_FALSE(provider_preset("claude"));

  // An empty document is the defaults, valid as they are.
  const auto r = parse_config("{}", isolated());
  INFO(messages(r).size());
  REQUIRE(r.cfg);
  CHECK(r.cfg->providers.size() == 4);
  CHECK(r.cfg->server.listen == "127.0.0.1:8002");
}

TEST_CASE("missing keys disable cloud providers and say which variable", "[config]") {
  const auto r = parse_config("{}", isolated());
  REQUIRE(r.cfg);
  CHECK(provider(*r.cfg, "ollama").enabled);
  CHECK(provider(*r.cfg, "ollama").disabled_reason.empty());
  CHECK_FALSE(provider(*r.cfg, "groq").enabled);
  CHECK(provider(*r.cfg, "groq").disabled_reason == "no API key: set GROQ_API_KEY");
  CHECK(provider(*r.cfg, "gemini").disabled_reason
        == "no API key: set GEMINI_API_KEY or GOOGLE_API_KEY");
  CHECK(provider(*r.cfg, "huggingface").disabled_reason
        == "no API key: set HF_TOKEN, HUGGING_FACE_HUB_TOKEN or HUGGINGFACEHUB_API_TOKEN");
}

TEST_CASE("validation errors name the field path and the problem", "[config]") {
  SECTION("negative limit") {
    const auto r = parse_config(
      R"({"providers":[{"name":"ollama"},{"name":"groq","limits":{"rpm":-3}}]})", isolated());
    CHECK_FALSE(r.cfg);
    CHECK(has_message(r, "providers[1].limits.rpm: expected a positive integer, got -3"));
  }
  SECTION("pacing") {
    const auto r = parse_config(R"({"routing":{"pacing":"fast"}})", isolated());
    CHECK(has_message(r, R"(routing.pacing: expected "adaptive" or "fixed", got "fast")"));
  }
  SECTION("kind") {
    const auto r = parse_config(
      R"({"providers":[{"name":"x","kind":"claude","base_url":"http://a","model":"m"}]})",
      isolated());
    CHECK(has_message(
      r, R"(providers[0].kind: expected "ollama", "openai" or "gemini", got "claude")"));
  }
  SECTION("base_url") {
    const auto r = parse_config(
      R"({"providers":[{"name":"ollama"},{"name":"groq"},
          {"name":"z","kind":"openai","base_url":"ftp://x","model":"m"}]})",
      isolated());
    CHECK(has_message(r, R"(providers[2].base_url: expected an http:// or https:// URL, got "ftp://x")"));
  }
  SECTION("duplicate names") {
    const auto r = parse_config(R"({"providers":[{"name":"groq"},{"name":"groq"}]})", isolated());
    CHECK(has_message(r, R"(providers[1].name: duplicate provider name "groq" (also providers[0]))"));
  }
  SECTION("invalid JSON reports the offset") {
    const auto r = parse_config(R"({"server": })", isolated());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].to_string().rfind("invalid JSON at offset 11: ", 0) == 0);
  }
  SECTION("all errors are collected") {
    const auto r = parse_config(
      R"({"routing":{"pacing":"fast","max_in_flight":0},
          "quality":{"memory_threshold":11},
          "storage":{"on_interrupted":"drop"}})",
      isolated());
    CHECK_FALSE(r.cfg);
    CHECK(r.errors.size() == 4);
    CHECK(has_message(r, "routing.max_in_flight: expected a positive integer, got 0"));
    CHECK(has_message(r, "quality.memory_threshold: expected a number from 0.0 to 10.0, got 11"));
  }
  SECTION("a provider without a preset needs kind, base_url and model") {
    const auto r = parse_config(R"({"providers":[{"name":"mine"}]})", isolated());
    CHECK(r.errors.size() == 3);
    CHECK(r.errors[0].path == "providers[0].kind");
  }
  SECTION("secrets are refused in the file") {
    const auto r = parse_config(R"({"providers":[{"name":"groq","api_key":"gsk_x"}]})", isolated());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "providers[0].api_key");
    CHECK(r.errors[0].problem.find("gsk_x") == std::string::npos);
  }
}

TEST_CASE("unknown keys are errors at their nested path", "[config]") {
  const auto r = parse_config(
    R"({"routing":{"fixed":{"pause_mins":1}},
        "providers":[{"name":"groq","limits":{"rpx":5}}],
        "sever":{}})",
    isolated());
  CHECK_FALSE(r.cfg);
  REQUIRE(r.errors.size() == 3);
  std::set<std::string> paths;
  for (const auto& e : r.errors) {
    paths.insert(e.path);
    CHECK(e.problem.rfind("unknown key", 0) == 0);
  }
  CHECK(paths.count("routing.fixed.pause_mins") == 1);
  CHECK(paths.count("providers[0].limits.rpx") == 1);
  CHECK(paths.count("sever") == 1);
}

TEST_CASE("presets are overridden field by field", "[config]") {
  const auto r = parse_config(
    R"({"providers":[
         {"preset":"groq","name":"groq-big","model":"openai/gpt-oss-120b","limits":{"rpm":60}},
         {"name":"gemini","priority":1,"limits":{"rpd":null}}]})",
    isolated({{"GROQ_API_KEY", "k"}, {"GEMINI_API_KEY", "g"}}));
  INFO(messages(r).size());
  REQUIRE(r.cfg);
  REQUIRE(r.cfg->providers.size() == 2);
  const auto& big = r.cfg->providers[0];
  CHECK(big.name == "groq-big");
  CHECK(big.kind == provider_kind::openai);
  CHECK(big.base_url == "https://api.groq.com/openai/v1");
  CHECK(big.model == "openai/gpt-oss-120b");
  CHECK(big.limits.rpm == 60);
  CHECK(big.limits.rpd == 1000);
  CHECK(big.api_key_env == std::vector<std::string>{"GROQ_API_KEY"});
  const auto& gem = r.cfg->providers[1];
  CHECK(gem.kind == provider_kind::gemini);
  CHECK(gem.priority == 1);
  CHECK(gem.limits.rpd == 0);
  CHECK(gem.limits.rpm == 10);
}

TEST_CASE("API keys resolve from the environment overlay and .env", "[config]") {
  SECTION("override map, first non-empty variable wins") {
    const auto r = parse_config(
      "{}", isolated({{"GROQ_API_KEY", "gsk-one"}, {"GEMINI_API_KEY", ""},
                      {"GOOGLE_API_KEY", "goog-two"}, {"ZEGA_API_TOKEN", "tok"}}));
    REQUIRE(r.cfg);
    CHECK(provider(*r.cfg, "groq").api_key == "gsk-one");
    CHECK(provider(*r.cfg, "groq").enabled);
    CHECK(provider(*r.cfg, "gemini").api_key == "goog-two");
    CHECK(r.cfg->server.token == "tok");
    CHECK_FALSE(provider(*r.cfg, "huggingface").enabled);
  }
  SECTION(".env file") {
    temp_file env("# keys for zegad\n"
                  "export GROQ_API_KEY=\"gsk-from-dotenv\"\n"
                  "HUGGINGFACEHUB_API_TOKEN='hf-quoted'\n"
                  "GEMINI_API_KEY=gem-plain # my key\n"
                  "\n");
    auto opts = isolated({{"GEMINI_API_KEY", "gem-override"}});
    opts.env_file = env.path.string();
    const auto r = parse_config("{}", opts);
    INFO(messages(r).size());
    REQUIRE(r.cfg);
    CHECK(provider(*r.cfg, "groq").api_key == "gsk-from-dotenv");
    CHECK(provider(*r.cfg, "huggingface").api_key == "hf-quoted");
    CHECK(provider(*r.cfg, "gemini").api_key == "gem-override");

    temp_file plain("GEMINI_API_KEY=gem-plain # my key\n");
    opts = isolated();
    opts.env_file = plain.path.string();
    CHECK(provider(*parse_config("{}", opts).cfg, "gemini").api_key == "gem-plain");
  }
  SECTION("a malformed .env line is reported without its content") {
    temp_file env("GROQ_API_KEY gsk-secret\n");
    auto opts = isolated();
    opts.env_file = env.path.string();
    const auto r = parse_config("{}", opts);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == env.path.string() + ":1");
    CHECK(r.errors[0].to_string().find("gsk-secret") == std::string::npos);
  }
  SECTION("a named .env that does not exist is an error") {
    auto opts = isolated();
    opts.env_file = "/nonexistent/zega/.env";
    CHECK_FALSE(parse_config("{}", opts).cfg);
  }
}

TEST_CASE("to_json redacts secrets and shows why providers are off", "[config]") {
  const auto r = parse_config(
    "{}", isolated({{"GROQ_API_KEY", "gsk-very-secret-value"}, {"ZEGA_API_TOKEN", "tok-secret"}}));
  REQUIRE(r.cfg);
  const std::string json = to_json(*r.cfg);
  CHECK(json.find("gsk-very-secret-value") == std::string::npos);
  CHECK(json.find("tok-secret") == std::string::npos);
  CHECK(json.find("\"api_key\": \"***\"") != std::string::npos);
  CHECK(json.find("\"token\": \"***\"") != std::string::npos);
  CHECK(json.find("no API key: set GEMINI_API_KEY or GOOGLE_API_KEY") != std::string::npos);
  CHECK(json.find('\n') != std::string::npos);
  CHECK(to_json(*r.cfg, false).find('\n') == std::string::npos);
}

TEST_CASE("command-line options override the file", "[config]") {
  auto opts = isolated();
  opts.data_dir = "/var/lib/zega";
  opts.listen = "0.0.0.0:9000";
  const auto r = parse_config(R"({"storage":{"data_dir":"./x"}})", opts);
  REQUIRE(r.cfg);
  CHECK(r.cfg->storage.data_dir == "/var/lib/zega");
  CHECK(r.cfg->server.listen == "0.0.0.0:9000");

  opts.listen = "9000";
  const auto bad = parse_config("{}", opts);
  CHECK(has_message(bad, R"(--listen: expected host:port (port 0 = any free port), got "9000")"));
}

TEST_CASE("load_config reads the file or falls back to defaults", "[config]") {
  auto opts = isolated();
  CHECK(load_config(opts).cfg->providers.size() == 4);

  temp_file file(R"({"routing":{"pacing":"fixed"}})");
  opts.config_file = file.path.string();
  const auto r = load_config(opts);
  REQUIRE(r.cfg);
  CHECK(r.cfg->routing.pacing == "fixed");

  temp_file broken("{");
  opts.config_file = broken.path.string();
  const auto b = load_config(opts);
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].path == broken.path.string());

  opts.config_file = "/nonexistent/zegad.json";
  CHECK(load_config(opts).errors.at(0).path == "--config");
}

TEST_CASE("example configs parse", "[config]") {
  const auto dir = source_dir() / "config" / "examples";
  const auto keys = isolated({{"GROQ_API_KEY", "a"}, {"GEMINI_API_KEY", "b"}, {"HF_TOKEN", "c"},
                              {"ZEGA_DEMO_KEY", "demo"}});
  for (const char* name : {"zegad.example.json", "local-only.json", "demo.json"}) {
    INFO(name);
    const std::string text = slurp(dir / name);
    REQUIRE_FALSE(text.empty());
    const auto r = parse_config(text, keys);
    for (const auto& m : messages(r))
      UNSCOPED_INFO(m);
    REQUIRE(r.cfg);
    for (const auto& p : r.cfg->providers)
      CHECK(p.enabled);
  }
  const auto example = parse_config(slurp(dir / "zegad.example.json"), keys);
  REQUIRE(example.cfg);
  REQUIRE(example.cfg->providers.size() == 4);
  CHECK(example.cfg->providers[3].name == "huggingface");

  const auto local = parse_config(slurp(dir / "local-only.json"), keys);
  REQUIRE(local.cfg);
  REQUIRE(local.cfg->providers.size() == 1);
  CHECK(local.cfg->providers[0].kind == provider_kind::ollama);

  const auto demo = parse_config(slurp(dir / "demo.json"), keys);
  REQUIRE(demo.cfg);
  REQUIRE(demo.cfg->providers.size() == 4);
  CHECK(demo.cfg->providers[0].base_url == "http://127.0.0.1:11500");
  CHECK(demo.cfg->providers[1].base_url == "http://127.0.0.1:11500/openai/v1");
  CHECK(demo.cfg->providers[2].base_url == "http://127.0.0.1:11500/v1beta");
  CHECK(demo.cfg->providers[3].base_url == "http://127.0.0.1:11500/v1");
}
