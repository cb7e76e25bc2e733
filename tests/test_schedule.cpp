#include "actors/policy/calendar.hpp"
#include "training/schedule.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

using namespace zega;
using namespace zega::schedule;

namespace {

constexpr unix_ms minute = 60'000;
constexpr unix_ms hour = 60 * minute;

// ZEGA's guide (issue 9): warm-up, then 10 a day until 50, then 2-5 a day forever.
spec zega_spec() {
  spec s;
  s.name = "default";
  s.phases = {{2, std::nullopt, {5, 5}}, {std::nullopt, 50, {10, 10}}, {std::nullopt, std::nullopt, {2, 5}}};
  return s;
}

cal::calendar berlin(double scale = 1.0) {
  auto z = cal::zone::locate("Europe/Berlin");
  REQUIRE(z);
  return cal::calendar(*z, 0, scale);
}

const cal::window early{60, 420, false}; // 01:00-07:00

cal::day_number day(const std::string& s) { return *cal::parse_day(s); }

} // namespace

TEST_CASE("schedule: validation names the field", "[unit][schedule]") {
  CHECK(validate(zega_spec()).empty());
  auto s = zega_spec();
  s.phases[0].days.reset();
  CHECK(validate(s).find("phases[0]") == 0);
  s = zega_spec();
  s.phases[2].per_day = {5, 2};
  CHECK(validate(s).find("phases[2].per_day") == 0);
  CHECK(validate(spec{}).find("phases") == 0);
}

TEST_CASE("schedule: a range is drawn reproducibly from the date and name", "[unit][schedule]") {
  const auto s = zega_spec();
  std::set<int> seen;
  for (day_number d = 20000; d < 20100; ++d) {
    const int n = daily_target(s, s.phases[2], d);
    CHECK(n >= 2);
    CHECK(n <= 5);
    CHECK(daily_target(s, s.phases[2], d) == n);
    seen.insert(n);
  }
  CHECK(seen.size() == 4); // the whole range is used
  auto other = s;
  other.name = "other";
  int differ = 0;
  for (day_number d = 20000; d < 20100; ++d)
    differ += daily_target(s, s.phases[2], d) != daily_target(other, s.phases[2], d);
  CHECK(differ > 20);
}

TEST_CASE("schedule: a day's tasks are spread over the window", "[unit][schedule]") {
  auto s = zega_spec();
  s.phases = {{std::nullopt, std::nullopt, {6, 6}}};
  const auto c = berlin();
  planner_core core(s, cal::schedule_windows(c, early));
  const auto w = cal::window_on(c, early, day("2026-06-10"));
  auto r = core.step(w.start - hour, 0);
  CHECK(r.issue.empty());
  REQUIRE(r.wake_at == w.start);
  std::vector<unix_ms> issued_at;
  unix_ms t = w.start;
  for (int guard = 0; guard < 20 && t < w.end; ++guard) {
    r = core.step(t, 0);
    for (const auto& task : r.issue) {
      issued_at.push_back(t);
      CHECK(task.deadline == w.end);
      core.acknowledge(task, true);
    }
    REQUIRE(r.wake_at);
    t = *r.wake_at;
  }
  REQUIRE(issued_at.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(issued_at[i] == w.start + static_cast<unix_ms>(i) * hour);
  r = core.step(w.end, 0);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].what == day_event::kind::end);
  CHECK(r.events[0].done == 6);
}

TEST_CASE("schedule: a start mid-window spreads the rest over what remains", "[unit][schedule]") {
  auto s = zega_spec();
  s.phases = {{std::nullopt, std::nullopt, {4, 4}}};
  const auto c = berlin();
  planner_core core(s, cal::schedule_windows(c, early));
  const auto w = cal::window_on(c, early, day("2026-06-10"));
  auto r = core.step(w.start + 4 * hour, 0); // 2 h left
  CHECK(r.issue.size() == 1);
  CHECK(r.wake_at == w.start + 4 * hour + 30 * minute);
  CHECK(core.state().target == 4);
}

TEST_CASE("schedule: missed days, catch-up and pause", "[unit][schedule]") {
  auto s = zega_spec();
  s.phases = {{std::nullopt, std::nullopt, {4, 4}}};
  const auto c = berlin();
  const auto d0 = day("2026-06-10");
  SECTION("days the daemon was away are recorded and not made up") {
    planner_core core(s, cal::schedule_windows(c, early));
    core.step(cal::window_on(c, early, d0).start, 0);
    auto r = core.step(cal::window_on(c, early, d0 + 3).start, 0);
    CHECK(core.state().missed_days == std::vector<day_number>{d0, d0 + 1, d0 + 2});
    CHECK(core.state().target == 4);
    CHECK(r.events.back().what == day_event::kind::start);
  }
  SECTION("catch_up_days makes them up") {
    s.catch_up_days = 1;
    planner_core core(s, cal::schedule_windows(c, early));
    core.step(cal::window_on(c, early, d0).start, 0);
    for (const auto& t : core.step(cal::window_on(c, early, d0).start, 0).issue) core.acknowledge(t, true);
    core.step(cal::window_on(c, early, d0 + 3).start, 0);
    CHECK(core.state().target == 4 + 4); // only the last missed day (catch_up_days 1)
  }
  SECTION("window time lost while paused counts as missed") {
    planner_core core(s, cal::schedule_windows(c, early));
    const auto w = cal::window_on(c, early, d0);
    auto r = core.step(w.start, 0);
    REQUIRE(r.issue.size() == 1);
    core.acknowledge(r.issue[0], true);
    core.pause(w.start + 10 * minute);
    CHECK(core.step(w.start + 3 * hour, 0).issue.empty());
    core.resume();
    r = core.step(w.start + 3 * hour + minute, 0);
    // Slots at +1:30 and +3:00 fell in the pause: missed. The one left is spread over what
    // remains, i.e. issued now; then nothing until the window closes.
    CHECK(core.state().missed_tasks == 2);
    CHECK(r.issue.size() == 1);
    CHECK(r.wake_at == w.end);
    core.acknowledge(r.issue[0], true);
    r = core.step(w.end, 0);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].done == 2);
    CHECK(r.events[0].target == 4);
  }
}

TEST_CASE("schedule: state survives its text form", "[unit][schedule]") {
  planner_state st;
  st.started = true;
  st.day = 20500;
  st.done = 3;
  st.paused_since = 1234;
  st.missed_days = {20400, 20401};
  const auto back = decode(encode(st));
  REQUIRE(back);
  CHECK(encode(*back) == encode(st));
  CHECK_FALSE(decode("v1 1 2"));
  CHECK_FALSE(decode(encode(st) + " junk"));
}

TEST_CASE("schedule: 60 days of ZEGA's schedule in Berlin with SIGKILLs", "[unit][schedule]") {
  const auto s = zega_spec();
  const auto c = berlin();
  const auto windows = cal::schedule_windows(c, early);
  // 2026-03-10 .. 2026-05-08: Berlin switches to summer time on 2026-03-29.
  const auto first = day("2026-03-10");
  const unix_ms start = c.at(first, 0);
  const unix_ms stop = c.at(first + 60, 0);
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
  std::uniform_int_distribution<unix_ms> latency(minute, 20 * minute);
  std::uniform_real_distribution<double> coin(0, 1);
  std::exponential_distribution<double> gap(1.0 / (2 * hour)); // ~720 kills in 60 days

  auto core = std::make_unique<planner_core>(s, windows);
  std::string persisted = encode(core->state());
  struct flight {
    unix_ms at;
    task_order task;
    bool ok;
  };
  std::vector<flight> in_flight;
  std::map<day_number, std::pair<int, int>> days; // target, done (from end events)
  std::map<day_number, int> phase_of;
  std::set<std::pair<day_number, std::uint32_t>> acked;
  long dataset = 0, kills = 0, lost = 0, outside = 0;
  unix_ms now = start;
  unix_ms wake = start;
  unix_ms next_kill = start + static_cast<unix_ms>(gap(rng));
  while (now < stop) {
    unix_ms next_done = stop;
    for (const auto& f : in_flight) next_done = std::min(next_done, f.at);
    now = std::min({wake, next_done, next_kill, stop});
    if (now == next_kill) {
      // SIGKILL: whatever was in flight is lost; the last persisted state comes back.
      lost += static_cast<long>(in_flight.size());
      in_flight.clear();
      auto st = decode(persisted);
      REQUIRE(st);
      core = std::make_unique<planner_core>(s, windows, *st);
      core->restarted();
      ++kills;
      next_kill = now + 1 + static_cast<unix_ms>(gap(rng));
    }
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      if (it->at > now) {
        ++it;
        continue;
      }
      core->acknowledge(it->task, it->ok);
      if (it->ok) {
        ++dataset;
        CHECK(acked.insert({it->task.day, it->task.seq}).second);
      }
      persisted = encode(core->state()); // same transaction as the example
      it = in_flight.erase(it);
    }
    const auto r = core->step(now, dataset);
    for (const auto& e : r.events) {
      if (e.what == day_event::kind::start) phase_of[e.day] = e.phase;
      if (e.what == day_event::kind::end) days[e.day] = {e.target, e.done};
      CHECK(e.what != day_event::kind::missed);
    }
    for (const auto& t : r.issue) {
      const auto w = windows.on(t.day);
      if (now < w.start || now >= w.end) ++outside;
      CHECK(t.deadline == w.end);
      in_flight.push_back({now + latency(rng), t, coin(rng) > 0.1});
    }
    persisted = encode(core->state()); // before the tasks are sent
    REQUIRE(r.wake_at);
    wake = std::max(*r.wake_at, now + 1);
  }
  CHECK(kills > 50);
  CHECK(lost > 0);
  CHECK(outside == 0);
  REQUIRE(days.size() == 60);
  long total_target = 0;
  for (const auto& [d, td] : days) {
    INFO("day " << cal::format_day(d));
    CHECK(td.second == td.first);
    total_target += td.first;
    const auto index = d - first;
    const int expected_phase = index < 2 ? 0 : index < 6 ? 1 : 2;
    CHECK(phase_of[d] == expected_phase);
    if (expected_phase == 2) {
      CHECK(td.first >= 2);
      CHECK(td.first <= 5);
      CHECK(td.first == daily_target(s, s.phases[2], d));
    } else {
      CHECK(td.first == (expected_phase == 0 ? 5 : 10));
    }
  }
  CHECK(dataset == total_target);
  CHECK(core->state().total_done == total_target);
  CHECK(static_cast<long>(acked.size()) == total_target);
  CHECK(core->state().missed_days.empty());
}

TEST_CASE("schedule: time_scale days and windows", "[unit][schedule]") {
  // 1440: a scaled day lasts a real minute, the 01:00-07:00 window 15 real seconds.
  const auto c = berlin(1440);
  const auto s = zega_spec();
  planner_core core(s, cal::schedule_windows(c, early));
  unix_ms now = cal::scale_epoch_ms;
  std::map<day_number, int> done;
  long total = 0;
  while (now < cal::scale_epoch_ms + 10 * minute) {
    const auto r = core.step(now, total);
    for (const auto& t : r.issue) {
      const auto w = cal::window_on(c, early, t.day);
      CHECK(w.end - w.start == 15'000);
      CHECK(w.contains(now));
      core.acknowledge(t, true);
      ++total;
    }
    for (const auto& e : r.events)
      if (e.what == day_event::kind::end) done[e.day] = e.done;
    REQUIRE(r.wake_at);
    now = std::max(*r.wake_at, now + 1);
  }
  REQUIRE(done.size() == 10);
  CHECK(done.begin()->first == day("2026-01-01"));
  CHECK(done[day("2026-01-01")] == 5);
  CHECK(done[day("2026-01-03")] == 10);
}
