#pragma once
// Schedule math of the planner (issue 9), pure: phases, the day's target, spreading a
// day's tasks over its window, missed days, pause, and `planner_core`, the restart-safe
// state machine a planner actor drives. Times are UTC instants in Unix milliseconds; which
// local window belongs to which date is asked of a `window_source` the caller builds from
// the calendar (actors/policy/calendar.hpp: cal::schedule_windows), so training/ stays
// below actors/.
//
// Exactly-once across SIGKILL: the actor persists `planner_state` (a) after every `step`
// that issued tasks or emitted events, and (b) in the same archive transaction that stores
// an acknowledged task's example (`acknowledge`). After a restart it loads the last copy and
// calls `restarted()`: tasks issued but not acknowledged were lost with the process, so
// they leave `issued` and are planned again; acknowledged ones are in `done` exactly once.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace zega::schedule {

using unix_ms = std::int64_t;
using day_number = std::int64_t; // local date, days since 1970-01-01

// per_day: a number (min == max) or a range drawn once per date.
struct per_day_range {
  int min = 0;
  int max = 0;
};

// A phase ends after `days` days, or once the dataset holds `until_total` examples; the
// last phase runs forever.
struct phase {
  std::optional<int> days;
  std::optional<long> until_total;
  per_day_range per_day;
};

struct spec {
  std::string name = "default";
  std::vector<phase> phases;
  int catch_up_days = 0;
};

// "phases[1]: ..." for a phase with nothing that ends it before the last, an empty list,
// or a bad range; empty when the spec is valid.
std::string validate(const spec& s);

// The window that opens on a date: [start, end), in UTC instants.
struct day_span {
  day_number day = 0;
  unix_ms start = 0;
  unix_ms end = 0;
};
struct window_source {
  std::function<day_span(day_number)> on;              // the window opening on a date
  std::function<day_span(unix_ms)> current_or_next;    // the one containing t, else the next
};

// The target of date `day` in phase `p`: per_day.min..max, drawn reproducibly from the
// schedule name and the date (the same after a restart, on every machine).
int daily_target(const spec& s, const phase& p, day_number day);

// Spreading: `count` tasks over [from, end) at from + k * (end - from) / count. How many of
// them are due at `now` (0..count).
int due_count(unix_ms from, unix_ms end, int count, unix_ms now);
// When task index k (0-based) of that spread is due.
unix_ms due_at(unix_ms from, unix_ms end, int count, int k);

// What the archive persists per schedule.
struct planner_state {
  bool started = false;
  day_number first_day = 0;   // day_index 0
  day_number day = 0;         // the current (open or last closed) day
  bool day_open = false;
  int phase = 0;
  day_number phase_start = 0;
  int target = 0;             // today's target, catch-up included
  int done = 0;               // acknowledged good today
  int failed = 0;             // acknowledged failures today (planned again)
  int issued = 0;             // handed out today (done + failed + in flight)
  int missed_tasks = 0;       // today's tasks given up (pause, crash too close to the end)
  unix_ms anchor = 0;         // the spread runs from here ...
  int anchor_base = 0;        // ... over target - anchor_base - missed_tasks tasks
  std::int64_t total_done = 0;
  std::vector<day_number> missed_days; // most recent last, capped
  int owed = 0;               // tasks of missed days still to make up (catch_up_days > 0)
  std::optional<unix_ms> paused_since;
  std::optional<unix_ms> lost_from; // a pause ended: window time since then is missed
  bool reanchor = false;      // restarted: spread what remains from the next step
  std::uint32_t next_seq = 0; // task ids within the day
};
std::string encode(const planner_state& s);
std::optional<planner_state> decode(const std::string& text);

struct task_order {
  day_number day = 0;
  std::uint32_t seq = 0;
  unix_ms deadline = 0; // the window's end
};

struct day_event {
  enum class kind : std::uint8_t { start, end, missed };
  kind what = kind::start;
  day_number day = 0;
  int phase = 0;
  int target = 0;
  int done = 0;
  int failed = 0;
  unix_ms window_start = 0;
  unix_ms window_end = 0;
};

struct step_result {
  std::vector<task_order> issue;
  std::vector<day_event> events;
  std::optional<unix_ms> wake_at; // call step again then (nullopt while paused)
};

class planner_core {
public:
  planner_core(spec s, window_source windows, planner_state st = {});

  // Everything due at `now`: opens and closes days, returns the tasks to issue now (already
  // counted as issued: persist the state before sending them) and when to look again.
  // `dataset_total` is the user's dataset size (ends until_total phases).
  step_result step(unix_ms now, long dataset_total);
  // A task came back: ok counts toward the target, a failure is planned again.
  void acknowledge(const task_order& t, bool ok);
  // The process started again from a persisted state: forget what was in flight.
  void restarted();
  // Pause: nothing is issued. On resume, window time lost while paused counts as missed.
  void pause(unix_ms now);
  void resume();

  const planner_state& state() const { return st_; }
  const spec& config() const { return spec_; }
  // When the next task of the open day is due (nullopt: none left, closed, or paused).
  std::optional<unix_ms> next_task_at(unix_ms now) const;
  day_span today() const { return windows_.on(st_.day); }

private:
  void open_day(const day_span& w, unix_ms now, long dataset_total, step_result& out);
  void close_day(step_result& out);
  void mark_missed(day_number d, day_number today, step_result& out);
  int wanted(unix_ms now) const; // tasks that should be done or in flight by now
  int remaining_after_anchor() const;

  spec spec_;
  window_source windows_;
  planner_state st_;
};

} // namespace zega::schedule
