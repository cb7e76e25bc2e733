// Job bookkeeping: the state machine from queued to completed, results and summaries, job events, resume of interrupted jobs and job ids.

#include "actors/scheduler_parts.hpp"

#include <cstdio>

namespace zega::sched {

std::vector<std::string> users_to_evict(const std::map<std::string, std::uint64_t>& last_use,
                                        const std::set<std::string>& busy, std::size_t cap) {
  std::vector<std::pair<std::uint64_t, std::string>> idle;
  for (const auto& [user, used] : last_use)
    if (busy.count(user) == 0)
      idle.emplace_back(used, user);
  std::sort(idle.begin(), idle.end());
  std::vector<std::string> out;
  for (std::size_t left = last_use.size(); left > cap && out.size() < idle.size(); --left)
    out.push_back(idle[out.size()].second);
  return out;
}

void ensure_user(self_ptr self, const std::string& user) {
  auto& st = self->state;
  st.user_last_use[user] = ++st.user_uses;
  ensure_training(self, user);
  if (st.dataset_size.count(user) != 0)
    return;
  st.dataset_size[user] = st.deps.db ? static_cast<long>(st.deps.db->count_examples(user)) : 0;
  auto& near = st.near.emplace(user, training::minhash_index(st.cfg.quality.dedup_jaccard,
                                                                st.cfg.quality.dedup_changed_words)).first->second;
  auto& history = st.premises.emplace(user, training::premise_history(static_cast<std::size_t>(
                                              std::max(1, st.cfg.prompts.no_repeat_within))))
                    .first->second;
  if (st.deps.db) {
    auto pre = st.deps.preloaded_minhashes.find(user);
    const auto signatures = pre != st.deps.preloaded_minhashes.end()
                              ? std::move(pre->second)
                              : st.deps.db->minhashes(user);
    if (pre != st.deps.preloaded_minhashes.end())
      st.deps.preloaded_minhashes.erase(pre); // used once: a later reload reads the store
    for (const auto& [id, bytes] : signatures)
      if (auto sig = training::minhash_signature::from_bytes(bytes))
        near.add(id, *sig);
    if (auto bytes = st.deps.db->get_meta(premise_meta_key(user))) {
      std::string error;
      if (auto h = training::premise_history::from_bytes(*bytes, error)) {
        history = std::move(*h);
        history.set_window(static_cast<std::size_t>(std::max(1, st.cfg.prompts.no_repeat_within)));
      } else {
        log::warn("scheduler", "premise history of user " + user + " unreadable, starting afresh: " + error);
      }
    }
  }
  // Users with unfinished jobs stay: their uncommitted work is only in this cache.
  std::set<std::string> busy{user};
  for (const auto& id : st.job_order)
    busy.insert(st.jobs.at(id).info->request().user_id);
  for (const auto& gone : users_to_evict(st.user_last_use, busy, st.deps.max_cached_users)) {
    st.user_last_use.erase(gone);
    st.dataset_size.erase(gone);
    st.near.erase(gone);
    st.premises.erase(gone);
    st.training.erase(gone);
  }
}

// ZEGA's rule: ready once the user holds a round's worth of training examples.
bool ready_for_finetuning(const scheduler_state& st, const std::string& user) {
  auto stats = training_stats_of(st, user);
  return stats && stats->training_examples
                    >= static_cast<std::size_t>(std::max(1, st.cfg.finetune.threshold));
}

void publish_live(self_ptr self, const sched_job& job) {
  auto& st = self->state;
  if (!st.deps.hub)
    return;
  const auto& info = *job.info;
  live_event e;
  e.kind = live_kind::job;
  auto& p = e.job;
  p.job_id = info.id();
  p.user_id = info.request().user_id;
  p.state = info.state();
  p.total = info.requested();
  p.current = info.done();
  p.successful = info.successful();
  p.failed = info.failed();
  if (const auto* latest = info.latest()) {
    if (latest->success)
      p.latest_quality = latest->quality;
    p.current_genre = latest->genre;
  }
  p.best_model = info.best_model();
  caf::anon_send(st.deps.hub, publish_atom::value, std::move(e));
}

void emit(self_ptr self, sched_job& job, job_event e) {
  publish_live(self, job);
  auto id = job.info->add_event(std::move(e));
  const auto& logged = job.info->events().back().second;
  job.last_push = now_ns(self);
  auto& sinks = job.sinks;
  sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                             [&](const job_sink_ptr& s) { return !s->push(id, logged); }),
              sinks.end());
}

double elapsed_s(self_ptr self, const sched_job& job) {
  auto end = job.finished_at != 0 ? job.finished_at : now_ns(self);
  return static_cast<double>(end - job.started_at) / 1e9;
}

jobs::job_summary summary_copy(self_ptr self, const sched_job& job) {
  const auto& user = job.info->request().user_id;
  jobs::job_summary s{*job.info, elapsed_s(self, job), ready_for_finetuning(self->state, user),
                      training_stats_of(self->state, user)};
  s.info.drop_events();
  return s;
}

// "job j-... completed: 18 ok, 2 failed of 20 in 34.2 s; providers: groq 12, ollama 6"
std::string end_line(self_ptr self, const sched_job& job) {
  const auto& info = *job.info;
  std::map<std::string, int> served;
  for (const auto& r : info.results())
    if (r.success)
      ++served[r.provider];
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", elapsed_s(self, job));
  std::string line = "job " + info.id() + " " + info.state() + ": "
                     + std::to_string(info.successful()) + " ok, "
                     + std::to_string(info.failed()) + " failed of "
                     + std::to_string(info.requested()) + " in " + secs + " s; providers: ";
  if (served.empty())
    line += "none";
  for (auto it = served.begin(); it != served.end(); ++it)
    line += (it == served.begin() ? "" : ", ") + it->first + " " + std::to_string(it->second);
  if (info.duplicates() > 0)
    line += "; " + std::to_string(info.duplicates()) + " near-duplicate(s) rejected";
  return line;
}

void maybe_finish_job(self_ptr self, const std::string& job_id) {
  auto& st = self->state;
  auto it = st.jobs.find(job_id);
  if (it == st.jobs.end())
    return;
  auto& job = it->second;
  if (job.info->finished() || !job.pending.empty())
    return;
  job.info->set_state(job.cancel_requested ? "cancelled" : "completed");
  job.finished_at = now_ns(self);
  (job.info->failed() > 0 ? log::warn : log::info)("scheduler", end_line(self, job));
  // The result goes out once the finished job record is committed, so a client that reads
  // /history right after its answer sees the job as it was reported.
  upsert_job(self, job,
             [self, job_id](const store::commit_result&) { publish_completion(self, job_id); });
}

void publish_completion(self_ptr self, const std::string& job_id) {
  auto& st = self->state;
  auto it = st.jobs.find(job_id);
  if (it == st.jobs.end())
    return;
  auto& job = it->second;
  // The result carries the user's training_stats: it waits for their read (milliseconds).
  auto training = st.training.find(job.info->request().user_id);
  if (training != st.training.end() && !training->second.loaded) {
    training->second.waiting_jobs.push_back(job_id);
    return;
  }
  job_event done;
  done.kind = job_event_kind::complete;
  done.job_id = job_id;
  done.summary = std::make_shared<const jobs::job_summary>(summary_copy(self, job));
  emit(self, job, std::move(done));
  job.completion_published = true;
  ++st.jobs_by_state[job.info->state()];
  for (auto& s : job.sinks)
    s->close();
  job.sinks.clear();
  st.job_order.erase(std::remove(st.job_order.begin(), st.job_order.end(), job_id),
                     st.job_order.end());
  st.finished_order.push_back(job_id);
  st.finished_bytes += job.info->memory_bytes();
  while (st.finished_order.size() > 1 && st.finished_bytes > st.cfg.storage.finished_jobs_max_bytes) {
    auto& oldest = st.jobs.at(st.finished_order.front());
    st.finished_bytes -= std::min(st.finished_bytes, oldest.info->memory_bytes());
    st.jobs.erase(st.finished_order.front());
    st.finished_order.pop_front();
  }
}

void remove_task(self_ptr self, std::uint64_t tid) {
  auto& st = self->state;
  auto it = st.tasks.find(tid);
  if (it == st.tasks.end())
    return;
  auto job_id = it->second.job_id;
  st.task_duration_s.observe(static_cast<double>(now_ns(self) - it->second.created_at) / 1e9);
  st.tasks.erase(it);
  if (st.fixed_task == tid)
    st.fixed_task = 0;
  auto job = st.jobs.find(job_id);
  if (job == st.jobs.end())
    return;
  auto& pending = job->second.pending;
  pending.erase(std::remove(pending.begin(), pending.end(), tid), pending.end());
  maybe_finish_job(self, job_id);
}

std::string premise_meta_key(const std::string& user) {
  return "premises/" + user;
}

void set_spec(scheduler_state& st, sched_task& t, const sched_job& job) {
  const auto& req = job.info->request();
  std::vector<std::string> genres;
  for (const auto& g : req.genres)
    genres.push_back(training::find_genre(g)->name);
  std::vector<training::element> elements;
  for (const auto& e : req.elements)
    elements.push_back(*training::element_from_string(e));
  // A duplicate retry draws a different topic/style for the same position.
  auto seed = job.info->seed() + static_cast<std::uint64_t>(t.dup_retries) * 0x9E3779B97F4A7C15ull;
  auto& history = st.premises.at(req.user_id);
  t.spec = training::draw_task(seed, t.seq, genres, elements, history, st.deps.topics.get());
  t.prompt = training::build_prompt(t.spec);
}

// `recorded` hears how the job's first record was archived.
void start_job(self_ptr self, const std::string& id, const job_request& req, std::uint64_t seed,
               const std::vector<jobs::example_result>& done, commit_callback recorded) {
  auto& st = self->state;
  ensure_user(self, req.user_id);
  auto& job = st.jobs[id];
  auto before = st.dataset_size[req.user_id] - static_cast<long>(done.size());
  job.info = std::make_unique<jobs::job>(id, req, seed, wall_ms(self),
                                         static_cast<int>(std::max(0L, before)));
  job.started_at = now_ns(self);
  job.last_push = job.started_at;
  std::set<std::uint64_t> done_seqs;
  for (const auto& r : done) {
    done_seqs.insert(r.task_seq);
    job.info->add(r);
  }
  for (std::uint64_t seq = 0; seq < static_cast<std::uint64_t>(req.num_examples); ++seq) {
    if (done_seqs.count(seq) != 0)
      continue;
    auto tid = st.next_task_id++;
    auto& t = st.tasks[tid];
    t.id = tid;
    t.job_id = id;
    t.seq = seq;
    t.created_at = job.started_at;
    set_spec(st, t, job);
    job.pending.push_back(tid);
  }
  job.info->set_state("running");
  ++st.jobs_by_state["started"];
  publish_live(self, job);
  st.job_order.push_back(id);
  upsert_job(self, job, std::move(recorded));
  maybe_finish_job(self, id);
}

jobs::example_result result_base(const sched_task& t) {
  jobs::example_result r;
  r.task_seq = t.seq;
  r.genre = t.spec.genre;
  r.element = training::to_string(t.spec.el);
  r.topic = t.spec.topic;
  r.prompt = t.prompt.user;
  return r;
}

void fail_task(self_ptr self, std::uint64_t tid, const std::string& error,
               std::vector<std::pair<std::string, std::string>> reasons) {
  auto& st = self->state;
  auto& t = st.tasks.at(tid);
  auto& job = st.jobs.at(t.job_id);
  auto r = result_base(t);
  r.error = error;
  r.provider_errors = std::move(reasons);
  job.info->add(std::move(r));
  store::write_batch b;
  b.attempts = t.attempts;
  b.jobs.push_back(job.info->record(0, false));
  send_batch(self, 0, std::move(b));
  emit(self, job, job.info->progress_event());
  remove_task(self, tid);
}

// The task's winning candidate as a job result (its story id is known after the commit).
jobs::example_result success_result(const sched_task& t) {
  const auto& best = t.candidates.front();
  auto res = result_base(t);
  res.success = true;
  res.output = best.output;
  res.quality = best.quality;
  res.in_memory = best.in_memory;
  res.in_library = best.in_library;
  res.provider = best.provider;
  res.model = best.model;
  res.candidates = best.candidates;
  res.provider_errors = t.missing_votes;
  return res;
}

void load_persisted(self_ptr self) {
  auto& st = self->state;
  const auto* db = st.deps.db;
  if (db == nullptr)
    return;
  if (auto meta = db->get_meta("paused")) {
    rapidjson::Document d;
    d.Parse(meta->c_str(), meta->size());
    if (!d.HasParseError() && d.IsObject() && d.HasMember("paused") && d["paused"].IsBool()
        && d["paused"].GetBool()) {
      st.paused = true;
      st.pause_reason = "paused by operator";
      if (d.HasMember("since_ms") && d["since_ms"].IsInt64())
        st.paused_since_ms = d["since_ms"].GetInt64();
    }
  }
  for (auto& rec : db->unfinished_jobs()) {
    job_request req;
    std::uint64_t seed = 0;
    // A stored request is validated again: a genre renamed by an upgrade must mark the job
    // interrupted, not crash every start.
    if (st.cfg.storage.on_interrupted == "resume" && jobs::request_from_json(rec.request_json, req, seed)
        && jobs::validate(req, std::numeric_limits<int>::max()).ok()) {
      std::vector<jobs::example_result> done;
      store::example_filter f;
      f.job_id = rec.id;
      db->for_each_example(f, [&](const store::example_record& ex) {
        jobs::example_result r;
        r.success = true;
        r.task_seq = ex.task_seq;
        r.genre = ex.genre;
        r.element = ex.element;
        r.topic = ex.topic;
        r.prompt = ex.prompt;
        r.output = ex.output;
        r.quality = ex.quality;
        r.in_memory = ex.in_memory;
        r.in_library = ex.in_library;
        r.story_id = ex.id;
        r.provider = ex.provider;
        r.model = ex.model;
        r.candidates = ex.candidates;
        done.push_back(std::move(r));
        return true;
      });
      log::info("scheduler", "resuming job " + rec.id + ": " + std::to_string(done.size())
                               + " of " + std::to_string(req.num_examples) + " already archived");
      start_job(self, rec.id, req, seed, done);
    } else {
      rec.state = "interrupted";
      rec.completed_ms = wall_ms(self);
      store::write_batch b;
      b.jobs.push_back(rec);
      send_batch(self, 0, std::move(b));
    }
  }
}

// Drops a job's queued tasks (in-flight calls finish and are kept); returns how many.
int cancel_job(self_ptr self, sched_job& job) {
  auto& st = self->state;
  if (job.info->finished())
    return 0;
  job.cancel_requested = true;
  std::vector<std::uint64_t> drop;
  for (auto tid : job.pending) {
    const auto& t = st.tasks.at(tid);
    if (t.calls == 0 && !t.archiving)
      drop.push_back(tid);
  }
  for (auto tid : drop)
    remove_task(self, tid);
  return static_cast<int>(drop.size());
}

// "j-<start ms>-<counter>", both fixed-width base 36, so ids (the archive's job keys)
// sort by start time and GET /history can list the newest first.
std::string make_job_id(self_ptr self) {
  auto base36 = [](std::uint64_t v, std::size_t width) {
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string out(width, '0');
    for (std::size_t i = width; i-- > 0 && v != 0; v /= 36)
      out[i] = digits[v % 36];
    return out;
  };
  auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, wall_ms(self)));
  return "j-" + base36(ms, 9) + "-" + base36(++self->state.job_counter % (36 * 36 * 36 * 36), 4);
}

// Streams a job's events into `sink`, replaying those after `last_event_id`; an unknown job
// gets one error event.
void attach_sink(self_ptr self, const std::string& job_id, std::uint64_t last_event_id,
             job_sink_ptr sink) {
  auto& st = self->state;
  auto it = st.jobs.find(job_id);
  if (it == st.jobs.end()) {
    job_event refused;
    refused.kind = job_event_kind::error;
    refused.job_id = job_id;
    refused.error = ec::unknown_job;
    refused.message = "unknown job \"" + job_id + "\"";
    sink->push(0, refused);
    sink->close();
    return;
  }
  auto& job = it->second;
  sink->open();
  for (const auto& [id, e] : job.info->events())
    if (id > last_event_id && !sink->push(id, e))
      return;
  if (job.completion_published) {
    sink->close();
    return;
  }
  job.sinks.push_back(std::move(sink));
  schedule_tick(self, now_ns(self) + static_cast<clock_ns>(st.cfg.server.heartbeat_ms) * ns_per_ms);
}

// Creates a job from a request (HTTP or planner). The job id is answered once the job's
// record is durable; `sink` (may be null) is attached at that moment, so a client submits
// and follows a job with one message.
caf::result<std::string> submit(self_ptr self, job_request req, job_sink_ptr sink) {
  auto& st = self->state;
  if (st.draining)
    return make_error(ec::shutting_down, "the daemon is shutting down");
  auto v = jobs::validate(req, enabled_providers(st));
  if (!v.ok())
    return make_error(ec::invalid_request, v.message);
  if (st.tasks.size() + static_cast<std::size_t>(req.num_examples)
      > static_cast<std::size_t>(st.cfg.routing.queue_limit))
    return make_error(ec::queue_full, "queue full: " + std::to_string(st.tasks.size())
                                        + " tasks queued (limit "
                                        + std::to_string(st.cfg.routing.queue_limit) + ")");
  if (st.storage_full)
    return make_error(ec::storage_full, st.pause_reason + " (no job was created)");
  auto job_id = make_job_id(self);
  // "Acknowledged" means "durable": the job id goes out once the job's record is
  // committed, so a crash right after the answer cannot lose the job. A record that
  // could not be written withdraws the job and the client hears why.
  auto rp = self->make_response_promise<std::string>();
  start_job(self, job_id, req, st.rng(), {},
            [self, rp, job_id, sink](const store::commit_result& r) mutable {
              if (r.status != store::commit_status::ok) {
                auto it = self->state.jobs.find(job_id);
                if (it != self->state.jobs.end())
                  cancel_job(self, it->second);
                rp.deliver(make_error(ec::storage_error, "the job could not be saved: " + r.message));
                return;
              }
              if (sink)
                attach_sink(self, job_id, 0, sink);
              if (auto it = self->state.jobs.find(job_id); it != self->state.jobs.end()) {
                const auto& q = it->second.info->request();
                log::info("scheduler", "job " + job_id + " started: "
                                         + std::to_string(q.num_examples)
                                         + " example(s) for user " + q.user_id
                                         + (q.kind == job_kind::scheduled ? " (scheduled)"
                                                                          : " (interactive)"));
              }
              rp.deliver(job_id);
            });
  pump(self);
  return rp;
}

} // namespace zega::sched
