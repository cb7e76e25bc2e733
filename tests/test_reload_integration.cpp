// Operating a running zegad (issue 11): reload on SIGHUP and POST /reload, a provider reset
// by hand, a hot backup during a batch, and the log lines of a job. The real daemon against
// zega-fake-llm on loopback; the daemon's log file is read back.

#include "integration_support.hpp"

#include <csignal>
#include <cstdlib>
#include <regex>
#include <set>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

constexpr const char* key_env = "ZEGA_ITEST_RELOAD_KEY";

struct daemon_stack {
  temp_dir dir;
  child_process fake;
  child_process daemon;
  http_fixture http;
  std::string fake_url;
  std::string url;
  std::string config;
  std::string log;

  daemon_stack() {
    setenv(key_env, "itest-key", 1);
    fake_url = start_fake_with(fake, dir.path(), {});
    config = dir.path() + "/zegad.json";
    log = dir.path() + "/zegad.log";
  }
  ~daemon_stack() {
    daemon.signal(SIGTERM);
    daemon.wait_exit(20s);
  }

  std::string ollama(const std::string& extra = {}, int priority = 1) const {
    return R"({"name":"ollama","preset":"ollama","base_url":")" + fake_url + R"(","priority":)"
           + std::to_string(priority) + extra + "}";
  }
  std::string groq(int priority, const std::string& extra = {}) const {
    return R"({"name":"groq","preset":"groq","base_url":")" + fake_url
           + R"(/openai/v1","api_key_env":")" + key_env + R"(","priority":)"
           + std::to_string(priority) + extra + "}";
  }
  void write(const std::string& providers, const std::string& more = {}) {
    std::ofstream(config) << R"({"server":{"shutdown_grace_ms":3000})" << more
                          << R"(,"providers":[)" << providers << "]}";
  }
  void start() {
    url = start_zegad_with(daemon, config, dir.path() + "/data", log,
                           {"--env-file", "/dev/null"});
  }
  void fake_config(const std::string& json) {
    auto resp = http.call("POST", fake_url + "/_fake/config", json);
    INFO(resp.body);
    REQUIRE(resp.status == 200);
  }
  rapidjson::Document get(const std::string& path) {
    auto resp = http.call("GET", url + path);
    INFO(path << ": " << resp.body.substr(0, 2000));
    REQUIRE(resp.status == 200);
    return parse(resp.body);
  }
  // name -> state, from GET /status
  std::map<std::string, std::string> states() {
    std::map<std::string, std::string> out;
    auto doc = get("/status");
    for (const auto& p : doc["providers"].GetArray())
      out[p["name"].GetString()] = p["state"].GetString();
    return out;
  }
  bool log_matches(const std::string& pattern) {
    return std::regex_search(read_text(log), std::regex(pattern));
  }
  bool wait_log(const std::string& pattern) {
    return wait_until([&] { return log_matches(pattern); }, 20s);
  }
  std::string submit(int n) {
    auto resp = http.call("POST", url + "/auto-train?async=1",
                          R"({"num_examples":)" + std::to_string(n) + "}");
    INFO(resp.body);
    REQUIRE(resp.status == 202);
    return parse(resp.body)["job_id"].GetString();
  }
  rapidjson::Document wait_job(const std::string& id) {
    rapidjson::Document job;
    bool done = wait_until(
      [&] {
        job = get("/jobs/" + id);
        return std::string(job["state"].GetString()) == "completed";
      },
      60s);
    REQUIRE(done);
    return job;
  }
};

} // namespace

TEST_CASE("SIGHUP with a valid config adds and changes providers while a job runs, losing "
          "nothing",
          "[integration]") {
  daemon_stack s;
  // One call at a time, 150 ms each: a 12-example job is still running at the reload.
  s.fake_config(R"({"providers":{"ollama":{"latency_ms":150}}})");
  s.write(s.ollama(R"(,"limits":{"max_in_flight":1})"));
  s.start();
  auto id = s.submit(12);
  REQUIRE(wait_until([&] { return s.get("/jobs/" + id)["successful"].GetInt() >= 2; }, 30s));

  s.write(s.ollama(R"(,"limits":{"max_in_flight":2})") + "," + s.groq(2));
  s.daemon.signal(SIGHUP);
  REQUIRE(s.wait_log(R"(info \[reloader\] reload \(SIGHUP\) applied: .*providers: added groq)"));
  CHECK(s.log_matches(R"(ollama: limits\.max_in_flight 1 -> 2)"));
  // The job was running: the replaced ollama actor had a call in flight and let it finish.
  CHECK(s.log_matches(R"(\[provider ollama\] replaced by a reload; 1 call\(s\) in flight finish first)"));
  auto states = s.states();
  CHECK(states.count("groq") == 1);
  // Taking calls already, or ready to.
  CHECK((states["groq"] == "available" || states["groq"] == "busy"));
  CHECK(s.get("/status")["providers"].Size() == 2);

  auto job = s.wait_job(id);
  CHECK(job["successful"].GetInt() == 12);
  CHECK(job["failed"].GetInt() == 0);
  auto examples = s.get("/examples?limit=100");
  CHECK(examples["count"].GetInt() == 12);
  s.daemon.signal(SIGTERM);
  CHECK(s.daemon.wait_exit(20s) == 0);
}

TEST_CASE("SIGHUP with an invalid config keeps the daemon on the old one and logs the field",
          "[integration]") {
  daemon_stack s;
  s.write(s.ollama());
  s.start();
  s.write(s.ollama() + "," + s.groq(2), R"(,"routing":{"max_in_flight":"many"})");
  s.daemon.signal(SIGHUP);
  REQUIRE(s.wait_log(R"(warning \[reloader\] reload \(SIGHUP\) rejected, the running )"
                     R"(configuration stays: .*routing\.max_in_flight)"));
  CHECK(s.daemon.running());
  CHECK(s.states() == std::map<std::string, std::string>{{"ollama", "available"}});
  auto id = s.submit(2);
  CHECK(s.wait_job(id)["successful"].GetInt() == 2);
  // SIGHUP no longer ends the daemon; SIGTERM still ends it with 0.
  s.daemon.signal(SIGTERM);
  CHECK(s.daemon.wait_exit(20s) == 0);
}

TEST_CASE("POST /reload answers what changed, or 422 with the field errors", "[integration]") {
  daemon_stack s;
  s.write(s.ollama());
  s.start();

  auto same = s.http.call("POST", s.url + "/reload", "{}");
  REQUIRE(same.status == 200);
  CHECK(parse(same.body)["changes"].Size() == 0);

  s.write(s.ollama(), R"(,"routing":{"slack":0.2},"logging":{"level":"debug"},)"
                      R"("storage":{"commit_batch":8})");
  auto changed = s.http.call("POST", s.url + "/reload", "{}");
  INFO(changed.body);
  REQUIRE(changed.status == 200);
  auto doc = parse(changed.body);
  std::set<std::string> lines;
  for (const auto& l : doc["changes"].GetArray())
    lines.insert(l.GetString());
  CHECK(lines.count("routing.slack 0.1 -> 0.2") == 1);
  CHECK(lines.count(R"(logging.level "info" -> "debug")") == 1);
  REQUIRE(doc["restart_needed"].Size() == 1);
  CHECK(doc["restart_needed"][0].GetString() == std::string("storage.commit_batch 64 -> 8"));
  CHECK(s.wait_log(R"(info \[reloader\] reload \(POST /reload\) applied: .*routing\.slack)"));

  s.write(s.ollama(R"(,"limits":{"rpm":-3})"));
  auto bad = s.http.call("POST", s.url + "/reload", "{}");
  INFO(bad.body);
  REQUIRE(bad.status == 422);
  auto err = parse(bad.body);
  CHECK(err["error"]["code"].GetString() == std::string("invalid_config"));
  REQUIRE(err["errors"].Size() >= 1);
  CHECK(err["errors"][0]["field"].GetString() == std::string("providers[0].limits.rpm"));
  CHECK(s.http.call("GET", s.url + "/reload").status == 405);
}

TEST_CASE("/health and the export follow the configuration a reload applied", "[integration]") {
  daemon_stack s;
  s.write(s.ollama(), R"(,"quality":{"memory_threshold":7.0})");
  s.start();
  CHECK(s.get("/health")["models_loaded"].GetInt() == 1);
  // Two providers now, and a higher bar for what the export takes by default.
  s.write(s.ollama() + "," + s.groq(2), R"(,"quality":{"memory_threshold":9.5})");
  REQUIRE(s.http.call("POST", s.url + "/reload", "{}").status == 200);
  auto health = s.get("/health");
  CHECK(health["models_loaded"].GetInt() == 2);
  CHECK(std::string(health["status"].GetString()) == "healthy");
  // The export's default bar is the new memory_threshold: the same lines as asking for 9.5.
  s.wait_job(s.submit(3));
  auto by_default = s.http.call("GET", s.url + "/export");
  auto at_new = s.http.call("GET", s.url + "/export?min_quality=9.5");
  auto at_old = s.http.call("GET", s.url + "/export?min_quality=7");
  REQUIRE(by_default.status == 200);
  REQUIRE(at_new.status == 200);
  REQUIRE(at_old.status == 200);
  CHECK(by_default.body == at_new.body);
  INFO(at_old.body.substr(0, 300));
  CHECK_FALSE(at_old.body.empty());
  // Every provider disabled by a reload: /health says degraded, naming why.
  s.write(R"({"name":"groq","preset":"groq","base_url":"http://127.0.0.1:9","api_key_env":"ZEGA_ITEST_NO_SUCH_KEY","priority":1})");
  REQUIRE(s.http.call("POST", s.url + "/reload", "{}").status == 200);
  auto degraded = s.get("/health");
  CHECK(std::string(degraded["status"].GetString()) == "degraded");
  CHECK(std::string(degraded["reason"].GetString()).find("ZEGA_ITEST_NO_SUCH_KEY")
        != std::string::npos);
}

TEST_CASE("POST /providers/NAME/reset brings a broken provider back once the cause is gone",
          "[integration]") {
  daemon_stack s;
  s.fake_config(R"({"providers":{"groq":{"fault":"decommissioned","fault_count":-1}}})");
  s.write(s.groq(1) + "," + s.ollama({}, 2));
  s.start();
  auto first = s.wait_job(s.submit(1));
  CHECK(first["successful"].GetInt() == 1);
  REQUIRE(s.states()["groq"] == "broken");
  CHECK(s.wait_log(R"(error \[provider groq\] broken: )"));

  // Still broken without a reset: nothing tries it again by itself.
  s.fake_config(R"({"providers":{"groq":{"fault":"none"}}})");
  CHECK(s.states()["groq"] == "broken");

  auto reset = s.http.call("POST", s.url + "/providers/groq/reset", "{}");
  INFO(reset.body);
  REQUIRE(reset.status == 200);
  CHECK(parse(reset.body)["state"].GetString() == std::string("available"));
  CHECK(s.log_matches(R"(info \[provider groq\] reset by the operator \(was broken)"));
  CHECK(s.states()["groq"] == "available");
  // A real call goes through again. (Which provider the next job's example goes to is the
  // deadline rule's choice, not the reset's.)
  auto probe = s.http.call("POST", s.url + "/providers/groq/probe", "{}");
  INFO(probe.body);
  REQUIRE(probe.status == 200);
  CHECK(parse(probe.body)["ok"].GetBool());
  auto again = s.wait_job(s.submit(1));
  CHECK(again["successful"].GetInt() == 1);

  CHECK(s.http.call("POST", s.url + "/providers/nope/reset", "{}").status == 404);
}

TEST_CASE("a hot backup during a batch opens, passes mdb_stat and holds every example "
          "acknowledged before it began",
          "[integration]") {
  daemon_stack s;
  s.fake_config(R"({"providers":{"ollama":{"latency_ms":100}}})");
  s.write(s.ollama());
  s.start();
  auto id = s.submit(40);
  REQUIRE(wait_until([&] { return s.get("/examples?limit=100")["count"].GetInt() >= 5; }, 30s));
  // Acknowledged = committed and visible through the API before the backup request.
  std::set<std::uint64_t> acknowledged;
  for (const auto& ex : s.get("/examples?limit=100")["examples"].GetArray())
    acknowledged.insert(ex["id"].GetUint64());
  const std::string target = s.dir.path() + "/backup-1";
  auto resp = s.http.call("POST", s.url + "/backup", R"({"path":")" + target + R"("})");
  INFO(resp.body);
  REQUIRE(resp.status == 200);
  CHECK(std::string(s.get("/jobs/" + id)["state"].GetString()) == "running");
  auto doc = parse(resp.body);
  CHECK(doc["path"].GetString() == target);
  CHECK(doc["bytes"].GetUint64() > 0);
  CHECK(doc["examples"].GetUint64() >= acknowledged.size());

  CHECK(std::system(("mdb_stat -a " + target + " > /dev/null").c_str()) == 0);
  {
    std::string error;
    zega::store::store_options opts;
    opts.dir = target;
    auto copy = zega::store::store::open(opts, error);
    INFO(error);
    REQUIRE(copy != nullptr);
    for (auto ex_id : acknowledged) {
      INFO(ex_id);
      CHECK(copy->get_example(ex_id).has_value());
    }
  }
  auto again = s.http.call("POST", s.url + "/backup", R"({"path":")" + target + R"("})");
  CHECK(again.status == 400);
  CHECK(s.http.call("POST", s.url + "/backup", "{}").status == 400);
  CHECK(s.wait_job(id)["successful"].GetInt() == 40);
}

TEST_CASE("a job logs its start and its end with counts, time and providers", "[integration]") {
  daemon_stack s;
  s.write(s.ollama());
  s.start();
  auto id = s.submit(3);
  s.wait_job(id);
  const std::string stamp = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )";
  CHECK(s.wait_log(stamp + R"(info \[scheduler\] job )" + id
                   + R"( started: 3 example\(s\) for user default \(interactive\))"));
  CHECK(s.wait_log(stamp + R"(info \[scheduler\] job )" + id
                   + R"( completed: 3 ok, 0 failed of 3 in \d+\.\d s; providers: ollama 3)"));
  WARN(read_text(s.log));
}

#endif
