#include "config/provider_kind.hpp"

namespace zega {

const char* to_string(provider_kind k) {
  switch (k) {
    case provider_kind::ollama: return "ollama";
    case provider_kind::openai: return "openai";
    case provider_kind::gemini: return "gemini";
  }
  return "unknown";
}

std::optional<provider_kind> provider_kind_from_string(const std::string& s) {
  if (s == "ollama")
    return provider_kind::ollama;
  if (s == "openai")
    return provider_kind::openai;
  if (s == "gemini")
    return provider_kind::gemini;
  return std::nullopt;
}

} // namespace zega
