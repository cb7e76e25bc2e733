#include "net/api/metrics.hpp"

#include <catch2/catch.hpp>

TEST_CASE("metrics re-express the status document in Prometheus text", "[metrics]") {
  std::string status = R"({"state":"paused","paused":true,"queue_depth":7,"in_flight":2,
    "providers":[{"name":"groq","state":"cooldown","in_flight":1,"requests_today":41,
                  "tokens_today":12345678,"busy_for_ms":1500},
                 {"name":"we\"ird","state":"available","in_flight":0,"requests_today":0,
                  "tokens_today":0,"busy_for_ms":0}]})";
  auto text = zega::net::metrics_from_status(status, 123);
  CHECK_THAT(text, Catch::Contains("zega_paused 1\n"));
  CHECK_THAT(text, Catch::Contains("zega_queue_depth 7\n"));
  CHECK_THAT(text, Catch::Contains("zega_examples_total 123\n"));
  CHECK_THAT(text, Catch::Contains("zega_provider_state{provider=\"groq\",state=\"cooldown\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("zega_provider_requests_today{provider=\"groq\"} 41\n"));
  CHECK_THAT(text, Catch::Contains("zega_provider_tokens_today{provider=\"groq\"} 12345678\n"));
  CHECK_THAT(text, Catch::Contains("provider=\"we\\\"ird\""));
  CHECK_THAT(text, Catch::Contains("# TYPE zega_in_flight gauge\n"));
  CHECK(zega::net::metrics_from_status("not json", 0).empty());
}
