#pragma once
// The scheduler actor: jobs and their one-element tasks, routing down the priority groups
// (actors/policy/routing.hpp), ensemble votes, archiving, job events and the operator queries.

#include "actors/actors.hpp"
#include "actors/job.hpp"
#include "actors/policy/routing.hpp"
#include "config/config.hpp"
#include "store/store.hpp"
#include "training/dedup.hpp"
#include "training/premise.hpp"
#include "training/prompt.hpp"

#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace zega {

struct scheduler_deps {
  std::vector<std::pair<provider_config, provider_actor>> providers;
  archiver_actor archiver;
  const store::store* db = nullptr; // reads only; may be null (tests)
  wall_clock_fn wall_clock;
  std::uint64_t seed = 1;
  // Users whose dataset size and fingerprints stay cached. user_id comes from clients, so
  // the cache is bounded: the least recently used idle user is dropped and reloaded from
  // the store when it comes back.
  std::size_t max_cached_users = 256;
  // Fingerprints (MinHash signatures by example id) read before the actor starts, for the
  // users it needs first ("default", those of unfinished jobs): the scheduler's thread does
  // not scan them. Other users are read when they first appear (bounded by the cache).
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::string>>> preloaded_minhashes;
  // prompts.topics_file, parsed at start (null = none): extra premises per genre.
  std::shared_ptr<const training::user_topics> topics;
  // Reaches the Ollama provider's /api/create (fine-tuning); null: fine-tuning fails with
  // a message.
  transport_fn transport;
  // Store reads too long for the scheduler's thread (a user's training stats, the fine-tuning
  // export) run in actors of their own thread; tests with the deterministic clock turn this
  // off so those actors run on the test scheduler.
  bool detach_store_reads = true;
  // The live stream (GET /events): job progress and pause/resume go there; may be invalid.
  event_hub_actor hub;
};

// ZEGA's training_stats of one cached user. The base is read off the scheduler's thread
// (a user's whole dataset is too much to decode here); good examples archived meanwhile
// wait in `pending` and count once the base says which ids it already saw.
struct user_training {
  bool loaded = false;
  training::training_stats_input input;
  std::uint64_t base_last_id = 0;
  std::vector<std::pair<std::uint64_t, double>> pending; // (example id, quality) before load
  std::vector<std::string> waiting_jobs;                 // completions held until loaded
};

// One fine-tuning build in progress for a user; triggers that arrive meanwhile share it.
struct finetune_run {
  std::vector<caf::typed_response_promise<training::finetune_outcome>> waiters;
  store::finetune_plan plan;
};


// One element to generate for a job.
struct sched_task {
  std::uint64_t id = 0;
  std::string job_id;
  std::uint64_t seq = 0;              // position in the job
  training::task_spec spec;
  training::prompt prompt;
  routing::task_route route;
  int calls = 0;                      // calls in flight
  int dup_retries = 0;
  std::map<std::string, int> dups_from; // near-duplicates per provider (issue 10 item 6b)
  std::uint64_t pump_gen = 0;         // last pump that looked at it without dispatching
  std::vector<store::example_record> candidates; // successful votes so far
  std::vector<store::attempt_record> attempts;   // every upstream outcome
  // Kept short of min_votes: why each provider that did not vote could not (operator text).
  std::vector<std::pair<std::string, std::string>> missing_votes;
  routing::fixed_cursor cursor;       // fixed pacing only
  bool archiving = false;
  int judging = 0;                    // judge calls outstanding (quality.judge)
  clock_ns created_at = 0;            // queue wait and end-to-end time (/metrics)
  bool called = false;                // its first upstream call went out
};

struct sched_job {
  std::unique_ptr<jobs::job> info;
  std::vector<std::uint64_t> pending; // task ids not finished, in order
  clock_ns started_at = 0;
  clock_ns finished_at = 0;
  clock_ns last_push = 0;             // for heartbeats
  std::vector<job_sink_ptr> sinks;
  bool cancel_requested = false;
  bool completion_published = false;  // "complete" sent (after the job record's commit)
  // Deadline rule: when its tasks should be done, and the scheduler's `knowledge` it was
  // estimated with (interactive jobs are estimated again when that changes).
  clock_ns route_deadline = 0;
  std::uint64_t deadline_knowledge = 0;
  long planned_calls = 0;             // calls the estimate plans for
  std::vector<long> calls_on;         // calls sent per provider (its own share of daily budgets)
};

struct scheduler_state {
  static inline const char* name = "scheduler";

  config cfg;
  scheduler_deps deps;
  std::vector<provider_view> views;               // local routing view, one per provider
  std::vector<int> calls_out;                      // our calls outstanding, per provider
  std::map<std::string, std::size_t> provider_index;
  std::vector<std::size_t> fixed_order;            // fixed pacing: provider indices by priority

  std::map<std::string, sched_job> jobs;
  std::vector<std::string> job_order;              // round-robin order of unfinished jobs
  std::deque<std::string> finished_order;          // bounded memory of finished jobs
  std::size_t finished_bytes = 0;                  // their memory_bytes(), against the budget
  std::string last_served;                         // round robin: job that got the last call
  std::map<std::uint64_t, sched_task> tasks;
  std::uint64_t next_task_id = 1;
  std::uint64_t job_counter = 0;
  std::uint64_t pump_gen = 0;
  int in_flight = 0;                               // upstream calls
  // Deadline rule: what the scheduler observed of each provider, and a counter bumped when
  // an input of the batch estimate changed (a latency moved, a limit was learned).
  std::vector<deadline::latency_ewma> latency;
  std::vector<clock_ns> latency_planned;           // the latency the last estimate used
  std::vector<std::multiset<clock_ns>> call_starts; // our calls in flight, by start time
  std::vector<std::pair<bool, long>> plan_inputs;  // per provider: plannable, requests/min
  std::uint64_t knowledge = 1;
  int pending_archive = 0;                         // archive replies outstanding
  std::set<clock_ns> timers;

  // fixed pacing
  std::uint64_t fixed_task = 0;                    // the one task being worked on (0 none)
  clock_ns fixed_next_at = 0;

  bool paused = false;
  std::int64_t paused_since_ms = 0;
  std::string pause_reason;
  bool storage_full = false;
  bool draining = false;
  bool drain_jobs_saved = false; // the unfinished jobs' records were written at drain
  std::vector<caf::typed_response_promise<bool>> drain_waiters;
  // Storage full or failing: batches to send again (timer or resume), with the task
  // waiting for each (0 none).
  std::vector<std::pair<std::uint64_t, store::write_batch>> held_batches;
  clock_ns held_retry_at = 0; // when the held batches are tried again; 0 = not armed

  std::map<std::string, training::minhash_index> near;       // per user: committed signatures
  std::map<std::string, training::premise_history> premises; // per user, persisted in meta
  std::map<std::string, long> dataset_size;                  // per user
  std::map<std::string, std::uint64_t> user_last_use;        // per cached user: use counter
  std::map<std::string, user_training> training;             // per cached user
  std::map<std::string, finetune_run> finetunes;             // builds in progress (bounded)
  std::optional<finetune_command_run> finetune_command;      // the last finetune.command
  std::uint64_t user_uses = 0;
  std::mt19937_64 rng;

  // Since start, for /metrics (status_report).
  std::map<std::string, std::uint64_t> jobs_by_state;
  std::map<std::string, std::uint64_t> examples_by_quality;
  stats::histogram queue_wait_s{stats::wait_buckets()};
  stats::histogram task_duration_s{stats::wait_buckets()};
};

scheduler_actor::behavior_type scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
                                         config cfg, scheduler_deps deps);

} // namespace zega
