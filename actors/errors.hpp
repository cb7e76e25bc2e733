#pragma once
// The daemon's domain errors, as CAF errors of the category "zega". Actors answer them
// (caf::result<T> / caf::expected<T>); only net/api turns them into HTTP status codes and
// JSON bodies.

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace zega {

enum class ec : std::uint8_t {
  none = 0,
  unknown_job,      // no job with that id (or it was forgotten)
  queue_full,       // routing.queue_limit tasks are queued
  shutting_down,    // draining: no new work
  storage_full,     // the archive cannot grow: dispatch paused, no job created
  storage_error,    // a write failed for another reason
  invalid_request,  // a field out of range; the message names it
  paused,           // dispatch paused by the operator
  unknown_provider, // no provider with that name
  provider_timeout, // a provider did not answer in time
};

const char* to_string(ec x);

// A "zega" error whose context carries the operator message (names the field, the limit...).
caf::error make_error(ec x, std::string message = {});

// The ec of a "zega" error; ec::none for any other category.
ec ec_of(const caf::error& err);

// The message carried by make_error (empty if none).
std::string message_of(const caf::error& err);

// Lets actor_system::render() print "zega.queue_full: <message>".
void add_error_category(caf::actor_system_config& cfg);

} // namespace zega
