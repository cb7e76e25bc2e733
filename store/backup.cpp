#include "store/backup.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

namespace zega::store {

namespace fs = std::filesystem;

backup_result backup(const store& db, const std::string& target_dir) {
  backup_result out;
  if (target_dir.empty()) {
    out.error = "backup path is empty";
    return out;
  }
  std::error_code ec;
  const auto target = fs::absolute(target_dir, ec).lexically_normal();
  out.path = target.string();
  const auto live = fs::absolute(db.path(), ec).lexically_normal();
  if (fs::exists(target, ec) && fs::equivalent(target, live, ec)) {
    out.error = "backup path " + out.path + " is the live archive";
    return out;
  }
  bool created = false;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) {
      out.error = "backup path " + out.path + " exists and is not a directory";
      return out;
    }
    if (!fs::is_empty(target, ec)) {
      out.error = "backup path " + out.path + " is not empty; choose a new directory";
      return out;
    }
  } else {
    created = fs::create_directories(target, ec);
    if (ec) {
      out.error = "cannot create " + out.path + ": " + ec.message();
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
  return out;
}

} // namespace zega::store
