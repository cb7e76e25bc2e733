#pragma once
// Load pieces shared by the load benchmark (tools/bench/load.cpp, figures) and the load test
// (tests/test_load.cpp, assertions): idle connections, SSE subscribers that stop reading,
// /health latencies and a process's memory. Plain blocking POSIX sockets on 127.0.0.1.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace zega::bench {

// Closes its descriptors when it goes.
struct socket_set {
  std::vector<int> fds;
  socket_set() = default;
  socket_set(const socket_set&) = delete;
  socket_set& operator=(const socket_set&) = delete;
  ~socket_set() { close_all(); }
  void close_all() {
    for (int fd : fds)
      ::close(fd);
    fds.clear();
  }
};

inline int connect_loopback(std::uint16_t port, int timeout_ms, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (rcvbuf > 0) // before connect, so the advertised window stays small
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_text(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    auto n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// `n` connections that never send a byte; returns how many were opened.
inline int open_idle(socket_set& set, std::uint16_t port, int n) {
  int opened = 0;
  for (int i = 0; i < n; ++i) {
    int fd = connect_loopback(port, 2000);
    if (fd < 0)
      continue;
    set.fds.push_back(fd);
    ++opened;
  }
  return opened;
}

// `n` subscribers of `path` (an SSE stream) that send the request and then never read.
inline int open_stalled(socket_set& set, std::uint16_t port, const std::string& path, int n) {
  int opened = 0;
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Accept: text/event-stream\r\n\r\n";
  for (int i = 0; i < n; ++i) {
    int fd = connect_loopback(port, 2000, 4096);
    if (fd < 0)
      continue;
    set.fds.push_back(fd);
    if (send_text(fd, req))
      ++opened;
  }
  return opened;
}

// One GET /health on a fresh connection; milliseconds, or a negative value on failure.
inline double health_ms(std::uint16_t port, int timeout_ms = 5000) {
  auto start = std::chrono::steady_clock::now();
  int fd = connect_loopback(port, timeout_ms);
  if (fd < 0)
    return -1;
  bool ok = send_text(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::string got;
  char buf[4096];
  while (ok) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (got.rfind("HTTP/1.1 200", 0) != 0 || got.find("\"status\"") == std::string::npos)
    return -1;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
    .count();
}

// "VmRSS" (now) or "VmHWM" (peak) of a process, in KiB; 0 when unknown.
inline long memory_kib(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0)
      return std::stol(line.substr(field.size() + 1));
  return 0;
}

// Raises this process's open-files soft limit to the hard limit; returns the new soft limit.
inline long raise_open_files() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 0;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return static_cast<long>(lim.rlim_cur);
}

} // namespace zega::bench
