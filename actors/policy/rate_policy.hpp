#pragma once
// The arithmetic behind a provider actor, free of CAF so tests can drive it with explicit
// times: sliding-window limits, in-flight and interval limits, daily counters, full-jitter
// backoff, the circuit breaker, cooldowns learned from 429 hints and rate headers.
//
// Times are nanoseconds on one monotonic clock (the actor clock in production); wall-clock
// Unix milliseconds are only used to find the provider's day boundaries (its calendar).

#include "actors/policy/calendar.hpp"
#include "config/config.hpp"
#include "net/providers/codec.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace zega::rate {

using time_ns = std::int64_t;

constexpr time_ns one_ms = 1'000'000;
constexpr time_ns one_s = 1000 * one_ms;
constexpr time_ns one_minute = 60 * one_s;
constexpr time_ns one_day = 24 * 60 * one_minute;

// "At most `limit` units in any trailing window of `length`": a log of (time, amount).
// An entry sent at t counts for every instant in [t, t + length). Unlike a token bucket
// that starts full, this never lets more than `limit` through in any window, including
// right after a burst at a window boundary. limit 0 = unlimited (unknown).
class sliding_window {
public:
  explicit sliding_window(time_ns length = one_minute, long limit = 0);

  time_ns length() const { return length_; }
  long limit() const { return limit_; }
  void set_limit(long limit) { limit_ = limit; }

  // Units counted at `now`.
  long used(time_ns now) const;
  // Earliest time >= now at which `amount` more units fit. An amount larger than the
  // limit is treated as exactly the limit: it needs an empty window, else it would never
  // be sent at all (the provider then says "too big" itself).
  time_ns earliest_fit(time_ns now, long amount) const;
  // Records `amount` at `at` (normally now; earlier for usage the provider reports that
  // expires sooner); `id` lets a later correction find it.
  void add(time_ns at, long amount, std::uint64_t id = 0);
  // Replaces the amount of the entry added with `id` (no-op once it expired).
  void adjust(std::uint64_t id, long amount);
  // Drops entries that no longer count at `now`.
  void prune(time_ns now);
  // When the count next drops (the oldest entry still counting stops counting); 0 when
  // nothing counts at `now`.
  time_ns next_drop(time_ns now) const;

private:
  struct entry {
    time_ns at;
    long amount;
    std::uint64_t id;
  };
  time_ns length_;
  long limit_;
  std::deque<entry> log_;
};

// Configured limits; 0 = not configured.
struct limits {
  long rpm = 0;
  long tpm = 0;
  long rpd = 0;
  long tpd = 0;
  int max_in_flight = 1;
  time_ns min_interval = 0;
  double time_scale = 1.0; // divides the minute and day windows (benchmarks only)
  // Added to the per-minute windows: a call is counted by the provider when it arrives,
  // a little after we count it, and a later call that travels faster must not arrive
  // before the provider's window let go of it.
  time_ns window_margin = 0;
};

// What keeps a call from being sent now (the latest of the time-based ones wins).
enum class limit_kind : std::uint8_t {
  none,
  rpm,
  tpm,
  rpd,         // requests in the trailing 24 h, or today's persisted counter
  tpd,         // tokens in the trailing 24 h, or today's persisted counter
  min_interval,
  header_hold, // the provider reported 0 remaining tokens until its reset
  in_flight,
};
const char* to_string(limit_kind k);

struct admission {
  bool allowed = true;
  // Earliest time the time-based limits allow the call (== now when they allow it now).
  // It does not cover in_flight_full: that ends when a call finishes, not at a known time.
  time_ns next_free = 0;
  bool in_flight_full = false;
  limit_kind blocked_by = limit_kind::none;
};

// Requests and tokens spent on one provider day (its calendar's "YYYY-MM-DD"), persisted
// by the actor.
struct day_usage {
  std::string day;
  long requests = 0;
  long tokens = 0;
};

// Windows, in-flight, interval and daily counters of one endpoint.
class rate_limiter {
public:
  explicit rate_limiter(limits configured = {});

  // Whether a call of `tokens` estimated tokens may go at `now`; `day_end` is the actor
  // time at which today's counters roll over (the next free time when they are exhausted).
  admission check(time_ns now, long tokens, time_ns day_end) const;
  // Records a send; returns the id to pass to on_finish.
  std::uint64_t on_send(time_ns now, long tokens);
  // A call finished: frees its in-flight slot and replaces the estimate with `tokens`.
  // `served` false: the provider failed it (a 5xx, a timeout, no connection). It still counts
  // in our windows (the provider may have counted it), but not among the calls a later 429
  // says the provider accepted: a limit learned from them could be too high, and cost a
  // second 429.
  void on_finish(std::uint64_t id, time_ns now, long tokens, bool served = true);
  // Learns from the headers of any response: limits the provider reports (the stricter of
  // configured and reported wins), usage it counted that we did not (a synthetic entry that
  // stops counting at the provider's reset), and "0 tokens remaining until reset" (a hold).
  void apply_headers(const net::rate_info& info, time_ns now);
  // A call `id` was refused with 429 (not a daily quota): when no requests-per-minute
  // limit is configured, the provider's is taken to be what it accepted in the trailing
  // minute, so the window paces the next calls and the refusal is not repeated every
  // minute. Without any hint that is the only clue; with a retry hint it is learned only
  // when the hint agrees (it points at the moment our oldest counted send leaves the
  // window). The refused call is not counted (the provider did not count it). Another
  // such 429 tightens a learned limit further; relax() loosens it again.
  void on_refused(std::uint64_t id, time_ns now, const net::rate_info& hint);
  // A learned requests-per-minute limit can be a guess from one moment (one hint-less 429
  // right after a start pins it at 1). Such a thin guess (fewer than
  // measured_limit_min_sends accepted, and less than a full window of our own sending
  // behind it) doubles after each full window without a 429, and once a window sent less
  // than half of it (it no longer shapes the traffic) it is dropped for the configured one.
  // A measured limit (enough sends, or a full window of them) is what the provider counts:
  // probing it again would cost a 429 a window, so it is only doubled after
  // measured_limit_windows windows. Windows start with the first send after the 429, not
  // at the 429: the cooldown that follows it says nothing about the limit. Call before
  // check().
  void relax(time_ns now);
  // Starts a new provider day, or restores a persisted one at start-up.
  void start_day(day_usage usage);
  const day_usage& today() const { return today_; }

  // Configured limits corrected by what the provider reported.
  limits effective() const;
  int in_flight() const { return static_cast<int>(in_flight_.size()); }
  long requests_last_minute(time_ns now) const { return rpm_.used(now); }
  // Requests the daily limit still allows (today's counter and the trailing day, which
  // holds what the provider reported), -1 when no daily limit is known.
  long day_left(time_ns now) const;
  long tokens_last_minute(time_ns now) const { return tpm_.used(now); }
  // When the minute windows' counts next drop (the earlier of both); 0 when both are empty.
  time_ns minute_next_drop(time_ns now) const;
  // When an in-flight slot is expected to free up: the oldest call's start plus the
  // average latency seen so far. Stable while nothing changes (so a view built from it is
  // not re-pushed on every look), but may lie in the past for a slow call.
  time_ns expected_slot() const;
  // The same as a time to come back: a call already slower than average is given another
  // average latency from `now`.
  time_ns in_flight_estimate(time_ns now) const;

private:
  // No call before `until` (keeps the later of the current and the new hold).
  void hold_until(time_ns until);

  struct call {
    std::uint64_t id;
    time_ns sent;
    long tokens;
  };
  limits configured_;
  sliding_window rpm_;
  sliding_window tpm_;
  sliding_window rpd_;
  sliding_window tpd_;
  std::vector<call> in_flight_;
  std::deque<call> unserved_; // sends of calls the provider failed, while they count in rpm_
  std::optional<time_ns> last_send_;
  time_ns hold_until_ = 0;
  time_ns relax_at_ = 0; // when a learned rpm limit is next reconsidered; 0 = not timed
  bool relax_on_send_ = false; // a limit was just learned: its window starts at the next send
  bool measured_ = false;      // the learned limit is a measured count, not a thin guess
  time_ns burst_start_ = 0;    // first send after a window without any (our sending history)
  long relax_sends_ = 0; // sends since the learned limit was last set or raised
  day_usage today_;
  std::uint64_t next_id_ = 1;
  time_ns avg_latency_ = 2 * one_s;
};

// A learned limit from at least this many accepted sends is taken as measured.
constexpr long measured_limit_min_sends = 5;
// A measured limit is reconsidered (doubled) after this many windows (an hour unscaled).
constexpr long measured_limit_windows = 60;

// Full jitter: uniform(0, min(cap, base * 2^attempt)), attempt counted from 0.
time_ns full_jitter(int attempt, time_ns base, time_ns cap, std::mt19937_64& rng);

// Closed -> open after `threshold` consecutive failures -> half-open once `cooldown` has
// passed (one trial call) -> closed on its success, open again on its failure.
class circuit_breaker {
public:
  enum class state : std::uint8_t { closed, open, half_open };

  circuit_breaker(int threshold, time_ns cooldown);

  state current(time_ns now) const;
  // Whether a call may be sent now (in half-open: only while no trial is in flight).
  bool allow(time_ns now) const;
  // A call is being sent (in half-open it becomes the trial).
  void on_attempt(time_ns now);
  void on_success();
  void on_failure(time_ns now);
  int consecutive_failures() const { return failures_; }
  time_ns open_until() const { return open_until_; }
  bool trial_in_flight() const { return trial_; }

private:
  int threshold_;
  time_ns cooldown_;
  int failures_ = 0;
  bool opened_ = false;
  time_ns open_until_ = 0;
  bool trial_ = false;
};
const char* to_string(circuit_breaker::state s);

// Both clocks at one instant: the monotonic one for deadlines, the wall one for calendars.
// `day` is the provider's quota day (where "until the reset" ends).
struct instant {
  time_ns now = 0;
  std::int64_t wall_ms = 0;
  cal::calendar day = cal::utc_days();
};

// The default day of a provider's daily quotas: Gemini's resets at midnight Pacific,
// the others' at midnight UTC (a configured providers[].day_reset overrides it).
cal::calendar provider_days(net::provider_kind kind, double time_scale);
// The day of a configured provider: its providers[].day_reset zone and time. "headers"
// (Groq) counts on UTC days; the reset the provider reports wins through its cooldowns.
cal::calendar provider_days(const provider_config& pc, double time_scale);
// Converts a wall-clock deadline into the monotonic clock of `t`.
time_ns to_monotonic(const instant& t, std::int64_t wall_deadline_ms);

struct cooldown {
  time_ns until = 0;
  std::string reason; // operator text
  bool per_day = false;
};

// Longest cooldowns we accept from hints, so a garbled header cannot park a provider forever.
constexpr time_ns max_throttle_wait = 60 * one_minute;
constexpr time_ns max_quota_wait = 2 * one_day;

// The cooldown a result calls for, or nullopt:
// - A (throttled): the retry hint plus 0-10 % jitter, else the reset of whichever budget
//   is reported empty; nullopt without any hint (the caller backs off instead).
// - B (quota), or any hint marked per_day: until the quota resets: the longest hint, else
//   (and always for Gemini, whose RetryInfo delay on a PerDay violation is misleading) the
//   next start of the provider's day, `t.day`.
// - any response reporting 0 remaining requests (Groq's daily budget): until its reset.
std::optional<cooldown> cooldown_for(const net::call_result& r, const instant& t,
                                     net::provider_kind kind, std::mt19937_64& rng);

struct backoff_params {
  time_ns base = one_s;
  time_ns cap = 30 * one_s;
  int circuit_failures = 5;
  time_ns circuit_cooldown = 30 * one_s;
  time_ns probe_interval = 15 * one_s;
};

// Availability of an endpoint apart from its rate limits, ordered by precedence.
enum class health_state : std::uint8_t {
  ok,
  backoff,
  cooldown,
  half_open,
  open,
  unreachable,
  broken,
};
const char* to_string(health_state s);

// Turns classified outcomes into state: cooldowns (A, B, headers), backoff and circuit
// counting (C), broken (F), unreachable (G). D, E, H change nothing but reset the count
// of consecutive transient failures: the server answered.
class health_tracker {
public:
  explicit health_tracker(backoff_params p = {});

  struct gate {
    health_state state = health_state::ok;
    bool allowed = true;
    // Until when `state` lasts; 0 when unknown (broken; a half-open trial in flight).
    time_ns until = 0;
  };
  gate check(time_ns now) const;

  // A call is being sent.
  void on_send(time_ns now);
  // A call finished.
  void on_result(const net::call_result& r, const instant& t, net::provider_kind kind,
                 std::mt19937_64& rng);
  // Result of a background health probe while unreachable.
  void on_probe(bool ok, time_ns now);

  // Operator message of the current broken / unreachable state.
  const std::string& message() const { return message_; }
  const std::string& cooldown_reason() const { return cooldown_.reason; }
  // A cooldown lasting until a daily quota resets is in force at `now`.
  bool daily_cooldown(time_ns now) const { return cooldown_.per_day && cooldown_.until > now; }
  const circuit_breaker& circuit() const { return circuit_; }
  const cooldown& current_cooldown() const { return cooldown_; }
  // A daily exhaustion remembered across a restart (persisted by the provider actor).
  void restore_cooldown(cooldown c, time_ns now) { set_cooldown(std::move(c), now); }
  time_ns next_probe() const { return next_probe_; }

private:
  // The server answered (any class but C and G): the endpoint is up, the run of
  // consecutive transient failures is over.
  void answered();
  void set_cooldown(cooldown c, time_ns now);
  void back_off(time_ns now, const net::rate_info& hint, std::mt19937_64& rng);

  backoff_params params_;
  circuit_breaker circuit_;
  int backoff_attempt_ = 0;
  time_ns backoff_until_ = 0;
  cooldown cooldown_;
  bool unreachable_ = false;
  bool broken_ = false;
  time_ns next_probe_ = 0;
  std::string message_;
};

} // namespace zega::rate
