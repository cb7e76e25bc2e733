// GET /health through the real server and API on loopback (issue 10, hole 9): a daemon
// that can do no work says so instead of "healthy".
#include "net/api/api.hpp"
#include "net/http/io_runtime.hpp"
#include "net/http/server.hpp"

#include "config_support.hpp"
#include "loopback_http.hpp"

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <memory>

using namespace zega;

namespace {

rapidjson::Document health_of(const config& cfg) {
  net::api_context ctx;
  ctx.cfg = &cfg;
  net::io_runtime io;
  net::http_server server(io, {}, [ctx](net::server_request req, net::responder res) {
    net::handle_api_request(ctx, std::move(req), std::move(res));
  });
  REQUIRE(server.start().empty());
  io.start();
  auto r = test::http_call(server.port(), "GET", "/health");
  server.stop_accepting();
  io.stop();
  REQUIRE(r.status == 200);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE(d.IsObject());
  return d;
}

config parsed(const std::string& json) {
  auto r = parse_config(json, test::isolated());
  REQUIRE(r.cfg);
  return *r.cfg;
}

} // namespace

TEST_CASE("/health is degraded, with the reason, when every provider is disabled",
          "[integration]") {
  auto none = health_of(parsed(R"({"providers":[{"name":"ollama","enabled":false},{"name":"groq"}]})"));
  CHECK(std::string{none["status"].GetString()} == "degraded");
  CHECK(none["models_loaded"].GetInt() == 0);
  std::string reason = none["reason"].GetString();
  CHECK_THAT(reason, Catch::StartsWith("every provider is disabled: ollama: disabled in the config"));
  CHECK_THAT(reason, Catch::Contains("groq: "));

  auto some = health_of(parsed("{}"));
  CHECK(std::string{some["status"].GetString()} == "healthy");
  CHECK_FALSE(some.HasMember("reason"));
}
