#pragma once
// GET /metrics: the scheduler's typed status in Prometheus text format (version 0.0.4).
// Families and labels are listed in README.md ("Metrics").

#include "actors/messages.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace zega::net {

// `examples_in_archive` is the archive's count of examples (all users); `schedules` are the
// running planners' views (today's target and done per schedule).
std::string metrics_from_report(const status_report& r, std::size_t examples_in_archive,
                                const std::vector<schedule_view>& schedules = {});

} // namespace zega::net
