#pragma once
// Message types exchanged between actors. All actors live in one process, so records are
// passed as plain copyable structs (allowed as "unsafe" message types: never serialised).

#include "net/providers/codec.hpp"
#include "net/http/types.hpp"
#include "store/records.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zega {

// Times inside messages are actor-clock nanoseconds since the clock's epoch
// (self->clock().now().time_since_epoch()), so tests drive them with the test clock.
using clock_ns = std::int64_t;

// One generation to run on a provider.
struct gen_task {
  std::uint64_t task_id = 0;
  std::string job_id;
  std::uint64_t task_seq = 0;
  net::generation_params params;
  bool probe = false; // operator probe: bypasses nothing, but is not a job task
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

enum class provider_state : std::uint8_t {
  available,   // may accept now
  busy,        // at a limit (window, in-flight, interval); free again at next_free
  cooldown,    // the provider told us to wait (429 hint, daily quota) until next_free
  backoff,     // transient failures: waiting out a jittered backoff
  open,        // circuit open until next_free, then half-open (one probe call)
  half_open,   // one trial call allowed
  unreachable, // class G; background health probe re-enables
  broken,      // class F; stays until the config changes
  disabled,    // not enabled in config or its key is missing
};
const char* to_string(provider_state s);

// Pushed to subscribers whenever availability changes; the scheduler routes from these.
struct provider_view {
  std::string name;
  std::string model;
  int priority = 1;
  provider_state state = provider_state::available;
  int in_flight = 0;
  int max_in_flight = 1;
  clock_ns next_free = 0; // earliest time a call could be accepted (0 = now)
  std::string reason;     // why not available (operator text)
  // For the deadline rule's estimates: limits as configured or learned from the provider.
  long rpm = 0;           // requests per minute, 0 = none known
  long day_left = -1;     // requests left in its day, -1 = no daily limit known
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
};

// Receives a job's events (progress, heartbeat, complete) on behalf of an HTTP client.
// Implemented by the HTTP layer; called from the scheduler's thread, must not block.
class job_sink {
public:
  virtual ~job_sink() = default;
  // The job exists: its events follow. A push before open() refuses the subscription
  // (unknown job) with an "error" event.
  virtual void open() {}
  // `id` is the event id (for Last-Event-ID); 0 for what is not in the job's event log
  // (heartbeats, errors). Returns false when the client is gone.
  virtual bool push(std::uint64_t id, const std::string& json) = 0;
  // The job is over (after its "complete" event); the sink may close its stream.
  virtual void close() = 0;
};
using job_sink_ptr = std::shared_ptr<job_sink>;

// Generic JSON reply for status/jobs queries: status code + body.
struct json_reply {
  int http_status = 200;
  std::string body;
};

} // namespace zega

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::gen_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::gen_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::provider_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::provider_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::job_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::job_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::json_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::store::write_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::store::commit_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(zega::net::http_result)
