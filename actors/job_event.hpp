#pragma once
// One event of a job's stream (POST /auto-train-stream, GET /jobs/{id}/events, the planner's
// follow-up), typed: the scheduler fills it, net/api/views_jobs.cpp renders it as JSON.

#include "actors/errors.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace zega {

namespace jobs {
struct job_summary;
}

enum class job_event_kind : std::uint8_t {
  progress,  // one task finished (archived or failed)
  complete,  // the job is over; `summary` holds its result
  error,     // the subscription was refused (unknown job)
  heartbeat, // nothing happened for server.heartbeat_ms; not in the job's event log
};

struct job_event {
  job_event_kind kind = job_event_kind::progress;
  std::string job_id;

  // progress: counts after the task, and what the latest result was.
  int current = 0;
  int total = 0;
  std::optional<double> latest_quality; // none when the latest task failed
  std::string current_genre;            // the latest result's genre ("" before the first)
  std::optional<std::uint64_t> story_id; // the archived example this event acknowledges
  std::string best_model;
  int successful = 0;
  int failed = 0;
  int stories_saved = 0;

  // complete: shared, since the job's event log keeps it for replay and every sink reads it.
  std::shared_ptr<const jobs::job_summary> summary;

  // error
  ec error = ec::none;
  std::string message;
};

} // namespace zega
