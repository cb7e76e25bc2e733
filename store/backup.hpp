#pragma once
// Hot backup: a consistent, compacted copy of the archive taken while the daemon runs.
// Restore by stopping zegad and pointing --data-dir (storage.data_dir) at the copy, or
// moving the copy's data.mdb over the old one.

#include "store/store.hpp"

#include <cstdint>
#include <string>

namespace zega::store {

struct backup_result {
  std::string error;       // "" on success; otherwise says what to fix
  std::string path;        // the target directory, absolute
  std::uint64_t bytes = 0; // size of the copy's data.mdb
  std::int64_t duration_ms = 0;
  std::uint64_t examples = 0; // examples in the copy, read back from it
  // The target was refused (not a directory, not empty, the live archive, cannot be
  // created): the caller's to fix, unlike a failed copy.
  bool target_refused = false;
  bool ok() const { return error.empty(); }
};

// Copies `db` into `target_dir`, creating it (and its parents) when missing. Refuses a
// target that is not a directory, is not empty, or is the live archive itself; a failed
// copy leaves no partial data.mdb behind. The copy is opened read-only afterwards to count
// its examples, which also proves that it opens.
backup_result backup(const store& db, const std::string& target_dir);

} // namespace zega::store
