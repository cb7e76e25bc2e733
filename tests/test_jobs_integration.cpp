// The job API end to end on loopback: Server-Sent Events (order, heartbeats, completion,
// resumption with Last-Event-ID), async jobs, cancel, pause/resume across a restart,
// ensemble voting, history/examples/export, zegactl, and the 4xx answers to bad input.

#include "integration_support.hpp"

#include <cctype>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

constexpr auto event_wait = std::chrono::milliseconds(20000);
const char* groq_key_env = "ZEGA_ITEST_GROQ_KEY";

struct options {
  int heartbeat_ms = 15000;
  bool with_groq = false;
};

// The fake LLM server and zegad (configured by `opts`) on loopback, with a client.
struct stack {
  temp_dir dir;
  child_process fake;
  std::string fake_url;
  std::string config;
  std::string data;
  child_process daemon;
  std::string url;
  http_fixture http;
  int restarts = 0;

  explicit stack(const options& opts = {}) {
    fake_url = "http://127.0.0.1:" + start_fake(fake, dir.path());
    data = dir.path() + "/data";
    config = dir.path() + "/zegad.json";
    std::ostringstream providers;
    providers << R"([{"name":"ollama","preset":"ollama","base_url":")" << fake_url << R"(",
        "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}})";
    if (opts.with_groq) {
      // Truncated answers score lower: the ensemble then has a clear best.
      providers << R"(,{"name":"groq","preset":"groq","base_url":")" << fake_url
                << R"(/openai/v1","api_key_env":")" << groq_key_env << R"(",
        "max_output_tokens":40,
        "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}})";
      setenv(groq_key_env, "gsk_itest_key", 1);
    }
    providers << "]";
    std::ofstream(config) << R"({"server":{"shutdown_grace_ms":3000,"heartbeat_ms":)"
                          << opts.heartbeat_ms << R"(},"providers":)" << providers.str() << "}";
    start();
  }

  void start() {
    url = start_zegad(daemon, config, data,
                      dir.path() + "/zegad" + std::to_string(restarts++) + ".log");
  }
  void stop() {
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(20s) == 0);
  }

  zega::net::http_response get(const std::string& path) {
    return http.call("GET", url + path);
  }
  zega::net::http_response post(const std::string& path, const std::string& body = {}) {
    return http.call("POST", url + path, body);
  }
  rapidjson::Document get_json(const std::string& path) {
    auto resp = get(path);
    INFO("GET " << path << " -> " << resp.body);
    REQUIRE(resp.status == 200);
    return parse(resp.body);
  }
  // POST /auto-train?async=1; returns the job id.
  std::string submit(const std::string& body) {
    auto resp = post("/auto-train?async=1", body);
    INFO(resp.body);
    REQUIRE(resp.status == 202);
    auto doc = parse(resp.body);
    std::string id = doc["job_id"].GetString();
    const std::string* location = zega::net::find_header(resp.headers, "location");
    REQUIRE(location != nullptr);
    CHECK(*location == "/jobs/" + id);
    return id;
  }
  // Configures the fake server (latency, limits) through its admin API.
  void fake_config(const std::string& json) {
    auto resp = http.call("POST", fake_url + "/_fake/config", json);
    INFO(resp.body);
    REQUIRE(resp.status == 200);
  }
  // The job's entry in GET /jobs (with its queued and in-flight counts).
  rapidjson::Document brief(const std::string& id) {
    auto jobs = get_json("/jobs");
    for (auto& j : jobs["jobs"].GetArray())
      if (j["job_id"].GetString() == id) {
        rapidjson::Document doc;
        doc.CopyFrom(j, doc.GetAllocator());
        return doc;
      }
    FAIL("job " << id << " is not in GET /jobs");
    return {};
  }
  long fake_requests(const char* provider) {
    auto resp = http.call("GET", fake_url + "/_fake/stats");
    REQUIRE(resp.status == 200);
    return parse(resp.body)["providers"][provider]["requests"].GetInt64();
  }
};

rapidjson::Document data_of(const sse_event& ev) {
  return parse(ev.data);
}

std::uint64_t id_of(const sse_event& ev) {
  REQUIRE(ev.id.has_value());
  return std::stoull(*ev.id);
}

// Reads events until the server ends the stream; heartbeats are dropped.
std::vector<sse_event> read_to_end(sse_stream& s) {
  std::vector<sse_event> out;
  while (auto ev = s.next(event_wait))
    if (ev->type != "heartbeat")
      out.push_back(std::move(*ev));
  return out;
}

// The ids are consecutive from `first` and the stream's last event is "complete".
void check_tail(const std::vector<sse_event>& events, std::uint64_t first) {
  REQUIRE_FALSE(events.empty());
  for (std::size_t i = 0; i < events.size(); ++i)
    CHECK(id_of(events[i]) == first + i);
  CHECK(events.back().type == "complete");
  for (std::size_t i = 0; i + 1 < events.size(); ++i)
    CHECK(events[i].type == "progress");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// Runs a built program with arguments; its stdout is read through `proc`.
void run(child_process& proc, const std::vector<std::string>& argv, const std::string& log) {
  REQUIRE(proc.start(argv, log));
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("auto-train-stream sends ordered progress events, then complete, then ends",
          "[jobs-integration]") {
  stack s;
  sse_stream stream(*s.http.client, "POST", s.url + "/auto-train-stream",
                    R"({"num_examples":3})");
  auto events = read_to_end(stream);
  auto end = stream.wait_end(event_wait);
  REQUIRE(end.has_value());
  CHECK(end->status == 200);
  const std::string* type = zega::net::find_header(end->headers, "content-type");
  REQUIRE(type != nullptr);
  CHECK(*type == "text/event-stream");

  REQUIRE(events.size() == 4);
  check_tail(events, 1);
  std::string job_id;
  std::set<std::uint64_t> story_ids;
  for (int i = 0; i < 3; ++i) {
    auto p = data_of(events[i]);
    CHECK(p["current"].GetInt() == i + 1);
    CHECK(p["total"].GetInt() == 3);
    CHECK(p["successful"].GetInt() == i + 1);
    REQUIRE(p["story_id"].IsUint64());
    story_ids.insert(p["story_id"].GetUint64());
    if (i == 0)
      job_id = p["job_id"].GetString();
    CHECK(p["job_id"].GetString() == job_id);
  }
  CHECK(story_ids.size() == 3);
  auto done = data_of(events.back());
  CHECK(done["job_id"].GetString() == job_id);
  const auto& result = done["result"];
  CHECK(result["successful"].GetInt() == 3);
  CHECK(result["failed"].GetInt() == 0);
  std::set<std::uint64_t> result_ids;
  for (const auto& ex : result["examples"].GetArray())
    result_ids.insert(ex["story_id"].GetUint64());
  CHECK(result_ids == story_ids);

  // Every acknowledged story id is in the archive.
  auto examples = s.get_json("/examples?limit=10");
  std::set<std::uint64_t> archived;
  for (const auto& ex : examples["examples"].GetArray())
    archived.insert(ex["id"].GetUint64());
  CHECK(archived == story_ids);

  // GET /jobs/{id} and the job list agree with the stream.
  auto job = s.get_json("/jobs/" + job_id);
  CHECK(job["state"].GetString() == std::string("completed"));
  CHECK(job["successful"].GetInt() == 3);
  auto jobs = s.get_json("/jobs");
  REQUIRE(jobs["jobs"].Size() == 1);
  CHECK(jobs["jobs"][0]["job_id"].GetString() == job_id);
  CHECK(jobs["jobs"][0]["state"].GetString() == std::string("completed"));
  s.stop();
}

TEST_CASE("a job's events resume after Last-Event-ID with no duplicate and no gap",
          "[jobs-integration]") {
  stack s;
  // Slow enough that the first reader leaves while the job is still running.
  s.fake_config(R"({"latency_ms":150})");
  std::string id = s.submit(R"({"num_examples":5})");
  std::string events_url = s.url + "/jobs/" + id + "/events";

  std::vector<sse_event> first;
  {
    sse_stream head(*s.http.client, "GET", events_url, {}, {}, 2);
    while (auto ev = head.next(event_wait))
      first.push_back(std::move(*ev));
    CHECK_FALSE(head.wait_end(event_wait).has_value()); // we hung up: no complete response
  }
  REQUIRE(first.size() == 2);
  CHECK(id_of(first[0]) == 1);
  CHECK(id_of(first[1]) == 2);
  auto running = s.get_json("/jobs/" + id);
  CHECK(running["state"].GetString() == std::string("running"));

  sse_stream rest(*s.http.client, "GET", events_url, {}, {{"last-event-id", "2"}});
  auto tail = read_to_end(rest);
  REQUIRE(rest.wait_end(event_wait).has_value());
  check_tail(tail, 3);
  CHECK(tail.size() == 4); // progress 3..5, complete

  // A full replay after the end has the same ids and payloads.
  sse_stream all(*s.http.client, "GET", events_url);
  auto replay = read_to_end(all);
  REQUIRE(replay.size() == 6);
  check_tail(replay, 1);
  for (std::size_t i = 0; i < replay.size(); ++i)
    CHECK(replay[i].data == (i < 2 ? first[i].data : tail[i - 2].data));

  // Resuming after the last event: nothing left, and the stream ends.
  sse_stream none(*s.http.client, "GET", events_url, {}, {{"last-event-id", "6"}});
  CHECK(read_to_end(none).empty());
  CHECK(none.wait_end(event_wait).has_value());
  s.stop();
}

TEST_CASE("heartbeats keep an idle stream alive without moving the client's Last-Event-ID",
          "[jobs-integration]") {
  options opts;
  opts.heartbeat_ms = 200;
  stack s(opts);
  s.fake_config(R"({"latency_ms":300})");
  std::string id = s.submit(R"({"num_examples":4})");
  std::string events_url = s.url + "/jobs/" + id + "/events";

  std::vector<sse_event> seen;
  std::string last_id;
  {
    sse_stream stream(*s.http.client, "GET", events_url);
    // Calls take longer than a heartbeat period: heartbeats may come first.
    auto first = stream.next(event_wait);
    while (first && first->type == "heartbeat") {
      CHECK_FALSE(first->id.has_value());
      first = stream.next(event_wait);
    }
    REQUIRE(first.has_value());
    REQUIRE(first->type == "progress");
    seen.push_back(*first);
    // Pausing stops new dispatch; the call in flight still lands. Then the job is idle.
    REQUIRE(s.post("/pause").status == 200);
    // Idle: no call in flight and no example waiting for its commit.
    int done = 0;
    REQUIRE(wait_until(
      [&] {
        auto b = s.brief(id);
        done = b["successful"].GetInt();
        return b["in_flight"].GetInt() == 0
               && done + b["failed"].GetInt() + b["queued"].GetInt() == 4;
      },
      10s));
    int idle_heartbeats = 0;
    while (idle_heartbeats < 3) {
      auto ev = stream.next(event_wait);
      REQUIRE(ev.has_value());
      if (ev->type == "heartbeat") {
        // A heartbeat is not part of the job's log: it carries no id.
        CHECK_FALSE(ev->id.has_value());
        idle_heartbeats += static_cast<int>(seen.size()) == done ? 1 : 0;
      } else {
        seen.push_back(*ev);
        REQUIRE(static_cast<int>(seen.size()) <= done); // nothing progresses once idle
      }
    }
    last_id = stream.last_event_id();
  }
  REQUIRE(seen.size() <= 2);
  // What an EventSource sends back is the id of the last real event.
  CHECK(last_id == *seen.back().id);
  auto job = s.get_json("/jobs/" + id);
  CHECK(job["successful"].GetInt() == static_cast<int>(seen.size()));

  sse_stream rest(*s.http.client, "GET", events_url, {}, {{"last-event-id", last_id}});
  REQUIRE(s.post("/resume").status == 200);
  auto tail = read_to_end(rest);
  check_tail(tail, std::stoull(last_id) + 1);
  CHECK(seen.size() + tail.size() == 5);
  CHECK(data_of(tail.back())["result"]["successful"].GetInt() == 4);
  s.stop();
}

TEST_CASE("pause holds jobs, survives a restart, and resume lets them complete",
          "[jobs-integration]") {
  options opts;
  opts.heartbeat_ms = 200;
  stack s(opts);
  auto paused = parse(s.post("/pause").body);
  CHECK(paused["paused"].GetBool());
  REQUIRE(paused["since"].IsInt64());
  auto since = paused["since"].GetInt64();
  CHECK(since > 0);
  auto status = s.get_json("/status");
  CHECK(status["state"].GetString() == std::string("paused"));
  CHECK(status["paused"].GetBool());
  CHECK(status["paused_since"].GetInt64() == since);

  std::string id = s.submit(R"({"num_examples":2})");
  auto idle_for_heartbeats = [&] {
    sse_stream stream(*s.http.client, "GET", s.url + "/jobs/" + id + "/events");
    for (int heartbeats = 0; heartbeats < 2;) {
      auto ev = stream.next(event_wait);
      REQUIRE(ev.has_value());
      REQUIRE(ev->type == "heartbeat");
      ++heartbeats;
    }
  };
  idle_for_heartbeats();
  auto job = s.get_json("/jobs/" + id);
  CHECK(job["successful"].GetInt() == 0);
  CHECK(job["failed"].GetInt() == 0);
  CHECK(s.fake_requests("ollama") == 0);

  s.stop();
  s.start();
  status = s.get_json("/status");
  CHECK(status["state"].GetString() == std::string("paused"));
  CHECK(status["paused_since"].GetInt64() == since);
  // The unfinished job came back with the daemon, still held.
  job = s.get_json("/jobs/" + id);
  CHECK(job["state"].GetString() == std::string("running"));
  idle_for_heartbeats();
  CHECK(s.fake_requests("ollama") == 0);

  sse_stream stream(*s.http.client, "GET", s.url + "/jobs/" + id + "/events");
  auto resumed = parse(s.post("/resume").body);
  CHECK_FALSE(resumed["paused"].GetBool());
  CHECK(resumed["since"].IsNull());
  auto events = read_to_end(stream);
  REQUIRE_FALSE(events.empty());
  auto result = data_of(events.back());
  CHECK(result["type"].GetString() == std::string("complete"));
  CHECK(result["result"]["successful"].GetInt() == 2);
  CHECK(s.get_json("/status")["state"].GetString() == std::string("running"));
  s.stop();
  CHECK(stored_examples(s.data) == 2);
}

TEST_CASE("DELETE /jobs/{id} drops queued tasks and keeps the one in flight",
          "[jobs-integration]") {
  stack s;
  // Long enough that the call seen in flight is still there when the cancel arrives.
  s.fake_config(R"({"latency_ms":1000})");
  std::string id = s.submit(R"({"num_examples":5})");
  REQUIRE(wait_until([&] { return s.brief(id)["in_flight"].GetInt() == 1; }, 10s));

  auto cancel = s.http.call("DELETE", s.url + "/jobs/" + id);
  INFO(cancel.body);
  REQUIRE(cancel.status == 200);
  auto c = parse(cancel.body);
  CHECK(c["state"].GetString() == std::string("cancelling"));
  int in_flight = c["in_flight"].GetInt();
  CHECK(in_flight == 1); // ollama takes one call at a time
  CHECK(c["dropped"].GetInt() >= 3);

  sse_stream stream(*s.http.client, "GET", s.url + "/jobs/" + id + "/events");
  auto events = read_to_end(stream);
  REQUIRE_FALSE(events.empty());
  auto done = data_of(events.back());
  REQUIRE(done["type"].GetString() == std::string("complete"));
  const auto& result = done["result"];
  CHECK(result["state"].GetString() == std::string("cancelled"));
  int successful = result["successful"].GetInt();
  CHECK(successful == 5 - c["dropped"].GetInt());
  CHECK(result["failed"].GetInt() == 0);
  CHECK(s.get_json("/jobs/" + id)["state"].GetString() == std::string("cancelled"));
  // The in-flight call was kept and archived; nothing was sent for the dropped tasks.
  CHECK(s.get_json("/examples")["count"].GetInt() == successful);
  CHECK(s.fake_requests("ollama") == successful);

  auto again = s.http.call("DELETE", s.url + "/jobs/" + id);
  REQUIRE(again.status == 200);
  CHECK(parse(again.body)["dropped"].GetInt() == 0);
  CHECK(parse(again.body)["state"].GetString() == std::string("cancelled"));
  s.stop();
}

TEST_CASE("bad job requests get a clear 4xx and start nothing", "[jobs-integration]") {
  stack s;
  struct bad_case {
    std::string path;
    std::string body;
    std::string field;
  };
  for (const auto& c :
       {bad_case{"/auto-train", R"({"num_examples":2,"min_votes":2})", "min_votes"},
        bad_case{"/auto-train-stream", R"({"num_examples":2,"min_votes":2})", "min_votes"},
        bad_case{"/auto-train?async=1", R"({"num_examples":2,"min_votes":2})", "min_votes"},
        bad_case{"/auto-train", R"({"num_examples":2,"min_votes":0})", "min_votes"},
        bad_case{"/auto-train-stream", R"({"num_examples":2,"elements":["poem"]})",
                 "elements[0]"},
        bad_case{"/auto-train?async=1", R"({"elements":["scene","sonnet"]})", "elements[1]"}}) {
    auto resp = s.post(c.path, c.body);
    INFO(c.path << " " << c.body << " -> " << resp.body);
    CHECK(resp.status == 400);
    const std::string* type = zega::net::find_header(resp.headers, "content-type");
    REQUIRE(type != nullptr);
    CHECK(*type == "application/json");
    auto doc = parse(resp.body);
    CHECK(doc["error"]["code"].GetString() == std::string("bad_request"));
    CHECK(std::string(doc["error"]["message"].GetString()).rfind(c.field, 0) == 0);
  }
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
         {"DELETE", "/jobs/j-1-nosuchjob"},
         {"GET", "/jobs/j-1-nosuchjob"},
         {"GET", "/jobs/j-1-nosuchjob/events"}}) {
    auto resp = s.http.call(method, s.url + path);
    INFO(method << " " << path << " -> " << resp.body);
    CHECK(resp.status == 404);
    auto doc = parse(resp.body);
    CHECK(doc["error"]["code"].GetString() == std::string("not_found"));
    CHECK_THAT(doc["error"]["message"].GetString(), Catch::Contains("j-1-nosuchjob"));
  }
  CHECK(s.get_json("/jobs")["total"].GetInt() == 0);
  CHECK(s.fake_requests("ollama") == 0);
  s.stop();
}

TEST_CASE("min_votes 2 over two providers records both candidates and keeps the best",
          "[jobs-integration]") {
  options opts;
  opts.with_groq = true;
  stack s(opts);
  // Groq answers first (and truncated); the better Ollama answer arrives second.
  s.fake_config(R"({"providers":{"ollama":{"latency_ms":100},"groq":{"latency_ms":5}}})");
  auto resp = s.post("/auto-train", R"({"num_examples":3,"min_votes":2})");
  INFO(resp.body);
  REQUIRE(resp.status == 200);
  auto doc = parse(resp.body);
  CHECK(doc["successful"].GetInt() == 3);
  std::map<std::uint64_t, std::string> kept; // story id -> output
  for (const auto& ex : doc["examples"].GetArray()) {
    REQUIRE(ex["success"].GetBool());
    const auto& cands = ex["candidates"];
    REQUIRE(cands.Size() == 2);
    std::set<std::string> providers;
    double best = -1;
    std::string best_provider;
    for (const auto& c : cands.GetArray()) {
      providers.insert(c["provider"].GetString());
      if (c["quality"].GetDouble() > best) {
        best = c["quality"].GetDouble();
        best_provider = c["provider"].GetString();
      }
    }
    CHECK(providers == std::set<std::string>{"groq", "ollama"});
    CHECK(ex["quality_score"].GetDouble() == Approx(best));
    CHECK(ex["provider"].GetString() == best_provider);
    CHECK(best_provider == "ollama"); // the untruncated answer
    kept[ex["story_id"].GetUint64()] = ex["output"].GetString();
  }
  CHECK(s.fake_requests("ollama") == 3);
  CHECK(s.fake_requests("groq") == 3);
  // The archive holds the winner with both votes.
  auto examples = s.get_json("/examples");
  REQUIRE(examples["count"].GetInt() == 3);
  for (const auto& ex : examples["examples"].GetArray()) {
    auto it = kept.find(ex["id"].GetUint64());
    REQUIRE(it != kept.end());
    CHECK(ex["output"].GetString() == it->second);
    CHECK(ex["provider"].GetString() == std::string("ollama"));
    CHECK(ex["candidates"].Size() == 2);
  }
  // Three votes need three providers.
  auto three = s.post("/auto-train", R"({"num_examples":1,"min_votes":3})");
  CHECK(three.status == 400);
  CHECK_THAT(three.body, Catch::Contains("min_votes: 3 exceeds the 2 enabled providers"));
  s.stop();
}

TEST_CASE("history, stats, examples and export agree with the jobs that ran",
          "[jobs-integration]") {
  stack s;
  auto genres = s.get_json("/training/genres");
  REQUIRE(genres["genres"].Size() >= 2);
  std::string g1 = genres["genres"][0].GetString();
  std::string g2 = genres["genres"][1].GetString();
  std::set<std::string> job_ids;
  for (const auto& [genre, element] :
       std::vector<std::pair<std::string, std::string>>{{g1, "scene"}, {g2, "dialogue"}}) {
    auto resp = s.post("/auto-train", R"({"num_examples":3,"genres":[")" + genre
                                         + R"("],"elements":[")" + element + R"("]})");
    REQUIRE(resp.status == 200);
    auto doc = parse(resp.body);
    REQUIRE(doc["successful"].GetInt() == 3);
    job_ids.insert(doc["job_id"].GetString());
  }

  auto history = s.get_json("/history");
  REQUIRE(history["count"].GetInt() == 2);
  std::set<std::string> sessions;
  for (const auto& h : history["history"].GetArray()) {
    sessions.insert(h["session_id"].GetString());
    CHECK(h["state"].GetString() == std::string("completed"));
    CHECK(h["successful"].GetInt() == 3);
    CHECK(h["total_requested"].GetInt() == 3);
  }
  CHECK(sessions == job_ids);
  auto page = s.get_json("/history?limit=1");
  CHECK(page["count"].GetInt() == 1);
  REQUIRE(page["next_cursor"].IsString());
  auto page2 = s.get_json(std::string("/history?limit=1&cursor=") + page["next_cursor"].GetString());
  REQUIRE(page2["count"].GetInt() == 1);
  CHECK(std::string(page2["history"][0]["session_id"].GetString())
        != page["history"][0]["session_id"].GetString());

  auto stats = s.get_json("/history/stats");
  CHECK(stats["total_sessions"].GetInt() == 2);
  CHECK(stats["total_examples_generated"].GetInt() == 6);
  CHECK(stats["by_genre"][g1.c_str()]["examples"].GetInt() == 3);
  CHECK(stats["by_genre"][g2.c_str()]["examples"].GetInt() == 3);
  CHECK(stats["by_element"]["scene"]["examples"].GetInt() == 3);
  CHECK(stats["by_element"]["dialogue"]["examples"].GetInt() == 3);
  CHECK(stats["by_provider"]["ollama"]["examples"].GetInt() == 6);
  CHECK(stats["total_attempts"].GetInt() >= 6);

  // Paging with a cursor visits every example once.
  std::map<std::uint64_t, double> quality;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto p = s.get_json("/examples?limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ++pages;
    for (const auto& ex : p["examples"].GetArray())
      CHECK(quality.emplace(ex["id"].GetUint64(), ex["quality"].GetDouble()).second);
    if (p["next_cursor"].IsNull())
      break;
    cursor = p["next_cursor"].GetString();
    REQUIRE(pages < 10);
  }
  CHECK(pages == 2);
  CHECK(quality.size() == 6);
  for (const auto& [query, key, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
         {"genre=" + url_encode(g1), "genre", g1}, {"element=dialogue", "element", "dialogue"}}) {
    auto p = s.get_json("/examples?" + query);
    CHECK(p["count"].GetInt() == 3);
    for (const auto& ex : p["examples"].GetArray())
      CHECK(ex[key.c_str()].GetString() == value);
  }
  // min_quality thresholds between the scores present (and at the ends) split them exactly.
  std::set<double> scores;
  for (const auto& [id, quality_score] : quality)
    scores.insert(quality_score);
  std::set<std::string> thresholds{"0", "10"};
  for (auto it = scores.begin(); std::next(it) != scores.end(); ++it)
    thresholds.insert(std::to_string((*it + *std::next(it)) / 2));
  for (const auto& t : thresholds) {
    long at_least = 0;
    for (const auto& [id, quality_score] : quality)
      at_least += quality_score >= std::stod(t) ? 1 : 0;
    auto high = s.get_json("/examples?min_quality=" + t);
    INFO("min_quality=" << t);
    CHECK(high["count"].GetInt() == at_least);
    for (const auto& ex : high["examples"].GetArray())
      CHECK(ex["quality"].GetDouble() >= std::stod(t));
  }

  // Exports: one JSON object a line, one line per example.
  auto openai = s.get("/export?format=openai");
  REQUIRE(openai.status == 200);
  auto lines = lines_of(openai.body);
  CHECK(lines.size() == 6);
  for (const auto& line : lines) {
    auto doc = parse(line);
    REQUIRE(doc["messages"].IsArray());
    std::set<std::string> roles;
    for (const auto& m : doc["messages"].GetArray()) {
      roles.insert(m["role"].GetString());
      CHECK(m["content"].GetStringLength() > 0);
    }
    CHECK(roles.count("user") == 1);
    CHECK(roles.count("assistant") == 1);
  }
  auto zega = s.get("/export?format=zega&genre=" + url_encode(g2));
  REQUIRE(zega.status == 200);
  lines = lines_of(zega.body);
  CHECK(lines.size() == 3);
  for (const auto& line : lines) {
    auto doc = parse(line);
    CHECK(doc["input"].GetStringLength() > 0);
    CHECK(doc["output"].GetStringLength() > 0);
    CHECK(doc["metadata"]["genre"].GetString() == g2);
  }
  // python3's json agrees with RapidJSON on every line.
  std::string file = s.dir.path() + "/openai.jsonl";
  std::ofstream(file) << openai.body;
  std::string py = "python3 -c 'import json,sys; n=sum(1 for l in open(sys.argv[1]) "
                   "if json.loads(l)[\"messages\"]); sys.exit(0 if n==6 else 1)' "
                   + file;
  CHECK(std::system(py.c_str()) == 0);

  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
         {"/export?format=xml", "format"},
         {"/export?min_quality=abc", "min_quality"},
         {"/examples?min_quality=abc", "min_quality"},
         {"/examples?limit=0", "limit"},
         {"/examples?element=poem", "element"},
         {"/history?genre=knitting", "genre"},
         {"/export?split=test", "split"},
         {"/export?validation_fraction=2", "validation_fraction"}}) {
    auto resp = s.get(query);
    INFO(query << " -> " << resp.body);
    CHECK(resp.status == 400);
    auto doc = parse(resp.body);
    CHECK(std::string(doc["error"]["message"].GetString()).rfind(field, 0) == 0);
  }
  s.stop();
}

#if defined(ZEGACTL_BIN)
TEST_CASE("zegactl train --follow prints the summary and exits 0, export -o writes the file",
          "[jobs-integration]") {
  stack s;
  child_process train;
  run(train, {ZEGACTL_BIN, "--url", s.url, "train", "-n", "3", "--follow"},
      s.dir.path() + "/train.err");
  auto summary = train.wait_for_line("(requested 3, successful 3, failed 0.*)", 30s);
  CHECK_FALSE(summary.empty());
  CHECK(train.wait_exit(30s) == 0);
  CHECK_THAT(read_file(s.dir.path() + "/train.err"), Catch::Contains("100%  3/3  ok 3"));

  child_process refused;
  run(refused, {ZEGACTL_BIN, "--url", s.url, "train", "-n", "2", "--min-votes", "2", "--follow"},
      s.dir.path() + "/refused.err");
  CHECK(refused.wait_exit(30s) == 1);
  CHECK_THAT(read_file(s.dir.path() + "/refused.err"),
             Catch::Contains("400: min_votes: 2 exceeds the 1 enabled providers"));

  std::string file = s.dir.path() + "/dataset.jsonl";
  child_process exporter;
  run(exporter, {ZEGACTL_BIN, "--url", s.url, "export", "-o", file, "--format", "zega"},
      s.dir.path() + "/export.err");
  CHECK_FALSE(exporter.wait_for_line("wrote 3 examples to", 30s).empty());
  CHECK(exporter.wait_exit(30s) == 0);
  auto written = read_file(file);
  CHECK(written == s.get("/export?format=zega").body);
  auto lines = lines_of(written);
  CHECK(lines.size() == 3);
  for (const auto& line : lines)
    CHECK(parse(line)["output"].GetStringLength() > 0);

  child_process bad;
  run(bad, {ZEGACTL_BIN, "--url", s.url, "export", "-o", file + ".bad", "--format", "xml"},
      s.dir.path() + "/bad.err");
  CHECK(bad.wait_exit(30s) == 1);
  CHECK_THAT(read_file(s.dir.path() + "/bad.err"), Catch::Contains("format"));
  s.stop();
}
#endif

#endif
