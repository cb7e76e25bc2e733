#pragma once
// The archiver: the only LMDB writer. Group commit — pending batches are merged and written
// in one transaction when `commit_batch` requests are queued or the batching timer fires —
// and each request is answered only after that transaction committed.

#include "actors/actors.hpp"
#include "store/store.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstddef>
#include <vector>

namespace zega {

// Merges `batches` into one, in order (so a later upsert of the same job/quota/meta wins).
store::write_batch merge_batches(const std::vector<const store::write_batch*>& batches);

// Splits the merged commit's result back into one result per request: request k gets the
// next `example_counts[k]` example ids; a failure is every request's failure.
std::vector<store::commit_result> split_result(const store::commit_result& merged,
                                               const std::vector<std::size_t>& example_counts);

struct archiver_state {
  struct pending_batch {
    store::write_batch batch;
    caf::typed_response_promise<store::commit_result> promise;
  };

  store::store* db = nullptr;
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
