#pragma once
// The configuration model, its built-in defaults, loading (JSON file, environment, .env)
// and validation with precise field-path messages. CAF- and Beast-free.

#include "config/provider_kind.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zega {

struct limits_config {
  int rpm = 0;  // requests per minute, 0 = not configured (learned from headers)
  int tpm = 0;  // tokens per minute
  int rpd = 0;  // requests per day
  int tpd = 0;  // tokens per day
  int max_in_flight = 1;
  int min_interval_ms = 0;
  // Part of rpd that scheduled work never touches (kept for the user's other uses).
  int reserve_per_day = 0;
};

// When a provider's daily quota starts over.
struct day_reset_config {
  // The provider reports its resets in response headers (Groq); the fields below are unused.
  bool from_headers = false;
  std::string timezone = "UTC"; // IANA name
  int minute_of_day = 0;        // local time of the reset, minutes after midnight ("HH:MM")
};

struct timeouts_config {
  int connect_ms = 3000;
  int tls_ms = 5000;
  int first_byte_ms = 120000;
  int total_ms = 180000;
};

struct backoff_config {
  int base_ms = 1000;
  int cap_ms = 30000;
  int circuit_failures = 5;    // consecutive transient failures that open the circuit
  int circuit_cooldown_ms = 30000;
  int probe_interval_ms = 15000; // health probe while unreachable
};

struct provider_config {
  std::string name;                      // unique, e.g. "groq"
  provider_kind kind = provider_kind::ollama;
  std::string base_url;
  std::string model;
  std::vector<std::string> api_key_env;  // variables tried in order; first non-empty wins
  int priority = 1;                      // 1 = highest; equal priorities form a group
  limits_config limits;
  day_reset_config day_reset;
  timeouts_config timeouts;
  backoff_config backoff;
  std::string ca_file;
  bool enabled = true;
  int max_output_tokens = 400;
  double temperature = 0.9;
  // Resolved at load time, never printed:
  std::string api_key;
  std::string disabled_reason;           // why it is disabled (e.g. "GROQ_API_KEY is not set")
  bool needs_key() const { return kind != provider_kind::ollama; }
};

struct fixed_pacing_config {
  int pause_min_ms = 3000;       // random pause between examples
  int pause_max_ms = 5000;
  int between_models_ms = 500;   // between models of one group
  int between_groups_ms = 2000;  // between priority groups
  int retries = 2;               // retries per model
  std::vector<int> retry_backoff_ms{2000, 4000};
};

struct routing_config {
  // Explicit override of the deadline rule: wait this long at most for a busier higher
  // group. -1 (the default, key absent or null) = the deadline rule decides.
  int max_wait_for_higher_ms = -1;
  // Interactive jobs get a deadline of (1 + slack) x the batch's best possible time.
  double slack = 0.1;
  int max_in_flight = 8;             // tasks in flight across all providers
  int retries_per_provider = 2;      // per-task retry budget on one provider
  int task_deadline_ms = 600000;     // a task that cannot be served in this time fails
  int queue_limit = 100000;          // 429 from the daemon beyond this many queued tasks
  std::string pacing = "adaptive";   // "adaptive" | "fixed"
  // Divides every rate-limit window (minute, day). Only for benchmarks and tests against
  // zega-fake-llm --time-scale; 1 in production.
  double time_scale = 1.0;
  fixed_pacing_config fixed;
};

struct judge_config {
  std::string provider;    // a configured provider's name
  double weight = 0.5;     // share of the judge's score in the blend
  double min_rubric = 7.0; // only candidates at or above this rubric score are judged
};

struct quality_config {
  double memory_threshold = 7.0;
  double library_threshold = 8.0;
  // Mirror of finetune.threshold (the source of truth, set by the loader) for code that
  // still reads it here; "quality.fine_tune_threshold" in a file is an alias of it.
  int fine_tune_threshold = 50;
  int dedup_max_distance = 8; // SimHash Hamming distance that counts as a near-duplicate
  std::string language = "en"; // the language asked for and checked by the rubric
  std::optional<judge_config> judge; // off unless configured
  double dedup_jaccard = 0.5;  // MinHash estimate at or above which texts are near-duplicates
  // A text this many changed words (or fewer) away from a stored one is a near-duplicate even
  // when it is short and its Jaccard falls below dedup_jaccard; 0 = the Jaccard alone.
  int dedup_changed_words = 20;
};

struct prompts_config {
  int no_repeat_within = 5000; // no (element, genre, premise) repeats within this many examples
  std::optional<std::string> topics_file; // the user's own topics, one per line
};

struct finetune_config {
  int threshold = 50;          // examples per fine-tuning round
  bool auto_trigger = false;   // "auto": trigger each time a dataset crosses a multiple
  std::string base_model;      // Ollama model to build from; empty in a file = the ollama
                               // provider's model (resolved by the loader)
  int max_examples = 20;       // few-shot messages in the built model
  std::vector<std::string> command;          // program + arguments; empty = none
  std::optional<std::string> system_prompt;  // empty = the built-in one
};

struct logging_config {
  std::string level = "info"; // trace | debug | info | warning | error
};

// A daily number of tasks: a fixed number has min == max; a range draws one per day.
struct per_day_config {
  int min = 1;
  int max = 1;
};

struct phase_config {
  std::optional<int> days;        // the phase ends after this many days...
  std::optional<int> until_total; // ...or once the user's dataset holds this many examples
  per_day_config per_day;
};

// Local time of day, minutes after midnight. end < start crosses midnight.
struct window_config {
  int start_minute = 0;
  int end_minute = 0;
};

struct schedule_config {
  std::string name;
  std::string user_id = "default";
  std::string timezone = "UTC"; // IANA name
  std::optional<window_config> window; // none = the whole day
  std::vector<std::string> genres;     // empty = all
  std::vector<std::string> elements;   // empty = all
  int min_votes = 1;
  int catch_up_days = 0;
  std::vector<phase_config> phases;    // the last one runs forever
};

struct storage_config {
  std::string data_dir = "./zega-data";
  std::uint64_t map_size_mb = 256;
  std::uint64_t max_map_size_mb = 65536;
  int commit_batch = 64;
  int commit_interval_ms = 5;
  int attempts_retention_days = 30;
  std::string on_interrupted = "resume"; // "resume" | "mark"
  // Finished jobs stay queryable (GET /jobs/{id}, event replay) until their results and
  // events together pass this many bytes; the oldest go first, the newest always stays.
  std::size_t finished_jobs_max_bytes = 64u << 20;
};

struct server_config {
  std::string listen = "127.0.0.1:8002";
  std::string token_env = "ZEGA_API_TOKEN";
  std::string token; // resolved, never printed
  int shutdown_grace_ms = 10000;
  int heartbeat_ms = 15000;
  // Exact origins ("http://localhost:5173") allowed to call cross-origin; none by default.
  std::vector<std::string> cors_origins;
  // Host names served besides localhost and loopback literals (DNS rebinding guard).
  std::vector<std::string> allowed_hosts;
  int max_connections = 512;        // over this, a fast 503
  bool metrics_require_token = true; // /metrics asks for the token when one is set
  int sse_queue_max_events = 256;   // a subscriber further behind is dropped (resumable)
};

struct config {
  server_config server;
  storage_config storage;
  routing_config routing;
  quality_config quality;
  std::vector<provider_config> providers;
  std::vector<schedule_config> schedules;
  logging_config logging;
  prompts_config prompts;
  finetune_config finetune;
};

// Providers that are enabled after loading (a key found, not switched off). Zero means the
// daemon can do no work: start-up warns and /health should not say "healthy".
std::size_t enabled_provider_count(const config& cfg);

// Environment lookup, injectable for tests. Returns nullopt when unset or empty.
using env_lookup = std::optional<std::string> (*)(const std::string& name, void* ctx);

struct load_options {
  std::optional<std::string> config_file; // --config
  std::optional<std::string> data_dir;    // --data-dir overrides storage.data_dir
  std::optional<std::string> listen;      // --listen overrides server.listen
  std::optional<std::string> env_file;    // .env path; default "./.env" when present
  // Environment overlay; default reads the process environment plus the .env file
  // (process environment wins).
  std::map<std::string, std::string> env_override; // tests: used instead of getenv when set
  bool use_process_env = true;
};

struct config_error {
  std::string path;    // "providers[1].limits.rpm"
  std::string problem; // "expected a positive integer, got -3"
  std::string to_string() const { return path.empty() ? problem : path + ": " + problem; }
};

struct load_result {
  std::optional<config> cfg;
  std::vector<config_error> errors; // empty on success
};

// Built-in defaults: the four providers in the seed's order (ollama, groq, gemini,
// huggingface) with current model ids.
config default_config();
// Preset for a kind name used in provider entries ("groq", "gemini", "huggingface", "ollama").
std::optional<provider_config> provider_preset(const std::string& preset);

// Parses and validates a JSON document against the defaults (unknown keys are errors).
load_result parse_config(const std::string& json_text, const load_options& opts);
// Reads the file (if any), overlays env/.env and CLI options, validates, resolves keys.
load_result load_config(const load_options& opts);
// Effective config as pretty JSON, secrets redacted ("api_key":"***" when set).
std::string to_json(const config& cfg, bool pretty = true);

} // namespace zega
