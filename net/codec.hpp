#pragma once
// Provider wire codecs: turn a generation request into an HTTP request, and an HTTP
// response (or transport failure) into either a result or a classified error with
// whatever rate information came with it. Pure functions, no I/O; see
// ../shared/docs/providers.md (section 6 for the classes).

#include "net/http_types.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace zega::net {

enum class provider_kind : std::uint8_t { ollama, openai, gemini };
const char* to_string(provider_kind k);
std::optional<provider_kind> provider_kind_from_string(const std::string& s);

// providers.md section 6, plus `ok` (I = ok with truncated = true).
enum class outcome_class : std::uint8_t {
  ok,
  throttled,   // A: 429 with a short hint; retry here after the delay
  quota,       // B: daily / long-window quota exhausted; fail over
  transient,   // C: 5xx, 503 busy, reset, timeout; backoff + circuit breaker
  too_big,     // D: request too large for this provider; fail over
  bad_request, // E: our request is wrong; no retry
  broken,      // F: bad key, model gone; permanently broken until config changes
  unreachable, // G: connection refused / DNS / TLS; health-probe in background
  refused,     // H: content refused by safety filters
  busy,        // not an upstream outcome: the provider actor did not send (local limit)
};
const char* to_string(outcome_class c);

// Everything a response told us about limits. Durations in seconds.
struct rate_info {
  std::optional<double> retry_after_s;   // retry-after-ms / retry-after / RetryInfo / message
  std::optional<long> limit_requests;    // Groq: requests per day
  std::optional<long> limit_tokens;      // Groq: tokens per minute
  std::optional<long> remaining_requests;
  std::optional<long> remaining_tokens;
  std::optional<double> reset_requests_s;
  std::optional<double> reset_tokens_s;
  bool per_day = false;                  // the exhausted quota is a daily one
  std::string quota_id;                  // Gemini QuotaFailure quotaId, Groq limit name
  std::optional<long> quota_value;       // Gemini quotaValue
};

// What the codec needs to know about the endpoint.
struct endpoint {
  provider_kind kind = provider_kind::ollama;
  std::string name;     // provider name for messages ("groq")
  std::string base_url; // e.g. http://127.0.0.1:11434, https://api.groq.com/openai/v1
  std::string model;
  std::string api_key;  // never logged
};

struct generation_params {
  std::string system;
  std::string prompt;
  int max_tokens = 400;
  double temperature = 0.9;
  std::optional<std::uint64_t> seed;
};

struct call_result {
  outcome_class cls = outcome_class::transient;
  int http_status = 0;        // 0 when no HTTP response
  std::string text;           // generated text on ok
  std::string finish_reason;  // normalised: stop, length, safety, ...
  bool truncated = false;     // class I
  long prompt_tokens = 0;
  long completion_tokens = 0;
  std::string error_code;     // provider code: model_decommissioned, API_KEY_INVALID, ...
  std::string message;        // one line for the operator, prefixed with endpoint name
  rate_info rate;
};

// Builds the generation call (non-streaming).
http_request build_generate(const endpoint& ep, const generation_params& p);
// Builds the cheap health / model-list probe (GET /api/version, GET {base}/models).
http_request build_probe(const endpoint& ep);

// Parses a complete response (Ollama NDJSON bodies accepted too). Never throws.
call_result parse_generate(const endpoint& ep, const http_response& resp);
// Same with the clock given: HTTP-date retry-after and the Gemini daily reset are
// relative to `now_unix`. The two-argument form uses the system clock.
call_result parse_generate(const endpoint& ep, const http_response& resp, double now_unix);
// Classifies a failure below HTTP.
call_result classify_transport(const endpoint& ep, const transport_error& err);
// Whether a probe response means "reachable and usable".
bool probe_ok(const endpoint& ep, const http_response& resp);

// Helpers exposed for tests.
// Go-style duration ("2m59.56s", "7.66s", "120ms", "1h", bare number = seconds).
std::optional<double> parse_go_duration(const std::string& s);
// retry-after: seconds (int/float) or an HTTP-date relative to `now_unix`.
std::optional<double> parse_retry_after(const std::string& s, double now_unix);
// "try again in 4.77s" / "Please retry in 36.4s" / "try again in 2m3.5s" inside a message.
std::optional<double> parse_delay_in_message(const std::string& msg);
// Fills rate info from headers (retry-after-ms, retry-after, x-ratelimit-*).
void parse_rate_headers(const header_list& headers, double now_unix, rate_info& out);

} // namespace zega::net
