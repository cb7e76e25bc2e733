#pragma once
// Message types exchanged between actors. All actors live in one process, so records are
// passed as plain copyable structs (allowed as "unsafe" message types: never serialised).

#include "actors/policy/call_stats.hpp"
#include "actors/policy/provider_view.hpp"
#include "net/providers/codec.hpp"
#include "net/http/types.hpp"
#include "store/finetune.hpp"
#include "store/records.hpp"
#include "training/finetune.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zega {

// One generation to run on a provider.
struct gen_task {
  std::uint64_t task_id = 0;
  std::string job_id;
  std::uint64_t task_seq = 0;
  net::generation_params params;
  bool probe = false; // operator probe: bypasses nothing, but is not a job task
  // Work of a schedule: never spends the provider's limits.reserve_per_day.
  bool scheduled = false;
};

// The provider's answer. For cls == busy nothing was sent upstream and `busy_until`
// says when it may accept again.
struct gen_outcome {
  std::uint64_t task_id = 0;
  std::string provider;
  std::string model;
  net::call_result result;
  std::int64_t latency_us = 0;
  clock_ns busy_until = 0;
};

// One quota window of a provider as the operator sees it (used against limit).
struct quota_window {
  long requests_used = 0;
  long requests_limit = 0;       // 0 = no limit known
  long tokens_used = 0;
  long tokens_limit = 0;         // 0 = no limit known
  std::int64_t resets_at_ms = 0; // wall-clock Unix ms when the count next drops; 0 = none
};

// Full operator view of one provider (GET /status, /models/available).
struct provider_status {
  provider_view view;
  std::string kind;
  std::string base_url;
  std::string circuit;          // closed | open | half_open
  int consecutive_failures = 0;
  std::string broken_message;   // one clear operator message when broken
  std::string cooldown_reason;
  long requests_today = 0;
  long tokens_today = 0;
  long rpd = 0;                 // 0 = unknown
  long tpd = 0;
  long requests_last_minute = 0;
  long tokens_last_minute = 0;
  long calls_total = 0;
  long failures_total = 0;
  // Operator fields of issue 14 (console gauges, /metrics).
  bool enabled = true;
  bool available = false;       // free at `now` (routing's view)
  clock_ns now = 0;             // when this was taken: busy_until etc. are relative to it
  std::int64_t wall_now_ms = 0; // the same moment as wall-clock Unix ms (0 = unknown)
  bool quota_exhausted = false; // a daily quota is used up (until day.resets_at_ms)
  quota_window minute;
  quota_window day;
  std::optional<double> latency_p50_ms; // over the recent calls; none without calls
  std::optional<double> latency_p95_ms;
  std::optional<double> error_rate;     // 0..1 over the recent calls
  std::map<std::string, long> calls_by_outcome; // stats::outcome_label -> calls since start
  stats::histogram latency_s{stats::latency_buckets()}; // upstream call latency, seconds
};

// Where a job comes from: a client waiting on it (HTTP) or the planner's calendar.
// Scheduled jobs carry a deadline by which their tasks are worth running at all.
enum class job_kind : std::uint8_t { interactive, scheduled };

// A batch request (POST /auto-train and friends, or a planner's scheduled work), validated
// before it reaches the scheduler.
struct job_request {
  std::string user_id = "default";
  int num_examples = 1;
  std::vector<std::string> genres;   // empty = all
  std::vector<std::string> elements; // empty = all
  int min_votes = 1;
  bool store_in_memory = true;
  bool save_to_database = true;
  job_kind kind = job_kind::interactive;
  std::int64_t deadline_ms = 0;      // wall-clock Unix ms; 0 = none (interactive jobs)
  // Scheduled jobs: "<schedule>/<day>/<seq>", the planner task it serves, so a planner
  // restarted before it learned the job id still finds it.
  std::string origin;
};

// One day of a schedule as the operator sees it (GET /schedule "days").
struct schedule_day {
  std::int64_t day = 0; // local date, days since 1970-01-01
  int target = 0;
  int done = 0;
  int failed = 0;
  bool missed = false;  // the daemon did not run that day at all
};

// A schedule's progress (GET /schedule, /status "schedules"). Times are Unix ms, 0 = none.
struct schedule_view {
  std::string name;
  std::string user_id;
  std::string timezone;
  int phase = 0;
  std::string phase_description;
  std::int64_t day_index = 0;
  bool paused = false;
  schedule_day today;
  bool day_open = false;
  std::int64_t window_start_ms = 0;
  std::int64_t window_end_ms = 0;
  int window_start_minute = 0;       // the configured local window ("HH:MM" as minutes)
  int window_end_minute = 24 * 60;
  std::int64_t next_task_at_ms = 0;
  std::int64_t total_done = 0;
  std::int64_t missed_days = 0;
  int in_flight = 0;
  std::vector<schedule_day> days; // up to 30, oldest first
};

struct job_event; // actors/job_event.hpp

// Receives a job's events (progress, heartbeat, complete) on behalf of an HTTP client or the
// planner. Called from the scheduler's thread, must not block.
class job_sink {
public:
  virtual ~job_sink() = default;
  // The job exists: its events follow. A push before open() refuses the subscription
  // (unknown job) with an "error" event.
  virtual void open() {}
  // `id` is the event id (for Last-Event-ID); 0 for what is not in the job's event log
  // (heartbeats, errors). Returns false when the client is gone.
  virtual bool push(std::uint64_t id, const job_event& event) = 0;
  // The job is over (after its complete event); the sink may close its stream.
  virtual void close() = 0;
};
using job_sink_ptr = std::shared_ptr<job_sink>;

// What a reload did (POST /reload, SIGHUP). Not applied: `errors` say why, and the running
// configuration stays as it was.
struct reload_report {
  bool applied = false;
  std::vector<std::pair<std::string, std::string>> errors; // (field path, problem)
  std::vector<std::string> changes;      // applied, one line each ("routing.slack 0.1 -> 0.2")
  std::vector<std::string> need_restart; // seen, kept until a restart
};

// What the store knows about one user's training data (read off the scheduler's thread):
// ZEGA's training_stats inputs, and the newest example id the read saw, so examples
// archived meanwhile are counted once.
struct user_stats_load {
  training::training_stats_input input;
  std::uint64_t last_id = 0;
};

// The last run of finetune.command (operator view in /status).
struct finetune_command_run {
  std::string user;
  int pid = 0;
  bool running = false;
  int exit_status = -1;  // exit code, or 128 + signal
  std::string log_path;
  std::string log_tail;
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
  std::string error;     // could not be started
};

// Fine-tuning in GET /status: the settings, users whose build runs, finetune.command's last run.
struct finetune_report {
  int threshold = 0;
  bool auto_trigger = false;
  std::string base_model;
  std::vector<std::string> building;
  std::optional<finetune_command_run> command;
};

// The daemon's state for GET /status and /metrics; rendered by net/api/views_status.cpp.
struct status_report {
  std::string state;             // running | paused | storage_full | draining
  bool paused = false;
  std::int64_t paused_since_ms = 0;
  std::string reason;
  std::string pacing;
  int queue_depth = 0;
  int in_flight = 0;
  int pending_archive = 0;
  std::uint64_t jobs_active = 0;
  std::uint64_t jobs_finished = 0;
  std::uint64_t tasks_pending = 0;
  std::vector<provider_status> providers;
  std::string dataset_user = "default";
  long dataset_examples = 0;
  int fine_tune_threshold = 0;
  bool ready_for_finetuning = false;
  finetune_report finetune;
  // Since start, for /metrics.
  std::map<std::string, std::uint64_t> jobs_by_state;          // terminal states + "started"
  std::map<std::string, std::uint64_t> examples_by_quality;    // "0".."9" (score floor)
  stats::histogram queue_wait_s{stats::wait_buckets()};        // task created -> first call
  stats::histogram task_duration_s{stats::wait_buckets()};     // task created -> done
};

// One entry of GET /jobs (net/api/views_jobs.cpp writes it).
struct job_brief {
  std::string job_id;
  std::string user_id;
  std::string state;
  int total_requested = 0;
  int successful = 0;
  int failed = 0;
  int duplicates_rejected = 0;
  int queued = 0;
  int in_flight = 0;
  int min_votes = 1;
  std::int64_t started_ms = 0;
};

// GET /jobs: unfinished jobs in round-robin order, then finished ones, newest first.
struct jobs_report {
  std::vector<job_brief> jobs;
};

// One job's progress on the live stream (GET /events, type "job").
struct job_progress {
  std::string job_id;
  std::string user_id;
  std::string state;
  int total = 0;
  int current = 0;
  int successful = 0;
  int failed = 0;
  std::optional<double> latest_quality;
  std::string current_genre;
  std::string best_model;
};

enum class live_kind : std::uint8_t { job, provider, schedule, paused, resumed, resync };

// One event of the live stream; only the member named by `kind` is meaningful.
struct live_event {
  live_kind kind = live_kind::job;
  job_progress job;
  provider_status provider;
  schedule_view schedule;
};

// A subscriber of the live stream (an SSE client). Called from the hub's thread, must not
// block. `data` empty with id 0 is a heartbeat. Returns false once the client is gone.
class live_sink {
public:
  virtual ~live_sink() = default;
  virtual bool push(std::uint64_t id, const std::string& data) = 0;
};
using live_sink_ptr = std::shared_ptr<live_sink>;

// POST /pause, /resume: dispatch's state once it is persisted (a failed write is
// ec::storage_error).
struct pause_report {
  bool paused = false;        // paused by the operator or by a full storage
  std::int64_t since_ms = 0;  // wall-clock Unix ms; meaningful while paused
  std::string state;          // running | paused | storage_full | draining
};

// DELETE /jobs/{id}: what cancelling did (an unknown job is ec::unknown_job).
struct cancel_report {
  std::string job_id;
  std::string state;  // the job's terminal state, or "cancelling" while calls finish
  int dropped = 0;    // queued tasks dropped
  int in_flight = 0;  // calls still running (they finish and are kept)
};

// POST /providers/{name}/probe: one real call's outcome (ec::unknown_provider,
// ec::provider_timeout otherwise).
struct probe_report {
  std::string provider;
  std::string model;
  net::call_result result;
  std::int64_t latency_ms = 0;
  std::int64_t busy_for_ms = 0; // until the provider accepts again, 0 = now
};

} // namespace zega

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::gen_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::gen_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::provider_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::provider_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::job_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::job_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::pause_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::cancel_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::probe_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::schedule_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::reload_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::status_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::jobs_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::live_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::live_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::store::write_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::store::commit_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::net::http_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::user_stats_load)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::store::finetune_plan)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::training::finetune_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::training::training_stats)
