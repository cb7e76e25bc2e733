#pragma once
// The four wire protocols the fake server speaks: request parsing, success bodies (whole or
// as stream pieces) and each provider's real error statuses, headers and bodies.

#include "net/http/server.hpp"
#include "tools/fake_llm/emulation.hpp"

#include <optional>
#include <string>
#include <vector>

namespace zega::fake {

enum class endpoint { ollama_chat, ollama_generate, openai_chat, gemini_generate, gemini_stream };

struct generation_call {
  std::string error; // non-empty: the body could not be used (400)
  std::string model;
  std::string prompt; // the last user text
  bool stream = false;
  bool include_usage = false; // OpenAI stream_options.include_usage
  int max_tokens = 0;         // 0 = no cap
  std::optional<std::string> key;
};

// The API key as the provider expects it: Bearer token, or x-goog-api-key / ?key= (Gemini).
std::optional<std::string> request_key(provider_kind p, const net::server_request& req);

generation_call parse_generation(provider_kind p, endpoint e, const net::server_request& req,
                                 const std::string& path_model);

struct completion {
  std::string model;
  std::string text;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  bool truncated = false; // hit max_tokens
  std::int64_t duration_ns = 0;
  std::uint64_t index = 0; // makes ids unique
};

int estimate_tokens(const std::string& text); // words * 1.3, at least 1

std::string success_body(provider_kind p, endpoint e, const completion& c);
// One element per write: NDJSON lines (Ollama) or SSE events (OpenAI, Gemini).
std::vector<std::string> stream_pieces(provider_kind p, endpoint e, const completion& c,
                                       bool include_usage);
const char* stream_content_type(endpoint e);

struct reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  net::header_list headers;
};

// `what`: a fault name ("500", "decommissioned", ...) or "missing_key", "invalid_key",
// "unknown_model", "busy", "rate_limited", "too_large", "bad_request". `a` gives the window
// for rate limits; `fractional_retry` allows non-integer retry-after (scaled time).
reply error_reply(provider_kind p, const std::string& what, const std::string& model,
                  const admission& a, bool fractional_retry);

// x-ratelimit-* as Groq sends them on every response.
net::header_list groq_headers(const ratelimit_snapshot& s);

std::string models_body(provider_kind p, const provider_settings& s);

} // namespace zega::fake
