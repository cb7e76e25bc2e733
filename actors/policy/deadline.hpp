#pragma once
// Deadline-aware routing (issue 9), free of CAF: one rule for interactive and scheduled
// work, the estimate of a batch's best completion time that gives interactive jobs their
// deadline, and the daily reserve that scheduled work never touches.
//
// The rule: a task goes to the highest-priority group that can take it now. When that
// group is busy, the task waits for it only if the group's next free slot plus its observed
// latency (plus the tasks already waiting for it) still meets the task's deadline;
// otherwise it falls through to the next group that can take it now.

#include <cstdint>
#include <string>
#include <vector>

namespace zega::deadline {

using time_ns = std::int64_t;
constexpr time_ns one_s = 1'000'000'000;

enum class work : std::uint8_t { interactive, scheduled };

// One provider as the router sees it at `now`.
struct provider_now {
  std::string name;
  int priority = 1;         // group; 1 first
  bool in_service = true;   // not broken, unreachable, in cooldown or circuit-open
  time_ns next_free = 0;    // earliest start of a new call (<= now: free now)
  time_ns latency = one_s;  // observed mean latency
  int max_in_flight = 1;
  int queued = 0;           // tasks already committed to wait for it
  long day_left = -1;       // requests left in its day (-1: no daily limit known)
  long reserve = 0;         // providers[].limits.reserve_per_day
  time_ns interval = 0;     // spacing its rate limits impose between starts (60 s / rpm,
                            // scaled; min_interval): how fast a queue for it drains
  // A hosted API whose per-minute limit is neither configured nor learned yet: it has one,
  // but not how fast a queue for it drains. Only the next call on it is planned on (one
  // task per slot waits for it); the others fall through to a group free now, or the first
  // 429 would find a queue of tasks counting on calls the provider will refuse.
  bool rate_unknown = false;
};

// Whether `p` may serve work of this kind at all: its day is not spent, and scheduled work
// stays out of the reserved part.
bool eligible(const provider_now& p, work kind);
// When a task that waits for `p` now would finish: after the queue ahead of it, which
// drains at max_in_flight per latency or one per `interval`, whichever is slower.
time_ns expected_finish(const provider_now& p, time_ns now);

struct choice {
  enum class kind : std::uint8_t { dispatch, wait, none } what = kind::none;
  std::size_t index = 0; // into the views
  time_ns until = 0;     // wait: when the provider frees up
};
// The rule above, where "can take it now" means free now and done by the deadline (a slow
// group free at the batch's tail does not take a task a lower group finishes in time), and
// "can still finish" counts on one waiting task per slot at most for a rate_unknown one.
// When no group can finish the task in time, it goes to whichever provider finishes it
// earliest, now or by waiting (late beats never); none when no provider is eligible.
// Scheduled work plans to be done retry_margin() before its deadline (the window's end).
choice choose(const std::vector<provider_now>& views, time_ns now, time_ns deadline, work kind);
// A scheduled task whose call fails near the end it was planned for (a near-duplicate, an
// error) must still have time for another call: twice the expected latency of the quickest
// provider that may serve it (the retry, and as much again for the failed call running late
// and the overheads around both calls). Small against a window, it leaves a day Ollama can
// carry on Ollama.
time_ns retry_margin(const std::vector<provider_now>& views, work kind);

// --- the estimate ------------------------------------------------------------------------

// Limits and latency of one provider, for planning a batch.
struct provider_limits {
  std::string name;
  int priority = 1;
  long rpm = 0;             // 0 = none
  long day_left = -1;       // requests left today (-1 = unlimited)
  long reserve = 0;
  int max_in_flight = 1;
  time_ns min_interval = 0;
  time_ns latency = one_s;
  double time_scale = 1.0;  // shortens the minute window like the rate limiter does
};

// A provider as a fluid of calls: a sliding per-minute window, in-flight slots, a minimum
// interval and a daily budget. The estimate plans with it; the benchmark uses it as the
// simulated provider.
class provider_model {
public:
  explicit provider_model(provider_limits l);
  const provider_limits& limits() const { return l_; }
  // Earliest start >= t that every limit allows; -1 when the day's budget is spent.
  time_ns earliest_start(time_ns t, work kind) const;
  // Records a call started at `start` that takes `latency` (< 0: the planned latency);
  // returns when it finishes.
  time_ns commit(time_ns start, time_ns latency = -1);
  long calls() const { return calls_; }

private:
  provider_limits l_;
  std::vector<time_ns> sends_;     // start times, ascending
  std::vector<time_ns> finishes_;  // in-flight ends
  long calls_ = 0;
};

struct batch_estimate {
  time_ns best = 0;               // from `now` to the last finish
  std::vector<long> per_provider; // calls each provider takes in that plan
};
// Earliest-finish-first over all providers: each task goes where it would finish first.
batch_estimate best_completion(const std::vector<provider_limits>& providers, long tasks,
                               time_ns now, work kind = work::interactive);
// An interactive job's deadline: now + (1 + slack) * best.
time_ns interactive_deadline(time_ns now, time_ns best, double slack);

// Observed latency of one provider: an exponentially weighted mean of its successful calls,
// so the estimate follows a model that got slower (or a warm-up that ended) within a few
// calls, while one outlier moves it by a fifth only.
class latency_ewma {
public:
  void observe(time_ns latency);
  bool known() const { return known_; }
  time_ns value_or(time_ns prior) const { return known_ ? mean_ : prior; }

private:
  time_ns mean_ = 0;
  bool known_ = false;
};

} // namespace zega::deadline
