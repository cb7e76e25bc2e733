#pragma once
// JSON views of the scheduler's typed job answers: GET /jobs.

#include "actors/messages.hpp"

#include <string>

namespace zega::net {

std::string jobs_view(const jobs_report& r);

} // namespace zega::net
