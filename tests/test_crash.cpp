// Crash safety end to end: zegad is SIGKILLed at random moments while batches run and
// restarted on the same archive; whatever a client saw acknowledged must survive exactly
// once, the LMDB environment must stay healthy and job records must match the examples.

#include "integration_support.hpp"

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <sys/wait.h>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

// The fake with a latency in the range the brief asks for: calls overlap commits.
std::string start_slow_fake(child_process& fake, const std::string& dir, int latency_ms) {
  REQUIRE(fake.start({ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "11", "--latency-ms",
                      std::to_string(latency_ms)},
                     dir + "/fake.log"));
  std::string port = fake.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)", 20s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

// Ollama only, four calls at a time so that several commits are in flight at a kill.
std::string write_crash_config(const std::string& dir, const std::string& name,
                               const std::string& base_url, const std::string& storage) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << R"({"server":{"shutdown_grace_ms":5000},
    "storage":)" << storage << R"(,
    "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                      << base_url << R"(","model":"llama3.2","priority":1,
      "limits":{"max_in_flight":4},
      "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}]})";
  return path;
}

// Splits an SSE byte stream into the JSON payloads of its events.
struct sse_reader {
  std::string buffer;
  std::vector<std::string> feed(const std::string& piece) {
    buffer += piece;
    std::vector<std::string> out;
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      auto data = event.find("data: ");
      if (data != std::string::npos)
        out.push_back(event.substr(data + 6));
    }
    return out;
  }
};

// What one streamed batch told the client before the kill (filled on the io thread,
// read after blocking_request returned).
struct stream_log {
  std::vector<std::uint64_t> acked;
  std::string job_id;
  bool saw_complete = false;
  bool killed = false;
  int bad_events = 0;
};

// Runs mdb_stat over the environment; -1 when the tool is not installed.
int mdb_stat_status(const std::string& dir, std::string& output) {
  if (std::system("command -v mdb_stat >/dev/null 2>&1") != 0)
    return -1;
  std::string cmd = "mdb_stat -e '" + dir + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr)
    return -1;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr)
    output += buf;
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// The story ids of the successful examples in GET /jobs/{id}: each was acknowledged.
std::vector<std::uint64_t> acked_in_summary(http_fixture& http, const std::string& url,
                                            const std::string& job_id) {
  auto resp = http.call("GET", url + "/jobs/" + job_id);
  REQUIRE(resp.status == 200);
  auto doc = parse(resp.body);
  std::vector<std::uint64_t> ids;
  for (const auto& ex : doc["examples"].GetArray())
    if (ex["success"].GetBool())
      ids.push_back(ex["story_id"].GetUint64());
  CHECK(static_cast<int>(ids.size()) == doc["successful"].GetInt());
  return ids;
}

// Asks GET /status (readiness with a deadline) until its state is `want`. No pause between
// asks: each is a full round trip through the scheduler, which is what paces the loop.
rapidjson::Document wait_for_state(http_fixture& http, const std::string& url,
                                   const std::string& want, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto resp = http.call("GET", url + "/status");
    REQUIRE(resp.status == 200);
    auto doc = parse(resp.body);
    if (doc["state"].GetString() == want || std::chrono::steady_clock::now() >= deadline)
      return doc;
  }
}

// The ids of the jobs GET /jobs lists as running or queued.
std::vector<std::string> unfinished_jobs(http_fixture& http, const std::string& url) {
  auto resp = http.call("GET", url + "/jobs");
  REQUIRE(resp.status == 200);
  auto doc = parse(resp.body);
  std::vector<std::string> ids;
  for (const auto& j : doc["jobs"].GetArray()) {
    std::string state = j["state"].GetString();
    if (state == "running" || state == "queued")
      ids.push_back(j["job_id"].GetString());
  }
  return ids;
}

// Waits until GET /jobs lists nothing running or queued; returns how many still are. Each
// unfinished job is followed on its event stream, which the daemon ends after "complete":
// the wait blocks on the daemon, never on a timer.
int wait_jobs_done(http_fixture& http, const std::string& url, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  auto running = unfinished_jobs(http, url);
  while (!running.empty() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& id : running)
      http.call("GET", url + "/jobs/" + id + "/events");
    running = unfinished_jobs(http, url);
  }
  return static_cast<int>(running.size());
}

void check_mdb_stat(const std::string& dir) {
  std::string output;
  int stat = mdb_stat_status(dir, output);
  if (stat < 0) {
    WARN("mdb_stat not installed: environment health not checked");
    return;
  }
  INFO(output);
  CHECK(stat == 0);
}

// Opens the archive the way a 1 MB daemon would: the default 256 MB map would be written
// into the environment and hide whether the daemon grew it.
std::unique_ptr<zega::store::store> open_store(const std::string& dir,
                                               std::uint64_t map_size_mb = 256) {
  std::string error;
  zega::store::store_options opts;
  opts.dir = dir;
  opts.map_size_mb = map_size_mb;
  opts.max_map_size_mb = map_size_mb;
  auto db = zega::store::store::open(opts, error);
  INFO(error);
  REQUIRE(db != nullptr);
  return db;
}

} // namespace

TEST_CASE("SIGKILL at random moments loses no acknowledged example and keeps the archive "
          "consistent",
          "[crash]") {
  constexpr int kills = 24;
  temp_dir dir;
  child_process fake;
  std::string fake_url = start_slow_fake(fake, dir.path(), 30);
  std::string config =
    write_crash_config(dir.path(), "zegad.json", fake_url, R"({"on_interrupted":"resume"})");
  std::string data = dir.path() + "/data";
  http_fixture http;
  // Ollama's default of 4 parallel requests would answer 503 to a restarted daemon while
  // the killed one's calls still run, and the back-off would only cost time here.
  REQUIRE(http.call("POST", fake_url + "/_fake/config",
                    R"({"providers":{"ollama":{"max_concurrency":32}}})")
            .status == 200);
  // Same choices every run; `--rng-seed N` picks another sequence.
  const std::uint32_t seed = 20261125 + Catch::rngSeed();
  std::mt19937 rng(seed);
  std::map<std::uint64_t, std::string> acked; // story id -> the job that acknowledged it
  std::set<std::string> submitted_jobs;
  int before_any_ack = 0;
  auto test_start = std::chrono::steady_clock::now();

  for (int round = 0; round < kills; ++round) {
    child_process daemon;
    std::string url = start_zegad(daemon, config, data, dir.path() + "/zegad.log");
    int num = std::uniform_int_distribution<int>(4, 8)(rng);
    std::size_t kill_after = std::uniform_int_distribution<std::size_t>(0, 3)(rng);
    std::string body = R"({"num_examples":)" + std::to_string(num) + "}";
    INFO("round " << round << ", " << num << " examples, kill after " << kill_after << " acks");
    if (kill_after == 0) {
      // Before any acknowledgement: right after the job was accepted.
      auto resp = http.call("POST", url + "/auto-train?async=1", body);
      daemon.signal(SIGKILL);
      REQUIRE(resp.status == 202);
      submitted_jobs.insert(parse(resp.body)["job_id"].GetString());
      ++before_any_ack;
    } else {
      stream_log log;
      sse_reader sse;
      zega::net::http_request req;
      req.method = "POST";
      req.url = url + "/auto-train-stream";
      req.body = body;
      req.headers.emplace_back("content-type", "application/json");
      zega::net::client_limits limits;
      limits.first_byte_ms = 20000;
      limits.total_ms = 20000;
      // Runs on the io thread: no Catch2 assertions here, only bookkeeping and the kill.
      auto on_chunk = [&](const std::string& piece) {
        for (const auto& json : sse.feed(piece)) {
          rapidjson::Document ev;
          ev.Parse(json.c_str(), json.size());
          if (ev.HasParseError() || !ev.IsObject() || !ev.HasMember("type")) {
            ++log.bad_events;
            continue;
          }
          std::string type = ev["type"].GetString();
          if (ev.HasMember("job_id") && ev["job_id"].IsString())
            log.job_id = ev["job_id"].GetString();
          if (type == "progress" && ev["story_id"].IsUint64())
            log.acked.push_back(ev["story_id"].GetUint64());
          log.saw_complete = log.saw_complete || type == "complete";
        }
        if (log.acked.size() >= kill_after) {
          daemon.signal(SIGKILL);
          log.killed = true;
          return false;
        }
        return true;
      };
      auto result = zega::net::blocking_request(*http.client, req, limits, on_chunk);
      CHECK(log.bad_events == 0);
      // A batch with failures may complete before reaching its kill point: kill now then,
      // while resumed jobs of earlier rounds may still be running.
      if (!log.killed) {
        CHECK(log.saw_complete);
        CHECK(std::holds_alternative<zega::net::http_response>(result));
        daemon.signal(SIGKILL);
      }
      for (auto id : log.acked)
        acked.emplace(id, log.job_id);
      if (!log.job_id.empty())
        submitted_jobs.insert(log.job_id);
    }
    CHECK(daemon.wait_exit(10s) == -1);
    REQUIRE_FALSE(daemon.running());
  }

  // One last run finishes every resumed job, then a clean shutdown.
  {
    child_process daemon;
    std::string url = start_zegad(daemon, config, data, dir.path() + "/zegad-final.log");
    CHECK(wait_jobs_done(http, url, 30s) == 0);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(20s) == 0);
  }

  check_mdb_stat(data);

  auto db = open_store(data);
  // Every acknowledged example is there exactly once: ids are unique keys, so "once"
  // means no second example holds the same (job, task position).
  std::map<std::string, int> per_job;
  std::set<std::pair<std::string, std::uint64_t>> positions;
  int duplicates = 0;
  std::size_t examples = 0;
  db->for_each_example({}, [&](const zega::store::example_record& ex) {
    ++examples;
    ++per_job[ex.job_id];
    if (!positions.insert({ex.job_id, ex.task_seq}).second)
      ++duplicates;
    return true;
  });
  CHECK(duplicates == 0);
  int lost = 0;
  int misfiled = 0;
  for (const auto& [id, job_id] : acked) {
    auto ex = db->get_example(id);
    lost += ex ? 0 : 1;
    misfiled += ex && ex->job_id != job_id ? 1 : 0;
  }
  CHECK(lost == 0);
  CHECK(misfiled == 0);
  CHECK(examples >= acked.size());

  // Every job accepted by the daemon has a record; after the final run each one completed
  // (interrupted jobs resume), with one stored example per success and every task
  // accounted for.
  std::size_t jobs = 0;
  db->for_each_job([&](const zega::store::job_record& j) {
    ++jobs;
    INFO("job " << j.id << " state " << j.state << " requested " << j.requested
                << " successful " << j.successful << " failed " << j.failed);
    CHECK(j.state == "completed");
    CHECK(j.successful == per_job[j.id]);
    CHECK(j.successful + j.failed == j.requested);
    return true;
  });
  for (const auto& id : submitted_jobs) {
    INFO("submitted job " << id);
    CHECK(db->get_job(id).has_value());
  }
  CHECK(jobs == submitted_jobs.size());
  CHECK(per_job.size() <= jobs);

  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - test_start);
  std::printf("[crash] seed %u: %d kills (%d before any ack), %zu acks, %zu examples, %zu jobs "
              "in %.1f s\n",
              seed, kills, before_any_ack, acked.size(), examples, jobs, seconds.count());
}

TEST_CASE("a full 1 MB map pauses with the reason, and a larger limit grows it, losing "
          "nothing acknowledged",
          "[crash]") {
  temp_dir dir;
  child_process fake;
  std::string fake_url = start_slow_fake(fake, dir.path(), 2);
  std::string data = dir.path() + "/data";
  http_fixture http;
  REQUIRE(http.call("POST", fake_url + "/_fake/config",
                    R"({"providers":{"ollama":{"max_concurrency":32}}})")
            .status == 200);
  // About 200 examples fill 1 MB; 400 need the map to grow twice.
  constexpr int requested = 400;
  std::string job_id;
  std::vector<std::uint64_t> acked;
  std::size_t acked_when_full = 0;
  {
    child_process daemon;
    std::string url = start_zegad(
      daemon,
      write_crash_config(dir.path(), "full.json", fake_url,
                         R"({"map_size_mb":1,"max_map_size_mb":1,"on_interrupted":"resume"})"),
      data, dir.path() + "/zegad-full.log");
    auto resp = http.call("POST", url + "/auto-train?async=1",
                          R"({"num_examples":)" + std::to_string(requested) + "}");
    REQUIRE(resp.status == 202);
    job_id = parse(resp.body)["job_id"].GetString();
    auto status = wait_for_state(http, url, "storage_full", 20s);
    REQUIRE(status["state"].GetString() == std::string("storage_full"));
    CHECK(status["paused"].GetBool());
    CHECK_THAT(status["reason"].GetString(), Catch::Contains("max_map_size_mb (1 MB)"));
    acked = acked_in_summary(http, url, job_id);
    acked_when_full = acked.size();
    CHECK_FALSE(acked.empty());
    CHECK(static_cast<int>(acked.size()) < requested);
    CHECK(http.call("GET", url + "/health").status == 200);
    // Held batches are not acknowledged: the drain must not wait for them.
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(20s) == 0);
  }
  check_mdb_stat(data);
  {
    auto db = open_store(data, 1);
    for (auto id : acked) {
      INFO("story " << id);
      CHECK(db->get_example(id).has_value());
    }
    auto job = db->get_job(job_id);
    REQUIRE(job.has_value());
    CHECK(job->state == "running");
    zega::store::example_filter f;
    f.job_id = job_id;
    std::size_t stored = 0;
    db->for_each_example(f, [&](const zega::store::example_record&) { return ++stored, true; });
    CHECK(stored >= acked.size());
    // The record travels with each example but counts only the ones committed before it.
    CHECK(static_cast<std::size_t>(job->successful) <= stored);
  }

  // The same archive with room to grow: the job resumes and the map doubles as needed.
  {
    child_process daemon;
    std::string url = start_zegad(
      daemon,
      write_crash_config(dir.path(), "grow.json", fake_url,
                         R"({"map_size_mb":1,"max_map_size_mb":8,"on_interrupted":"resume"})"),
      data, dir.path() + "/zegad-grow.log");
    CHECK(wait_jobs_done(http, url, 30s) == 0);
    auto status = wait_for_state(http, url, "running", 1s);
    CHECK(status["state"].GetString() == std::string("running"));
    auto all = acked_in_summary(http, url, job_id);
    acked.insert(acked.end(), all.begin(), all.end());
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(20s) == 0);
  }
  check_mdb_stat(data);
  auto db = open_store(data, 1);
  CHECK(db->map_size_bytes() > 1024 * 1024);
  for (auto id : acked) {
    INFO("story " << id);
    CHECK(db->get_example(id).has_value());
  }
  std::set<std::uint64_t> seqs;
  int duplicates = 0;
  zega::store::example_filter f;
  f.job_id = job_id;
  db->for_each_example(f, [&](const zega::store::example_record& ex) {
    duplicates += seqs.insert(ex.task_seq).second ? 0 : 1;
    return true;
  });
  CHECK(duplicates == 0);
  auto job = db->get_job(job_id);
  REQUIRE(job.has_value());
  CHECK(job->state == "completed");
  CHECK(static_cast<std::size_t>(job->successful) == seqs.size());
  CHECK(job->successful + job->failed == requested);
  std::printf("[crash] map full after %zu of %d examples; map now %llu KiB, %zu stored\n",
              acked_when_full, requested,
              static_cast<unsigned long long>(db->map_size_bytes() >> 10), seqs.size());
}

#endif
