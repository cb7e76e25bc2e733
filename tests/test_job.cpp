#include "actors/job.hpp"

#include "net/api/views_jobs.hpp"
#include "training/dedup.hpp"
#include "training/genres.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

using namespace zega;

namespace {

jobs::example_result success(std::uint64_t seq, std::string genre, std::string model, double q,
                             bool library) {
  jobs::example_result r;
  r.success = true;
  r.task_seq = seq;
  r.genre = std::move(genre);
  r.element = "scene";
  r.prompt = "Write a scene";
  r.output = "The harbor lights went out one by one.";
  r.quality = q;
  r.in_memory = q >= 7.0;
  r.in_library = library;
  r.story_id = 100 + seq;
  r.provider = "groq";
  r.model = std::move(model);
  r.candidates = {{"groq", r.model, q}};
  return r;
}

rapidjson::Document parse(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

} // namespace

TEST_CASE("job validation names the offending field", "[job]") {
  job_request r;
  CHECK(jobs::validate(r, 1).ok());
  r.num_examples = 1001;
  auto v = jobs::validate(r, 1);
  CHECK(v.http_status == 400);
  CHECK(v.message == "num_examples: must be between 1 and 1000, got 1001");
  r.num_examples = 5;
  r.genres = {"fantasy", "x"};
  CHECK(jobs::validate(r, 1).message == "genres[1]: " + training::unknown_genre_message("x"));
  CHECK(jobs::validate(r, 1).message.find("; valid genres: ") != std::string::npos);
  CHECK(jobs::validate(r, 1).message.find("young adult") != std::string::npos);
  r.genres = {"Fantasy"};
  CHECK(jobs::validate(r, 1).ok());
  r.elements = {"poem"};
  CHECK(jobs::validate(r, 1).message.rfind("elements[0]: unknown element \"poem\"", 0) == 0);
  r.elements = {"dialogue"};
  r.min_votes = 3;
  v = jobs::validate(r, 2);
  CHECK(v.code == "bad_request");
  CHECK(v.message == "min_votes: 3 exceeds the 2 enabled providers");
}

TEST_CASE("job request survives the store round trip with its seed", "[job]") {
  job_request r;
  r.user_id = "ann";
  r.num_examples = 7;
  r.genres = {"fantasy"};
  r.elements = {"scene", "setting"};
  r.min_votes = 2;
  r.store_in_memory = false;
  job_request back;
  std::uint64_t seed = 0;
  REQUIRE(jobs::request_from_json(jobs::request_to_json(r, 0xFFFFFFFFFFFFull), back, seed));
  CHECK(seed == 0xFFFFFFFFFFFFull);
  CHECK(back.user_id == "ann");
  CHECK(back.num_examples == 7);
  CHECK(back.genres == r.genres);
  CHECK(back.elements == r.elements);
  CHECK(back.min_votes == 2);
  CHECK_FALSE(back.store_in_memory);
  CHECK(back.save_to_database);
  CHECK(back.kind == job_kind::interactive);
  CHECK(back.deadline_ms == 0);
  CHECK_FALSE(jobs::request_from_json("{}", back, seed));
}

TEST_CASE("a scheduled job's kind and deadline survive the store round trip", "[unit]") {
  job_request r;
  r.num_examples = 3;
  r.kind = job_kind::scheduled;
  r.deadline_ms = 1'795'000'123'456;
  auto json = jobs::request_to_json(r, 9);
  CHECK(json.find("\"kind\":\"scheduled\"") != std::string::npos);
  job_request back;
  std::uint64_t seed = 0;
  REQUIRE(jobs::request_from_json(json, back, seed));
  CHECK(back.kind == job_kind::scheduled);
  CHECK(back.deadline_ms == 1'795'000'123'456);
  // An interactive request keeps the stored shape it always had.
  r.kind = job_kind::interactive;
  CHECK(jobs::request_to_json(r, 9).find("kind") == std::string::npos);
}

TEST_CASE("job summary has ZEGA's /auto-train shape", "[job]") {
  job_request req;
  req.num_examples = 4;
  jobs::job j("j-1", req, 9, 1000, 10);
  j.add(success(0, "fantasy", "m1", 6.0, false));
  j.add(success(1, "horror", "m2", 9.0, true));
  j.add(success(2, "fantasy", "m2", 8.0, true));
  jobs::example_result f;
  f.task_seq = 3;
  f.genre = "mystery";
  f.error = "No valid responses from any model: groq: 503";
  f.provider_errors = {{"groq", "503"}};
  j.add(f);
  j.add_duplicate();
  j.set_state("completed");
  training::training_stats stats;
  stats.training_examples = 53;
  stats.examples_until_next_training = 47;
  stats.custom_model_exists = true;
  stats.training_steps = 1;
  stats.avg_quality_score = 8.25;
  CHECK(parse(net::job_view({j, 12.5, true, std::nullopt}))["training_stats"].IsNull());
  auto d = parse(net::job_view({j, 12.5, true, stats}));
  REQUIRE(d["training_stats"].IsObject());
  CHECK(d["training_stats"]["training_examples"].GetInt() == 53);
  CHECK(d["training_stats"]["examples_until_next_training"].GetInt() == 47);
  CHECK(d["training_stats"]["custom_model_exists"].GetBool());
  CHECK(d["training_stats"]["training_steps"].GetInt() == 1);
  CHECK(d["training_stats"]["avg_quality_score"].GetDouble() == 8.25);
  CHECK(std::string{d["job_id"].GetString()} == "j-1");
  CHECK(d["total_requested"].GetInt() == 4);
  CHECK(d["successful"].GetInt() == 3);
  CHECK(d["failed"].GetInt() == 1);
  CHECK(d["duplicates_rejected"].GetInt() == 1);
  CHECK(d["examples"].Size() == 4);
  CHECK(d["genre_distribution"]["fantasy"].GetInt() == 2);
  CHECK(d["average_quality"].GetDouble() == Approx(23.0 / 3).epsilon(0.001));
  CHECK(d["min_quality"].GetDouble() == 6.0);
  CHECK(d["max_quality"].GetDouble() == 9.0);
  CHECK(d["total_time"].GetDouble() == 12.5);
  CHECK(d["stored_in_memory"].GetInt() == 2);
  CHECK(d["saved_to_database"].GetInt() == 2);
  CHECK(d["stories_saved"].GetInt() == 2);
  CHECK(d["model_performance"]["m2"]["count"].GetInt() == 2);
  CHECK(d["model_performance"]["m2"]["avg_quality"].GetDouble() == 8.5);
  CHECK(d["model_performance"]["m2"]["total_quality"].GetDouble() == 17.0);
  REQUIRE(d["best_examples"].Size() == 3);
  CHECK(d["best_examples"][0]["quality_score"].GetDouble() == 9.0);
  CHECK(d["ready_for_finetuning"].GetBool());
  const auto& ok = d["examples"][1];
  for (const char* k : {"success", "genre", "element", "prompt", "output", "quality_score",
                        "stored_in_memory", "saved_to_database", "story_id", "length",
                        "best_model", "provider", "candidates"})
    CHECK(ok.HasMember(k));
  CHECK(ok["story_id"].GetUint64() == 101);
  const auto& bad = d["examples"][3];
  CHECK_FALSE(bad["success"].GetBool());
  CHECK(std::string{bad["error"].GetString()}.find("groq: 503") != std::string::npos);
  CHECK(std::string{bad["provider_errors"]["groq"].GetString()} == "503");
}

TEST_CASE("job progress events and ids", "[job]") {
  job_request req;
  req.num_examples = 2;
  jobs::job j("j-2", req, 1, 0, 0);
  j.add(success(0, "fantasy", "m1", 7.5, false));
  auto p = parse(net::job_event_json(j.progress_event()));
  CHECK(std::string{p["type"].GetString()} == "progress");
  CHECK(p["current"].GetInt() == 1);
  CHECK(p["total"].GetInt() == 2);
  CHECK(p["percentage"].GetDouble() == 50.0);
  CHECK(p["latest_quality"].GetDouble() == 7.5);
  CHECK(std::string{p["current_genre"].GetString()} == "fantasy");
  CHECK(std::string{p["best_model"].GetString()} == "m1");
  CHECK(p["successful"].GetInt() == 1);
  CHECK(p["failed"].GetInt() == 0);
  CHECK(p["stories_saved"].GetInt() == 0);
  job_event a;
  a.job_id = "a";
  job_event b;
  b.job_id = "b";
  CHECK(j.add_event(a) == 1);
  CHECK(j.add_event(b) == 2);
  CHECK(j.events().back().second.job_id == "b");
}

TEST_CASE("job record in the training-history shape", "[job]") {
  job_request req;
  req.num_examples = 3;
  req.user_id = "ann";
  jobs::job j("j-3", req, 5, 1234, 40);
  j.add(success(0, "fantasy", "m1", 6.0, false));
  j.add(success(1, "fantasy", "m2", 8.0, true));
  j.set_state("completed");
  auto r = j.record(9999, true);
  CHECK(r.id == "j-3");
  CHECK(r.user == "ann");
  CHECK(r.state == "completed");
  CHECK(r.requested == 3);
  CHECK(r.successful == 2);
  CHECK(r.avg_quality == 7.0);
  CHECK(r.best_model == "m2");
  CHECK(r.examples_before == 40);
  CHECK(r.examples_after == 42);
  CHECK(r.stories_saved == 1);
  CHECK(r.fine_tuning_triggered);
  CHECK(r.started_ms == 1234);
  CHECK(r.completed_ms == 9999);
  CHECK(r.element_distribution.at("scene") == 2);
  job_request back;
  std::uint64_t seed = 0;
  REQUIRE(jobs::request_from_json(r.request_json, back, seed));
  CHECK(seed == 5);
}

TEST_CASE("fingerprint set finds near-duplicates", "[job]") {
  jobs::fingerprint_set fps;
  auto a = training::simhash("The old lighthouse keeper counted the ships that never came home.");
  fps.add(a);
  CHECK(fps.near(a, 3));
  CHECK(fps.near(a ^ 0x5, 3));
  CHECK_FALSE(fps.near(~a, 3));
  CHECK(net::error_json("not_found", "unknown job \"x\"")
        == R"({"error":{"code":"not_found","message":"unknown job \"x\""},"detail":"unknown job \"x\""})");
}
