#include "actors/event_hub.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace zega {

namespace {

using self_ptr = event_hub_actor::stateful_pointer<event_hub_state>;

clock_ns now_ns(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

clock_ns ns_of(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// Pushes to every sink, dropping those that are gone or too far behind.
void fan_out(self_ptr self, std::uint64_t id, const std::string& data) {
  auto& sinks = self->state.sinks;
  sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                             [&](const live_sink_ptr& s) { return !s->push(id, data); }),
              sinks.end());
}

void send(self_ptr self, const live_event& e) {
  auto& st = self->state;
  auto data = st.deps.render(e);
  auto id = st.next_id++;
  st.ring.emplace_back(id, data);
  st.ring_bytes += data.size();
  // The newest event always stays, whatever its size.
  while (st.ring.size() > 1 && st.ring_bytes > st.deps.ring_max_bytes) {
    st.ring_bytes -= st.ring.front().second.size();
    st.ring.pop_front();
  }
  fan_out(self, id, data);
}

void arm(self_ptr self, clock_ns at) {
  auto& st = self->state;
  auto now = now_ns(self);
  if (at <= now)
    at = now + 1;
  if (st.tick_at > now && st.tick_at <= at)
    return; // an earlier tick re-arms what is still needed
  st.tick_at = at;
  self->delayed_send(self, std::chrono::nanoseconds(at - now), tick_atom::value);
}

// Next moment something is due: a held provider event or a heartbeat.
void rearm(self_ptr self) {
  auto& st = self->state;
  auto interval = ns_of(st.deps.provider_interval);
  clock_ns next = 0;
  for (const auto& [name, _] : st.provider_held) {
    auto due = st.provider_sent[name] + interval;
    next = next == 0 ? due : std::min(next, due);
  }
  auto hb = ns_of(st.deps.heartbeat);
  if (hb > 0 && !st.sinks.empty()) {
    auto due = st.last_heartbeat + hb;
    next = next == 0 ? due : std::min(next, due);
  }
  if (next != 0)
    arm(self, next);
}

void publish_provider(self_ptr self, live_event e) {
  auto& st = self->state;
  auto now = now_ns(self);
  const auto name = e.provider.view.name;
  auto sent = st.provider_sent.find(name);
  if (sent == st.provider_sent.end() || now >= sent->second + ns_of(st.deps.provider_interval)) {
    st.provider_held.erase(name);
    st.provider_sent[name] = now;
    send(self, e);
    return;
  }
  // Too soon after the last one: only the latest state matters, sent when the interval ends.
  st.provider_held[name] = std::move(e);
  rearm(self);
}

} // namespace

event_hub_actor::behavior_type event_hub(event_hub_actor::stateful_pointer<event_hub_state> self,
                                         event_hub_deps deps) {
  self->state.deps = std::move(deps);
  self->state.last_heartbeat = now_ns(self);
  return {
    [=](publish_atom, live_event& e) {
      if (e.kind == live_kind::provider)
        publish_provider(self, std::move(e));
      else
        send(self, e);
    },
    [=](subscribe_atom, live_sink_ptr& sink, std::uint64_t last_event_id) {
      auto& st = self->state;
      if (last_event_id != 0) {
        // The ring no longer holds the event right after the client's last one: it missed
        // something it cannot get back and must re-read the state.
        bool gap = st.ring.empty() ? last_event_id + 1 < st.next_id
                                   : st.ring.front().first > last_event_id + 1;
        if (gap) {
          live_event r;
          r.kind = live_kind::resync;
          if (!sink->push(0, st.deps.render(r)))
            return;
        }
        for (const auto& [id, data] : st.ring)
          if (id > last_event_id && !sink->push(id, data))
            return;
      }
      st.sinks.push_back(std::move(sink));
      rearm(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = now_ns(self);
      if (st.tick_at <= now)
        st.tick_at = 0;
      auto interval = ns_of(st.deps.provider_interval);
      for (auto it = st.provider_held.begin(); it != st.provider_held.end();) {
        if (now >= st.provider_sent[it->first] + interval) {
          st.provider_sent[it->first] = now;
          auto e = std::move(it->second);
          it = st.provider_held.erase(it);
          send(self, e);
        } else {
          ++it;
        }
      }
      auto hb = ns_of(st.deps.heartbeat);
      if (hb > 0 && now >= st.last_heartbeat + hb) {
        st.last_heartbeat = now;
        fan_out(self, 0, std::string{});
      }
      rearm(self);
    },
  };
}

} // namespace zega
