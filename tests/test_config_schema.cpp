// The config schema table: new keys, their defaults and messages, the print/load round trip,
// hostile documents, and zegad's command line.

#include "config/command_line.hpp"
#include "config/config.hpp"
#include "tests/config_support.hpp"
#include "config/strings.hpp"
#include "training/genres.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace zega;
using zega::test::isolated;
using zega::test::messages;

namespace {

std::string quoted_name(const std::string& s) { return "\"" + s + "\""; }

// The single error a document produces.
std::string only_error(const std::string& json) {
  const auto r = parse_config(json, isolated());
  INFO(json);
  for (const auto& m : messages(r))
    UNSCOPED_INFO(m);
  REQUIRE(r.errors.size() == 1);
  return r.errors[0].to_string();
}

config parsed(const std::string& json, std::map<std::string, std::string> env = {}) {
  const auto r = parse_config(json, isolated(std::move(env)));
  for (const auto& m : messages(r))
    UNSCOPED_INFO(m);
  REQUIRE(r.cfg);
  return *r.cfg;
}

const char* zega_schedule = R"({"schedules": [{
  "name": "default", "user_id": "default", "timezone": "Europe/Berlin",
  "window": {"start": "01:00", "end": "07:00"},
  "genres": [], "elements": [], "min_votes": 1, "catch_up_days": 0,
  "phases": [
    {"days": 2, "per_day": 5},
    {"until_total": 50, "per_day": 10},
    {"per_day": {"min": 2, "max": 5}}
  ]}]})";

// A schedule document with one field of the first schedule replaced.
std::string schedule_with(const std::string& key, const std::string& value) {
  const std::string phases = key == "phases" ? "" : R"("phases":[{"per_day":1}],)";
  return R"({"schedules":[{"name":"s",)" + phases + "\"" + key + "\":" + value + "}]}";
}

} // namespace

TEST_CASE("new keys have their documented defaults", "[unit][config]") {
  const config c = parsed("{}");
  CHECK(c.server.cors_origins.empty());
  CHECK(c.server.allowed_hosts.empty());
  CHECK(c.server.max_connections == 512);
  CHECK(c.server.metrics_require_token);
  CHECK(c.server.sse_queue_max_events == 256);
  CHECK(c.routing.slack == Approx(0.1));
  CHECK(c.routing.max_wait_for_higher_ms == -1);
  CHECK(c.logging.level == "info");
  CHECK(c.quality.language == "en");
  CHECK_FALSE(c.quality.judge);
  CHECK(c.quality.dedup_jaccard == Approx(0.5));
  CHECK(c.quality.dedup_changed_words == 20);
  CHECK(c.prompts.no_repeat_within == 5000);
  CHECK_FALSE(c.prompts.topics_file);
  CHECK(c.finetune.threshold == 50);
  CHECK(c.quality.fine_tune_threshold == 50);
  CHECK_FALSE(c.finetune.auto_trigger);
  CHECK(c.finetune.base_model == "llama3.2"); // the ollama provider's model
  CHECK(c.finetune.max_examples == 20);
  CHECK(c.finetune.command.empty());
  CHECK_FALSE(c.finetune.system_prompt);
  CHECK(c.storage.finished_jobs_max_bytes == 64u << 20);
  CHECK(c.schedules.empty());

  const auto& ollama = c.providers[0];
  CHECK(ollama.limits.reserve_per_day == 0);
  CHECK_FALSE(ollama.day_reset.from_headers);
  CHECK(ollama.day_reset.timezone == "UTC");
  CHECK(ollama.day_reset.minute_of_day == 0);
  CHECK(c.providers[1].day_reset.from_headers); // groq
  CHECK(c.providers[2].day_reset.timezone == "America/Los_Angeles");
  CHECK(c.providers[2].day_reset.minute_of_day == 0);
  CHECK(c.providers[3].day_reset.timezone == "UTC");

  // base_model follows a configured ollama provider's model.
  const config own = parsed(R"({"providers":[{"name":"ollama","model":"qwen2.5:7b"}]})");
  CHECK(own.finetune.base_model == "qwen2.5:7b");
}

TEST_CASE("new keys are read", "[unit][config]") {
  const config c = parsed(R"({
    "server": {"cors_origins": ["http://localhost:5173", "https://[::1]:3000"],
               "allowed_hosts": ["zega.lan"], "max_connections": 64,
               "metrics_require_token": false, "sse_queue_max_events": 16},
    "routing": {"slack": 0.25, "max_wait_for_higher_ms": 3000},
    "providers": [{"name": "ollama"},
                  {"name": "groq", "limits": {"rpd": 1000, "reserve_per_day": 200}},
                  {"name": "gemini", "day_reset": {"timezone": "Asia/Tokyo", "time": "09:30"}},
                  {"name": "huggingface", "day_reset": "headers"}],
    "logging": {"level": "debug"},
    "quality": {"language": "de", "dedup_jaccard": 0.7, "dedup_changed_words": 0,
                "judge": {"provider": "groq", "weight": 0.3, "min_rubric": 6.5}},
    "prompts": {"no_repeat_within": 100, "topics_file": "/etc/zegad/topics.txt"},
    "finetune": {"threshold": 40, "auto": true, "base_model": "llama3.1", "max_examples": 12,
                 "command": ["/usr/bin/train-lora", "--rank", "8"], "system_prompt": "Write."}
  })");
  CHECK(c.server.cors_origins == std::vector<std::string>{"http://localhost:5173", "https://[::1]:3000"});
  CHECK(c.server.allowed_hosts == std::vector<std::string>{"zega.lan"});
  CHECK(c.server.max_connections == 64);
  CHECK_FALSE(c.server.metrics_require_token);
  CHECK(c.server.sse_queue_max_events == 16);
  CHECK(c.routing.slack == Approx(0.25));
  CHECK(c.routing.max_wait_for_higher_ms == 3000);
  CHECK(c.providers[1].limits.reserve_per_day == 200);
  CHECK(c.providers[2].day_reset.timezone == "Asia/Tokyo");
  CHECK(c.providers[2].day_reset.minute_of_day == 9 * 60 + 30);
  CHECK(c.providers[3].day_reset.from_headers);
  CHECK(c.logging.level == "debug");
  CHECK(c.quality.language == "de");
  CHECK(c.quality.dedup_jaccard == Approx(0.7));
  CHECK(c.quality.dedup_changed_words == 0);
  REQUIRE(c.quality.judge);
  CHECK(c.quality.judge->provider == "groq");
  CHECK(c.quality.judge->weight == Approx(0.3));
  CHECK(c.quality.judge->min_rubric == Approx(6.5));
  CHECK(c.prompts.no_repeat_within == 100);
  CHECK(c.prompts.topics_file == std::optional<std::string>("/etc/zegad/topics.txt"));
  CHECK(c.finetune.threshold == 40);
  CHECK(c.quality.fine_tune_threshold == 40);
  CHECK(c.finetune.auto_trigger);
  CHECK(c.finetune.base_model == "llama3.1");
  CHECK(c.finetune.max_examples == 12);
  CHECK(c.finetune.command == std::vector<std::string>{"/usr/bin/train-lora", "--rank", "8"});
  CHECK(c.finetune.system_prompt == std::optional<std::string>("Write."));

  // max_wait_for_higher_ms: null is "not set", the deadline rule.
  CHECK(parsed(R"({"routing":{"max_wait_for_higher_ms":null}})").routing.max_wait_for_higher_ms == -1);
}

TEST_CASE("new keys are validated with the field's path", "[unit][config]") {
  CHECK(only_error(R"({"server":{"cors_origins":["http://localhost:5173/"]}})")
        == R"(server.cors_origins[0]: expected an origin like "http://localhost:5173" (scheme://host[:port], no path), got "http://localhost:5173/")");
  CHECK(only_error(R"({"server":{"cors_origins":["localhost:5173"]}})").rfind("server.cors_origins[0]: ", 0) == 0);
  CHECK(only_error(R"({"server":{"cors_origins":["ftp://x"]}})").rfind("server.cors_origins[0]: ", 0) == 0);
  CHECK(only_error(R"({"server":{"cors_origins":["http://x:99999"]}})").rfind("server.cors_origins[0]: ", 0) == 0);
  CHECK(only_error(R"({"server":{"cors_origins":"http://x"}})")
        == R"(server.cors_origins: expected an array of origins, got "http://x")");
  CHECK(only_error(R"({"server":{"allowed_hosts":["zega.lan:8002"]}})")
        == R"(server.allowed_hosts[0]: expected a host name without port (letters, digits, '-' and '.'), got "zega.lan:8002")");
  CHECK(only_error(R"({"server":{"max_connections":0}})")
        == "server.max_connections: expected a positive integer, got 0");
  CHECK(only_error(R"({"server":{"metrics_require_token":"yes"}})")
        == R"(server.metrics_require_token: expected true or false, got "yes")");
  CHECK(only_error(R"({"routing":{"slack":-0.1}})")
        == "routing.slack: expected a number from 0.0 to 100.0, got -0.1");
  CHECK(only_error(R"({"routing":{"max_wait_for_higher_ms":-5}})")
        == "routing.max_wait_for_higher_ms: expected a non-negative integer, got -5");
  CHECK(only_error(R"({"providers":[{"name":"groq","limits":{"rpd":100,"reserve_per_day":100}}]})")
        == "providers[0].limits.reserve_per_day: must be less than rpd (100), got 100");
  CHECK(only_error(R"({"providers":[{"name":"groq","limits":{"reserve_per_day":-1}}]})")
        == "providers[0].limits.reserve_per_day: expected a non-negative integer, got -1");
  CHECK(only_error(R"({"providers":[{"name":"gemini","day_reset":{"timezone":"Pacific/Atlantis"}}]})")
        == R"(providers[0].day_reset.timezone: unknown time zone "Pacific/Atlantis" (expected an IANA name such as "Europe/Berlin" or "UTC"))");
  CHECK(only_error(R"({"providers":[{"name":"gemini","day_reset":{"time":"24:00"}}]})")
        == R"(providers[0].day_reset.time: expected a time "HH:MM" from 00:00 to 23:59, got "24:00")");
  CHECK(only_error(R"({"providers":[{"name":"gemini","day_reset":"midnight"}]})").rfind(
          "providers[0].day_reset: expected \"headers\" or", 0) == 0);
  CHECK(only_error(R"({"logging":{"level":"verbose"}})")
        == R"(logging.level: expected "trace", "debug", "info", "warning" or "error", got "verbose")");
  CHECK(only_error(R"({"quality":{"language":"english"}})")
        == R"(quality.language: expected a two-letter language code such as "en", got "english")");
  CHECK(only_error(R"({"quality":{"dedup_jaccard":1.5}})")
        == "quality.dedup_jaccard: expected a number from 0.0 to 1.0, got 1.5");
  CHECK(only_error(R"({"quality":{"dedup_changed_words":-1}})").rfind("quality.dedup_changed_words: ", 0) == 0);
  CHECK(only_error(R"({"quality":{"judge":{"provider":"claude"}}})")
        == R"(quality.judge.provider: no provider named "claude"; expected one of "ollama", "groq", "gemini" or "huggingface")");
  CHECK(only_error(R"({"quality":{"judge":{"weight":0.5}}})") == "quality.judge.provider: missing");
  CHECK(only_error(R"({"quality":{"judge":{"provider":"groq","weight":2}}})")
        == "quality.judge.weight: expected a number from 0.0 to 1.0, got 2");
  CHECK(only_error(R"({"quality":{"rubric_version":3}})").rfind("quality.rubric_version: unknown key", 0) == 0);
  CHECK(only_error(R"({"prompts":{"no_repeat_within":-1}})")
        == "prompts.no_repeat_within: expected a non-negative integer, got -1");
  CHECK(only_error(R"({"finetune":{"command":[]}})")
        == "finetune.command: expected a program and its arguments as a non-empty array of strings, got []");
  CHECK(only_error(R"({"finetune":{"threshold":0}})") == "finetune.threshold: expected a positive integer, got 0");
  CHECK(only_error(R"({"finetune":{"auto":1}})") == "finetune.auto: expected true or false, got 1");
  CHECK(only_error(R"({"storage":{"finished_jobs_max_bytes":0}})")
        == "storage.finished_jobs_max_bytes: expected a positive integer, got 0");
}

TEST_CASE("finetune.threshold is the source of truth, quality.fine_tune_threshold its alias",
          "[unit][config]") {
  const config alias = parsed(R"({"quality":{"fine_tune_threshold":30}})");
  CHECK(alias.finetune.threshold == 30);
  CHECK(alias.quality.fine_tune_threshold == 30);
  const config both = parsed(R"({"quality":{"fine_tune_threshold":30},"finetune":{"threshold":30}})");
  CHECK(both.finetune.threshold == 30);
  CHECK(only_error(R"({"quality":{"fine_tune_threshold":30},"finetune":{"threshold":40}})")
        == "quality.fine_tune_threshold: contradicts finetune.threshold (40); give only finetune.threshold");
  // Printed once, under finetune.
  const std::string json = to_json(alias, false);
  CHECK(json.find("fine_tune_threshold") == std::string::npos);
  CHECK(json.find(R"("threshold":30)") != std::string::npos);
}

TEST_CASE("issue 9's schedule parses as written", "[unit][config]") {
  const config c = parsed(zega_schedule);
  REQUIRE(c.schedules.size() == 1);
  const auto& s = c.schedules[0];
  CHECK(s.name == "default");
  CHECK(s.user_id == "default");
  CHECK(s.timezone == "Europe/Berlin");
  REQUIRE(s.window);
  CHECK(s.window->start_minute == 60);
  CHECK(s.window->end_minute == 7 * 60);
  CHECK(s.min_votes == 1);
  CHECK(s.catch_up_days == 0);
  REQUIRE(s.phases.size() == 3);
  CHECK(s.phases[0].days == std::optional<int>(2));
  CHECK_FALSE(s.phases[0].until_total);
  CHECK(s.phases[0].per_day.min == 5);
  CHECK(s.phases[0].per_day.max == 5);
  CHECK(s.phases[1].until_total == std::optional<int>(50));
  CHECK(s.phases[1].per_day.min == 10);
  CHECK_FALSE(s.phases[2].days);
  CHECK(s.phases[2].per_day.min == 2);
  CHECK(s.phases[2].per_day.max == 5);

  // Defaults of an entry that gives only what is required; a window may cross midnight.
  const config d = parsed(R"({"schedules":[{"name":"night","phases":[{"per_day":3}],
                                           "window":{"start":"22:00","end":"02:00"},
                                           "genres":["fantasy"],"elements":["scene","dialogue"]}]})");
  CHECK(d.schedules[0].timezone == "UTC");
  CHECK(d.schedules[0].user_id == "default");
  CHECK(d.schedules[0].window->start_minute == 22 * 60);
  CHECK(d.schedules[0].window->end_minute == 2 * 60);
  CHECK(d.schedules[0].genres == std::vector<std::string>{"fantasy"});
}

TEST_CASE("broken schedules are errors naming the field", "[unit][config]") {
  CHECK(only_error(schedule_with("timezone", R"("Europe/Berlinn")"))
        == R"(schedules[0].timezone: unknown time zone "Europe/Berlinn" (expected an IANA name such as "Europe/Berlin" or "UTC"))");
  CHECK(only_error(schedule_with("window", R"({"start":"01:00","end":"01:00"})"))
        == R"(schedules[0].window.end: must differ from start (01:00); leave out "window" for the whole day)");
  CHECK(only_error(schedule_with("window", R"({"start":"1:00","end":"07:00"})"))
        == R"(schedules[0].window.start: expected a time "HH:MM" from 00:00 to 23:59, got "1:00")");
  CHECK(only_error(schedule_with("window", R"({"start":"01:00","end":"07:60"})"))
        == R"(schedules[0].window.end: expected a time "HH:MM" from 00:00 to 23:59, got "07:60")");
  CHECK(only_error(schedule_with("window", R"({"start":"01:00"})")) == "schedules[0].window.end: missing");
  CHECK(only_error(schedule_with("phases", R"([{"per_day":5},{"per_day":2}])"))
        == R"(schedules[0].phases[0]: a phase before the last needs "days" or "until_total")");
  CHECK(only_error(schedule_with("phases", R"([{"per_day":{"min":5,"max":2}}])"))
        == "schedules[0].phases[0].per_day.max: must be at least min (5), got 2");
  CHECK(only_error(schedule_with("phases", R"([{"per_day":0}])"))
        == R"(schedules[0].phases[0].per_day: expected a positive integer or {"min": N, "max": M}, got 0)");
  CHECK(only_error(schedule_with("phases", "[]")) == "schedules[0].phases: expected a non-empty array, got []");
  CHECK(only_error(schedule_with("phases", R"([{"days":2}])")) == "schedules[0].phases[0].per_day: missing");
  CHECK(only_error(schedule_with("min_votes", "0")) == "schedules[0].min_votes: expected a positive integer, got 0");
  CHECK(only_error(schedule_with("catch_up_days", "-1"))
        == "schedules[0].catch_up_days: expected a non-negative integer, got -1");
  CHECK(only_error(R"({"schedules":[{"phases":[{"per_day":1}]}]})") == "schedules[0].name: missing");

  const std::string genre = only_error(schedule_with("genres", R"(["fantasy","cyberpunk opera"])"));
  CHECK(genre.rfind(R"(schedules[0].genres[1]: unknown genre "cyberpunk opera"; expected one of )", 0) == 0);
  // The list offered is training's own.
  CHECK(genre.find(quoted_name(training::all_genres().front().name)) != std::string::npos);
  CHECK(only_error(schedule_with("elements", R"(["poem"])"))
        == R"(schedules[0].elements[0]: unknown element "poem"; expected one of "scene", "character", "dialogue" or "setting")");

  CHECK(only_error(R"({"schedules":[{"name":"a","phases":[{"per_day":1}]},
                                    {"name":"b","phases":[{"per_day":1}]},
                                    {"name":"a","phases":[{"per_day":1}]}]})")
        == R"(schedules[2].name: duplicate schedule name "a" (also schedules[0]))");
}

TEST_CASE("to_json prints every key the schema reads, and reads back to the same config",
          "[unit][config]") {
  const std::string full = R"({
    "server": {"cors_origins": ["http://localhost:5173"], "allowed_hosts": ["zega.lan"]},
    "routing": {"max_wait_for_higher_ms": 1500},
    "providers": [{"name": "ollama"}, {"name": "groq", "limits": {"reserve_per_day": 10}},
                  {"name": "gemini", "day_reset": {"timezone": "Asia/Tokyo", "time": "09:30"}}],
    "quality": {"judge": {"provider": "groq"}},
    "prompts": {"topics_file": "t.txt"},
    "finetune": {"command": ["x", "y"], "system_prompt": "s"}})";
  const auto env = std::map<std::string, std::string>{{"GROQ_API_KEY", "k1"}, {"GEMINI_API_KEY", "k2"}};
  const config first = parsed(full, env);
  const config first_with_schedule = [&] {
    config c = first;
    c.schedules = parsed(zega_schedule).schedules;
    return c;
  }();

  // Resolved-only fields are not input; drop them and feed the printout back.
  rapidjson::Document printed;
  printed.Parse(to_json(first_with_schedule, false).c_str());
  REQUIRE_FALSE(printed.HasParseError());
  printed["server"].RemoveMember("token");
  for (auto& p : printed["providers"].GetArray()) {
    p.RemoveMember("api_key");
    p.RemoveMember("disabled_reason");
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  printed.Accept(w);
  const config second = parsed(buf.GetString(), env);
  CHECK(to_json(second) == to_json(first_with_schedule));
  CHECK(second.routing.max_wait_for_higher_ms == 1500);
  CHECK(second.providers[2].day_reset.minute_of_day == 9 * 60 + 30);
  CHECK(second.providers[1].day_reset.from_headers);
  CHECK(second.schedules[0].phases[2].per_day.max == 5);
  CHECK(second.finetune.command == std::vector<std::string>{"x", "y"});

  const std::string pretty = to_json(second);
  CHECK(pretty.find(R"("day_reset": "headers")") != std::string::npos);
  CHECK(pretty.find(R"("time": "09:30")") != std::string::npos);
  CHECK(pretty.find(R"("api_key": "***")") != std::string::npos);
  CHECK(pretty.find("k1") == std::string::npos);
}

TEST_CASE("hostile documents: deep nesting, duplicate keys, NUL in names", "[unit][config]") {
  SECTION("100,000 open brackets are refused before parsing, with the offset") {
    const std::string deep(100000, '[');
    CHECK(only_error(deep) == "invalid JSON at offset 64: nested deeper than 64 levels");
    const std::string inner = R"({"server":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    CHECK(only_error(inner) == "invalid JSON at offset 73: nested deeper than 64 levels");
    // Brackets inside strings do not count.
    CHECK(parsed(R"({"server":{"token_env":")" + std::string(1000, '[') + R"("}})")
            .server.token_env.size() == 1000);
  }
  SECTION("a key given twice is an error at its path") {
    CHECK(only_error(R"({"routing":{"pacing":"fixed","pacing":"adaptive"}})")
          == "routing.pacing: duplicate key");
    CHECK(only_error(R"({"server":{},"server":{}})") == "server: duplicate key");
    CHECK(only_error(R"({"providers":[{"name":"groq","limits":{"rpm":1,"rpm":2}}]})")
          == "providers[0].limits.rpm: duplicate key");
  }
  SECTION("NUL inside a name is an error, not a silently shorter name") {
    CHECK(only_error(R"({"providers":[{"preset":"groq","name":"gro\u0000q"}]})")
          == "providers[0].name: contains a NUL character");
    CHECK(only_error(R"({"schedules":[{"name":"a\u0000b","phases":[{"per_day":1}]}]})")
          == "schedules[0].name: contains a NUL character");
    CHECK(only_error(R"({"providers":[{"name":"groq","api_key_env":["A\u0000B"]}]})")
          == "providers[0].api_key_env: contains a NUL character");
  }
  SECTION("every provider disabled is visible to callers") {
    const config none = parsed(R"({"providers":[{"name":"ollama","enabled":false},{"name":"groq"}]})");
    CHECK(enabled_provider_count(none) == 0);
    CHECK(none.providers[0].disabled_reason == "disabled in the config (enabled is false)");
    CHECK(enabled_provider_count(parsed("{}")) == 1);
  }
}

TEST_CASE("localhost listens on the loopback address", "[unit][config]") {
  CHECK(parsed(R"({"server":{"listen":"localhost:8002"}})").server.listen == "127.0.0.1:8002");
  auto opts = isolated();
  opts.listen = "LOCALHOST:0";
  REQUIRE(parse_config("{}", opts).cfg);
  CHECK(parse_config("{}", opts).cfg->server.listen == "127.0.0.1:0");
  opts.listen = "[::1]:9000";
  CHECK(parse_config("{}", opts).cfg->server.listen == "[::1]:9000");
}

TEST_CASE("shared text helpers", "[unit]") {
  CHECK(lower("Content-TYPE") == "content-type");
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim(" \t ").empty());
  CHECK(iequals("Application/JSON", "application/json"));
  CHECK_FALSE(iequals("application/json", "application/jso"));
  CHECK(valid_utf8("a\xC3\xA9z\xFF") == "a\xC3\xA9z\xEF\xBF\xBD");
  url_parts u;
  REQUIRE(parse_url("https://api.groq.com/openai/v1", u));
  CHECK(u.tls);
  CHECK(u.port == "443");
  CHECK(u.target == "/openai/v1");
  CHECK_FALSE(parse_url("http://user:pw@host/", u));
}

namespace {

command_line_result parse_args(std::vector<const char*> args) {
  args.insert(args.begin(), "zegad");
  return parse_zegad_command_line(static_cast<int>(args.size()), args.data());
}

} // namespace

TEST_CASE("zegad's command line", "[unit][config]") {
  const auto ok = parse_args({"--config", "/etc/zegad/zegad.json", "--data-dir", "/var/lib/zegad",
                              "--listen", "localhost:0", "--env-file", "/dev/null", "--check-config"});
  REQUIRE_FALSE(ok.exit_code);
  CHECK(ok.options.load.config_file == std::optional<std::string>("/etc/zegad/zegad.json"));
  CHECK(ok.options.load.data_dir == std::optional<std::string>("/var/lib/zegad"));
  CHECK(ok.options.load.listen == std::optional<std::string>("localhost:0"));
  CHECK(ok.options.load.env_file == std::optional<std::string>("/dev/null"));
  CHECK(ok.options.check_config);

  const auto plain = parse_args({});
  REQUIRE_FALSE(plain.exit_code);
  CHECK_FALSE(plain.options.load.config_file);
  CHECK_FALSE(plain.options.check_config);

  const auto version = parse_args({"--version"});
  CHECK(version.exit_code == std::optional<int>(0));
  CHECK(version.output == std::string("zegad ") + ZEGA_VERSION + "\n");

  const auto help = parse_args({"--help"});
  CHECK(help.exit_code == std::optional<int>(0));
  CHECK(help.output.find("--check-config") != std::string::npos);
  CHECK(help.output.find("exit codes") != std::string::npos);

  for (const auto& bad : std::vector<std::vector<const char*>>{
         {"--bogus"}, {"--config"}, {"extra"}, {"-x"}, {"--listen"}}) {
    const auto r = parse_args(bad);
    INFO(bad.front());
    CHECK(r.exit_code == std::optional<int>(2));
    CHECK(r.error.rfind("zegad: ", 0) == 0);
    CHECK(r.output.empty());
  }
}
