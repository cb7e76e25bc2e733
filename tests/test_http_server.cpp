#include "net/http/server.hpp"
#include "net/http/io_runtime.hpp"

#include "loopback_http.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

using namespace zega::net;
using zega::test::raw_conn;
using zega::test::http_call;

namespace {

// A started server on an ephemeral port; the io thread stops before the handler's state goes.
struct server_fixture {
  explicit server_fixture(request_handler handler, server_options opts = {}) {
    server = std::make_unique<http_server>(io, opts, std::move(handler));
    error = server->start();
    io.start();
  }
  ~server_fixture() {
    server->stop_accepting();
    io.stop();
  }
  io_runtime io;
  std::unique_ptr<http_server> server;
  std::string error;
};

void echo(server_request req, responder res) {
  std::string q;
  query_param(req.query, "q", q);
  const auto* h = find_header(req.headers, "x-test");
  res.respond(200, "text/plain",
              req.method + " " + req.path + " q=" + q + " h=" + (h ? *h : "-") + " body="
                + req.body,
              {{"x-echo", "yes"}});
}

} // namespace

TEST_CASE("query_param decodes names and values", "[server]") {
  std::string v;
  CHECK(query_param("a=1&b=x%20y+z&c", "b", v));
  CHECK(v == "x y z");
  CHECK(query_param("a=1&b=2&c", "c", v));
  CHECK(v.empty());
  CHECK(query_param("na%6De=%41%2f", "name", v));
  CHECK(v == "A/");
  CHECK(query_param("bad=%zz%4", "bad", v));
  CHECK(v == "%zz%4");
  CHECK_FALSE(query_param("a=1&b=2", "x", v));
  CHECK_FALSE(query_param("", "a", v));
}

TEST_CASE("server routes requests to the handler with decoded path and headers", "[server]") {
  server_fixture f(echo);
  REQUIRE(f.error.empty());
  REQUIRE(f.server->port() != 0);
  auto r = http_call(f.server->port(), "POST", "/a%20b/c?q=hello%21", "payload",
                     {{"X-Test", "value"}});
  REQUIRE(r.ok);
  CHECK(r.status == 200);
  CHECK(r.body == "POST /a b/c q=hello! h=value body=payload");
  REQUIRE(r.header("x-echo"));
  CHECK(*r.header("x-echo") == "yes");
}

TEST_CASE("server refuses a body over the limit with 413", "[server]") {
  std::atomic<int> calls{0};
  server_options opts;
  opts.max_body_bytes = 1000;
  server_fixture f([&calls](server_request, responder res) {
    ++calls;
    res.respond(200, "text/plain", "ok");
  }, opts);
  REQUIRE(f.error.empty());
  auto r = http_call(f.server->port(), "POST", "/upload", std::string(5000, 'x'));
  REQUIRE(r.ok);
  CHECK(r.status == 413);
  CHECK(calls == 0);
  auto small = http_call(f.server->port(), "POST", "/upload", std::string(999, 'x'));
  CHECK(small.status == 200);
  CHECK(calls == 1);
}

TEST_CASE("server keeps the connection alive across requests", "[server]") {
  server_fixture f(echo);
  raw_conn c(f.server->port());
  REQUIRE(c.connected());
  REQUIRE(c.request("GET", "/one"));
  auto a = c.read_response();
  REQUIRE(c.request("GET", "/two?q=2"));
  auto b = c.read_response();
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  CHECK(a.body.rfind("GET /one", 0) == 0);
  CHECK(b.body.rfind("GET /two q=2", 0) == 0);
}

TEST_CASE("server answers 100-continue and HEAD without a body", "[server]") {
  server_fixture f(echo);
  raw_conn c(f.server->port());
  // A loopback Host and a JSON type: the server's request guard refuses anything else.
  REQUIRE(c.send_all("POST /up HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                     "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n"));
  auto interim = c.read_response();
  CHECK(interim.status == 100);
  REQUIRE(c.send_all("hello"));
  auto r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "POST /up q= h=- body=hello");
  REQUIRE(c.request("HEAD", "/h"));
  auto h = c.read_response(true);
  CHECK(h.status == 200);
  REQUIRE(h.header("content-length"));
  CHECK(*h.header("content-length") != "0");
  // Nothing but the next response may follow on the connection.
  REQUIRE(c.request("GET", "/after"));
  auto after = c.read_response();
  CHECK(after.body.rfind("GET /after", 0) == 0);
}

TEST_CASE("server answers from another thread and streams chunks", "[server]") {
  // Joined before the server goes: a detached thread could drop the last responder (and
  // with it the connection) after the io context was destroyed.
  std::mutex threads_mtx;
  std::vector<std::thread> threads;
  auto spawn = [&](std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(threads_mtx);
    threads.emplace_back(std::move(fn));
  };
  server_fixture f([&spawn](server_request req, responder res) {
    if (req.path == "/late") {
      spawn([res] { res.respond(201, "text/plain", "late"); });
      return;
    }
    res.start_stream(200, "application/x-ndjson");
    spawn([res] {
      for (int i = 0; i < 3; ++i) {
        res.write("{\"n\":" + std::to_string(i) + "}\n");
      }
      res.write(""); // must not end the body early
      res.finish();
      res.respond(500, "text/plain", "ignored: response already sent");
    });
  });
  raw_conn c(f.server->port());
  REQUIRE(c.request("GET", "/late"));
  auto late = c.read_response();
  CHECK(late.status == 201);
  CHECK(late.body == "late");
  REQUIRE(c.request("GET", "/stream"));
  auto s = c.read_response();
  REQUIRE(s.ok);
  CHECK(s.status == 200);
  CHECK(s.body == "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
  CHECK(s.chunks.size() == 3);
  // The connection is still usable after the stream.
  REQUIRE(c.request("GET", "/late"));
  CHECK(c.read_response().status == 201);
  std::lock_guard<std::mutex> lock(threads_mtx);
  for (auto& t : threads)
    t.join();
}

TEST_CASE("abort resets, raw_and_close sends bytes, alive() follows the client", "[server]") {
  std::promise<responder> held;
  server_fixture f([&held](server_request req, responder res) {
    if (req.path == "/abort")
      res.abort();
    else if (req.path == "/raw")
      res.raw_and_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"half\":");
    else
      held.set_value(res);
  });
  {
    raw_conn c(f.server->port());
    REQUIRE(c.request("GET", "/abort"));
    auto r = c.read_response();
    CHECK_FALSE(r.ok);
  }
  {
    raw_conn c(f.server->port());
    REQUIRE(c.request("GET", "/raw"));
    auto r = c.read_response();
    CHECK_FALSE(r.ok);
    CHECK(r.status == 200);
  }
  responder res = [&] {
    raw_conn c(f.server->port());
    REQUIRE(c.request("GET", "/hold"));
    auto fut = held.get_future();
    REQUIRE(fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    auto r = fut.get();
    CHECK(r.alive());
    return r;
  }(); // the client hangs up here
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !res.alive();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
  res.respond(200, "text/plain", "nobody listens"); // ignored without harm
}

TEST_CASE("server closes idle connections and rejects malformed requests", "[server]") {
  server_options opts;
  opts.read_timeout_ms = 100;
  server_fixture f(echo, opts);
  raw_conn idle(f.server->port(), 3000);
  auto start = std::chrono::steady_clock::now();
  CHECK(idle.peer_closed());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));

  raw_conn bad(f.server->port());
  REQUIRE(bad.send_all("NOT HTTP AT ALL\r\n\r\n"));
  auto r = bad.read_response();
  CHECK(r.status == 400);
  CHECK(bad.peer_closed());
}

TEST_CASE("stop_accepting refuses new connections", "[server]") {
  server_fixture f(echo);
  auto port = f.server->port();
  CHECK(http_call(port, "GET", "/x").status == 200);
  f.server->stop_accepting();
  // stop_accepting is posted to the io thread: poll, with a deadline, until it took effect.
  bool refused = false;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!refused && std::chrono::steady_clock::now() < until) {
    raw_conn c(port, 500);
    refused = !c.connected() || !c.request("GET", "/x") || !c.read_response().ok;
  }
  CHECK(refused);
}

TEST_CASE("server reports a bind failure", "[server]") {
  server_fixture a(echo);
  server_options opts;
  opts.port = a.server->port();
  opts.host = "not-an-address";
  server_fixture b(echo, opts);
  CHECK_FALSE(b.error.empty());
}
