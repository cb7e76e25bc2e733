#pragma once
// GET /schedule and the "schedules" member of GET /status: the planners' progress as JSON.

#include "net/api/api.hpp"

#include <functional>
#include <string>
#include <vector>

namespace zega::net {

// Answers GET /schedule; false when the path is not its own.
bool route_schedule(const api_context& ctx, server_request& req, responder& res);

// GET /status: the scheduler's document with "schedules" added.
void status_with_schedules(const api_context& ctx, const responder& res);

// Asks every running planner for its schedule_view (bounded; one that does not answer is
// left out) and calls `done` with them, in the configuration's order, on an actor's thread.
void gather_schedules(const api_context& ctx,
                      std::function<void(std::vector<schedule_view>)> done);

// One schedule as JSON (also the SSE "schedule" event's body).
std::string schedule_json(const schedule_view& v);
// The GET /schedule document: the first schedule's fields at the top (what the console
// reads), every schedule under "schedules".
std::string schedules_document(const std::vector<schedule_view>& views);

} // namespace zega::net
