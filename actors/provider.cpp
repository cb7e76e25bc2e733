#include "actors/provider.hpp"

#include "config/log.hpp"
#include "store/codec.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <type_traits>
#include <variant>

namespace zega {

namespace {

using self_ptr = provider_actor::stateful_pointer<provider_actor_state>;

// Archiver replies arrive after a group commit; this only bounds a stuck archiver.
constexpr auto archive_timeout = std::chrono::seconds(10);

rate::time_ns now_ns(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

rate::instant instant_of(self_ptr self) {
  return {now_ns(self), self->state.deps.wall_clock(), self->state.day};
}

void log_line(self_ptr self, log::level l, const std::string& line) {
  log::write(l, "provider " + self->state.cfg.name, line);
}

// The wall-clock time of a monotonic instant, for "cooldown until ..." lines.
std::string wall_time_of(self_ptr self, rate::time_ns at) {
  const auto t = instant_of(self);
  return store::iso8601_utc(t.wall_ms + (at - t.now) / rate::one_ms);
}

// Starts a new quota day when the provider's day changed since the last call.
void roll_day(self_ptr self) {
  auto& st = self->state;
  const auto day = st.day.day_key(st.deps.wall_clock());
  if (st.limiter.today().day != day) st.limiter.start_day({day, 0, 0});
}

rate::time_ns day_end(self_ptr self) {
  const auto t = instant_of(self);
  return rate::to_monotonic(t, t.day.next_start(t.wall_ms));
}

long estimate_tokens(const net::generation_params& p) {
  return static_cast<long>((p.system.size() + p.prompt.size()) / 4) + std::max(0, p.max_tokens);
}

// Tokens to charge once a call is over: the reported usage, else the estimate when the
// provider may have done the work, else nothing (it refused before generating).
long tokens_spent(const net::call_result& r, long estimate) {
  const long used = r.prompt_tokens + r.completion_tokens;
  if (used > 0) return used;
  switch (r.cls) {
    case net::outcome_class::ok:
    case net::outcome_class::transient:
      return estimate;
    default:
      return 0;
  }
}

net::client_limits client_limits_of(const provider_config& cfg) {
  net::client_limits l;
  l.connect_ms = cfg.timeouts.connect_ms;
  l.tls_ms = cfg.timeouts.tls_ms;
  l.first_byte_ms = cfg.timeouts.first_byte_ms;
  l.total_ms = cfg.timeouts.total_ms;
  l.ca_file = cfg.ca_file;
  return l;
}

provider_state to_provider_state(rate::health_state s) {
  switch (s) {
    case rate::health_state::ok: return provider_state::available;
    case rate::health_state::backoff: return provider_state::backoff;
    case rate::health_state::cooldown: return provider_state::cooldown;
    case rate::health_state::half_open: return provider_state::half_open;
    case rate::health_state::open: return provider_state::open;
    case rate::health_state::unreachable: return provider_state::unreachable;
    case rate::health_state::broken: return provider_state::broken;
  }
  return provider_state::broken;
}

// Only limits.reserve_per_day of today's requests is left: scheduled work stops here.
bool reserve_reached(const provider_actor_state& st) {
  const auto& l = st.cfg.limits;
  return l.reserve_per_day > 0 && l.rpd > 0 &&
         st.limiter.today().requests >= l.rpd - l.reserve_per_day;
}

// Whether a call of `tokens` may go now, and if not, why and until when.
struct availability {
  provider_state state = provider_state::available;
  bool allowed = true;
  rate::time_ns next_free = 0; // 0 when allowed now or never (broken, disabled)
  // When next_free comes from a clock-driven limit (a tick is worth scheduling there),
  // rather than from waiting for a call in flight or a health probe.
  rate::time_ns timed_until = 0;
  // Blocked until a call in flight finishes (its end is pushed; next_free is a guess).
  bool waits_for_call = false;
  std::string reason;
};

availability check(self_ptr self, long tokens) {
  auto& st = self->state;
  availability av;
  if (st.disabled) {
    av.state = provider_state::disabled;
    av.allowed = false;
    av.reason = st.disabled_reason;
    return av;
  }
  const auto now = now_ns(self);
  const auto g = st.health.check(now);
  st.limiter.relax(now);
  const auto a = st.limiter.check(now, tokens, day_end(self));
  // Only a real future time: `now` itself would make every view differ from the last.
  const rate::time_ns limit_free = a.next_free > now ? a.next_free : 0;
  if (g.state == rate::health_state::broken || g.state == rate::health_state::unreachable) {
    av.state = to_provider_state(g.state);
    av.allowed = false;
    av.next_free = g.until;
    av.reason = st.health.message();
    return av;
  }
  if (!g.allowed) {
    av.state = to_provider_state(g.state);
    av.allowed = false;
    av.next_free = std::max(g.until, limit_free);
    if (g.until == 0) { // half-open trial in flight: ends with that call
      av.waits_for_call = true;
      av.next_free = std::max(av.next_free, st.limiter.expected_slot());
    } else {
      av.timed_until = av.next_free;
    }
    switch (g.state) {
      case rate::health_state::open:
        av.reason = "circuit open after " +
                    std::to_string(st.health.circuit().consecutive_failures()) +
                    " consecutive transient failures";
        break;
      case rate::health_state::half_open:
        av.reason = "circuit half-open: trial call in flight";
        break;
      case rate::health_state::cooldown:
        av.reason = st.health.cooldown_reason();
        break;
      default:
        av.reason = "backing off after a transient failure";
        break;
    }
    return av;
  }
  if (!a.allowed) {
    av.state = provider_state::busy;
    av.allowed = false;
    av.next_free = limit_free;
    av.timed_until = limit_free;
    if (a.in_flight_full) {
      av.waits_for_call = true;
      av.next_free = std::max(av.next_free, st.limiter.expected_slot());
    }
    av.reason = std::string("at limit: ") + rate::to_string(a.blocked_by);
    return av;
  }
  av.state = to_provider_state(g.state);
  return av;
}

provider_view make_view(self_ptr self, const availability& av) {
  const auto& st = self->state;
  provider_view v;
  v.name = st.cfg.name;
  v.model = st.cfg.model;
  v.priority = st.cfg.priority;
  v.state = av.state;
  v.in_flight = st.limiter.in_flight();
  v.max_in_flight = st.cfg.limits.max_in_flight;
  v.next_free = av.allowed ? 0 : av.next_free;
  v.reason = av.reason;
  v.reserve_reached = reserve_reached(st);
  v.rpm = st.limiter.effective().rpm;
  v.day_left = st.limiter.day_left(now_ns(self));
  return v;
}

bool same_view(const provider_view& a, const provider_view& b) {
  return a.state == b.state && a.in_flight == b.in_flight && a.next_free == b.next_free &&
         a.reason == b.reason && a.max_in_flight == b.max_in_flight && a.rpm == b.rpm &&
         a.day_left == b.day_left && a.reserve_reached == b.reserve_reached;
}

log::level level_of(provider_state s) {
  switch (s) {
    case provider_state::broken: return log::level::error;
    case provider_state::disabled: return log::level::info;
    default: return log::level::warning;
  }
}

bool worth_logging(provider_state s) {
  switch (s) {
    case provider_state::cooldown:
    case provider_state::open:
    case provider_state::unreachable:
    case provider_state::broken:
    case provider_state::disabled:
      return true;
    default:
      return false;
  }
}

void schedule_tick(self_ptr self, rate::time_ns at) {
  auto& st = self->state;
  const auto now = now_ns(self);
  if (at <= now) return;
  if (st.tick_at > now && st.tick_at <= at) return; // an earlier tick will re-evaluate
  st.tick_at = at;
  self->delayed_send(self, std::chrono::nanoseconds(at - now), tick_atom::value);
}

// Recomputes the view; pushes it when it changed, logs state changes that matter to an
// operator once, and arms a tick for the moment a clock-driven limit ends.
provider_status status_of(self_ptr self, const provider_view& view);

// The operator view goes to the live stream (the hub throttles it per provider).
void publish_live(self_ptr self, const provider_view& view) {
  if (!self->state.deps.hub) return;
  live_event e;
  e.kind = live_kind::provider;
  e.provider = status_of(self, view);
  caf::anon_send(self->state.deps.hub, publish_atom::value, std::move(e));
}

provider_view publish(self_ptr self) {
  auto& st = self->state;
  roll_day(self);
  const auto av = check(self, st.typical_tokens);
  auto v = make_view(self, av);
  if (!st.last_view || !same_view(*st.last_view, v)) {
    for (const auto& sub : st.subscribers) caf::anon_send(sub, avail_atom::value, v);
    st.last_view = v;
    publish_live(self, v);
  }
  if (v.state != st.logged_state && (worth_logging(v.state) || worth_logging(st.logged_state))) {
    if (worth_logging(v.state)) {
      auto line = std::string(to_string(v.state)) + ": " + v.reason;
      if (av.next_free > 0) line += " (until " + wall_time_of(self, av.next_free) + ")";
      log_line(self, level_of(v.state), line);
    } else {
      // A half-open circuit is not recovered yet: its trial call decides.
      const char* what = v.state == provider_state::half_open ? "" : "recovered: ";
      log_line(self, log::level::info,
               what + std::string(to_string(v.state)) + " (was " + to_string(st.logged_state)
                 + ")");
    }
  }
  st.logged_state = v.state;
  if (av.timed_until > 0) schedule_tick(self, av.timed_until);
  return v;
}

void schedule_probe(self_ptr self) {
  auto& st = self->state;
  if (st.probe_scheduled) return;
  st.probe_scheduled = true;
  self->delayed_send(self, std::chrono::milliseconds(std::max(1, st.cfg.backoff.probe_interval_ms)),
                     health_atom::value);
}

// A daily exhaustion learned from this answer is written down once, so a restart before
// the reset does not spend a fresh 429 on it.
void persist_exhaustion(self_ptr self) {
  auto& st = self->state;
  const auto& c = st.health.current_cooldown();
  const auto t = instant_of(self);
  if (!st.deps.archiver || !c.per_day || c.until <= t.now) return;
  const auto until_ms = t.wall_ms + (c.until - t.now) / rate::one_ms;
  if (until_ms <= st.exhausted_saved_ms) return;
  st.exhausted_saved_ms = until_ms;
  store::write_batch batch;
  batch.meta.emplace_back(quota_exhausted_key(st.cfg.name),
                          std::to_string(until_ms) + " " + c.reason);
  log_line(self, log::level::warning, "daily quota exhausted until " + store::iso8601_utc(until_ms));
  self->request(st.deps.archiver, archive_timeout, archive_atom::value, std::move(batch))
    .then([](const store::commit_result&) {},
          [self](const caf::error& err) {
            log_line(self, log::level::warning,
                     "daily exhaustion not persisted: " + caf::to_string(err));
          });
}

void persist_quota(self_ptr self) {
  auto& st = self->state;
  if (!st.deps.archiver) return;
  store::write_batch batch;
  const auto& today = st.limiter.today();
  batch.quota.push_back({st.cfg.name, today.day, today.requests, today.tokens});
  // Logged once per change (failing / persisted again), not once per call: a full disk
  // would otherwise repeat the line for every request.
  auto report = [self](bool ok, const std::string& why) {
    auto& st = self->state;
    if (ok == !st.quota_persist_failing)
      return;
    st.quota_persist_failing = !ok;
    if (ok)
      log::info("provider " + st.cfg.name, "daily counters persisted again");
    else
      log::warn("provider " + st.cfg.name, "daily counters not persisted: " + why);
  };
  self->request(st.deps.archiver, archive_timeout, archive_atom::value, std::move(batch))
    .then(
      [report](const store::commit_result& r) {
        report(r.status == store::commit_status::ok, r.message);
      },
      [report](const caf::error& err) { report(false, caf::to_string(err)); });
}

net::call_result classify(const net::endpoint& ep, const net::http_result& result) {
  return std::visit(
    [&ep](const auto& x) -> net::call_result {
      if constexpr (std::is_same_v<std::decay_t<decltype(x)>, net::http_response>)
        return net::parse_generate(ep, x);
      else
        return net::classify_transport(ep, x);
    },
    result);
}

// Wall-clock ms of a monotonic instant (0 stays 0: "nothing to wait for").
std::int64_t wall_ms_of(const rate::instant& t, rate::time_ns at) {
  return at == 0 ? 0 : t.wall_ms + (at - t.now) / rate::one_ms;
}

provider_status status_of(self_ptr self, const provider_view& view) {
  auto& st = self->state;
  const auto t = instant_of(self);
  const auto now = t.now;
  const auto eff = st.limiter.effective();
  provider_status s;
  s.view = view;
  s.kind = net::to_string(st.cfg.kind);
  s.base_url = st.cfg.base_url;
  s.circuit = rate::to_string(st.health.circuit().current(now));
  s.consecutive_failures = st.health.circuit().consecutive_failures();
  if (view.state == provider_state::broken) s.broken_message = st.health.message();
  if (view.state == provider_state::cooldown) s.cooldown_reason = st.health.cooldown_reason();
  s.requests_today = st.limiter.today().requests;
  s.tokens_today = st.limiter.today().tokens;
  s.rpd = eff.rpd;
  s.tpd = eff.tpd;
  s.requests_last_minute = st.limiter.requests_last_minute(now);
  s.tokens_last_minute = st.limiter.tokens_last_minute(now);
  s.calls_total = st.calls_total;
  s.failures_total = st.failures_total;
  s.enabled = st.cfg.enabled;
  s.available = view.state == provider_state::available && view.next_free <= now
                && view.in_flight < view.max_in_flight;
  s.now = now;
  s.minute = {s.requests_last_minute, eff.rpm, s.tokens_last_minute, eff.tpm,
              wall_ms_of(t, st.limiter.minute_next_drop(now))};
  s.day = {s.requests_today, eff.rpd, s.tokens_today, eff.tpd, t.day.next_start(t.wall_ms)};
  // A daily quota is used up: the provider said so (a per-day cooldown), or our own count
  // reached a configured or reported daily limit.
  const auto at_limit = [&](rate::limit_kind k) {
    return view.reason == std::string("at limit: ") + rate::to_string(k);
  };
  s.quota_exhausted = st.health.daily_cooldown(now)
                      || (view.state == provider_state::busy
                          && (at_limit(rate::limit_kind::rpd) || at_limit(rate::limit_kind::tpd)));
  s.latency_p50_ms = st.recent.latency_percentile(50);
  s.latency_p95_ms = st.recent.latency_percentile(95);
  s.error_rate = st.recent.error_rate();
  s.calls_by_outcome = st.calls_by_outcome;
  s.latency_s = st.latency_s;
  return s;
}

gen_outcome refusal(self_ptr self, const gen_task& task, const availability& av) {
  const auto& st = self->state;
  gen_outcome out;
  out.task_id = task.task_id;
  out.provider = st.cfg.name;
  out.model = st.cfg.model;
  switch (av.state) {
    case provider_state::broken:
    case provider_state::disabled:
      out.result.cls = net::outcome_class::broken;
      break;
    case provider_state::unreachable:
      out.result.cls = net::outcome_class::unreachable;
      break;
    default:
      out.result.cls = net::outcome_class::busy;
      break;
  }
  out.result.message = av.reason;
  out.busy_until = av.next_free;
  if (av.waits_for_call)
    out.busy_until = std::max(out.busy_until, st.limiter.in_flight_estimate(now_ns(self)));
  return out;
}

// Backoffs shorten with time_scale like the windows, so a time-scaled run keeps their share
// of the time (a benchmark's faults cost what they would cost in real time).
rate::backoff_params backoff_of(const provider_config& cfg, double time_scale) {
  const auto scaled_ms = [&](int ms) {
    return static_cast<rate::time_ns>(ms * static_cast<double>(rate::one_ms)
                                      / std::max(1.0, time_scale));
  };
  rate::backoff_params bp;
  bp.base = scaled_ms(cfg.backoff.base_ms);
  bp.cap = scaled_ms(cfg.backoff.cap_ms);
  bp.circuit_failures = cfg.backoff.circuit_failures;
  bp.circuit_cooldown = scaled_ms(cfg.backoff.circuit_cooldown_ms);
  bp.probe_interval = static_cast<rate::time_ns>(cfg.backoff.probe_interval_ms) * rate::one_ms;
  return bp;
}

// Forgets what the health tracker learned (a fresh, closed circuit). Rate windows and the
// day's counters stay: they are what the provider itself counts.
void clear_health(self_ptr self, const std::string& why) {
  auto& st = self->state;
  const auto was = check(self, st.typical_tokens);
  st.health = rate::health_tracker(backoff_of(st.cfg, st.deps.time_scale));
  log_line(self, log::level::info,
           why + " (was " + to_string(was.state) + (was.reason.empty() ? "" : ": " + was.reason)
             + ")");
  // The reset line above stands for the change; publish logs only later ones.
  st.logged_state = check(self, st.typical_tokens).state;
}


} // namespace

provider_actor::behavior_type
provider(provider_actor::stateful_pointer<provider_actor_state> self, provider_config cfg,
         provider_deps deps) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.deps = std::move(deps);
  if (!st.deps.wall_clock)
    st.deps.wall_clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
    };
  st.ep = {st.cfg.kind, st.cfg.name, st.cfg.base_url, st.cfg.model, st.cfg.api_key};
  if (!st.cfg.disabled_reason.empty()) {
    st.disabled = true;
    st.disabled_reason = st.cfg.disabled_reason;
  } else if (!st.cfg.enabled) {
    st.disabled = true;
    st.disabled_reason = "disabled in the config (providers[].enabled is false)";
  } else if (!st.deps.transport) {
    st.disabled = true;
    st.disabled_reason = "no HTTP transport was wired to this provider";
  }
  rate::limits lim;
  lim.rpm = st.cfg.limits.rpm;
  lim.tpm = st.cfg.limits.tpm;
  lim.rpd = st.cfg.limits.rpd;
  lim.tpd = st.cfg.limits.tpd;
  lim.max_in_flight = st.cfg.limits.max_in_flight;
  lim.min_interval = static_cast<rate::time_ns>(st.cfg.limits.min_interval_ms) * rate::one_ms;
  lim.time_scale = st.deps.time_scale;
  // 1 % of the minute (0.6 s) covers a connection or TLS set-up that delayed an earlier
  // call, at 1 % of the provider's rate. Transit does not shrink with time_scale: a
  // shortened minute keeps at least 50 ms (a busy machine's scheduling delays).
  lim.window_margin = rate::one_minute / 100;
  if (lim.time_scale > 1.0)
    lim.window_margin = std::max(50 * rate::one_ms, static_cast<rate::time_ns>(
                                                      lim.window_margin / lim.time_scale));
  st.limiter = rate::rate_limiter(lim);
  st.health = rate::health_tracker(backoff_of(st.cfg, st.deps.time_scale));
  st.rng.seed(st.deps.rng_seed);
  st.typical_tokens = st.cfg.max_output_tokens + 200;
  st.day = rate::provider_days(st.cfg, st.deps.time_scale);
  const auto day = st.day.day_key(st.deps.wall_clock());
  if (st.deps.today.day == day)
    st.limiter.start_day({day, st.deps.today.requests, st.deps.today.tokens});
  else
    st.limiter.start_day({day, 0, 0});
  if (st.deps.exhausted_until_ms > st.deps.wall_clock()) {
    const auto t = instant_of(self);
    st.exhausted_saved_ms = st.deps.exhausted_until_ms;
    st.health.restore_cooldown({rate::to_monotonic(t, st.deps.exhausted_until_ms),
                                st.deps.exhausted_reason + " (remembered across a restart)", true},
                               t.now);
  }
  if (!worth_logging(publish(self).state))
    log_line(self, log::level::info,
             "available: " + st.cfg.model + " at " + st.cfg.base_url + ", priority "
               + std::to_string(st.cfg.priority));

  return {
    [=](generate_atom, const gen_task& task) -> caf::result<gen_outcome> {
      auto& st = self->state;
      if (st.retiring) {
        // A stale routing decision: the replacement takes the task a moment later.
        availability gone;
        gone.state = provider_state::busy;
        gone.reason = "replaced by a reload";
        return refusal(self, task, gone);
      }
      roll_day(self);
      const long tokens = estimate_tokens(task.params);
      st.typical_tokens = tokens;
      auto av = check(self, tokens);
      if (av.allowed && task.scheduled && reserve_reached(st)) {
        // Nothing goes upstream; the view says reserve_reached, so routing moves on.
        av.allowed = false;
        av.state = provider_state::busy;
        av.reason = "the rest of today's requests is kept by limits.reserve_per_day";
      }
      if (!av.allowed) {
        publish(self);
        return refusal(self, task, av);
      }
      const auto now = now_ns(self);
      const auto limiter_id = st.limiter.on_send(now, tokens);
      st.health.on_send(now);
      const auto call_id = st.next_call_id++;
      auto promise = self->make_response_promise<gen_outcome>();
      st.pending.emplace(call_id, provider_actor_state::pending_call{promise, limiter_id, now,
                                                                      task.task_id, tokens});
      auto handle = caf::actor_cast<provider_actor>(self);
      st.deps.transport(net::build_generate(st.ep, task.params), client_limits_of(st.cfg),
                        [handle, call_id](net::http_result r) {
                          caf::anon_send(handle, http_done_atom::value, call_id, std::move(r));
                        });
      publish(self);
      return promise;
    },
    [=](status_atom) -> provider_status { return status_of(self, publish(self)); },
    [=](subscribe_atom, const avail_listener& subscriber) {
      const auto view = publish(self);
      self->state.subscribers.push_back(subscriber);
      caf::anon_send(subscriber, avail_atom::value, view);
    },
    [=](http_done_atom, std::uint64_t call_id, const net::http_result& result) {
      auto& st = self->state;
      auto it = st.pending.find(call_id);
      if (it == st.pending.end()) return;
      auto call = std::move(it->second);
      st.pending.erase(it);
      roll_day(self);
      const auto t = instant_of(self);
      auto r = classify(st.ep, result);
      st.limiter.on_finish(call.limiter_id, t.now, tokens_spent(r, call.estimate),
                           r.cls != net::outcome_class::transient &&
                             r.cls != net::outcome_class::unreachable);
      st.limiter.apply_headers(r.rate, t.now);
      if (r.cls == net::outcome_class::throttled)
        st.limiter.on_refused(call.limiter_id, t.now, r.rate);
      st.health.on_result(r, t, st.cfg.kind, st.rng);
      ++st.calls_total;
      if (r.cls != net::outcome_class::ok) ++st.failures_total;
      const double latency_ms = static_cast<double>(t.now - call.sent) / rate::one_ms;
      st.recent.add(latency_ms, r.cls == net::outcome_class::ok);
      st.latency_s.observe(latency_ms / 1000.0);
      ++st.calls_by_outcome[stats::outcome_label(r)];
      if (r.cls == net::outcome_class::unreachable) schedule_probe(self);
      if (r.cls == net::outcome_class::transient || r.cls == net::outcome_class::throttled)
        log_line(self, log::level::warning,
                 std::string(net::to_string(r.cls)) + " upstream error: " + r.message);
      persist_quota(self);
      persist_exhaustion(self);
      gen_outcome out;
      out.task_id = call.task_id;
      out.provider = st.cfg.name;
      out.model = st.cfg.model;
      out.result = std::move(r);
      out.latency_us = (t.now - call.sent) / 1000;
      const auto view = publish(self);
      out.busy_until = view.next_free;
      // Usage changed even when the view did not: the console's gauges move.
      publish_live(self, view);
      call.promise.deliver(std::move(out));
      if (st.retiring && st.pending.empty()) self->quit();
    },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.tick_at <= now_ns(self)) st.tick_at = 0;
      publish(self);
    },
    [=](health_atom) {
      auto& st = self->state;
      st.probe_scheduled = false;
      if (st.health.check(now_ns(self)).state != rate::health_state::unreachable) return;
      auto handle = caf::actor_cast<provider_actor>(self);
      st.deps.transport(net::build_probe(st.ep), client_limits_of(st.cfg),
                        [handle](net::http_result r) {
                          caf::anon_send(handle, health_atom::value, std::move(r));
                        });
    },
    [=](health_atom, const net::http_result& result) {
      auto& st = self->state;
      const auto* resp = std::get_if<net::http_response>(&result);
      const bool ok = resp != nullptr && net::probe_ok(st.ep, *resp);
      st.health.on_probe(ok, now_ns(self));
      if (st.health.check(now_ns(self)).state == rate::health_state::unreachable)
        schedule_probe(self);
      publish(self);
    },
    [=](reset_atom) -> provider_status {
      auto& st = self->state;
      if (!st.disabled) clear_health(self, "reset by the operator");
      return status_of(self, publish(self));
    },
    [=](reload_atom) {
      const auto state = check(self, self->state.typical_tokens).state;
      if (state == provider_state::broken || state == provider_state::unreachable) {
        clear_health(self, "config reloaded: trying again");
        publish(self);
      }
    },
    [=](retire_atom) {
      auto& st = self->state;
      st.retiring = true;
      st.subscribers.clear();
      log_line(self, log::level::info,
               "replaced by a reload" + (st.pending.empty()
                                           ? std::string{}
                                           : "; " + std::to_string(st.pending.size())
                                               + " call(s) in flight finish first"));
      if (st.pending.empty()) self->quit();
    },
  };
}

std::string quota_exhausted_key(const std::string& provider) {
  return "quota_exhausted:" + provider;
}

bool parse_quota_exhausted(const std::string& value, std::int64_t& until_ms, std::string& reason) {
  const auto space = value.find(' ');
  const auto digits = value.substr(0, space);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  until_ms = std::stoll(digits);
  reason = space == std::string::npos ? std::string{} : value.substr(space + 1);
  return true;
}

} // namespace zega
