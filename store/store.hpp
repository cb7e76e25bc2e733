#pragma once
// LMDB environment with the project's sub-databases. One writer (the archiver actor calls
// commit()); any thread may read through its own read transaction. CAF- and Beast-free.

#include "store/records.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zega::store {

struct store_options {
  std::string dir;                      // created if missing
  std::uint64_t map_size_mb = 256;
  std::uint64_t max_map_size_mb = 65536;  // growth stops here -> storage_full
};

struct example_filter {
  std::optional<std::string> user;
  std::optional<std::string> genre;
  std::optional<std::string> element;
  std::optional<std::string> job_id;
  std::optional<std::string> provider;
  std::optional<review_status> review;
  std::optional<double> min_quality;
  std::optional<std::int64_t> from_ms;  // created_ms >= from
  std::optional<std::int64_t> to_ms;    // created_ms < to
};

struct job_filter {
  std::optional<std::string> user;
  std::optional<std::int64_t> from_ms;  // started_ms >= from
  std::optional<std::int64_t> to_ms;
  std::optional<std::string> state;
  bool newest_first = false; // job ids sort by start time (see the scheduler's make_job_id)
};

// A page may hold fewer than `limit` items (even none) and still have a next_cursor when
// the filter is selective: each call examines a bounded number of records.
template <class T>
struct page {
  std::vector<T> items;
  std::string next_cursor; // empty = no more
  std::string error;       // non-empty when the cursor was malformed (items then empty)
};

// Why the store would refuse this batch as a whole (a job without id, an empty or
// over-long meta name), or "" when it is writable. The archiver checks each request with
// it so that one bad request cannot fail the group it would be committed with.
std::string invalid_reason(const write_batch& batch);

class store {
public:
  // Opens (creating and migrating as needed). Returns nullptr and sets `error` on failure.
  static std::unique_ptr<store> open(const store_options& opts, std::string& error);
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // --- writer side (archiver only) ---
  // Writes the whole batch in ONE transaction; grows the map on MDB_MAP_FULL and retries.
  commit_result commit(const write_batch& batch);
  // Deletes attempts older than `cutoff_ms`; returns how many were removed.
  std::size_t trim_attempts(std::int64_t cutoff_ms);
  // Rewrites up to `limit` examples with id >= `from_id` in ONE write transaction, so a long
  // pass over the table (rescore) runs as short chunks between the archiver's other work.
  // `fn` is called once per example in id order and returns true when it changed the record
  // (never its id or user); only changed records are written back.
  struct update_result {
    commit_status status = commit_status::ok;
    std::string message;        // reason when not ok
    std::uint64_t next_id = 0;  // continue from here; 0 = the end of the table was reached
    std::size_t examined = 0;
    std::size_t changed = 0;
  };
  update_result update_examples(std::uint64_t from_id, std::size_t limit,
                                const std::function<bool(example_record&)>& fn);
  // Write transactions committed since open (group-commit accounting, tests, bench).
  std::uint64_t commits() const;
  // Fault injection for tests: the next `count` write transactions fail with `error` (an
  // errno such as EIO, or an LMDB code) and write nothing, as a failing disk makes them.
  void fail_next_writes(int count, int error);

  // --- readers (any thread) ---
  std::optional<example_record> get_example(std::uint64_t id) const;
  page<example_record> list_examples(const example_filter& f, const std::string& cursor,
                                     std::size_t limit) const;
  // Streams matching examples in id order without holding all of them in memory; the
  // callback returns false to stop. Uses short read transactions (pages internally).
  // Returns "" when every page was read, else why the walk stopped early.
  std::string for_each_example(const example_filter& f,
                               const std::function<bool(const example_record&)>& fn) const;
  std::size_t count_examples(const std::string& user) const; // "" = every user
  std::vector<std::uint64_t> fingerprints(const std::string& user) const;
  // (example id, MinHash signature bytes) of a user's examples. Read from the by_user index;
  // an example written before signatures were kept has its signature computed from its
  // output once here (not written back).
  std::vector<std::pair<std::uint64_t, std::string>> minhashes(const std::string& user) const;

  std::optional<job_record> get_job(const std::string& id) const;
  page<job_record> list_jobs(const job_filter& f, const std::string& cursor,
                             std::size_t limit) const;
  std::vector<job_record> unfinished_jobs() const; // state queued or running
  std::size_t count_jobs() const;
  void for_each_job(const std::function<bool(const job_record&)>& fn) const;

  std::vector<attempt_record> list_attempts(std::size_t limit) const; // newest first
  std::size_t count_attempts() const;
  // Oldest first, in pages of short read transactions; the callback returns false to stop.
  void for_each_attempt(const std::function<bool(const attempt_record&)>& fn) const;

  std::size_t count_library() const; // stories saved to the library

  quota_record get_quota(const std::string& provider, const std::string& day) const;
  std::optional<std::string> get_meta(const std::string& name) const;

  // Writes a compacted copy of the environment into the existing, empty `dir` while the
  // writer goes on: LMDB copies one read snapshot (mdb_env_copy2 with MDB_CP_COMPACT). A map
  // resize waits for the copy. Returns "" or why it failed. Callers: store/backup.
  std::string copy_compacted(const std::string& dir) const;

  int schema_version() const;
  std::uint64_t map_size_bytes() const;
  std::string path() const; // the environment directory

private:
  store();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace zega::store
