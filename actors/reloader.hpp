#pragma once
// The reloader: SIGHUP, POST /reload and `zegactl reload` re-read the configuration file and
// the .env file. An invalid result changes nothing (the log and the answer say why); a
// valid one is applied: provider actors for added or changed providers, retirement of
// removed or replaced ones once their calls finish, the scheduler's configuration and
// provider set, a new planner for each added or changed schedule (the old one writes its
// state and quits first), the log level, and the listeners. Detached: it reads files.

#include "actors/actors.hpp"
#include "actors/planner_set.hpp"
#include "config/config.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zega {

// Loads the configuration the way zegad does at start: with `config_optional`, a file that
// does not exist means the built-in defaults (`defaults` is then set); an unreadable or
// invalid file is an error.
load_result load_running_config(load_options opts, bool config_optional, bool* defaults = nullptr);

struct reloader_deps {
  load_options load;            // as zegad started: file, .env, --data-dir, --listen
  bool config_optional = false;
  config current;               // in force
  provider_entries providers;   // as the scheduler routes over them
  // Spawns the actor of one provider under `cfg` (transport, archiver, persisted counters).
  std::function<provider_actor(const provider_config&, const config& cfg)> spawn_provider;
  scheduler_actor scheduler;
  // The running planners; a changed schedule's planner retires and a new one starts.
  std::shared_ptr<planner_set> planners;
  std::function<planner_actor(const schedule_config&, const config& cfg)> spawn_planner;
  std::vector<config_listener> listeners;
  // Called after each applied reload with the configuration in force (main: /health).
  std::function<void(const config&)> on_applied;
};

struct reloader_state {
  static inline const char* name = "reloader";
  reloader_deps deps;
  bool busy = false; // a reload waits for the scheduler; another one is refused meanwhile
};

reloader_actor::behavior_type reloader(reloader_actor::stateful_pointer<reloader_state> self,
                                       reloader_deps deps);

} // namespace zega
