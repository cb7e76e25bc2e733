#include "store/dir_lock.hpp"

#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace zega::store {

namespace {

std::string read_holder(int fd) {
  char buf[32] = {};
  auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid;
}

} // namespace

std::unique_ptr<dir_lock> dir_lock::acquire(const std::string& dir, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create the data directory " + dir + ": " + ec.message();
    return nullptr;
  }
  std::string path = (std::filesystem::path(dir) / "zegad.lock").string();
  // O_CLOEXEC: a child process (a test's fake server, a hook) must not inherit the lock.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open the lock file " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EWOULDBLOCK) {
      auto pid = read_holder(fd);
      error = "the data directory " + dir + " is in use by another zegad (pid "
              + (pid.empty() ? std::string("unknown") : pid)
              + "); stop it or choose another --data-dir";
    } else {
      error = "cannot lock " + path + ": " + std::strerror(err);
    }
    ::close(fd);
    return nullptr;
  }
  // Only the holder writes, so a reader never sees a half-replaced PID of a live holder.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0)
                                     != static_cast<ssize_t>(pid.size())) {
    error = "cannot write the lock file " + path + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<dir_lock>(new dir_lock(fd, std::move(path)));
}

dir_lock::~dir_lock() {
  // The file stays: removing it would race with a starting daemon that already opened it.
  ::close(fd_);
}

} // namespace zega::store
