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

// --- the deadline rule on the scheduler's views ---------------------------------------------

namespace {

// Late enough that "a call started 5 s ago" is a real time.
constexpr clock_ns at = 100'000 * ms;

routing::provider_facts facts(clock_ns latency, clock_ns oldest_call = 0) {
  routing::provider_facts f;
  f.latency = latency;
  f.oldest_call = oldest_call;
  return f;
}

std::vector<deadline::provider_now> pictures(const std::vector<provider_view>& vs,
                                             const std::vector<routing::provider_facts>& fs) {
  std::vector<deadline::provider_now> out;
  for (std::size_t i = 0; i < vs.size(); ++i)
    out.push_back(routing::deadline_view(vs[i], fs[i], at));
  return out;
}

} // namespace

TEST_CASE("deadline views: free at, a timed limit, a full slot ends with its oldest call",
          "[unit][routing]") {
  auto groq = view("groq", 2);
  groq.rpm = 30;
  auto f = facts(1000 * ms);
  f.time_scale = 2; // a minute lasts 30 s: 30 a minute is one every second
  auto p = routing::deadline_view(groq, f, at);
  CHECK(p.next_free == at);
  CHECK(p.interval == 1000 * ms);
  // A learned limit in the view wins over the configured one it corrects.
  f.configured_rpm = 60;
  CHECK(routing::deadline_view(groq, f, at).interval == 1000 * ms);
  groq.rpm = 0;
  CHECK(routing::deadline_view(groq, f, at).interval == 500 * ms);
  // A hosted API with no limit configured or learned has one nobody knows yet; Ollama's
  // only limit is its slots.
  CHECK_FALSE(routing::deadline_view(groq, f, at).rate_unknown);
  f.metered = true;
  CHECK_FALSE(routing::deadline_view(groq, f, at).rate_unknown);
  f.configured_rpm = 0;
  CHECK(routing::deadline_view(groq, f, at).rate_unknown);
  groq.rpm = 30;
  CHECK_FALSE(routing::deadline_view(groq, f, at).rate_unknown);
  groq.rpm = 0;
  f.metered = false;
  CHECK_FALSE(routing::deadline_view(groq, f, at).rate_unknown);
  f.configured_rpm = 60;

  // Busy on a window until a known time.
  groq.state = provider_state::busy;
  groq.next_free = at + 7000 * ms;
  CHECK(routing::deadline_view(groq, f, at).next_free == at + 7000 * ms);

  // Ollama's one slot is taken by our call that started 1 s ago and takes 3 s.
  auto ollama = view("ollama", 1, provider_state::available, 0, 1, 1);
  CHECK(routing::deadline_view(ollama, facts(3000 * ms, at - 1000 * ms), at).next_free
        == at + 2000 * ms);
  // The call is overdue: it may end any moment, but the slot is not free at, and the
  // calls after it are expected to take as long as it has run.
  const auto overdue = routing::deadline_view(ollama, facts(3000 * ms, at - 5000 * ms), at);
  CHECK(overdue.next_free == at + 1);
  CHECK(overdue.latency == 5000 * ms);
  ollama.state = provider_state::broken;
  CHECK_FALSE(routing::deadline_view(ollama, facts(3000 * ms), at).in_service);
}

TEST_CASE("deadline rule on views: wait while the queue meets the deadline, then fall through",
          "[unit][routing]") {
  // Ollama busy for 2 s more, 3 s a call; Groq free.
  std::vector<provider_view> vs{view("ollama", 1, provider_state::available, 0, 1, 1),
                                view("groq", 2)};
  const auto pics = pictures(vs, {facts(3000 * ms, at - 1000 * ms), facts(1000 * ms)});
  const clock_ns due = at + 8000 * ms;
  std::vector<int> queued(2, 0);
  const routing::task_route fresh;
  // First in line: Ollama finishes it at +5 s. Second: at +8 s, just in time.
  for (int i = 0; i < 2; ++i) {
    auto d = routing::choose_by_deadline(vs, pics, at, fresh, due, deadline::work::interactive,
                                         queued);
    REQUIRE(d.what == action::wait);
    CHECK(d.until == at + 2000 * ms);
  }
  CHECK(queued == std::vector<int>{2, 0});
  // Third: +11 s would be late; Groq takes it at.
  auto d = routing::choose_by_deadline(vs, pics, at, fresh, due, deadline::work::interactive,
                                       queued);
  REQUIRE(d.what == action::dispatch);
  CHECK(d.provider == "groq");
  CHECK(queued == std::vector<int>{2, 0});

  // A task that already failed on Groq may not use it: it waits for Ollama, late or not.
  routing::task_route tried;
  tried.tried.insert("groq");
  tried.deadline = at + 600'000 * ms;
  d = routing::choose_by_deadline(vs, pics, at, tried, due, deadline::work::interactive, queued);
  REQUIRE(d.what == action::wait);
  CHECK(queued[0] == 3);
}

TEST_CASE("deadline rule on views: an overdue call wakes the task by its view change",
          "[unit][routing]") {
  std::vector<provider_view> vs{view("ollama", 1, provider_state::available, 0, 1, 1)};
  const auto pics = pictures(vs, {facts(3000 * ms, at - 5000 * ms)});
  std::vector<int> queued(1, 0);
  routing::task_route st;
  st.deadline = at + 60'000 * ms;
  auto d = routing::choose_by_deadline(vs, pics, at, st, at + 10'000 * ms,
                                       deadline::work::scheduled, queued);
  REQUIRE(d.what == action::wait);
  CHECK(d.until == 0);
}

TEST_CASE("deadline rule on views: failures are the same as without it", "[unit][routing]") {
  std::vector<provider_view> vs{view("ollama", 1, provider_state::broken),
                                view("groq", 2, provider_state::cooldown, at + 60'000 * ms)};
  vs[0].reason = "ollama: model \"llama3.2\" not found";
  routing::task_route st;
  st.deadline = at + 10'000 * ms; // Groq is back only after it
  std::vector<int> queued(2, 0);
  const auto pics = pictures(vs, {facts(3000 * ms), facts(1000 * ms)});
  auto d = routing::choose_by_deadline(vs, pics, at, st, at + 5000 * ms,
                                       deadline::work::interactive, queued);
  REQUIRE(d.what == action::fail);
  CHECK(d.error.find("model \"llama3.2\" not found") != std::string::npos);
  CHECK(d.error.find("not available before the task deadline") != std::string::npos);
}

TEST_CASE("planning limits: what the batch estimate may count on", "[unit][routing]") {
  auto f = facts(1000 * ms);
  f.configured_rpm = 30;
  f.reserve = 5;
  auto groq = view("groq", 2, provider_state::available, 0, 0, 4);
  groq.day_left = 100;
  auto l = routing::planning_limits(groq, f, at);
  REQUIRE(l);
  CHECK(l->rpm == 30);
  CHECK(l->day_left == 100);
  CHECK(l->reserve == 5);
  CHECK(l->max_in_flight == 4);
  CHECK(l->latency == 1000 * ms);
  groq.rpm = 20; // learned from a 429: stricter than configured
  CHECK(routing::planning_limits(groq, f, at)->rpm == 20);
  // A per-minute cooldown still counts; a long one for another reason, a broken key do not.
  groq.state = provider_state::cooldown;
  groq.next_free = at + 30'000 * ms;
  CHECK(routing::planning_limits(groq, f, at));
  groq.next_free = at + 3600'000 * ms;
  CHECK_FALSE(routing::planning_limits(groq, f, at));
  // Held until its day ends: planned with a spent budget, which the batch's own calls on it
  // refill in the caller (the estimate starts at the batch's start).
  groq.day_left = 0;
  REQUIRE(routing::planning_limits(groq, f, at));
  CHECK(routing::planning_limits(groq, f, at)->day_left == 0);
  groq.day_left = -1;
  groq.state = provider_state::broken;
  CHECK_FALSE(routing::planning_limits(groq, f, at));
}
