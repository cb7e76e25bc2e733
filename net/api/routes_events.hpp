#pragma once
// GET /events: the live stream (Server-Sent Events) of every job's progress, provider
// state and usage, schedule ticks and pause/resume, fed by the event hub
// (actors/event_hub.hpp). The event JSON is written here (live_event_json).

#include "net/api/api.hpp"

#include <string>

namespace zega::net {

// The `data:` JSON of one live event:
//   {"type":"job","job_id",...}  {"type":"provider","provider":{/status provider}}
//   {"type":"schedule","schedule":{GET /schedule shape}}  {"type":"paused"}
//   {"type":"resumed"}  {"type":"resync"} (missed events are gone: re-read /status, /jobs)
std::string live_event_json(const live_event& e);

// The Last-Event-ID header (or ?last_event_id=) of a resuming SSE client; 0 when absent.
std::uint64_t last_event_id_of(const server_request& req);

// Answers GET /events; false when the path is not /events.
bool route_events(const api_context& ctx, server_request& req, responder& res);

} // namespace zega::net
