#pragma once
// Internals shared by the codec translation units (codec_common.cpp and one file per
// provider kind). Not part of the contract: only net/providers/codec_*.cpp include this.

#include "net/providers/codec.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <vector>

namespace zega::net::detail {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// {"role": role, "content": content} — a chat message as Ollama and OpenAI-style servers take it.
void write_message(json_writer& w, const char* role, const std::string& content);
// "model" and "messages" (system when set, then user): how Ollama's /api/chat and
// OpenAI-style /chat/completions bodies begin. Leaves the object open.
void write_chat_start(json_writer& w, const endpoint& ep, const generation_params& p);

// Defensive JSON access: every accessor tolerates a missing member or a wrong type,
// because RapidJSON asserts (aborts) on a type mismatch.
bool parse_json(const std::string& text, rapidjson::Document& doc);
const rapidjson::Value* member(const rapidjson::Value* v, const char* name);
std::string string_of(const rapidjson::Value* v);
std::optional<long> long_of(const rapidjson::Value* v); // numbers and numeric strings
std::optional<double> double_of(const rapidjson::Value* v);
bool bool_of(const rapidjson::Value* v);

std::string trim_right_slash(const std::string& base);
// content-type and accept: application/json (the provider's key header is added to them).
header_list json_headers();
// A call to the endpoint's base URL (trailing slash dropped) + `path`.
http_request endpoint_request(const char* method, const endpoint& ep, const std::string& path,
                              header_list headers, std::string body = {});
// A model-list answer (GET {base}/models): an object whose `key` member is an array.
bool lists_models(const std::string& body, const char* key);
bool contains_ci(const std::string& haystack, const std::string& needle);

// The parts of an error body we act on, whatever shape it came in.
struct quota_violation {
  std::string quota_id;
  std::optional<long> quota_value;
};
struct error_info {
  std::string message; // provider text
  std::string type;    // OpenAI-style type
  std::string code;    // OpenAI-style code (numbers rendered as text)
  std::string status;  // Google RPC status (RESOURCE_EXHAUSTED, NOT_FOUND, ...)
  std::vector<std::string> reasons; // Google ErrorInfo reasons (API_KEY_INVALID)
  std::vector<quota_violation> violations;
  std::optional<double> retry_delay_s;   // Google RetryInfo
  std::optional<double> estimated_time_s; // old HF "currently loading"
};
// Secrets (the endpoint's key and every `set_known_secrets` entry) are masked before any
// text is cut, so a cut never leaves a prefix of a key behind.
error_info parse_error_body(const std::string& body, const endpoint& ep);
// Replaces each secret of six characters or more, matched case-insensitively, with "***".
std::string mask_secrets(std::string text, const std::string& endpoint_key);

// One operator line: prefixed with the endpoint name, no newline, bounded, and the API
// key (should a provider echo it) masked.
std::string operator_message(const endpoint& ep, const std::string& text);
// "(<status> <code>)" fragment used in messages.
std::string status_tag(int status, const std::string& code);

// A result pre-filled with the status and the rate headers of the response.
call_result start_result(const http_response& resp, double now_unix);

// Kind-specific error rules run first; they return true when they decided the class.
bool ollama_classify_error(const endpoint& ep, const error_info& info, double now_unix,
                           call_result& r);
bool openai_classify_error(const endpoint& ep, const error_info& info, double now_unix,
                           call_result& r);
bool gemini_classify_error(const endpoint& ep, const error_info& info, double now_unix,
                           call_result& r);

// Sets retry_after_s for a throttled result following the precedence of providers.md §6
// (headers were already applied by start_result).
void fill_throttle_delay(const error_info& info, call_result& r);

// Success-body parsers (status is 2xx).
void ollama_parse_success(const endpoint& ep, const std::string& body, call_result& r);
void openai_parse_success(const endpoint& ep, const std::string& body, call_result& r);
void gemini_parse_success(const endpoint& ep, const std::string& body, call_result& r);

http_request ollama_build_generate(const endpoint& ep, const generation_params& p);
http_request openai_build_generate(const endpoint& ep, const generation_params& p);
http_request gemini_build_generate(const endpoint& ep, const generation_params& p);
http_request ollama_build_probe(const endpoint& ep);
http_request openai_build_probe(const endpoint& ep);
http_request gemini_build_probe(const endpoint& ep);
bool ollama_probe_body_ok(const std::string& body);
bool openai_probe_body_ok(const std::string& body);
bool gemini_probe_body_ok(const std::string& body);

// Marks r as a transient failure of a 2xx response whose body we could not use.
void unusable_body(const endpoint& ep, const std::string& why, call_result& r);

} // namespace zega::net::detail
