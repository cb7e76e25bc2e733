#pragma once
// The running planners by schedule name, shared by main (start, shutdown), the reloader
// (a changed schedule gets a new planner) and the HTTP layer (GET /schedule, pause).
// Read and replaced from different threads, hence the lock; handles are cheap to copy.

#include "actors/actors.hpp"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace zega {

class planner_set {
public:
  using entry = std::pair<std::string, planner_actor>;

  // In the configuration's order (GET /schedule lists the first schedule at the top).
  std::vector<planner_actor> all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<planner_actor> out;
    for (const auto& e : entries_)
      out.push_back(e.second);
    return out;
  }
  std::vector<entry> entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
  }
  void replace(std::vector<entry> next) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_ = std::move(next);
  }

private:
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
};

} // namespace zega
