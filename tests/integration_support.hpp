#pragma once
// Helpers for loopback integration tests: a real HTTP client, the fake LLM server and zegad
// as child processes, and a look into the archive they leave behind.

#include "tools/child_process.hpp"

#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "store/store.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace zega::itest {

using namespace std::chrono_literals;
using zega::tools::child_process;
using zega::tools::temp_dir;

struct http_fixture {
  zega::net::io_runtime io;
  std::unique_ptr<zega::net::http_client> client;
  http_fixture() {
    io.start();
    client = std::make_unique<zega::net::http_client>(io);
  }
  zega::net::http_response call(const std::string& method, const std::string& url,
                                const std::string& body = {}) {
    zega::net::http_request req;
    req.method = method;
    req.url = url;
    req.body = body;
    if (!body.empty())
      req.headers.emplace_back("content-type", "application/json");
    zega::net::client_limits limits;
    limits.first_byte_ms = 60000;
    limits.total_ms = 60000;
    auto result = zega::net::blocking_request(*client, req, limits);
    auto* resp = std::get_if<zega::net::http_response>(&result);
    REQUIRE(resp != nullptr);
    return *resp;
  }
};

inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

inline std::string start_fake(child_process& fake, const std::string& dir) {
  REQUIRE(fake.start({ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "7", "--latency-ms", "5"},
                     dir + "/fake.log"));
  std::string port = fake.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)", 20s);
  REQUIRE_FALSE(port.empty());
  return port;
}

// A config with only the local Ollama provider, pointed at `base_url`.
inline std::string write_config(const std::string& dir, const std::string& base_url) {
  std::string path = dir + "/zegad.json";
  std::ofstream(path) << R"({"server":{"shutdown_grace_ms":3000},
    "providers":[{"name":"ollama","kind":"ollama","base_url":")"
                      << base_url << R"(","model":"llama3.2","priority":1,
      "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}]})";
  return path;
}

inline std::string start_zegad(child_process& daemon, const std::string& config,
                        const std::string& data_dir, const std::string& log) {
  REQUIRE(daemon.start({ZEGAD_BIN, "--config", config, "--data-dir", data_dir, "--listen",
                        "127.0.0.1:0"},
                       log));
  std::string port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)", 30s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

inline std::size_t stored_examples(const std::string& data_dir) {
  std::string error;
  zega::store::store_options opts;
  opts.dir = data_dir;
  auto db = zega::store::store::open(opts, error);
  REQUIRE(db != nullptr);
  return db->count_examples("default");
}

// The fake server with extra options (e.g. --time-scale).
inline std::string start_fake_with(child_process& fake, const std::string& dir,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> argv{ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "7", "--latency-ms",
                                "5", "--log", dir + "/fake-requests.log"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  REQUIRE(fake.start(argv, dir + "/fake.log"));
  std::string port = fake.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)", 20s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

// zegad with extra command-line options (e.g. --env-file /dev/null, so a developer's
// ./.env cannot leak keys into a test).
inline std::string start_zegad_with(child_process& daemon, const std::string& config,
                                    const std::string& data_dir, const std::string& log,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv{ZEGAD_BIN, "--config", config, "--data-dir", data_dir,
                                "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  REQUIRE(daemon.start(argv, log));
  std::string port = daemon.wait_for_line("listening on http://127\\.0\\.0\\.1:([0-9]+)", 30s);
  REQUIRE_FALSE(port.empty());
  return "http://127.0.0.1:" + port;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace zega::itest

#endif
