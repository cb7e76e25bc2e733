// Issue 10 (found by review): SIGTERM while provider calls are in flight. The HTTP client
// and its io thread must outlive every actor that may call them; run against the
// -DZEGA_SANITIZE=ON build, a use after free there aborts zegad and fails the exit check.
#include "integration_support.hpp"

#include <csignal>

#if defined(ZEGAD_BIN) && defined(ZEGA_FAKE_LLM_BIN)

using namespace zega::itest;

TEST_CASE("SIGTERM during in-flight calls stops cleanly, again and again", "[integration]") {
  temp_dir dir;
  child_process fake;
  // Slow answers, so calls are in flight when the signal comes.
  REQUIRE(fake.start({ZEGA_FAKE_LLM_BIN, "--port", "0", "--seed", "7", "--latency-ms", "400"},
                     dir.path() + "/fake.log"));
  std::string fake_port = fake.wait_for_line("listening on 127\\.0\\.0\\.1:([0-9]+)", 20s);
  REQUIRE_FALSE(fake_port.empty());
  // No grace: the daemon stops while its calls are still out.
  std::string config = dir.path() + "/zegad.json";
  std::ofstream(config) << R"({"server":{"shutdown_grace_ms":0},
    "providers":[{"name":"ollama","kind":"ollama","base_url":"http://127.0.0.1:)"
                        << fake_port << R"(","model":"llama3.2","priority":1,
      "limits":{"max_in_flight":4},
      "timeouts":{"connect_ms":2000,"first_byte_ms":10000,"total_ms":20000}}]})";
  http_fixture http;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    child_process daemon;
    std::string log = dir.path() + "/zegad" + std::to_string(round) + ".log";
    std::string url = start_zegad(daemon, config, dir.path() + "/data", log);
    auto resp = http.call("POST", url + "/auto-train?async=1", R"({"num_examples":20})");
    REQUIRE(resp.status / 100 == 2);
    REQUIRE(wait_until(
      [&] {
        auto st = parse(http.call("GET", url + "/status").body);
        return st.HasMember("in_flight") && st["in_flight"].GetInt() > 0;
      },
      10s));
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(30s) == 0);
    CHECK(read_text(log).find("AddressSanitizer") == std::string::npos);
  }
}

#endif
