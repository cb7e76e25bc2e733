#pragma once
// The configuration in force: set at start, replaced by each applied reload, read from the
// HTTP threads (GET /health, export and rescore thresholds, fine-tuning settings). Readers
// keep the snapshot they got, so a reload never changes a request half way.

#include "config/config.hpp"

#include <memory>
#include <mutex>

namespace zega {

class config_cell {
public:
  explicit config_cell(config c) : cfg_(std::make_shared<const config>(std::move(c))) {}

  std::shared_ptr<const config> get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cfg_;
  }
  void set(config c) {
    auto next = std::make_shared<const config>(std::move(c));
    std::lock_guard<std::mutex> lock(mutex_);
    cfg_ = std::move(next);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const config> cfg_;
};

} // namespace zega
