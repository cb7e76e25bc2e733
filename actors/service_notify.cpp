#include "actors/service_notify.hpp"

#include "actors/atoms.hpp"

#include <systemd/sd-daemon.h>

namespace zega {

void notify_ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1\nSTATUS=draining"); }

void notify_reloading() { sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration"); }

void notify_watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::chrono::microseconds watchdog_tick(std::uint64_t watchdog_usec) {
  return std::chrono::microseconds(watchdog_usec / 2);
}

std::chrono::microseconds watchdog_tick_from_env() {
  std::uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) names this process.
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds(0);
  return watchdog_tick(usec);
}

caf::behavior watchdog(caf::event_based_actor* self, std::chrono::microseconds period,
                       std::function<void()> ping) {
  self->delayed_send(self, period, tick_atom::value);
  return {
    [self, period, ping](tick_atom) {
      ping();
      self->delayed_send(self, period, tick_atom::value);
    },
  };
}

} // namespace zega
