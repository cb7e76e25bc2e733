#pragma once
// zegactl's plumbing: the daemon connection, exit codes, HTTP calls and the small JSON
// readers every command uses.

#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <rapidjson/document.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zega::ctl {

using json = rapidjson::Value;

// 0 ok, 1 the daemon answered with an error or some work failed, 2 usage error,
// 3 daemon unreachable, 4 the daemon is paused and --no-wait was given.
enum exit_code : int { ok = 0, failed = 1, usage = 2, unreachable = 3, paused = 4 };

// Thrown to leave from deep inside a command with an exit code (unreachable daemon).
struct exit_now {
  int code;
};

struct client_env {
  net::io_runtime io;
  std::unique_ptr<net::http_client> http;
  std::string url;
  std::string token;
  bool json_out = false;
};

std::string url_encode(const std::string& s);

// One call to the daemon (with the bearer token); an unreachable daemon throws exit_now.
// `on_chunk` receives a streamed body piece by piece instead of collecting it.
net::http_response call(client_env& env, const std::string& method, const std::string& path,
                        const std::string& body = {}, net::chunk_callback on_chunk = {});

// "?key=value&..." of the non-empty values, url-encoded ("" when all are empty).
std::string query_of(const std::vector<std::pair<const char*, std::string>>& params);

// A bad --url is a usage error: caught before anything is sent.
bool valid_url(const std::string& url);

std::optional<rapidjson::Document> parse(const std::string& text);
// A member's value, or ""/0/false when missing or of another type.
std::string str(const json& obj, const char* key);
double num(const json& obj, const char* key);
bool flag(const json& obj, const char* key);
// `s` as a JSON string literal (quoted and escaped).
std::string json_string(const std::string& s);

// Prints an error answer; returns the exit code for the response (0 for 2xx).
int check_error(const net::http_response& resp);

// The common shape of a command: call, then --json prints the body as it came, otherwise
// `human` renders the parsed document.
template <class Human>
int show(client_env& env, const net::http_response& resp, Human human) {
  if (int rc = check_error(resp))
    return rc;
  if (env.json_out) {
    std::cout << resp.body << "\n";
    return ok;
  }
  auto doc = parse(resp.body);
  if (!doc) {
    std::cout << resp.body << "\n";
    return ok;
  }
  return human(*doc);
}

} // namespace zega::ctl
