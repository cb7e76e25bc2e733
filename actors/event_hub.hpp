#pragma once
// The live stream's hub (GET /events): one actor that the scheduler, the providers and the
// planner publish typed events to, and that fans them out to the SSE subscribers.
//
// Publishing, from any actor or thread:
//   live_event e;
//   e.kind = live_kind::schedule;      // or job, provider, paused, resumed
//   e.schedule = view;                 // the member named by kind
//   caf::anon_send(hub, publish_atom::value, std::move(e));
// Each planner publishes its schedule_view (actors/messages.hpp) on every change; the
// hub handle reaches it through its deps like the scheduler's.
//
// - Each event gets an id (1, 2, ...); the rendered events are kept in a ring bounded in
//   bytes, so a client reconnecting with Last-Event-ID gets what it missed, or a "resync"
//   event when the ring no longer reaches back that far (it then re-reads /status).
// - Provider events come with every state and usage change; the hub sends at most one per
//   provider per `provider_interval` (the latest one, at the end of the interval).
// - A subscriber whose push fails (client gone, or dropped by the server because its queue
//   passed server.sse_queue_max_events) is removed; it resumes with Last-Event-ID.
// - Heartbeats (SSE comments) every `heartbeat` keep proxies from closing idle streams.

#include "actors/actors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace zega {

struct event_hub_deps {
  // Renders one event as the SSE data line's JSON (net/api/views_events.cpp): the hub
  // itself knows no JSON.
  std::function<std::string(const live_event&)> render;
  std::size_t ring_max_bytes = 256 * 1024;
  std::chrono::milliseconds provider_interval{1000};
  std::chrono::milliseconds heartbeat{15000}; // 0 = none
};

struct event_hub_state {
  static inline const char* name = "event_hub";

  event_hub_deps deps;
  std::uint64_t next_id = 1;
  std::deque<std::pair<std::uint64_t, std::string>> ring;
  std::size_t ring_bytes = 0;
  std::vector<live_sink_ptr> sinks;
  // Per provider: when its last event went out, and the latest one held back since.
  std::map<std::string, clock_ns> provider_sent;
  std::map<std::string, live_event> provider_held;
  clock_ns last_heartbeat = 0;
  clock_ns tick_at = 0; // earliest pending tick, 0 = none
};

event_hub_actor::behavior_type event_hub(event_hub_actor::stateful_pointer<event_hub_state> self,
                                         event_hub_deps deps);

} // namespace zega
