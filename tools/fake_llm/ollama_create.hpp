#pragma once
// Ollama's POST /api/create as the fake server speaks it: the request body
// {"model", "from", "system", "messages": [{"role", "content"}...], "stream"}, the status
// lines it answers with, and the JSON of created models that GET /_fake/models returns.

#include "tools/fake_llm/emulation.hpp"

#include <optional>
#include <string>
#include <vector>

namespace zega::fake {

// Errors: not JSON, "model" or "from" missing or not strings, a message without a string
// "role" and "content", a role other than system/user/assistant.
std::optional<created_model> parse_create_request(const std::string& body, std::string& error);
// Ollama streams unless the body says "stream": false.
bool create_streams(const std::string& body);
// Streamed: one {"status": ...} line per step, ending with {"status":"success"}; otherwise
// only {"status":"success"}.
std::string create_status_body(bool stream);
// {"models":[{"name","from","system","messages":[{"role","content"}]}]}
std::string created_models_json(const std::vector<created_model>& models);

} // namespace zega::fake
