#include "actors/policy/provider_view.hpp"

namespace zega {

const char* to_string(provider_state s) {
  switch (s) {
    case provider_state::available: return "available";
    case provider_state::busy: return "busy";
    case provider_state::cooldown: return "cooldown";
    case provider_state::backoff: return "backoff";
    case provider_state::open: return "open";
    case provider_state::half_open: return "half_open";
    case provider_state::unreachable: return "unreachable";
    case provider_state::broken: return "broken";
    case provider_state::disabled: return "disabled";
  }
  return "?";
}

} // namespace zega
