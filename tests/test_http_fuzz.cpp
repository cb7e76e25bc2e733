// Bounded random-request test of the HTTP front end (issue 10): 20,000 malformed, truncated,
// oversized and random requests against the real server with the real guard on loopback.
// Asserts no crash and that /health is still answered afterwards. The seed is fixed so a
// failure replays; ZEGA_FUZZ_SEED overrides it.
#include "net/http/server.hpp"
#include "net/http/io_runtime.hpp"

#include "loopback_http.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace zega::net;

namespace {

const std::vector<std::string> methods = {"GET", "POST", "OPTIONS", "DELETE", "HEAD", "PUT",
                                          "G\x01T", "", "POST POST", "CONNECT"};
const std::vector<std::string> targets = {"/health", "/", "/jobs/x/events", "/export?x=%zz",
                                          "*", "http://evil/", "/%00", "/../../etc/passwd",
                                          std::string(9000, 'a'), "/a?b=%", ""};
const std::vector<std::string> headers = {
  "Host: 127.0.0.1", "Host: 127.evil.example", "Host: [::1", "Host:", "Origin: null",
  "Origin: http://localhost:3000", "Content-Type: text/plain; x=application/json",
  "Content-Type: application/json; charset=\"", "Content-Length: -1",
  "Content-Length: 99999999999999999999", "Transfer-Encoding: chunked",
  "Transfer-Encoding: gzip, chunked", "Expect: 100-continue", "Authorization: Bearer ",
  "Connection: close", "X: " + std::string(20000, 'x'), "Bad Header", ": empty",
  "Last-Event-ID: 18446744073709551616"};

std::string random_request(std::mt19937_64& rng) {
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::string r;
  switch (rng() % 5) {
    case 0: { // random bytes
      std::size_t n = rng() % 512;
      for (std::size_t i = 0; i < n; ++i)
        r.push_back(static_cast<char>(rng()));
      return r;
    }
    case 1: // chunked body with a broken chunk
      return "POST /auto-train HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
             "Content-Type: application/json\r\n\r\n"
             + std::string(rng() % 2 ? "zz\r\n" : "5\r\n{\"a\":") + "\r\n";
    default: break;
  }
  r = pick(methods) + " " + pick(targets) + (rng() % 8 ? " HTTP/1.1" : " HTTP/9.9") + "\r\n";
  for (int i = 0, n = static_cast<int>(rng() % 5); i < n; ++i)
    r += pick(headers) + (rng() % 10 ? "\r\n" : "\n");
  std::string body(rng() % 64, '{');
  if (rng() % 2)
    r += "Content-Length: " + std::to_string(body.size() + rng() % 3) + "\r\n";
  r += "\r\n" + body;
  if (rng() % 4 == 0 && !r.empty()) // truncated anywhere
    r.resize(rng() % r.size());
  return r;
}

} // namespace

TEST_CASE("20,000 random and malformed requests crash nothing and /health still answers",
          "[integration][fuzz]") {
  server_options opts;
  opts.read_timeout_ms = 300; // truncated requests must not hold the test for 30 s
  opts.max_body_bytes = 4096;
  opts.guard.token = "fuzz-token-123456";
  opts.guard.cors_origins = {"http://localhost:3000"};
  io_runtime io;
  http_server server(io, opts, [](server_request req, responder res) {
    if (req.path == "/jobs/x/events") {
      res.start_stream(200, "text/event-stream");
      res.write("data: {}\n\n");
      res.finish();
    } else {
      res.respond(200, "application/json", "{}");
    }
  });
  REQUIRE(server.start().empty());
  io.start();
  auto port = server.port();

  std::uint64_t seed = 20261201;
  if (const char* s = std::getenv("ZEGA_FUZZ_SEED"))
    seed = std::strtoull(s, nullptr, 10);
  INFO("seed " << seed);
  constexpr int workers = 8;
  constexpr int total = 20000;
  std::atomic<int> sent{0};
  std::atomic<int> done{0};
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(w));
      while (sent.fetch_add(1) < total && std::chrono::steady_clock::now() < until) {
        zega::test::raw_conn c(port, 2000);
        if (!c.connected())
          continue;
        // Sometimes two requests on one connection (pipelining), then half-close so the
        // server sees the end instead of waiting for more.
        std::string bytes = random_request(rng);
        if (rng() % 6 == 0)
          bytes += random_request(rng);
        c.send_all(bytes);
        if (rng() % 3)
          ::shutdown(c.fd(), SHUT_WR);
        if (rng() % 2)
          c.read_response();
        ++done;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(done.load() >= total);
  auto health = zega::test::http_call(port, "GET", "/health");
  CHECK(health.status == 200);
  server.stop_accepting();
  io.stop();
}
