#pragma once
// JSON views of the scheduler's typed job answers: GET /jobs, GET and DELETE /jobs/{id}, and
// the job events streamed by POST /auto-train-stream and GET /jobs/{id}/events.

#include "actors/job.hpp"
#include "actors/job_event.hpp"
#include "actors/messages.hpp"

#include <string>

namespace zega::net {

std::string jobs_view(const jobs_report& r);
// ZEGA's /auto-train result shape (the same body as the job's "complete" event).
std::string job_view(const jobs::job_summary& s);
std::string cancel_view(const cancel_report& r);
// One job event: {"type":"progress"|"complete"|"error"|"heartbeat",...}; a "complete"
// carries job_view's body as "result".
std::string job_event_json(const job_event& e);

} // namespace zega::net
