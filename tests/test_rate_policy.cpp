#include "actors/policy/rate_policy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace zega;
using namespace zega::rate;

namespace {

constexpr time_ns t0 = 3600 * one_s; // away from zero, like the actor test clock

// Largest number of sends inside any trailing window, checked at every `step` instant.
long max_in_any_window(const std::vector<time_ns>& sends, time_ns from, time_ns to,
                       time_ns window, time_ns step) {
  long worst = 0;
  std::size_t lo = 0;
  std::size_t hi = 0;
  for (time_ns t = from; t <= to; t += step) {
    while (hi < sends.size() && sends[hi] <= t) ++hi;
    while (lo < hi && sends[lo] <= t - window) ++lo;
    worst = std::max(worst, static_cast<long>(hi - lo));
  }
  return worst;
}

net::call_result result_of(net::outcome_class cls, int status = 0) {
  net::call_result r;
  r.cls = cls;
  r.http_status = status;
  return r;
}

} // namespace

TEST_CASE("sliding window never lets more than N into any trailing window", "[rate]") {
  limits l;
  l.rpm = 5;
  l.max_in_flight = 0;
  rate_limiter lim(l);
  std::vector<time_ns> sends;
  const time_ns step = 10 * one_ms;
  const time_ns end = t0 + 5 * one_minute;
  // A greedy sender tries three calls at every instant and finishes each at once.
  for (time_ns t = t0; t < end; t += step) {
    for (int i = 0; i < 3; ++i) {
      const auto a = lim.check(t, 1, t + one_day);
      if (!a.allowed) {
        CHECK(a.next_free > t);
        CHECK(a.blocked_by == limit_kind::rpm);
        break;
      }
      lim.on_finish(lim.on_send(t, 1), t, 1);
      sends.push_back(t);
    }
  }
  CHECK(max_in_any_window(sends, t0, end, one_minute, step) == 5);
  // Not more conservative than needed: a full window's worth every minute.
  CHECK(sends.size() == 25);
}

TEST_CASE("a burst at a window boundary does not double the rate", "[rate]") {
  sliding_window w(one_minute, 10);
  const time_ns edge = t0 + one_minute - one_ms;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(w.earliest_fit(edge, 1) == edge);
    w.add(edge, 1);
  }
  // A token bucket that started full would allow 10 more right at the boundary.
  CHECK(w.earliest_fit(t0 + one_minute, 1) == edge + one_minute);
  CHECK(w.used(edge + one_minute - 1) == 10);
  CHECK(w.used(edge + one_minute) == 0);
  CHECK(w.earliest_fit(edge + one_minute, 10) == edge + one_minute);
}

TEST_CASE("random arrivals keep every trailing window at or below the limit", "[rate]") {
  limits l;
  l.rpm = 7;
  l.max_in_flight = 0;
  rate_limiter lim(l);
  std::mt19937_64 rng(42);
  std::vector<time_ns> sends;
  time_ns t = t0;
  const time_ns end = t0 + 10 * one_minute;
  while (t < end) {
    t += std::uniform_int_distribution<time_ns>(0, 4 * one_s)(rng);
    const auto a = lim.check(t, 1, t + one_day);
    if (a.allowed) {
      lim.on_finish(lim.on_send(t, 1), t, 1);
      sends.push_back(t);
    } else if (std::uniform_int_distribution<int>(0, 1)(rng) == 1) {
      // Some callers come back exactly at the announced time: it must then be free.
      t = a.next_free;
      REQUIRE(lim.check(t, 1, t + one_day).allowed);
      lim.on_finish(lim.on_send(t, 1), t, 1);
      sends.push_back(t);
    }
  }
  CHECK(max_in_any_window(sends, t0, end + one_minute, one_minute, one_ms) <= 7);
  CHECK(sends.size() > 40);
}

TEST_CASE("tokens window counts estimates and corrects them with reported usage", "[rate]") {
  limits l;
  l.tpm = 1000;
  l.max_in_flight = 0;
  rate_limiter lim(l);
  const auto id = lim.on_send(t0, 600);
  CHECK(lim.tokens_last_minute(t0) == 600);
  auto a = lim.check(t0 + one_s, 500, t0 + one_day);
  CHECK_FALSE(a.allowed);
  CHECK(a.blocked_by == limit_kind::tpm);
  CHECK(a.next_free == t0 + one_minute);
  CHECK(lim.check(t0 + one_s, 400, t0 + one_day).allowed);
  // The call used fewer tokens than estimated: room for 500 now.
  lim.on_finish(id, t0 + 2 * one_s, 300);
  CHECK(lim.tokens_last_minute(t0 + 2 * one_s) == 300);
  CHECK(lim.check(t0 + 2 * one_s, 500, t0 + one_day).allowed);
  CHECK(lim.today().tokens == 300);
  // Larger than the whole limit: needs an empty window instead of never going out.
  a = lim.check(t0 + 2 * one_s, 5000, t0 + one_day);
  CHECK(a.next_free == t0 + one_minute);
}

TEST_CASE("in-flight and minimum interval limits", "[rate]") {
  limits l;
  l.max_in_flight = 2;
  l.min_interval = 500 * one_ms;
  rate_limiter lim(l);
  const auto a = lim.on_send(t0, 10);
  auto adm = lim.check(t0 + 499 * one_ms, 10, t0 + one_day);
  CHECK_FALSE(adm.allowed);
  CHECK(adm.blocked_by == limit_kind::min_interval);
  CHECK(adm.next_free == t0 + 500 * one_ms);
  CHECK(lim.check(t0 + 500 * one_ms, 10, t0 + one_day).allowed);
  lim.on_send(t0 + 500 * one_ms, 10);
  adm = lim.check(t0 + 2 * one_s, 10, t0 + one_day);
  CHECK_FALSE(adm.allowed);
  CHECK(adm.in_flight_full);
  CHECK(adm.blocked_by == limit_kind::in_flight);
  CHECK(adm.next_free == t0 + 2 * one_s);
  // Default average latency 2 s: the first call should end at t0 + 2 s, so a caller now
  // is told to come back one more average latency later; the view's guess stays put.
  CHECK(lim.expected_slot() == t0 + 2 * one_s);
  CHECK(lim.in_flight_estimate(t0 + 2 * one_s) == t0 + 4 * one_s);
  CHECK(lim.in_flight_estimate(t0 + one_s) == t0 + 2 * one_s);
  lim.on_finish(a, t0 + 2 * one_s, 10);
  CHECK(lim.in_flight() == 1);
  CHECK(lim.check(t0 + 2 * one_s, 10, t0 + one_day).allowed);
}

TEST_CASE("daily counters from a previous run count against rpd and tpd", "[rate]") {
  limits l;
  l.rpd = 3;
  l.tpd = 1000;
  l.max_in_flight = 0;
  rate_limiter lim(l);
  lim.start_day({"2026-11-25", 3, 100});
  const time_ns day_end = t0 + 5 * 3600 * one_s;
  auto a = lim.check(t0, 10, day_end);
  CHECK_FALSE(a.allowed);
  CHECK(a.blocked_by == limit_kind::rpd);
  CHECK(a.next_free == day_end);
  lim.start_day({"2026-11-25", 1, 950});
  a = lim.check(t0, 100, day_end);
  CHECK_FALSE(a.allowed);
  CHECK(a.blocked_by == limit_kind::tpd);
  CHECK(lim.check(t0, 50, day_end).allowed);
  lim.start_day({"2026-11-26", 0, 0});
  CHECK(lim.check(t0, 100, day_end).allowed);
  // The trailing 24 h window still applies within one run.
  for (int i = 0; i < 3; ++i) lim.on_finish(lim.on_send(t0 + i, 10), t0 + i, 10);
  lim.start_day({"2026-11-27", 0, 0});
  a = lim.check(t0 + one_s, 10, day_end);
  CHECK_FALSE(a.allowed);
  CHECK(a.next_free == t0 + one_day);
}

TEST_CASE("rate headers correct the limits and hold the provider until a reset", "[rate]") {
  limits l;
  l.max_in_flight = 0;
  rate_limiter lim(l);
  net::rate_info info;
  info.limit_tokens = 6000;
  info.remaining_tokens = 1000;
  info.limit_requests = 14400;
  info.remaining_requests = 14000;
  lim.apply_headers(info, t0);
  CHECK(lim.effective().tpm == 6000);
  CHECK(lim.effective().rpd == 14400);
  // The provider counted 5000 tokens we never saw (another client on the same key).
  CHECK(lim.tokens_last_minute(t0) == 5000);
  CHECK_FALSE(lim.check(t0, 2000, t0 + one_day).allowed);
  CHECK(lim.check(t0, 1000, t0 + one_day).allowed);

  // Usage the provider reports with a reset hint stops counting at that reset.
  rate_limiter lim4(l);
  net::rate_info with_reset = info;
  with_reset.reset_tokens_s = 7.66;
  lim4.apply_headers(with_reset, t0);
  CHECK(lim4.tokens_last_minute(t0) == 5000);
  const auto late = lim4.check(t0, 2000, t0 + one_day);
  CHECK(late.blocked_by == limit_kind::tpm);
  CHECK(late.next_free == t0 + 7660 * one_ms);
  CHECK(lim4.tokens_last_minute(t0 + 7660 * one_ms) == 0);

  // Configured limits stricter than the reported ones win.
  limits strict;
  strict.tpm = 3000;
  rate_limiter lim2(strict);
  lim2.apply_headers(info, t0);
  CHECK(lim2.effective().tpm == 3000);

  rate_limiter lim3(l);
  net::rate_info empty;
  empty.remaining_tokens = 0;
  empty.reset_tokens_s = 7.66;
  lim3.apply_headers(empty, t0);
  const auto a = lim3.check(t0 + one_s, 1, t0 + one_day);
  CHECK_FALSE(a.allowed);
  CHECK(a.blocked_by == limit_kind::header_hold);
  CHECK(a.next_free == t0 + 7660 * one_ms);
}

TEST_CASE("a 429 teaches the requests-per-minute limit unless its hint points elsewhere", "[rate]") {
  rate_limiter lim{limits{}};
  std::uint64_t last = 0;
  for (int i = 0; i < 6; ++i) {
    last = lim.on_send(t0 + i * one_s, 100);
    lim.on_finish(last, t0 + i * one_s + 100 * one_ms, 100);
  }
  // The sixth was refused: the provider accepts 5 a minute, counted from the first.
  lim.on_refused(last, t0 + 6 * one_s, net::rate_info{});
  CHECK(lim.effective().rpm == 5);
  CHECK(lim.requests_last_minute(t0 + 6 * one_s) == 5);
  const auto a = lim.check(t0 + 6 * one_s, 100, t0 + one_day);
  CHECK_FALSE(a.allowed);
  CHECK(a.blocked_by == limit_kind::rpm);
  CHECK(a.next_free == t0 + one_minute);

  // A hint that does not point at the moment our oldest send leaves the window (a refusal
  // for load, or for tokens) teaches no limit. Nor does a refusal under a configured one.
  rate_limiter hinted{limits{}};
  const auto id = hinted.on_send(t0, 100);
  net::rate_info retry;
  retry.retry_after_s = 2.0;
  hinted.on_refused(id, t0, retry);
  CHECK(hinted.effective().rpm == 0);
  // One that does (Groq's retry-after, Gemini's RetryInfo after 30 calls in 30 s) does: the
  // next minute is paced instead of refused again.
  rate_limiter agreeing{limits{}};
  std::uint64_t sent = 0;
  for (int i = 0; i <= 30; ++i) {
    sent = agreeing.on_send(t0 + i * one_s, 100);
    if (i < 30) agreeing.on_finish(sent, t0 + i * one_s + 500 * one_ms, 100);
  }
  retry.retry_after_s = 30.2; // the provider counted our first send a little later
  agreeing.on_refused(sent, t0 + 30 * one_s, retry);
  CHECK(agreeing.effective().rpm == 30);
  CHECK(agreeing.check(t0 + 30 * one_s, 100, t0 + one_day).next_free == t0 + one_minute);
  // A daily quota teaches no per-minute limit.
  rate_limiter daily{limits{}};
  net::rate_info day;
  day.per_day = true;
  day.retry_after_s = 30.0;
  for (int i = 0; i <= 30; ++i) sent = daily.on_send(t0 + i * one_s, 100);
  daily.on_refused(sent, t0 + 30 * one_s, day);
  CHECK(daily.effective().rpm == 0);
  limits configured;
  configured.rpm = 30;
  rate_limiter known(configured);
  known.on_refused(known.on_send(t0, 100), t0, net::rate_info{});
  CHECK(known.effective().rpm == 30);
}

TEST_CASE("a 429 teaches the limit from the calls the provider served, not those it failed",
          "[unit]") {
  for (const bool hinted : {false, true}) {
    INFO((hinted ? "with" : "without") << " a retry hint");
    rate_limiter lim{limits{}};
    // Three calls answered 503 (the provider did not count them), then five served.
    for (int i = 0; i < 8; ++i) {
      const auto id = lim.on_send(t0 + i * one_s, 100);
      lim.on_finish(id, t0 + i * one_s + 100 * one_ms, 100, i >= 3);
    }
    // The ninth is refused: the provider accepts 5 a minute, counted from the first served
    // call, and says so (come back when that call leaves its minute).
    const auto id = lim.on_send(t0 + 8 * one_s, 100);
    net::rate_info hint;
    if (hinted) hint.retry_after_s = 55.0;
    lim.on_refused(id, t0 + 8 * one_s, hint);
    CHECK(lim.effective().rpm == 5);
    // The failed calls still pace ours (the provider might have counted them).
    CHECK(lim.requests_last_minute(t0 + 8 * one_s) == 8);
    CHECK(lim.check(t0 + 8 * one_s, 100, t0 + one_day).next_free == t0 + 3 * one_s + one_minute);
  }
}

TEST_CASE("a learned requests-per-minute limit relaxes after clean windows", "[unit]") {
  rate_limiter lim{limits{}};
  // A call sent at `at` that comes back 429 without any hint, as the provider actor sees it.
  auto refused_at = [&](time_ns at) {
    const auto id = lim.on_send(at, 100);
    lim.on_finish(id, at + 100 * one_ms, 0);
    lim.on_refused(id, at + 100 * one_ms, net::rate_info{});
  };
  // One hint-less 429 right after a start: nothing was accepted yet, so the guess is 1.
  refused_at(t0);
  REQUIRE(lim.effective().rpm == 1);
  // A client that sends whenever the limiter lets it, one call per second at most.
  std::vector<long> limit_each_minute;
  time_ns now = t0 + one_s;
  for (int minute = 0; minute < 5; ++minute) {
    for (const auto end = now + one_minute; now < end; now += one_s) {
      lim.relax(now);
      if (lim.check(now, 100, t0 + one_day).allowed)
        lim.on_finish(lim.on_send(now, 100), now + 100 * one_ms, 100);
    }
    lim.relax(now);
    limit_each_minute.push_back(lim.effective().rpm);
  }
  // Each window the limit bound doubles it; it never stays pinned.
  CHECK(limit_each_minute == std::vector<long>{2, 4, 8, 16, 32});
  // Another hint-less 429 tightens again, to what the provider accepted in the minute:
  // 32 sends are a measured count, not a guess.
  const auto accepted = lim.requests_last_minute(now + 100 * one_ms);
  REQUIRE(accepted >= measured_limit_min_sends);
  refused_at(now);
  CHECK(lim.effective().rpm == accepted);
  // Probing a measured limit again would cost a 429 a window: it holds while calls go on,
  // and through a quiet or thin minute.
  const auto quiet = now + 100 * one_ms + one_minute;
  lim.relax(quiet);
  lim.on_finish(lim.on_send(quiet, 100), quiet + 100 * one_ms, 100);
  for (long w = 1; w < measured_limit_windows; ++w) {
    lim.relax(quiet + w * one_minute);
    REQUIRE(lim.effective().rpm == accepted);
  }
  // An hour of windows on, it is tried at twice the count (the provider may allow more).
  lim.relax(quiet + measured_limit_windows * one_minute);
  CHECK(lim.effective().rpm == 2 * accepted);
}

TEST_CASE("a thin learned guess that no longer shapes the traffic is dropped", "[unit]") {
  rate_limiter lim{limits{}};
  // Three calls accepted, the fourth refused without a hint, all in the first seconds.
  for (int i = 0; i < 3; ++i)
    lim.on_finish(lim.on_send(t0 + i * one_s / 2, 100), t0 + i * one_s / 2 + 100 * one_ms, 100);
  const auto id = lim.on_send(t0 + 2 * one_s, 100);
  lim.on_finish(id, t0 + 2 * one_s + 100 * one_ms, 0);
  lim.on_refused(id, t0 + 2 * one_s + 100 * one_ms, net::rate_info{});
  REQUIRE(lim.effective().rpm == 3);
  // A quiet minute (the cooldown) says nothing: the guess stays until calls go out again.
  const auto quiet = t0 + 2 * one_s + one_minute;
  lim.relax(quiet);
  CHECK(lim.effective().rpm == 3);
  // One call in a window, under half the guess: it was only a guess; no limit again.
  lim.on_finish(lim.on_send(quiet, 100), quiet + 100 * one_ms, 100);
  lim.relax(quiet + one_minute - one_ms);
  CHECK(lim.effective().rpm == 3);
  lim.relax(quiet + one_minute);
  CHECK(lim.effective().rpm == 0);
  const auto a = lim.check(quiet + one_minute, 100, t0 + one_day);
  INFO(to_string(a.blocked_by));
  CHECK(a.allowed);
}

TEST_CASE("full jitter stays within [0, min(cap, base*2^n)] and grows", "[rate]") {
  std::mt19937_64 rng(7);
  const time_ns base = one_s;
  const time_ns cap = 30 * one_s;
  for (int attempt = 0; attempt < 12; ++attempt) {
    const time_ns ceiling = std::min(cap, base << attempt);
    time_ns lo = ceiling;
    time_ns hi = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto d = full_jitter(attempt, base, cap, rng);
      REQUIRE(d >= 0);
      REQUIRE(d <= ceiling);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter spreads over the whole range, not just near the ceiling.
    CHECK(lo < ceiling / 10);
    CHECK(hi > ceiling * 9 / 10);
  }
  CHECK(full_jitter(1000, base, cap, rng) <= cap);
  std::mt19937_64 a(99);
  std::mt19937_64 b(99);
  CHECK(full_jitter(3, base, cap, a) == full_jitter(3, base, cap, b));
}

TEST_CASE("circuit breaker opens, half-opens for one trial, closes or reopens", "[rate]") {
  circuit_breaker cb(3, 30 * one_s);
  cb.on_failure(t0);
  cb.on_failure(t0 + one_s);
  CHECK(cb.current(t0 + one_s) == circuit_breaker::state::closed);
  cb.on_success();
  CHECK(cb.consecutive_failures() == 0);
  for (int i = 0; i < 3; ++i) cb.on_failure(t0 + 2 * one_s);
  CHECK(cb.current(t0 + 2 * one_s) == circuit_breaker::state::open);
  CHECK_FALSE(cb.allow(t0 + 31 * one_s));
  CHECK(cb.current(t0 + 32 * one_s) == circuit_breaker::state::half_open);
  CHECK(cb.allow(t0 + 32 * one_s));
  cb.on_attempt(t0 + 32 * one_s);
  CHECK_FALSE(cb.allow(t0 + 32 * one_s)); // one trial only

  SECTION("trial succeeds") {
    cb.on_success();
    CHECK(cb.current(t0 + 33 * one_s) == circuit_breaker::state::closed);
    CHECK(cb.allow(t0 + 33 * one_s));
  }
  SECTION("trial fails") {
    cb.on_failure(t0 + 40 * one_s);
    CHECK(cb.current(t0 + 40 * one_s) == circuit_breaker::state::open);
    CHECK(cb.open_until() == t0 + 70 * one_s);
    CHECK(cb.current(t0 + 70 * one_s) == circuit_breaker::state::half_open);
  }
}

TEST_CASE("wall-clock deadlines map onto the monotonic clock", "[rate]") {
  instant t{t0, 1795602000000};
  CHECK(to_monotonic(t, 1795602060000) == t0 + one_minute);
}

TEST_CASE("cooldowns: short throttles wait the hint, daily quotas wait for the reset", "[rate]") {
  std::mt19937_64 rng(3);
  const instant t{t0, 1795602000000}; // 2026-11-25 10:20 UTC

  SECTION("class A waits retry-after plus at most 10 %") {
    auto r = result_of(net::outcome_class::throttled, 429);
    r.rate.retry_after_s = 10;
    const auto c = cooldown_for(r, t, net::provider_kind::openai, rng);
    REQUIRE(c);
    CHECK(c->until >= t0 + 10 * one_s);
    CHECK(c->until <= t0 + 11 * one_s);
    CHECK_FALSE(c->per_day);
  }
  SECTION("class A without any hint falls back to backoff") {
    CHECK_FALSE(cooldown_for(result_of(net::outcome_class::throttled, 429), t,
                             net::provider_kind::openai, rng));
  }
  SECTION("Gemini PerMinute waits the RetryInfo delay") {
    auto r = result_of(net::outcome_class::throttled, 429);
    r.rate.retry_after_s = 37;
    r.rate.quota_id = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
    const auto c = cooldown_for(r, t, net::provider_kind::gemini, rng);
    REQUIRE(c);
    CHECK(c->until >= t0 + 37 * one_s);
    CHECK(c->until <= t0 + 41 * one_s);
  }
  SECTION("Gemini PerDay sleeps until midnight Pacific, not the short delay") {
    auto r = result_of(net::outcome_class::quota, 429);
    r.rate.retry_after_s = 37;
    r.rate.per_day = true;
    r.rate.quota_id = "GenerateRequestsPerDayPerProjectPerModel-FreeTier";
    const instant tg{t0, 1795602000000, provider_days(net::provider_kind::gemini, 1.0)};
    const auto c = cooldown_for(r, tg, net::provider_kind::gemini, rng);
    REQUIRE(c);
    CHECK(c->per_day);
    CHECK(c->until == t0 + (1795680000000 - 1795602000000) * one_ms);
    CHECK(c->reason.find("PerDay") != std::string::npos);
  }
  SECTION("Groq daily quota uses its reset hint") {
    auto r = result_of(net::outcome_class::quota, 429);
    r.rate.per_day = true;
    r.rate.retry_after_s = 2;
    r.rate.reset_requests_s = 7200;
    const auto c = cooldown_for(r, t, net::provider_kind::openai, rng);
    REQUIRE(c);
    CHECK(c->until == t0 + 7200 * one_s);
  }
  SECTION("a quota without hints waits for the next UTC day") {
    const auto c = cooldown_for(result_of(net::outcome_class::quota, 402), t,
                                net::provider_kind::openai, rng);
    REQUIRE(c);
    CHECK(c->until == t0 + (1795651200000 - 1795602000000) * one_ms);
  }
  SECTION("0 remaining requests on a successful response is a daily cooldown") {
    auto r = result_of(net::outcome_class::ok, 200);
    r.rate.remaining_requests = 0;
    r.rate.reset_requests_s = 3600;
    const auto c = cooldown_for(r, t, net::provider_kind::openai, rng);
    REQUIRE(c);
    CHECK(c->per_day);
    CHECK(c->until == t0 + 3600 * one_s);
    r.rate.remaining_requests = 5;
    CHECK_FALSE(cooldown_for(r, t, net::provider_kind::openai, rng));
  }
}

TEST_CASE("health: backoff, circuit, broken and unreachable", "[rate]") {
  backoff_params p;
  p.base = one_s;
  p.cap = 30 * one_s;
  p.circuit_failures = 3;
  p.circuit_cooldown = 30 * one_s;
  p.probe_interval = 15 * one_s;
  health_tracker h(p);
  std::mt19937_64 rng(5);
  instant t{t0, 1795602000000};
  CHECK(h.check(t0).state == health_state::ok);

  SECTION("transient failures back off, then open the circuit") {
    h.on_send(t.now);
    h.on_result(result_of(net::outcome_class::transient, 503), t, net::provider_kind::openai,
                rng);
    auto g = h.check(t.now);
    if (g.state == health_state::backoff) { // full jitter may draw 0
      CHECK(g.until <= t.now + one_s);
      CHECK_FALSE(g.allowed);
    }
    for (int i = 0; i < 2; ++i) {
      t.now += one_minute;
      h.on_result(result_of(net::outcome_class::transient, 503), t, net::provider_kind::openai,
                  rng);
    }
    g = h.check(t.now);
    CHECK(g.state == health_state::open);
    CHECK(g.until == t.now + 30 * one_s);
    CHECK(h.circuit().consecutive_failures() == 3);
    t.now += 30 * one_s;
    g = h.check(t.now);
    CHECK(g.state == health_state::half_open);
    CHECK(g.allowed);
    h.on_send(t.now);
    CHECK_FALSE(h.check(t.now).allowed);
    h.on_result(result_of(net::outcome_class::ok, 200), t, net::provider_kind::openai, rng);
    CHECK(h.check(t.now).state == health_state::ok);
    CHECK(h.circuit().consecutive_failures() == 0);
  }
  SECTION("a 429 with a hint is a cooldown and keeps the circuit closed") {
    auto r = result_of(net::outcome_class::throttled, 429);
    r.rate.retry_after_s = 4;
    h.on_result(r, t, net::provider_kind::openai, rng);
    const auto g = h.check(t.now + one_s);
    CHECK(g.state == health_state::cooldown);
    CHECK(g.until >= t.now + 4 * one_s);
    CHECK(h.cooldown_reason().find("429") != std::string::npos);
    CHECK(h.check(t.now + 5 * one_s).state == health_state::ok);
  }
  SECTION("class F is broken for good with its message") {
    auto r = result_of(net::outcome_class::broken, 401);
    r.message = "groq: the API key was rejected (401) - set GROQ_API_KEY";
    h.on_result(r, t, net::provider_kind::openai, rng);
    const auto g = h.check(t.now + one_day);
    CHECK(g.state == health_state::broken);
    CHECK_FALSE(g.allowed);
    CHECK(h.message() == r.message);
  }
  SECTION("class G is unreachable until a probe succeeds") {
    auto r = result_of(net::outcome_class::unreachable);
    r.message = "ollama: connection refused at 127.0.0.1:11434";
    h.on_result(r, t, net::provider_kind::ollama, rng);
    auto g = h.check(t.now);
    CHECK(g.state == health_state::unreachable);
    CHECK(g.until == t.now + 15 * one_s);
    h.on_probe(false, t.now + 15 * one_s);
    CHECK(h.next_probe() == t.now + 30 * one_s);
    CHECK(h.check(t.now + 20 * one_s).state == health_state::unreachable);
    h.on_probe(true, t.now + 30 * one_s);
    CHECK(h.check(t.now + 30 * one_s).state == health_state::ok);
    CHECK(h.message().empty());
  }
  SECTION("D, E and H change nothing") {
    for (auto cls : {net::outcome_class::too_big, net::outcome_class::bad_request,
                     net::outcome_class::refused})
      h.on_result(result_of(cls, 400), t, net::provider_kind::openai, rng);
    CHECK(h.check(t.now).state == health_state::ok);
  }
}
