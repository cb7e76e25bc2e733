// Status assembly: provider states gathered from the provider actors and the scheduler's own counters, written as the operator views.

#include "actors/scheduler_parts.hpp"

namespace zega::sched {

void write_provider(json_writer& w, const provider_config& pc, const provider_status& s,
                    clock_ns now) {
  const auto& v = s.view;
  auto from_now = [&](clock_ns t) { return t > now ? (t - now) / ns_per_ms : 0; };
  bool cooling = v.state == provider_state::cooldown || v.state == provider_state::backoff
                 || v.state == provider_state::open;
  w.StartObject();
  w.Key("name");
  jstr(w, pc.name);
  w.Key("model");
  jstr(w, v.model.empty() ? pc.model : v.model);
  w.Key("kind");
  jstr(w, s.kind.empty() ? net::to_string(pc.kind) : s.kind);
  w.Key("priority");
  w.Int(pc.priority);
  w.Key("enabled");
  w.Bool(pc.enabled);
  w.Key("state");
  w.String(to_string(v.state));
  w.Key("available");
  w.Bool(routing::free_now(v, now));
  w.Key("in_flight");
  w.Int(v.in_flight);
  w.Key("max_in_flight");
  w.Int(v.max_in_flight);
  w.Key("busy_until");
  w.Int64(from_now(v.next_free));
  w.Key("cooldown_until");
  w.Int64(cooling ? from_now(v.next_free) : 0);
  w.Key("cooldown_reason");
  jstr(w, !s.cooldown_reason.empty() ? s.cooldown_reason : (cooling ? v.reason : std::string{}));
  w.Key("reason");
  jstr(w, v.reason);
  w.Key("circuit");
  jstr(w, s.circuit.empty() ? std::string{"closed"} : s.circuit);
  w.Key("broken");
  w.Bool(v.state == provider_state::broken);
  w.Key("broken_message");
  jstr(w, s.broken_message);
  w.Key("requests_today");
  w.Int64(s.requests_today);
  w.Key("tokens_today");
  w.Int64(s.tokens_today);
  w.Key("remaining_today");
  if (s.rpd > 0)
    w.Int64(std::max(0L, s.rpd - s.requests_today));
  else
    w.Null();
  w.EndObject();
}

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

std::string providers_array(self_ptr self, const status_gather& g) {
  auto& st = self->state;
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartArray();
  auto now = now_ns(self);
  for (std::size_t i = 0; i < g.got.size(); ++i)
    write_provider(w, st.deps.providers[i].first, g.got[i], now);
  w.EndArray();
  return buf.GetString();
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

std::string status_json(self_ptr self, const status_gather& g) {
  auto& st = self->state;
  ensure_user(self, "default");
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("state");
  w.String(run_state(st));
  w.Key("paused");
  w.Bool(st.paused || st.storage_full);
  w.Key("paused_since");
  if (st.paused || st.storage_full)
    w.Int64(st.paused_since_ms);
  else
    w.Null();
  w.Key("reason");
  jstr(w, st.paused || st.storage_full ? st.pause_reason : std::string{});
  w.Key("pacing");
  jstr(w, st.cfg.routing.pacing);
  w.Key("queue_depth");
  w.Int(queued_tasks(st));
  w.Key("in_flight");
  w.Int(st.in_flight);
  w.Key("pending_archive");
  w.Int(st.pending_archive);
  w.Key("jobs");
  w.StartObject();
  w.Key("active");
  w.Uint64(st.job_order.size());
  w.Key("finished");
  w.Uint64(st.finished_order.size());
  w.Key("tasks_pending");
  w.Uint64(st.tasks.size());
  w.EndObject();
  w.Key("providers");
  auto providers = providers_array(self, g);
  w.RawValue(providers.data(), providers.size(), rapidjson::kArrayType);
  w.Key("dataset");
  w.StartObject();
  w.Key("user_id");
  w.String("default");
  w.Key("examples");
  w.Int64(st.dataset_size["default"]);
  w.Key("fine_tune_threshold");
  w.Int(st.cfg.quality.fine_tune_threshold);
  w.Key("ready_for_finetuning");
  w.Bool(ready_for_finetuning(st, "default"));
  w.EndObject();
  w.Key("finetune");
  write_finetune_status(w, st);
  w.EndObject();
  return buf.GetString();
}

} // namespace zega::sched
