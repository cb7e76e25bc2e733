#include "actors/scheduler.hpp"

#include "training/dedup.hpp"
#include "training/quality.hpp"

#include <caf/all.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <limits>
#include <chrono>
#include <functional>
#include <iostream>

namespace zega {

namespace {

using self_ptr = scheduler_actor::stateful_pointer<scheduler_state>;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr clock_ns ns_per_ms = 1'000'000;
// A task whose outputs keep landing next to existing examples gets this many new topics.
constexpr int max_duplicate_retries = 3;
constexpr auto archive_timeout = std::chrono::seconds(60);
constexpr auto status_timeout = std::chrono::seconds(2);
// The provider enforces its own call deadline; this only catches a provider that vanished.
constexpr int provider_reply_slack_ms = 10000;
constexpr clock_ns busy_retry_ns = 100'000'000;

clock_ns now_ns(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

std::int64_t wall_ms(self_ptr self) {
  return self->state.deps.wall_clock ? self->state.deps.wall_clock() : 0;
}

void jstr(json_writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

bool fixed_mode(const scheduler_state& st) {
  return st.cfg.routing.pacing == "fixed";
}

int enabled_providers(const scheduler_state& st) {
  int n = 0;
  for (const auto& [pc, _] : st.deps.providers)
    n += pc.enabled ? 1 : 0;
  return n;
}

void schedule_tick(self_ptr self, clock_ns at) {
  auto now = now_ns(self);
  at = std::max(at, now);
  if (!self->state.timers.insert(at).second)
    return;
  self->delayed_send(self, std::chrono::nanoseconds(at - now), tick_atom::value);
}

void ensure_user(self_ptr self, const std::string& user) {
  auto& st = self->state;
  if (st.dataset_size.count(user) != 0)
    return;
  st.dataset_size[user] = st.deps.db ? static_cast<long>(st.deps.db->count_examples(user)) : 0;
  auto& fps = st.fingerprints[user];
  if (st.deps.db)
    for (auto fp : st.deps.db->fingerprints(user))
      fps.add(fp);
}

bool ready_for_finetuning(const scheduler_state& st, const std::string& user) {
  auto it = st.dataset_size.find(user);
  return it != st.dataset_size.end() && it->second >= st.cfg.quality.fine_tune_threshold;
}

bool needs_calls(const sched_job& job, const sched_task& t) {
  if (job.cancel_requested || t.archiving)
    return false;
  auto votes = job.info->request().min_votes;
  return static_cast<int>(t.candidates.size()) + t.calls < votes;
}

using commit_callback = std::function<void(const store::commit_result&)>;
void upsert_job(self_ptr self, const sched_job& job, commit_callback done = {});

void check_drain(self_ptr self) {
  auto& st = self->state;
  if (!st.draining || st.in_flight != 0 || st.pending_archive != 0)
    return;
  // Once the last call is archived, the unfinished jobs' records are brought up to date so
  // the archive agrees with itself while the daemon is down; the next start resumes them.
  if (!st.drain_jobs_saved) {
    st.drain_jobs_saved = true;
    for (const auto& id : st.job_order)
      upsert_job(self, st.jobs.at(id));
    if (st.pending_archive != 0)
      return;
  }
  for (auto& rp : st.drain_waiters)
    rp.deliver(true);
  st.drain_waiters.clear();
}

void emit(self_ptr self, sched_job& job, std::string json) {
  auto id = job.info->add_event(json);
  job.last_push = now_ns(self);
  auto& sinks = job.sinks;
  sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                             [&](const job_sink_ptr& s) { return !s->push(id, json); }),
              sinks.end());
}

double elapsed_s(self_ptr self, const sched_job& job) {
  auto end = job.finished_at != 0 ? job.finished_at : now_ns(self);
  return static_cast<double>(end - job.started_at) / 1e9;
}

std::string summary_of(self_ptr self, const sched_job& job) {
  return job.info->summary_json(elapsed_s(self, job),
                                ready_for_finetuning(self->state, job.info->request().user_id));
}

// --- archiving ---------------------------------------------------------------------------

void enter_storage_full(self_ptr self, const std::string& message) {
  auto& st = self->state;
  if (!st.storage_full)
    std::cerr << "[scheduler] storage full, dispatch paused: " << message << "\n";
  st.storage_full = true;
  st.pause_reason = "storage full: " + message;
  if (st.paused_since_ms == 0)
    st.paused_since_ms = wall_ms(self);
}

void finish_archived_example(self_ptr self, std::uint64_t tid, const store::commit_result& r);
void fail_task(self_ptr self, std::uint64_t tid, const std::string& error,
               std::vector<std::pair<std::string, std::string>> reasons);

// Sends a batch; `tid` (0 = none) is the task whose example waits for this commit; `done`
// is called with the archiver's answer, whatever it was.
void send_batch(self_ptr self, std::uint64_t tid, store::write_batch batch,
                commit_callback done = {}) {
  auto& st = self->state;
  ++st.pending_archive;
  self->request(st.deps.archiver, archive_timeout, archive_atom::value, batch)
    .then(
      [=](const store::commit_result& r) {
        auto& st = self->state;
        --st.pending_archive;
        if (r.status == store::commit_status::storage_full) {
          enter_storage_full(self, r.message);
          st.held_batches.emplace_back(tid, batch);
        } else if (tid != 0) {
          finish_archived_example(self, tid, r);
        } else if (r.status != store::commit_status::ok) {
          std::cerr << "[scheduler] archive failed: " << r.message << "\n";
        }
        if (done)
          done(r);
        check_drain(self);
      },
      [=](caf::error& e) {
        auto& st = self->state;
        --st.pending_archive;
        store::commit_result r;
        r.status = store::commit_status::failed;
        r.message = "archiver did not answer: " + self->system().render(e);
        if (tid != 0)
          finish_archived_example(self, tid, r);
        else
          std::cerr << "[scheduler] " << r.message << "\n";
        if (done)
          done(r);
        check_drain(self);
      });
}

void upsert_job(self_ptr self, const sched_job& job, commit_callback done) {
  store::write_batch b;
  b.jobs.push_back(job.info->record(job.info->finished() ? wall_ms(self) : 0,
                                    ready_for_finetuning(self->state, job.info->request().user_id)));
  send_batch(self, 0, std::move(b), std::move(done));
}

// --- job lifecycle -------------------------------------------------------------------------

void publish_completion(self_ptr self, const std::string& job_id);

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
  emit(self, job,
       R"({"type":"complete","job_id":")" + job_id + R"(","result":)" + summary_of(self, job) + "}");
  job.completion_published = true;
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

void set_spec(sched_task& t, const sched_job& job) {
  const auto& req = job.info->request();
  std::vector<std::string> genres;
  for (const auto& g : req.genres)
    genres.push_back(training::find_genre(g)->name);
  std::vector<training::element> elements;
  for (const auto& e : req.elements)
    elements.push_back(*training::element_from_string(e));
  // A duplicate retry draws a different topic/style for the same position.
  auto seed = job.info->seed() + static_cast<std::uint64_t>(t.dup_retries) * 0x9E3779B97F4A7C15ull;
  t.spec = training::pick_task(seed, t.seq, genres, elements);
  t.prompt = training::build_prompt(t.spec);
}

// `recorded` hears how the job's first record was archived.
void start_job(self_ptr self, const std::string& id, const job_request& req, std::uint64_t seed,
               const std::vector<jobs::example_result>& done, commit_callback recorded = {}) {
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
    set_spec(t, job);
    job.pending.push_back(tid);
  }
  job.info->set_state("running");
  st.job_order.push_back(id);
  upsert_job(self, job, std::move(recorded));
  maybe_finish_job(self, id);
}

// --- results -------------------------------------------------------------------------------

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
  b.jobs.push_back(job.info->record(0, ready_for_finetuning(st, job.info->request().user_id)));
  send_batch(self, 0, std::move(b));
  emit(self, job, job.info->progress_json());
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
  return res;
}

void finish_archived_example(self_ptr self, std::uint64_t tid, const store::commit_result& r) {
  auto& st = self->state;
  auto it = st.tasks.find(tid);
  if (it == st.tasks.end())
    return;
  auto& t = it->second;
  if (r.status != store::commit_status::ok) {
    t.archiving = false;
    fail_task(self, tid, "storage: " + r.message, {});
    return;
  }
  auto& job = st.jobs.at(t.job_id);
  auto res = success_result(t);
  res.story_id = r.example_ids.empty() ? 0 : r.example_ids.front();
  job.info->add(std::move(res));
  ++st.dataset_size[job.info->request().user_id];
  emit(self, job, job.info->progress_json());
  remove_task(self, tid);
}

// The winner goes first in t.candidates; every vote is listed in its candidates.
void finalize_success(self_ptr self, sched_task& t) {
  auto& st = self->state;
  auto& job = st.jobs.at(t.job_id);
  const auto& req = job.info->request();
  auto best = std::max_element(t.candidates.begin(), t.candidates.end(),
                               [](const auto& a, const auto& b) { return a.quality < b.quality; });
  std::iter_swap(t.candidates.begin(), best);
  auto& ex = t.candidates.front();
  ex.candidates.clear();
  for (const auto& c : t.candidates)
    ex.candidates.push_back({c.provider, c.model, c.quality});
  ex.in_memory = req.store_in_memory && ex.quality >= st.cfg.quality.memory_threshold;
  ex.in_library = req.save_to_database && ex.quality >= st.cfg.quality.library_threshold;
  st.fingerprints[req.user_id].add(ex.fingerprint);
  t.archiving = true;
  store::write_batch b;
  b.examples.push_back(ex);
  b.attempts = t.attempts;
  // The job record committed with the example already counts it, so the archive agrees
  // with itself after every transaction (a crash right after it loses nothing).
  auto pending = success_result(t);
  b.jobs.push_back(job.info->record(0, ready_for_finetuning(st, req.user_id), &pending));
  send_batch(self, t.id, std::move(b));
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
  auto fp = training::simhash(text);
  bool dup = st.fingerprints[req.user_id].near(fp, st.cfg.quality.dedup_max_distance);
  if (dup) {
    job.info->add_duplicate();
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
    set_spec(t, job);
    t.route = routing::task_route{};
    return;
  }
  auto q = training::score(t.spec.el, text, o.result.truncated);
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
  ex.fingerprint = fp;
  t.candidates.push_back(std::move(ex));
  if (static_cast<int>(t.candidates.size()) >= req.min_votes)
    finalize_success(self, t);
}

// --- dispatch ------------------------------------------------------------------------------

void pump(self_ptr self);
void on_outcome(self_ptr self, std::uint64_t tid, std::size_t pidx, gen_outcome o);

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
  t.route.used.insert(v.name);
  gen_task g;
  g.task_id = t.id;
  g.job_id = t.job_id;
  g.task_seq = t.seq;
  g.params.system = t.prompt.system;
  g.params.prompt = t.prompt.user;
  g.params.max_tokens = std::min(t.prompt.max_tokens, pc.max_output_tokens);
  g.params.temperature = pc.temperature;
  auto tid = t.id;
  auto name = pc.name;
  auto model = pc.model;
  auto timeout = std::chrono::milliseconds(pc.timeouts.total_ms + provider_reply_slack_ms);
  self->request(handle, timeout, generate_atom::value, g)
    .then([=](gen_outcome& o) { on_outcome(self, tid, pidx, std::move(o)); },
          [=](caf::error& e) {
            gen_outcome o;
            o.task_id = tid;
            o.provider = name;
            o.model = model;
            o.result.cls = net::outcome_class::transient;
            o.result.message = name + ": provider actor did not answer (" + self->system().render(e) + ")";
            on_outcome(self, tid, pidx, std::move(o));
          });
}

void fixed_after(self_ptr self, std::uint64_t tid, bool ok, bool repicked);

// Round-robin between jobs: start after the job served last.
std::size_t rr_start(const scheduler_state& st) {
  auto it = std::find(st.job_order.begin(), st.job_order.end(), st.last_served);
  return it == st.job_order.end() ? 0 : (it - st.job_order.begin() + 1) % st.job_order.size();
}

void on_outcome(self_ptr self, std::uint64_t tid, std::size_t pidx, gen_outcome o) {
  auto& st = self->state;
  --st.in_flight;
  --st.calls_out[pidx];
  auto& v = st.views[pidx];
  v.in_flight = std::max(0, v.in_flight - 1);
  o.provider = st.deps.providers[pidx].first.name;
  if (o.model.empty())
    o.model = st.deps.providers[pidx].first.model;
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
  if (fixed_mode(st)) {
    fixed_pump(self);
    return;
  }
  auto now = now_ns(self);
  auto max_wait = static_cast<clock_ns>(st.cfg.routing.max_wait_for_higher_ms) * ns_per_ms;
  auto deadline = static_cast<clock_ns>(st.cfg.routing.task_deadline_ms) * ns_per_ms;
  ++st.pump_gen;
  // Fresh tasks all get the same answer: once one must wait, the others need not ask.
  bool fresh_blocked = false;
  std::vector<std::pair<std::uint64_t, routing::decision>> failures;
  while (st.in_flight < st.cfg.routing.max_in_flight && !st.job_order.empty()) {
    bool dispatched = false;
    auto n = st.job_order.size();
    auto first = rr_start(st);
    for (std::size_t k = 0; k < n && !dispatched; ++k) {
      auto ji = (first + k) % n;
      auto& job = st.jobs.at(st.job_order[ji]);
      for (auto tid : job.pending) {
        auto& t = st.tasks.at(tid);
        if (t.pump_gen == st.pump_gen || !needs_calls(job, t))
          continue;
        bool fresh = t.route.fresh();
        if (fresh && fresh_blocked)
          continue;
        if (t.route.deadline == 0)
          t.route.deadline = now + deadline;
        auto d = routing::choose(st.views, now, t.route, max_wait);
        if (d.what == routing::action::dispatch) {
          dispatch(self, t, st.provider_index.at(d.provider));
          st.last_served = job.info->id();
          dispatched = true;
          break;
        }
        t.pump_gen = st.pump_gen;
        if (d.what == routing::action::wait) {
          // Without a known time the wait ends with a view change, or at the deadline.
          schedule_tick(self, d.until > now ? d.until : t.route.deadline);
          fresh_blocked = fresh_blocked || fresh;
        } else {
          failures.emplace_back(tid, std::move(d));
        }
      }
    }
    if (!dispatched)
      break;
  }
  for (auto& [tid, d] : failures) {
    auto it = st.tasks.find(tid);
    if (it == st.tasks.end())
      continue;
    // An ensemble that cannot reach min_votes keeps the votes it has: a good example is
    // not thrown away because a second provider is down.
    if (!it->second.candidates.empty() && it->second.calls == 0 && !it->second.archiving)
      finalize_success(self, it->second);
    else
      fail_task(self, tid, d.error, d.reasons);
  }
}

// --- operator views ------------------------------------------------------------------------

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

struct status_gather {
  std::vector<provider_status> got;
  std::size_t left = 0;
};

// Asks every provider for its status (bounded), falling back to the local view.
template <class Done>
void gather_status(self_ptr self, Done done) {
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
  w.EndObject();
  return buf.GetString();
}

std::string pause_json(const scheduler_state& st) {
  bool paused = st.paused || st.storage_full;
  std::string out = std::string{R"({"paused":)"} + (paused ? "true" : "false") + R"(,"since":)"
                    + (paused ? std::to_string(st.paused_since_ms) : "null")
                    + R"(,"state":")" + run_state(st) + "\"}";
  return out;
}

caf::typed_response_promise<json_reply> persist_pause(self_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<json_reply>();
  std::string meta = st.paused ? R"({"paused":true,"since_ms":)" + std::to_string(st.paused_since_ms) + "}"
                               : std::string{R"({"paused":false})"};
  store::write_batch b;
  b.meta.emplace_back("paused", meta);
  ++st.pending_archive;
  self->request(st.deps.archiver, archive_timeout, archive_atom::value, b)
    .then(
      [=](const store::commit_result& r) mutable {
        --self->state.pending_archive;
        if (r.status == store::commit_status::ok)
          rp.deliver(json_reply{200, pause_json(self->state)});
        else
          rp.deliver(json_reply{500, net::error_json("storage", r.message)});
        check_drain(self);
      },
      [=](caf::error& e) mutable {
        --self->state.pending_archive;
        rp.deliver(json_reply{500, net::error_json("storage", self->system().render(e))});
        check_drain(self);
      });
  return rp;
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
      std::cerr << "[scheduler] resuming job " << rec.id << ": " << done.size() << " of "
                << req.num_examples << " already archived\n";
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

} // namespace

scheduler_actor::behavior_type scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
                                         config cfg, scheduler_deps deps) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.deps = std::move(deps);
  st.rng.seed(st.deps.seed);
  for (std::size_t i = 0; i < st.deps.providers.size(); ++i) {
    const auto& pc = st.deps.providers[i].first;
    provider_view v;
    v.name = pc.name;
    v.model = pc.model;
    v.priority = pc.priority;
    v.max_in_flight = std::max(1, pc.limits.max_in_flight);
    v.state = pc.enabled ? provider_state::available : provider_state::disabled;
    v.reason = pc.disabled_reason;
    st.views.push_back(v);
    st.calls_out.push_back(0);
    st.provider_index[pc.name] = i;
    if (pc.enabled)
      st.fixed_order.push_back(i);
    self->send(st.deps.providers[i].second, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
    self->monitor(st.deps.providers[i].second);
  }
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
      std::cerr << "[scheduler] " << v.name << ": " << v.reason << "; restart zegad\n";
      pump(self);
    }
  });
  std::stable_sort(st.fixed_order.begin(), st.fixed_order.end(), [&](std::size_t a, std::size_t b) {
    return st.deps.providers[a].first.priority < st.deps.providers[b].first.priority;
  });
  load_persisted(self);
  pump(self);
  return {
    [=](submit_atom, job_request req) -> caf::result<submit_result> {
      auto& st = self->state;
      submit_result res;
      if (st.draining) {
        res.http_status = 503;
        res.error_code = "shutting_down";
        res.error_message = "the daemon is shutting down";
        return res;
      }
      auto v = jobs::validate(req, enabled_providers(st));
      if (!v.ok()) {
        res.http_status = v.http_status;
        res.error_code = v.code;
        res.error_message = v.message;
        return res;
      }
      if (st.tasks.size() + static_cast<std::size_t>(req.num_examples)
          > static_cast<std::size_t>(st.cfg.routing.queue_limit)) {
        res.http_status = 429;
        res.error_code = "queue_full";
        res.error_message = "queue full: " + std::to_string(st.tasks.size()) + " tasks queued (limit "
                            + std::to_string(st.cfg.routing.queue_limit) + ")";
        return res;
      }
      if (st.storage_full) {
        res.http_status = 503;
        res.error_code = "storage_full";
        res.error_message = st.pause_reason + " (no job was created)";
        return res;
      }
      res.job_id = make_job_id(self);
      // "Acknowledged" means "durable": the job id goes out once the job's record is
      // committed, so a crash right after the answer cannot lose the job. A record that
      // could not be written withdraws the job and the client hears why.
      auto rp = self->make_response_promise<submit_result>();
      start_job(self, res.job_id, req, st.rng(), {},
                [self, rp, res](const store::commit_result& r) mutable {
                  if (r.status != store::commit_status::ok) {
                    auto it = self->state.jobs.find(res.job_id);
                    if (it != self->state.jobs.end())
                      cancel_job(self, it->second);
                    res.http_status = 503;
                    res.error_code = "storage";
                    res.error_message = "the job could not be saved: " + r.message;
                  }
                  rp.deliver(res);
                });
      pump(self);
      return rp;
    },
    [=](subscribe_atom, const std::string& job_id, std::uint64_t last_event_id, job_sink_ptr sink) {
      auto& st = self->state;
      auto it = st.jobs.find(job_id);
      if (it == st.jobs.end()) {
        // {"type":"error","error":{"code":"not_found","message":...}}
        sink->push(0, R"({"type":"error",)"
                        + net::error_json("not_found", "unknown job \"" + job_id + "\"").substr(1));
        sink->close();
        return;
      }
      auto& job = it->second;
      sink->open();
      for (const auto& [id, json] : job.info->events())
        if (id > last_event_id && !sink->push(id, json))
          return;
      if (job.completion_published) {
        sink->close();
        return;
      }
      job.sinks.push_back(std::move(sink));
      schedule_tick(self, now_ns(self) + static_cast<clock_ns>(st.cfg.server.heartbeat_ms) * ns_per_ms);
    },
    [=](cancel_atom, const std::string& job_id) -> json_reply {
      auto& st = self->state;
      auto it = st.jobs.find(job_id);
      if (it == st.jobs.end())
        return {404, net::error_json("not_found", "unknown job \"" + job_id + "\"")};
      auto& job = it->second;
      int dropped = cancel_job(self, job);
      auto calls = job_counts(st, job).second;
      return {200, R"({"job_id":")" + job_id + R"(","state":")"
                     + (job.info->finished() ? job.info->state() : std::string{"cancelling"})
                     + R"(","dropped":)" + std::to_string(dropped) + R"(,"in_flight":)"
                     + std::to_string(calls) + "}"};
    },
    [=](jobs_atom) -> json_reply {
      auto& st = self->state;
      std::string out = R"({"jobs":[)";
      bool first = true;
      auto add = [&](const std::string& id) {
        auto& job = st.jobs.at(id);
        auto [queued, calls] = job_counts(st, job);
        out += (first ? "" : ",") + job.info->brief_json(queued, calls);
        first = false;
      };
      for (const auto& id : st.job_order)
        add(id);
      for (auto it = st.finished_order.rbegin(); it != st.finished_order.rend(); ++it)
        add(*it);
      out += R"(],"total":)" + std::to_string(st.job_order.size() + st.finished_order.size()) + "}";
      return {200, out};
    },
    [=](job_atom, const std::string& job_id) -> json_reply {
      auto& st = self->state;
      auto it = st.jobs.find(job_id);
      if (it == st.jobs.end())
        return {404, net::error_json("not_found", "unknown job \"" + job_id + "\"")};
      return {200, summary_of(self, it->second)};
    },
    [=](pause_atom) -> caf::result<json_reply> {
      auto& st = self->state;
      if (!st.paused) {
        st.paused = true;
        if (st.paused_since_ms == 0)
          st.paused_since_ms = wall_ms(self);
        if (!st.storage_full)
          st.pause_reason = "paused by operator";
      }
      return persist_pause(self);
    },
    [=](resume_atom) -> caf::result<json_reply> {
      auto& st = self->state;
      st.paused = false;
      st.storage_full = false;
      st.paused_since_ms = 0;
      st.pause_reason.clear();
      // Time spent paused does not count against a task's deadline.
      for (auto& [_, t] : st.tasks)
        t.route.deadline = 0;
      auto held = std::move(st.held_batches);
      st.held_batches.clear();
      for (auto& [tid, batch] : held)
        send_batch(self, tid, std::move(batch));
      auto rp = persist_pause(self);
      pump(self);
      return rp;
    },
    [=](status_atom) -> caf::result<json_reply> {
      auto rp = self->make_response_promise<json_reply>();
      gather_status(self, [=](const status_gather& g) mutable {
        rp.deliver(json_reply{200, status_json(self, g)});
      });
      return rp;
    },
    [=](providers_atom) -> caf::result<json_reply> {
      auto rp = self->make_response_promise<json_reply>();
      gather_status(self, [=](const status_gather& g) mutable {
        rp.deliver(json_reply{200, R"({"models":)" + providers_array(self, g) + R"(,"total":)"
                                     + std::to_string(g.got.size()) + "}"});
      });
      return rp;
    },
    [=](probe_atom, const std::string& name) -> caf::result<json_reply> {
      auto& st = self->state;
      auto it = st.provider_index.find(name);
      if (it == st.provider_index.end())
        return json_reply{404, net::error_json("not_found", "unknown provider \"" + name + "\"")};
      const auto& [pc, handle] = st.deps.providers[it->second];
      gen_task g;
      g.probe = true;
      g.params.prompt = "Reply with the single word OK.";
      g.params.max_tokens = 16;
      g.params.temperature = 0;
      auto rp = self->make_response_promise<json_reply>();
      auto model = pc.model;
      auto timeout = std::chrono::milliseconds(pc.timeouts.total_ms + provider_reply_slack_ms);
      self->request(handle, timeout, generate_atom::value, g)
        .then(
          [=](const gen_outcome& o) mutable {
            rapidjson::StringBuffer buf;
            json_writer w(buf);
            w.StartObject();
            w.Key("provider");
            jstr(w, name);
            w.Key("model");
            jstr(w, o.model.empty() ? model : o.model);
            w.Key("ok");
            w.Bool(o.result.cls == net::outcome_class::ok);
            w.Key("class");
            w.String(net::to_string(o.result.cls));
            w.Key("http_status");
            w.Int(o.result.http_status);
            w.Key("text");
            jstr(w, o.result.text);
            w.Key("message");
            jstr(w, o.result.message);
            w.Key("latency_ms");
            w.Int64(o.latency_us / 1000);
            w.Key("busy_until");
            auto now = now_ns(self);
            w.Int64(o.busy_until > now ? (o.busy_until - now) / ns_per_ms : 0);
            w.EndObject();
            rp.deliver(json_reply{200, buf.GetString()});
          },
          [=](caf::error& e) mutable {
            rp.deliver(json_reply{504, net::error_json("provider_timeout", name + ": "
                                                                               + self->system().render(e))});
          });
      return rp;
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
      auto hb = static_cast<clock_ns>(st.cfg.server.heartbeat_ms) * ns_per_ms;
      for (const auto& id : st.job_order) {
        auto& job = st.jobs.at(id);
        if (job.sinks.empty() || hb <= 0)
          continue;
        if (job.last_push + hb <= now) {
          auto& sinks = job.sinks;
          sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                                     [](const job_sink_ptr& s) {
                                       return !s->push(0, R"({"type":"heartbeat"})");
                                     }),
                      sinks.end());
          job.last_push = now;
        }
        if (!job.sinks.empty())
          schedule_tick(self, job.last_push + hb);
      }
      pump(self);
    },
  };
}

} // namespace zega
