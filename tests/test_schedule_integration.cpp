// A schedule end to end: zegad with one schedule (time-scaled so its day lasts seconds)
// against zega-fake-llm's Ollama; GET /schedule, /status "schedules", /history kinds and
// `zegactl schedule` read the real planner.

#include "integration_support.hpp"

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN) && defined(ZEGACTL_BIN)

#include <regex>

namespace {

using namespace zega::itest;

bool rfc3339(const rapidjson::Value& v) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");
  return v.IsString() && std::regex_match(v.GetString(), re);
}

} // namespace

TEST_CASE("GET /schedule, /status and zegactl schedule show the running planner, whose tasks "
          "are scheduled jobs in /history",
          "[integration]") {
  temp_dir dir;
  child_process fake;
  const auto fake_url = start_fake_with(fake, dir.path(), {});
  // A day lasts 86.4 s (time_scale 1000, the largest); the whole day is the window; 400 a
  // day: a task every 0.2 s.
  const std::string config = dir.path() + "/zegad.json";
  std::ofstream(config) << R"({"server":{"shutdown_grace_ms":3000},"routing":{"time_scale":1000},
    "schedules":[{"name":"nightly","user_id":"sched-user","timezone":"Europe/Berlin",
                  "phases":[{"days":3,"per_day":400},{"per_day":{"min":2,"max":5}}]}],
    "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                        << fake_url << R"(","model":"llama3.2","priority":1}]})";
  child_process daemon;
  const auto url = start_zegad_with(daemon, config, dir.path() + "/data",
                                    dir.path() + "/zegad.log", {"--env-file", "/dev/null"});
  http_fixture http;

  // Readiness: the planner's first task reached the archive as a scheduled job.
  REQUIRE(wait_until(
    [&] {
      auto doc = parse(http.call("GET", url + "/history?user_id=sched-user").body);
      for (const auto& row : doc["history"].GetArray())
        if (std::string(row["kind"].GetString()) == "scheduled" &&
            std::string(row["state"].GetString()) == "completed")
          return true;
      return false;
    },
    30s));

  auto resp = http.call("GET", url + "/schedule");
  REQUIRE(resp.status == 200);
  INFO(resp.body);
  auto doc = parse(resp.body);
  CHECK(doc["enabled"].GetBool());
  REQUIRE(doc["schedules"].Size() == 1);
  const auto& s = doc["schedules"][0];
  CHECK(std::string(s["name"].GetString()) == "nightly");
  CHECK(std::string(s["user_id"].GetString()) == "sched-user");
  CHECK(s["phase"]["index"].GetInt() == 0);
  CHECK(std::string(s["phase"]["description"].GetString()) == "400 a day for 3 days");
  CHECK(s["day_index"].GetInt() >= 0);
  const auto& today = s["today"];
  CHECK(today["target"].GetInt() == 400);
  CHECK(today["done"].GetInt() >= 1);
  CHECK(rfc3339(today["window_start"]));
  CHECK(rfc3339(today["window_end"]));
  CHECK(std::string(today["date"].GetString()).size() == 10);
  CHECK(s["total_done"].GetInt() >= 1);
  CHECK(s["missed_days"].GetInt() == 0);
  CHECK(s["days"].IsArray());
  // The console reads the first schedule at the top level.
  CHECK(std::string(doc["name"].GetString()) == "nightly");

  auto status = parse(http.call("GET", url + "/status").body);
  REQUIRE(status["schedules"].IsArray());
  CHECK(std::string(status["schedules"][0]["name"].GetString()) == "nightly");
  // Provider times are instants (or null), never "ms from now".
  for (const auto& p : status["providers"].GetArray()) {
    CHECK((p["busy_until"].IsNull() || rfc3339(p["busy_until"])));
    CHECK((p["cooldown_until"].IsNull() || rfc3339(p["cooldown_until"])));
  }

  // zegactl prints it as a table.
  child_process ctl;
  REQUIRE(ctl.start({ZEGACTL_BIN, "--url", url, "schedule"}, dir.path() + "/ctl.err"));
  std::string all;
  for (auto line = ctl.wait_for_line("^(.+)$", 30s); !line.empty();
       line = ctl.wait_for_line("^(.+)$", 30s))
    all += line + "\n";
  CHECK(ctl.wait_exit(30s) == 0);
  INFO(all);
  CHECK(all.find("nightly") != std::string::npos);
  CHECK(all.find("400 a day for 3 days") != std::string::npos);
  CHECK(all.find("sched-user") != std::string::npos);

  // The planner's day-start line is in the log.
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit(20s) == 0);
  const auto log = read_text(dir.path() + "/zegad.log");
  CHECK(log.find("[planner nightly] day ") != std::string::npos);
  CHECK(log.find("starts: target 400") != std::string::npos);
}

TEST_CASE("a reload starts, changes and removes schedules, and a changed schedule keeps its "
          "progress",
          "[integration]") {
  temp_dir dir;
  child_process fake;
  const auto fake_url = start_fake_with(fake, dir.path(), {});
  const std::string config = dir.path() + "/zegad.json";
  auto write = [&](const std::string& schedules) {
    std::ofstream(config) << R"({"server":{"shutdown_grace_ms":3000},"routing":{"time_scale":1000},
      "schedules":[)" << schedules << R"(],
      "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                          << fake_url << R"(","model":"llama3.2","priority":1}]})";
  };
  write("");
  child_process daemon;
  const auto url = start_zegad_with(daemon, config, dir.path() + "/data",
                                    dir.path() + "/zegad.log", {"--env-file", "/dev/null"});
  http_fixture http;
  auto schedule = [&] {
    auto resp = http.call("GET", url + "/schedule");
    INFO(resp.body);
    REQUIRE(resp.status == 200);
    return parse(resp.body);
  };
  CHECK_FALSE(schedule()["enabled"].GetBool());

  // Added by a reload: a planner starts and works.
  write(R"({"name":"nightly","timezone":"UTC","phases":[{"per_day":400}]})");
  auto added = http.call("POST", url + "/reload", "{}");
  INFO(added.body);
  REQUIRE(added.status == 200);
  long done_before = 0;
  REQUIRE(wait_until(
    [&] {
      auto doc = schedule();
      if (!doc["enabled"].GetBool() || doc["schedules"].Size() != 1) return false;
      done_before = doc["schedules"][0]["total_done"].GetInt64();
      return done_before >= 2;
    },
    30s));

  // Changed: a new planner with the new target, continuing from the archived progress.
  write(R"({"name":"nightly","timezone":"UTC","phases":[{"per_day":300}]})");
  REQUIRE(http.call("POST", url + "/reload", "{}").status == 200);
  REQUIRE(wait_until(
    [&] {
      auto doc = schedule();
      return doc["schedules"].Size() == 1
             && std::string(doc["schedules"][0]["phase"]["description"].GetString())
                  == "300 a day";
    },
    30s));
  auto after = schedule();
  CHECK(after["schedules"][0]["total_done"].GetInt64() >= done_before);

  // Removed: no planner, and the schedule is gone from GET /schedule.
  write("");
  REQUIRE(http.call("POST", url + "/reload", "{}").status == 200);
  REQUIRE(wait_until([&] { return !schedule()["enabled"].GetBool(); }, 30s));
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit(20s) == 0);
  const auto log = read_text(dir.path() + "/zegad.log");
  CHECK(log.find("[reloader] schedule nightly: planner started") != std::string::npos);
  CHECK(log.find("[reloader] schedule nightly: removed") != std::string::npos);
}

#endif
