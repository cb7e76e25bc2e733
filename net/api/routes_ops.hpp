#pragma once
// Operator routes: POST /reload, POST /providers/{name}/reset, POST /backup.

#include "net/api/api.hpp"

namespace zega::net {

// Answers the request when its path is one of these routes; false when it is not.
bool route_ops(const api_context& ctx, server_request& req, responder& res);

} // namespace zega::net
