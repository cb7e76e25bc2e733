#pragma once
// One configured (provider, model): decides whether a generation can be sent now, sends it
// through the injected transport, turns the classified outcome into state and pushes
// availability changes to its subscribers. The arithmetic lives in actors/policy/rate_policy.

#include "actors/actors.hpp"
#include "actors/policy/rate_policy.hpp"
#include "config/config.hpp"
#include "store/records.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace zega {

struct provider_deps {
  transport_fn transport;
  archiver_actor archiver; // may be invalid (tests): counters are then not persisted
  wall_clock_fn wall_clock; // empty = the system clock
  std::uint64_t rng_seed = 1;
  store::quota_record today; // persisted counters; used when its day is the current UTC day
  // Divides the per-minute and per-day windows (routing.time_scale): benchmarks run a
  // "minute" in a few seconds against zega-fake-llm --time-scale. 1 in production.
  double time_scale = 1.0;
  // A daily exhaustion learned from a 429 before a restart (meta quota_exhausted_key):
  // the provider stays in cooldown until then instead of spending a fresh 429 on it.
  std::int64_t exhausted_until_ms = 0;
  std::string exhausted_reason;
  // The live stream (GET /events): state and usage changes go there; may be invalid.
  event_hub_actor hub;
};

// Meta key of a provider's remembered daily exhaustion; value "<until Unix ms> <reason>".
std::string quota_exhausted_key(const std::string& provider);
// Parses that value; false when malformed.
bool parse_quota_exhausted(const std::string& value, std::int64_t& until_ms, std::string& reason);

struct provider_actor_state {
  static inline const char* name = "provider";

  // A generation sent upstream, waiting for http_done.
  struct pending_call {
    caf::typed_response_promise<gen_outcome> promise;
    std::uint64_t limiter_id = 0;
    rate::time_ns sent = 0;
    std::uint64_t task_id = 0;
    long estimate = 0;
  };

  provider_config cfg;
  provider_deps deps;
  net::endpoint ep;
  bool disabled = false;
  std::string disabled_reason;
  rate::rate_limiter limiter;
  // The provider's quota day (its reset zone and time, on the time_scale clock).
  cal::calendar day;
  rate::health_tracker health;
  std::mt19937_64 rng;
  std::unordered_map<std::uint64_t, pending_call> pending;
  std::uint64_t next_call_id = 1;
  std::vector<avail_listener> subscribers;
  std::optional<provider_view> last_view; // last one pushed
  provider_state logged_state = provider_state::available;
  rate::time_ns tick_at = 0;  // earliest scheduled tick still pending, 0 = none
  bool probe_scheduled = false;
  long typical_tokens = 0;    // estimate of the last request; sizes the advertised next_free
  long calls_total = 0;
  long failures_total = 0;
  std::int64_t exhausted_saved_ms = 0; // the daily exhaustion last persisted (wall ms)
  bool quota_persist_failing = false; // the last attempt to persist daily counters failed
  bool retiring = false; // a reload replaced this actor: it quits once its calls are done
  stats::recent_calls recent;          // latency percentiles and error rate for operators
  std::map<std::string, long> calls_by_outcome;
  stats::histogram latency_s{stats::latency_buckets()};
};

provider_actor::behavior_type
provider(provider_actor::stateful_pointer<provider_actor_state> self, provider_config cfg,
         provider_deps deps);

} // namespace zega
