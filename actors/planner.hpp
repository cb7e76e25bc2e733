#pragma once
// The planner actor: one per configured schedule. It drives training/schedule.hpp's
// planner_core on the schedule's calendar (actors/policy/calendar.hpp), submits each task as
// a one-example scheduled job whose deadline is the window's end, follows the job to its
// end, and keeps its state in the archive (meta "planner:<name>") so that a restart neither
// repeats nor skips work.

#include "actors/actors.hpp"
#include "actors/policy/calendar.hpp"
#include "config/config.hpp"
#include "store/store.hpp"
#include "training/schedule.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace zega {

struct planner_deps {
  scheduler_actor scheduler;
  archiver_actor archiver;
  const store::store* db = nullptr; // reads at start (state, paused flag, dataset size)
  wall_clock_fn wall_clock;         // Unix ms; tests derive it from the actor clock
  double time_scale = 1.0;          // routing.time_scale
  event_hub_actor hub;              // GET /events: the schedule after each change; may be invalid
};

// What the planner persists besides planner_core's state: the tasks handed to the
// scheduler (with their job ids once known) and the recent days for GET /schedule.
struct planner_task {
  schedule::day_number day = 0;
  std::uint32_t seq = 0;
  std::int64_t deadline_ms = 0;
  std::string job_id; // empty until the scheduler answered the submit
};
struct planner_record {
  schedule::planner_state core;
  std::vector<planner_task> in_flight;
  std::vector<schedule_day> days; // oldest first, at most planner_days_kept
};
constexpr std::size_t planner_days_kept = 30;
std::string encode_planner(const planner_record& r);
std::optional<planner_record> decode_planner(const std::string& json);
std::string planner_meta_key(const std::string& schedule_name);
// "<schedule>/<day>/<seq>": stored in the job request so a restart finds the job.
std::string task_origin(const std::string& schedule_name, schedule::day_number day,
                        std::uint32_t seq);
// "5 a day for 2 days", "10 a day until 50", "2-5 a day".
std::string describe_phase(const phase_config& p);
// The pure parts of a schedule: its spec, calendar and window (the config validated them).
schedule::spec schedule_spec(const schedule_config& s);
cal::calendar schedule_calendar(const schedule_config& s, double time_scale);
cal::window schedule_window(const schedule_config& s);

struct planner_actor_state {
  static inline const char* name = "planner";

  schedule_config cfg;
  planner_deps deps;
  std::optional<schedule::planner_core> core;
  std::vector<planner_task> in_flight;
  std::deque<schedule_day> days;
  bool paused = false;
  bool retiring = false; // a reload replaces it: the last state is written, then it quits
  std::uint64_t tick_gen = 0;
  std::int64_t tick_at = 0;           // wall ms of the armed timer, 0 = none
  std::int64_t retry_not_before = 0;  // after a failed task, wall ms
};

planner_actor::behavior_type planner(planner_actor::stateful_pointer<planner_actor_state> self,
                                     schedule_config cfg, planner_deps deps);

} // namespace zega
