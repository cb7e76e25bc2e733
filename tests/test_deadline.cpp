#include "actors/policy/deadline.hpp"

#include <catch2/catch.hpp>

using namespace zega::deadline;

namespace {

constexpr time_ns t0 = 1'000 * one_s;

// The mix: Ollama 1 in flight ~3 s; Groq 30 RPM, Gemini 15 RPM, HF 5 RPM.
std::vector<provider_now> mix() {
  return {{"ollama", 1, true, t0, 3 * one_s, 1, 0, -1, 0},
          {"groq", 2, true, t0, one_s, 4, 0, 1000, 0},
          {"gemini", 3, true, t0, 2 * one_s, 4, 0, 20, 0},
          {"hf", 4, true, t0, 4 * one_s, 2, 0, -1, 0}};
}

std::vector<provider_limits> mix_limits() {
  return {{"ollama", 1, 0, -1, 0, 1, 0, 3 * one_s, 1.0},
          {"groq", 2, 30, -1, 0, 4, 0, one_s, 1.0},
          {"gemini", 3, 15, -1, 0, 4, 0, 2 * one_s, 1.0},
          {"hf", 4, 5, -1, 0, 2, 0, 4 * one_s, 1.0}};
}

} // namespace

TEST_CASE("deadline rule: the highest group free now takes the task", "[unit][deadline]") {
  const auto c = choose(mix(), t0, t0 + 60 * one_s, work::interactive);
  CHECK(c.what == choice::kind::dispatch);
  CHECK(c.index == 0);
}

TEST_CASE("deadline rule: wait when the wait still meets the deadline", "[unit][deadline]") {
  auto v = mix();
  v[0].next_free = t0 + 2 * one_s; // Ollama busy for 2 s more, then 3 s: done at +5 s
  const auto c = choose(v, t0, t0 + 5 * one_s, work::interactive);
  CHECK(c.what == choice::kind::wait);
  CHECK(c.index == 0);
  CHECK(c.until == t0 + 2 * one_s);
}

TEST_CASE("deadline rule: fall through when waiting would miss the deadline", "[unit][deadline]") {
  auto v = mix();
  v[0].next_free = t0 + 2 * one_s;
  auto c = choose(v, t0, t0 + 5 * one_s - 1, work::interactive);
  CHECK(c.what == choice::kind::dispatch);
  CHECK(c.index == 1); // Groq, free now
  // Tasks already queued for Ollama count: the third one in line cannot make +10 s.
  v[0].queued = 2;
  c = choose(v, t0, t0 + 10 * one_s, work::interactive);
  CHECK(c.what == choice::kind::dispatch);
  CHECK(c.index == 1);
  // Groq busy too: the next group free now.
  v[1].next_free = t0 + 30 * one_s;
  c = choose(v, t0, t0 + 10 * one_s, work::interactive);
  CHECK(c.what == choice::kind::dispatch);
  CHECK(c.index == 2);
  // Nobody makes the deadline and nobody is free: wait for whoever finishes first.
  for (auto& p : v) p.next_free = t0 + 60 * one_s;
  c = choose(v, t0, t0 + 10 * one_s, work::interactive);
  CHECK(c.what == choice::kind::wait);
  CHECK(c.index == 1);
}

TEST_CASE("deadline rule: an unknown rate limit is counted on for the next call only",
          "[unit][deadline]") {
  // Ollama and Gemini busy for a minute; Groq busy for 1 s more; HF free, 4 s a call.
  auto v = mix();
  v[0].next_free = t0 + 60 * one_s;
  v[1].next_free = t0 + one_s;
  v[1].max_in_flight = 1;
  v[2].next_free = t0 + 60 * one_s;
  const time_ns due = t0 + 20 * one_s;
  // With its limit known, a queue behind Groq drains a call a second: the 10th in line
  // still makes it, and HF is left alone.
  v[1].queued = 9;
  CHECK(expected_finish(v[1], t0) == t0 + 11 * one_s);
  auto c = choose(v, t0, due, work::interactive);
  CHECK(c.what == choice::kind::wait);
  CHECK(c.index == 1);
  // Unknown: the first in line waits for Groq's next slot; the second does not count on a
  // call the provider may refuse and goes to HF now.
  v[1].rate_unknown = true;
  v[1].queued = 0;
  c = choose(v, t0, due, work::interactive);
  CHECK(c.what == choice::kind::wait);
  CHECK(c.index == 1);
  CHECK(c.until == t0 + one_s);
  v[1].queued = 1;
  c = choose(v, t0, due, work::interactive);
  CHECK(c.what == choice::kind::dispatch);
  CHECK(c.index == 3);
  // Two slots: two tasks may wait for it.
  v[1].max_in_flight = 2;
  CHECK(choose(v, t0, due, work::interactive).index == 1);
  v[1].max_in_flight = 1;
  // Nothing else can take it in time: late beats never, and Groq still finishes it first.
  v[3].next_free = t0 + 60 * one_s;
  c = choose(v, t0, due, work::interactive);
  CHECK(c.what == choice::kind::wait);
  CHECK(c.index == 1);
}

TEST_CASE("deadline rule: scheduled tasks stay on Ollama when it can carry the day",
          "[unit][deadline]") {
  auto v = mix();
  const time_ns window_end = t0 + 6 * 3600 * one_s;
  // Ollama is busy with the day's other tasks; 100 more of 3 s each still fit in 6 h.
  v[0].next_free = t0 + one_s;
  for (int queued = 0; queued < 100; ++queued) {
    v[0].queued = queued;
    const auto c = choose(v, t0, window_end, work::scheduled);
    CHECK(c.what == choice::kind::wait);
    CHECK(c.index == 0);
  }
  // A queue for a rate-limited provider drains at its rate, not at its latency: 10 tasks
  // queued behind Groq at 30 RPM (one per 2 s) cannot all finish within 15 s.
  v[0].in_service = false;
  v[1].queued = 10;
  v[1].interval = 2 * one_s;
  CHECK(expected_finish(v[1], t0) == t0 + 21 * one_s);
  CHECK(choose(v, t0, t0 + 15 * one_s, work::scheduled).index == 2);
  v[0].in_service = true;
  v[1].queued = 0;
  v[1].interval = 0;
  // When Ollama cannot (the queue would end after the window), the cloud steps in.
  v[0].queued = 7200;
  CHECK(choose(v, t0, window_end, work::scheduled).index == 1);
}

TEST_CASE("deadline rule: scheduled work keeps time for a retry before its window ends",
          "[unit][deadline]") {
  auto v = mix();
  // A retry takes Groq's 1 s at best: scheduled work plans to be done 2 s early.
  CHECK(retry_margin(v, work::scheduled) == 2 * one_s);
  // Ollama alone ends a task at +3 s, in time for a deadline at +4 s; but a failure there
  // would leave 1 s, the bare latency of a retry on Groq. Scheduled work goes to Groq now;
  // interactive work (whose failures have task_deadline_ms after its deadline) stays.
  CHECK(choose(v, t0, t0 + 4 * one_s, work::interactive).index == 0);
  CHECK(choose(v, t0, t0 + 4 * one_s, work::scheduled).index == 1);
  CHECK(choose(v, t0, t0 + 5 * one_s, work::scheduled).index == 0);
  // Only providers that may serve the task count: Groq's day is spent, Gemini's 2 s it is.
  v[1].day_left = 0;
  CHECK(retry_margin(v, work::scheduled) == 4 * one_s);
  CHECK(choose(v, t0, t0 + 6 * one_s, work::scheduled).index == 2);
  CHECK(choose(v, t0, t0 + 7 * one_s, work::scheduled).index == 0);
  for (auto& p : v) p.in_service = false;
  CHECK(retry_margin(v, work::scheduled) == 0);
}

TEST_CASE("deadline rule: scheduled work never touches the daily reserve", "[unit][deadline]") {
  auto v = mix();
  v[0].in_service = false;
  v[1].day_left = 5;
  v[1].reserve = 5;     // Groq: all that is left is reserved
  v[2].day_left = 3;    // Gemini: 3 left, 1 reserved
  v[2].reserve = 1;
  CHECK_FALSE(eligible(v[1], work::scheduled));
  CHECK(eligible(v[1], work::interactive));
  CHECK(choose(v, t0, t0 + 60 * one_s, work::scheduled).index == 2);
  CHECK(choose(v, t0, t0 + 60 * one_s, work::interactive).index == 1);
  v[2].day_left = 1;
  CHECK(choose(v, t0, t0 + 60 * one_s, work::scheduled).index == 3);
  // A provider model plans the same way.
  provider_model m({"groq", 2, 0, 5, 3, 1, 0, one_s, 1.0});
  for (int i = 0; i < 2; ++i) m.commit(m.earliest_start(t0, work::scheduled));
  CHECK(m.earliest_start(t0, work::scheduled) == -1);
  CHECK(m.earliest_start(t0, work::interactive) >= t0);
}

TEST_CASE("deadline estimate: the issue's provider mix", "[unit][deadline]") {
  // Capacity: Ollama 20/min + 30 + 15 + 5 = 70 calls a minute.
  for (long n : {60L, 300L, 1000L}) {
    INFO(n << " examples");
    const auto e = best_completion(mix_limits(), n, t0);
    long sum = 0;
    for (long c : e.per_provider) sum += c;
    CHECK(sum == n);
    const double minutes = static_cast<double>(e.best) / (60.0 * one_s);
    // Fluid bound: whole minutes of 70 calls; the first minute's burst makes it shorter.
    CHECK(minutes <= n / 70.0 + 0.1);
    CHECK(minutes >= (n - 50) / 70.0 - 0.1);
    // Every per-minute provider is used to its rate for the whole batch.
    const double full_minutes = std::floor(minutes);
    CHECK(e.per_provider[1] >= static_cast<long>(30 * full_minutes));
    CHECK(e.per_provider[2] >= static_cast<long>(15 * full_minutes));
    CHECK(e.per_provider[3] >= static_cast<long>(5 * full_minutes));
  }
  const auto e60 = best_completion(mix_limits(), 60, t0);
  // 60 calls: the cloud bursts its first minute's 50 at once, Ollama takes the rest.
  CHECK(e60.best <= 30 * one_s);
  CHECK(interactive_deadline(t0, e60.best, 0.1) == t0 + e60.best + e60.best / 10);
}

TEST_CASE("deadline estimate: time_scale shortens the minute windows", "[unit][deadline]") {
  auto fast = mix_limits();
  for (auto& p : fast) {
    p.time_scale = 60; // a minute per second, latencies scaled alike
    p.latency /= 60;
  }
  const auto slow = best_completion(mix_limits(), 300, t0);
  const auto quick = best_completion(fast, 300, t0);
  CHECK(quick.best * 55 < slow.best);
  CHECK(quick.best * 65 > slow.best);
}
