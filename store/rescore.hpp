#pragma once
// Re-scoring stored examples after a rubric change (`zegactl rescore`, POST /rescore). The
// archiver runs it as short chunks (rescore_chunk) between its other commits, so a big
// archive never holds the single writer for long. Outputs are never changed: only the
// score, its breakdown, the rubric version and the threshold flags.

#include "store/store.hpp"
#include "training/quality.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace zega::store {

struct rescore_options {
  double memory_threshold = 7.0;   // quality.memory_threshold
  double library_threshold = 8.0;  // quality.library_threshold
  training::rubric_options rubric; // quality.language
  // Re-score even examples already scored by the current rubric version.
  bool force = false;
};

// How many examples crossed each threshold, by their scores before and after.
struct rescore_counts {
  std::size_t examined = 0;
  std::size_t rescored = 0;    // written back (score, breakdown or version changed)
  std::size_t skipped = 0;     // unknown element or already current
  std::size_t memory_up = 0;   // now at or above the memory threshold, before below
  std::size_t memory_down = 0;
  std::size_t library_up = 0;
  std::size_t library_down = 0;
  rescore_counts& operator+=(const rescore_counts& o);
};

// Re-scores one record in place with the current rubric; returns true when it changed.
// The flags follow the thresholds: in_memory/in_library are cleared when the new score
// falls below and set when it rises to them. Whether the provider cut the text off comes
// from the stored breakdown (the raw finish reason is not kept).
bool rescore_example(example_record& ex, const rescore_options& opts, rescore_counts& counts);

struct rescore_chunk_result {
  commit_status status = commit_status::ok;
  std::string message;
  std::uint64_t next_cursor = 0; // pass to the next call; 0 = done
  rescore_counts counts;
};

// Re-scores up to `n` examples with id >= `cursor` (start with 0) in one write transaction
// of the store. Writer side: call it from the archiver only.
rescore_chunk_result rescore_chunk(store& db, std::uint64_t cursor, std::size_t n,
                                   const rescore_options& opts);

// {"examined":..,"rescored":..,"skipped":..,"memory":{"up":..,"down":..},
//  "library":{"up":..,"down":..},"rubric_version":2}
std::string to_json(const rescore_counts& c);

} // namespace zega::store
