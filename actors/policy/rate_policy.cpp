#include "actors/policy/rate_policy.hpp"

#include "actors/policy/calendar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

namespace zega::rate {

namespace {

time_ns seconds(double s) {
  // A hostile or broken hint (retry-after: 99999999999, a far-future date) must not
  // overflow into the past; 10 years is beyond every cap applied later.
  constexpr double max_s = 10.0 * 365 * 24 * 3600;
  return static_cast<time_ns>(std::llround(std::clamp(s, 0.0, max_s) * 1e9));
}

std::string format_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

long stricter(long configured, long reported) {
  if (configured <= 0) return reported;
  if (reported <= 0) return configured;
  return std::min(configured, reported);
}

// Raises the window's count to what the provider says it has counted. The difference
// stops counting when the provider says its budget resets (a whole window without a hint).
void reconcile(sliding_window& w, std::optional<long> limit, std::optional<long> remaining,
               std::optional<double> reset_s, time_ns now) {
  if (!remaining) return;
  const long cap = limit ? *limit : w.limit();
  if (cap <= 0) return;
  const long provider_used = cap - std::max(0L, *remaining);
  const long ours = w.used(now);
  if (provider_used <= ours) return;
  time_ns at = now;
  if (reset_s) at = std::clamp(now - w.length() + seconds(*reset_s), now - w.length() + 1, now);
  w.add(at, provider_used - ours);
}

} // namespace

// --- sliding_window ---------------------------------------------------------------------

sliding_window::sliding_window(time_ns length, long limit) : length_(length), limit_(limit) {}

long sliding_window::used(time_ns now) const {
  long sum = 0;
  for (const auto& e : log_)
    if (e.at + length_ > now) sum += e.amount;
  return sum;
}

time_ns sliding_window::next_drop(time_ns now) const {
  time_ns first = 0;
  for (const auto& e : log_)
    if (e.at + length_ > now && (first == 0 || e.at + length_ < first)) first = e.at + length_;
  return first;
}

time_ns sliding_window::earliest_fit(time_ns now, long amount) const {
  if (limit_ <= 0) return now;
  const long wanted = std::min(std::max(0L, amount), limit_);
  const long excess = used(now) + wanted - limit_;
  if (excess <= 0) return now;
  long freed = 0;
  for (const auto& e : log_) {
    if (e.at + length_ <= now) continue;
    freed += e.amount;
    if (freed >= excess) return e.at + length_;
  }
  return now; // unreachable: the log holds at least `used(now)`
}

void sliding_window::add(time_ns at, long amount, std::uint64_t id) {
  prune(at);
  // Kept sorted by time (expiry order), which earliest_fit and prune rely on.
  auto pos = log_.end();
  while (pos != log_.begin() && std::prev(pos)->at > at) --pos;
  log_.insert(pos, {at, std::max(0L, amount), id});
}

void sliding_window::adjust(std::uint64_t id, long amount) {
  for (auto& e : log_)
    if (e.id == id) {
      e.amount = std::max(0L, amount);
      return;
    }
}

void sliding_window::prune(time_ns now) {
  while (!log_.empty() && log_.front().at + length_ <= now) log_.pop_front();
}

// --- rate_limiter -----------------------------------------------------------------------

const char* to_string(limit_kind k) {
  switch (k) {
    case limit_kind::none: return "none";
    case limit_kind::rpm: return "requests per minute";
    case limit_kind::tpm: return "tokens per minute";
    case limit_kind::rpd: return "requests per day";
    case limit_kind::tpd: return "tokens per day";
    case limit_kind::min_interval: return "minimum interval";
    case limit_kind::header_hold: return "provider reported no tokens left";
    case limit_kind::in_flight: return "calls in flight";
  }
  return "?";
}

namespace {
time_ns scaled(time_ns window, double scale) {
  return scale > 1.0 ? static_cast<time_ns>(static_cast<double>(window) / scale) : window;
}
} // namespace

rate_limiter::rate_limiter(limits configured)
  : configured_(configured),
    rpm_(scaled(one_minute, configured.time_scale) + configured.window_margin, configured.rpm),
    tpm_(scaled(one_minute, configured.time_scale) + configured.window_margin, configured.tpm),
    rpd_(scaled(one_day, configured.time_scale), configured.rpd),
    tpd_(scaled(one_day, configured.time_scale), configured.tpd) {}

admission rate_limiter::check(time_ns now, long tokens, time_ns day_end) const {
  admission a;
  a.next_free = now;
  auto consider = [&a](time_ns t, limit_kind k) {
    if (t > a.next_free) {
      a.next_free = t;
      a.blocked_by = k;
    }
  };
  consider(rpm_.earliest_fit(now, 1), limit_kind::rpm);
  consider(tpm_.earliest_fit(now, tokens), limit_kind::tpm);
  consider(rpd_.earliest_fit(now, 1), limit_kind::rpd);
  consider(tpd_.earliest_fit(now, tokens), limit_kind::tpd);
  // The persisted counters cover sends made before a restart, which the windows never saw.
  if (rpd_.limit() > 0 && today_.requests + 1 > rpd_.limit()) consider(day_end, limit_kind::rpd);
  if (tpd_.limit() > 0 && today_.tokens + std::min(tokens, tpd_.limit()) > tpd_.limit())
    consider(day_end, limit_kind::tpd);
  if (last_send_ && configured_.min_interval > 0)
    consider(*last_send_ + configured_.min_interval, limit_kind::min_interval);
  consider(hold_until_, limit_kind::header_hold);
  a.in_flight_full =
    configured_.max_in_flight > 0 && in_flight() >= configured_.max_in_flight;
  if (a.in_flight_full && a.blocked_by == limit_kind::none) a.blocked_by = limit_kind::in_flight;
  a.allowed = a.next_free <= now && !a.in_flight_full;
  return a;
}

std::uint64_t rate_limiter::on_send(time_ns now, long tokens) {
  const auto id = next_id_++;
  rpm_.add(now, 1, id);
  tpm_.add(now, tokens, id);
  rpd_.add(now, 1, id);
  tpd_.add(now, tokens, id);
  today_.requests += 1;
  today_.tokens += tokens;
  if (!last_send_ || now - *last_send_ > rpm_.length())
    burst_start_ = now;
  last_send_ = now;
  if (relax_on_send_) {
    relax_on_send_ = false;
    relax_at_ = now + rpm_.length() * (measured_ ? measured_limit_windows : 1);
    relax_sends_ = 0;
  }
  ++relax_sends_;
  in_flight_.push_back({id, now, tokens});
  return id;
}

void rate_limiter::on_finish(std::uint64_t id, time_ns now, long tokens, bool served) {
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                         [id](const call& c) { return c.id == id; });
  if (it == in_flight_.end()) return;
  while (!unserved_.empty() && unserved_.front().sent + rpm_.length() <= now)
    unserved_.pop_front();
  if (!served) unserved_.push_back(*it);
  avg_latency_ = (avg_latency_ * 7 + std::max<time_ns>(0, now - it->sent)) / 8;
  tokens = std::max(0L, tokens);
  tpm_.adjust(id, tokens);
  tpd_.adjust(id, tokens);
  today_.tokens = std::max(0L, today_.tokens + tokens - it->tokens);
  in_flight_.erase(it);
}

void rate_limiter::apply_headers(const net::rate_info& info, time_ns now) {
  // Groq reports tokens per minute and requests per day.
  if (info.limit_tokens && *info.limit_tokens > 0)
    tpm_.set_limit(stricter(configured_.tpm, *info.limit_tokens));
  if (info.limit_requests && *info.limit_requests > 0)
    rpd_.set_limit(stricter(configured_.rpd, *info.limit_requests));
  reconcile(tpm_, info.limit_tokens, info.remaining_tokens, info.reset_tokens_s, now);
  reconcile(rpd_, info.limit_requests, info.remaining_requests, info.reset_requests_s, now);
  if (info.remaining_tokens && *info.remaining_tokens <= 0 && info.reset_tokens_s)
    hold_until(now + seconds(*info.reset_tokens_s));
}

void rate_limiter::on_refused(std::uint64_t id, time_ns now, const net::rate_info& hint) {
  if (configured_.rpm > 0 || hint.per_day) return;
  // Reset headers alone do not say which window refused the call.
  if (!hint.retry_after_s && (hint.reset_requests_s || hint.reset_tokens_s)) return;
  rpm_.adjust(id, 0);
  // What the provider accepted: our sends in the trailing minute but those it failed.
  sliding_window ours = rpm_;
  for (const auto& c : unserved_) ours.adjust(c.id, 0);
  const long accepted = std::max(1L, ours.used(now));
  if (hint.retry_after_s) {
    // A retry hint teaches the limit only when it agrees with our count: come back when the
    // oldest of the `accepted` sends leaves the trailing minute. Any other hint (a refusal
    // for load, for tokens) would make a per-minute limit up.
    ours.set_limit(accepted);
    const time_ns frees = ours.earliest_fit(now, 1);
    const time_ns back = now + seconds(*hint.retry_after_s);
    if (frees <= now || std::llabs(back - frees) > rpm_.length() / 20) return;
  }
  rpm_.set_limit(rpm_.limit() > 0 ? std::min(rpm_.limit(), accepted) : accepted);
  measured_ = accepted >= measured_limit_min_sends
              || (last_send_ && now - burst_start_ >= rpm_.length());
  relax_at_ = 0;
  relax_on_send_ = true;
}

void rate_limiter::relax(time_ns now) {
  if (relax_at_ == 0 || now < relax_at_)
    return;
  const long limit = rpm_.limit();
  if (measured_) {
    // An hour on: the provider may allow more now; one 429 teaches it again if not.
    rpm_.set_limit(limit * 2);
    relax_at_ = now + rpm_.length() * measured_limit_windows;
    return;
  }
  if (relax_sends_ * 2 < limit) {
    rpm_.set_limit(configured_.rpm);
    relax_at_ = 0;
    return;
  }
  rpm_.set_limit(limit * 2);
  relax_at_ = now + rpm_.length();
  relax_sends_ = 0;
}

void rate_limiter::hold_until(time_ns until) {
  hold_until_ = std::max(hold_until_, until);
}

void rate_limiter::start_day(day_usage usage) {
  today_ = std::move(usage);
}

limits rate_limiter::effective() const {
  limits l = configured_;
  l.rpm = rpm_.limit();
  l.tpm = tpm_.limit();
  l.rpd = rpd_.limit();
  return l;
}

long rate_limiter::day_left(time_ns now) const {
  if (rpd_.limit() <= 0) return -1;
  return std::max(0L, rpd_.limit() - std::max(today_.requests, rpd_.used(now)));
}

time_ns rate_limiter::expected_slot() const {
  return in_flight_.empty() ? 0 : in_flight_.front().sent + avg_latency_;
}

time_ns rate_limiter::in_flight_estimate(time_ns now) const {
  const time_ns expected = expected_slot();
  return expected > now ? expected : now + avg_latency_;
}

// --- backoff and circuit ----------------------------------------------------------------

time_ns rate_limiter::minute_next_drop(time_ns now) const {
  const auto r = rpm_.next_drop(now);
  const auto t = tpm_.next_drop(now);
  if (r == 0 || t == 0) return std::max(r, t);
  return std::min(r, t);
}

time_ns full_jitter(int attempt, time_ns base, time_ns cap, std::mt19937_64& rng) {
  time_ns ceiling = std::max<time_ns>(0, base);
  for (int i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  if (ceiling <= 0) return 0;
  return std::uniform_int_distribution<time_ns>(0, ceiling)(rng);
}

circuit_breaker::circuit_breaker(int threshold, time_ns cooldown)
  : threshold_(threshold), cooldown_(cooldown) {}

circuit_breaker::state circuit_breaker::current(time_ns now) const {
  if (!opened_) return state::closed;
  return now < open_until_ ? state::open : state::half_open;
}

bool circuit_breaker::allow(time_ns now) const {
  switch (current(now)) {
    case state::closed: return true;
    case state::open: return false;
    case state::half_open: return !trial_;
  }
  return false;
}

void circuit_breaker::on_attempt(time_ns now) {
  if (current(now) == state::half_open) trial_ = true;
}

void circuit_breaker::on_success() {
  failures_ = 0;
  opened_ = false;
  trial_ = false;
}

void circuit_breaker::on_failure(time_ns now) {
  ++failures_;
  trial_ = false;
  if (opened_ || (threshold_ > 0 && failures_ >= threshold_)) {
    opened_ = true;
    open_until_ = now + cooldown_;
  }
}

const char* to_string(circuit_breaker::state s) {
  switch (s) {
    case circuit_breaker::state::closed: return "closed";
    case circuit_breaker::state::open: return "open";
    case circuit_breaker::state::half_open: return "half_open";
  }
  return "?";
}

// --- calendars --------------------------------------------------------------------------

cal::calendar provider_days(net::provider_kind kind, double time_scale) {
  return kind == net::provider_kind::gemini ? cal::pacific_days(time_scale)
                                            : cal::utc_days(time_scale);
}

cal::calendar provider_days(const provider_config& pc, double time_scale) {
  if (pc.day_reset.from_headers) return cal::utc_days(time_scale);
  auto tz = cal::zone::locate(pc.day_reset.timezone);
  if (!tz) return provider_days(pc.kind, time_scale);
  return cal::calendar(*tz, pc.day_reset.minute_of_day, time_scale);
}

time_ns to_monotonic(const instant& t, std::int64_t wall_deadline_ms) {
  return t.now + (wall_deadline_ms - t.wall_ms) * one_ms;
}

// --- cooldowns --------------------------------------------------------------------------

std::optional<cooldown> cooldown_for(const net::call_result& r, const instant& t,
                                     net::provider_kind kind, std::mt19937_64& rng) {
  const auto& ri = r.rate;
  const bool gemini = kind == net::provider_kind::gemini;
  auto quota_tag = [&ri]() { return ri.quota_id.empty() ? std::string{} : " (" + ri.quota_id + ")"; };

  if (r.cls == net::outcome_class::quota || (r.cls == net::outcome_class::throttled && ri.per_day)) {
    cooldown c;
    c.per_day = true;
    std::optional<double> hint;
    for (const auto& h : {ri.retry_after_s, ri.reset_requests_s})
      if (h && (!hint || *h > *hint)) hint = h;
    // Gemini's short RetryInfo delay on a PerDay violation is misleading: its day ends at
    // the provider's day boundary like a quota without any hint.
    if (hint && !(gemini && ri.per_day)) {
      c.until = t.now + seconds(*hint);
      c.reason = "daily quota exhausted" + quota_tag() + "; provider says it resets in " +
                 format_seconds(*hint);
    } else {
      c.until = to_monotonic(t, t.day.next_start(t.wall_ms));
      c.reason = "daily quota exhausted" + quota_tag() + "; resets when the provider's day ends (" +
                 t.day.tz().name() + ")";
    }
    c.until = std::min(c.until, t.now + max_quota_wait);
    return c;
  }

  if (r.cls == net::outcome_class::throttled) {
    std::optional<double> hint = ri.retry_after_s;
    std::string source = "retry hint";
    if (!hint && ri.remaining_tokens && *ri.remaining_tokens <= 0 && ri.reset_tokens_s) {
      hint = ri.reset_tokens_s;
      source = "token budget reset";
    } else if (!hint && ri.remaining_requests && *ri.remaining_requests <= 0 &&
               ri.reset_requests_s) {
      hint = ri.reset_requests_s;
      source = "request budget reset";
    } else if (!hint && (ri.reset_tokens_s || ri.reset_requests_s)) {
      hint = ri.reset_tokens_s ? ri.reset_tokens_s : ri.reset_requests_s;
      source = "rate limit reset";
    }
    if (!hint) return std::nullopt;
    const time_ns base = seconds(*hint);
    // 0-10 % on top, so callers released by the same hint do not all return at once.
    const time_ns extra = static_cast<time_ns>(
      std::uniform_real_distribution<double>(0.0, 0.1)(rng) * static_cast<double>(base));
    cooldown c;
    c.until = t.now + std::min(base + extra, max_throttle_wait);
    c.reason = "rate limited (HTTP " + std::to_string(r.http_status) + "), " + source + " " +
               format_seconds(*hint);
    return c;
  }

  if (ri.remaining_requests && *ri.remaining_requests <= 0) {
    cooldown c;
    c.per_day = true;
    if (ri.reset_requests_s) {
      c.until = t.now + seconds(*ri.reset_requests_s);
      c.reason = "request budget used up (x-ratelimit-remaining-requests: 0); resets in " +
                 format_seconds(*ri.reset_requests_s);
    } else {
      c.until = to_monotonic(t, t.day.next_start(t.wall_ms));
      c.reason = "request budget used up (x-ratelimit-remaining-requests: 0); waiting for the "
                 "next day";
    }
    c.until = std::min(c.until, t.now + max_quota_wait);
    return c;
  }
  return std::nullopt;
}

// --- health -----------------------------------------------------------------------------

const char* to_string(health_state s) {
  switch (s) {
    case health_state::ok: return "ok";
    case health_state::backoff: return "backoff";
    case health_state::cooldown: return "cooldown";
    case health_state::half_open: return "half_open";
    case health_state::open: return "open";
    case health_state::unreachable: return "unreachable";
    case health_state::broken: return "broken";
  }
  return "?";
}

health_tracker::health_tracker(backoff_params p)
  : params_(p), circuit_(p.circuit_failures, p.circuit_cooldown) {}

health_tracker::gate health_tracker::check(time_ns now) const {
  if (broken_) return {health_state::broken, false, 0};
  if (unreachable_) return {health_state::unreachable, false, next_probe_};
  const time_ns cooldown_until = cooldown_.until > now ? cooldown_.until : 0;
  const time_ns backoff_until = backoff_until_ > now ? backoff_until_ : 0;
  const auto circuit = circuit_.current(now);
  if (circuit == circuit_breaker::state::open)
    return {health_state::open, false,
            std::max({circuit_.open_until(), cooldown_until, backoff_until})};
  if (circuit == circuit_breaker::state::half_open && circuit_.trial_in_flight())
    return {health_state::half_open, false, 0};
  if (cooldown_until > 0)
    return {health_state::cooldown, false, std::max(cooldown_until, backoff_until)};
  if (backoff_until > 0) return {health_state::backoff, false, backoff_until};
  if (circuit == circuit_breaker::state::half_open) return {health_state::half_open, true, now};
  return {health_state::ok, true, now};
}

void health_tracker::on_send(time_ns now) {
  circuit_.on_attempt(now);
}

void health_tracker::answered() {
  circuit_.on_success();
  if (unreachable_) {
    unreachable_ = false;
    message_.clear();
  }
}

void health_tracker::set_cooldown(cooldown c, time_ns now) {
  if (cooldown_.until > now && cooldown_.until >= c.until) return;
  cooldown_ = std::move(c);
}

void health_tracker::back_off(time_ns now, const net::rate_info& hint, std::mt19937_64& rng) {
  time_ns delay = full_jitter(backoff_attempt_, params_.base, params_.cap, rng);
  ++backoff_attempt_;
  if (hint.retry_after_s) delay = std::max(delay, std::min(seconds(*hint.retry_after_s), params_.cap));
  backoff_until_ = std::max(backoff_until_, now + delay);
}

void health_tracker::on_result(const net::call_result& r, const instant& t,
                               net::provider_kind kind, std::mt19937_64& rng) {
  using net::outcome_class;
  switch (r.cls) {
    case outcome_class::busy:
      return;
    case outcome_class::broken:
      broken_ = true;
      message_ = r.message.empty() ? "the provider rejected the configuration" : r.message;
      return;
    case outcome_class::unreachable:
      unreachable_ = true;
      message_ = r.message.empty() ? "the provider cannot be reached" : r.message;
      next_probe_ = t.now + params_.probe_interval;
      return;
    case outcome_class::transient:
      circuit_.on_failure(t.now);
      if (circuit_.current(t.now) != circuit_breaker::state::open) back_off(t.now, r.rate, rng);
      break;
    case outcome_class::throttled:
      answered(); // keeps the backoff attempt: repeated hint-less 429s back off further
      if (auto c = cooldown_for(r, t, kind, rng))
        set_cooldown(std::move(*c), t.now);
      else
        back_off(t.now, r.rate, rng);
      return;
    case outcome_class::ok:
    case outcome_class::quota:
    case outcome_class::too_big:
    case outcome_class::bad_request:
    case outcome_class::refused:
      answered();
      backoff_attempt_ = 0;
      backoff_until_ = 0;
      break;
  }
  // Every response may carry "no requests left" in its headers.
  if (auto c = cooldown_for(r, t, kind, rng)) set_cooldown(std::move(*c), t.now);
}

void health_tracker::on_probe(bool ok, time_ns now) {
  if (!unreachable_) return;
  if (ok)
    answered();
  else
    next_probe_ = now + params_.probe_interval;
}

} // namespace zega::rate
