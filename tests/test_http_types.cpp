#include "net/http/types.hpp"

#include <catch2/catch.hpp>

using namespace zega::net;

TEST_CASE("parse_url splits scheme, host, port and target", "[http-types]") {
  url_parts u;
  REQUIRE(parse_url("https://api.groq.com/openai/v1", u));
  CHECK(u.tls);
  CHECK(u.host == "api.groq.com");
  CHECK(u.port == "443");
  CHECK(u.target == "/openai/v1");
  REQUIRE(parse_url("http://[::1]:8002", u));
  CHECK(u.host == "::1");
  CHECK(u.port == "8002");
  CHECK(u.target == "/");
  CHECK_FALSE(parse_url("ftp://x", u));
  CHECK_FALSE(parse_url("http://:80/", u));
  CHECK_FALSE(parse_url("http://host:99999/", u));
  CHECK_FALSE(parse_url("https://user:secret@host/v1", u));
}

TEST_CASE("error bodies are valid JSON in valid UTF-8 whatever they echo", "[http-types]") {
  CHECK(error_json("bad_request", "genres[0]: unknown genre \"x\"")
        == R"({"error":{"code":"bad_request","message":"genres[0]: unknown genre \"x\""},"detail":"genres[0]: unknown genre \"x\""})");
  CHECK(error_json("not_found", "unknown job \"\xFF\xFE\"").find("\xFF") == std::string::npos);
  CHECK(valid_utf8("caf\xC3\xA9 \xE2\x80") == "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD");
}
