// The dataset routes end to end on loopback (issue 13): GET /examples with review status and
// breakdown, PATCH /examples/{id}, honest export defaults, POST /rescore through the
// archiver, premise history across a restart, and a bad topics file refused at start.

#include "integration_support.hpp"

#include "store/rescore.hpp"
#include "training/premise.hpp"
#include "training/quality.hpp"

#include <csignal>
#include <map>
#include <set>
#include <sstream>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

// The fake LLM server (default flaws) and zegad with `extra` top-level config members.
struct data_stack {
  temp_dir dir;
  child_process fake;
  std::string fake_url, config, data, url;
  child_process daemon;
  http_fixture http;
  int restarts = 0;

  explicit data_stack(const std::string& extra = {}) {
    fake_url = "http://127.0.0.1:" + start_fake(fake, dir.path());
    data = dir.path() + "/data";
    config = dir.path() + "/zegad.json";
    std::ofstream(config) << R"({"server":{"shutdown_grace_ms":3000},)" << extra
                          << R"("providers":[{"name":"ollama","preset":"ollama","base_url":")"
                          << fake_url << R"(",
        "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}]})";
    start();
  }
  void start() {
    url = start_zegad_with(daemon, config, data,
                           dir.path() + "/zegad" + std::to_string(restarts++) + ".log",
                           {"--env-file", "/dev/null"});
  }
  void stop() {
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(20s) == 0);
  }
  zega::net::http_response call(const std::string& method, const std::string& path,
                                const std::string& body = {}) {
    return http.call(method, url + path, body);
  }
  rapidjson::Document get_json(const std::string& path) {
    auto resp = call("GET", path);
    INFO("GET " << path << " -> " << resp.body);
    REQUIRE(resp.status == 200);
    return parse(resp.body);
  }
  void train(int n, const std::string& genre = "fantasy", const std::string& element = "scene") {
    auto resp = call("POST", "/auto-train",
                     R"({"num_examples":)" + std::to_string(n) + R"(,"genres":[")" + genre
                       + R"("],"elements":[")" + element + R"("]})");
    INFO(resp.body);
    REQUIRE(resp.status == 200);
  }
  // Every example (id -> record as GET /examples shows it), paging through.
  std::map<std::uint64_t, rapidjson::Document> examples(const std::string& query = {}) {
    std::map<std::uint64_t, rapidjson::Document> out;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = get_json("/examples?limit=100" + query
                           + (cursor.empty() ? "" : "&cursor=" + cursor));
      for (auto& ex : page["examples"].GetArray()) {
        rapidjson::Document d;
        d.CopyFrom(ex, d.GetAllocator());
        out.emplace(ex["id"].GetUint64(), std::move(d));
      }
      if (page["next_cursor"].IsNull())
        break;
      cursor = page["next_cursor"].GetString();
    }
    return out;
  }
  std::vector<std::string> export_lines(const std::string& query, int expect_status = 200) {
    auto resp = call("GET", "/export" + query);
    INFO("GET /export" << query << " -> " << resp.body.substr(0, 300));
    REQUIRE(resp.status == expect_status);
    std::vector<std::string> lines;
    std::istringstream in(resp.body);
    for (std::string line; std::getline(in, line);)
      if (!line.empty())
        lines.push_back(line);
    return lines;
  }
};

} // namespace

TEST_CASE("export defaults, curation and the examples view over HTTP", "[integration]") {
  data_stack s;
  s.train(12);
  auto all = s.examples();
  REQUIRE(all.size() == 12);
  std::size_t kept = 0;
  for (auto& [id, ex] : all) {
    CHECK(ex["status"].IsNull());
    REQUIRE(ex["quality_breakdown"].IsObject());
    CHECK(ex["quality_breakdown"]["parts"].IsArray());
    CHECK(ex["rubric_version"].GetInt() == zega::training::rubric_version);
    kept += ex["quality"].GetDouble() >= 7.0 ? 1 : 0;
  }
  // The floor defaults to the memory threshold; "all" takes every score.
  CHECK(s.export_lines("").size() == kept);
  CHECK(s.export_lines("?min_quality=all").size() == 12);
  CHECK(s.export_lines("?min_quality=0&provider=ollama").size() == 12);
  CHECK(s.export_lines("?min_quality=all&provider=nobody").empty());
  auto completion = s.export_lines("?min_quality=all&format=completion");
  REQUIRE(completion.size() == 12);
  auto line = parse(completion.front());
  CHECK(line.HasMember("prompt"));
  CHECK(line.HasMember("completion"));
  s.export_lines("?split=validation", 400);
  s.export_lines("?format=csv", 400);
  s.export_lines("?min_quality=eleven", 400);
  CHECK(s.export_lines("?min_quality=all&split=train&validation_fraction=0.5").size()
          + s.export_lines("?min_quality=all&split=validation&validation_fraction=0.5").size()
        == 12);

  auto victim = all.begin()->first;
  std::string victim_output = all.begin()->second["output"].GetString();
  auto resp = s.call("PATCH", "/examples/" + std::to_string(victim), R"({"status":"rejected"})");
  INFO(resp.body);
  REQUIRE(resp.status == 200);
  auto patched = parse(resp.body);
  CHECK(patched["id"].GetUint64() == victim);
  CHECK(patched["status"].GetString() == std::string("rejected"));
  auto accepted = std::next(all.begin())->first;
  REQUIRE(s.call("PATCH", "/examples/" + std::to_string(accepted), R"({"status":"accepted"})")
            .status
          == 200);

  // A rejected example never exports, whatever the floor.
  auto everything = s.export_lines("?min_quality=all&format=completion");
  CHECK(everything.size() == 11);
  for (const auto& l : everything)
    CHECK(parse(l)["completion"].GetString() != victim_output);
  CHECK(s.examples("&status=rejected").size() == 1);
  CHECK(s.examples("&status=accepted").size() == 1);
  CHECK(s.examples("&status=none").size() == 10);
  CHECK(s.examples("&provider=nobody").empty());
  CHECK(s.call("GET", "/examples?status=maybe").status == 400);

  CHECK(s.call("PATCH", "/examples/999999", R"({"status":"rejected"})").status == 404);
  CHECK(s.call("PATCH", "/examples/abc", R"({"status":"rejected"})").status == 404);
  CHECK(s.call("PATCH", "/examples/" + std::to_string(victim), R"({"status":"maybe"})").status
        == 400);
  CHECK(s.call("PATCH", "/examples/" + std::to_string(victim), "not json").status == 400);
  CHECK(s.call("DELETE", "/examples/" + std::to_string(victim)).status == 405);
  // PATCH follows the JSON content-type rule of POST (a form on another site cannot send it).
  zega::net::http_request bare;
  bare.method = "PATCH";
  bare.url = s.url + "/examples/" + std::to_string(victim);
  bare.body = R"({"status":"accepted"})";
  bare.headers.emplace_back("content-type", "text/plain");
  zega::net::client_limits limits;
  auto result = zega::net::blocking_request(*s.http.client, bare, limits);
  auto* plain = std::get_if<zega::net::http_response>(&result);
  REQUIRE(plain != nullptr);
  CHECK(plain->status == 415);
  CHECK(s.examples("&status=rejected").size() == 1);
}

TEST_CASE("rescore through the daemon reports crossings and keeps outputs", "[integration]") {
  data_stack s;
  s.train(10);
  auto before = s.examples();
  REQUIRE(before.size() == 10);
  s.stop();
  // Make the stored scores stale: version 1 and a zero score, as an old rubric might leave.
  std::size_t should_rise = 0;
  {
    std::string error;
    zega::store::store_options opts;
    opts.dir = s.data;
    auto db = zega::store::store::open(opts, error);
    REQUIRE(db != nullptr);
    auto r = db->update_examples(0, 100, [&](zega::store::example_record& ex) {
      should_rise += ex.quality >= 7.0 ? 1 : 0;
      ex.quality = 0;
      ex.in_memory = false;
      ex.rubric_version = 1;
      return true;
    });
    REQUIRE(r.status == zega::store::commit_status::ok);
  }
  s.start();
  auto resp = s.call("POST", "/rescore", "{}");
  INFO(resp.body);
  REQUIRE(resp.status == 200);
  auto counts = parse(resp.body);
  CHECK(counts["examined"].GetInt() == 10);
  CHECK(counts["rescored"].GetInt() == 10);
  CHECK(counts["memory"]["up"].GetUint64() == should_rise);
  CHECK(counts["memory"]["down"].GetInt() == 0);
  CHECK(counts["rubric_version"].GetInt() == zega::training::rubric_version);
  auto after = s.examples();
  REQUIRE(after.size() == 10);
  for (auto& [id, ex] : after) {
    CHECK(std::string(ex["output"].GetString()) == before.at(id)["output"].GetString());
    CHECK(ex["quality"].GetDouble() == Approx(before.at(id)["quality"].GetDouble()));
    CHECK(ex["rubric_version"].GetInt() == zega::training::rubric_version);
  }
  // Nothing stale is left: a second pass only examines.
  auto again = parse(s.call("POST", "/rescore", "{}").body);
  CHECK(again["examined"].GetInt() == 10);
  CHECK(again["rescored"].GetInt() == 0);
  CHECK(s.call("POST", "/rescore", R"({"force":"yes"})").status == 400);
  CHECK(s.call("GET", "/rescore").status == 405);
}

TEST_CASE("the premise history survives a restart and no premise repeats", "[integration]") {
  data_stack s(R"("prompts":{"no_repeat_within":5000},)");
  s.train(8, "mystery", "scene");
  s.stop();
  s.start();
  s.train(8, "mystery", "scene");
  s.stop();
  std::string error;
  zega::store::store_options opts;
  opts.dir = s.data;
  auto db = zega::store::store::open(opts, error);
  REQUIRE(db != nullptr);
  auto bytes = db->get_meta("premises/default");
  REQUIRE(bytes.has_value());
  auto history = zega::training::premise_history::from_bytes(*bytes, error);
  REQUIRE(history.has_value());
  CHECK(history->window() == 5000);
  std::set<std::string> premises;
  std::size_t seen = 0;
  db->for_each_example({}, [&](const zega::store::example_record& ex) {
    ++seen;
    premises.insert(ex.topic);
    auto el = *zega::training::element_from_string(ex.element);
    CHECK(history->recent(zega::training::premise_history::key_of(el, ex.genre, ex.topic)));
    return true;
  });
  CHECK(seen == 16);
  CHECK(premises.size() == 16);
}

TEST_CASE("a bad prompts.topics_file is a clear configuration error at start", "[integration]") {
  temp_dir dir;
  std::ofstream(dir.path() + "/topics.txt") << "a topic before any genre\n";
  std::ofstream(dir.path() + "/zegad.json")
    << R"({"prompts":{"topics_file":")" << dir.path() << R"(/topics.txt"},
      "providers":[{"name":"ollama","preset":"ollama","base_url":"http://127.0.0.1:9"}]})";
  child_process daemon;
  REQUIRE(daemon.start({ZEGAD_BIN, "--config", dir.path() + "/zegad.json", "--data-dir",
                        dir.path() + "/data", "--listen", "127.0.0.1:0", "--env-file",
                        "/dev/null"},
                       dir.path() + "/zegad.log"));
  CHECK(daemon.wait_exit(20s) == 2);
  auto log = read_text(dir.path() + "/zegad.log");
  CHECK(log.find("prompts.topics_file") != std::string::npos);
  CHECK(log.find("line 1") != std::string::npos);
}

#endif
