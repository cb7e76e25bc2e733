// What a reload reports and which providers start over (config/diff).

#include "config/diff.hpp"
#include "config_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using zega::test::isolated;

zega::config load(const std::string& json, std::map<std::string, std::string> env = {}) {
  auto r = zega::parse_config(json, isolated(std::move(env)));
  INFO(json);
  REQUIRE(r.cfg);
  return *r.cfg;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

const char* two = R"({"providers":[
  {"name":"ollama","preset":"ollama","base_url":"http://127.0.0.1:1"},
  {"name":"groq","preset":"groq","base_url":"http://127.0.0.1:2","limits":{"rpm":30}}]})";

} // namespace

TEST_CASE("a reload's changes read as operator lines: added, removed, changed fields",
          "[unit]") {
  auto before = load(two, {{"GROQ_API_KEY", "k1"}});
  auto after = load(R"({"routing":{"slack":0.2},"providers":[
    {"name":"groq","preset":"groq","base_url":"http://127.0.0.1:2","limits":{"rpm":60}},
    {"name":"gemini","preset":"gemini","base_url":"http://127.0.0.1:3"}]})",
                    {{"GROQ_API_KEY", "k1"}, {"GEMINI_API_KEY", "k2"}});
  auto d = zega::diff_configs(before, after);
  INFO(d.applied.size());
  for (const auto& l : d.applied)
    UNSCOPED_INFO(l);
  CHECK(has(d.applied, "routing.slack 0.1 -> 0.2"));
  CHECK(has(d.applied, "providers: added gemini"));
  CHECK(has(d.applied, "providers: removed ollama"));
  CHECK(has(d.applied, "groq: limits.rpm 30 -> 60"));
  CHECK(d.providers_added == std::set<std::string>{"gemini"});
  CHECK(d.providers_removed == std::set<std::string>{"ollama"});
  CHECK(d.providers_changed == std::set<std::string>{"groq"});
  CHECK(d.need_restart.empty());
}

TEST_CASE("an identical config changes nothing, a new key or scale restarts providers",
          "[unit]") {
  auto before = load(two, {{"GROQ_API_KEY", "k1"}});
  CHECK(zega::diff_configs(before, before).empty());

  auto key = zega::diff_configs(before, load(two, {{"GROQ_API_KEY", "k2"}}));
  CHECK(key.providers_changed == std::set<std::string>{"groq"});
  CHECK(has(key.applied, "groq: API key changed"));
  // The key itself never appears in a line.
  for (const auto& l : key.applied)
    CHECK(l.find("k2") == std::string::npos);

  auto gone = zega::diff_configs(before, load(two));
  REQUIRE(gone.applied.size() == 1);
  CHECK_THAT(gone.applied[0], Catch::StartsWith("groq: ")
                                && Catch::Contains("disabled: no API key: set GROQ_API_KEY"));

  auto scaled = zega::diff_configs(
    before, load(R"({"routing":{"time_scale":10},"providers":[
      {"name":"ollama","preset":"ollama","base_url":"http://127.0.0.1:1"},
      {"name":"groq","preset":"groq","base_url":"http://127.0.0.1:2","limits":{"rpm":30}}]})",
                 {{"GROQ_API_KEY", "k1"}}));
  CHECK(scaled.providers_changed == std::set<std::string>{"groq", "ollama"});
}

TEST_CASE("listener and archive settings wait for a restart and stay as they were",
          "[unit]") {
  auto before = load(two, {{"GROQ_API_KEY", "k1"}});
  auto after = load(R"({"server":{"listen":"127.0.0.1:9000","heartbeat_ms":5000},
    "storage":{"commit_batch":8},"logging":{"level":"debug"},"providers":[
      {"name":"ollama","preset":"ollama","base_url":"http://127.0.0.1:1"},
      {"name":"groq","preset":"groq","base_url":"http://127.0.0.1:2","limits":{"rpm":30}}]})",
                    {{"GROQ_API_KEY", "k1"}});
  auto d = zega::diff_configs(before, after);
  CHECK(has(d.need_restart, R"(server.listen "127.0.0.1:8002" -> "127.0.0.1:9000")"));
  CHECK(has(d.need_restart, "storage.commit_batch 64 -> 8"));
  CHECK(has(d.applied, "server.heartbeat_ms 15000 -> 5000"));
  CHECK(has(d.applied, R"(logging.level "info" -> "debug")"));
  CHECK(d.providers_changed.empty());

  auto in_force = zega::applicable_config(before, after);
  CHECK(in_force.server.listen == before.server.listen);
  CHECK(in_force.storage.commit_batch == before.storage.commit_batch);
  CHECK(in_force.server.heartbeat_ms == 5000);
  CHECK(in_force.logging.level == "debug");
}

TEST_CASE("schedules added, removed or changed get new planners, unchanged ones keep theirs",
          "[unit]") {
  const std::string sched_a = R"({"name":"a","timezone":"UTC","phases":[{"per_day":3}]})";
  const std::string sched_b = R"({"name":"b","timezone":"UTC","phases":[{"per_day":2}]})";
  auto with = [&](const std::string& schedules, const std::string& routing = "{}") {
    return load(R"({"routing":)" + routing + R"(,"providers":[
      {"name":"ollama","preset":"ollama","base_url":"http://127.0.0.1:1"}],"schedules":[)"
                + schedules + "]}");
  };
  auto none = with("");
  auto one = with(sched_a);
  auto two_scheds = with(sched_a + "," + sched_b);
  CHECK(zega::diff_configs(one, one).schedules_changed.empty());
  CHECK(zega::diff_configs(none, one).schedules_changed == std::set<std::string>{"a"});
  CHECK(zega::diff_configs(one, none).schedules_changed == std::set<std::string>{"a"});
  CHECK(zega::diff_configs(one, two_scheds).schedules_changed == std::set<std::string>{"b"});
  auto changed = with(R"({"name":"a","timezone":"UTC","phases":[{"per_day":4}]},)" + sched_b);
  auto d = zega::diff_configs(two_scheds, changed);
  CHECK(d.schedules_changed == std::set<std::string>{"a"});
  for (const auto& l : d.applied)
    UNSCOPED_INFO(l);
  CHECK(std::any_of(d.applied.begin(), d.applied.end(), [](const std::string& l) {
    return l.rfind("schedules[a].phases", 0) == 0 && l.find("4") != std::string::npos;
  }));
  CHECK(zega::diff_configs(two_scheds, with(sched_a + "," + sched_b, R"({"time_scale":10})"))
          .schedules_changed
        == std::set<std::string>{"a", "b"});
}
