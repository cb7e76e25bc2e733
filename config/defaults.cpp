#include "config/config.hpp"

#include <algorithm>

namespace zega {

namespace {

provider_config ollama_preset() {
  provider_config p;
  p.name = "ollama";
  p.kind = provider_kind::ollama;
  p.priority = 1;
  p.base_url = "http://127.0.0.1:11434";
  p.model = "llama3.2";
  // One GPU serves one generation at a time; a second request only queues inside Ollama.
  p.limits.max_in_flight = 1;
  return p;
}

provider_config groq_preset() {
  provider_config p;
  p.name = "groq";
  p.kind = provider_kind::openai;
  p.priority = 2;
  p.base_url = "https://api.groq.com/openai/v1";
  // The llama-3.x ids were decommissioned for free tiers (providers.md).
  p.model = "openai/gpt-oss-20b";
  p.api_key_env = {"GROQ_API_KEY"};
  p.limits.rpm = 30;
  p.limits.rpd = 1000;
  p.limits.tpm = 8000;
  p.limits.tpd = 200000;
  // Groq's x-ratelimit-reset-requests says when its daily window frees up.
  p.day_reset.from_headers = true;
  // gpt-oss spends reasoning tokens out of the same completion budget; 400 would truncate.
  p.max_output_tokens = 1024;
  return p;
}

provider_config gemini_preset() {
  provider_config p;
  p.name = "gemini";
  p.kind = provider_kind::gemini;
  p.priority = 3;
  p.base_url = "https://generativelanguage.googleapis.com/v1beta";
  p.model = "gemini-2.5-flash-lite";
  p.api_key_env = {"GEMINI_API_KEY", "GOOGLE_API_KEY"};
  // Conservative free-tier figures; response headers and 429 bodies correct them at run time.
  p.limits.rpm = 10;
  p.limits.rpd = 20;
  // Google resets free-tier daily quotas at midnight Pacific time.
  p.day_reset.timezone = "America/Los_Angeles";
  return p;
}

provider_config huggingface_preset() {
  provider_config p;
  p.name = "huggingface";
  p.kind = provider_kind::openai;
  p.priority = 4;
  p.base_url = "https://router.huggingface.co/v1";
  p.model = "meta-llama/Llama-3.1-8B-Instruct";
  // HF_TOKEN is what huggingface_hub reads today; the others are older spellings.
  p.api_key_env = {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACEHUB_API_TOKEN"};
  // Free accounts get a few cents of credits a month; go slowly and let 402 stop us.
  p.limits.rpm = 5;
  return p;
}

} // namespace

std::optional<provider_config> provider_preset(const std::string& preset) {
  if (preset == "ollama")
    return ollama_preset();
  if (preset == "groq")
    return groq_preset();
  if (preset == "gemini")
    return gemini_preset();
  if (preset == "huggingface")
    return huggingface_preset();
  return std::nullopt;
}

config default_config() {
  config cfg;
  cfg.providers = {ollama_preset(), groq_preset(), gemini_preset(), huggingface_preset()};
  return cfg;
}

std::size_t enabled_provider_count(const config& cfg) {
  return static_cast<std::size_t>(std::count_if(cfg.providers.begin(), cfg.providers.end(),
                                                [](const provider_config& p) { return p.enabled; }));
}

} // namespace zega
