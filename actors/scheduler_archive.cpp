// The archive round trips: example batches and job records to the archiver, storage full (held batches), drain, and the persisted pause flag.

#include "actors/scheduler_parts.hpp"

#include <optional>

namespace zega::sched {

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

void enter_storage_full(self_ptr self, const std::string& message) {
  auto& st = self->state;
  if (!st.storage_full)
    log::error("scheduler", "storage unavailable, dispatch paused: " + message);
  st.storage_full = true;
  st.pause_reason = "storage unavailable: " + message;
  if (st.paused_since_ms == 0)
    st.paused_since_ms = wall_ms(self);
  // Space may come back (or the disk recover) without an operator: the held batches are
  // tried again on a timer; POST /resume tries at once.
  if (st.held_retry_at == 0) {
    st.held_retry_at = now_ns(self) + held_retry_ns;
    schedule_tick(self, st.held_retry_at);
  }
}

void retry_held(self_ptr self) {
  auto& st = self->state;
  st.held_retry_at = 0;
  auto held = std::move(st.held_batches);
  st.held_batches.clear();
  for (auto& [tid, batch] : held)
    send_batch(self, tid, std::move(batch));
}

namespace {

// A write went through while dispatch was paused for storage: the pause ends unless an
// operator asked for one.
void leave_storage_full(self_ptr self) {
  auto& st = self->state;
  if (!st.storage_full || !st.held_batches.empty())
    return;
  log::info("scheduler", "storage writable again, dispatch continues");
  st.storage_full = false;
  st.held_retry_at = 0;
  if (!st.paused) {
    st.paused_since_ms = 0;
    st.pause_reason.clear();
  }
  pump(self);
}

// What the archive holds of task `tid`'s example (its id, or none), read once the
// archiver has finished everything queued before the question.
std::optional<std::uint64_t> stored_example(const scheduler_state& st, const store::write_batch& b) {
  if (st.deps.db == nullptr || b.examples.empty())
    return std::nullopt;
  const auto& ex = b.examples.front();
  store::example_filter f;
  f.job_id = ex.job_id;
  std::optional<std::uint64_t> found;
  st.deps.db->for_each_example(f, [&](const store::example_record& r) {
    if (r.task_seq == ex.task_seq)
      found = r.id;
    return !found;
  });
  return found;
}

// The last step of an archive round trip: the task (if any) learns the outcome, then the
// caller's callback, and a drain that waited for the archive may finish.
void archive_settled(self_ptr self, std::uint64_t tid, const store::commit_result& r,
                     const commit_callback& done) {
  --self->state.pending_archive;
  if (tid != 0)
    finish_archived_example(self, tid, r);
  else if (r.status != store::commit_status::ok)
    log::error("scheduler", "archive failed: " + r.message);
  if (done)
    done(r);
  check_drain(self);
}

store::commit_result unanswered(self_ptr self, const caf::error& e) {
  store::commit_result r;
  r.status = store::commit_status::failed;
  r.message = "archiver did not answer: " + self->system().render(e);
  return r;
}

// The archive request for task `tid` timed out, yet the archiver may still commit it (a
// slow disk): deciding "failed" now could contradict the archive. The archiver answers a
// flush only after everything queued before it, so once it does, the store says what
// became of the example: stored (a success) or not (sent again: nothing is duplicated).
void settle_after_timeout(self_ptr self, std::uint64_t tid, store::write_batch batch,
                          commit_callback done) {
  auto& st = self->state;
  self->request(st.deps.archiver, archive_timeout, flush_atom::value)
    .then(
      [=](bool) {
        if (auto id = stored_example(self->state, batch)) {
          store::commit_result r;
          r.example_ids.push_back(*id);
          archive_settled(self, tid, r, done);
        } else {
          --self->state.pending_archive;
          send_batch(self, tid, batch, done);
        }
      },
      [=](caf::error& e) {
        if (e == caf::sec::request_timeout)
          settle_after_timeout(self, tid, batch, done);
        else
          archive_settled(self, tid, unanswered(self, e), done);
      });
}

} // namespace

// Sends a batch; `tid` (0 = none) is the task whose example waits for this commit; `done`
// is called with the archiver's answer, whatever it was.
void send_batch(self_ptr self, std::uint64_t tid, store::write_batch batch,
                commit_callback done) {
  auto& st = self->state;
  ++st.pending_archive;
  self->request(st.deps.archiver, archive_timeout, archive_atom::value, batch)
    .then(
      [=](const store::commit_result& r) {
        if (r.status != store::commit_status::storage_full) {
          archive_settled(self, tid, r, done);
          if (r.status == store::commit_status::ok)
            leave_storage_full(self);
          return;
        }
        auto& st = self->state;
        --st.pending_archive;
        enter_storage_full(self, r.message);
        st.held_batches.emplace_back(tid, batch);
        if (done)
          done(r);
        check_drain(self);
      },
      [=](caf::error& e) {
        if (tid != 0 && e == caf::sec::request_timeout && self->state.deps.db != nullptr)
          settle_after_timeout(self, tid, batch, done);
        else
          archive_settled(self, tid, unanswered(self, e), done);
      });
}

void upsert_job(self_ptr self, const sched_job& job, commit_callback done) {
  store::write_batch b;
  // A batch never claims fine_tuning_triggered: each build is a history entry of its own
  // (scheduler_finetune.cpp), so /history/stats counts builds, not batches that were ready.
  b.jobs.push_back(job.info->record(job.info->finished() ? wall_ms(self) : 0, false));
  send_batch(self, 0, std::move(b), std::move(done));
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
  // Only a committed example counts against later outputs (a failed commit leaves no
  // phantom duplicate behind).
  const auto& user = job.info->request().user_id;
  if (auto near = st.near.find(user); near != st.near.end() && res.story_id != 0)
    if (auto sig = training::minhash_signature::from_bytes(t.candidates.front().minhash))
      near->second.add(res.story_id, *sig);
  count_archived(self, job.info->request().user_id, res.story_id, res.quality);
  auto bucket = std::min(9, std::max(0, static_cast<int>(res.quality)));
  ++st.examples_by_quality[std::to_string(bucket)];
  job.info->add(std::move(res));
  ++st.dataset_size[job.info->request().user_id];
  emit(self, job, job.info->progress_event());
  remove_task(self, tid);
}

// The winner goes first in t.candidates; every vote is listed in its candidates.
void finalize_success(self_ptr self, sched_task& t) {
  t.archiving = true;
  if (start_judging(self, t) == 0)
    archive_winner(self, t);
}

void archive_winner(self_ptr self, sched_task& t) {
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
  store::write_batch b;
  b.examples.push_back(ex);
  b.attempts = t.attempts;
  // The premises drawn so far go with the example, so a restart does not repeat them.
  if (auto h = st.premises.find(req.user_id); h != st.premises.end())
    b.meta.emplace_back(premise_meta_key(req.user_id), h->second.to_bytes());
  // The job record committed with the example already counts it, so the archive agrees
  // with itself after every transaction (a crash right after it loses nothing).
  auto pending = success_result(t);
  b.jobs.push_back(job.info->record(0, false, &pending));
  send_batch(self, t.id, std::move(b));
}

void finalize_short_of_votes(self_ptr self, sched_task& t,
                             const std::vector<std::pair<std::string, std::string>>& reasons) {
  t.missing_votes.clear();
  for (const auto& [provider, why] : reasons) {
    bool voted = std::any_of(t.candidates.begin(), t.candidates.end(),
                             [&](const auto& c) { return c.provider == provider; });
    if (!voted)
      t.missing_votes.emplace_back(provider, why);
  }
  finalize_success(self, t);
}

pause_report pause_state(const scheduler_state& st) {
  pause_report r;
  r.paused = st.paused || st.storage_full;
  r.since_ms = st.paused_since_ms;
  r.state = run_state(st);
  return r;
}

caf::typed_response_promise<pause_report> persist_pause(self_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<pause_report>();
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
          rp.deliver(pause_state(self->state));
        else
          rp.deliver(make_error(ec::storage_error, r.message));
        check_drain(self);
      },
      [=](caf::error& e) mutable {
        --self->state.pending_archive;
        rp.deliver(make_error(ec::storage_error, self->system().render(e)));
        check_drain(self);
      });
  return rp;
}

} // namespace zega::sched
