// Reload: the scheduler takes a new configuration and provider set while it runs. Calls in
// flight are answered by the actors that took them; queued tasks route again.

#include "actors/scheduler_parts.hpp"

namespace zega::sched {

void adopt_providers(self_ptr self, std::optional<provider_entries> entries) {
  auto& st = self->state;
  std::map<std::string, int> calls_by_name;
  std::set<caf::actor_addr> known;
  if (entries) {
    for (std::size_t i = 0; i < st.deps.providers.size(); ++i) {
      calls_by_name[st.deps.providers[i].first.name] = st.calls_out[i];
      known.insert(st.deps.providers[i].second.address());
    }
    st.deps.providers = std::move(*entries);
  }
  std::vector<provider_view> old_views = std::move(st.views);
  st.views.clear();
  st.calls_out.clear();
  st.provider_index.clear();
  st.fixed_order.clear();
  for (std::size_t i = 0; i < st.deps.providers.size(); ++i) {
    const auto& [pc, handle] = st.deps.providers[i];
    const bool kept = known.count(handle.address()) != 0;
    provider_view v;
    v.name = pc.name;
    v.model = pc.model;
    v.priority = pc.priority;
    v.max_in_flight = std::max(1, pc.limits.max_in_flight);
    v.state = pc.enabled ? provider_state::available : provider_state::disabled;
    v.reason = pc.disabled_reason;
    // A kept actor does not send its view again unless it changes: keep the last one.
    if (kept)
      for (const auto& old : old_views)
        if (old.name == pc.name)
          v = old;
    const int calls = calls_by_name.count(pc.name) != 0 ? calls_by_name[pc.name] : 0;
    v.in_flight = std::max(kept ? v.in_flight : 0, calls);
    st.views.push_back(v);
    st.calls_out.push_back(calls);
    st.provider_index[pc.name] = i;
    if (pc.enabled)
      st.fixed_order.push_back(i);
    if (!kept) {
      self->send(handle, subscribe_atom::value, avail_listener{self});
      self->monitor(handle);
    }
  }
  std::stable_sort(st.fixed_order.begin(), st.fixed_order.end(), [&](std::size_t a, std::size_t b) {
    return st.deps.providers[a].first.priority < st.deps.providers[b].first.priority;
  });
}

void apply_reload(self_ptr self, config cfg, provider_entries entries) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  adopt_providers(self, std::move(entries));
  // Cached users' near-duplicate indexes take the new bar at once, like the other quality
  // settings.
  const auto& q = st.cfg.quality;
  for (auto& [user, index] : st.near)
    if (index.threshold() != q.dedup_jaccard || index.changed_words() != q.dedup_changed_words)
      index = index.with_bar(q.dedup_jaccard, q.dedup_changed_words);
  // Waiting tasks decide again over the new set: what a removed or changed provider said
  // about them no longer holds. Tasks with calls in flight keep their route until those
  // answer. Deadlines stay.
  for (auto& [_, t] : st.tasks) {
    t.cursor = {};
    t.pump_gen = 0;
    if (t.calls == 0) {
      auto deadline = t.route.deadline;
      t.route = routing::task_route{};
      t.route.deadline = deadline;
    }
  }
  if (st.fixed_task != 0 && st.in_flight == 0)
    st.fixed_task = 0;
  int waiting = 0;
  for (const auto& id : st.job_order)
    waiting += static_cast<int>(st.jobs.at(id).pending.size());
  log::info("scheduler", "now routing over " + std::to_string(st.deps.providers.size())
                           + " provider(s); " + std::to_string(waiting) + " task(s) queued, "
                           + std::to_string(st.in_flight) + " call(s) in flight");
  pump(self);
}

} // namespace zega::sched
