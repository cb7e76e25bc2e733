#pragma once
// Routing arithmetic of the scheduler, free of CAF: which provider serves a task now, how
// long to wait for a briefly busy higher group, when to give up, and the fixed-pacing
// (benchmark baseline) sequence. The scheduler actor feeds it its local provider views.

#include "actors/messages.hpp"
#include "config/config.hpp"

#include <cstdint>
#include <map>
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
