#pragma once
// Internal to the scheduler actor: what its units (scheduler_jobs, scheduler_dispatch,
// scheduler_archive, scheduler_status, scheduler) share. Not an interface for other code.

#include "actors/errors.hpp"
#include "actors/scheduler.hpp"

#include "training/dedup.hpp"
#include "training/quality.hpp"

#include <caf/all.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <limits>

namespace zega::sched {

using self_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr clock_ns ns_per_ms = 1'000'000;

// A task whose outputs keep landing next to existing examples gets this many new topics.
constexpr int max_duplicate_retries = 3;

constexpr auto archive_timeout = std::chrono::seconds(60);

// Held batches (storage full or failing) are tried again this often: one write attempt,
// so a short period costs nothing and ends the pause soon after space returns.
constexpr clock_ns held_retry_ns = 15'000'000'000;

constexpr auto status_timeout = std::chrono::seconds(2);

// The provider enforces its own call deadline; this only catches a provider that vanished.
constexpr int provider_reply_slack_ms = 10000;

constexpr clock_ns busy_retry_ns = 100'000'000;

inline clock_ns now_ns(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

inline std::int64_t wall_ms(self_ptr self) {
  return self->state.deps.wall_clock ? self->state.deps.wall_clock() : 0;
}

inline void jstr(json_writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

inline bool fixed_mode(const scheduler_state& st) {
  return st.cfg.routing.pacing == "fixed";
}

inline int enabled_providers(const scheduler_state& st) {
  int n = 0;
  for (const auto& [pc, _] : st.deps.providers)
    n += pc.enabled ? 1 : 0;
  return n;
}

using commit_callback = std::function<void(const store::commit_result&)>;

struct status_gather {
  std::vector<provider_status> got;
  std::size_t left = 0;
};

// --- jobs (actors/scheduler_jobs.cpp) --------------------------------------------------------

void ensure_user(self_ptr self, const std::string& user);

// Which cached users to drop so that at most `cap` stay: the least recently used first,
// never one in `busy`. Pure, for the cache bound in ensure_user.
std::vector<std::string> users_to_evict(const std::map<std::string, std::uint64_t>& last_use,
                                        const std::set<std::string>& busy, std::size_t cap);

bool ready_for_finetuning(const scheduler_state& st, const std::string& user);

void emit(self_ptr self, sched_job& job, std::string json);

double elapsed_s(self_ptr self, const sched_job& job);

std::string summary_of(self_ptr self, const sched_job& job);

void maybe_finish_job(self_ptr self, const std::string& job_id);

void publish_completion(self_ptr self, const std::string& job_id);

void remove_task(self_ptr self, std::uint64_t tid);

void set_spec(sched_task& t, const sched_job& job);

// `recorded` hears how the job's first record was archived.
void start_job(self_ptr self, const std::string& id, const job_request& req, std::uint64_t seed,
               const std::vector<jobs::example_result>& done, commit_callback recorded = {});

jobs::example_result result_base(const sched_task& t);

void fail_task(self_ptr self, std::uint64_t tid, const std::string& error,
               std::vector<std::pair<std::string, std::string>> reasons);

// The task's winning candidate as a job result (its story id is known after the commit).
jobs::example_result success_result(const sched_task& t);

void load_persisted(self_ptr self);

// Drops a job's queued tasks (in-flight calls finish and are kept); returns how many.
int cancel_job(self_ptr self, sched_job& job);

// "j-<start ms>-<counter>", both fixed-width base 36, so ids (the archive's job keys)
// sort by start time and GET /history can list the newest first.
std::string make_job_id(self_ptr self);

// Streams a job's events into `sink`, replaying those after `last_event_id`; an unknown job
// gets one "error" event.
void attach_sink(self_ptr self, const std::string& job_id, std::uint64_t last_event_id,
                 job_sink_ptr sink);

// Creates a job; answers once its record is durable, attaching `sink` (may be null) then.
caf::result<std::string> submit(self_ptr self, job_request req, job_sink_ptr sink);

// --- dispatch (actors/scheduler_dispatch.cpp) ----------------------------------------------------

void schedule_tick(self_ptr self, clock_ns at);

bool needs_calls(const sched_job& job, const sched_task& t);

void handle_success(self_ptr self, sched_task& t, const gen_outcome& o);

void dispatch(self_ptr self, sched_task& t, std::size_t pidx);

// Round-robin between jobs: start after the job served last.
std::size_t rr_start(const scheduler_state& st);

void on_outcome(self_ptr self, std::uint64_t tid, std::size_t pidx, gen_outcome o);

std::vector<std::pair<std::string, std::string>> fixed_reasons(const scheduler_state& st,
                                                               const sched_task& t);

void fixed_after(self_ptr self, std::uint64_t tid, bool ok, bool repicked);

void fixed_pump(self_ptr self);

void pump(self_ptr self);

// --- archive (actors/scheduler_archive.cpp) -----------------------------------------------------

void check_drain(self_ptr self);

// Pauses dispatch for storage (full or failing) and arms the held batches' retry timer.
void enter_storage_full(self_ptr self, const std::string& message);

// Sends the held batches again (the retry timer, or POST /resume).
void retry_held(self_ptr self);

// Sends a batch; `tid` (0 = none) is the task whose example waits for this commit; `done`
// is called with the archiver's answer, whatever it was.
void send_batch(self_ptr self, std::uint64_t tid, store::write_batch batch,
                commit_callback done = {});

void upsert_job(self_ptr self, const sched_job& job, commit_callback done = {});

void finish_archived_example(self_ptr self, std::uint64_t tid, const store::commit_result& r);

// The winner goes first in t.candidates; every vote is listed in its candidates.
void finalize_success(self_ptr self, sched_task& t);

// An ensemble that cannot reach min_votes: the votes received are kept, and the example
// names why each missing provider did not vote (`reasons`, per provider).
void finalize_short_of_votes(self_ptr self, sched_task& t,
                             const std::vector<std::pair<std::string, std::string>>& reasons);

std::string pause_json(const scheduler_state& st);

caf::typed_response_promise<json_reply> persist_pause(self_ptr self);

// --- status (actors/scheduler_status.cpp) ------------------------------------------------------

void write_provider(json_writer& w, const provider_config& pc, const provider_status& s,
                    clock_ns now);

// Asks every provider for its status (bounded), falling back to the local view.
void gather_status(self_ptr self, std::function<void(const status_gather&)> done);

std::string providers_array(self_ptr self, const status_gather& g);

const char* run_state(const scheduler_state& st);

int queued_tasks(const scheduler_state& st);

std::pair<int, int> job_counts(const scheduler_state& st, const sched_job& job);

std::string status_json(self_ptr self, const status_gather& g);

} // namespace zega::sched
