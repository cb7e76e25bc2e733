// The scheduler actor's message handlers. The work they start lives in the units named in
// actors/scheduler_parts.hpp: jobs, dispatch, archive round trips and status.

#include "actors/scheduler_parts.hpp"

namespace zega {

using namespace sched;

namespace {

// Pause and resume show on the live stream at once, whoever asked for them.
void publish_pause(scheduler_actor::stateful_pointer<scheduler_state> self) {
  if (!self->state.deps.hub)
    return;
  live_event e;
  e.kind = self->state.paused ? live_kind::paused : live_kind::resumed;
  caf::anon_send(self->state.deps.hub, publish_atom::value, std::move(e));
}

} // namespace

scheduler_actor::behavior_type scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
                                         config cfg, scheduler_deps deps) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.deps = std::move(deps);
  st.rng.seed(st.deps.seed);
  adopt_providers(self, {});
  // A provider actor that died (a bug, never a provider failure) must not keep its last
  // "available" view: it is taken out of routing with one operator message.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (std::size_t i = 0; i < st.deps.providers.size(); ++i) {
      if (st.deps.providers[i].second.address() != dm.source)
        continue;
      auto& v = st.views[i];
      v.state = provider_state::disabled;
      v.in_flight = 0;
      v.reason = "provider actor stopped: " + self->system().render(dm.reason);
      log::error("scheduler", v.name + ": " + v.reason + "; restart zegad");
      pump(self);
    }
  });
  load_persisted(self);
  pump(self);
  return {
    [=](submit_atom, job_request& req) -> caf::result<std::string> {
      return submit(self, std::move(req), nullptr);
    },
    [=](submit_atom, job_request& req, job_sink_ptr& sink) -> caf::result<std::string> {
      return submit(self, std::move(req), std::move(sink));
    },
    [=](subscribe_atom, const std::string& job_id, std::uint64_t last_event_id, job_sink_ptr sink) {
      attach_sink(self, job_id, last_event_id, std::move(sink));
    },
    [=](cancel_atom, const std::string& job_id) -> caf::result<cancel_report> {
      auto& st = self->state;
      auto it = st.jobs.find(job_id);
      if (it == st.jobs.end())
        return make_error(ec::unknown_job, "unknown job \"" + job_id + "\"");
      auto& job = it->second;
      cancel_report r;
      r.job_id = job_id;
      r.dropped = cancel_job(self, job);
      r.in_flight = job_counts(st, job).second;
      r.state = job.info->finished() ? job.info->state() : std::string{"cancelling"};
      return r;
    },
    [=](jobs_atom) -> jobs_report {
      auto& st = self->state;
      jobs_report r;
      auto add = [&](const std::string& id) {
        auto& job = st.jobs.at(id);
        auto [queued, calls] = job_counts(st, job);
        r.jobs.push_back(job.info->brief(queued, calls));
      };
      for (const auto& id : st.job_order)
        add(id);
      for (auto it = st.finished_order.rbegin(); it != st.finished_order.rend(); ++it)
        add(*it);
      return r;
    },
    [=](job_atom, const std::string& job_id) -> caf::result<jobs::job_summary> {
      auto& st = self->state;
      auto it = st.jobs.find(job_id);
      if (it == st.jobs.end())
        return make_error(ec::unknown_job, "unknown job \"" + job_id + "\"");
      return summary_copy(self, it->second);
    },
    [=](pause_atom) -> caf::result<pause_report> {
      auto& st = self->state;
      if (!st.paused) {
        st.paused = true;
        if (st.paused_since_ms == 0)
          st.paused_since_ms = wall_ms(self);
        if (!st.storage_full)
          st.pause_reason = "paused by operator";
      }
      publish_pause(self);
      return persist_pause(self);
    },
    [=](resume_atom) -> caf::result<pause_report> {
      auto& st = self->state;
      st.paused = false;
      st.storage_full = false;
      st.paused_since_ms = 0;
      st.pause_reason.clear();
      // Time spent paused does not count against a task's deadline.
      for (auto& [_, t] : st.tasks)
        t.route.deadline = 0;
      retry_held(self);
      publish_pause(self);
      auto rp = persist_pause(self);
      pump(self);
      return rp;
    },
    [=](status_atom) -> caf::result<status_report> {
      auto rp = self->make_response_promise<status_report>();
      gather_status(self, [=](const status_gather& g) mutable { rp.deliver(make_report(self, g)); });
      return rp;
    },
    [=](providers_atom) -> caf::result<status_report> {
      auto rp = self->make_response_promise<status_report>();
      gather_status(self, [=](const status_gather& g) mutable {
        status_report r;
        r.providers = provider_statuses(self, g);
        rp.deliver(std::move(r));
      });
      return rp;
    },
    [=](probe_atom, const std::string& name) -> caf::result<probe_report> {
      auto& st = self->state;
      auto it = st.provider_index.find(name);
      if (it == st.provider_index.end())
        return make_error(ec::unknown_provider, "unknown provider \"" + name + "\"");
      const auto& [pc, handle] = st.deps.providers[it->second];
      gen_task g;
      g.probe = true;
      g.params.prompt = "Reply with the single word OK.";
      g.params.max_tokens = 16;
      g.params.temperature = 0;
      auto rp = self->make_response_promise<probe_report>();
      auto model = pc.model;
      auto timeout = std::chrono::milliseconds(pc.timeouts.total_ms + provider_reply_slack_ms);
      self->request(handle, timeout, generate_atom::value, g)
        .then(
          [=](const gen_outcome& o) mutable {
            probe_report r;
            r.provider = name;
            r.model = o.model.empty() ? model : o.model;
            r.latency_ms = o.latency_us / 1000;
            auto now = now_ns(self);
            r.busy_for_ms = o.busy_until > now ? (o.busy_until - now) / ns_per_ms : 0;
            r.result = o.result;
            rp.deliver(std::move(r));
          },
          [=](caf::error& e) mutable {
            rp.deliver(make_error(ec::provider_timeout, name + ": " + self->system().render(e)));
          });
      return rp;
    },
    [=](finetune_atom, const std::string& user) -> caf::result<training::finetune_outcome> {
      auto rp = self->make_response_promise<training::finetune_outcome>();
      start_finetune(self, user, rp);
      return rp;
    },
    [=](userstats_atom, const std::string& user, const user_stats_load& load) {
      training_loaded(self, user, load);
    },
    [=](finetune_atom, const std::string& user, store::finetune_plan& plan) {
      finetune_planned(self, user, std::move(plan));
    },
    [=](finetune_atom, const std::string& user, const net::http_result& r) {
      finetune_created(self, user, r);
    },
    [=](finetune_atom, const std::string& user, int exit_status, const std::string& log_tail) {
      command_ended(self, user, exit_status, log_tail);
    },
    [=](drain_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.draining = true;
      auto rp = self->make_response_promise<bool>();
      st.drain_waiters.push_back(rp);
      check_drain(self);
      return rp;
    },
    [=](avail_atom, const provider_view& v) {
      auto& st = self->state;
      auto it = st.provider_index.find(v.name);
      if (it == st.provider_index.end())
        return;
      // A view sent before our latest call reached the provider must not hide that call.
      auto& local = st.views[it->second];
      local = v;
      local.in_flight = std::max(v.in_flight, st.calls_out[it->second]);
      pump(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = now_ns(self);
      st.timers.erase(st.timers.begin(), st.timers.upper_bound(now));
      if (st.held_retry_at != 0 && st.held_retry_at <= now)
        retry_held(self);
      auto hb = static_cast<clock_ns>(st.cfg.server.heartbeat_ms) * ns_per_ms;
      for (const auto& id : st.job_order) {
        auto& job = st.jobs.at(id);
        if (job.sinks.empty() || hb <= 0)
          continue;
        if (job.last_push + hb <= now) {
          job_event beat;
          beat.kind = job_event_kind::heartbeat;
          beat.job_id = id;
          auto& sinks = job.sinks;
          sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                                     [&](const job_sink_ptr& s) { return !s->push(0, beat); }),
                      sinks.end());
          job.last_push = now;
        }
        if (!job.sinks.empty())
          schedule_tick(self, job.last_push + hb);
      }
      pump(self);
    },
    [=](reload_atom, config& cfg, provider_entries& entries) -> bool {
      apply_reload(self, std::move(cfg), std::move(entries));
      return true;
    },
    [=](reset_atom, const std::string& name) -> caf::result<provider_status> {
      auto& st = self->state;
      auto it = st.provider_index.find(name);
      if (it == st.provider_index.end())
        return make_error(ec::unknown_provider, "unknown provider \"" + name + "\"");
      auto rp = self->make_response_promise<provider_status>();
      self->request(st.deps.providers[it->second].second, status_timeout, reset_atom::value)
        .then([=](const provider_status& s) mutable { rp.deliver(s); },
              [=](caf::error& e) mutable {
                rp.deliver(make_error(ec::provider_timeout,
                                      name + ": " + self->system().render(e)));
              });
      return rp;
    },
  };
}

} // namespace zega
