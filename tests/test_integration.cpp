// End to end on loopback: the fake LLM server, zegad and a real HTTP client.

#include "integration_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

namespace {

using namespace zega::itest;

// A loopback port nothing listens on.
std::string closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return std::to_string(ntohs(addr.sin_port));
}

} // namespace

TEST_CASE("auto-train over loopback archives examples that survive SIGKILL",
          "[integration]") {
  temp_dir dir;
  child_process fake;
  std::string fake_port = start_fake(fake, dir.path());
  std::string config = write_config(dir.path(), "http://127.0.0.1:" + fake_port);
  std::string data = dir.path() + "/data";
  http_fixture http;
  {
    child_process daemon;
    std::string url = start_zegad(daemon, config, data, dir.path() + "/zegad.log");
    auto resp = http.call("POST", url + "/auto-train", R"({"num_examples":3})");
    REQUIRE(resp.status == 200);
    auto doc = parse(resp.body);
    CHECK(doc["total_requested"].GetInt() == 3);
    CHECK(doc["successful"].GetInt() == 3);
    CHECK(doc["failed"].GetInt() == 0);
    REQUIRE(doc["examples"].Size() == 3);
    for (const auto& ex : doc["examples"].GetArray()) {
      CHECK(ex["success"].GetBool());
      CHECK(ex["output"].GetStringLength() > 100);
      CHECK(ex["quality_score"].GetDouble() > 0.0);
      CHECK(ex["quality_score"].GetDouble() <= 10.0);
    }
    daemon.signal(SIGKILL);
    daemon.wait_exit(10s);
  }
  CHECK(stored_examples(data) == 3);
  {
    child_process daemon;
    std::string url = start_zegad(daemon, config, data, dir.path() + "/zegad2.log");
    auto health = http.call("GET", url + "/health");
    CHECK(health.status == 200);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(20s) == 0);
  }
  CHECK(stored_examples(data) == 3);
}

TEST_CASE("bad requests get JSON errors with the right status and write nothing",
          "[integration]") {
  temp_dir dir;
  child_process fake;
  std::string fake_port = start_fake(fake, dir.path());
  std::string data = dir.path() + "/data";
  http_fixture http;
  child_process daemon;
  std::string url = start_zegad(daemon, write_config(dir.path(), "http://127.0.0.1:" + fake_port),
                                data, dir.path() + "/zegad.log");
  struct bad_case {
    std::string body;
    std::string field;
  };
  for (const auto& c : {bad_case{"{not json", "body"},
                        bad_case{R"({"num_examples":"three"})", "num_examples"},
                        bad_case{R"({"num_examples":0})", "num_examples"},
                        bad_case{R"({"num_examples":1001})", "num_examples"},
                        bad_case{R"({"num_examples":2,"genres":["fantasy","knitting"]})",
                                 "genres[1]"},
                        bad_case{R"({"num_examples":2,"elements":["poem"]})", "elements[0]"},
                        bad_case{R"({"num_examples":2,"store_in_memory":"yes"})",
                                 "store_in_memory"}}) {
    auto resp = http.call("POST", url + "/auto-train", c.body);
    INFO(c.body << " -> " << resp.body);
    CHECK(resp.status == 400);
    auto doc = parse(resp.body);
    REQUIRE(doc.HasMember("error"));
    CHECK(std::string(doc["error"]["message"].GetString()).rfind(c.field, 0) == 0);
  }
  CHECK(http.call("GET", url + "/no-such-route").status == 404);
  auto page = http.call("GET", url + "/");
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("EventSource"));
  auto metrics = http.call("GET", url + "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains("zega_provider_state{provider=\"ollama\""));
  CHECK_THAT(metrics.body, Catch::Contains("zega_dataset_examples 0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("zega_upstream_calls_total{provider=\"ollama\",outcome=\"ok\"} 0\n"));
  auto wrong = http.call("GET", url + "/auto-train");
  CHECK(wrong.status == 405);
  CHECK(parse(wrong.body)["error"]["code"].GetString() == std::string("method_not_allowed"));
  CHECK(http.call("DELETE", url + "/jobs/j-unknown").status == 404);
  // Requests a page on another site could send: no JSON type, a foreign Host.
  {
    zega::net::http_request form;
    form.method = "POST";
    form.url = url + "/pause";
    form.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    auto r = zega::net::blocking_request(*http.client, form);
    REQUIRE(std::holds_alternative<zega::net::http_response>(r));
    CHECK(std::get<zega::net::http_response>(r).status == 415);
    zega::net::http_request rebound;
    rebound.url = url + "/status";
    rebound.headers = {{"host", "evil.example:8002"}};
    r = zega::net::blocking_request(*http.client, rebound);
    REQUIRE(std::holds_alternative<zega::net::http_response>(r));
    CHECK(std::get<zega::net::http_response>(r).status == 403);
  }
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit(20s) == 0);
  CHECK(stored_examples(data) == 0);
}

TEST_CASE("with the LLM server down every example fails with the reason and the daemon "
          "keeps running",
          "[integration]") {
  temp_dir dir;
  std::string port = closed_port();
  http_fixture http;
  child_process daemon;
  std::string url = start_zegad(daemon, write_config(dir.path(), "http://127.0.0.1:" + port),
                                dir.path() + "/data", dir.path() + "/zegad.log");
  auto resp = http.call("POST", url + "/auto-train", R"({"num_examples":2})");
  REQUIRE(resp.status == 200);
  auto doc = parse(resp.body);
  CHECK(doc["successful"].GetInt() == 0);
  CHECK(doc["failed"].GetInt() == 2);
  for (const auto& ex : doc["examples"].GetArray()) {
    CHECK_FALSE(ex["success"].GetBool());
    std::string error = ex["error"].GetString();
    CHECK_THAT(error, Catch::Contains("connection refused at 127.0.0.1:" + port));
  }
  auto status = http.call("GET", url + "/status");
  REQUIRE(status.status == 200);
  auto st = parse(status.body);
  REQUIRE(st["providers"].Size() == 1);
  CHECK(st["providers"][0]["state"].GetString() == std::string("unreachable"));
  CHECK(http.call("GET", url + "/health").status == 200);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit(20s) == 0);
}

TEST_CASE("zegad --check-config names the bad field, exits 2, and never prints a key",
          "[integration]") {
  temp_dir dir;
  auto run_check = [&](const std::string& json, std::string& out, std::string& err) {
    std::string path = dir.path() + "/check.json";
    std::ofstream(path) << json;
    child_process proc;
    REQUIRE(proc.start({ZEGAD_BIN, "--check-config", "--config", path, "--env-file", "/dev/null"},
                       dir.path() + "/check.err"));
    out = proc.read_all(10s);
    int rc = proc.wait_exit(10s);
    std::ifstream in(dir.path() + "/check.err");
    err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::ofstream(dir.path() + "/check.err", std::ios::trunc);
    return rc;
  };
  std::string out, err;
  CHECK(run_check(R"({"providers":[{"name":"ollama"},{"name":"groq","limits":{"rpm":-3}}]})",
                  out, err)
        == 2);
  CHECK_THAT(err, Catch::Contains("providers[1].limits.rpm: expected a positive integer, got -3"));
  CHECK(run_check(R"({"routing":{"pacing":"fast","colour":"red"}})", out, err) == 2);
  CHECK_THAT(err, Catch::Contains("routing.pacing"));
  CHECK_THAT(err, Catch::Contains("routing.colour"));

  setenv("GROQ_API_KEY", "gsk_very_secret_value_123", 1);
  CHECK(run_check("{}", out, err) == 0);
  unsetenv("GROQ_API_KEY");
  CHECK_THAT(out, Catch::Contains("\"server\""));
  CHECK_THAT(out + err, !Catch::Contains("gsk_very_secret_value_123"));
}

#endif
