#pragma once
// Shared pieces of the benchmark drivers: locating sibling programs, starting the fake
// LLM server, percentiles.

#include "tools/child_process.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <string>
#include <unistd.h>
#include <vector>

namespace zega::bench {

// Directory of the running executable (the build directory holds all programs).
inline std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return ".";
  std::string path(buf, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Starts the fake LLM server next to this executable; returns its base URL or "".
inline std::string start_fake(tools::child_process& proc, std::vector<std::string> args) {
  args.insert(args.begin(), {self_dir() + "/zega-fake-llm", "--port", "0"});
  if (!proc.start(args))
    return {};
  auto port = proc.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)",
                                 std::chrono::seconds(20));
  return port.empty() ? std::string{} : "http://127.0.0.1:" + port;
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

} // namespace zega::bench
