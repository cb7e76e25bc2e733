#pragma once
// Internal to the scheduler actor: what its units (scheduler_jobs, scheduler_dispatch,
// scheduler_archive, scheduler_status, scheduler) share. Not an interface for other code.

#include "actors/errors.hpp"
#include "actors/scheduler.hpp"
#include "config/log.hpp"

#include "training/dedup.hpp"
#include "training/judge.hpp"
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
#include <optional>

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

// Logs a job event, pushes it to the job's sinks and its progress to the live stream.
void emit(self_ptr self, sched_job& job, job_event e);

// The job's progress as a "job" event of the live stream (GET /events).
void publish_live(self_ptr self, const sched_job& job);

double elapsed_s(self_ptr self, const sched_job& job);

// The job's summary (GET /jobs/{id}, the "complete" event): a typed copy without the event log.
jobs::job_summary summary_copy(self_ptr self, const sched_job& job);

void maybe_finish_job(self_ptr self, const std::string& job_id);

void publish_completion(self_ptr self, const std::string& job_id);

void remove_task(self_ptr self, std::uint64_t tid);

// Draws the task's element, genre and premise so that no (element, genre, premise) of the
// user's recent history repeats, and records it there.
void set_spec(scheduler_state& st, sched_task& t, const sched_job& job);

// The meta key of a user's premise history.
std::string premise_meta_key(const std::string& user);

// At or after this many near-duplicates from one provider, a task moves on to other
// providers (the next group once the provider's group is used up).
constexpr int duplicates_before_next_provider = 2;

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

// A call on provider `pidx` that started at `started` is over: its slot and, when it
// succeeded, its latency feed the deadline rule.
void call_ended(self_ptr self, std::size_t pidx, clock_ns started, const gen_outcome& o);

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

// The winner goes first in t.candidates; every vote is listed in its candidates. With
// quality.judge, candidates at or above its min_rubric are judged first (archive_winner
// follows when the last verdict is in).
void finalize_success(self_ptr self, sched_task& t);

// Picks the best candidate (by its final score) and sends it to the archiver.
void archive_winner(self_ptr self, sched_task& t);

// An ensemble that cannot reach min_votes: the votes received are kept, and the example
// names why each missing provider did not vote (`reasons`, per provider). Goes through
// finalize_success, so the judge rates the kept votes as it rates a full ensemble's.
void finalize_short_of_votes(self_ptr self, sched_task& t,
                             const std::vector<std::pair<std::string, std::string>>& reasons);

// --- judge (actors/scheduler_judge.cpp) ------------------------------------------------------

// Sends a judge call for each candidate that qualifies; returns how many were sent (0 = the
// judge is off, unknown, or no candidate qualifies).
int start_judging(self_ptr self, sched_task& t);

// The candidate's score and breakdown after the judge's verdict: the blended score, and the
// stored report gains {"judge":{"score","reason","weight","rubric"}} (or {"error"}). Pure.
void apply_verdict(store::example_record& ex, const std::optional<training::judge_verdict>& v,
                   const std::string& error, double weight);

pause_report pause_state(const scheduler_state& st);

caf::typed_response_promise<pause_report> persist_pause(self_ptr self);

// --- reload (actors/scheduler_reload.cpp) -------------------------------------------------------

// Takes `entries` as the provider set (start-up: the deps' own, passed empty): rebuilds the
// routing views, subscribes to and monitors actors not seen before, and carries each
// name's calls in flight over, so answers from a replaced actor still balance.
void adopt_providers(self_ptr self, std::optional<provider_entries> entries);

// A valid reload: the new configuration and provider set; queued tasks route again.
void apply_reload(self_ptr self, config cfg, provider_entries entries);
// --- fine-tuning (actors/scheduler_finetune.cpp) -------------------------------------------------

// Starts reading the user's training stats off this thread (once per cached user).
void ensure_training(self_ptr self, const std::string& user);

// The read is done: archived examples it did not see are added, held completions go out.
void training_loaded(self_ptr self, const std::string& user, const user_stats_load& load);

// An example of `user` was archived as `id`: counted when it is a training example (and
// the automatic trigger may fire).
void count_archived(self_ptr self, const std::string& user, std::uint64_t id, double quality);

// ZEGA's training_stats, once the user's read is done.
std::optional<training::training_stats> training_stats_of(const scheduler_state& st,
                                                          const std::string& user);

// Builds zega-{user}; `rp` (none for the automatic trigger) hears the outcome.
void start_finetune(self_ptr self, const std::string& user,
                    std::optional<caf::typed_response_promise<training::finetune_outcome>> rp);

void finetune_planned(self_ptr self, const std::string& user, store::finetune_plan plan);

void finetune_created(self_ptr self, const std::string& user, const net::http_result& r);

// Records the attempt (meta and history) and answers everyone waiting for it.
void finish_finetune(self_ptr self, const std::string& user, bool ok, const std::string& message);

void command_ended(self_ptr self, const std::string& user, int exit_status,
                   const std::string& log_tail);

// /status "finetune": threshold, auto, base model, builds running, finetune.command's last run.
finetune_report finetune_report_of(const scheduler_state& st);

// --- status (actors/scheduler_status.cpp) ------------------------------------------------------

// Asks every provider for its status (bounded), falling back to the local view.
void gather_status(self_ptr self, std::function<void(const status_gather&)> done);

// The gathered provider statuses completed from the config and the local views.
std::vector<provider_status> provider_statuses(self_ptr self, const status_gather& g);

const char* run_state(const scheduler_state& st);

int queued_tasks(const scheduler_state& st);

std::pair<int, int> job_counts(const scheduler_state& st, const sched_job& job);

status_report make_report(self_ptr self, const status_gather& g);

} // namespace zega::sched
