#pragma once
// JSON views of the scheduler's typed status: GET /status, GET /models/available and the
// provider objects of the live stream (one writer, so /status and /events agree).

#include "actors/messages.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

namespace zega::net {

using view_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Small writers the views share.
void write_str(view_writer& w, const std::string& s);
// RFC 3339 UTC, or null for 0 ("none").
void write_time_or_null(view_writer& w, std::int64_t unix_ms);

// One entry of /status "providers" (times relative to s.now).
void write_provider(view_writer& w, const provider_status& s);

std::string status_view(const status_report& r);
std::string models_view(const status_report& r);
// POST /pause, /resume.
std::string pause_view(const pause_report& r);
// POST /providers/{name}/probe ("busy_until": ms until the provider accepts again).
std::string probe_view(const probe_report& r);

} // namespace zega::net
