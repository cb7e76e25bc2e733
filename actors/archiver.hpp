#pragma once
// The archiver: the only LMDB writer. Group commit — pending batches are merged and written
// in one transaction when `commit_batch` requests are queued or the batching timer fires —
// and each request is answered only after that transaction committed.

#include "actors/actors.hpp"
#include "store/rescore.hpp"
#include "store/store.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace zega {

// Merges `batches` into one, in order (so a later upsert of the same job/quota/meta wins).
store::write_batch merge_batches(const std::vector<const store::write_batch*>& batches);

// Splits the merged commit's result back into one result per request: request k gets the
// next `example_counts[k]` example ids; a failure is every request's failure.
std::vector<store::commit_result> split_result(const store::commit_result& merged,
                                               const std::vector<std::size_t>& example_counts);

// Of the merged commit's missing review ids, those `batch` asked for (so a PATCH of an unknown
// id learns it was unknown even when its batch was committed with others).
std::vector<std::uint64_t> missing_reviews_of(const store::commit_result& merged,
                                              const store::write_batch& batch);

// Examples re-scored per chunk of POST /rescore (one write transaction each).
constexpr std::size_t rescore_chunk_size = 64;

struct archiver_state {
  struct pending_batch {
    store::write_batch batch;
    caf::typed_response_promise<store::commit_result> promise;
  };

  // A running POST /rescore: one chunk per turn of the mailbox, so batches queued meanwhile
  // are committed between chunks.
  struct rescore_run {
    store::rescore_options opts;
    std::uint64_t cursor = 0;
    store::rescore_counts counts;
    caf::typed_response_promise<store::rescore_counts> promise;
  };

  store::store* db = nullptr;
  std::deque<rescore_run> rescores; // the front one runs; later requests wait their turn
  std::size_t commit_batch = 64;
  std::chrono::milliseconds commit_interval{50};
  int attempts_retention_days = 0; // 0 = keep attempts forever
  std::vector<pending_batch> pending;
  bool timer_armed = false;
  bool storage_full = false; // logged once per episode
  caf::actor_clock::time_point next_trim{};

  static inline const char* name = "archiver";
};

// `commit_batch`: queued requests that trigger a commit at once; `commit_interval_ms`: the
// longest a request waits for companions; `attempts_retention_days`: attempts older than
// this are trimmed (checked at most hourly), 0 keeps them. Spawn detached in production
// (commits block on fsync), scheduled in tests.
archiver_actor::behavior_type archiver(archiver_actor::stateful_pointer<archiver_state> self,
                                       store::store* db, int commit_batch,
                                       int commit_interval_ms, int attempts_retention_days);

} // namespace zega
