// The fake LLM server's training-side behaviour: a realistic mix of replies whose rubric
// scores spread, answers to LLM-judge prompts, Ollama's /api/create, and the per-day quota
// under a time scale.

#include "tools/fake_llm/emulation.hpp"
#include "tools/fake_llm/ollama_create.hpp"
#include "tools/fake_llm/prose.hpp"
#include "tools/fake_llm/protocols.hpp"
#include "training/judge.hpp"
#include "training/prompt.hpp"
#include "training/quality.hpp"

#include "loopback_http.hpp"
#include "tools/child_process.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <csignal>
#include <cstdio>
#include <map>

using namespace zega;
using namespace zega::fake;
using namespace std::chrono_literals;

namespace {

rapidjson::Document parse_json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

} // namespace

TEST_CASE("fake replies: 200 outputs spread over the rubric, mostly good", "[unit][fake]") {
  std::map<int, int> histogram; // score rounded down
  std::map<std::string, int> flaws;
  int passing = 0, tens = 0;
  double sum = 0;
  for (std::size_t n = 0; n < 200; ++n) {
    const auto task = training::pick_task(11, n, {}, {});
    const auto prompt = training::build_prompt(task);
    const auto reply = write_reply(infer_spec(prompt.user), 11, n, 0.25);
    ++flaws[reply.flaw.empty() ? "clean" : reply.flaw];
    const auto r = training::score(task.el, reply.text, reply.truncated);
    ++histogram[static_cast<int>(r.score)];
    passing += r.score >= 7.0;
    tens += r.score == 10.0;
    sum += r.score;
    // Clean replies pass; every flawed one but chatter (which clean_output strips) fails.
    INFO(task.genre << " " << to_string(task.el) << " flaw=" << reply.flaw << "\n" << reply.text
                    << "\n" << r.to_json());
    const bool usable = reply.flaw.empty() || reply.flaw == "chatty" || reply.flaw == "title"
                        || reply.flaw == "long" || reply.flaw == "one block";
    if (usable)
      CHECK(r.score >= 7.0);
    else
      CHECK(r.score < 7.0);
  }
  std::printf("fake server, 200 replies through rubric v%d: mean %.2f, %d at 10.0, %d >= 7.0\n",
              training::rubric_version, sum / 200, tens, passing);
  for (const auto& [bucket, count] : histogram)
    std::printf("  score %2d-%-4.1f %3d %s\n", bucket, bucket + 0.9, count,
                std::string(static_cast<std::size_t>(count / 2), '#').c_str());
  for (const auto& [flaw, count] : flaws)
    std::printf("  %-9s %3d\n", flaw.c_str(), count);
  CHECK(tens < 100);
  CHECK(passing >= 120);
  CHECK(passing <= 180);
  CHECK(flaws["refusal"] >= 1);
  CHECK(flaws["refusal"] <= 15);
  // prose_flaws 0: no unusable replies.
  for (std::uint64_t n = 0; n < 50; ++n) {
    const auto r = write_reply(infer_spec("Write a scene"), 3, n, 0);
    const auto q = training::score(training::element::scene, r.text, r.truncated);
    INFO(r.flaw << "\n" << r.text << "\n" << q.to_json());
    CHECK(q.score >= 7.0);
  }
}

TEST_CASE("fake judge: JSON verdicts that follow the rubric", "[unit][fake]") {
  const std::string good = write_prose(infer_spec("Write a scene, about 150 words"), 1, 1);
  const auto good_prompt = training::build_judge_prompt(training::element::scene, "fantasy", "", good);
  const auto bad_prompt = training::build_judge_prompt(
    training::element::scene, "fantasy", "",
    "I'm sorry, but I can't write that scene. I'd be happy to help with something else.");
  std::string error;
  const auto g = training::parse_judge_reply(judge_reply(good_prompt.user, 1, 0), error);
  const auto b = training::parse_judge_reply(judge_reply(bad_prompt.user, 1, 0), error);
  REQUIRE(g);
  REQUIRE(b);
  CHECK(g->score >= 7);
  CHECK(b->score <= 4);
  CHECK(b->reason.find("refusal") != std::string::npos);
}

TEST_CASE("ollama create: request parsing and created models", "[unit][fake]") {
  std::string error;
  auto m = parse_create_request(
    R"({"model":"zega-u1","from":"llama3.2:latest","system":"You write stories.",
        "messages":[{"role":"user","content":"Write a scene"},{"role":"assistant","content":"The rain."}],
        "stream":false})",
    error);
  REQUIRE(m);
  CHECK(m->name == "zega-u1");
  CHECK(m->from == "llama3.2:latest");
  CHECK(m->messages.size() == 2);
  CHECK(m->messages[1].first == "assistant");
  CHECK_FALSE(create_streams(R"({"stream":false})"));
  CHECK(create_streams(R"({"model":"x"})"));
  CHECK(create_status_body(false) == "{\"status\":\"success\"}");
  CHECK(create_status_body(true).find("writing manifest") != std::string::npos);

  CHECK_FALSE(parse_create_request(R"({"from":"llama3.2"})", error));
  CHECK(error == "model is required");
  CHECK_FALSE(parse_create_request(R"({"model":"m"})", error));
  CHECK_FALSE(parse_create_request(R"({"model":"m","from":"b","messages":[{"role":"tool","content":"x"}]})", error));
  CHECK(error.find("tool") != std::string::npos);
  CHECK_FALSE(parse_create_request("not json", error));

  emulator emu;
  emu.create_model(*m);
  m->system = "Updated.";
  emu.create_model(*m);
  REQUIRE(emu.created_models().size() == 1);
  CHECK(emu.created_models()[0].system == "Updated.");
  // A created model can be chatted with even when the model list is fixed.
  CHECK(emu.admit({provider_kind::ollama, "zega-u1", std::nullopt, 10}, time_point{}).v == verdict::serve);
  auto json = parse_json(created_models_json(emu.created_models()));
  CHECK(std::string(json["models"][0]["messages"][0]["content"].GetString()) == "Write a scene");
  emu.reset();
  CHECK(emu.created_models().empty());
}

TEST_CASE("per-day quota follows the time scale and Groq's reset headers", "[unit][fake]") {
  emulator emu(1440.0); // a fake day lasts 60 real seconds
  REQUIRE(emu.apply_config(R"({"providers":{"groq":{"limits":{"rpm":0,"tpm":0,"rpd":2}}}})").empty());
  const time_point t0{};
  generation_request req{provider_kind::groq, "openai/gpt-oss-20b", std::string("k"), 10};
  CHECK(emu.admit(req, t0).v == verdict::serve);
  emu.release(provider_kind::groq);
  CHECK(emu.admit(req, t0 + 10s).v == verdict::serve);
  emu.release(provider_kind::groq);
  const auto limited = emu.admit(req, t0 + 20s);
  CHECK(limited.v == verdict::rate_limited);
  CHECK(limited.hit == limit_kind::rpd);
  CHECK(limited.retry_after == duration(40s));
  const auto snap = emu.snapshot(provider_kind::groq, t0 + 20s);
  CHECK(snap.limit_requests == 2);
  CHECK(snap.remaining_requests == 0);
  CHECK(snap.reset_requests == duration(40s));
  bool found = false;
  for (const auto& [name, value] : groq_headers(snap))
    if (name == "x-ratelimit-reset-requests") {
      found = true;
      CHECK(value == "40s");
    }
  CHECK(found);
  // The fake day ends 60 s after the first request: the quota is back.
  CHECK(emu.admit(req, t0 + 60s + 1ms).v == verdict::serve);
  CHECK(emu.snapshot(provider_kind::groq, t0 + 60s + 1ms).remaining_requests == 0);
  CHECK(emu.snapshot(provider_kind::groq, t0 + 71s).remaining_requests == 1);
}

#ifdef ZEGA_FAKE_LLM_BIN

namespace {

class fake_server {
public:
  fake_server() {
    REQUIRE(proc_.start({ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "3", "--log", "/dev/null"}));
    auto p = proc_.wait_for_line("^zega-fake-llm listening on 127\\.0\\.0\\.1:([0-9]+)$",
                                 std::chrono::seconds(5));
    if (!p.empty())
      port = static_cast<std::uint16_t>(std::stoi(p));
  }
  ~fake_server() {
    proc_.signal(SIGTERM);
    proc_.wait_exit(std::chrono::seconds(5));
  }
  std::uint16_t port = 0;

private:
  zega::tools::child_process proc_;
};

} // namespace

TEST_CASE("fake server: /api/create makes a model listed in /api/tags and /_fake/models",
          "[integration][fake]") {
  fake_server fake;
  REQUIRE(fake.port != 0);
  const std::string body =
    R"({"model":"zega-u7","from":"llama3.2:latest","system":"You are ZEGA's story model.",
        "messages":[{"role":"user","content":"Write a scene"},{"role":"assistant","content":"The tide turned."}],
        "stream":false})";
  auto created = test::http_call(fake.port, "POST", "/api/create", body);
  REQUIRE(created.status == 200);
  CHECK(created.body == "{\"status\":\"success\"}");

  auto streamed = test::http_call(fake.port, "POST", "/api/create",
                                  R"({"model":"zega-u8","from":"llama3.2:latest"})");
  REQUIRE(streamed.status == 200);
  CHECK(streamed.body.find("{\"status\":\"writing manifest\"}\n{\"status\":\"success\"}") != std::string::npos);

  auto missing = test::http_call(fake.port, "POST", "/api/create", R"({"model":"x","from":"nope:1b"})");
  CHECK(missing.status == 404);
  CHECK(missing.body.find("model 'nope:1b' not found") != std::string::npos);
  CHECK(test::http_call(fake.port, "POST", "/api/create", "{}").status == 400);

  auto tags = parse_json(test::http_call(fake.port, "GET", "/api/tags").body);
  std::vector<std::string> names;
  for (const auto& m : tags["models"].GetArray())
    names.emplace_back(m["name"].GetString());
  CHECK(std::find(names.begin(), names.end(), "zega-u7") != names.end());
  CHECK(std::find(names.begin(), names.end(), "llama3.2:latest") != names.end());

  auto models = parse_json(test::http_call(fake.port, "GET", "/_fake/models").body);
  REQUIRE(models["models"].Size() == 2);
  CHECK(std::string(models["models"][0]["system"].GetString()) == "You are ZEGA's story model.");
  CHECK(std::string(models["models"][0]["messages"][1]["content"].GetString()) == "The tide turned.");

  // The created model answers chats, and a judge prompt gets a JSON verdict.
  const auto judge = training::build_judge_prompt(training::element::setting, "horror", "",
                                                  "The cellar smells of wet stone.");
  rapidjson::Document req;
  req.SetObject();
  auto& a = req.GetAllocator();
  req.AddMember("model", "zega-u7", a);
  req.AddMember("stream", false, a);
  rapidjson::Value msgs(rapidjson::kArrayType), msg(rapidjson::kObjectType);
  msg.AddMember("role", "user", a);
  msg.AddMember("content", rapidjson::Value(judge.user.c_str(), a), a);
  msgs.PushBack(msg, a);
  req.AddMember("messages", msgs, a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  req.Accept(w);
  auto chat = test::http_call(fake.port, "POST", "/api/chat", buf.GetString());
  REQUIRE(chat.status == 200);
  std::string error;
  const auto verdict =
    training::parse_judge_reply(parse_json(chat.body)["message"]["content"].GetString(), error);
  INFO(chat.body << " " << error);
  REQUIRE(verdict);
  CHECK(verdict->score <= 6); // one sentence is far too short for a setting
}

#endif
