#include "actors/policy/routing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace zega::routing {

namespace {

constexpr clock_ns no_time = std::numeric_limits<clock_ns>::max();

bool usable_state(provider_state s) {
  return s == provider_state::available || s == provider_state::half_open;
}

bool eligible(const provider_view& v, const task_route& st) {
  return !out_of_service(v) && st.tried.count(v.name) == 0 && st.used.count(v.name) == 0;
}

// States that end by themselves at next_free (the provider pushes a new view then, but
// our own timer may fire first).
bool timed_state(provider_state s) {
  return s == provider_state::busy || s == provider_state::cooldown
         || s == provider_state::backoff || s == provider_state::open;
}

// When a temporarily unavailable provider may take a call again; no_time when only a
// finishing call can free it (it will push a new view then).
clock_ns free_at(const provider_view& v, clock_ns now) {
  return v.next_free > now ? v.next_free : no_time;
}

std::string reason_of(const provider_view& v, const task_route& st) {
  auto it = st.reasons.find(v.name);
  if (it != st.reasons.end() && !it->second.empty())
    return it->second;
  if (!v.reason.empty())
    return v.reason;
  return std::string{"not available ("} + to_string(v.state) + ")";
}

decision fail_with(const std::vector<provider_view>& views, const task_route& st,
                   const std::string& why) {
  decision d;
  d.what = action::fail;
  for (const auto& v : views)
    d.reasons.emplace_back(v.name, st.tried.count(v.name) || out_of_service(v)
                                     ? reason_of(v, st)
                                     : why);
  d.error = failure_text(d.reasons);
  return d;
}

} // namespace

bool free_now(const provider_view& v, clock_ns now) {
  if (v.in_flight >= v.max_in_flight)
    return false;
  if (usable_state(v.state))
    return v.next_free <= now;
  return timed_state(v.state) && v.next_free != 0 && v.next_free <= now;
}

bool out_of_service(const provider_view& v) {
  return v.state == provider_state::broken || v.state == provider_state::unreachable
         || v.state == provider_state::disabled;
}

decision choose(const std::vector<provider_view>& views, clock_ns now, const task_route& st,
                clock_ns max_wait) {
  std::vector<const provider_view*> order;
  for (const auto& v : views)
    if (eligible(v, st))
      order.push_back(&v);
  std::stable_sort(order.begin(), order.end(), [](const provider_view* a, const provider_view* b) {
    return a->priority < b->priority;
  });
  clock_ns earliest_any = no_time;
  bool any_waitable = false;
  bool any_untimed = false; // waits for a call in flight to end
  for (std::size_t i = 0; i < order.size();) {
    std::size_t end = i;
    while (end < order.size() && order[end]->priority == order[i]->priority)
      ++end;
    const provider_view* best = nullptr;
    clock_ns earliest = no_time;
    for (std::size_t j = i; j < end; ++j) {
      const auto& v = *order[j];
      if (free_now(v, now)) {
        if (best == nullptr || v.in_flight * best->max_in_flight < best->in_flight * v.max_in_flight)
          best = &v;
      } else {
        any_waitable = true;
        earliest = std::min(earliest, free_at(v, now));
        any_untimed = any_untimed || free_at(v, now) == no_time;
      }
    }
    if (best != nullptr) {
      decision d;
      d.what = action::dispatch;
      d.provider = best->name;
      return d;
    }
    if (earliest != no_time && earliest - now <= max_wait) {
      decision d;
      d.what = action::wait;
      d.until = earliest;
      return d;
    }
    earliest_any = std::min(earliest_any, earliest);
    i = end;
  }
  if (!any_waitable)
    return fail_with(views, st, "already tried");
  bool in_time = st.deadline == 0 || earliest_any <= st.deadline;
  if ((st.deadline != 0 && now >= st.deadline) || (!any_untimed && !in_time))
    return fail_with(views, st, "not available before the task deadline");
  decision d;
  d.what = action::wait;
  d.until = earliest_any != no_time && in_time ? earliest_any : 0;
  return d;
}

namespace {

clock_ns minute_window(double time_scale) {
  return static_cast<clock_ns>(std::llround(60e9 / std::max(time_scale, 1e-6)));
}

long rpm_of(const provider_view& v, const provider_facts& f) {
  return v.rpm > 0 ? v.rpm : f.configured_rpm;
}

} // namespace

deadline::provider_now deadline_view(const provider_view& v, const provider_facts& f,
                                     clock_ns now) {
  deadline::provider_now p;
  p.name = v.name;
  p.priority = v.priority;
  p.in_service = !out_of_service(v);
  p.max_in_flight = std::max(1, v.max_in_flight);
  p.latency = std::max<clock_ns>(1, f.latency);
  p.day_left = v.day_left;
  p.reserve = f.reserve;
  const long rpm = rpm_of(v, f);
  p.interval = std::max(f.min_interval, rpm > 0 ? minute_window(f.time_scale) / rpm : 0);
  p.rate_unknown = f.metered && rpm == 0;
  if (free_now(v, now)) {
    p.next_free = now;
    return p;
  }
  clock_ns at = v.next_free;
  if (v.in_flight >= v.max_in_flight && f.oldest_call > 0) {
    // A call running longer than the mean says the mean is too low (a prior, a model that
    // got slower): its next calls are expected to take at least as long.
    p.latency = std::max(p.latency, now - f.oldest_call);
    at = std::max(at, f.oldest_call + p.latency);
  }
  p.next_free = std::max(at, now + 1);
  return p;
}

std::optional<deadline::provider_limits> planning_limits(const provider_view& v,
                                                         const provider_facts& f, clock_ns now) {
  // A spent day is planned with its budget (the caller adds back what its batch used); a
  // long hold for any other reason leaves the provider out.
  if (out_of_service(v) || (v.day_left != 0 && v.next_free > now + minute_window(f.time_scale)))
    return std::nullopt;
  deadline::provider_limits l;
  l.name = v.name;
  l.priority = v.priority;
  l.rpm = rpm_of(v, f);
  l.day_left = v.day_left;
  l.reserve = f.reserve;
  l.max_in_flight = std::max(1, v.max_in_flight);
  l.min_interval = f.min_interval;
  l.latency = std::max<clock_ns>(1, f.latency);
  l.time_scale = f.time_scale;
  return l;
}

decision choose_by_deadline(const std::vector<provider_view>& views,
                            const std::vector<deadline::provider_now>& pictures, clock_ns now,
                            const task_route& st, clock_ns deadline, deadline::work kind,
                            std::vector<int>& queued) {
  auto base = choose(views, now, st, 0);
  if (base.what == action::fail)
    return base;
  auto mine = pictures;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    mine[i].in_service = mine[i].in_service && eligible(views[i], st);
    mine[i].queued = queued[i];
  }
  const auto c = deadline::choose(mine, now, deadline, kind);
  decision d;
  switch (c.what) {
    case deadline::choice::kind::dispatch:
      d.what = action::dispatch;
      d.provider = views[c.index].name;
      return d;
    case deadline::choice::kind::wait:
      ++queued[c.index];
      d.what = action::wait;
      d.until = c.until > now + 1 ? c.until : 0;
      return d;
    case deadline::choice::kind::none:
      break;
  }
  // Only spent or reserved quota is left: wait for a view change (a new day) or fail at
  // the task's own deadline.
  d.what = action::wait;
  return d;
}

void record_failure(task_route& st, const std::string& provider, net::outcome_class cls,
                    const std::string& message, int budget) {
  st.reasons[provider] = message.empty() ? std::string{net::to_string(cls)} : message;
  bool retryable = cls == net::outcome_class::throttled || cls == net::outcome_class::transient;
  if (retryable && ++st.retries[provider] <= budget)
    return;
  st.tried.insert(provider);
}

std::string failure_text(const std::vector<std::pair<std::string, std::string>>& reasons) {
  std::string out = "No valid responses from any model";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    out += i == 0 ? ": " : "; ";
    out += reasons[i].first + ": " + reasons[i].second;
  }
  return out;
}

fixed_step fixed_next(const fixed_pacing_config& f, const std::vector<int>& priorities,
                      fixed_cursor at, bool may_retry) {
  fixed_step s;
  if (may_retry && at.attempt < f.retries) {
    s.next = {at.index, at.attempt + 1};
    if (!f.retry_backoff_ms.empty())
      s.delay_ms = f.retry_backoff_ms[std::min<std::size_t>(at.attempt, f.retry_backoff_ms.size() - 1)];
    return s;
  }
  if (at.index + 1 >= priorities.size()) {
    s.exhausted = true;
    return s;
  }
  s.next = {at.index + 1, 0};
  s.delay_ms = priorities[at.index + 1] == priorities[at.index] ? f.between_models_ms
                                                               : f.between_groups_ms;
  return s;
}

std::int64_t fixed_pause_ms(const fixed_pacing_config& f, std::uint64_t random) {
  if (f.pause_max_ms <= f.pause_min_ms)
    return f.pause_min_ms;
  auto span = static_cast<std::uint64_t>(f.pause_max_ms - f.pause_min_ms) + 1;
  return f.pause_min_ms + static_cast<std::int64_t>(random % span);
}

} // namespace zega::routing
