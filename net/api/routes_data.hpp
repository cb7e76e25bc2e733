#pragma once
// The dataset routes: GET /examples (filters, review status, score breakdown), GET and PATCH
// /examples/{id} (curation), GET /export (honest exports) and POST /rescore.

#include "net/api/api.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <functional>
#include <string>

namespace zega::net {

// Answers the request when its path is one of the dataset routes; false otherwise.
bool route_data(const api_context& ctx, server_request& req, responder& res);

// One example as GET /examples lists it: the stored record plus "status" (accepted, rejected
// or null when not reviewed) and "quality_breakdown" (the stored report as an object).
std::string example_view_json(const store::example_record& ex);

// The body of PATCH /examples/{id}: the new status (accepted, rejected or none), or "" and `error`.
std::string review_from_body(const std::string& body, std::string& error);

// Shared with the other store routes (defined in api.cpp).
bool example_filter_from(const std::string& query, store::example_filter& f, std::string& error);
bool limit_from(const std::string& query, std::size_t& limit, std::string& error);
// Runs `fn` on its own thread (bounded; 503 when too many store reads already run).
void run_off_io(const api_context& ctx, const responder& res, std::function<void()> fn);

} // namespace zega::net
