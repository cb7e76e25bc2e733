// Dispatch and routing: which task goes to which provider and when (adaptive and fixed pacing), outcomes, retries, ensemble votes and near-duplicate checks.

#include "actors/scheduler_parts.hpp"

namespace zega::sched {

void schedule_tick(self_ptr self, clock_ns at) {
  auto now = now_ns(self);
  at = std::max(at, now);
  if (!self->state.timers.insert(at).second)
    return;
  self->delayed_send(self, std::chrono::nanoseconds(at - now), tick_atom::value);
}

bool needs_calls(const sched_job& job, const sched_task& t) {
  if (job.cancel_requested || t.archiving)
    return false;
  auto votes = job.info->request().min_votes;
  return static_cast<int>(t.candidates.size()) + t.calls < votes;
}

void handle_success(self_ptr self, sched_task& t, const gen_outcome& o) {
  auto& st = self->state;
  auto& job = st.jobs.at(t.job_id);
  const auto& req = job.info->request();
  auto text = training::clean_output(o.result.text);
  if (text.empty()) {
    routing::record_failure(t.route, o.provider, net::outcome_class::refused,
                            o.provider + ": empty output", st.cfg.routing.retries_per_provider);
    return;
  }
  auto sig = training::minhash(text);
  bool dup = !st.near.at(req.user_id).query(sig).empty();
  if (dup) {
    job.info->add_duplicate();
    ++t.dups_from[o.provider];
    if (req.min_votes > 1) {
      t.route.used.erase(o.provider);
      t.route.tried.insert(o.provider);
      t.route.reasons[o.provider] = o.provider + ": near-duplicate of an existing example";
      return;
    }
    if (++t.dup_retries > max_duplicate_retries) {
      fail_task(self, t.id, "near-duplicate of an existing example (after "
                              + std::to_string(max_duplicate_retries) + " new topics)",
                {});
      return;
    }
    set_spec(st, t, job);
    // A provider that keeps writing what is already stored is given up on for this task,
    // so routing moves on (to the next group once its own is used up).
    auto route = routing::task_route{};
    for (const auto& [name, n] : t.dups_from)
      if (n >= duplicates_before_next_provider) {
        route.tried.insert(name);
        route.reasons[name] = name + ": " + std::to_string(n) + " near-duplicates for this task";
      }
    t.route = std::move(route);
    return;
  }
  auto q = training::score(t.spec.el, text, o.result.truncated,
                           training::rubric_options{st.cfg.quality.language});
  store::example_record ex;
  ex.user = req.user_id;
  ex.job_id = t.job_id;
  ex.task_seq = t.seq;
  ex.element = training::to_string(t.spec.el);
  ex.genre = t.spec.genre;
  ex.topic = t.spec.topic;
  ex.style = t.spec.style;
  ex.system = t.prompt.system;
  ex.prompt = t.prompt.user;
  ex.output = std::move(text);
  ex.quality = q.score;
  ex.quality_json = q.to_json();
  ex.provider = o.provider;
  ex.model = o.model;
  ex.prompt_tokens = o.result.prompt_tokens;
  ex.completion_tokens = o.result.completion_tokens;
  ex.latency_ms = o.latency_us / 1000;
  ex.created_ms = wall_ms(self);
  ex.fingerprint = training::simhash(ex.output);
  ex.minhash = sig.to_bytes();
  ex.rubric_version = q.version;
  t.candidates.push_back(std::move(ex));
  if (static_cast<int>(t.candidates.size()) >= req.min_votes)
    finalize_success(self, t);
}

namespace {

// Before a provider's first answer: 2 s, shortened like every duration by time_scale.
clock_ns prior_latency(const scheduler_state& st) {
  return static_cast<clock_ns>(2e9 / std::max(1.0, st.cfg.routing.time_scale));
}

routing::provider_facts facts_of(const scheduler_state& st, std::size_t i) {
  const auto& pc = st.deps.providers[i].first;
  routing::provider_facts f;
  f.latency = st.latency[i].value_or(prior_latency(st));
  f.oldest_call = st.call_starts[i].empty() ? 0 : *st.call_starts[i].begin();
  f.reserve = pc.limits.reserve_per_day;
  f.configured_rpm = pc.limits.rpm;
  f.min_interval = static_cast<clock_ns>(pc.limits.min_interval_ms) * ns_per_ms;
  f.time_scale = st.cfg.routing.time_scale;
  f.metered = pc.kind != provider_kind::ollama;
  return f;
}

// The estimate's inputs that views change (a provider out of service or back, a learned
// limit): a change makes interactive jobs estimate their deadline again.
void note_plan_inputs(scheduler_state& st, clock_ns now) {
  for (std::size_t i = 0; i < st.views.size(); ++i) {
    const auto l = routing::planning_limits(st.views[i], facts_of(st, i), now);
    const std::pair<bool, long> in{l.has_value(), l ? l->rpm : 0};
    if (in != st.plan_inputs[i]) {
      st.plan_inputs[i] = in;
      ++st.knowledge;
    }
  }
}

// When a job's tasks should be done. Scheduled work: the end of its window. Interactive
// work: (1 + slack) x the best completion time of the whole batch from its start, over
// every provider that can serve, with what is known now of their limits and latencies.
clock_ns job_deadline(self_ptr self, sched_job& job, clock_ns now) {
  auto& st = self->state;
  const auto& req = job.info->request();
  if (req.kind == job_kind::scheduled && req.deadline_ms > 0) {
    if (job.route_deadline == 0)
      job.route_deadline = now + (req.deadline_ms - wall_ms(self)) * ns_per_ms;
    return job.route_deadline;
  }
  if (job.deadline_knowledge == st.knowledge)
    return job.route_deadline;
  if (job.planned_calls == 0)
    job.planned_calls = static_cast<long>(std::max<std::size_t>(1, job.pending.size()))
                        * std::max(1, req.min_votes);
  job.calls_on.resize(st.views.size());
  std::vector<deadline::provider_limits> limits;
  for (std::size_t i = 0; i < st.views.size(); ++i)
    if (auto l = routing::planning_limits(st.views[i], facts_of(st, i), now)) {
      // The batch's own calls count as still available: the plan starts at its start.
      if (l->day_left >= 0)
        l->day_left += job.calls_on[i];
      limits.push_back(*l);
    }
  const auto e = deadline::best_completion(limits, job.planned_calls, job.started_at);
  job.route_deadline = deadline::interactive_deadline(job.started_at, e.best, st.cfg.routing.slack);
  job.deadline_knowledge = st.knowledge;
  return job.route_deadline;
}

} // namespace

void call_ended(self_ptr self, std::size_t pidx, clock_ns started, const gen_outcome& o) {
  auto& st = self->state;
  auto& starts = st.call_starts[pidx];
  auto it = starts.find(started);
  if (it != starts.end())
    starts.erase(it);
  if (o.result.cls != net::outcome_class::ok)
    return;
  auto& ewma = st.latency[pidx];
  ewma.observe(o.latency_us * 1000);
  // Small drifts keep the deadline where it is; a move of 5 % re-estimates it.
  auto& planned = st.latency_planned[pidx];
  const auto now_value = ewma.value_or(0);
  if (planned == 0 || std::llabs(now_value - planned) * 20 > planned) {
    planned = now_value;
    ++st.knowledge;
  }
}

void dispatch(self_ptr self, sched_task& t, std::size_t pidx) {
  auto& st = self->state;
  const auto& [pc, handle] = st.deps.providers[pidx];
  auto& v = st.views[pidx];
  // Our own calls count even before the provider's view reflects them, so the next
  // decision does not pick a full provider again.
  ++st.calls_out[pidx];
  v.in_flight = std::max(v.in_flight + 1, st.calls_out[pidx]);
  ++t.calls;
  ++st.in_flight;
  if (!t.called) {
    t.called = true;
    st.queue_wait_s.observe(static_cast<double>(now_ns(self) - t.created_at) / 1e9);
  }
  t.route.used.insert(v.name);
  const auto started = now_ns(self);
  st.call_starts[pidx].insert(started);
  auto& job = st.jobs.at(t.job_id);
  job.calls_on.resize(st.views.size());
  ++job.calls_on[pidx];
  gen_task g;
  g.task_id = t.id;
  g.job_id = t.job_id;
  g.task_seq = t.seq;
  // The provider keeps limits.reserve_per_day from scheduled work even when a view was stale.
  g.scheduled = job.info->request().kind == job_kind::scheduled;
  g.params.system = t.prompt.system;
  g.params.prompt = t.prompt.user;
  g.params.max_tokens = std::min(t.prompt.max_tokens, pc.max_output_tokens);
  g.params.temperature = pc.temperature;
  auto tid = t.id;
  auto name = pc.name;
  auto model = pc.model;
  auto timeout = std::chrono::milliseconds(pc.timeouts.total_ms + provider_reply_slack_ms);
  self->request(handle, timeout, generate_atom::value, g)
    .then([=](gen_outcome& o) {
            call_ended(self, pidx, started, o);
            on_outcome(self, tid, pidx, std::move(o));
          },
          [=](caf::error& e) {
            gen_outcome o;
            o.task_id = tid;
            o.provider = name;
            o.model = model;
            o.result.cls = net::outcome_class::transient;
            o.result.message = name + ": provider actor did not answer (" + self->system().render(e) + ")";
            call_ended(self, pidx, started, o);
            on_outcome(self, tid, pidx, std::move(o));
          });
}

// Round-robin between jobs: start after the job served last.
std::size_t rr_start(const scheduler_state& st) {
  auto it = std::find(st.job_order.begin(), st.job_order.end(), st.last_served);
  return it == st.job_order.end() ? 0 : (it - st.job_order.begin() + 1) % st.job_order.size();
}

void on_outcome(self_ptr self, std::uint64_t tid, std::size_t pidx, gen_outcome o) {
  auto& st = self->state;
  --st.in_flight;
  // A reload may have renumbered the providers since the call went out (or removed this
  // one): the answer is booked by name; `pidx` is the slot at dispatch time.
  bool present = pidx < st.views.size();
  if (!o.provider.empty()) {
    auto slot = st.provider_index.find(o.provider);
    present = slot != st.provider_index.end();
    if (present)
      pidx = slot->second;
  }
  provider_view gone;
  auto& v = present ? st.views[pidx] : gone;
  if (present) {
    --st.calls_out[pidx];
    v.in_flight = std::max(0, v.in_flight - 1);
    o.provider = st.deps.providers[pidx].first.name;
    if (o.model.empty())
      o.model = st.deps.providers[pidx].first.model;
  }
  auto it = st.tasks.find(tid);
  if (it == st.tasks.end()) {
    check_drain(self);
    pump(self);
    return;
  }
  auto& t = it->second;
  --t.calls;
  auto cls = o.result.cls;
  if (cls != net::outcome_class::ok)
    t.route.used.erase(o.provider);
  bool repicked = false;
  if (cls == net::outcome_class::busy) {
    // Our view was stale: nothing went upstream. Learn when it frees up and re-route.
    // A refusal without a time: look again shortly rather than hammering it.
    auto now = now_ns(self);
    v.next_free = std::max(v.next_free, o.busy_until > now ? o.busy_until : now + busy_retry_ns);
    if (fixed_mode(st))
      t.route.reasons[o.provider] = o.provider + ": busy (local limit)";
  } else {
    store::attempt_record a;
    a.job_id = t.job_id;
    a.task_seq = t.seq;
    a.provider = o.provider;
    a.model = o.model;
    a.outcome = net::to_string(cls);
    a.http_status = o.result.http_status;
    a.latency_ms = o.latency_us / 1000;
    if (cls != net::outcome_class::ok)
      a.error = o.result.message;
    a.at_ms = wall_ms(self);
    t.attempts.push_back(std::move(a));
    if (cls == net::outcome_class::ok) {
      auto dups = t.dup_retries;
      handle_success(self, t, o);
      auto again = st.tasks.find(tid);
      repicked = again != st.tasks.end() && again->second.dup_retries != dups;
    } else {
      routing::record_failure(t.route, o.provider, cls, o.result.message,
                              st.cfg.routing.retries_per_provider);
    }
  }
  auto again = st.tasks.find(tid);
  if (again != st.tasks.end()) {
    auto& job = st.jobs.at(again->second.job_id);
    auto& tk = again->second;
    // A cancelled job keeps what its in-flight calls produced and drops the rest.
    if (job.cancel_requested && tk.calls == 0 && !tk.archiving) {
      if (!tk.candidates.empty())
        finalize_success(self, tk);
      else
        remove_task(self, tid);
    }
  }
  if (fixed_mode(st))
    fixed_after(self, tid, cls == net::outcome_class::ok, repicked);
  check_drain(self);
  pump(self);
}

std::vector<std::pair<std::string, std::string>> fixed_reasons(const scheduler_state& st,
                                                               const sched_task& t) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto idx : st.fixed_order) {
    const auto& name = st.deps.providers[idx].first.name;
    auto it = t.route.reasons.find(name);
    out.emplace_back(name, it != t.route.reasons.end() ? it->second : "not tried");
  }
  return out;
}

void fixed_after(self_ptr self, std::uint64_t tid, bool ok, bool repicked) {
  auto& st = self->state;
  const auto& f = st.cfg.routing.fixed;
  auto now = now_ns(self);
  auto pause = [&] {
    st.fixed_task = 0;
    st.fixed_next_at = now + routing::fixed_pause_ms(f, st.rng()) * ns_per_ms;
  };
  auto it = st.tasks.find(tid);
  if (it == st.tasks.end() || it->second.archiving) {
    pause();
  } else if (repicked) {
    it->second.cursor = {};
    st.fixed_next_at = now + routing::fixed_pause_ms(f, st.rng()) * ns_per_ms;
  } else {
    std::vector<int> prios;
    for (auto idx : st.fixed_order)
      prios.push_back(st.deps.providers[idx].first.priority);
    auto step = routing::fixed_next(f, prios, it->second.cursor, !ok);
    if (step.exhausted) {
      auto reasons = fixed_reasons(st, it->second);
      pause();
      if (!it->second.candidates.empty())
        finalize_short_of_votes(self, it->second, reasons);
      else
        fail_task(self, tid, routing::failure_text(reasons), reasons);
    } else {
      it->second.cursor = step.next;
      st.fixed_next_at = now + step.delay_ms * ns_per_ms;
    }
  }
  schedule_tick(self, st.fixed_next_at);
}

void fixed_pump(self_ptr self) {
  auto& st = self->state;
  if (st.in_flight > 0)
    return;
  auto now = now_ns(self);
  if (now < st.fixed_next_at) {
    schedule_tick(self, st.fixed_next_at);
    return;
  }
  if (st.fixed_task == 0) {
    auto n = st.job_order.size();
    auto first = rr_start(st);
    for (std::size_t k = 0; k < n && st.fixed_task == 0; ++k) {
      auto ji = (first + k) % n;
      auto& job = st.jobs.at(st.job_order[ji]);
      for (auto tid : job.pending)
        if (needs_calls(job, st.tasks.at(tid))) {
          st.fixed_task = tid;
          st.tasks.at(tid).cursor = {};
          st.last_served = job.info->id();
          break;
        }
    }
    if (st.fixed_task == 0)
      return;
  }
  auto& t = st.tasks.at(st.fixed_task);
  if (st.fixed_order.empty()) {
    st.fixed_task = 0;
    fail_task(self, t.id, routing::failure_text({}), {});
    return;
  }
  dispatch(self, t, st.fixed_order[t.cursor.index]);
}

void pump(self_ptr self) {
  auto& st = self->state;
  if (st.paused || st.storage_full || st.draining)
    return;
  st.latency.resize(st.views.size());
  st.latency_planned.resize(st.views.size());
  st.call_starts.resize(st.views.size());
  st.plan_inputs.resize(st.views.size());
  if (fixed_mode(st)) {
    fixed_pump(self);
    return;
  }
  auto now = now_ns(self);
  // routing.max_wait_for_higher_ms >= 0 is the operator's explicit override of the rule.
  const bool by_deadline = st.cfg.routing.max_wait_for_higher_ms < 0;
  auto max_wait = static_cast<clock_ns>(std::max(0, st.cfg.routing.max_wait_for_higher_ms)) * ns_per_ms;
  auto task_deadline = static_cast<clock_ns>(st.cfg.routing.task_deadline_ms) * ns_per_ms;
  ++st.pump_gen;
  // The deadline rule's picture of the providers (taken again after each dispatch), and
  // how many tasks of this pass wait for each.
  std::vector<deadline::provider_now> pictures;
  std::vector<int> queued(st.views.size(), 0);
  bool any_free = true;
  bool any_in_service = true;
  auto look = [&] {
    pictures.clear();
    any_free = any_in_service = false;
    for (std::size_t i = 0; i < st.views.size(); ++i) {
      pictures.push_back(routing::deadline_view(st.views[i], facts_of(st, i), now));
      any_in_service = any_in_service || pictures.back().in_service;
      any_free = any_free || (pictures.back().in_service && pictures.back().next_free <= now);
    }
  };
  if (by_deadline) {
    note_plan_inputs(st, now);
    look();
  }
  // Under the override, fresh tasks all get the same answer: once one must wait, the others
  // need not ask. Under the rule each waiting task lengthens a queue, so each asks.
  bool fresh_blocked = false;
  std::vector<std::pair<std::uint64_t, routing::decision>> failures;
  while (st.in_flight < st.cfg.routing.max_in_flight && !st.job_order.empty()) {
    bool dispatched = false;
    auto n = st.job_order.size();
    auto first = rr_start(st);
    for (std::size_t k = 0; k < n && !dispatched; ++k) {
      auto ji = (first + k) % n;
      auto& job = st.jobs.at(st.job_order[ji]);
      const auto kind = job.info->request().kind == job_kind::scheduled ? deadline::work::scheduled
                                                                         : deadline::work::interactive;
      for (auto tid : job.pending) {
        auto& t = st.tasks.at(tid);
        if (t.pump_gen == st.pump_gen || !needs_calls(job, t))
          continue;
        bool fresh = t.route.fresh();
        if (fresh && fresh_blocked)
          continue;
        const bool new_deadline = t.route.deadline == 0;
        if (new_deadline) {
          // Under the rule a task fails only task_deadline_ms after it was due (a big batch
          // queues some tasks for longer than that), and scheduled work at its window's end.
          if (!by_deadline)
            t.route.deadline = now + task_deadline;
          else if (kind == deadline::work::scheduled && job.info->request().deadline_ms > 0)
            t.route.deadline = job_deadline(self, job, now);
          else
            t.route.deadline = std::max(now, job_deadline(self, job, now)) + task_deadline;
        }
        // Nothing can be dispatched before a provider frees up (a tick or a view change
        // comes then): a fresh task can only fail, at its deadline.
        if (!any_free && any_in_service && fresh && now < t.route.deadline) {
          t.pump_gen = st.pump_gen;
          if (new_deadline)
            schedule_tick(self, t.route.deadline);
          continue;
        }
        auto d = by_deadline ? routing::choose_by_deadline(st.views, pictures, now, t.route,
                                                           job_deadline(self, job, now), kind,
                                                           queued)
                             : routing::choose(st.views, now, t.route, max_wait);
        if (d.what == routing::action::dispatch) {
          dispatch(self, t, st.provider_index.at(d.provider));
          st.last_served = job.info->id();
          dispatched = true;
          if (by_deadline)
            look();
          break;
        }
        t.pump_gen = st.pump_gen;
        if (d.what == routing::action::wait) {
          // Without a known time the wait ends with a view change, or at the deadline.
          schedule_tick(self, d.until > now ? d.until : t.route.deadline);
          fresh_blocked = fresh_blocked || (fresh && !by_deadline);
        } else {
          failures.emplace_back(tid, std::move(d));
        }
      }
    }
    if (!dispatched)
      break;
  }
  if (by_deadline && !any_free)
    for (const auto& p : pictures)
      if (p.in_service && p.next_free > now + 1)
        schedule_tick(self, p.next_free);
  for (auto& [tid, d] : failures) {
    auto it = st.tasks.find(tid);
    if (it == st.tasks.end())
      continue;
    // A vote still in flight decides the task when it lands (on_outcome pumps again):
    // failing now would throw that answer away.
    if (it->second.calls > 0 || it->second.archiving)
      continue;
    // An ensemble that cannot reach min_votes keeps the votes it has: a good example is
    // not thrown away because a second provider is down.
    if (!it->second.candidates.empty())
      finalize_short_of_votes(self, it->second, d.reasons);
    else
      fail_task(self, tid, d.error, d.reasons);
  }
}

} // namespace zega::sched
