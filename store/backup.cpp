#include "store/backup.hpp"

#include "store/lmdb.hpp"
#include "store/schema.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

namespace zega::store {

namespace fs = std::filesystem;

namespace {

// Opens the copy read-only and without a lock file (nothing else uses it yet, and a
// backup directory stays exactly what LMDB wrote) and counts its examples.
std::string count_examples(const std::string& dir, std::uint64_t& count) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(env, schema::max_dbs);
  if (rc == 0)
    rc = mdb_env_open(env, dir.c_str(), MDB_RDONLY | MDB_NOLOCK, 0600);
  MDB_txn* txn = nullptr;
  if (rc == 0)
    rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  MDB_dbi dbi = 0;
  if (rc == 0)
    rc = mdb_dbi_open(txn, schema::examples_db, 0, &dbi);
  MDB_stat stat{};
  if (rc == 0)
    rc = mdb_stat(txn, dbi, &stat);
  if (rc == 0)
    count = stat.ms_entries;
  if (txn)
    mdb_txn_abort(txn);
  if (env)
    mdb_env_close(env);
  return rc == 0 ? std::string{} : lmdb::error_text(rc);
}

} // namespace

backup_result backup(const store& db, const std::string& target_dir) {
  backup_result out;
  if (target_dir.empty()) {
    out.error = "backup path is empty";
    out.target_refused = true;
    return out;
  }
  std::error_code ec;
  const auto target = fs::absolute(target_dir, ec).lexically_normal();
  out.path = target.string();
  const auto live = fs::absolute(db.path(), ec).lexically_normal();
  if (fs::exists(target, ec) && fs::equivalent(target, live, ec)) {
    out.error = "backup path " + out.path + " is the live archive";
    out.target_refused = true;
    return out;
  }
  bool created = false;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) {
      out.error = "backup path " + out.path + " exists and is not a directory";
      out.target_refused = true;
      return out;
    }
    if (!fs::is_empty(target, ec)) {
      out.error = "backup path " + out.path + " is not empty; choose a new directory";
      out.target_refused = true;
      return out;
    }
  } else {
    created = fs::create_directories(target, ec);
    if (ec) {
      out.error = "cannot create " + out.path + ": " + ec.message();
      out.target_refused = true;
      return out;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  if (auto why = db.copy_compacted(out.path); !why.empty()) {
    out.error = "copy into " + out.path + " failed: " + why;
    // Leave nothing that could pass for a backup.
    fs::remove(target / "data.mdb", ec);
    if (created) fs::remove(target, ec);
    return out;
  }
  out.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  const auto size = fs::file_size(target / "data.mdb", ec);
  out.bytes = ec ? 0 : size;
  if (auto why = count_examples(out.path, out.examples); !why.empty())
    out.error = "the copy in " + out.path + " does not open: " + why;
  return out;
}

} // namespace zega::store
