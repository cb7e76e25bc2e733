#include "actors/policy/deadline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace zega::deadline {

namespace {

constexpr time_ns never = std::numeric_limits<time_ns>::max();

bool free_now(const provider_now& p, time_ns now) { return p.next_free <= now && p.queued == 0; }

// Whether a task waiting for busy `p` may count on finishing at expected_finish(): its queue
// drains at a known pace, or the task is the next in line for one of its slots.
bool queue_plannable(const provider_now& p) {
  return !p.rate_unknown || p.queued < std::max(1, p.max_in_flight);
}

} // namespace

bool eligible(const provider_now& p, work kind) {
  if (!p.in_service) return false;
  if (p.day_left < 0) return true;
  const long usable = kind == work::scheduled ? p.day_left - p.reserve : p.day_left;
  return usable > 0;
}

time_ns expected_finish(const provider_now& p, time_ns now) {
  // Tasks already waiting go first, max_in_flight at a time.
  const int lanes = std::max(1, p.max_in_flight);
  const time_ns per_task = std::max(p.latency / lanes, p.interval);
  const time_ns start = std::max(now, p.next_free) + p.queued * per_task;
  return start + p.latency;
}

time_ns retry_margin(const std::vector<provider_now>& views, work kind) {
  time_ns quickest = never;
  for (const auto& v : views)
    if (eligible(v, kind)) quickest = std::min(quickest, v.latency);
  return quickest == never ? 0 : 2 * quickest;
}

choice choose(const std::vector<provider_now>& views, time_ns now, time_ns deadline, work kind) {
  if (kind == work::scheduled) deadline -= retry_margin(views, kind);
  std::vector<int> groups;
  for (const auto& v : views)
    if (eligible(v, kind)) groups.push_back(v.priority);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());

  // When no group finishes the task in time: whatever finishes it first, now or by waiting.
  choice fallback;
  time_ns fallback_finish = never;
  auto consider = [&](choice c, time_ns finish) {
    if (finish < fallback_finish) {
      fallback_finish = finish;
      fallback = c;
    }
  };
  for (int g : groups) {
    std::size_t best_free = views.size(), best_wait = views.size();
    time_ns free_finish = never, wait_finish = never;
    for (std::size_t i = 0; i < views.size(); ++i) {
      const auto& v = views[i];
      if (v.priority != g || !eligible(v, kind)) continue;
      const time_ns f = expected_finish(v, now);
      if (free_now(v, now) && f < free_finish) {
        free_finish = f;
        best_free = i;
      }
      if (!free_now(v, now) && !queue_plannable(v))
        consider({choice::kind::wait, i, v.next_free}, f);
      else if (!free_now(v, now) && f < wait_finish) {
        wait_finish = f;
        best_wait = i;
      }
    }
    // A free member that would finish late (the batch's tail on a slow group) does not
    // take the task from a lower group that finishes it in time.
    if (best_free < views.size() && free_finish <= deadline)
      return {choice::kind::dispatch, best_free, now};
    if (best_wait < views.size() && wait_finish <= deadline)
      return {choice::kind::wait, best_wait, views[best_wait].next_free};
    if (best_free < views.size()) consider({choice::kind::dispatch, best_free, now}, free_finish);
    if (best_wait < views.size())
      consider({choice::kind::wait, best_wait, views[best_wait].next_free}, wait_finish);
  }
  return fallback;
}

// --- provider_model ---------------------------------------------------------------------

provider_model::provider_model(provider_limits l) : l_(std::move(l)) {}

time_ns provider_model::earliest_start(time_ns t, work kind) const {
  if (l_.day_left >= 0) {
    const long usable = (kind == work::scheduled ? l_.day_left - l_.reserve : l_.day_left);
    if (calls_ >= usable) return -1;
  }
  time_ns start = t;
  const auto lanes = static_cast<std::size_t>(std::max(1, l_.max_in_flight));
  std::vector<time_ns> busy;
  for (time_ns f : finishes_)
    if (f > t) busy.push_back(f);
  if (busy.size() >= lanes) {
    std::sort(busy.begin(), busy.end());
    start = std::max(start, busy[busy.size() - lanes]);
  }
  if (!sends_.empty()) start = std::max(start, sends_.back() + l_.min_interval);
  if (l_.rpm > 0) {
    const auto window = static_cast<time_ns>(std::llround(60.0 * one_s / l_.time_scale));
    // The call fits once the rpm-th most recent send has left the trailing window.
    const auto n = static_cast<std::size_t>(l_.rpm);
    if (sends_.size() >= n) start = std::max(start, sends_[sends_.size() - n] + window);
  }
  return start;
}

time_ns provider_model::commit(time_ns start, time_ns latency) {
  sends_.insert(std::upper_bound(sends_.begin(), sends_.end(), start), start);
  const time_ns finish = start + (latency < 0 ? l_.latency : latency);
  finishes_.push_back(finish);
  // Only the last max_in_flight ends can still hold a slot for later starts.
  const auto keep = static_cast<std::size_t>(std::max(1, l_.max_in_flight));
  if (finishes_.size() > 4 * keep) {
    std::sort(finishes_.begin(), finishes_.end());
    finishes_.erase(finishes_.begin(), finishes_.end() - static_cast<std::ptrdiff_t>(keep));
  }
  ++calls_;
  return finish;
}

batch_estimate best_completion(const std::vector<provider_limits>& providers, long tasks,
                               time_ns now, work kind) {
  std::vector<provider_model> models;
  for (const auto& p : providers) models.emplace_back(p);
  batch_estimate out;
  out.per_provider.assign(providers.size(), 0);
  time_ns last = now;
  for (long k = 0; k < tasks; ++k) {
    std::size_t pick = models.size();
    time_ns pick_start = 0, pick_finish = never;
    for (std::size_t i = 0; i < models.size(); ++i) {
      const time_ns s = models[i].earliest_start(now, kind);
      if (s < 0) continue;
      const time_ns f = s + models[i].limits().latency;
      if (f < pick_finish) {
        pick = i;
        pick_start = s;
        pick_finish = f;
      }
    }
    if (pick == models.size()) break; // every budget is spent: the rest cannot be planned
    last = std::max(last, models[pick].commit(pick_start));
    ++out.per_provider[pick];
  }
  out.best = last - now;
  return out;
}

time_ns interactive_deadline(time_ns now, time_ns best, double slack) {
  return now + static_cast<time_ns>(std::llround((1.0 + std::max(0.0, slack)) *
                                                 static_cast<double>(best)));
}

void latency_ewma::observe(time_ns latency) {
  latency = std::max<time_ns>(0, latency);
  mean_ = known_ ? mean_ + (latency - mean_) / 5 : latency;
  known_ = true;
}

} // namespace zega::deadline
