#pragma once
// GET /metrics: the /status document in Prometheus text format (version 0.0.4).

#include <cstddef>
#include <string>

namespace zega::net {

// `status_json` is the scheduler's /status body; `examples_total` the archive's count.
// Returns "" when the status document cannot be read.
std::string metrics_from_status(const std::string& status_json, std::size_t examples_total);

} // namespace zega::net
