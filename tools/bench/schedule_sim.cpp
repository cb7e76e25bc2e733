// Design tool for issue 9 (not a timed test): a pure simulation on a simulated clock, no
// sockets. It drives the pure deadline rule (actors/policy/deadline), the rate limiter the
// provider actors use (actors/rate_policy) and the planner core (training/schedule) against
// providers modelled by their true limits and latencies, and prints:
//   1. interactive batches of 60/300/1000 examples on the issue's mix, with limits
//      configured and with limits left to be learned from 429s: wall / theoretical best,
//      wasted calls, calls per provider;
//   2. 30 days of ZEGA's schedule against providers with small daily quotas: days met,
//      cloud calls used vs the minimum those days needed, 429s.
// Usage: zega-bench-schedule_sim

#include "actors/policy/calendar.hpp"
#include "actors/policy/deadline.hpp"
#include "actors/policy/rate_policy.hpp"
#include "training/schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace zega;
using deadline::one_s;
using deadline::time_ns;

namespace {

constexpr time_ns never = std::numeric_limits<time_ns>::max();

struct truth {
  deadline::provider_limits lim; // what the provider really enforces
  long day_quota = -1;           // requests a provider day (-1 none)
};

// One simulated provider: the real limits (a provider_model refuses what exceeds them) and
// what the router believes (the same rate_limiter a provider actor runs).
struct sim_provider {
  truth t;
  deadline::provider_model actual;
  rate::rate_limiter believed;
  time_ns latency_sum = 0;
  long latency_n = 0;
  long calls = 0;
  long refused = 0;
  long day_used = 0;
  std::string day;

  sim_provider(truth tr, bool configured)
    : t(tr), actual(tr.lim), believed(believed_limits(tr, configured)) {}

  static rate::limits believed_limits(const truth& tr, bool configured) {
    rate::limits l;
    l.max_in_flight = tr.lim.max_in_flight;
    l.time_scale = tr.lim.time_scale;
    if (configured) l.rpm = tr.lim.rpm;
    return l;
  }
  time_ns observed_latency() const {
    // Before anything is observed: the limiter's prior of 2 s, on the scaled clock.
    return latency_n ? latency_sum / latency_n
                     : static_cast<time_ns>(2.0 * one_s / t.lim.time_scale);
  }
};

struct call {
  time_ns sent;
  time_ns at;
  std::size_t provider;
  std::uint64_t id;
  bool refused;
  long task; // scheduled: index into the task list
};

deadline::provider_now view_of(const sim_provider& p, std::size_t index, time_ns now,
                               bool in_service, long day_left, long reserve) {
  deadline::provider_now v;
  v.name = p.t.lim.name;
  v.priority = p.t.lim.priority;
  v.in_service = in_service;
  const auto a = p.believed.check(now, 0, never / 2);
  v.next_free = a.next_free;
  if (a.in_flight_full) v.next_free = std::max(v.next_free, p.believed.in_flight_estimate(now));
  v.latency = p.observed_latency();
  v.max_in_flight = p.t.lim.max_in_flight;
  const auto eff = p.believed.effective();
  if (eff.rpm > 0)
    v.interval = static_cast<time_ns>(60.0 * one_s / (static_cast<double>(eff.rpm) * p.t.lim.time_scale));
  v.interval = std::max(v.interval, eff.min_interval);
  v.day_left = day_left;
  v.reserve = reserve;
  (void)index;
  return v;
}

// Sends a call on `p` at `now`: the provider accepts what its real limits allow and
// answers 429 at once (100 ms, scaled) otherwise.
call send(sim_provider& p, std::size_t index, time_ns now, long task, time_ns latency) {
  const auto id = p.believed.on_send(now, 0);
  ++p.calls;
  const time_ns start = p.actual.earliest_start(now, deadline::work::interactive);
  if (start < 0 || start > now) {
    ++p.refused;
    const auto scale = p.t.lim.time_scale;
    return {now, now + static_cast<time_ns>(0.1 * one_s / scale), index, id, true, task};
  }
  p.actual.commit(now, latency);
  ++p.day_used;
  return {now, now + latency, index, id, false, task};
}

void finish(sim_provider& p, const call& c) {
  if (c.refused) {
    p.believed.on_refused(c.id, c.at, net::rate_info{});
    p.believed.on_finish(c.id, c.at, 0);
    return;
  }
  p.believed.on_finish(c.id, c.at, 0);
}

std::vector<truth> issue_mix(double scale) {
  auto s = [scale](time_ns t) { return static_cast<time_ns>(static_cast<double>(t) / scale); };
  return {{{"ollama", 1, 0, -1, 0, 1, 0, s(3 * one_s), scale}, -1},
          {{"groq", 2, 30, -1, 0, 4, 0, s(one_s), scale}, -1},
          {{"gemini", 3, 15, -1, 0, 4, 0, s(2 * one_s), scale}, -1},
          {{"hf", 4, 5, -1, 0, 2, 0, s(4 * one_s), scale}, -1}};
}

// --- 1. interactive batches -------------------------------------------------------------

// The rule before issue 9, for comparison: wait for a busy higher group whenever one of its
// members frees up within `max_wait` (routing.max_wait_for_higher_ms), whatever the batch.
deadline::choice fixed_wait(const std::vector<deadline::provider_now>& views, time_ns now,
                            time_ns max_wait) {
  std::vector<int> groups;
  for (const auto& v : views) groups.push_back(v.priority);
  std::sort(groups.begin(), groups.end());
  for (int g : groups) {
    std::size_t soonest = views.size();
    for (std::size_t i = 0; i < views.size(); ++i)
      if (views[i].priority == g && (soonest == views.size() || views[i].next_free < views[soonest].next_free))
        soonest = i;
    if (views[soonest].next_free <= now) return {deadline::choice::kind::dispatch, soonest, now};
    if (views[soonest].next_free - now <= max_wait)
      return {deadline::choice::kind::wait, soonest, views[soonest].next_free};
  }
  return {};
}

// jitter: each call's latency is drawn uniformly within +-jitter of the mean.
void interactive(long n, bool configured, double scale, double slack, bool old_rule = false,
                 double jitter = 0) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> spread(1.0 - jitter, 1.0 + jitter);
  const auto mix = issue_mix(scale);
  std::vector<sim_provider> ps;
  std::vector<deadline::provider_limits> true_limits, believed_limits;
  for (const auto& t : mix) {
    ps.emplace_back(t, configured);
    true_limits.push_back(t.lim);
    auto b = t.lim;
    if (!configured) b.rpm = 0;
    b.latency = static_cast<time_ns>(2.0 * one_s / scale); // before anything is observed
    if (!configured && t.lim.name == "ollama") b.latency = t.lim.latency;
    believed_limits.push_back(b);
  }
  const time_ns best = deadline::best_completion(true_limits, n, 0).best;
  const time_ns due =
    deadline::interactive_deadline(0, deadline::best_completion(believed_limits, n, 0).best, slack);

  // Each pending task remembers since when it waits (the old rule's wait is per task).
  std::vector<time_ns> pending(static_cast<std::size_t>(n), -1);
  long done = 0;
  const time_ns max_wait = static_cast<time_ns>(3.0 * one_s / scale);
  std::vector<call> flight;
  time_ns now = 0;
  while (done < n) {
    std::vector<deadline::provider_now> views;
    for (std::size_t i = 0; i < ps.size(); ++i) views.push_back(view_of(ps[i], i, now, true, -1, 0));
    time_ns wake = never;
    std::vector<time_ns> still;
    for (time_ns since : pending) {
      const time_ns waited = since < 0 ? 0 : now - since;
      const auto c = old_rule ? fixed_wait(views, now, std::max<time_ns>(0, max_wait - waited))
                              : deadline::choose(views, now, due, deadline::work::interactive);
      if (c.what == deadline::choice::kind::dispatch) {
        const auto mean = static_cast<double>(ps[c.index].t.lim.latency);
        flight.push_back(send(ps[c.index], c.index, now, -1, static_cast<time_ns>(mean * spread(rng))));
        views[c.index] = view_of(ps[c.index], c.index, now, true, -1, 0);
      } else {
        still.push_back(since < 0 ? now : since);
        if (c.what == deadline::choice::kind::wait) {
          ++views[c.index].queued;
          if (c.until > now) wake = std::min(wake, c.until);
          if (old_rule) wake = std::min(wake, still.back() + max_wait);
        }
      }
    }
    pending = std::move(still);
    time_ns next = wake;
    for (const auto& f : flight) next = std::min(next, f.at);
    if (next == never) break;
    now = std::max(next, now + 1);
    for (auto it = flight.begin(); it != flight.end();) {
      if (it->at > now) {
        ++it;
        continue;
      }
      auto& p = ps[it->provider];
      finish(p, *it);
      if (it->refused) {
        pending.push_back(-1);
      } else {
        ++done;
        p.latency_sum += it->at - it->sent;
        ++p.latency_n;
      }
      it = flight.erase(it);
    }
  }
  long wasted = 0;
  std::string per;
  for (const auto& p : ps) {
    wasted += p.refused;
    per += " " + p.t.lim.name + "=" + std::to_string(p.calls - p.refused);
    if (p.refused) per += "(+" + std::to_string(p.refused) + " 429)";
  }
  std::printf("  %s%s%5ld examples  %-10s scale %-4g  wall %7.2fs  best %7.2fs  ratio %.3f  "
              "wasted %ld |%s\n",
              old_rule ? "[old 3 s wait] " : "", jitter > 0 ? "[latency +-30%] " : "", n, configured ? "configured" : "learned", scale, static_cast<double>(now) / one_s,
              static_cast<double>(best) / one_s, static_cast<double>(now) / static_cast<double>(best),
              wasted, per.c_str());
}

// --- 2. thirty scheduled days -----------------------------------------------------------

struct day_plan {
  bool ollama_down = false;     // unreachable for the whole window
  time_ns ollama_latency = 3 * one_s;
};

void scheduled(int days) {
  auto berlin = *cal::zone::locate("Europe/Berlin");
  const cal::calendar local(berlin, 0, 1.0);
  const cal::window early{60, 420, false};
  schedule::spec s;
  s.name = "default";
  s.phases = {{2, std::nullopt, {5, 5}}, {std::nullopt, 50, {10, 10}},
              {std::nullopt, std::nullopt, {2, 5}}};
  schedule::planner_core core(s, cal::schedule_windows(local, early));

  // Small daily quotas; Gemini's day is Pacific. Part of each is reserved for other uses.
  struct quota {
    long per_day;
    long reserve;
    cal::calendar day;
  };
  auto mix = issue_mix(1.0);
  const std::vector<quota> quotas = {{-1, 0, cal::utc_days()},
                                     {8, 2, cal::utc_days()},
                                     {5, 1, cal::pacific_days()},
                                     {3, 0, cal::utc_days()}};
  std::vector<sim_provider> ps;
  for (const auto& t : mix) ps.emplace_back(t, true);

  const auto first = *cal::parse_day("2026-03-16"); // the 29th switches to summer time
  std::map<cal::day_number, day_plan> plan;
  plan[first + 3].ollama_down = true;                  // phase 2: target 10
  plan[first + 12].ollama_down = true;                 // phase 3: 2-5
  plan[first + 20].ollama_latency = 2 * 3600 * one_s;  // so slow it carries 3 of the day's
  plan[first + 25].ollama_down = true;

  struct task {
    schedule::task_order order;
    bool waiting = true;
  };
  std::vector<task> tasks;
  std::vector<call> flight;
  std::map<cal::day_number, long> cloud_used, targets, done_of;
  long too_many = 0, outside = 0;
  long dataset = 0;
  const time_ns ms = 1'000'000;
  time_ns now = local.at(first, 0) * ms;
  const time_ns stop = local.at(first + days, 0) * ms;

  auto provider_day_left = [&](std::size_t i, time_ns t) {
    auto& p = ps[i];
    const auto key = quotas[i].day.day_key(t / ms);
    if (key != p.day) {
      p.day = key;
      p.day_used = 0;
    }
    return quotas[i].per_day < 0 ? -1L : quotas[i].per_day - p.day_used;
  };

  while (now < stop) {
    // Results first, then the planner, then routing of every waiting task.
    for (auto it = flight.begin(); it != flight.end();) {
      if (it->at > now) {
        ++it;
        continue;
      }
      finish(ps[it->provider], *it);
      auto& tk = tasks[static_cast<std::size_t>(it->task)];
      if (it->refused) {
        tk.waiting = true;
      } else {
        core.acknowledge(tk.order, true);
        ++dataset;
      }
      it = flight.erase(it);
    }
    const auto r = core.step(now / ms, dataset);
    for (const auto& e : r.events) {
      if (e.what == schedule::day_event::kind::start) targets[e.day] = e.target;
      if (e.what == schedule::day_event::kind::end) done_of[e.day] = e.done;
    }
    for (const auto& o : r.issue) {
      const auto w = cal::window_on(local, early, o.day);
      if (now / ms < w.start || now / ms >= w.end) ++outside;
      tasks.push_back({o, true});
    }
    const auto today = core.state().day;
    const auto& dp = plan[today];
    time_ns next = r.wake_at ? *r.wake_at * ms : never;
    std::vector<deadline::provider_now> views;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const bool up = i != 0 || !dp.ollama_down;
      views.push_back(view_of(ps[i], i, now, up, provider_day_left(i, now), quotas[i].reserve));
      if (i == 0) views[0].latency = std::max(views[0].latency, dp.ollama_latency);
    }
    // A slow day: the router knows when Ollama's call was sent and how slow it has been.
    for (const auto& f : flight)
      if (f.provider == 0) views[0].next_free = std::max(views[0].next_free, f.at);
    for (std::size_t k = 0; k < tasks.size(); ++k) {
      auto& tk = tasks[k];
      if (!tk.waiting) continue;
      const auto c = deadline::choose(views, now, tk.order.deadline * ms, deadline::work::scheduled);
      if (c.what == deadline::choice::kind::dispatch) {
        tk.waiting = false;
        const time_ns lat = c.index == 0 ? dp.ollama_latency : ps[c.index].t.lim.latency;
        flight.push_back(send(ps[c.index], c.index, now, static_cast<long>(k), lat));
        if (c.index != 0) ++cloud_used[tk.order.day];
        if (quotas[c.index].per_day >= 0 && ps[c.index].day_used > quotas[c.index].per_day - quotas[c.index].reserve)
          ++too_many;
        views[c.index] = view_of(ps[c.index], c.index, now, views[c.index].in_service,
                                 provider_day_left(c.index, now), quotas[c.index].reserve);
        if (c.index == 0) {
          views[0].latency = std::max(views[0].latency, dp.ollama_latency);
          views[0].next_free = std::max(views[0].next_free, flight.back().at);
        }
      } else if (c.what == deadline::choice::kind::wait) {
        ++views[c.index].queued;
        if (c.until > now) next = std::min(next, c.until);
      }
    }
    for (const auto& f : flight) next = std::min(next, f.at);
    if (next == never) break;
    now = std::max(next, now + 1);
  }
  long met = 0, used = 0, minimum = 0, refused = 0;
  for (const auto& p : ps) refused += p.refused;
  long ollama_days_clean = 0, ollama_days = 0;
  for (const auto& [d, target] : targets) {
    if (!done_of.count(d)) continue;
    met += done_of[d] == target;
    if (done_of[d] != target)
      std::printf("  %s: %ld of %ld done (cloud %ld)\n", cal::format_day(d).c_str(), done_of[d],
                  target, cloud_used[d]);
    used += cloud_used[d];
    const auto& dp = plan[d];
    const auto w = cal::window_on(local, early, d);
    long need = 0;
    if (dp.ollama_down) {
      need = target;
    } else {
      const long carry = static_cast<long>((w.end - w.start) * ms / dp.ollama_latency);
      need = std::max(0L, target - carry);
    }
    minimum += need;
    if (need == 0) {
      ++ollama_days;
      ollama_days_clean += cloud_used[d] == 0;
    }
  }
  std::printf("  days with the target met: %ld / %zu\n", met, done_of.size());
  std::printf("  cloud calls used: %ld, minimum those days needed: %ld\n", used, minimum);
  std::printf("  days Ollama alone could carry: %ld, of which with 0 cloud calls: %ld\n",
              ollama_days, ollama_days_clean);
  std::printf("  429s: %ld; calls into a reserve: %ld; tasks issued outside the window: %ld\n",
              refused, too_many, outside);
  std::printf("  calls per provider:");
  for (const auto& p : ps) std::printf(" %s=%ld", p.t.lim.name.c_str(), p.calls - p.refused);
  std::printf("\n");
}

} // namespace

int main() {
  std::printf("interactive batches (Ollama 1 in flight 3 s, Groq 30 RPM, Gemini 15 RPM, HF 5 RPM;"
              " slack 0.1)\n");
  for (bool configured : {true, false})
    for (double scale : {1.0, 60.0})
      for (long n : {60L, 300L, 1000L}) interactive(n, configured, scale, 0.1);
  for (long n : {60L, 300L}) interactive(n, true, 1.0, 0.1, true);
  for (bool configured : {true, false})
    for (long n : {60L, 300L, 1000L}) interactive(n, configured, 1.0, 0.1, false, 0.3);
  std::printf("30 simulated days of ZEGA's schedule, Europe/Berlin 01:00-07:00, small daily "
              "quotas (Groq 8/day, 2 reserved; Gemini 5/day Pacific, 1 reserved; HF 3/day); "
              "Ollama down on 3 days, slow on 1\n");
  scheduled(30);
  return 0;
}
