#pragma once
// What a provider actor tells its listeners about its availability, as plain data: the
// routing policy decides from it without knowing CAF (actors/messages.hpp carries it).

#include <cstdint>
#include <string>

namespace zega {

// Times inside messages (and these views) are actor-clock nanoseconds since the clock's epoch
// (self->clock().now().time_since_epoch()), so tests drive them with the test clock.
using clock_ns = std::int64_t;

enum class provider_state : std::uint8_t {
  available,   // may accept now
  busy,        // at a limit (window, in-flight, interval); free again at next_free
  cooldown,    // the provider told us to wait (429 hint, daily quota) until next_free
  backoff,     // transient failures: waiting out a jittered backoff
  open,        // circuit open until next_free, then half-open (one probe call)
  half_open,   // one trial call allowed
  unreachable, // class G; background health probe re-enables
  broken,      // class F; stays until the config changes
  disabled,    // not enabled in config or its key is missing
};
const char* to_string(provider_state s);

// Pushed to subscribers whenever availability changes; the scheduler routes from these.
struct provider_view {
  std::string name;
  std::string model;
  int priority = 1;
  provider_state state = provider_state::available;
  int in_flight = 0;
  int max_in_flight = 1;
  clock_ns next_free = 0; // earliest time a call could be accepted (0 = now)
  std::string reason;     // why not available (operator text)
  // Only limits.reserve_per_day is left today: interactive work only, scheduled tasks are
  // refused (routing sends them elsewhere).
  bool reserve_reached = false;
  // For the deadline rule's estimates: limits as configured or learned from the provider.
  long rpm = 0;           // requests per minute, 0 = none known
  long day_left = -1;     // requests left in its day, -1 = no daily limit known
};

} // namespace zega
