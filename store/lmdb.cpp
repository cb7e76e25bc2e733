#include "store/lmdb.hpp"

namespace zega::store::lmdb {

std::string error_text(int rc) {
  return mdb_strerror(rc);
}

env::~env() {
  if (env_ != nullptr)
    mdb_env_close(env_);
}

int env::open(const std::string& dir, std::uint64_t map_size, unsigned max_dbs) {
  if (int rc = mdb_env_create(&env_); rc != 0) {
    env_ = nullptr;
    return rc;
  }
  if (int rc = mdb_env_set_maxdbs(env_, max_dbs); rc != 0)
    return rc;
  if (int rc = mdb_env_set_mapsize(env_, map_size); rc != 0)
    return rc;
  return mdb_env_open(env_, dir.c_str(), MDB_NOTLS, 0644);
}

int env::set_map_size(std::uint64_t bytes) const {
  return mdb_env_set_mapsize(env_, bytes);
}

std::uint64_t env::map_size() const {
  MDB_envinfo info{};
  if (mdb_env_info(env_, &info) != 0)
    return 0;
  return info.me_mapsize;
}

int txn::begin(const env& e, bool read_only) {
  abort();
  return mdb_txn_begin(e.get(), nullptr, read_only ? MDB_RDONLY : 0u, &txn_);
}

int txn::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  return rc;
}

void txn::abort() {
  if (txn_ != nullptr) {
    mdb_txn_abort(txn_);
    txn_ = nullptr;
  }
}

int dbi::get(const txn& t, std::string_view key, std::string_view& value) const {
  MDB_val k = to_val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_get(t.get(), handle, &k, &v);
  if (rc == 0)
    value = to_view(v);
  return rc;
}

int dbi::put(const txn& t, std::string_view key, std::string_view value, unsigned flags) const {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  return mdb_put(t.get(), handle, &k, &v, flags);
}

int dbi::del(const txn& t, std::string_view key) const {
  MDB_val k = to_val(key);
  return mdb_del(t.get(), handle, &k, nullptr);
}

std::uint64_t dbi::entries(const txn& t) const {
  MDB_stat st{};
  if (mdb_stat(t.get(), handle, &st) != 0)
    return 0;
  return st.ms_entries;
}

int open_dbi(const txn& t, const char* name, bool create, dbi& out) {
  return mdb_dbi_open(t.get(), name, create ? MDB_CREATE : 0u, &out.handle);
}

cursor::~cursor() {
  if (cur_ != nullptr)
    mdb_cursor_close(cur_);
}

int cursor::open(const txn& t, const dbi& d) {
  return mdb_cursor_open(t.get(), d.handle, &cur_);
}

int cursor::move(MDB_cursor_op op) {
  return mdb_cursor_get(cur_, &key_, &value_, op);
}

int cursor::seek(std::string_view key) {
  key_ = to_val(key);
  return move(MDB_SET_RANGE);
}

int cursor::first() { return move(MDB_FIRST); }
int cursor::last() { return move(MDB_LAST); }
int cursor::next() { return move(MDB_NEXT); }
int cursor::prev() { return move(MDB_PREV); }

int cursor::del() {
  return mdb_cursor_del(cur_, 0);
}

} // namespace zega::store::lmdb
