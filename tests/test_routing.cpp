#include "actors/policy/routing.hpp"

#include <catch2/catch.hpp>

using namespace zega;
using routing::action;

namespace {

constexpr clock_ns ms = 1'000'000;
constexpr clock_ns now = 1000 * ms;

provider_view view(std::string name, int priority, provider_state s = provider_state::available,
                   clock_ns next_free = 0, int in_flight = 0, int max_in_flight = 1) {
  provider_view v;
  v.name = std::move(name);
  v.model = v.name + "-model";
  v.priority = priority;
  v.state = s;
  v.next_free = next_free;
  v.in_flight = in_flight;
  v.max_in_flight = max_in_flight;
  return v;
}

} // namespace

TEST_CASE("routing picks the highest free group first", "[routing]") {
  std::vector<provider_view> vs{view("hf", 4), view("groq", 2), view("ollama", 1)};
  auto d = routing::choose(vs, now, {}, 3000 * ms);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "ollama");
  vs[2].in_flight = 1; // full: ollama is busy with a call of unknown length
  d = routing::choose(vs, now, {}, 3000 * ms);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "groq");
}

TEST_CASE("routing prefers the least loaded member of a group", "[routing]") {
  std::vector<provider_view> vs{view("a", 1, provider_state::available, 0, 3, 4),
                                view("b", 1, provider_state::available, 0, 1, 4)};
  auto d = routing::choose(vs, now, {}, 0);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "b");
}

TEST_CASE("routing waits for a briefly busy higher group, bounded by max_wait", "[routing]") {
  auto max_wait = 3000 * ms;
  std::vector<provider_view> vs{view("ollama", 1, provider_state::busy, now + max_wait),
                                view("groq", 2)};
  auto d = routing::choose(vs, now, {}, max_wait);
  REQUIRE(d.what == action::wait);
  CHECK(d.until == now + max_wait);
  vs[0].next_free = now + max_wait + 1 * ms;
  d = routing::choose(vs, now, {}, max_wait);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "groq");
}

TEST_CASE("routing skips long cooldowns and out-of-service providers", "[routing]") {
  std::vector<provider_view> vs{view("ollama", 1, provider_state::unreachable),
                                view("groq", 2, provider_state::cooldown, now + 3600'000 * ms),
                                view("gemini", 3, provider_state::broken),
                                view("hf", 4)};
  auto d = routing::choose(vs, now, {}, 3000 * ms);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "hf");
}

TEST_CASE("routing waits for the earliest provider when none is free, fails past the deadline",
          "[routing]") {
  std::vector<provider_view> vs{view("ollama", 1, provider_state::cooldown, now + 60'000 * ms),
                                view("groq", 2, provider_state::backoff, now + 20'000 * ms)};
  routing::task_route st;
  st.deadline = now + 600'000 * ms;
  auto d = routing::choose(vs, now, st, 3000 * ms);
  REQUIRE(d.what == action::wait);
  CHECK(d.until == now + 20'000 * ms);
  st.deadline = now + 10'000 * ms;
  d = routing::choose(vs, now, st, 3000 * ms);
  REQUIRE(d.what == action::fail);
  CHECK(d.error.rfind("No valid responses from any model", 0) == 0);
  CHECK(d.reasons.size() == 2);
}

TEST_CASE("routing fails with each provider's reason when all are broken or tried",
          "[routing]") {
  auto broken = view("gemini", 1, provider_state::broken);
  broken.reason = "gemini: model retired";
  std::vector<provider_view> vs{broken, view("groq", 2)};
  routing::task_route st;
  routing::record_failure(st, "groq", net::outcome_class::bad_request, "groq: 400 bad request", 2);
  auto d = routing::choose(vs, now, st, 3000 * ms);
  REQUIRE(d.what == action::fail);
  CHECK(d.error
        == "No valid responses from any model: gemini: gemini: model retired; groq: groq: 400 bad request");
}

TEST_CASE("retry budget: throttled/transient retry the same provider, others move on",
          "[routing]") {
  routing::task_route st;
  routing::record_failure(st, "groq", net::outcome_class::transient, "503", 2);
  routing::record_failure(st, "groq", net::outcome_class::throttled, "429", 2);
  CHECK(st.tried.count("groq") == 0);
  routing::record_failure(st, "groq", net::outcome_class::transient, "503", 2);
  CHECK(st.tried.count("groq") == 1);
  routing::record_failure(st, "gemini", net::outcome_class::too_big, "413", 2);
  CHECK(st.tried.count("gemini") == 1);
  routing::record_failure(st, "hf", net::outcome_class::broken, "401", 2);
  CHECK(st.tried.count("hf") == 1);
  CHECK(st.reasons.at("groq") == "503");
}

TEST_CASE("ensemble votes exclude providers already used", "[routing]") {
  std::vector<provider_view> vs{view("a", 1), view("b", 2)};
  routing::task_route st;
  st.used.insert("a");
  auto d = routing::choose(vs, now, st, 3000 * ms);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "b");
}

TEST_CASE("fixed pacing sequence: retries with backoff, then models, then groups", "[routing]") {
  fixed_pacing_config f;
  f.retries = 2;
  f.retry_backoff_ms = {2000, 4000};
  f.between_models_ms = 500;
  f.between_groups_ms = 2000;
  std::vector<int> prios{1, 1, 2};
  routing::fixed_cursor c;
  auto s = routing::fixed_next(f, prios, c, true);
  CHECK_FALSE(s.exhausted);
  CHECK(s.next.index == 0);
  CHECK(s.next.attempt == 1);
  CHECK(s.delay_ms == 2000);
  s = routing::fixed_next(f, prios, s.next, true);
  CHECK(s.delay_ms == 4000);
  s = routing::fixed_next(f, prios, s.next, true);
  CHECK(s.next.index == 1);
  CHECK(s.delay_ms == 500);
  s = routing::fixed_next(f, prios, {1, 0}, false);
  CHECK(s.next.index == 2);
  CHECK(s.delay_ms == 2000);
  s = routing::fixed_next(f, prios, {2, 2}, true);
  CHECK(s.exhausted);
  CHECK(routing::fixed_pause_ms(f, 0) == 3000);
  CHECK(routing::fixed_pause_ms(f, 2000) == 5000);
  CHECK(routing::fixed_pause_ms(f, 2001) == 3000);
}
