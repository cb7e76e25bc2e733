// ZEGA's front-end contract on loopback (issue 12): training_stats in every batch result,
// `detail` in error bodies, the genre list and its 400, POST /user/{id}/trigger-finetuning
// building zega-{user} on the fake Ollama, and the automatic trigger at the threshold.

#include "integration_support.hpp"

#include <filesystem>
#include <set>
#include <sstream>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

constexpr auto event_wait = std::chrono::milliseconds(20000);

const std::string zega_origin = "http://localhost:5173";

bool allows_zega(const zega::net::header_list& headers) {
  const std::string* allow = zega::net::find_header(headers, "access-control-allow-origin");
  return allow != nullptr && *allow == zega_origin;
}

// The fake LLM server with flawless prose (every example reaches the memory threshold, so
// counts are exact) and zegad with ZEGA's fine-tuning settings.
struct zega_stack {
  temp_dir dir;
  child_process fake;
  std::string fake_url;
  std::string data;
  child_process daemon;
  std::string url;
  http_fixture http;

  explicit zega_stack(bool auto_trigger) {
    fake_url = start_fake_with(fake, dir.path(), {});
    auto resp = http.call("POST", fake_url + "/_fake/config", R"({"prose_flaws":0})");
    REQUIRE(resp.status == 200);
    data = dir.path() + "/data";
    auto config = dir.path() + "/zegad.json";
    std::ofstream(config) << R"({"server":{"shutdown_grace_ms":3000,
      "cors_origins":["http://localhost:5173","http://localhost:3000"]},
      "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                          << fake_url << R"(","model":"llama3.2","priority":1,
        "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}],
      "finetune":{"threshold":50,"auto":)"
                          << (auto_trigger ? "true" : "false") << R"(,"max_examples":20}})";
    url = start_zegad_with(daemon, config, data, dir.path() + "/zegad.log",
                           {"--env-file", "/dev/null"});
  }
  ~zega_stack() {
    daemon.signal(SIGTERM);
    daemon.wait_exit(20s);
  }
  rapidjson::Document json(const std::string& method, const std::string& path,
                           const std::string& body = {}) {
    auto resp = http.call(method, url + path, body);
    INFO(method << " " << path << " -> " << resp.status << " " << resp.body);
    REQUIRE(resp.status == 200);
    return parse(resp.body);
  }
  // As ZEGA's page sends it: POST, no body, no content type, from ZEGA's origin.
  zega::net::http_response bare_post(const std::string& path) {
    zega::net::http_request req;
    req.method = "POST";
    req.url = url + path;
    req.headers.emplace_back("origin", zega_origin);
    zega::net::client_limits limits;
    limits.first_byte_ms = 60000;
    limits.total_ms = 60000;
    auto result = zega::net::blocking_request(*http.client, req, limits);
    auto* resp = std::get_if<zega::net::http_response>(&result);
    REQUIRE(resp != nullptr);
    return *resp;
  }
  rapidjson::Document fake_models() {
    auto resp = http.call("GET", fake_url + "/_fake/models");
    REQUIRE(resp.status == 200);
    return parse(resp.body);
  }
  bool fake_lists(const std::string& model) {
    auto resp = http.call("GET", fake_url + "/api/tags");
    REQUIRE(resp.status == 200);
    auto tags = parse(resp.body);
    for (const auto& m : tags["models"].GetArray())
      if (m["name"].GetString() == model || m["name"].GetString() == model + ":latest")
        return true;
    return false;
  }
};

void check_stats(const rapidjson::Value& s, int examples, int until, bool custom, int steps) {
  REQUIRE(s.IsObject());
  CHECK(s["training_examples"].GetInt() == examples);
  CHECK(s["examples_until_next_training"].GetInt() == until);
  CHECK(s["custom_model_exists"].GetBool() == custom);
  CHECK(s["training_steps"].GetInt() == steps);
  CHECK(s["avg_quality_score"].GetDouble() >= 7.0);
}

} // namespace

TEST_CASE("batch results carry ZEGA's training_stats: sync answer, SSE complete, GET /jobs/{id}",
          "[integration][zega]") {
  zega_stack s(false);
  auto sync = s.json("POST", "/auto-train", R"({"user_id":"carol","num_examples":3})");
  CHECK(sync["successful"].GetInt() == 3);
  // All of them, unless the fake writer truncated an odd dialogue below the threshold.
  const int g1 = sync["training_stats"]["training_examples"].GetInt();
  CHECK((g1 == 3 || g1 == 2));
  check_stats(sync["training_stats"], g1, 50 - g1, false, 0);
  CHECK_FALSE(sync["ready_for_finetuning"].GetBool());
  for (const char* k : {"total_time", "average_quality", "model_performance",
                        "genre_distribution", "stories_saved", "total_requested"})
    CHECK(sync.HasMember(k));

  sse_stream stream(*s.http.client, "POST", s.url + "/auto-train-stream",
                    R"({"user_id":"carol","num_examples":2})", {{"origin", zega_origin}});
  std::optional<rapidjson::Document> complete;
  while (auto ev = stream.next(event_wait)) {
    if (ev->type == "complete") {
      complete = parse(ev->data);
      break;
    }
    if (ev->type == "heartbeat")
      continue;
    auto p = parse(ev->data);
    for (const char* k : {"current", "total", "percentage", "latest_quality", "current_genre",
                          "best_model", "successful", "failed", "stories_saved"})
      CHECK(p.HasMember(k));
  }
  REQUIRE(complete.has_value());
  auto end = stream.wait_end(event_wait);
  REQUIRE(end.has_value());
  CHECK(allows_zega(end->headers)); // the stream is readable from ZEGA's page
  const auto& result = (*complete)["result"];
  const int g2 = result["training_stats"]["training_examples"].GetInt();
  CHECK((g2 > g1 && g2 <= g1 + 2));
  check_stats(result["training_stats"], g2, 50 - g2, false, 0);
  auto job = s.json("GET", std::string("/jobs/") + result["job_id"].GetString());
  check_stats(job["training_stats"], g2, 50 - g2, false, 0);

  auto stats = s.json("GET", "/user/carol/training-stats");
  check_stats(stats, g2, 50 - g2, false, 0);
  CHECK(stats["user_id"].GetString() == std::string("carol"));
  CHECK(stats["custom_model_name"].GetString() == std::string("zega-carol"));
}

TEST_CASE("errors carry detail, and the genre list and an unknown genre's 400 name ZEGA's genres",
          "[integration][zega]") {
  zega_stack s(false);
  auto genres = s.json("GET", "/training/genres");
  CHECK(genres["total"].GetInt() == 34);
  REQUIRE(genres["genres"].Size() == 34);
  std::set<std::string> names;
  for (const auto& g : genres["genres"].GetArray())
    names.insert(g.GetString());
  for (const char* zega : {"adventure", "biography", "comedy", "contemporary", "crime", "drama",
                           "dystopian", "epic", "fairy tale", "fantasy", "historical fiction",
                           "horror", "literary fiction", "memoir", "mystery", "mythology",
                           "paranormal", "poetry", "romance", "science fiction", "short story",
                           "thriller", "urban fantasy", "western", "young adult"})
    CHECK(names.count(zega) == 1);

  auto bad = s.http.call("POST", s.url + "/auto-train",
                         R"({"num_examples":1,"genres":["crime","space opera x"]})");
  CHECK(bad.status == 400);
  auto body = parse(bad.body);
  std::string detail = body["detail"].GetString();
  CHECK(detail == body["error"]["message"].GetString());
  CHECK(detail.find("genres[1]: unknown genre \"space opera x\"; valid genres: ") == 0);
  CHECK(detail.find("young adult") != std::string::npos);

  auto filter = s.http.call("GET", s.url + "/examples?genre=nope");
  CHECK(filter.status == 400);
  CHECK(std::string(parse(filter.body)["detail"].GetString()).find("valid genres: ")
        != std::string::npos);

  auto missing = s.http.call("GET", s.url + "/no/such/route");
  CHECK(missing.status == 404);
  CHECK(parse(missing.body)["detail"].GetString() == std::string("no route for /no/such/route"));
}

TEST_CASE("trigger-finetuning, sent as ZEGA's page sends it, builds zega-{user} on Ollama",
          "[integration][zega]") {
  zega_stack s(false);
  auto none = s.bare_post("/user/dave/trigger-finetuning");
  INFO(none.body);
  REQUIRE(none.status == 200);
  auto refused = parse(none.body);
  CHECK(refused["status"].GetString() == std::string("failed"));
  CHECK(std::string(refused["message"].GetString()).find("reaches the memory threshold")
        != std::string::npos);
  CHECK_FALSE(s.fake_lists("zega-dave"));

  auto batch = s.json("POST", "/auto-train", R"({"user_id":"dave","num_examples":6})");
  REQUIRE(batch["successful"].GetInt() == 6);
  // Nearly always 6; the fake writer truncates an odd dialogue below the memory threshold.
  const int good = batch["training_stats"]["training_examples"].GetInt();
  REQUIRE(good >= 5);

  auto resp = s.bare_post("/user/dave/trigger-finetuning");
  INFO(resp.body);
  REQUIRE(resp.status == 200);
  CHECK(allows_zega(resp.headers));
  auto out = parse(resp.body);
  CHECK(out["status"].GetString() == std::string("success"));
  CHECK(out["message"].GetString() == "Fine-tuned model 'zega-dave' created from llama3.2 with "
                                         + std::to_string(good) + " examples");
  CHECK(out["model"].GetString() == std::string("zega-dave"));
  CHECK(out["examples_used"].GetInt() == good);
  CHECK(out["training_examples"].GetInt() + out["validation_examples"].GetInt() == good);
  for (const char* k : {"train", "validation", "card"}) {
    std::string path = out["export"][k].GetString();
    CHECK(path.rfind(s.data + "/finetune/zega-dave/", 0) == 0);
    CHECK(std::filesystem::exists(path));
  }

  CHECK(s.fake_lists("zega-dave"));
  auto models = s.fake_models();
  REQUIRE(models["models"].Size() == 1);
  const auto& m = models["models"][0];
  CHECK(m["name"].GetString() == std::string("zega-dave"));
  CHECK(m["from"].GetString() == std::string("llama3.2"));
  CHECK(std::string(m["system"].GetString()).find("creative-writing assistant")
        != std::string::npos);
  REQUIRE(m["messages"].Size() == static_cast<rapidjson::SizeType>(2 * good));
  // Prompt/answer pairs, each pair one of dave's archived examples.
  auto examples = s.json("GET", "/examples?user_id=dave&limit=10");
  std::set<std::string> outputs;
  for (const auto& ex : examples["examples"].GetArray())
    outputs.insert(ex["output"].GetString());
  for (rapidjson::SizeType i = 0; i < m["messages"].Size(); i += 2) {
    CHECK(m["messages"][i]["role"].GetString() == std::string("user"));
    CHECK(m["messages"][i + 1]["role"].GetString() == std::string("assistant"));
    CHECK(outputs.count(m["messages"][i + 1]["content"].GetString()) == 1);
  }

  auto stats = s.json("GET", "/user/dave/training-stats");
  check_stats(stats, good, 50 - good, true, 1);
  int steps_after = 1;
  auto history = s.json("GET", "/history?user_id=dave");
  int triggered = 0;
  for (const auto& h : history["history"].GetArray())
    triggered += h["fine_tuning_triggered"].GetBool() ? 1 : 0;
  CHECK(triggered >= 1);
#ifdef ZEGACTL_BIN
  // zegactl finetune: the same call from a shell; a failed build is a failed command.
  child_process again;
  REQUIRE(again.start({ZEGACTL_BIN, "--url", s.url, "finetune", "dave"}, s.dir.path() + "/ctl.err"));
  CHECK_FALSE(again.wait_for_line("(Fine-tuned model 'zega-dave' created)", 30s).empty());
  CHECK(again.wait_exit(30s) == 0);
  steps_after = 2;
  child_process nothing;
  REQUIRE(nothing.start({ZEGACTL_BIN, "--url", s.url, "finetune", "nobody"},
                        s.dir.path() + "/ctl2.err"));
  CHECK(nothing.wait_exit(30s) == 1);
#endif
  // The next batch reports the model.
  auto next = s.json("POST", "/auto-train", R"({"user_id":"dave","num_examples":1})");
  const int now_good = next["training_stats"]["training_examples"].GetInt();
  CHECK((now_good == good || now_good == good + 1));
  check_stats(next["training_stats"], now_good, 50 - now_good, true, steps_after);
}

TEST_CASE("finetune.auto builds the model when the dataset crosses 50, not before",
          "[integration][zega]") {
  zega_stack s(true);
  // The fake writer truncates an odd dialogue (about 1 in 150) below the memory threshold:
  // batches go on until the training examples reach 50.
  auto batch = [&](int n) {
    auto r = s.json("POST", "/auto-train",
                    R"({"user_id":"erin","num_examples":)" + std::to_string(n) + "}");
    REQUIRE(r["successful"].GetInt() == n);
    return r;
  };
  auto first = batch(30);
  int good = first["training_stats"]["training_examples"].GetInt();
  CHECK(good >= 28);
  check_stats(first["training_stats"], good, 50 - good, false, 0);
  CHECK_FALSE(first["ready_for_finetuning"].GetBool());
  rapidjson::Document last;
  for (int round = 0; good < 50 && round < 5; ++round) {
    CHECK(s.fake_models()["models"].Size() == 0); // nothing before the threshold
    last = batch(50 - good);
    good = last["training_stats"]["training_examples"].GetInt();
  }
  REQUIRE(good == 50);
  CHECK(last["training_stats"]["examples_until_next_training"].GetInt() == 50);
  CHECK(last["ready_for_finetuning"].GetBool());
  // The build runs beside the batch; its model appears on the fake Ollama shortly after.
  CHECK(wait_until([&] { return s.fake_lists("zega-erin"); }, 20000ms));
  auto models = s.fake_models();
  REQUIRE(models["models"].Size() == 1);
  CHECK(models["models"][0]["messages"].Size() == 40); // finetune.max_examples pairs
  CHECK(wait_until(
    [&] { return s.json("GET", "/user/erin/training-stats")["custom_model_exists"].GetBool(); },
    20000ms));
  auto history = s.json("GET", "/history?user_id=erin");
  int triggered = 0;
  for (const auto& h : history["history"].GetArray())
    triggered += h["fine_tuning_triggered"].GetBool() ? 1 : 0;
  CHECK(triggered == 1);
}

#endif
