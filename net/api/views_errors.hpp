#pragma once
// The HTTP face of the actors' domain errors (zega::ec): one status code and error code per
// ec. Anything else (a timeout, a dead actor) means the scheduler did not answer.

#include <caf/error.hpp>

#include <string>

namespace zega::net {

struct error_reply {
  int http_status = 503;
  std::string body; // error_json(code, message)
};

// `rendered` is the actor system's text for err (used when it is not a zega::ec).
error_reply error_view(const caf::error& err, const std::string& rendered);

} // namespace zega::net
