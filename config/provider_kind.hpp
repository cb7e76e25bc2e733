#pragma once
// The wire protocol a provider speaks. It is configuration first (the "kind" key), so it
// lives in config/; net/ codecs dispatch on it.

#include <cstdint>
#include <optional>
#include <string>

namespace zega {

enum class provider_kind : std::uint8_t { ollama, openai, gemini };
const char* to_string(provider_kind k);
std::optional<provider_kind> provider_kind_from_string(const std::string& s);

} // namespace zega
