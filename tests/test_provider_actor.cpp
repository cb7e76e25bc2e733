#include "actors/provider.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <vector>

using namespace zega;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t start_wall_ms = 1795602000000; // 2026-11-25 10:20 UTC
constexpr std::int64_t utc_midnight_ms = 1795651200000; // 2026-11-26 00:00 UTC
constexpr std::int64_t pacific_midnight_ms = 1795680000000; // 2026-11-26 00:00 PST
// A provider's minute windows last 1 % longer than a minute (transit to the provider).
constexpr clock_ns window_margin = 600'000'000;

// Scripted upstream: records every request and answers from a queue (200 OK when empty),
// or keeps the callbacks when `hold` is set so a test can finish calls later.
struct upstream {
  std::vector<net::http_request> calls;
  std::deque<net::http_result> script;
  bool hold = false;
  std::vector<std::function<void(net::http_result)>> held;
};

net::http_response response(int status, std::string body, net::header_list headers = {}) {
  headers.emplace_back("content-type", "application/json");
  return {status, std::move(headers), std::move(body)};
}

net::http_response openai_ok() {
  return response(200, R"({"choices":[{"index":0,"message":{"role":"assistant","content":)"
                       R"("Once upon a time."},"finish_reason":"stop"}],)"
                       R"("usage":{"prompt_tokens":20,"completion_tokens":30}})");
}

net::http_response groq_error(int status, const std::string& message, const std::string& type,
                              const std::string& code, net::header_list headers = {}) {
  return response(status,
                  R"({"error":{"message":")" + message + R"(","type":")" + type +
                    R"(","code":")" + code + R"("}})",
                  std::move(headers));
}

net::http_response gemini_429(const std::string& quota_id, const std::string& delay) {
  return response(
    429,
    R"({"error":{"code":429,"message":"You exceeded your current quota.",)"
    R"("status":"RESOURCE_EXHAUSTED","details":[)"
    R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{)"
    R"("quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests",)"
    R"("quotaId":")" + quota_id + R"(","quotaValue":"20"}]},)"
    R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" + delay + R"("}]}})");
}

net::http_response gemini_ok() {
  return response(200, R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Steam."}]},)"
                       R"("finishReason":"STOP","index":0}],"usageMetadata":)"
                       R"({"promptTokenCount":14,"candidatesTokenCount":12,"totalTokenCount":26}})");
}

provider_config groq_config() {
  provider_config c;
  c.name = "groq";
  c.kind = net::provider_kind::openai;
  c.base_url = "https://api.groq.com/openai/v1";
  c.model = "openai/gpt-oss-20b";
  c.api_key = "gsk_test";
  c.limits.max_in_flight = 4;
  return c;
}

provider_config gemini_config() {
  provider_config c;
  c.name = "gemini";
  c.kind = net::provider_kind::gemini;
  c.base_url = "https://generativelanguage.googleapis.com/v1beta";
  c.model = "gemini-2.5-flash";
  c.api_key = "AIza-test";
  c.day_reset.timezone = "America/Los_Angeles"; // as the gemini preset sets it
  return c;
}

provider_config ollama_config() {
  provider_config c;
  c.name = "ollama";
  c.kind = net::provider_kind::ollama;
  c.base_url = "http://127.0.0.1:11434";
  c.model = "llama3.2";
  c.backoff.probe_interval_ms = 15000;
  return c;
}

gen_task task(std::uint64_t id) {
  gen_task t;
  t.task_id = id;
  t.params.prompt = std::string(400, 'x'); // 100 tokens + 100 max = 200 estimated
  t.params.max_tokens = 100;
  return t;
}

archiver_actor::behavior_type fake_archiver(archiver_actor::pointer,
                                            std::vector<store::quota_record>* log) {
  return {
    [log](archive_atom, const store::write_batch& batch) {
      for (const auto& q : batch.quota) log->push_back(q);
      return store::commit_result{};
    },
    // Rescore is the real archiver's work (tests/test_data_integration.cpp).
    [](rescore_atom, double, double, const std::string&, bool) { return store::rescore_counts{}; },
    [](rescore_atom) {},
    [](flush_atom) { return true; },
    [](tick_atom) {},
  };
}

avail_listener::behavior_type view_recorder(avail_listener::pointer,
                                           std::vector<provider_view>* views) {
  return {[views](avail_atom, const provider_view& v) { views->push_back(v); }};
}

// Small probe actors that capture one reply each.
void generate_probe(caf::event_based_actor* self, provider_actor p, std::uint64_t id,
                    std::vector<gen_outcome>* out) {
  self->request(p, caf::infinite, generate_atom::value, task(id))
    .then([out](const gen_outcome& o) { out->push_back(o); });
}

void status_probe(caf::event_based_actor* self, provider_actor p,
                  std::vector<provider_status>* out) {
  self->request(p, caf::infinite, status_atom::value)
    .then([out](const provider_status& s) { out->push_back(s); });
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<upstream> up = std::make_shared<upstream>();
  std::shared_ptr<std::int64_t> wall = std::make_shared<std::int64_t>(start_wall_ms);
  std::vector<gen_outcome> outcomes;
  std::vector<provider_status> statuses;
  std::vector<store::quota_record> quota_log;
  std::vector<provider_view> views;
  std::vector<caf::strong_actor_ptr> long_lived;

  fixture()
    : sys(cfg.set("scheduler.policy", caf::atom("testing"))),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    sched.clock().current_time += 1h;
  }

  ~fixture() {
    for (auto& a : long_lived) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    sched.clock().cancel_all();
    sched.run();
  }

  clock_ns now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             sched.clock().current_time.time_since_epoch())
      .count();
  }

  provider_deps deps(std::uint64_t seed = 1) {
    provider_deps d;
    auto u = up;
    d.transport = [u](net::http_request req, net::client_limits,
                      std::function<void(net::http_result)> done) {
      u->calls.push_back(std::move(req));
      if (u->hold) {
        u->held.push_back(std::move(done));
        return;
      }
      net::http_result r = openai_ok();
      if (!u->script.empty()) {
        r = u->script.front();
        u->script.pop_front();
      }
      done(std::move(r));
    };
    auto w = wall;
    d.wall_clock = [w] { return *w; };
    d.rng_seed = seed;
    return d;
  }

  provider_actor spawn_provider(provider_config c, provider_deps d) {
    auto p = sys.spawn(provider, std::move(c), std::move(d));
    long_lived.push_back(caf::actor_cast<caf::strong_actor_ptr>(p));
    sched.run();
    return p;
  }

  archiver_actor spawn_archiver() {
    auto a = sys.spawn(fake_archiver, &quota_log);
    long_lived.push_back(caf::actor_cast<caf::strong_actor_ptr>(a));
    sched.run();
    return a;
  }

  void subscribe(const provider_actor& p) {
    auto rec = sys.spawn(view_recorder, &views);
    long_lived.push_back(caf::actor_cast<caf::strong_actor_ptr>(rec));
    caf::anon_send(p, subscribe_atom::value, rec);
    sched.run();
  }

  // Asks for one generation and returns its outcome (delivered by a small probe actor).
  gen_outcome generate(const provider_actor& p, std::uint64_t id) {
    const auto before = outcomes.size();
    send_generate(p, id);
    REQUIRE(outcomes.size() == before + 1);
    return outcomes.back();
  }

  // Like generate, but the outcome may come later (a held upstream call).
  void send_generate(const provider_actor& p, std::uint64_t id) {
    sys.spawn(generate_probe, p, id, &outcomes);
    sched.run();
  }

  provider_status status(const provider_actor& p) {
    sys.spawn(status_probe, p, &statuses);
    sched.run();
    REQUIRE(!statuses.empty());
    return statuses.back();
  }

  // Moves both clocks; fires the timers that fall due and delivers what they send.
  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    *wall += d.count();
    sched.run();
  }
};

} // namespace

TEST_CASE_METHOD(fixture, "requests per minute: N pass, the next is busy until the window frees",
                 "[provider]") {
  auto c = groq_config();
  c.limits.rpm = 3;
  auto p = spawn_provider(c, deps());
  const auto t = now();
  for (std::uint64_t i = 1; i <= 3; ++i) CHECK(generate(p, i).result.cls == net::outcome_class::ok);
  CHECK(up->calls.size() == 3);
  auto busy = generate(p, 4);
  CHECK(busy.result.cls == net::outcome_class::busy);
  CHECK(busy.task_id == 4);
  CHECK(busy.busy_until == t + 60'000'000'000 + window_margin);
  CHECK(up->calls.size() == 3); // answered without an upstream call
  const auto s = status(p);
  CHECK(s.requests_last_minute == 3);
  CHECK(s.view.state == provider_state::busy);
  advance(60s);
  CHECK(generate(p, 5).result.cls == net::outcome_class::busy);
  advance(600ms);
  CHECK(generate(p, 6).result.cls == net::outcome_class::ok);
  CHECK(up->calls.size() == 4);
}

TEST_CASE_METHOD(fixture, "tokens per minute: the estimate reserves, reported usage releases",
                 "[provider]") {
  auto c = groq_config();
  c.limits.tpm = 500;
  auto p = spawn_provider(c, deps());
  up->hold = true;
  send_generate(p, 1);
  send_generate(p, 2);
  CHECK(up->calls.size() == 2);
  CHECK(outcomes.empty());
  send_generate(p, 3); // 3 x 200 estimated > 500
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].result.cls == net::outcome_class::busy);
  CHECK(up->calls.size() == 2);
  // Both calls report 50 tokens, so the window has room again.
  for (auto& done : up->held) done(openai_ok());
  up->held.clear();
  sched.run();
  REQUIRE(outcomes.size() == 3);
  CHECK(status(p).tokens_last_minute == 100);
  up->hold = false;
  CHECK(generate(p, 4).result.cls == net::outcome_class::ok);
}

TEST_CASE_METHOD(fixture, "a call that cannot be sent now is answered busy at once",
                 "[provider]") {
  auto c = groq_config();
  c.limits.max_in_flight = 1;
  auto p = spawn_provider(c, deps());
  subscribe(p);
  up->hold = true;
  send_generate(p, 1);
  CHECK(outcomes.empty());
  send_generate(p, 2);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].task_id == 2);
  CHECK(outcomes[0].result.cls == net::outcome_class::busy);
  CHECK(outcomes[0].busy_until > now());
  CHECK(up->calls.size() == 1);
  CHECK(views.back().state == provider_state::busy);
  CHECK(views.back().in_flight == 1);
  const auto pushed = views.size();
  // Slower than the average latency: callers are sent away into the future, and the
  // subscribers are not bothered again while nothing changed.
  advance(5s);
  send_generate(p, 3);
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[1].result.cls == net::outcome_class::busy);
  CHECK(outcomes[1].busy_until > now());
  CHECK(views.size() == pushed);
  up->held.front()(openai_ok());
  up->held.clear();
  sched.run();
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[2].task_id == 1);
  CHECK(outcomes[2].result.cls == net::outcome_class::ok);
  CHECK(outcomes[2].result.text == "Once upon a time.");
  CHECK(outcomes[2].latency_us == 5'000'000);
  CHECK(views.back().state == provider_state::available);
  CHECK(views.back().in_flight == 0);
  up->hold = false;
  CHECK(generate(p, 4).result.cls == net::outcome_class::ok);
}

TEST_CASE_METHOD(fixture, "a 429 with retry-after cools the provider down for that long",
                 "[provider]") {
  auto p = spawn_provider(groq_config(), deps());
  up->script.push_back(groq_error(429,
                                  "Rate limit reached on requests per minute (RPM): Limit 30, "
                                  "Used 30, Requested 1. Please try again in 4.77s.",
                                  "requests", "rate_limit_exceeded", {{"retry-after", "5"}}));
  const auto t = now();
  const auto first = generate(p, 1);
  CHECK(first.result.cls == net::outcome_class::throttled);
  CHECK(first.busy_until >= t + 5'000'000'000);
  CHECK(first.busy_until <= t + 5'500'000'000);
  const auto again = generate(p, 2);
  CHECK(again.result.cls == net::outcome_class::busy);
  CHECK(again.busy_until == first.busy_until);
  const auto s = status(p);
  CHECK(s.view.state == provider_state::cooldown);
  CHECK(s.cooldown_reason.find("429") != std::string::npos);
  CHECK(up->calls.size() == 1);
  advance(6s);
  CHECK(generate(p, 3).result.cls == net::outcome_class::ok);
  CHECK(up->calls.size() == 2);
}

TEST_CASE_METHOD(fixture, "rate headers of a successful response correct the limits",
                 "[provider]") {
  auto p = spawn_provider(groq_config(), deps());
  const auto t = now();
  SECTION("no tokens left: busy until the token reset") {
    auto ok = openai_ok();
    ok.headers.emplace_back("x-ratelimit-limit-tokens", "6000");
    ok.headers.emplace_back("x-ratelimit-remaining-tokens", "0");
    ok.headers.emplace_back("x-ratelimit-reset-tokens", "7.66s");
    up->script.push_back(ok);
    CHECK(generate(p, 1).result.cls == net::outcome_class::ok);
    const auto busy = generate(p, 2);
    CHECK(busy.result.cls == net::outcome_class::busy);
    CHECK(busy.busy_until == t + 7'660'000'000);
    CHECK(status(p).view.state == provider_state::busy);
    advance(8s);
    CHECK(generate(p, 3).result.cls == net::outcome_class::ok);
  }
  SECTION("no requests left today: daily cooldown until the request reset") {
    auto ok = openai_ok();
    ok.headers.emplace_back("x-ratelimit-limit-requests", "1000");
    ok.headers.emplace_back("x-ratelimit-remaining-requests", "0");
    ok.headers.emplace_back("x-ratelimit-reset-requests", "2h");
    up->script.push_back(ok);
    CHECK(generate(p, 1).result.cls == net::outcome_class::ok);
    const auto busy = generate(p, 2);
    CHECK(busy.result.cls == net::outcome_class::busy);
    CHECK(busy.busy_until == t + 7200'000'000'000);
    const auto s = status(p);
    CHECK(s.view.state == provider_state::cooldown);
    CHECK(s.rpd == 1000);
    CHECK(up->calls.size() == 1);
    // The provider's reset, not a 24 h window over its count, decides when to try again.
    advance(2h);
    CHECK(generate(p, 3).result.cls == net::outcome_class::ok);
  }
}

TEST_CASE_METHOD(fixture, "a 429 whose hint agrees with our count teaches the minute limit",
                 "[actor]") {
  // No limits configured: Groq accepts 5 calls, one a second, and refuses the sixth until
  // the first leaves its minute. The views carry the learned limit and the day's budget.
  auto p = spawn_provider(groq_config(), deps());
  subscribe(p);
  for (std::uint64_t i = 1; i <= 5; ++i) {
    CHECK(generate(p, i).result.cls == net::outcome_class::ok);
    advance(1s);
  }
  CHECK(views.back().rpm == 0);
  CHECK(views.back().day_left == -1);
  up->script.push_back(groq_error(429,
                                  "Rate limit reached on requests per minute (RPM): Limit 5, "
                                  "Used 5, Requested 1. Please try again in 55s.",
                                  "requests", "rate_limit_exceeded",
                                  {{"retry-after", "55"},
                                   {"x-ratelimit-limit-requests", "1000"},
                                   {"x-ratelimit-remaining-requests", "990"},
                                   {"x-ratelimit-reset-requests", "14m24s"}}));
  CHECK(generate(p, 6).result.cls == net::outcome_class::throttled);
  CHECK(views.back().rpm == 5);
  CHECK(views.back().day_left == 990);
  // After the cooldown (the hint plus up to 10 % jitter) the window paces the calls: the
  // sixth of a minute waits without a second 429.
  advance(61s);
  const auto resumed = now();
  for (std::uint64_t i = 7; i <= 11; ++i)
    CHECK(generate(p, i).result.cls == net::outcome_class::ok);
  const auto busy = generate(p, 12);
  CHECK(busy.result.cls == net::outcome_class::busy);
  CHECK(busy.busy_until == resumed + 60'000'000'000 + window_margin);
  CHECK(up->calls.size() == 11);
}

TEST_CASE_METHOD(fixture, "Gemini: PerMinute waits the delay, PerDay sleeps until the reset",
                 "[provider]") {
  auto p = spawn_provider(gemini_config(), deps());
  const auto t = now();
  SECTION("PerMinute") {
    up->script.push_back(gemini_429("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "37s"));
    CHECK(generate(p, 1).result.cls == net::outcome_class::throttled);
    const auto busy = generate(p, 2);
    CHECK(busy.result.cls == net::outcome_class::busy);
    CHECK(busy.busy_until >= t + 37'000'000'000);
    CHECK(busy.busy_until <= t + 41'000'000'000);
    advance(41s);
    up->script.push_back(gemini_ok());
    CHECK(generate(p, 3).result.cls == net::outcome_class::ok);
  }
  SECTION("PerDay") {
    up->script.push_back(gemini_429("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "37s"));
    CHECK(generate(p, 1).result.cls == net::outcome_class::quota);
    const auto busy = generate(p, 2);
    CHECK(busy.result.cls == net::outcome_class::busy);
    CHECK(busy.busy_until == t + (pacific_midnight_ms - start_wall_ms) * 1'000'000);
    advance(1h);
    CHECK(generate(p, 3).result.cls == net::outcome_class::busy);
    const auto s = status(p);
    CHECK(s.view.state == provider_state::cooldown);
    CHECK(s.cooldown_reason.find("PerDay") != std::string::npos);
    CHECK(up->calls.size() == 1);
  }
}

TEST_CASE_METHOD(fixture, "broken stays broken with its one message and calls nothing",
                 "[provider]") {
  auto p = spawn_provider(groq_config(), deps());
  up->script.push_back(
    groq_error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key"));
  const auto first = generate(p, 1);
  CHECK(first.result.cls == net::outcome_class::broken);
  CHECK_FALSE(first.result.message.empty());
  CHECK(first.result.message.find("gsk_test") == std::string::npos);
  for (int i = 0; i < 3; ++i) {
    advance(8h);
    const auto again = generate(p, 2 + i);
    CHECK(again.result.cls == net::outcome_class::broken);
    CHECK(again.result.message == first.result.message);
  }
  CHECK(up->calls.size() == 1);
  const auto s = status(p);
  CHECK(s.view.state == provider_state::broken);
  CHECK(s.broken_message == first.result.message);
  CHECK(s.view.reason == first.result.message);
}

TEST_CASE_METHOD(fixture, "unreachable: background health probe re-enables the provider",
                 "[provider]") {
  auto p = spawn_provider(ollama_config(), deps());
  subscribe(p);
  up->script.push_back(net::transport_error{net::transport_error_kind::connection_refused,
                                            "127.0.0.1:11434: connection refused"});
  const auto first = generate(p, 1);
  CHECK(first.result.cls == net::outcome_class::unreachable);
  const auto again = generate(p, 2);
  CHECK(again.result.cls == net::outcome_class::unreachable);
  CHECK(up->calls.size() == 1);
  REQUIRE(!views.empty());
  CHECK(views.back().state == provider_state::unreachable);

  up->script.push_back(net::transport_error{net::transport_error_kind::connection_refused,
                                            "127.0.0.1:11434: connection refused"});
  advance(15s);
  REQUIRE(up->calls.size() == 2);
  CHECK(up->calls[1].url.find("/api/version") != std::string::npos);
  CHECK(status(p).view.state == provider_state::unreachable);

  up->script.push_back(response(200, R"({"version":"0.5.7"})"));
  advance(15s);
  CHECK(up->calls.size() == 3);
  CHECK(views.back().state == provider_state::available);
  up->script.push_back(response(200, R"({"model":"llama3.2","message":{"role":"assistant",)"
                                     R"("content":"Hi."},"done":true,"done_reason":"stop",)"
                                     R"("prompt_eval_count":10,"eval_count":3})"));
  CHECK(generate(p, 3).result.cls == net::outcome_class::ok);
  // No more probes once it is back.
  advance(60s);
  CHECK(up->calls.size() == 4);
}

TEST_CASE_METHOD(fixture, "daily counters survive a restart through the archiver",
                 "[provider]") {
  auto c = groq_config();
  c.limits.rpd = 3;
  auto archiver = spawn_archiver();
  auto d = deps();
  d.archiver = archiver;
  auto first = spawn_provider(c, d);
  CHECK(generate(first, 1).result.cls == net::outcome_class::ok);
  CHECK(generate(first, 2).result.cls == net::outcome_class::ok);
  REQUIRE(quota_log.size() == 2);
  CHECK(quota_log.back().provider == "groq");
  CHECK(quota_log.back().day == "2026-11-25");
  CHECK(quota_log.back().requests == 2);
  CHECK(quota_log.back().tokens == 100); // reported usage, not the estimates
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  sched.run();

  auto d2 = deps();
  d2.archiver = archiver;
  d2.today = quota_log.back();
  auto second = spawn_provider(c, d2);
  const auto s = status(second);
  CHECK(s.requests_today == 2);
  CHECK(s.tokens_today == 100);
  CHECK(s.rpd == 3);
  CHECK(generate(second, 3).result.cls == net::outcome_class::ok);
  const auto t = now();
  const auto busy = generate(second, 4);
  CHECK(busy.result.cls == net::outcome_class::busy);
  // The trailing window would allow it; today's persisted count does not.
  CHECK(busy.busy_until == t + (utc_midnight_ms - start_wall_ms) * 1'000'000);
  CHECK(up->calls.size() == 3);
  CHECK(quota_log.back().requests == 3);

  // A new UTC day resets the counters (the 24 h window still holds only this run's call).
  advance(std::chrono::milliseconds(utc_midnight_ms - start_wall_ms));
  CHECK(generate(second, 5).result.cls == net::outcome_class::ok);
  CHECK(quota_log.back().day == "2026-11-26");
  CHECK(quota_log.back().requests == 1);
}

TEST_CASE_METHOD(fixture, "availability changes are pushed to subscribers without polling",
                 "[provider]") {
  auto c = groq_config();
  c.limits.rpm = 1;
  auto p = spawn_provider(c, deps());
  subscribe(p);
  REQUIRE(views.size() == 1);
  CHECK(views[0].state == provider_state::available);
  CHECK(views[0].name == "groq");
  const auto t = now();
  CHECK(generate(p, 1).result.cls == net::outcome_class::ok);
  CHECK(views.back().state == provider_state::busy);
  CHECK(views.back().next_free == t + 60'000'000'000 + window_margin);
  CHECK(views.back().in_flight == 0);
  const auto pushed = views.size();
  advance(30s);
  CHECK(views.size() == pushed); // nothing changed yet
  advance(30600ms);
  CHECK(views.size() == pushed + 1);
  CHECK(views.back().state == provider_state::available);
  CHECK(views.back().next_free == 0);
}

TEST_CASE_METHOD(fixture, "transient failures back off, open the circuit, a trial closes it",
                 "[provider]") {
  auto c = groq_config();
  c.backoff.base_ms = 100;
  c.backoff.cap_ms = 1000;
  c.backoff.circuit_failures = 2;
  c.backoff.circuit_cooldown_ms = 30000;
  auto p = spawn_provider(c, deps(11));
  const auto unavailable = [] {
    return groq_error(503, "Service Unavailable", "internal_server_error", "service_unavailable");
  };
  up->script.push_back(unavailable());
  const auto t = now();
  const auto first = generate(p, 1);
  CHECK(first.result.cls == net::outcome_class::transient);
  CHECK(first.busy_until <= t + 100'000'000);
  advance(200ms);
  up->script.push_back(unavailable());
  CHECK(generate(p, 2).result.cls == net::outcome_class::transient);
  auto s = status(p);
  CHECK(s.circuit == "open");
  CHECK(s.view.state == provider_state::open);
  CHECK(s.consecutive_failures == 2);
  CHECK(s.view.next_free == now() + 30'000'000'000);
  CHECK(generate(p, 3).result.cls == net::outcome_class::busy);
  CHECK(up->calls.size() == 2);
  advance(30s);
  s = status(p);
  CHECK(s.circuit == "half_open");
  CHECK(generate(p, 4).result.cls == net::outcome_class::ok);
  s = status(p);
  CHECK(s.circuit == "closed");
  CHECK(s.consecutive_failures == 0);
  CHECK(s.failures_total == 2);
  CHECK(s.calls_total == 3);
}

TEST_CASE_METHOD(fixture, "a disabled provider never calls upstream", "[provider]") {
  auto c = groq_config();
  c.disabled_reason = "GROQ_API_KEY is not set";
  auto p = spawn_provider(c, deps());
  const auto out = generate(p, 1);
  CHECK(out.result.cls == net::outcome_class::broken);
  CHECK(out.result.message.find("GROQ_API_KEY") != std::string::npos);
  CHECK(up->calls.empty());
  const auto s = status(p);
  CHECK(s.view.state == provider_state::disabled);
  CHECK(s.kind == "openai");
  CHECK(to_string(s.view.state) == std::string("disabled"));
}

TEST_CASE_METHOD(fixture, "a provider's quota day follows its configured day_reset", "[actor]") {
  auto c = groq_config();
  c.day_reset.from_headers = false;
  c.day_reset.timezone = "Asia/Tokyo";
  SECTION("09:00 in Tokyo is midnight UTC") {
    c.day_reset.minute_of_day = 9 * 60;
    auto p = spawn_provider(c, deps());
    CHECK(generate(p, 1).result.cls == net::outcome_class::ok);
    advance(std::chrono::milliseconds(utc_midnight_ms - start_wall_ms - 1000));
    CHECK(status(p).requests_today == 1);
    advance(1s);
    CHECK(status(p).requests_today == 0);
  }
  SECTION("21:00 in Tokyo is noon UTC: today's count ends at 12:00 UTC") {
    c.day_reset.minute_of_day = 21 * 60;
    auto p = spawn_provider(c, deps());
    CHECK(generate(p, 1).result.cls == net::outcome_class::ok);
    const std::int64_t noon = utc_midnight_ms - 12 * 3600'000;
    advance(std::chrono::milliseconds(noon - start_wall_ms - 1000));
    CHECK(status(p).requests_today == 1);
    advance(1s);
    CHECK(status(p).requests_today == 0);
  }
}

TEST_CASE_METHOD(fixture, "a daily exhaustion learned from a 429 is persisted and survives a restart",
                 "[actor]") {
  auto log = std::make_shared<std::vector<store::write_batch>>();
  auto& meta_log = *log;
  auto archiver = sys.spawn([log](archiver_actor::pointer) -> archiver_actor::behavior_type {
    return {
      [log](archive_atom, const store::write_batch& b) {
        if (!b.meta.empty()) log->push_back(b);
        return store::commit_result{};
      },
      [](rescore_atom, double, double, const std::string&, bool) {
        return store::rescore_counts{};
      },
      [](rescore_atom) {},
      [](flush_atom) { return true; },
      [](tick_atom) {},
    };
  });
  long_lived.push_back(caf::actor_cast<caf::strong_actor_ptr>(archiver));
  auto d = deps();
  d.archiver = archiver;
  auto first = spawn_provider(gemini_config(), d);
  up->script.push_back(gemini_429("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "37s"));
  CHECK(generate(first, 1).result.cls == net::outcome_class::quota);
  sched.run();
  REQUIRE(meta_log.size() == 1);
  const auto& [key, value] = meta_log[0].meta.at(0);
  CHECK(key == quota_exhausted_key("gemini"));
  std::int64_t until = 0;
  std::string reason;
  REQUIRE(parse_quota_exhausted(value, until, reason));
  CHECK(until == pacific_midnight_ms);
  CHECK(reason.find("PerDay") != std::string::npos);
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  sched.run();

  // The restarted provider waits for the reset without an upstream call.
  auto d2 = deps();
  d2.exhausted_until_ms = until;
  d2.exhausted_reason = reason;
  auto second = spawn_provider(gemini_config(), d2);
  const auto t = now();
  const auto busy = generate(second, 2);
  CHECK(busy.result.cls == net::outcome_class::busy);
  CHECK(busy.busy_until == t + (pacific_midnight_ms - start_wall_ms) * 1'000'000);
  CHECK(status(second).view.state == provider_state::cooldown);
  CHECK(up->calls.size() == 1);
  advance(std::chrono::milliseconds(pacific_midnight_ms - start_wall_ms));
  up->script.push_back(gemini_ok());
  CHECK(generate(second, 3).result.cls == net::outcome_class::ok);
}

TEST_CASE_METHOD(fixture, "limits.reserve_per_day is never spent by scheduled tasks", "[actor]") {
  auto c = groq_config();
  c.limits.rpd = 4;
  c.limits.reserve_per_day = 2;
  auto p = spawn_provider(c, deps());
  auto scheduled = [&](std::uint64_t id) {
    const auto before = outcomes.size();
    auto tk = task(id);
    tk.scheduled = true;
    sys.spawn([p, tk, this](caf::event_based_actor* self) {
      self->request(p, caf::infinite, generate_atom::value, tk)
        .then([this](const gen_outcome& o) { outcomes.push_back(o); });
    });
    sched.run();
    REQUIRE(outcomes.size() == before + 1);
    return outcomes.back();
  };
  CHECK(scheduled(1).result.cls == net::outcome_class::ok);
  CHECK(scheduled(2).result.cls == net::outcome_class::ok);
  CHECK(status(p).view.reserve_reached);
  CHECK(scheduled(3).result.cls == net::outcome_class::busy);
  CHECK(up->calls.size() == 2);
  // The reserve is there for interactive work.
  CHECK(generate(p, 4).result.cls == net::outcome_class::ok);
  CHECK(generate(p, 5).result.cls == net::outcome_class::ok);
  CHECK(up->calls.size() == 4);
}

TEST_CASE_METHOD(fixture, "operator fields: quota windows, recent latency and error rate, outcomes",
                 "[actor]") {
  auto c = groq_config();
  c.limits.rpm = 30;
  c.limits.rpd = 2;
  auto p = spawn_provider(c, deps());
  auto fresh = status(p);
  CHECK_FALSE(fresh.latency_p50_ms);
  CHECK_FALSE(fresh.error_rate);
  CHECK(fresh.minute.resets_at_ms == 0); // nothing counted: nothing to reset
  CHECK(fresh.day.resets_at_ms == utc_midnight_ms);
  // One call that takes 800 ms, then a 500.
  up->hold = true;
  send_generate(p, 1);
  advance(800ms);
  up->hold = false;
  up->held.front()(openai_ok());
  up->held.clear();
  sched.run();
  up->script.push_back(groq_error(500, "boom", "server_error", "internal"));
  CHECK(generate(p, 2).result.cls == net::outcome_class::transient);
  auto s = status(p);
  CHECK(s.minute.requests_used == 2);
  CHECK(s.minute.requests_limit == 30);
  CHECK(s.minute.resets_at_ms == start_wall_ms + 60'000 + window_margin / 1'000'000); // the first call leaves the window
  CHECK(s.day.requests_used == 2);
  CHECK(s.day.requests_limit == 2);
  CHECK(s.day.tokens_used == 50 + 200); // reported usage, then the estimate of the failed call
  REQUIRE(s.latency_p95_ms);
  CHECK(*s.latency_p95_ms == Approx(800));
  CHECK(*s.latency_p50_ms == Approx(0));
  CHECK(*s.error_rate == Approx(0.5));
  CHECK(s.calls_by_outcome.at("ok") == 1);
  CHECK(s.calls_by_outcome.at("5xx") == 1);
  CHECK(s.latency_s.count() == 2);
  // Both daily requests are used: a quota used up until the day's reset, not "busy".
  advance(60s);
  CHECK(status(p).quota_exhausted);
}

TEST_CASE_METHOD(fixture, "a per-day 429 shows as quota exhausted until the provider's reset",
                 "[actor]") {
  auto p = spawn_provider(gemini_config(), deps());
  up->script.push_back(gemini_429("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "30s"));
  CHECK(generate(p, 1).result.cls != net::outcome_class::ok);
  auto s = status(p);
  CHECK(s.view.state == provider_state::cooldown);
  CHECK(s.quota_exhausted);
  CHECK(s.day.resets_at_ms == pacific_midnight_ms);
  CHECK(s.calls_by_outcome.count("quota") + s.calls_by_outcome.count("429") == 1);
}
