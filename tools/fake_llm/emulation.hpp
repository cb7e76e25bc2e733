#pragma once
// Per-provider emulation state of the fake LLM server: sliding-window limits, concurrency,
// known / retired models, invalid keys, fault injection and counters. No sockets and an
// explicit clock, so tests drive it directly.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace zega::fake {

using time_point = std::chrono::steady_clock::time_point;
using duration = std::chrono::nanoseconds;

enum class provider_kind { ollama, groq, gemini, huggingface };
const char* to_string(provider_kind p);
std::optional<provider_kind> provider_from_string(const std::string& name);
constexpr provider_kind all_providers[] = {provider_kind::ollama, provider_kind::groq,
                                           provider_kind::gemini, provider_kind::huggingface};

// "At most `limit` units in any trailing window": a log of (time, amount).
class sliding_window {
public:
  std::int64_t used(time_point now, duration window);
  // Earliest time `amount` more fits under `limit`; nullopt when it never can.
  std::optional<time_point> fits_at(time_point now, duration window, std::int64_t limit,
                                    std::int64_t amount);
  // Time until the oldest entry leaves the window (zero when empty).
  duration next_release(time_point now, duration window);
  void add(time_point now, std::int64_t amount);
  void clear();

private:
  void prune(time_point now, duration window);
  std::deque<std::pair<time_point, std::int64_t>> log_;
  std::int64_t total_ = 0;
};

enum class limit_kind { rpm, tpm, rpd };
const char* to_string(limit_kind k);

struct limits {
  std::int64_t rpm = 0; // 0 = unlimited
  std::int64_t tpm = 0;
  std::int64_t rpd = 0;
};

struct provider_settings {
  int latency_ms = -1; // -1 = the server-wide default
  limits lim;
  int max_concurrency = 0;                 // 0 = unlimited
  std::vector<std::string> models;         // empty = any model
  std::vector<std::string> decommissioned; // retired ids
  std::vector<std::string> invalid_keys;
  std::string fault = "none";
  int fault_count = 0; // requests left to fault; -1 = all
  int slow_body_ms = 5000;
};

// Why a generation request is not simply served.
enum class verdict {
  serve,
  missing_key,
  invalid_key,
  fault,
  decommissioned,
  unknown_model,
  busy,
  rate_limited,
  too_large, // larger than the whole tokens-per-minute budget
};

const char* to_string(verdict v);

struct admission {
  verdict v = verdict::serve;
  std::string fault;          // verdict::fault
  limit_kind hit = limit_kind::rpm; // rate_limited / too_large: the binding window
  std::int64_t limit = 0;
  std::int64_t used = 0;
  std::int64_t requested = 0;
  duration retry_after{0};    // rate_limited: real time until it would fit
};

// What Groq reports in x-ratelimit-* (requests per day, tokens per minute).
struct ratelimit_snapshot {
  std::int64_t limit_requests = 0, remaining_requests = 0;
  std::int64_t limit_tokens = 0, remaining_tokens = 0;
  duration reset_requests{0}, reset_tokens{0};
};

struct generation_request {
  provider_kind provider = provider_kind::ollama;
  std::string model;
  std::optional<std::string> key; // nullopt = none sent
  std::int64_t tokens = 0;        // prompt + completion, charged to the tokens window
};

const std::vector<std::string>& fault_names();

// A model made with Ollama's POST /api/create: what tests check after a fine-tuning trigger.
struct created_model {
  std::string name;
  std::string from;
  std::string system;
  std::vector<std::pair<std::string, std::string>> messages; // (role, content)
};

class emulator {
public:
  explicit emulator(double time_scale = 1.0, int default_latency_ms = 0);

  // Merges a JSON config (see README); returns an error message, empty on success.
  std::string apply_config(const std::string& json);

  // Decides a generation request; on serve it is charged to the windows and counted in flight.
  admission admit(const generation_request& req, time_point now);
  // A served request finished (or its client went away).
  void release(provider_kind p);

  ratelimit_snapshot snapshot(provider_kind p, time_point now);
  // Counts one finished request. `status` 0 = no HTTP status (hang, reset): `outcome` is used.
  void count(provider_kind p, bool generation, int status, const std::string& outcome);
  std::string stats_json();
  // The effective settings, in the config file's schema.
  std::string config_json();
  // Clears counters, windows and the text counter; settings stay.
  void reset();

  provider_settings settings(provider_kind p);
  int latency_ms(provider_kind p);
  double time_scale();
  // Index of the next generated text (deterministic output); advanced by each serve.
  std::uint64_t text_index();

  // Ollama models made with /api/create (replaced by name); they join the listed models.
  // reset() forgets them.
  void create_model(created_model m);
  std::vector<created_model> created_models();
  // Share of replies given a realistic flaw (chatter, cut off, overlong, meta comment, short,
  // refusal); "prose_flaws" in the config, 0.25 by default, 0 for always-clean prose.
  double prose_flaws();

private:
  struct counters {
    std::int64_t requests = 0, probes = 0, served = 0, rate_limited = 0, busy = 0, faults = 0;
    std::map<std::string, std::int64_t> by_status;
  };
  struct provider_state {
    provider_settings settings;
    sliding_window requests_minute, requests_day, tokens_minute;
    int in_flight = 0;
    counters stats;
  };
  provider_state& state(provider_kind p) { return states_[static_cast<int>(p)]; }
  duration window(limit_kind k) const; // with mutex_ held

  std::mutex mutex_;
  double time_scale_;
  int default_latency_ms_;
  std::uint64_t text_index_ = 0;
  double prose_flaws_ = 0.25;
  std::vector<created_model> created_;
  provider_state states_[4];
};

// "2m59.56s", "7.66s", "120ms": Go's duration style, as Groq's reset headers use.
std::string go_duration(duration d);

} // namespace zega::fake
