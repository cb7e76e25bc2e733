#pragma once
// systemd's notify protocol (sd_notify from libsystemd) for Type=notify units: READY once
// the store and the listener are up, WATCHDOG from a health tick, STOPPING on drain. Every
// call is a no-op when NOTIFY_SOCKET is unset (started by hand, tests), so main calls them
// unconditionally.
// It lives in actors/ because the watchdog tick is an actor: a ping proves that the actor
// system still runs its timers and mailboxes, which a thread of its own would not.

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace zega {

void notify_ready(const std::string& status);
void notify_stopping();
// A reload starts (RELOADING=1); notify_ready() says it is over.
void notify_reloading();
void notify_watchdog();

// The tick period for a WatchdogSec of `watchdog_usec`: half of it, so one late tick does
// not get the service killed; zero when the watchdog is off (0).
std::chrono::microseconds watchdog_tick(std::uint64_t watchdog_usec);
// The tick period systemd asks this process for (WATCHDOG_USEC, WATCHDOG_PID); zero = none.
std::chrono::microseconds watchdog_tick_from_env();

// Calls `ping` every `period` from a timer self-message; stops with its actor.
caf::behavior watchdog(caf::event_based_actor* self, std::chrono::microseconds period,
                       std::function<void()> ping);

} // namespace zega
