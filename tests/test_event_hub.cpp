#include "actors/event_hub.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <catch2/catch.hpp>

using namespace zega;
using namespace std::chrono_literals;

namespace {

struct recording_sink : live_sink {
  std::vector<std::pair<std::uint64_t, std::string>> got;
  bool gone = false;
  bool push(std::uint64_t id, const std::string& data) override {
    if (gone)
      return false;
    got.emplace_back(id, data);
    return true;
  }
};

// Events rendered as short text, so the test reads what went out and in which order.
std::string render(const live_event& e) {
  switch (e.kind) {
    case live_kind::job:
      return "job " + e.job.job_id + " " + std::to_string(e.job.current);
    case live_kind::provider:
      return "provider " + e.provider.view.name + " " + std::to_string(e.provider.requests_today);
    case live_kind::paused:
      return "paused";
    case live_kind::resync:
      return "resync";
    default:
      return "other";
  }
}

live_event live_job_event(const std::string& id, int current) {
  live_event e;
  e.kind = live_kind::job;
  e.job.job_id = id;
  e.job.current = current;
  return e;
}

live_event provider_event(const std::string& name, long requests) {
  live_event e;
  e.kind = live_kind::provider;
  e.provider.view.name = name;
  e.provider.requests_today = requests;
  return e;
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  event_hub_actor hub;

  explicit fixture(std::size_t ring_bytes = 1024)
    : sys(cfg.set("scheduler.policy", caf::atom("testing"))),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    event_hub_deps d;
    d.render = render;
    d.ring_max_bytes = ring_bytes;
    d.heartbeat = 15s;
    hub = sys.spawn(event_hub, d);
    sched.run();
  }
  ~fixture() {
    caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
    sched.run();
    sched.clock().cancel_all();
    sched.run();
  }
  void publish(live_event e) {
    caf::anon_send(hub, publish_atom::value, std::move(e));
    sched.run();
  }
  std::shared_ptr<recording_sink> subscribe(std::uint64_t last_id = 0) {
    auto s = std::make_shared<recording_sink>();
    caf::anon_send(hub, subscribe_atom::value, live_sink_ptr{s}, last_id);
    sched.run();
    return s;
  }
  // Moves the clock; fires the timers that fall due.
  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }
};

} // namespace

TEST_CASE("event hub numbers events and fans them out to every subscriber", "[actor]") {
  fixture f;
  auto a = f.subscribe();
  auto b = f.subscribe();
  f.publish(live_job_event("j1", 0));
  live_event p;
  p.kind = live_kind::paused;
  f.publish(p);
  REQUIRE(a->got.size() == 2);
  CHECK(a->got[0] == std::make_pair(std::uint64_t{1}, std::string{"job j1 0"}));
  CHECK(a->got[1] == std::make_pair(std::uint64_t{2}, std::string{"paused"}));
  CHECK(b->got == a->got);
  // A subscriber that is gone is dropped and not called again.
  b->gone = true;
  f.publish(live_job_event("j1", 1));
  b->gone = false;
  f.publish(live_job_event("j1", 2));
  CHECK(a->got.size() == 4);
  CHECK(b->got.size() == 2);
}

TEST_CASE("event hub sends at most one provider event a second, the latest one", "[actor]") {
  fixture f;
  auto s = f.subscribe();
  f.publish(provider_event("groq", 1));
  f.publish(provider_event("groq", 2));
  f.publish(provider_event("groq", 3));
  f.publish(provider_event("gemini", 1)); // another provider has its own budget
  REQUIRE(s->got.size() == 2);
  CHECK(s->got[0].second == "provider groq 1");
  CHECK(s->got[1].second == "provider gemini 1");
  f.advance(500ms);
  CHECK(s->got.size() == 2);
  f.advance(500ms);
  REQUIRE(s->got.size() == 3);
  CHECK(s->got[2].second == "provider groq 3");
  // Nothing held any more: a quiet second sends nothing new.
  f.advance(1s);
  CHECK(s->got.size() == 3);
  f.publish(provider_event("groq", 4));
  CHECK(s->got.back().second == "provider groq 4");
}

TEST_CASE("event hub replays after Last-Event-ID from a ring bounded in bytes", "[actor]") {
  fixture f(40); // about four "job jN k" events
  for (int i = 1; i <= 10; ++i)
    f.publish(live_job_event("j", i));
  // Event 9 and 10 are still in the ring: a client that saw 8 gets exactly those.
  auto caught_up = f.subscribe(8);
  REQUIRE(caught_up->got.size() == 2);
  CHECK(caught_up->got[0] == std::make_pair(std::uint64_t{9}, std::string{"job j 9"}));
  CHECK(caught_up->got[1].first == 10);
  // A client that saw only event 2 missed what the ring dropped: it is told to re-read,
  // then gets what is left.
  auto behind = f.subscribe(2);
  REQUIRE(behind->got.size() >= 2);
  CHECK(behind->got[0] == std::make_pair(std::uint64_t{0}, std::string{"resync"}));
  CHECK(behind->got.back().first == 10);
  CHECK(behind->got.size() < 9);
  // Without Last-Event-ID nothing is replayed; new events still arrive.
  auto fresh = f.subscribe();
  CHECK(fresh->got.empty());
  f.publish(live_job_event("j", 11));
  CHECK(fresh->got.size() == 1);
}

TEST_CASE("event hub sends heartbeats to subscribers", "[actor]") {
  fixture f;
  auto s = f.subscribe();
  f.advance(15s);
  REQUIRE(s->got.size() == 1);
  CHECK(s->got[0] == std::make_pair(std::uint64_t{0}, std::string{}));
}
