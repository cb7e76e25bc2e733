// The JSON of typed job events (net/api/views_jobs.cpp): the exact bytes SSE clients and
// the synchronous /auto-train answer have always received.

#include "actors/job.hpp"
#include "net/api/views_jobs.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace zega;

namespace {

jobs::job two_task_job() {
  job_request req;
  req.num_examples = 3;
  jobs::job j("j-7", req, 1, 0, 0);
  jobs::example_result ok;
  ok.success = true;
  ok.genre = "fantasy";
  ok.element = "scene";
  ok.output = "The lamps went out.";
  ok.quality = 7.46;
  ok.in_library = true;
  ok.story_id = 41;
  ok.provider = "groq";
  ok.model = "m1";
  ok.candidates = {{"groq", "m1", 7.46}};
  j.add(ok);
  return j;
}

} // namespace

TEST_CASE("job progress event renders every field, rounded, in order", "[unit]") {
  auto j = two_task_job();
  CHECK(net::job_event_json(j.progress_event())
        == R"({"type":"progress","job_id":"j-7","current":1,"total":3,"percentage":33.3,)"
           R"("latest_quality":7.5,"current_genre":"fantasy","story_id":41,"best_model":"m1",)"
           R"("successful":1,"failed":0,"stories_saved":1})");
  // A failed latest task has no quality and no story id.
  jobs::example_result bad;
  bad.genre = "mystery";
  bad.error = "No valid responses from any model: groq: 503";
  j.add(bad);
  CHECK(net::job_event_json(j.progress_event())
        == R"({"type":"progress","job_id":"j-7","current":2,"total":3,"percentage":66.7,)"
           R"("latest_quality":null,"current_genre":"mystery","story_id":null,"best_model":"m1",)"
           R"("successful":1,"failed":1,"stories_saved":1})");
}

TEST_CASE("job progress before any result has empty genre and nulls", "[unit]") {
  job_request req;
  req.num_examples = 0; // percentage must not divide by zero
  jobs::job j("j-0", req, 1, 0, 0);
  CHECK(net::job_event_json(j.progress_event())
        == R"({"type":"progress","job_id":"j-0","current":0,"total":0,"percentage":0.0,)"
           R"("latest_quality":null,"current_genre":"","story_id":null,"best_model":"",)"
           R"("successful":0,"failed":0,"stories_saved":0})");
}

TEST_CASE("job complete event carries the GET /jobs/{id} body as result", "[unit]") {
  auto j = two_task_job();
  j.set_state("completed");
  job_event e;
  e.kind = job_event_kind::complete;
  e.job_id = "j-7";
  e.summary = std::make_shared<const jobs::job_summary>(jobs::job_summary{j, 2.5, false, std::nullopt});
  auto body = net::job_view(*e.summary);
  CHECK(body.rfind(R"({"job_id":"j-7","state":"completed","total_requested":3,"successful":1,)", 0)
        == 0);
  CHECK(net::job_event_json(e) == R"({"type":"complete","job_id":"j-7","result":)" + body + "}");
}

TEST_CASE("job error and heartbeat events", "[unit]") {
  job_event refused;
  refused.kind = job_event_kind::error;
  refused.job_id = "j-x";
  refused.error = ec::unknown_job;
  refused.message = "unknown job \"j-x\"";
  CHECK(net::job_event_json(refused)
        == R"({"type":"error","error":{"code":"not_found","message":"unknown job \"j-x\""},)"
           R"("detail":"unknown job \"j-x\""})");
  job_event beat;
  beat.kind = job_event_kind::heartbeat;
  beat.job_id = "j-7";
  CHECK(net::job_event_json(beat) == R"({"type":"heartbeat"})");
}

TEST_CASE("job event log keeps typed events with increasing ids and counts their bytes", "[unit]") {
  auto j = two_task_job();
  auto before = j.memory_bytes();
  CHECK(j.add_event(j.progress_event()) == 1);
  auto after_progress = j.memory_bytes();
  CHECK(after_progress > before);
  job_event done;
  done.kind = job_event_kind::complete;
  done.job_id = j.id();
  done.summary = std::make_shared<const jobs::job_summary>(jobs::job_summary{j, 1, false, std::nullopt});
  CHECK(j.add_event(done) == 2);
  // The completion's summary copies the results: keeping it costs at least their bytes.
  CHECK(j.memory_bytes() - after_progress >= done.summary->info.memory_bytes());
  REQUIRE(j.events().size() == 2);
  CHECK(j.events()[0].second.kind == job_event_kind::progress);
  CHECK(j.events()[0].second.story_id == std::optional<std::uint64_t>{41});
  CHECK(j.events()[1].second.summary->info.successful() == 1);
  j.drop_events();
  CHECK(j.events().empty());
}
