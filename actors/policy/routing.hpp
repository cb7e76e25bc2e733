#pragma once
// Routing arithmetic of the scheduler, free of CAF: which provider serves a task now, how
// long to wait for a briefly busy higher group, when to give up, and the fixed-pacing
// (benchmark baseline) sequence. The scheduler actor feeds it its local provider views.

#include "actors/policy/deadline.hpp"
#include "actors/policy/provider_view.hpp"
#include "config/config.hpp"
#include "net/providers/codec.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace zega::routing {

// What one task has been through so far.
struct task_route {
  std::set<std::string> tried;          // providers given up on for this task
  std::set<std::string> used;           // providers that already answered or are calling (votes)
  std::map<std::string, int> retries;   // failures per provider that still allow a retry
  std::map<std::string, std::string> reasons; // last error per provider (operator text)
  clock_ns deadline = 0;                // 0 = none
  bool fresh() const { return tried.empty() && used.empty() && retries.empty(); }
};

enum class action { dispatch, wait, fail };

struct decision {
  action what = action::fail;
  std::string provider;     // dispatch: the provider to call
  clock_ns until = 0;       // wait: when to look again (0 = on the next view change)
  std::string error;        // fail: "No valid responses from any model: a: why; b: why"
  std::vector<std::pair<std::string, std::string>> reasons; // fail: per provider
};

// A provider that can take a call right now.
bool free_now(const provider_view& v, clock_ns now);
// A provider that will never serve without an operator or a health probe.
bool out_of_service(const provider_view& v);

// Groups by priority (1 first). The first group with a free provider gets the task (the
// least loaded member, then by name order); a group whose earliest member frees up within
// `max_wait` is waited for; otherwise the next group is tried. When nothing is free anywhere
// the task waits for the earliest provider, or fails if that is past its deadline or no
// provider is left.
decision choose(const std::vector<provider_view>& views, clock_ns now, const task_route& st,
                clock_ns max_wait);

// --- the deadline rule on the scheduler's views (actors/policy/deadline.hpp) --------------

// What the scheduler knows of one provider besides the view it pushes.
struct provider_facts {
  clock_ns latency = 0;     // observed mean, or the prior before the first answer
  clock_ns oldest_call = 0; // start of our oldest call still in flight on it (0 = none)
  long reserve = 0;         // limits.reserve_per_day
  long configured_rpm = 0;  // limits.rpm (the view carries what the provider learned)
  clock_ns min_interval = 0;
  double time_scale = 1.0;  // routing.time_scale: a minute window lasts 60 s / time_scale
  // A hosted API: it meters requests per minute whether or not the limit is known yet
  // (Ollama's only limit is its slots).
  bool metered = false;
};

// The rule's picture of a provider at `now`, before a task's own exclusions. A provider
// that is not free now gets a next_free in the future: its timed limit, or the end of its
// oldest call when its slots are full (an overdue call: any moment now, and its latency
// taken to be at least what that call has run so far).
deadline::provider_now deadline_view(const provider_view& v, const provider_facts& f,
                                     clock_ns now);
// Its limits for a batch estimate; nullopt when it cannot serve the batch: out of service,
// or held for longer than a minute window by anything but its spent day (whose budget the
// estimate counts itself).
std::optional<deadline::provider_limits> planning_limits(const provider_view& v,
                                                         const provider_facts& f, clock_ns now);

// The deadline rule for one task. Failures are the same as choose()'s (every provider tried
// or out of service, the task's own st.deadline passed); otherwise deadline::choose decides
// among the providers the task may still use. `queued[i]` counts the tasks of this pass
// that wait for provider i, ahead of this one; a wait adds the task to it. A wait's `until`
// is 0 when only a call that is due to end can free the provider (its view change wakes us).
decision choose_by_deadline(const std::vector<provider_view>& views,
                            const std::vector<deadline::provider_now>& pictures, clock_ns now,
                            const task_route& st, clock_ns deadline, deadline::work kind,
                            std::vector<int>& queued);

// After a failed call on `provider`: A (throttled) and C (transient) may retry the same
// provider `budget` times; every other class moves on at once.
void record_failure(task_route& st, const std::string& provider, net::outcome_class cls,
                    const std::string& message, int budget);

// "No valid responses from any model: p1: r1; p2: r2".
std::string failure_text(const std::vector<std::pair<std::string, std::string>>& reasons);

// --- fixed pacing (routing.pacing == "fixed") -------------------------------------------
// One task at a time; providers in priority order, `retries` retries each with the
// configured backoffs, fixed pauses between models, groups and examples.
struct fixed_cursor {
  std::size_t index = 0; // position in the priority-ordered provider list
  int attempt = 0;       // 0 = first call on this provider
};

struct fixed_step {
  bool exhausted = false;   // no provider left for this task
  fixed_cursor next;
  std::int64_t delay_ms = 0;
};

// Next call after a failure on `at` (retry here, or the next provider); `may_retry` false
// moves on regardless of the retry budget (e.g. an ensemble needs a different provider).
fixed_step fixed_next(const fixed_pacing_config& f, const std::vector<int>& priorities,
                      fixed_cursor at, bool may_retry);
// Pause between two examples from a random draw.
std::int64_t fixed_pause_ms(const fixed_pacing_config& f, std::uint64_t random);

} // namespace zega::routing
