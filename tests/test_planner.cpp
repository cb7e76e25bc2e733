// The planner actor with the real scheduler, provider actor (scripted transport), archiver
// and LMDB store, on CAF's deterministic clock: many simulated days, SIGKILL-style
// restarts at random moments, targets met exactly, nothing outside the window.

#include "actors/archiver.hpp"
#include "actors/planner.hpp"
#include "actors/provider.hpp"
#include "actors/scheduler.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <random>

using namespace zega;
using namespace std::chrono_literals;

namespace {

std::int64_t ms_of(caf::actor_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Distinct prose per call, so near-duplicate detection keeps every output.
std::string story(std::uint32_t seed) {
  static const std::vector<std::string> vocab{
    "lantern", "harbor", "quiet", "storm", "whisper", "copper", "meadow", "ancient", "river",
    "shadow", "gleaming", "market", "tower", "silver", "forgotten", "wind", "ember", "glass",
    "mountain", "orchard", "stranger", "letter", "bridge", "candle", "thunder", "velvet",
    "garden", "ruin", "compass", "echo", "falcon", "granite", "hollow", "island", "jasmine",
    "kettle", "labyrinth", "mirror", "needle", "ocean", "pilgrim", "quarry", "raven", "saddle"};
  std::mt19937 rng(seed);
  std::string out;
  for (int i = 0; i < 120; ++i) {
    out += vocab[rng() % vocab.size()];
    out += (i % 12 == 11) ? ". " : " ";
  }
  return out;
}

// What the scripted Ollama saw, across process lifetimes.
struct upstream_log {
  std::vector<std::int64_t> call_wall_ms;
  std::uint32_t seed = 0;
};

schedule_config zega_schedule() {
  schedule_config s;
  s.name = "default";
  s.user_id = "default";
  s.timezone = "Europe/Berlin";
  s.window = window_config{60, 7 * 60};
  phase_config warm;
  warm.days = 2;
  warm.per_day = {5, 5};
  phase_config grow;
  grow.until_total = 50;
  grow.per_day = {10, 10};
  phase_config steady;
  steady.per_day = {2, 5};
  s.phases = {warm, grow, steady};
  return s;
}

provider_config ollama_config() {
  provider_config c;
  c.name = "ollama";
  c.kind = net::provider_kind::ollama;
  c.base_url = "http://127.0.0.1:11434";
  c.model = "llama3.2";
  c.limits.max_in_flight = 1;
  return c;
}

// One life of the daemon: its own actor system (test clock), store, actors. Wall time
// continues from where the previous life stopped.
struct process {
  caf::actor_system_config cfg;
  std::unique_ptr<store::store> db; // outlives the actor system
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::int64_t wall_offset = 0;
  std::vector<caf::actor> all;
  planner_actor planner;

  process(const std::string& dir, std::int64_t wall_now, const config& conf,
          std::shared_ptr<upstream_log> up)
    : sys(cfg.set("scheduler.policy", caf::atom("testing"))),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    sched.clock().current_time += 1h;
    wall_offset = wall_now - ms_of(sched.clock().now());
    std::string error;
    db = store::store::open({dir, 64, 1024}, error);
    REQUIRE(db);
    auto wall = wall_fn();
    auto archiver = sys.spawn(zega::archiver, db.get(), 1, 0, 0);
    all.push_back(caf::actor_cast<caf::actor>(archiver));
    provider_deps pd;
    pd.archiver = archiver;
    pd.wall_clock = wall;
    pd.time_scale = conf.routing.time_scale;
    pd.transport = [up, wall](net::http_request, net::client_limits,
                              std::function<void(net::http_result)> done) {
      up->call_wall_ms.push_back(wall());
      std::string body = R"({"model":"llama3.2","message":{"role":"assistant","content":")" +
                         story(++up->seed) +
                         R"("},"done":true,"done_reason":"stop","prompt_eval_count":40,)"
                         R"("eval_count":150})";
      done(net::http_response{200, {{"content-type", "application/json"}}, std::move(body)});
    };
    scheduler_deps sd;
    sd.archiver = archiver;
    sd.db = db.get();
    sd.wall_clock = wall;
    // Store reads on the test scheduler, not on threads of their own: deterministic.
    sd.detach_store_reads = false;
    auto prov = sys.spawn(zega::provider, conf.providers[0], pd);
    all.push_back(caf::actor_cast<caf::actor>(prov));
    sd.providers.emplace_back(conf.providers[0], prov);
    auto scheduler = sys.spawn(zega::scheduler, conf, sd);
    all.push_back(caf::actor_cast<caf::actor>(scheduler));
    sched.run();
    planner_deps pl;
    pl.scheduler = scheduler;
    pl.archiver = archiver;
    pl.db = db.get();
    pl.wall_clock = wall;
    pl.time_scale = conf.routing.time_scale;
    planner = sys.spawn(zega::planner, conf.schedules[0], pl);
    all.push_back(caf::actor_cast<caf::actor>(planner));
    sched.run();
  }

  wall_clock_fn wall_fn() {
    auto* s = &sched;
    auto off = wall_offset;
    return [s, off] { return off + ms_of(s->clock().now()); };
  }
  std::int64_t wall() const { return wall_offset + ms_of(sched.clock().now()); }

  // Runs every message and timer up to wall time `until`.
  void run_until(std::int64_t until) {
    for (;;) {
      sched.run();
      const auto& timers = sched.clock().schedule();
      const auto now = wall();
      if (timers.empty() || wall_offset + ms_of(timers.begin()->first) > until) {
        if (until > now) sched.clock().advance_time(std::chrono::milliseconds(until - now));
        sched.run();
        return;
      }
      // Timers fall due with nanosecond precision (time_scale shrinks them below a ms).
      const auto due = timers.begin()->first;
      if (due > sched.clock().now())
        sched.clock().advance_time(due - sched.clock().now());
      else
        sched.clock().trigger_timeouts();
    }
  }

  // SIGKILL: the next timer fires (a planner tick, a provider answer...), at most `steps`
  // of the messages that follow are handled, then everything stops mid-flight.
  // The timer fired is never later than the planner's next due moment: a jump past it
  // would be downtime (missed window time), not a crash.
  void kill(std::size_t steps) {
    std::int64_t cap = 0;
    if (steps > 0) {
      const auto v = view();
      cap = v.next_task_at_ms > 0 ? v.next_task_at_ms : v.day_open ? v.window_end_ms : 0;
    }
    const auto& timers = sched.clock().schedule();
    if (!timers.empty() && wall_offset + ms_of(timers.begin()->first) <= cap) {
      const auto due = timers.begin()->first;
      if (due > sched.clock().now())
        sched.clock().advance_time(due - sched.clock().now());
      else
        sched.clock().trigger_timeouts();
    }
    for (std::size_t i = 0; i < steps && sched.try_run_once(); ++i) {
    }
    sched.clock().cancel_all();
    for (auto& a : all) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    sched.clock().cancel_all();
    sched.run();
  }

  schedule_view view() {
    auto out = std::make_shared<std::optional<schedule_view>>();
    auto p = planner;
    sys.spawn([p, out](caf::event_based_actor* self) {
      self->request(p, caf::infinite, schedule_atom::value)
        .then([out](const schedule_view& v) { *out = v; });
    });
    sched.run();
    REQUIRE(out->has_value());
    return **out;
  }
};

} // namespace

TEST_CASE("planner: 60 simulated days with restarts meet every target exactly, inside the window",
          "[actor]") {
  testing::temp_dir dir;
  const double scale = 1000; // the largest routing.time_scale: a day in 86.4 real seconds
  config conf;
  conf.routing.time_scale = scale;
  conf.providers = {ollama_config()};
  conf.schedules = {zega_schedule()};
  auto up = std::make_shared<upstream_log>();
  const auto& sc = conf.schedules[0];
  auto cal_ = schedule_calendar(sc, scale);
  auto win = schedule_window(sc);
  // Virtual 2026-10-01 00:00 Berlin: the simulation crosses the end of summer time (25 Oct).
  const auto first_day = *cal::parse_day("2026-10-01");
  const auto start = cal_.at(first_day, 0);
  const int days = 60;
  const auto end = cal_.at(first_day + days, 0);

  std::mt19937 rng(20261201);
  std::vector<std::int64_t> kills;
  for (int i = 0; i < 16; ++i)
    kills.push_back(start + static_cast<std::int64_t>(rng() % static_cast<std::uint32_t>(end - start)));
  std::sort(kills.begin(), kills.end());
  kills.push_back(end);

  std::int64_t now = start;
  int restarts = 0;
  for (auto k : kills) {
    process p(dir.path, now, conf, up);
    p.run_until(k);
    if (k != end) {
      p.kill(1 + rng() % 60);
      // The next life starts where this one died, a millisecond on (job ids carry the ms).
      now = p.wall() + 1;
      ++restarts;
    } else {
      auto v = p.view();
      CHECK(v.missed_days == 0);
      CHECK(v.day_index == days - 1);
      CHECK(v.phase == 2);
      p.kill(0);
    }
  }
  REQUIRE(restarts == 16);

  // Independent expectation: 5 a day for 2 days, 10 a day until the dataset holds 50 (four
  // days: 10 + 40), then 2-5 drawn from the date.
  auto spec = schedule_spec(sc);
  std::map<cal::day_number, int> expected;
  int expected_total = 0;
  for (int i = 0; i < days; ++i) {
    const auto d = first_day + i;
    int t = i < 2 ? 5 : i < 6 ? 10 : schedule::daily_target(spec, spec.phases[2], d);
    expected[d] = t;
    expected_total += t;
  }

  std::string error;
  auto db = store::store::open({dir.path, 64, 1024}, error);
  REQUIRE(db);
  std::map<cal::day_number, int> got;
  std::size_t outside = 0;
  db->for_each_example({}, [&](const store::example_record& ex) {
    auto w = cal::current_or_next(cal_, win, ex.created_ms);
    if (!w.contains(ex.created_ms)) ++outside;
    ++got[w.day];
    return true;
  });
  CHECK(outside == 0);
  CHECK(db->count_examples("default") == static_cast<std::size_t>(expected_total));
  for (const auto& [d, t] : expected) {
    INFO("day " << cal::format_day(d));
    CHECK(got[d] == t);
  }
  std::size_t calls_outside = 0;
  for (auto t : up->call_wall_ms)
    if (!cal::current_or_next(cal_, win, t).contains(t)) ++calls_outside;
  CHECK(calls_outside == 0);

  // Every task was a scheduled job with its window's end as deadline.
  std::size_t scheduled = 0;
  db->for_each_job([&](const store::job_record& j) {
    if (j.request_json.find(R"("kind":"scheduled")") != std::string::npos) ++scheduled;
    return true;
  });
  CHECK(scheduled >= static_cast<std::size_t>(expected_total));
}

TEST_CASE("planner: window time lost while paused counts as missed", "[actor]") {
  testing::temp_dir dir;
  const double scale = 1000;
  config conf;
  conf.routing.time_scale = scale;
  conf.providers = {ollama_config()};
  auto sc = zega_schedule();
  phase_config fixed;
  fixed.per_day = {6, 6};
  sc.phases = {fixed};
  conf.schedules = {sc};
  auto up = std::make_shared<upstream_log>();
  auto cal_ = schedule_calendar(sc, scale);
  const auto d0 = *cal::parse_day("2026-06-01");
  process p(dir.path, cal_.at(d0, 0), conf, up);
  // Paused from 01:00 to 04:00 of a 01:00-07:00 window: half the day's tasks are missed.
  p.run_until(cal_.at(d0, 60));
  caf::anon_send(p.planner, pause_atom::value);
  p.run_until(cal_.at(d0, 4 * 60));
  const auto calls_paused = up->call_wall_ms.size();
  caf::anon_send(p.planner, resume_atom::value);
  p.run_until(cal_.at(d0 + 1, 0));
  auto v = p.view();
  REQUIRE(v.days.size() == 1);
  CHECK(v.days[0].target == 6);
  CHECK(v.days[0].done == 3);
  CHECK(calls_paused <= 1);
  CHECK(up->call_wall_ms.size() == 3);
  p.kill(0);
}

TEST_CASE("planner state survives an encode/decode round trip", "[unit]") {
  planner_record r;
  r.core.started = true;
  r.core.day = 20500;
  r.core.done = 3;
  r.in_flight = {{20500, 4, 1'800'000'000'000, "j-abc"}, {20500, 5, 1'800'000'000'000, ""}};
  r.days = {{20499, 5, 5, 0, false}, {20498, 5, 0, 0, true}};
  auto back = decode_planner(encode_planner(r));
  REQUIRE(back);
  CHECK(back->core.done == 3);
  REQUIRE(back->in_flight.size() == 2);
  CHECK(back->in_flight[0].job_id == "j-abc");
  CHECK(back->in_flight[1].seq == 5);
  REQUIRE(back->days.size() == 2);
  CHECK(back->days[1].missed);
  CHECK_FALSE(decode_planner("{}"));
  CHECK(describe_phase(zega_schedule().phases[0]) == "5 a day for 2 days");
  CHECK(describe_phase(zega_schedule().phases[1]) == "10 a day until 50");
  CHECK(describe_phase(zega_schedule().phases[2]) == "2-5 a day");
}
