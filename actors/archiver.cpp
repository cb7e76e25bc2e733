#include "actors/archiver.hpp"

#include "actors/errors.hpp"

#include "config/log.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace zega {

namespace {

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

using archiver_ptr = archiver_actor::stateful_pointer<archiver_state>;

void maybe_trim(archiver_ptr self) {
  auto& st = self->state;
  if (st.attempts_retention_days <= 0)
    return;
  auto now = self->clock().now();
  if (now < st.next_trim)
    return;
  st.next_trim = now + std::chrono::hours(1);
  auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  auto cutoff = wall_ms - std::int64_t{st.attempts_retention_days} * 86'400'000;
  if (auto n = st.db->trim_attempts(cutoff); n > 0)
    log::info("archiver", "trimmed " + std::to_string(n) + " attempts older than "
                            + std::to_string(st.attempts_retention_days) + " days");
}

// Writes everything pending in one transaction and answers every request with its share.
bool commit_pending(archiver_ptr self) {
  auto& st = self->state;
  if (st.pending.empty())
    return true;
  auto batches = std::move(st.pending);
  st.pending.clear();
  std::vector<const store::write_batch*> parts;
  std::vector<std::size_t> counts;
  parts.reserve(batches.size());
  counts.reserve(batches.size());
  for (const auto& p : batches) {
    parts.push_back(&p.batch);
    counts.push_back(p.batch.examples.size());
  }
  auto merged = st.db->commit(parts.size() == 1 ? batches.front().batch : merge_batches(parts));
  if (merged.status == store::commit_status::storage_full) {
    if (!st.storage_full)
      log::error("archiver", "storage unavailable: " + merged.message);
    st.storage_full = true;
  } else if (merged.status == store::commit_status::failed) {
    log::error("archiver", "commit failed: " + merged.message);
  } else {
    if (st.storage_full)
      log::info("archiver", "storage writable again");
    st.storage_full = false;
  }
  auto results = split_result(merged, counts);
  for (std::size_t k = 0; k < batches.size(); ++k) {
    results[k].missing_reviews = missing_reviews_of(merged, batches[k].batch);
    batches[k].promise.deliver(std::move(results[k]));
  }
  if (merged.status == store::commit_status::ok)
    maybe_trim(self);
  return merged.status == store::commit_status::ok;
}

} // namespace

store::write_batch merge_batches(const std::vector<const store::write_batch*>& batches) {
  store::write_batch out;
  for (const auto* b : batches) {
    append(out.examples, b->examples);
    append(out.reviews, b->reviews);
    append(out.jobs, b->jobs);
    append(out.attempts, b->attempts);
    append(out.quota, b->quota);
    append(out.meta, b->meta);
  }
  return out;
}

std::vector<store::commit_result> split_result(const store::commit_result& merged,
                                               const std::vector<std::size_t>& example_counts) {
  std::vector<store::commit_result> out(example_counts.size());
  std::size_t next = 0;
  for (std::size_t k = 0; k < example_counts.size(); ++k) {
    out[k].status = merged.status;
    out[k].message = merged.message;
    if (merged.status != store::commit_status::ok)
      continue;
    for (std::size_t n = 0; n < example_counts[k] && next < merged.example_ids.size(); ++n)
      out[k].example_ids.push_back(merged.example_ids[next++]);
  }
  return out;
}

std::vector<std::uint64_t> missing_reviews_of(const store::commit_result& merged,
                                              const store::write_batch& batch) {
  std::vector<std::uint64_t> out;
  for (const auto& r : batch.reviews)
    if (std::find(merged.missing_reviews.begin(), merged.missing_reviews.end(), r.example_id)
        != merged.missing_reviews.end())
      out.push_back(r.example_id);
  return out;
}

namespace {

// Runs one chunk of the front rescore; answers it when the table is done or a chunk failed,
// then moves on to the next request. Pending batches go first so their examples are scored.
void rescore_step(archiver_ptr self) {
  auto& st = self->state;
  if (st.rescores.empty())
    return;
  commit_pending(self);
  auto& run = st.rescores.front();
  auto r = store::rescore_chunk(*st.db, run.cursor, rescore_chunk_size, run.opts);
  run.counts += r.counts;
  bool failed = r.status != store::commit_status::ok;
  if (failed || r.next_cursor == 0) {
    if (failed)
      log::error("archiver", "rescore stopped: " + r.message);
    else
      log::info("archiver", "rescore done: " + store::to_json(run.counts));
    if (failed)
      run.promise.deliver(make_error(ec::storage_error, r.message));
    else
      run.promise.deliver(run.counts);
    st.rescores.pop_front();
  } else {
    run.cursor = r.next_cursor;
  }
  if (!st.rescores.empty())
    self->send(self, rescore_atom::value);
}

} // namespace

archiver_actor::behavior_type archiver(archiver_ptr self, store::store* db, int commit_batch,
                                       int commit_interval_ms, int attempts_retention_days) {
  auto& st = self->state;
  st.db = db;
  st.commit_batch = static_cast<std::size_t>(std::max(commit_batch, 1));
  st.commit_interval = std::chrono::milliseconds(std::max(commit_interval_ms, 0));
  st.attempts_retention_days = attempts_retention_days;
  st.next_trim = self->clock().now();
  // Never drop acknowledged work on shutdown: whatever is queued is written first.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    commit_pending(self);
    self->quit(msg.reason);
  });
  return {
    [self](archive_atom, store::write_batch& batch)
      -> caf::typed_response_promise<store::commit_result> {
      auto& st = self->state;
      auto promise = self->make_response_promise<store::commit_result>();
      if (auto why = store::invalid_reason(batch); !why.empty()) {
        store::commit_result refused;
        refused.status = store::commit_status::failed;
        refused.message = "invalid write batch: " + why;
        promise.deliver(std::move(refused));
        return promise;
      }
      st.pending.push_back({std::move(batch), promise});
      if (st.pending.size() >= st.commit_batch) {
        commit_pending(self);
      } else if (!st.timer_armed) {
        st.timer_armed = true;
        self->delayed_send(self, st.commit_interval, tick_atom::value);
      }
      return promise;
    },
    [self](flush_atom) -> bool { return commit_pending(self); },
    [self](rescore_atom, double memory_threshold, double library_threshold,
           const std::string& language, bool force)
      -> caf::typed_response_promise<store::rescore_counts> {
      auto& st = self->state;
      archiver_state::rescore_run run;
      run.opts.memory_threshold = memory_threshold;
      run.opts.library_threshold = library_threshold;
      run.opts.rubric.language = language;
      run.opts.force = force;
      run.promise = self->make_response_promise<store::rescore_counts>();
      auto promise = run.promise;
      st.rescores.push_back(std::move(run));
      if (st.rescores.size() == 1)
        self->send(self, rescore_atom::value);
      return promise;
    },
    [self](rescore_atom) { rescore_step(self); },
    [self](tick_atom) {
      self->state.timer_armed = false;
      commit_pending(self);
    },
  };
}

} // namespace zega
