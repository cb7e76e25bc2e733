// Status assembly: provider states gathered from the provider actors and the scheduler's
// own counters, as a typed status_report (net/api/views_status.cpp writes the JSON).

#include "actors/scheduler_parts.hpp"

namespace zega::sched {

// Asks every provider for its status (bounded), falling back to the local view.
void gather_status(self_ptr self, std::function<void(const status_gather&)> done) {
  auto& st = self->state;
  auto g = std::make_shared<status_gather>();
  g->got.resize(st.deps.providers.size());
  for (std::size_t i = 0; i < st.views.size(); ++i)
    g->got[i].view = st.views[i];
  g->left = st.deps.providers.size();
  if (g->left == 0) {
    done(*g);
    return;
  }
  for (std::size_t i = 0; i < st.deps.providers.size(); ++i) {
    self->request(st.deps.providers[i].second, status_timeout, status_atom::value)
      .then(
        [=](provider_status& s) mutable {
          g->got[i] = std::move(s);
          if (--g->left == 0)
            done(*g);
        },
        [=](caf::error&) mutable {
          if (--g->left == 0)
            done(*g);
        });
  }
}

std::vector<provider_status> provider_statuses(self_ptr self, const status_gather& g) {
  auto& st = self->state;
  auto now = now_ns(self);
  const std::int64_t wall_now = st.deps.wall_clock ? st.deps.wall_clock() : 0;
  std::vector<provider_status> out = g.got;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& pc = st.deps.providers[i].first;
    auto& s = out[i];
    // A provider that did not answer keeps the local view; the config fills the rest.
    if (s.kind.empty())
      s.kind = net::to_string(pc.kind);
    if (s.view.model.empty())
      s.view.model = pc.model;
    s.view.name = pc.name;
    s.view.priority = pc.priority;
    s.enabled = pc.enabled;
    s.now = now;
    s.wall_now_ms = wall_now;
    s.available = routing::free_now(s.view, now);
  }
  return out;
}

const char* run_state(const scheduler_state& st) {
  if (st.draining)
    return "draining";
  if (st.storage_full)
    return "storage_full";
  if (st.paused)
    return "paused";
  return "running";
}

int queued_tasks(const scheduler_state& st) {
  int n = 0;
  for (const auto& [_, t] : st.tasks)
    n += t.calls == 0 && !t.archiving ? 1 : 0;
  return n;
}

std::pair<int, int> job_counts(const scheduler_state& st, const sched_job& job) {
  int queued = 0;
  int calls = 0;
  for (auto tid : job.pending) {
    const auto& t = st.tasks.at(tid);
    queued += t.calls == 0 && !t.archiving ? 1 : 0;
    calls += t.calls;
  }
  return {queued, calls};
}

status_report make_report(self_ptr self, const status_gather& g) {
  auto& st = self->state;
  ensure_user(self, "default");
  status_report r;
  r.state = run_state(st);
  r.paused = st.paused || st.storage_full;
  r.paused_since_ms = r.paused ? st.paused_since_ms : 0;
  r.reason = r.paused ? st.pause_reason : std::string{};
  r.pacing = st.cfg.routing.pacing;
  r.queue_depth = queued_tasks(st);
  r.in_flight = st.in_flight;
  r.pending_archive = st.pending_archive;
  r.jobs_active = st.job_order.size();
  r.jobs_finished = st.finished_order.size();
  r.tasks_pending = st.tasks.size();
  r.providers = provider_statuses(self, g);
  r.dataset_user = "default";
  r.dataset_examples = st.dataset_size["default"];
  r.fine_tune_threshold = st.cfg.quality.fine_tune_threshold;
  r.ready_for_finetuning = ready_for_finetuning(st, "default");
  r.finetune = finetune_report_of(st);
  r.jobs_by_state = st.jobs_by_state;
  r.examples_by_quality = st.examples_by_quality;
  r.queue_wait_s = st.queue_wait_s;
  r.task_duration_s = st.task_duration_s;
  return r;
}

} // namespace zega::sched
