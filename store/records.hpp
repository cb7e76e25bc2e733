#pragma once
// Records kept in LMDB (design.md section 5). Stored as JSON so mdb_dump and any LMDB
// binding can read them; key encodings are documented in store/schema.hpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zega::store {

// One candidate of an ensemble vote (min_votes > 1), or the single winner otherwise.
struct candidate {
  std::string provider;
  std::string model;
  double quality = 0;
};

// An operator's verdict on an example (PATCH /examples/{id}). Records written before
// curation existed carry no field and read as none.
enum class review_status : std::uint8_t { none, accepted, rejected };
const char* to_string(review_status s);
std::optional<review_status> parse_review_status(const std::string& s); // "none"|"accepted"|"rejected"

struct example_record {
  std::uint64_t id = 0;          // assigned by the store on commit (big-endian u64 key)
  std::string user = "default";
  std::string job_id;
  std::uint64_t task_seq = 0;    // position of the task in its job (idempotent resume)
  std::string element;           // scene | character | dialogue | setting
  std::string genre;
  std::string topic;
  std::string style;
  std::string system;            // system prompt sent
  std::string prompt;            // user prompt sent
  std::string output;            // cleaned model output
  double quality = 0;
  std::string quality_json;      // training::quality_report::to_json()
  std::string provider;
  std::string model;
  long prompt_tokens = 0;
  long completion_tokens = 0;
  std::int64_t latency_ms = 0;
  std::int64_t created_ms = 0;   // wall clock, Unix milliseconds (UTC)
  bool in_memory = false;        // quality >= memory threshold and store_in_memory
  bool in_library = false;       // quality >= library threshold and save_to_database
  std::uint64_t fingerprint = 0; // SimHash of the output
  // MinHash signature of the output (training::minhash_signature::to_bytes, 516 bytes or
  // empty). Kept beside the fingerprint in the by_user index value, not in the record.
  std::string minhash;
  std::vector<candidate> candidates;
  review_status review = review_status::none; // rejected examples never export
  int rubric_version = 0;        // rubric behind `quality`; decode falls back to the report's; 0 = unknown
};

struct model_perf {
  int count = 0;
  double total_quality = 0;
};

// A batch (HTTP job) in ZEGA's training-history shape.
struct job_record {
  std::string id;
  std::string user = "default";
  std::string state = "queued";  // queued | running | completed | cancelled | interrupted
  int requested = 0;
  int successful = 0;
  int failed = 0;
  int duplicates = 0;            // rejected as near-duplicates
  double avg_quality = 0;
  double min_quality = 0;
  double max_quality = 0;
  std::string best_model;
  std::map<std::string, model_perf> model_performance;
  std::map<std::string, int> genre_distribution;
  std::map<std::string, int> element_distribution;
  int stories_saved = 0;
  int examples_before = 0;
  int examples_after = 0;
  bool fine_tuning_triggered = false;
  std::int64_t started_ms = 0;
  std::int64_t completed_ms = 0;  // 0 while running
  std::string request_json;       // the original request, so an interrupted job can resume
};

// Every upstream call.
struct attempt_record {
  std::uint64_t id = 0;          // assigned on commit
  std::string job_id;
  std::uint64_t task_seq = 0;
  std::string provider;
  std::string model;
  std::string outcome;           // net::to_string(outcome_class)
  int http_status = 0;
  std::int64_t latency_ms = 0;
  std::string error;             // operator message, never a secret
  std::int64_t at_ms = 0;        // wall clock, Unix ms
};

// Requests and tokens a provider spent on one UTC day.
struct quota_record {
  std::string provider;
  std::string day;               // "YYYY-MM-DD" (UTC)
  long requests = 0;
  long tokens = 0;
};

// Sets the review status of a stored example; a missing id is skipped (and reported), not
// an error for the whole batch.
struct review_update {
  std::uint64_t example_id = 0;
  review_status status = review_status::none;
};

// Everything one archiver transaction writes.
struct write_batch {
  std::vector<example_record> examples;
  std::vector<review_update> reviews;
  std::vector<job_record> jobs;        // upserts
  std::vector<attempt_record> attempts;
  std::vector<quota_record> quota;     // upserts (absolute values)
  std::vector<std::pair<std::string, std::string>> meta; // upserts
  bool empty() const {
    return examples.empty() && reviews.empty() && jobs.empty() && attempts.empty() && quota.empty() && meta.empty();
  }
};

enum class commit_status : std::uint8_t {
  ok,
  // Nothing written, and the same batch can succeed later: the disk is full, the map
  // reached max_map_size, or the file system refused the write (EIO). Writers hold it.
  storage_full,
  failed,       // the batch itself cannot be written (invalid, LMDB's own limits); nothing written
};

struct commit_result {
  commit_status status = commit_status::ok;
  std::string message;                  // reason when not ok
  std::vector<std::uint64_t> example_ids; // ids in the order of write_batch::examples
  std::vector<std::uint64_t> missing_reviews; // review_update ids that name no example
};

} // namespace zega::store
