#pragma once
// Thin RAII layer over the LMDB C API. Errors are returned as LMDB codes (0 = success)
// because the callers must tell MDB_MAP_FULL and ENOSPC apart from other failures.

#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace zega::store::lmdb {

std::string error_text(int rc);

inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class env {
public:
  env() = default;
  ~env();
  env(const env&) = delete;
  env& operator=(const env&) = delete;

  // Opens `dir` (must exist) with MDB_NOTLS: an actor may resume on another thread, so
  // read slots must belong to transactions, not threads.
  int open(const std::string& dir, std::uint64_t map_size, unsigned max_dbs);
  // 0 adopts the size another process set. Const: it changes LMDB's state, not the handle.
  int set_map_size(std::uint64_t bytes) const;
  std::uint64_t map_size() const;
  MDB_env* get() const { return env_; }

private:
  MDB_env* env_ = nullptr;
};

class txn {
public:
  txn() = default;
  ~txn() { abort(); }
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;
  txn(txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }

  int begin(const env& e, bool read_only);
  // Commits; the transaction is gone afterwards whatever the outcome (LMDB frees it).
  int commit();
  void abort();
  MDB_txn* get() const { return txn_; }

private:
  MDB_txn* txn_ = nullptr;
};

// Database handles are process-wide and stay valid while the environment is open, so a
// plain value is enough; they are opened once, in a write transaction at start-up.
struct dbi {
  MDB_dbi handle = 0;

  int get(const txn& t, std::string_view key, std::string_view& value) const;
  // `flags`: MDB_APPEND for keys known to be the largest so far — pages then fill up
  // instead of splitting in half, which halves the size of append-only tables.
  int put(const txn& t, std::string_view key, std::string_view value, unsigned flags = 0) const;
  int del(const txn& t, std::string_view key) const;
  std::uint64_t entries(const txn& t) const;
};

int open_dbi(const txn& t, const char* name, bool create, dbi& out);

class cursor {
public:
  cursor() = default;
  ~cursor();
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;

  int open(const txn& t, const dbi& d);
  // Positions at the first key >= `key` (MDB_SET_RANGE).
  int seek(std::string_view key);
  int first();
  int last();
  int next();
  int prev();
  // Deletes the current entry; the cursor then points to the following one.
  int del();
  std::string_view key() const { return to_view(key_); }
  std::string_view value() const { return to_view(value_); }

private:
  int move(MDB_cursor_op op);
  MDB_cursor* cur_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
};

} // namespace zega::store::lmdb
