#pragma once
// Exclusive lock on a data directory, so two daemons never resume the same jobs into one
// archive. An flock on `<dir>/zegad.lock` (which also records the holder's PID): the kernel
// drops it when the holder exits, even by SIGKILL, so a crash never leaves a stale lock.
// Only the daemon takes it; zegactl and read-only tools do not.

#include <memory>
#include <string>

namespace zega::store {

class dir_lock {
public:
  // Creates `dir` when missing. On failure returns null and sets `error` to a sentence for
  // the operator, naming the PID that holds the lock when it is known.
  static std::unique_ptr<dir_lock> acquire(const std::string& dir, std::string& error);
  ~dir_lock();
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;

  const std::string& path() const { return path_; }

private:
  dir_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

} // namespace zega::store
