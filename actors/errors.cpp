#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace zega {

namespace {

constexpr caf::atom_value category = caf::atom("zega");

} // namespace

const char* to_string(ec x) {
  switch (x) {
    case ec::none:
      return "none";
    case ec::unknown_job:
      return "unknown_job";
    case ec::queue_full:
      return "queue_full";
    case ec::shutting_down:
      return "shutting_down";
    case ec::storage_full:
      return "storage_full";
    case ec::storage_error:
      return "storage_error";
    case ec::invalid_request:
      return "invalid_request";
    case ec::paused:
      return "paused";
    case ec::unknown_provider:
      return "unknown_provider";
    case ec::provider_timeout:
      return "provider_timeout";
  }
  return "unknown";
}

caf::error make_error(ec x, std::string message) {
  return caf::error{static_cast<std::uint8_t>(x), category, caf::make_message(std::move(message))};
}

ec ec_of(const caf::error& err) {
  if (!err || err.category() != category)
    return ec::none;
  return static_cast<ec>(err.code());
}

std::string message_of(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(category, [](std::uint8_t code, caf::atom_value,
                                      const caf::message& ctx) -> std::string {
    std::string out = std::string{"zega."} + to_string(static_cast<ec>(code));
    if (ctx.size() == 1 && ctx.match_element<std::string>(0)
        && !ctx.get_as<std::string>(0).empty())
      out += ": " + ctx.get_as<std::string>(0);
    return out;
  });
}

} // namespace zega
