#pragma once
// Child processes for integration tests and benchmarks: start a built program with its stdout on a pipe,
// wait for a line with a deadline, signal it, reap it. Loopback programs only. Start them from
// the main thread: a child gets SIGTERM when the thread that started it ends.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <regex>
#include <string>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace zega::tools {

class child_process {
public:
  child_process() = default;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    kill_now();
  }

  // Starts `argv[0]` with the given arguments; stderr goes to `stderr_file` (or /dev/null).
  bool start(const std::vector<std::string>& argv, const std::string& stderr_file = "/dev/null") {
    int fds[2];
    if (pipe(fds) != 0)
      return false;
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0)
      return false;
    if (pid_ == 0) {
      // A test or bench that dies (a crash, a ctest timeout, a closed pipe) takes its servers
      // with it instead of leaving them listening.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent)
        _exit(127);
      dup2(fds[1], STDOUT_FILENO);
      int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0)
        dup2(err, STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> args;
      for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    return true;
  }

  // The child's process id (0 before start), e.g. to read its /proc/<pid>/status.
  pid_t pid() const {
    return pid_;
  }

  // Reads stdout until a line matches `pattern` (first capture group returned) or the
  // deadline passes (empty string).
  std::string wait_for_line(const std::string& pattern, std::chrono::milliseconds deadline) {
    std::regex re(pattern);
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      auto nl = buffer_.find('\n');
      while (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        std::smatch m;
        if (std::regex_search(line, m, re))
          return m.size() > 1 ? m[1].str() : line;
        nl = buffer_.find('\n');
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || out_ < 0)
        return {};
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return {};
      char buf[4096];
      ssize_t n = read(out_, buf, sizeof(buf));
      if (n <= 0)
        return {};
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Everything the child writes to stdout until it closes it (or the deadline passes).
  std::string read_all(std::chrono::milliseconds deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (out_ >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
        break;
      char buf[4096];
      ssize_t n = read(out_, buf, sizeof(buf));
      if (n <= 0)
        break;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
    return std::exchange(buffer_, {});
  }

  void signal(int sig) {
    if (pid_ > 0)
      ::kill(pid_, sig);
  }

  // Waits for exit up to `deadline`; returns the exit status (or -1 on timeout / signal).
  int wait_exit(std::chrono::milliseconds deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (pid_ > 0) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        close_pipe();
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() >= until)
        return -1;
      // Polling the child's state with a deadline, as the brief asks for readiness waits.
      pollfd none{-1, 0, 0};
      poll(&none, 0, 10);
    }
    return -1;
  }

  void kill_now() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    close_pipe();
  }

  bool running() const {
    return pid_ > 0;
  }

private:
  void close_pipe() {
    if (out_ >= 0)
      close(out_);
    out_ = -1;
  }
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

// A fresh directory under /tmp, removed with its contents on destruction.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/zega-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    if (std::system(cmd.c_str()) != 0)
      return;
  }
  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

} // namespace zega::tools
