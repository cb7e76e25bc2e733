#include "net/api/views_errors.hpp"

#include "actors/errors.hpp"
#include "net/http/types.hpp"

namespace zega::net {

error_reply error_view(const caf::error& err, const std::string& rendered) {
  auto message = message_of(err);
  auto reply = [&](int status, const char* code) {
    return error_reply{status, error_json(code, message)};
  };
  switch (ec_of(err)) {
    case ec::invalid_request:
      return reply(400, "bad_request");
    case ec::queue_full:
      return reply(429, "queue_full");
    case ec::shutting_down:
      return reply(503, "shutting_down");
    case ec::storage_full:
      return reply(503, "storage_full");
    case ec::storage_error:
      return reply(503, "storage");
    case ec::paused:
      return reply(503, "paused");
    case ec::unknown_job:
    case ec::unknown_provider:
      return reply(404, "not_found");
    case ec::provider_timeout:
      return reply(504, "provider_timeout");
    case ec::none:
      break;
  }
  return {503, error_json("unavailable", "scheduler did not answer: " + rendered)};
}

} // namespace zega::net
