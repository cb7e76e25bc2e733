#pragma once
// What a reload changes: the difference between the running configuration and a newly
// loaded one, in operator words ("routing.slack 0.1 -> 0.2", "providers: added gemini"),
// and which providers need a fresh actor. CAF-free; read by the reloader (actors/reloader).

#include "config/config.hpp"

#include <set>
#include <string>
#include <vector>

namespace zega {

struct config_changes {
  // Applied by a reload, one line per change.
  std::vector<std::string> applied;
  // Seen but kept as they are until a restart (the listener, the archive, the guards).
  std::vector<std::string> need_restart;
  std::set<std::string> providers_added;
  std::set<std::string> providers_removed;
  // Settings, key or enabled state changed: the provider starts over with a new actor.
  std::set<std::string> providers_changed;
  // Schedules added, removed or changed: each gets a new planner (or none, when removed).
  std::set<std::string> schedules_changed;
  bool empty() const { return applied.empty() && need_restart.empty(); }
};

config_changes diff_configs(const config& before, const config& after);

// `after` with the settings a running daemon cannot change (server.* but heartbeat_ms,
// storage.* but finished_jobs_max_bytes and on_interrupted) kept from `before`: the
// configuration that is really in force after a reload.
config applicable_config(const config& before, const config& after);

} // namespace zega
