#pragma once
// ZEGA's per-user routes (issue 12): GET /user/{id}/training-stats and
// POST /user/{id}/trigger-finetuning, in the old service's shapes.

#include "net/api/api.hpp"

namespace zega::net {

// Answers the request and returns true when its path is one of these routes.
bool route_zega(const api_context& ctx, server_request& req, responder& res);

} // namespace zega::net
