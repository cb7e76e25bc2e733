#pragma once
// Every actor interface of the daemon, in one place. Handlers are documented here; the
// behaviours live in actors/<name>.cpp.

#include "actors/atoms.hpp"
#include "actors/job.hpp"
#include "actors/messages.hpp"
#include "config/config.hpp"
#include "store/rescore.hpp"

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace zega {

// Sends one HTTP request and calls back (possibly on another thread) exactly once.
// Production: net::http_client on the io thread; tests: a scripted fake.
using transport_fn = std::function<void(net::http_request, net::client_limits,
                                        std::function<void(net::http_result)>)>;

// Wall-clock Unix milliseconds (UTC days for quotas, record timestamps); injectable.
using wall_clock_fn = std::function<std::int64_t()>;

// Receives a provider's availability (its provider_view) on every change. The scheduler is
// one; a planner or a console feed may be another.
using avail_listener = caf::typed_actor<caf::reacts_to<avail_atom, provider_view>>;

// One configured (provider, model). Owns rate windows, cooldowns, backoff, circuit,
// broken/unreachable state and daily counters.
using provider_actor = caf::typed_actor<
  // Runs one generation if it can be sent now, else answers at once with cls == busy.
  caf::replies_to<generate_atom, gen_task>::with<gen_outcome>,
  // Full operator view.
  caf::replies_to<status_atom>::with<provider_status>,
  // Registers a listener that receives (avail_atom, provider_view) on every change,
  // starting with the current view.
  caf::reacts_to<subscribe_atom, avail_listener>,
  // Internal: an upstream call finished (posted from the io thread).
  caf::reacts_to<http_done_atom, std::uint64_t, net::http_result>,
  // Internal: a timer fell due (windows free up, cooldown/backoff/circuit ends).
  caf::reacts_to<tick_atom>,
  // Internal: background health probe while unreachable.
  caf::reacts_to<health_atom>,
  // Internal: result of a health probe.
  caf::reacts_to<health_atom, net::http_result>,
  // Operator reset: clears broken, unreachable, cooldown, backoff and an open circuit (rate
  // windows stay: they are what the provider counts). Answers the new state.
  caf::replies_to<reset_atom>::with<provider_status>,
  // A valid reload left this provider's settings as they were: a broken or unreachable
  // state is tried again.
  caf::reacts_to<reload_atom>,
  // A reload removed or replaced this actor: it takes no new work, tells no subscriber,
  // lets its calls in flight finish (their callers get the answers) and then quits.
  caf::reacts_to<retire_atom>>;

// The providers the scheduler routes to, with their settings.
using provider_entries = std::vector<std::pair<provider_config, provider_actor>>;

// The only LMDB writer. Group commit: batches by count and a short timer, replies after
// the transaction committed (acknowledged == durable).
using archiver_actor = caf::typed_actor<
  // Queues a batch; replies once it is committed (or failed / storage full).
  caf::replies_to<archive_atom, store::write_batch>::with<store::commit_result>,
  // Commits everything pending now; replies when done.
  caf::replies_to<flush_atom>::with<bool>,
  // Re-scores every stored example with the current rubric (memory threshold, library
  // threshold, quality.language, force), in chunks between other commits; replies with the
  // threshold crossings, or ec::storage_error when a chunk could not be written.
  caf::replies_to<rescore_atom, double, double, std::string, bool>::with<store::rescore_counts>,
  // Internal: the next rescore chunk.
  caf::reacts_to<rescore_atom>,
  // Internal: the batching timer fell due.
  caf::reacts_to<tick_atom>>;

// The live stream's hub (actors/event_hub.hpp): scheduler, providers and the planner
// publish typed events; it numbers them, keeps a byte-bounded ring for Last-Event-ID
// resume, throttles provider events to about one a second each and fans out to sinks.
using event_hub_actor = caf::typed_actor<
  caf::reacts_to<publish_atom, live_event>,
  // A new subscriber; events after `last_event_id` still in the ring are replayed (0: none).
  caf::reacts_to<subscribe_atom, live_sink_ptr, std::uint64_t>,
  // Internal: throttled provider events and heartbeats fall due.
  caf::reacts_to<tick_atom>>;

// Holds jobs and their one-element tasks and routes them down the priority groups.
using scheduler_actor = caf::typed_actor<
  // Creates a job (HTTP client or planner) and answers its id once the job is durable;
  // errors are zega::ec (invalid_request, queue_full, storage_full, storage_error,
  // shutting_down).
  caf::replies_to<submit_atom, job_request>::with<std::string>,
  // The same, and the sink receives the job's events from the first one: submit and
  // follow in one message (POST /auto-train, /auto-train-stream).
  caf::replies_to<submit_atom, job_request, job_sink_ptr>::with<std::string>,
  // Streams a job's events (replaying those after `last_event_id`) into the sink.
  caf::reacts_to<subscribe_atom, std::string, std::uint64_t, job_sink_ptr>,
  // Cancels a job: queued tasks dropped, in-flight calls finish and are kept;
  // ec::unknown_job for an id not known.
  caf::replies_to<cancel_atom, std::string>::with<cancel_report>,
  // Lists jobs / one job (ec::unknown_job for an id not known).
  caf::replies_to<jobs_atom>::with<jobs_report>,
  caf::replies_to<job_atom, std::string>::with<jobs::job_summary>,
  // Pause / resume dispatch; answers once persisted (ec::storage_error if the write failed).
  caf::replies_to<pause_atom>::with<pause_report>,
  caf::replies_to<resume_atom>::with<pause_report>,
  // GET /status body.
  caf::replies_to<status_atom>::with<status_report>,
  // GET /models/available: the providers only.
  caf::replies_to<providers_atom>::with<status_report>,
  // One real call on the named provider (zegactl probe); ec::unknown_provider,
  // ec::provider_timeout.
  caf::replies_to<probe_atom, std::string>::with<probe_report>,
  // Builds zega-{user} (POST /user/{id}/trigger-finetuning): exports the dataset, calls
  // Ollama's /api/create, records the attempt; answers ZEGA's outcome, failures included.
  caf::replies_to<finetune_atom, std::string>::with<training::finetune_outcome>,
  // Internal: a user's training data as read off this thread.
  caf::reacts_to<userstats_atom, std::string, user_stats_load>,
  // Internal: a fine-tuning plan (export done) and Ollama's answer to it.
  caf::reacts_to<finetune_atom, std::string, store::finetune_plan>,
  caf::reacts_to<finetune_atom, std::string, net::http_result>,
  // Internal: finetune.command ended (exit status, its log's tail).
  caf::reacts_to<finetune_atom, std::string, int, std::string>,
  // Shutdown: stop dispatching, reply true once in-flight calls are done and archived.
  caf::replies_to<drain_atom>::with<bool>,
  // From providers: availability changed.
  caf::reacts_to<avail_atom, provider_view>,
  // Internal: pacing / wait timers and heartbeats.
  caf::reacts_to<tick_atom>,
  // Reload: the new configuration in force and the provider set (kept actors, new ones for
  // added or changed providers). Queued tasks are routed again over the new set; calls in
  // flight finish on the actors that took them. Answers true once switched.
  caf::replies_to<reload_atom, config, provider_entries>::with<bool>,
  // POST /providers/{name}/reset; ec::unknown_provider for a name not configured.
  caf::replies_to<reset_atom, std::string>::with<provider_status>>;

// Anything else that follows the configuration receives each valid reload's configuration
// (the one in force: restart-only settings keep their old values). The planner is meant to
// be one: on (reload_atom, config) it takes the new `schedules` — a schedule kept by name
// keeps its persisted progress (phase, day, tasks done today) and takes the new targets and
// window from the next task it plans; a removed schedule plans nothing more (its tasks
// already submitted finish as jobs); a new one starts at its first phase today. main wires
// it with reloader_deps::listeners.
using config_listener = caf::typed_actor<caf::reacts_to<reload_atom, config>>;

// Re-reads the config file and .env, validates, and applies a valid result everywhere
// (providers, scheduler, listeners, log level); an invalid one changes nothing. The
// string names the trigger for the log ("SIGHUP", "POST /reload").
using reloader_actor = caf::typed_actor<caf::replies_to<reload_atom, std::string>::with<reload_report>>;

// One configured schedule (schedules[]): turns its phases and window into one-example
// scheduled jobs spread over each day's window; its state lives in the archive.
using planner_actor = caf::typed_actor<
  // The schedule's progress.
  caf::replies_to<schedule_atom>::with<schedule_view>,
  // Pause / resume with the scheduler: window time lost while paused counts as missed.
  caf::reacts_to<pause_atom>,
  caf::reacts_to<resume_atom>,
  // Internal: a job of one of its tasks ended (day, seq, job id, successful).
  caf::reacts_to<task_done_atom, std::int64_t, std::uint32_t, std::string, bool>,
  // A reload replaced or removed the schedule: the state is written one last time, the
  // answer says it is durable, and the planner quits (its running jobs carry on; the
  // successor follows them from the archive).
  caf::replies_to<retire_atom>::with<bool>,
  // Internal: the timer of the given generation fell due.
  caf::reacts_to<tick_atom, std::uint64_t>>;

} // namespace zega

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::config)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::provider_entries)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::jobs::job_summary)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::store::rescore_counts)
