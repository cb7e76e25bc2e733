#pragma once
// The daemon's HTTP API (design.md section 6): maps routes onto actor messages and store
// reads. Runs on the io thread and never blocks it: actor replies come back through small
// bridge actors, long streams (export) run on their own thread.

#include "actors/actors.hpp"
#include "config/config.hpp"
#include "config/config_cell.hpp"
#include "actors/planner_set.hpp"
#include "net/http/server.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
  std::shared_ptr<planner_set> planners; // one per configured schedule; may be null
  archiver_actor archiver; // curation (PATCH /examples) and POST /rescore write through it
  reloader_actor reloader;  // POST /reload
  event_hub_actor hub; // GET /events; may be invalid (then 404)
  const store::store* db = nullptr;
  const config* cfg = nullptr; // as started (server.* and storage.* stay so until a restart)
  std::shared_ptr<config_cell> live_cfg; // in force after reloads; may be null (tests)
  std::atomic<bool>* shutting_down = nullptr; // new work answered with 503 once set
};

// The configuration in force: the last applied reload's, else the one started with.
std::shared_ptr<const config> config_in_force(const api_context& ctx);

// Runs `fn` (a store read that may scan many records) on a thread of its own, at most a few
// at once; beyond that the client is told to come back (503). Never on the io thread.
void run_off_io(const api_context& ctx, const responder& res, std::function<void()> fn);

// Entry point for every request of the front end.
void handle_api_request(const api_context& ctx, server_request req, responder res);

} // namespace zega::net
