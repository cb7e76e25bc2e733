#pragma once
// The configuration model, its built-in defaults, loading (JSON file, environment, .env)
// and validation with precise field-path messages. CAF- and Beast-free.

#include "net/providers/codec.hpp"

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
  net::provider_kind kind = net::provider_kind::ollama;
  std::string base_url;
  std::string model;
  std::vector<std::string> api_key_env;  // variables tried in order; first non-empty wins
  int priority = 1;                      // 1 = highest; equal priorities form a group
  limits_config limits;
  timeouts_config timeouts;
  backoff_config backoff;
  std::string ca_file;
  bool enabled = true;
  int max_output_tokens = 400;
  double temperature = 0.9;
  // Resolved at load time, never printed:
  std::string api_key;
  std::string disabled_reason;           // why it is disabled (e.g. "GROQ_API_KEY is not set")
  bool needs_key() const { return kind != net::provider_kind::ollama; }
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
  int max_wait_for_higher_ms = 3000; // wait this long at most for a busier higher group
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

struct quality_config {
  double memory_threshold = 7.0;
  double library_threshold = 8.0;
  int fine_tune_threshold = 50;
  int dedup_max_distance = 8; // SimHash Hamming distance that counts as a near-duplicate
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
};

struct config {
  server_config server;
  storage_config storage;
  routing_config routing;
  quality_config quality;
  std::vector<provider_config> providers;
};

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
