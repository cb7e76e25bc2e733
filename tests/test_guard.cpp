// Hole 1-3 of issue 10 at the level of the pure rules: each CHECK below names a request the
// old substring / prefix checks let through.
#include "net/http/guard.hpp"

#include <catch2/catch.hpp>

using namespace zega::net;

TEST_CASE("only application/json with at most a utf-8 charset is JSON", "[unit][guard]") {
  CHECK(is_json_media_type("application/json"));
  CHECK(is_json_media_type("Application/JSON"));
  CHECK(is_json_media_type("application/json; charset=utf-8"));
  CHECK(is_json_media_type("application/json;charset=\"UTF-8\""));
  CHECK(is_json_media_type(" application/json ; charset=utf-8 "));
  // Both are sent by browsers without a preflight; the old check found the substring.
  CHECK_FALSE(is_json_media_type("text/plain; x=application/json"));
  CHECK_FALSE(is_json_media_type("multipart/form-data; boundary=application/json"));
  CHECK_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(is_json_media_type("application/json-patch+json"));
  CHECK_FALSE(is_json_media_type("application/jsonx"));
  CHECK_FALSE(is_json_media_type("application/json; boundary=x"));
  CHECK_FALSE(is_json_media_type("application/json; charset=utf-8; charset=utf-8"));
  CHECK_FALSE(is_json_media_type("application/json; charset=iso-8859-1"));
  CHECK_FALSE(is_json_media_type("application/json; charset"));
  CHECK_FALSE(is_json_media_type(""));
}

TEST_CASE("Host: localhost, loopback literals and listed names, exactly", "[unit][guard]") {
  std::vector<std::string> none;
  for (const char* ok : {"localhost", "LOCALHOST:8002", "127.0.0.1", "127.0.0.1:8002",
                         "127.5.6.7:1", "[::1]", "[::1]:8002"})
    CHECK(host_allowed(ok, none));
  // DNS rebinding names: the old rule accepted anything starting with "127.".
  for (const char* bad : {"127.evil.example", "127.0.0.1.nip.io", "127.0.0.1.nip.io:8002",
                          "attacker.example", "localhost.evil.example", "evil.localhost",
                          "127.1", "[::2]", "[::1", "localhost:", "localhost:80x",
                          "127.0.0.1:8002:1", "", "10.0.0.1"})
    CHECK_FALSE(host_allowed(bad, none));
  std::vector<std::string> listed{"zega.lan", "box:8002"};
  CHECK(host_allowed("zega.lan", listed));
  CHECK(host_allowed("ZEGA.lan:9000", listed));
  CHECK(host_allowed("box", listed));
  CHECK_FALSE(host_allowed("zega.lan.evil.example", listed));
  CHECK_FALSE(host_allowed("x.zega.lan", listed));
}

TEST_CASE("tokens compare in constant time and exactly", "[unit][guard]") {
  CHECK(secrets_equal("s3cret-token", "s3cret-token"));
  CHECK_FALSE(secrets_equal("s3cret-token", "s3cret-tokeN"));
  CHECK_FALSE(secrets_equal("s3cret-token", "s3cret-toke"));
  CHECK_FALSE(secrets_equal("s3cret-token", ""));
}

TEST_CASE("with a token every route but /health needs it, and /metrics is configurable",
          "[unit][guard]") {
  guard_options o;
  o.token = "s3cret-token";
  header_list host{{"host", "127.0.0.1:8002"}};
  CHECK(check_request(o, "GET", "/health", host, false).status == 0);
  // GET routes never asked for the token: /export returned the dataset.
  CHECK(check_request(o, "GET", "/export", host, false).status == 401);
  CHECK(check_request(o, "GET", "/jobs/j1/events", host, false).status == 401);
  CHECK(check_request(o, "GET", "/metrics", host, false).status == 401);
  o.metrics_require_token = false;
  CHECK(check_request(o, "GET", "/metrics", host, false).status == 0);
  auto with = host;
  with.emplace_back("authorization", "Bearer s3cret-token");
  CHECK(check_request(o, "GET", "/export", with, false).status == 0);
  auto wrong = host;
  wrong.emplace_back("authorization", "Bearer s3cret-tokem");
  CHECK(check_request(o, "GET", "/export", wrong, false).status == 401);
  // A token no longer switches the Host check off.
  header_list foreign{{"host", "attacker.example"}, {"authorization", "Bearer s3cret-token"}};
  CHECK(check_request(o, "GET", "/export", foreign, false).status == 403);
}

TEST_CASE("Origin decides state-changing requests, and CORS answers only listed origins",
          "[unit][guard]") {
  guard_options o;
  o.cors_origins = {"http://localhost:3000"};
  header_list json{{"host", "127.0.0.1:8002"}, {"content-type", "application/json"}};
  auto with_origin = [&](const char* origin) {
    auto h = json;
    h.emplace_back("origin", origin);
    return h;
  };
  // Without Origin: a program, judged by Host only.
  CHECK(check_request(o, "POST", "/pause", json, true).status == 0);
  CHECK(check_request(o, "POST", "/pause", with_origin("http://127.0.0.1:8002"), true).status
        == 0);
  auto listed = check_request(o, "POST", "/pause", with_origin("http://localhost:3000"), true);
  CHECK(listed.status == 0);
  REQUIRE(find_header(listed.headers, "access-control-allow-origin"));
  CHECK(*find_header(listed.headers, "access-control-allow-origin") == "http://localhost:3000");
  CHECK(find_header(listed.headers, "vary"));
  CHECK_FALSE(find_header(listed.headers, "access-control-allow-credentials"));
  for (const char* bad : {"http://evil.example", "null", "http://localhost:3000.evil.example",
                          "http://localhost:3001"}) {
    auto v = check_request(o, "POST", "/pause", with_origin(bad), true);
    CHECK(v.status == 403);
    CHECK(v.headers.empty());
    CHECK(check_request(o, "DELETE", "/jobs/j1", with_origin(bad), false).status == 403);
  }
  // Reading with an unlisted Origin is answered, but without CORS headers the page cannot read it.
  auto read = check_request(o, "GET", "/status", with_origin("http://evil.example"), false);
  CHECK(read.status == 0);
  CHECK(read.headers.empty());
  // ZEGA's page: a bodyless POST without a content type from its (listed) origin.
  header_list bodyless{{"host", "127.0.0.1:8002"}, {"origin", "http://localhost:3000"}};
  CHECK(check_request(o, "POST", "/user/u1/trigger-finetuning", bodyless, false).status == 0);
  // A body without a JSON type is still refused.
  CHECK(check_request(o, "POST", "/pause", {{"host", "localhost"}}, true).status == 415);
  CHECK(check_request(o, "POST", "/pause",
                      {{"host", "localhost"}, {"content-type", "text/plain; x=application/json"}},
                      true)
          .status
        == 415);
}

TEST_CASE("preflight: answered for listed origins, refused for others", "[unit][guard]") {
  guard_options o;
  o.cors_origins = {"http://localhost:3000"};
  o.cors_allow_credentials = true;
  o.token = "s3cret-token"; // a preflight never carries the token
  header_list h{{"host", "127.0.0.1:8002"},
                {"origin", "http://localhost:3000"},
                {"access-control-request-method", "POST"}};
  auto v = check_request(o, "OPTIONS", "/auto-train", h, false);
  CHECK(v.status == 204);
  REQUIRE(find_header(v.headers, "access-control-allow-methods"));
  CHECK_THAT(*find_header(v.headers, "access-control-allow-methods"), Catch::Contains("POST"));
  REQUIRE(find_header(v.headers, "access-control-allow-headers"));
  CHECK_THAT(*find_header(v.headers, "access-control-allow-headers"),
             Catch::Contains("Content-Type") && Catch::Contains("Authorization"));
  REQUIRE(find_header(v.headers, "access-control-allow-credentials"));
  CHECK(*find_header(v.headers, "vary") == "Origin");
  header_list other{{"host", "127.0.0.1:8002"}, {"origin", "http://evil.example"}};
  auto refused = check_request(o, "OPTIONS", "/auto-train", other, false);
  CHECK(refused.status == 403);
  CHECK(refused.headers.empty());
}
