#include "actors/runtime.hpp"

#include <caf/actor_system_config.hpp>

#include <cstddef>

namespace zega {

void tune_scheduler(caf::actor_system_config& cfg) {
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
}

} // namespace zega
