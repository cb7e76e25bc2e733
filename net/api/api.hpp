#pragma once
// The daemon's HTTP API (design.md section 6): maps routes onto actor messages and store
// reads. Runs on the io thread and never blocks it: actor replies come back through small
// bridge actors, long streams (export) run on their own thread.

#include "actors/actors.hpp"
#include "config/config.hpp"
#include "net/http/server.hpp"

#include <atomic>
#include <string>

namespace caf {
class actor_system;
}

namespace zega::store {
class store;
}

namespace zega::net {

struct api_context {
  caf::actor_system* system = nullptr;
  scheduler_actor scheduler;
  event_hub_actor hub; // GET /events; may be invalid (then 404)
  const store::store* db = nullptr;
  const config* cfg = nullptr;
  std::atomic<bool>* shutting_down = nullptr; // new work answered with 503 once set
};

// Entry point for every request of the front end.
void handle_api_request(const api_context& ctx, server_request req, responder res);

} // namespace zega::net
