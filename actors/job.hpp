#pragma once
// Job bookkeeping, free of CAF: one HTTP batch's results, its typed progress events and
// event log, the job record for the store, request validation and near-duplicate
// fingerprints. net/api/views_jobs.cpp renders summaries and events as JSON.

#include "actors/job_event.hpp"
#include "actors/messages.hpp"
#include "store/records.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zega::jobs {

// One finished task as it appears in the summary's examples[].
struct example_result {
  bool success = false;
  std::uint64_t task_seq = 0;
  std::string genre;
  std::string element;
  std::string topic;
  std::string prompt;
  std::string output;
  double quality = 0;
  bool in_memory = false;
  bool in_library = false;
  std::uint64_t story_id = 0;
  std::string provider;
  std::string model;
  std::vector<store::candidate> candidates;
  std::string error; // failures: "No valid responses from any model: ..."
  std::vector<std::pair<std::string, std::string>> provider_errors;
};

// Request validation; returns the HTTP-layer error (empty code when valid).
struct validation {
  int http_status = 202;
  std::string code;
  std::string message; // names the field: genres[1]: unknown genre "x"
  bool ok() const { return code.empty(); }
};
validation validate(const job_request& req, int enabled_providers);

// The request with its task seed, kept in job_record::request_json so a job can resume.
std::string request_to_json(const job_request& req, std::uint64_t seed);
bool request_from_json(const std::string& json, job_request& req, std::uint64_t& seed);

// Reads a request body (POST /auto-train) into `out`, checking JSON types only; on error
// returns false and sets `error` to a message naming the field ("num_examples: expected
// an integer"). Value rules (ranges, known genres) are validate()'s.
bool parse_request(const std::string& json, job_request& out, std::string& error);

class job {
public:
  job(std::string id, job_request req, std::uint64_t seed, std::int64_t started_ms,
      int examples_before);

  const std::string& id() const { return id_; }
  const job_request& request() const { return req_; }
  std::uint64_t seed() const { return seed_; }
  const std::string& state() const { return state_; }
  void set_state(std::string s) { state_ = std::move(s); }
  bool finished() const {
    return state_ == "completed" || state_ == "cancelled" || state_ == "interrupted";
  }

  // Results (successes only once durable).
  void add(example_result r);
  void add_duplicate() { ++duplicates_; }
  int successful() const { return successful_; }
  int failed() const { return failed_; }
  int done() const { return successful_ + failed_; }
  int requested() const { return req_.num_examples; }
  int duplicates() const { return duplicates_; }
  int saved_to_database() const { return saved_; }
  int stored_in_memory() const { return in_memory_; }
  int examples_before() const { return examples_before_; }
  const std::vector<example_result>& results() const { return results_; }

  // Store record in ZEGA's training-history shape; completed_ms 0 while running.
  // `pending`: a result being committed in the same transaction as this record, counted
  // as if added.
  store::job_record record(std::int64_t completed_ms, bool fine_tuning,
                           const example_result* pending = nullptr) const;
  // The "progress" event after the latest result.
  job_event progress_event() const;
  // Short entry for GET /jobs.
  job_brief brief(int queued, int in_flight) const;

  // Event log with increasing ids (1, 2, ...).
  std::uint64_t add_event(job_event e);
  // Forgets the event log (a copy answered to GET /jobs/{id} needs only the results).
  void drop_events();
  const std::vector<std::pair<std::uint64_t, job_event>>& events() const { return events_; }

  // The latest result (nullptr before the first).
  const example_result* latest() const { return results_.empty() ? nullptr : &results_.back(); }

  // Model with the best average quality so far (empty before the first success).
  std::string best_model() const;

  // Approximate heap bytes held by the results and the event log: what keeping this job
  // in memory costs (finished jobs are kept up to a byte budget, not a count).
  std::size_t memory_bytes() const { return bytes_; }

private:
  std::string id_;
  job_request req_;
  std::uint64_t seed_;
  std::string state_ = "queued";
  std::int64_t started_ms_;
  int examples_before_;
  std::vector<example_result> results_;
  int successful_ = 0;
  int failed_ = 0;
  int duplicates_ = 0;
  int in_memory_ = 0;
  int saved_ = 0;
  std::vector<std::pair<std::uint64_t, job_event>> events_;
  std::size_t bytes_ = 0;
};

// GET /jobs/{id} and the "complete" event: a copy of the job (without its event log) and
// what its summary needs from the scheduler; net/api renders it (job_view) in ZEGA's
// /auto-train shape.
struct job_summary {
  job info;
  double total_time_s = 0;
  bool ready_for_finetuning = false;
  std::optional<training::training_stats> stats; // none while the user's stats load
};

// Fingerprints of one user's dataset (loaded once) plus this session's.
class fingerprint_set {
public:
  void add(std::uint64_t fp) { fps_.push_back(fp); }
  bool near(std::uint64_t fp, int max_distance) const;
  std::size_t size() const { return fps_.size(); }

private:
  std::vector<std::uint64_t> fps_;
};

} // namespace zega::jobs
